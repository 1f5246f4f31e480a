"""Asking for a reason in a modal (withdrawing or rejecting a sheet), and what every reason-asking modal shares."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input

from jz_tui.i18n import t

from .base import localise_bindings
from .widgets import Plain, TypeAheadInput

Answer = TypeVar("Answer")


class ReasonModal(ModalScreen[Answer | None], Generic[Answer]):
    """What the reason-asking modals share: OK accepts (``_accept``, each modal's own), the
    other button and Escape dismiss with None, and a reason left empty is refused under its
    input."""

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.has_class("modal-ok"):
            self._accept()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _typed_reason(self) -> str | None:
        """The reason typed, or None after saying it is needed (the cursor back in it)."""
        field = self.query_one(".modal-reason", Input)
        reason = field.value.strip()
        if not reason:
            error = self.query_one(".modal-error", Plain)
            error.update(t("reason_needed"))
            error.add_class("-shown")
            field.focus()
            return None
        return reason


class ReasonScreen(ReasonModal[str]):
    """Ask for a reason (withdrawing, rejecting); dismissed with the reason, or None."""

    CSS_PATH = "sheets.tcss"
    BINDINGS = [Binding("escape", "cancel", "key_no", id="reason-cancel", tooltip="tip_no")]

    def __init__(self, title: str, lines: Sequence[str] = (), *, verb: str | None = None) -> None:
        super().__init__()
        localise_bindings(self)
        self.title_text = title
        self.lines = list(lines)
        self.verb = verb  # what the OK button does (退回, 撤回 ...)

    def compose(self) -> ComposeResult:
        with Vertical(id="reason-box", classes="scores-modal"):
            yield Plain(self.title_text, classes="modal-title")
            for line in self.lines:
                yield Plain(line, classes="modal-line")
            yield TypeAheadInput(placeholder=t("scores_reason_placeholder"), id="reason-input", classes="modal-reason")
            yield Plain("", id="reason-error", classes="modal-error")
            with Horizontal(classes="modal-buttons"):
                yield Button(self.verb or t("verb_ok"), id="reason-ok", variant="primary", classes="modal-ok")
                yield Button(t("cancel_escape"), id="reason-cancel-button")

    def on_mount(self) -> None:
        self.query_one("#reason-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._accept()

    def _accept(self) -> None:
        reason = self._typed_reason()
        if reason is not None:
            self.dismiss(reason)
