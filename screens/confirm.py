"""A yes/no question in a modal: ``ConfirmScreen(title, lines, verb=...)`` dismisses with True or False.

``verb``: what the yes button does, in words (提交, 抽签, 冻结 ...): the button says it, and
``y`` still answers yes. ``blocked``: why it cannot go ahead; then there is no yes button,
only a way back, and ``y`` says why in one line instead of approving.

``details``: more lines under a heading of their own (what a signature records), scrolled
between the title and the buttons when they do not fit; ↑↓ and PgUp/PgDn scroll them
whatever has the focus.
"""

from __future__ import annotations

from dataclasses import replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button

from jz_tui.i18n import t

from .base import localise_bindings
from .widgets import Plain

# rows of a confirmation with details besides them: border and padding, the title, the hint, the buttons
_FIXED_ROWS = 11


class ConfirmScreen(ModalScreen[bool]):
    CSS_PATH = "confirm.tcss"
    BINDINGS = [
        Binding("y", "answer(True)", "key_yes", id="confirm-yes", tooltip="tip_yes"),
        Binding("n,escape", "answer(False)", "key_no", id="confirm-no", tooltip="tip_no"),
        Binding("up", "scroll_details(-1)", show=False),
        Binding("down", "scroll_details(1)", show=False),
        Binding("pageup", "scroll_details(-10)", show=False),
        Binding("pagedown", "scroll_details(10)", show=False),
    ]

    def __init__(self, title: str, lines: list[str], details: list[str] | None = None,
                 details_title: str = "", *, verb: str | None = None, blocked: str | None = None) -> None:
        if not verb and blocked is None:
            raise TypeError("a confirmation says what its button does: pass verb= (or blocked=)")
        super().__init__()
        localise_bindings(self)
        self.title_text = title
        self.lines = lines
        self.details = details
        self.details_title = details_title
        self.verb = verb
        self.blocked = blocked
        if verb:  # the footer's y says what it does, as the button does
            keys = self._bindings.key_to_bindings
            keys["y"] = [replace(b, description=verb) for b in keys.get("y", [])]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "answer" and parameters and parameters[0] is True and self.blocked is not None:
            return False  # no approving: the key says why (why_not)
        return True

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """Why ``y`` cannot approve (the app's key dispatch says it in one line)."""
        if action == "answer" and parameters and parameters[0] is True and self.blocked is not None:
            return self.blocked
        return None

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="-details" if self.details is not None else ""):
            yield Plain(self.title_text, id="confirm-title")
            if self.details is None:
                for line in self.lines:
                    yield Plain(line, classes="confirm-line")
            else:
                with VerticalScroll(id="confirm-details"):
                    for line in self.lines:
                        yield Plain(line, classes="confirm-line")
                    if self.details_title:
                        yield Plain(self.details_title, id="confirm-details-title")
                    for line in self.details:
                        yield Plain(line, classes="confirm-line confirm-detail")
                yield Plain(t("sign_scroll_hint"), id="confirm-scroll-hint")
            if self.blocked is not None:
                yield Plain(self.blocked, id="confirm-blocked")
            with Horizontal(id="confirm-buttons"):
                if self.blocked is None:
                    yield Button(t("confirm_do", verb=self.verb), id="yes", variant="primary")
                    yield Button(t("confirm_no"), id="no")
                else:
                    yield Button(t("confirm_back"), id="no")

    def on_mount(self) -> None:
        # A signature carries weight: Enter alone cancels; approving takes "y" or Tab then Enter.
        self.query_one("#no", Button).focus()
        if self.details is not None:
            self._fit()

    def on_resize(self) -> None:
        if self.details is not None:
            self._fit()

    def _fit(self) -> None:
        scroll = self.query_one("#confirm-details", VerticalScroll)
        scroll.styles.height = "auto"
        scroll.styles.max_height = max(3, self.size.height - _FIXED_ROWS)
        self.call_after_refresh(self._hint)

    def _hint(self) -> None:
        if self.is_attached:
            scroll = self.query_one("#confirm-details", VerticalScroll)
            self.query_one("#confirm-scroll-hint", Plain).display = scroll.max_scroll_y > 0

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes" and self.blocked is None)

    def action_answer(self, approved: bool) -> None:
        self.dismiss(approved and self.blocked is None)

    def action_scroll_details(self, rows: int) -> None:
        if self.details is not None:
            scroll = self.query_one("#confirm-details", VerticalScroll)
            scroll.scroll_to(y=scroll.scroll_y + rows, animate=False)
