"""A one-line question in a modal (a reason, a ballot number), as the tally asks it."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input

from jz_tui.i18n import t

from .base import localise_bindings
from .widgets import Plain, TypeAheadInput


class PromptScreen(ModalScreen[str | None]):
    """One line of text (a reason, a ballot number): Enter gives it, Escape gives None."""

    CSS_PATH = "ballots.tcss"
    BINDINGS = [Binding("escape", "cancel", "key_no", id="prompt-cancel", tooltip="tip_no")]

    def __init__(self, title: str, label: str, *, value: str = "", placeholder: str = "",
                 integer: bool = False) -> None:
        super().__init__()
        localise_bindings(self)
        self.title_text = title
        self.label = label
        self.value = value
        self.placeholder = placeholder
        self.integer = integer

    def compose(self) -> ComposeResult:
        with Vertical(classes="tally-modal"):
            yield Plain(self.title_text, classes="modal-title")
            yield Plain(self.label, classes="modal-label")
            yield TypeAheadInput(self.value, placeholder=self.placeholder, type="integer" if self.integer else "text",
                        id="prompt-input", max_length=200)
            yield Plain(t("tally_ui_prompt_hint"), classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#prompt-input", Input).focus()

    @on(Input.Submitted, "#prompt-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
