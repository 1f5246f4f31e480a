"""The session's rules (admin, setup step 1): every rule of ``jz config --show``, by section.

Each rule is listed with its value in force and its default (``jz_tui/data/rules.toml``);
a rule that differs from its default is marked ``*``. Enter on a rule opens it in a form
with its value as ``jz config --set`` takes it; the value typed is read and validated by the
same calls as ``jz config --set KEY=VALUE`` (``parse_cli_value``, then ``config.change``,
which appends one ``config.set`` event), in a worker. A refusal (a value out of range, a
rule fixed once a panel or a box exists) reopens the form with what was typed and the
refusal in words. ``n`` sets any rule by its key (a stage's weight, ``full_marks.written``),
``i`` imports a ``rules.toml`` file (``config.import_file``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from jz_tui.errors import JzError
from jz_tui.i18n import error_text, t, t_or
from jz_tui.rules import settings as rules
from jz_tui.services import config
from jz_tui.services.session import Session

from .data import LedgerActivity, SessionClosed
from .form import FormField, FormScreen
from .setup_step import SetupStepScreen
from .widgets import Cell, Plain, TablePanel

# The sections in the order a session's rules are read: stages and weights first.
SECTIONS = ("stages", "interview", "democratic", "ranking", "tally", *(
    table for table in rules.OPEN_TABLES if table != "stages"))
SECTION_ROW = "section:"  # the row key of a section's heading
SHOWN_WIDTH = 17  # terminal cells: a value wider is cut in the table (the form shows it whole); fits 80 columns


def value_text(value: Any) -> str:
    """A rule's value as ``jz config --set`` takes it back: a word or number as it is, true or
    false, a list as TOML (JSON's spelling of it)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def section_of(key: str) -> str:
    return key.partition(".")[0]


def help_key(key: str) -> str:
    """The catalogue key of a rule's one-line explanation (a stage table's: the table's)."""
    table, _, leaf = key.partition(".")
    if table in rules.OPEN_TABLES:
        return "rules_help_" + table
    return "rules_help_" + key.replace(".", "_")


@dataclass(frozen=True)
class RuleLine:
    key: str
    value: str  # as --set takes it
    default: str  # "" when the rule has no default (a stage table's entry)
    changed: bool


@dataclass(frozen=True)
class RulesSnapshot:
    lines: tuple[RuleLine, ...]


def rules_snapshot(session: Session) -> RulesSnapshot:
    current = config.current_settings(session)
    defaults = rules.settings_from({})
    order = {section: n for n, section in enumerate(SECTIONS)}
    # by section; within one, in the order of rules.toml, then the rules a session added (stable sort)
    keys = sorted(current, key=lambda k: order.get(section_of(k), len(order)))
    return RulesSnapshot(tuple(
        RuleLine(key, value_text(current[key]), value_text(defaults[key]) if key in defaults else "",
                 key not in defaults or defaults[key] != current[key])
        for key in keys
    ))


def shown_value(text: str) -> str:
    """``text`` cut to :data:`SHOWN_WIDTH` cells (a Chinese character takes two), "..." marking the cut."""
    if cell_len(text) <= SHOWN_WIDTH:
        return text
    cut = ""
    for char in text:
        if cell_len(cut + char) > SHOWN_WIDTH - 3:
            break
        cut += char
    return cut + "..."


class RulesScreen(SetupStepScreen):
    STEP = "rules"
    CSS_PATH = ["setup.tcss", "setup_rules.tcss"]

    BINDINGS = [
        Binding("enter", "edit", "key_rules_edit", id="rules-edit", tooltip="tip_rules_edit"),
        Binding("n", "new_rule", "key_rules_new", id="rules-new", tooltip="tip_rules_new"),
        Binding("i", "import_rules", "key_rules_import", id="rules-import", tooltip="tip_rules_import"),
    ]

    class Changed(Message):
        """The change worker finished: what was asked, and the refusal in words (None: done)."""

        def __init__(self, request: dict[str, str], error: str | None, saved: dict[str, Any]) -> None:
            super().__init__()
            self.request = request
            self.error = error
            self.saved = saved

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._lines: dict[str, RuleLine] = {}

    def compose_step(self) -> ComposeResult:
        yield Plain(t("rules_intro"), classes="intro")
        yield TablePanel(
            t("rules_panel"),
            [("mark", " "), ("key", t("rules_col_key")), ("value", t("rules_col_value")),
             ("default", t("rules_col_default"))],
            t("rules_empty"),
            id="rules",
        )

    def on_mount(self) -> None:
        self.query_one("#rules", TablePanel).table.focus()

    def load(self, session: Session, activity: LedgerActivity) -> RulesSnapshot:
        return rules_snapshot(session)

    def show(self, snapshot: RulesSnapshot) -> None:
        self._lines = {line.key: line for line in snapshot.lines}
        rows: dict[str, list[Cell]] = {}
        section = None
        for line in snapshot.lines:
            if section_of(line.key) != section:
                section = section_of(line.key)
                heading = Text(t_or("rules_section_" + section, section), style="bold")
                rows[SECTION_ROW + section] = ["", heading, "", ""]
            rows[line.key] = ["*" if line.changed else "", line.key, shown_value(line.value),
                              shown_value(line.default) if line.default else "-"]
        self.query_one("#rules", TablePanel).show_rows(rows)

    # ------------------------------------------------------------------ editing

    def _highlighted(self) -> RuleLine | None:
        table = self.query_one("#rules", TablePanel).table
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return self._lines.get(str(row_key.value))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        line = self._lines.get(str(event.row_key.value))
        if line is not None:
            self._open_edit({"kind": "set", "key": line.key, "value": line.value})

    def action_edit(self) -> None:
        line = self._highlighted()
        if line is not None:
            self._open_edit({"kind": "set", "key": line.key, "value": line.value})

    def action_new_rule(self) -> None:
        self._open_edit({"kind": "new", "key": "", "value": ""})

    def action_import_rules(self) -> None:
        self._open_edit({"kind": "import", "path": ""})

    def _open_edit(self, request: dict[str, str], error: str | None = None) -> None:
        kind = request["kind"]
        if kind == "import":
            form = FormScreen(t("rules_import_title"), [t("rules_import_line")],
                              [FormField("path", t("rules_field_path"), request.get("path", ""),
                                         placeholder="rules.toml")],
                              error=error)
        elif kind == "new":
            form = FormScreen(t("rules_new_title"), [t("rules_new_line"), t("rules_value_how")],
                              [FormField("key", t("rules_field_key"), request.get("key", ""),
                                         placeholder="full_marks.written"),
                               FormField("value", t("rules_field_value"), request.get("value", ""))],
                              error=error)
        else:
            key = request["key"]
            line = self._lines.get(key)
            lines = [t_or(help_key(key), ""), t("rules_edit_default", default=line.default if line and line.default
                                                 else "-"), t("rules_value_how")]
            form = FormScreen(t("rules_edit_title", key=key), [text for text in lines if text],
                              [FormField("value", t("rules_field_value"), request.get("value", ""))],
                              error=error)

        def answered(values: dict[str, str] | None) -> None:
            if values is not None:
                self._change({**request, **values})

        self.app.push_screen(form, answered)

    @work(thread=True, exclusive=True, group="rules-change")
    def _change(self, request: dict[str, str]) -> None:
        def run(session: Session, _activity: LedgerActivity) -> dict[str, Any]:
            if request["kind"] == "import":
                path = request["path"].strip()
                if not path:
                    raise JzError("rules_path_needed")
                return config.import_file(session, path)
            key = request["key"].strip()
            if not key:
                raise JzError("rules_key_needed")
            return config.change(session, {key: rules.parse_cli_value(request["value"])})

        try:
            saved = self.context.shared.use(run)
        except SessionClosed:
            return
        except JzError as error:
            self.post_message(self.Changed(request, error_text(error), {}))
            return
        self.post_message(self.Changed(request, None, saved))

    def on_rules_screen_changed(self, message: Changed) -> None:
        message.stop()
        if message.error is not None:
            self.say(message.error, error=True)
            self._open_edit(message.request, message.error)  # the form again, with what was typed
            return
        if len(message.saved) == 1:
            key, value = next(iter(message.saved.items()))
            self.say(t("rules_changed_one", key=key, value=value_text(value)))
        else:
            self.say(t("rules_changed_many", count=len(message.saved)))
        self.reload()
