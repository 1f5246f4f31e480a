"""A yes/no question in a modal: ``ConfirmScreen(title, lines)`` dismisses with True or False."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button

from jz_tui.i18n import t

from .base import localise_bindings
from .widgets import Plain


class ConfirmScreen(ModalScreen[bool]):
    CSS_PATH = "confirm.tcss"
    BINDINGS = [
        Binding("y", "answer(True)", "key_yes", id="confirm-yes", tooltip="tip_yes"),
        Binding("n,escape", "answer(False)", "key_no", id="confirm-no", tooltip="tip_no"),
    ]

    def __init__(self, title: str, lines: list[str]) -> None:
        super().__init__()
        localise_bindings(self)
        self.title_text = title
        self.lines = lines

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Plain(self.title_text, id="confirm-title")
            for line in self.lines:
                yield Plain(line, classes="confirm-line")
            with Horizontal(id="confirm-buttons"):
                yield Button(t("confirm_yes"), id="yes", variant="primary")
                yield Button(t("confirm_no"), id="no")

    def on_mount(self) -> None:
        # A signature carries weight: Enter alone cancels; approving takes "y" or Tab then Enter.
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, approved: bool) -> None:
        self.dismiss(approved)
