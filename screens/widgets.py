"""Widgets and wording shared by the mode screens: live tables and their labels.

A live table is a ``DataTable`` whose rows are keyed by a record id (an event's seq, a
pending action's id, an event kind) and brought up to date in place: stale keys
removed, changed cells updated, new keys added. It is never cleared and refilled, so
the cursor and the scroll position survive every refresh.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from rich.text import Text
from textual import events
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import DataTable, Input, Label
from textual.widgets.data_table import ColumnKey

from jz_tui.i18n import t, t_or

from .data import ActivityRow, PendingRow

Cell = str | Text


class Plain(Label):
    """A label shown exactly as given: names, reasons and file names may contain [brackets]."""

    def __init__(self, content: str = "", **kwargs) -> None:
        super().__init__(content, markup=False, **kwargs)


# ---------------------------------------------------------------------- wording


def kind_label(kind: str) -> str:
    """The readable name of an event kind; the kind itself if the catalogue has none."""
    key = "kind_" + kind.replace(".", "_")
    return t_or(key, kind)


def action_label(action: str) -> str:
    key = "action_" + action.replace(".", "_")
    return t_or(key, action)


def role_label(role: str) -> str:
    key = "role_" + role
    return t_or(key, role)


def missing_text(row: PendingRow) -> str:
    # "supervisor 1", not "supervisor×1": × is ambiguous-width and would skew CJK columns
    return t("app_list_separator").join(f"{role_label(role)} {count}" for role, count in row.missing)


def local_time(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone().strftime("%H:%M:%S")


def number(value: int) -> Text:
    return Text(str(value), justify="right")


# ---------------------------------------------------------------------- live tables


class TypeAheadInput(Input):
    """An input whose keys apply in the order they were typed, however fast they come.

    Textual inserts a printable key where it is queued, in the input, but runs bindings
    (Backspace, the arrows, Enter, the screen's keys) only once the key has bubbled up to
    the app; typed ahead (a scanner, a fast examiner, a busy app catching up) "25⌫0" became
    "250". Here the input runs the bindings itself as it reads the key, in line with the
    characters: its own, then its ancestors', as the app would have. The walk starts from
    this input, not from the focus, which may already have moved on.

    Moving the cursor must happen while the key is dispatched instead (priority bindings),
    so that keys typed before it stay queued for this input and keys after it go to the
    next: Tab and Shift+Tab, and Enter when there is a ``next_field``. Without one, Enter
    submits, in line.
    """

    BINDINGS = [
        Binding("enter", "advance", show=False, priority=True),
        Binding("enter", "submit", show=False),  # Input's own, which the line above would hide
        Binding("tab", "move(1)", show=False, priority=True),
        Binding("shift+tab", "move(-1)", show=False, priority=True),
    ]

    next_field: Widget | None = None

    def action_advance(self) -> None:
        if self.next_field is None:
            raise SkipAction()  # Enter goes on to this input: it submits
        self.screen.set_focus(self.next_field)

    def action_move(self, step: int) -> None:
        if step > 0:
            self.screen.focus_next()
        else:
            self.screen.focus_previous()

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable:
            return  # Input inserts it
        for node in self.ancestors_with_self:
            # ``_bindings``: the merged bindings Textual itself consults (pinned Textual version)
            for binding in node._bindings.key_to_bindings.get(event.key, ()):
                if binding.priority:
                    continue  # the app ran those when the key arrived
                if await self.app.run_action(binding.action, node):
                    event.stop()
                    event.prevent_default()
                    return


class LiveTable(DataTable):
    """A read-mostly table updated in place from snapshots (see the module docstring)."""

    def __init__(self, columns: Sequence[tuple[str, str]], *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._column_spec = columns  # (column key, heading already in the user's language)

    def on_mount(self) -> None:
        for key, heading in self._column_spec:
            self.add_column(heading, key=key)

    def sync(self, rows: Mapping[str, Sequence[Cell]], sort_by: str | None = None, reverse: bool = False) -> None:
        """Show exactly ``rows`` (row key -> cells in column order); call inside ``app.batch_update()``."""
        for stale in [key for key in self.rows if key.value not in rows]:
            self.remove_row(stale)
        column_keys = [key for key, _ in self._column_spec]
        updated = False
        for row_key, cells in rows.items():
            texts = [Text(cell) if isinstance(cell, str) else cell for cell in cells]  # data, never markup
            if row_key in self.rows:
                current = self.get_row(row_key)
                for column_key, old, new in zip(column_keys, current, texts, strict=True):
                    if old != new:
                        self.update_cell(row_key, column_key, new, update_width=True)
                        # DataTable widens the column only when it next goes idle, and keeps the lines
                        # it draws meanwhile: "awaiting" -> "confirmed" could stay cut to "confirme"
                        # until something else changed. Widen it now, before anything is drawn.
                        column = self.columns[ColumnKey(column_key)]
                        column.content_width = max(column.content_width, new.cell_len)
                        updated = True
            else:
                self.add_row(*texts, key=row_key)
        if updated:
            self.check_idle()  # and let the table measure the rest (narrower columns, its size) soon
        if sort_by is not None:
            self.sort(sort_by, key=_sort_value, reverse=reverse)


def _sort_value(cell: Cell) -> object:
    text = cell.plain if isinstance(cell, Text) else cell
    return int(text) if text.isdigit() else text


class TablePanel(Vertical):
    """A titled box with one live table, and a sentence shown instead while it is empty."""

    def __init__(self, title: str, columns: Sequence[tuple[str, str]], empty: str, *, id: str) -> None:
        super().__init__(id=id, classes="table-panel -empty")
        self._title = title
        self._columns = columns
        self._empty = empty

    def compose(self) -> ComposeResult:
        yield LiveTable(self._columns)
        yield Plain(self._empty, classes="empty-note")

    def on_mount(self) -> None:
        self.border_title = self._title

    def show_rows(self, rows: Mapping[str, Sequence[Cell]], sort_by: str | None = None, reverse: bool = False
                  ) -> None:
        self.query_one(LiveTable).sync(rows, sort_by, reverse)
        self.set_class(not rows, "-empty")

    @property
    def table(self) -> LiveTable:
        return self.query_one(LiveTable)


# ---------------------------------------------------------------------- the standard panels


def counts_panel(id: str = "counts") -> TablePanel:
    """Events per kind: in the whole session and by this user."""
    return TablePanel(
        t("app_panel_counts"),
        [("kind", t("app_col_kind")), ("all", t("app_col_all")), ("mine", t("app_col_mine"))],
        t("app_counts_empty"),
        id=id,
    )


def counts_rows(counts: Sequence[tuple[str, int, int]]) -> dict[str, list[Cell]]:
    return {kind: [kind_label(kind), number(total), number(mine)] for kind, total, mine in counts}


def pending_panel(title: str, empty: str, *, wide: bool = False, id: str = "pending") -> TablePanel:
    """Pending actions; ``wide`` adds who started each and why (the reason last: it is free text)."""
    columns = [("id", t("app_col_id")), ("action", t("app_col_action")), ("needs", t("app_col_needs"))]
    if wide:
        columns += [("by", t("app_col_started_by")), ("reason", t("app_col_reason"))]
    return TablePanel(title, columns, empty, id=id)


def pending_rows(rows: Sequence[PendingRow], *, wide: bool = False) -> dict[str, list[Cell]]:
    result: dict[str, list[Cell]] = {}
    for row in rows:
        cells: list[Cell] = [row.id, action_label(row.action), missing_text(row)]
        if wide:
            cells += [row.created_by, row.reason]
        result[row.id] = cells
    return result


def activity_panel(title: str, empty: str, *, with_actor: bool, id: str = "activity") -> TablePanel:
    columns = [("seq", t("app_col_seq")), ("time", t("app_col_time"))]
    if with_actor:
        columns.append(("actor", t("app_col_actor")))
    columns.append(("kind", t("app_col_event")))
    return TablePanel(title, columns, empty, id=id)


def activity_rows(rows: Sequence[ActivityRow], *, with_actor: bool, mask_time: bool = False
                  ) -> dict[str, list[Cell]]:
    result: dict[str, list[Cell]] = {}
    for row in rows:
        cells: list[Cell] = [number(row.seq), "--:--:--" if mask_time else local_time(row.at)]
        if with_actor:
            cells.append(row.actor)
        cells.append(kind_label(row.kind))
        result[str(row.seq)] = cells
    return result
