"""F1: the keys of the screen the user was on, with what each does."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable

from jz_tui.i18n import t

from .base import localise_bindings
from .widgets import Plain


@dataclass(frozen=True)
class HelpRow:
    key: str
    action: str
    explanation: str


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help.tcss"
    BINDINGS = [Binding("escape", "close", "key_close", id="help-close", tooltip="tip_close")]

    def __init__(self, rows: list[HelpRow]) -> None:
        super().__init__()
        localise_bindings(self)
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Plain(t("help_title"), id="help-title")
            yield DataTable(id="help-keys", cursor_type="row", zebra_stripes=True)
            yield Plain(t("help_hint"), id="help-hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(t("help_col_key"), t("help_col_action"), t("help_col_explanation"))
        for row in self.rows:
            table.add_row(Text(row.key), Text(row.action), Text(row.explanation))  # text, never markup
        table.focus()

    def action_close(self) -> None:
        self.dismiss()
