"""F1: the keys of the screen the user was on, with what each does.

Keys are shown by :func:`key_display`, in the user's language (回车, 空格, ←), here and in the
footer (the app's ``get_key_display``); an explanation longer than its column wraps onto more
lines of its row rather than being cut at 80 columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import DataTable

from jz_tui.display import cells, wrapped
from jz_tui.i18n import t

from .base import localise_bindings
from .widgets import Plain

# Textual's key names -> the catalogue's name for the key (keycap_*); the rest show as Textual
# shows them (a letter, a digit, "/"), function keys in capitals (F1).
KEYCAPS = {
    "enter": "keycap_enter", "escape": "keycap_escape", "tab": "keycap_tab", "space": "keycap_space",
    "backspace": "keycap_backspace", "delete": "keycap_delete", "pageup": "keycap_pageup",
    "pagedown": "keycap_pagedown", "home": "keycap_home", "end": "keycap_end", "up": "keycap_up",
    "down": "keycap_down", "left": "keycap_left", "right": "keycap_right", "shift": "keycap_shift",
}
# a key_display written by a screen (Binding(..., key_display="Enter")) -> the key it names
DISPLAY_NAMES = {"enter": "enter", "esc": "escape", "escape": "escape", "tab": "tab", "space": "space",
                 "pgup": "pageup", "pgdn": "pagedown", "right": "right", "left": "left", "up": "up",
                 "down": "down", "backspace": "backspace", "del": "delete", "home": "home", "end": "end"}


def key_name(key: str) -> str:
    """One key (no modifier) as the user's language names it."""
    if key in KEYCAPS:
        return t(KEYCAPS[key])
    if re.fullmatch(r"f\d{1,2}", key):
        return key.upper()
    return format_key(key)


def key_display(binding: Binding) -> str:
    """How a binding's key is shown, in the footer and the F1 help: ``^q``, ``回车``, ``F3``, ``→``."""
    if binding.key_display:
        named = DISPLAY_NAMES.get(binding.key_display.lower())
        return key_name(named) if named else binding.key_display
    modifiers, key = binding.parse_key()
    text = key_name(key)
    if "ctrl" in modifiers:
        modifiers.remove("ctrl")
        text = f"^{text}"
    return "+".join([*(key_name(m) for m in modifiers), text])


@dataclass(frozen=True)
class HelpRow:
    key: str
    action: str
    explanation: str


# The box is 76 cells wide at most (help.tcss); its border, padding, the table's cell padding
# (one cell each side of each of three columns) and a scrollbar take the rest.
BOX_WIDTH, BOX_CHROME, TABLE_CHROME = 76, 4, 8


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
        headers = (t("help_col_key"), t("help_col_action"), t("help_col_explanation"))
        key_width = max([cells(headers[0]), *(cells(row.key) for row in self.rows)])
        action_width = max([cells(headers[1]), *(cells(row.action) for row in self.rows)])
        inner = min(BOX_WIDTH, self.app.size.width) - BOX_CHROME - TABLE_CHROME
        width = max(12, inner - key_width - action_width)
        table.add_column(headers[0], width=key_width)
        table.add_column(headers[1], width=action_width)
        table.add_column(headers[2], width=width)
        for row in self.rows:
            lines = wrapped(row.explanation or "", width)
            # text, never markup; a long explanation takes more lines of its row
            table.add_row(Text(row.key), Text(row.action), Text("\n".join(lines)), height=len(lines))
        table.focus()

    def action_close(self) -> None:
        self.dismiss()
