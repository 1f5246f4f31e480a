"""Importing a spreadsheet from a setup step (the roster, the written scores): choose the
file, see what would be imported, then import it all or nothing.

Typing a path (completed from the folder's .csv/.xlsx files with →) and Enter, or a file
chosen by browsing the folders (ctrl+o), previews the file through the same service as the command line (``preview_roster``, ``preview_written``):
which sheet and header row were found, the columns recognised, the first rows read, every
refusal by row, and the count. Nothing is written. ``i`` (or the button) then asks for a
confirmation whose button says 导入 and appends through the same service
(``import_previewed``), which reads the file again and goes ahead only if its bytes are the
ones previewed and every row still passes. A refused preview cannot be imported.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, DataTable, Input, OptionList
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from jz_tui.errors import JzError
from jz_tui.i18n import error_text, t, t_or
from jz_tui.services import tabular
from jz_tui.services.session import Session

from .base import localise_bindings
from .confirm import ConfirmScreen
from .data import LedgerActivity, SessionClosed
from .setup_step import SetupStepScreen
from .widgets import Plain

SUFFIXES = frozenset({".csv", ".xlsx", ".tsv", ".txt"})  # what jz_tui.services.tabular reads
PREVIEW_ROWS = 200  # rows shown in the preview table; the count covers them all


class PathSuggester(Suggester):
    """Completes a path from the files a table can be read from, and folders, in its folder;
    a relative path is taken from ``base`` (the session file's folder)."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.base = Path.cwd()

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        typed = Path(value).expanduser()
        path = typed if typed.is_absolute() else self.base / typed
        folder, stem = (path, "") if value.endswith(os.sep) else (path.parent, path.name)
        try:
            entries = sorted(folder.iterdir(), key=lambda e: e.name)
        except (OSError, ValueError):  # ValueError: a NUL in what was typed
            return None
        for entry in entries:
            name = entry.name
            if name == stem or not name.startswith(stem) or name.startswith("."):
                continue
            if entry.is_dir():
                return value + name[len(stem):] + os.sep
            if entry.suffix.lower() in SUFFIXES:
                return value + name[len(stem):]
        return None


def folder_entries(folder: Path) -> list[Path]:
    """What a folder offers to choose from: its parent, its folders, then the files a table can be
    read from (nothing hidden), each sorted by name."""
    try:
        entries = [entry for entry in folder.iterdir() if not entry.name.startswith(".")]
    except (OSError, ValueError):
        entries = []
    folders = sorted((e for e in entries if e.is_dir()), key=lambda e: e.name)
    files = sorted((e for e in entries if e.is_file() and e.suffix.lower() in SUFFIXES), key=lambda e: e.name)
    return ([folder.parent] if folder.parent != folder else []) + folders + files


class FilePickScreen(ModalScreen[str | None]):
    """A file chosen by browsing folders (arrows, Enter opens a folder or chooses a file), for
    those who would rather browse than type. The listing is read at once: no worker."""

    CSS_PATH = "import_preview.tcss"
    BINDINGS = [Binding("escape", "cancel", "key_form_cancel", id="pick-cancel", tooltip="tip_form_cancel")]

    def __init__(self, folder: Path) -> None:
        super().__init__()
        localise_bindings(self)
        self.folder = folder
        self._entries: list[Path] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="pick-box"):
            yield Plain("", id="pick-title")
            yield OptionList(id="pick-list")

    def on_mount(self) -> None:
        self._list(self.folder)
        self.query_one("#pick-list", OptionList).focus()

    def _list(self, folder: Path) -> None:
        self.folder = folder
        self._entries = folder_entries(folder)
        self.query_one("#pick-title", Plain).update(t("import_pick_title", folder=str(folder)))
        options = self.query_one("#pick-list", OptionList)
        options.clear_options()
        options.add_options([
            Option(Text(".." + os.sep if entry == folder.parent else entry.name + (os.sep if entry.is_dir() else "")),
                   id=str(index))
            for index, entry in enumerate(self._entries)
        ])
        if self._entries:
            options.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        entry = self._entries[int(event.option.id or 0)]
        if entry.is_dir():
            self._list(entry)
        else:
            self.dismiss(str(entry))

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class Refusal:
    row: int
    field: str  # in words
    reason: str  # in words


@dataclass(frozen=True)
class PreviewView:
    """A preview in words, for the screen (built in the worker, from :class:`tabular.Preview`)."""

    file: str
    where: str  # which sheet and header row were read (and where a footer ended the table)
    columns: str  # the columns recognised, in words
    headers: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]  # the first rows read
    read: int  # every row read
    count: int  # what the import would record
    refusals: tuple[Refusal, ...]


def preview_view(preview: tabular.Preview) -> PreviewView:
    table = preview.table
    columns = [t_or("field_" + field.removeprefix("sub:"), field.removeprefix("sub:"))
               for field, _ in sorted(preview.columns.items(), key=lambda item: item[1])]
    refusals = []
    for problem in preview.problems:
        field = t_or("field_" + problem.field, problem.field)
        reason = t(problem.key, **{**problem.params, "value": problem.value, "field": field})
        refusals.append(Refusal(problem.row, field, reason))
    return PreviewView(
        preview.path, tabular.where_read(table), t("import_columns", columns=columns), tuple(table.headers),
        tuple((number, tuple(row)) for number, row in table.rows[:PREVIEW_ROWS]), len(table.rows), preview.count,
        tuple(refusals),
    )


class ImportStepScreen(SetupStepScreen):
    """The frame of an import step; a subclass names its service calls and its words."""

    CSS_PATH = ["setup.tcss", "import_preview.tcss"]
    BINDINGS = [
        *SetupStepScreen.BINDINGS,
        Binding("i", "import", "key_import_run", id="import-run", tooltip="tip_import_run"),
        Binding("ctrl+o", "browse", "key_import_browse", id="import-browse", tooltip="tip_import_browse",
                priority=True),
    ]
    WHAT: ClassVar[str]  # catalogue suffix of the words that differ: import_intro_<WHAT>, ...

    class Previewed(Message):
        def __init__(self, preview: tabular.Preview | None, view: PreviewView | None, error: str | None) -> None:
            super().__init__()
            self.preview = preview
            self.view = view
            self.error = error

    class Imported(Message):
        def __init__(self, done: str | None, error: str | None) -> None:
            super().__init__()
            self.done = done
            self.error = error

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._suggester = PathSuggester()
        self._preview: tabular.Preview | None = None
        self._view: PreviewView | None = None
        self._folder_set = False

    # ------------------------------------------------------------------ what a subclass supplies

    def preview_file(self, session: Session, path: str) -> tabular.Preview:
        raise TypeError(f"{type(self).__name__} must define preview_file()")

    def import_file(self, session: Session, preview: tabular.Preview) -> str:
        """Append the previewed import; the sentence that says what was imported."""
        raise TypeError(f"{type(self).__name__} must define import_file()")

    def compose_options(self) -> ComposeResult:
        """Fields besides the file's (the written scores' correction reason)."""
        yield from ()

    def state_line(self, snapshot: Any) -> str:
        raise TypeError(f"{type(self).__name__} must define state_line()")

    # ------------------------------------------------------------------ the body

    def compose_step(self) -> ComposeResult:
        yield Plain(t(f"import_intro_{self.WHAT}"), classes="intro")
        yield Plain("", id="import-state", classes="import-line")
        with Horizontal(classes="import-field"):
            yield Plain(t("import_file_label"), classes="import-label")
            yield Input(placeholder=t("import_file_placeholder"), suggester=self._suggester, id="import-path",
                        compact=True)
        yield from self.compose_options()
        yield Plain("", id="import-where", classes="import-line")
        yield Plain("", id="import-columns", classes="import-line")
        with Horizontal(classes="import-summary-row"):
            yield Plain("", id="import-summary", classes="import-line")
            yield Button(t("import_button"), id="import-button", variant="primary", compact=True)
        rows = DataTable(id="import-rows", cursor_type="row", zebra_stripes=True)
        rows.border_title = t("import_panel_rows")
        yield rows
        refusals = DataTable(id="import-refusals", cursor_type="row")
        refusals.border_title = t("import_panel_refusals")
        yield refusals

    def on_mount(self) -> None:
        refusals = self.query_one("#import-refusals", DataTable)
        refusals.add_column(t("import_col_row"), key="row")
        refusals.add_column(t("import_col_field"), key="field")
        refusals.add_column(t("import_col_reason"), key="reason")
        self._show_preview(None)
        self.query_one("#import-path", Input).focus()

    def load(self, session: Session, activity: LedgerActivity) -> tuple[str, Any]:
        return str(session.vault.path.resolve().parent), self.load_state(session)

    def load_state(self, session: Session) -> Any:
        raise TypeError(f"{type(self).__name__} must define load_state()")

    def show(self, snapshot: tuple[str, Any]) -> None:
        folder, state = snapshot
        self._suggester.base = Path(folder)
        field = self.query_one("#import-path", Input)
        if not self._folder_set and not field.value:
            field.value = folder + os.sep
            field.cursor_position = len(field.value)
        self._folder_set = True
        self.query_one("#import-state", Plain).update(self.state_line(state))

    # ------------------------------------------------------------------ preview

    def action_browse(self) -> None:
        typed = Path(self.query_one("#import-path", Input).value.strip() or ".").expanduser()
        if not typed.is_absolute():
            typed = self._suggester.base / typed
        folder = typed if typed.is_dir() else typed.parent
        if not folder.is_dir():
            folder = self._suggester.base

        def picked(path: str | None) -> None:
            if path is not None:
                field = self.query_one("#import-path", Input)
                field.value = path
                field.cursor_position = len(path)
                self.action_preview()

        self.app.push_screen(FilePickScreen(folder), picked)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_preview()

    def action_preview(self) -> None:
        text = self.query_one("#import-path", Input).value.strip()
        if not text or text.endswith(os.sep):
            self.say(t("import_choose_file"), error=True)
            return
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = self._suggester.base / path
        self._preview = None
        self.refresh_bindings()
        self.say(t("import_reading", file=path.name))
        self._run_preview(str(path))

    @work(thread=True, exclusive=True, group="import-preview")
    def _run_preview(self, path: str) -> None:
        try:
            preview = self.context.shared.use(lambda session, _activity: self.preview_file(session, path))
        except SessionClosed:
            return
        except JzError as error:
            if not get_current_worker().is_cancelled:
                self.post_message(self.Previewed(None, None, error_text(error)))
            return
        if not get_current_worker().is_cancelled:  # a later preview replaced this one
            self.post_message(self.Previewed(preview, preview_view(preview), None))

    def on_import_step_screen_previewed(self, message: Previewed) -> None:
        message.stop()
        self._preview = message.preview
        with self.app.batch_update():
            self._show_preview(message.view)
        if message.error is not None:
            self.say(message.error, error=True)
        elif message.view is not None and message.view.refusals:
            self.say(t("import_refused_screen", count=len(message.view.refusals)), error=True)
            self.query_one("#import-refusals", DataTable).focus()
        else:
            self.say(t("import_ready", count=message.view.count if message.view else 0))
            self.query_one("#import-rows", DataTable).focus()
        self.refresh_bindings()

    def _show_preview(self, view: PreviewView | None) -> None:
        self._view = view
        rows = self.query_one("#import-rows", DataTable)
        rows.clear(columns=True)
        refusals = self.query_one("#import-refusals", DataTable)
        refusals.clear()
        where = self.query_one("#import-where", Plain)
        columns = self.query_one("#import-columns", Plain)
        summary = self.query_one("#import-summary", Plain)
        self.set_class(view is not None, "-previewed")
        self.set_class(view is not None and bool(view.refusals), "-refused")
        if view is None:
            for label in (where, columns, summary):
                label.update("")
            return
        where.update(view.where)
        columns.update(view.columns)
        bad = {refusal.row for refusal in view.refusals}
        rows.add_column(t("import_col_row"), key="#")
        for index, header in enumerate(view.headers):
            rows.add_column(Text(header or f"({index + 1})"), key=str(index))
        for number, cells in view.rows:
            mark = Text(f"{number}✗" if number in bad else str(number), style="bold red" if number in bad else "")
            padded = [*cells[:len(view.headers)], *[""] * (len(view.headers) - len(cells))]
            rows.add_row(mark, *(Text(cell) for cell in padded), key=str(number))
        for index, refusal in enumerate(view.refusals):
            refusals.add_row(Text(str(refusal.row)), Text(refusal.field), Text(refusal.reason), key=str(index))
        if view.refusals:
            summary.update(t("import_summary_refused", read=view.read, count=len(view.refusals)))
        else:
            summary.update(t(f"import_summary_{self.WHAT}", read=view.read, count=view.count))

    # ------------------------------------------------------------------ import

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "import" and self.is_mounted:
            focused = self.focused
            if isinstance(focused, Input):
                return False  # the key types an i in the field
            return True if self._preview is not None and self._preview.refused is None else None
        return True

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        if action != "import" or isinstance(self.focused, Input):
            return None
        if self._preview is None or self._view is None:
            return t("import_preview_first")
        if self._view.refusals:
            return t("import_refused_screen", count=len(self._view.refusals))
        return None

    def say_why(self, reason: str) -> None:
        self.say(reason, error=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "import-button":
            event.stop()
            self.action_import()

    def action_import(self) -> None:
        preview, view = self._preview, self._view
        if preview is None or view is None:
            self.say(t("import_preview_first"), error=True)
            return
        if view.refusals:
            self.say(t("import_refused_screen", count=len(view.refusals)), error=True)
            return
        lines = [view.where, t(f"import_summary_{self.WHAT}", read=view.read, count=view.count),
                 t("import_confirm_all")]

        def answered(yes: bool | None) -> None:
            if yes:
                self.say(t("import_importing"))
                self._run_import(preview)

        self.app.push_screen(ConfirmScreen(t(f"import_confirm_title_{self.WHAT}", file=Path(view.file).name), lines,
                                           verb=t("import_verb")), answered)

    @work(thread=True, exclusive=True, group="import-run")
    def _run_import(self, preview: tabular.Preview) -> None:
        try:
            done = self.context.shared.use(lambda session, _activity: self.import_file(session, preview))
        except SessionClosed:
            return
        except JzError as error:
            self.post_message(self.Imported(None, error_text(error)))
            return
        self.post_message(self.Imported(done, None))

    def on_import_step_screen_imported(self, message: Imported) -> None:
        message.stop()
        self._preview = None  # imported, or refused: either way, preview again before another import
        if message.error is not None:
            self.say(message.error, error=True)
        else:
            self.say(message.done or "")
        self.refresh_bindings()
        self.reload()
