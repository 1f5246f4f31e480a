"""My sheets (examiner): score the candidates by interview number, blind to everyone else.

The examiner sees candidates only by interview number, in draw order, with the state of
their own sheet; never a name, unit, ID number or candidate code, never another
examiner's sheet and no aggregate until the candidate is announced (DESIGN.md rule 3).
The snapshot this screen loads (:mod:`screens.sheets_snapshot`) is built from the
examiner's own sheets, their own pending corrections and signed announcements only, so
nothing else reaches the UI thread.

Marks are checked as they are typed (:mod:`screens.marks_form`). Submitting asks for
confirmation, then :func:`jz_tui.services.sheets.submit` runs in a worker. A submitted sheet is
read-only: before a scorer confirms it the examiner may withdraw it (with a reason,
:mod:`screens.reason`, which the scorer's screen uses too) and submit again; after, a
correction (:mod:`screens.sheet_correction`) is a pending action for the scorer and a
supervisor.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, DataTable

from jz_tui.errors import JzError
from jz_tui.i18n import error_text, t
from jz_tui.services import sheets
from jz_tui.services.session import Session
from jz_tui.services.sheets import CONFIRMED, REJECTED, SUBMITTED, WITHDRAWN

from .announcement import AnnouncementView, dropped_text
from .base import ModeScreen
from .confirm import ConfirmScreen
from .data import LedgerActivity, SessionClosed
from .marks_form import MarksForm, marks_arguments
from .reason import ReasonScreen
from .sheet_correction import CorrectionScreen
from .sheets_snapshot import ANNOUNCED, EDITABLE, LEFT, NONE, MyDetail, MySheets, my_sheets
from .widgets import Plain, TablePanel


class SheetConfirmScreen(ConfirmScreen):
    """The sheet, to confirm before it is signed. Enter confirms: a sheet can still be withdrawn."""

    def on_mount(self) -> None:
        self.call_after_refresh(self.query_one("#yes", Button).focus)


class SheetsScreen(ModeScreen):
    MODE = "sheets"
    CSS_PATH = "sheets.tcss"
    BINDINGS = [
        Binding("ctrl+s", "submit", "key_sheet_submit", id="sheet-submit", tooltip="tip_sheet_submit"),
        Binding("w", "withdraw", "key_sheet_withdraw", id="sheet-withdraw", tooltip="tip_sheet_withdraw"),
        Binding("c", "correct", "key_sheet_correct", id="sheet-correct", tooltip="tip_sheet_correct"),
        Binding("n", "current", "key_sheet_current", id="sheet-current", tooltip="tip_sheet_current"),
    ]

    class Done(Message):
        """An action's worker finished: ``text`` to say, or ``error`` (a refusal, in words)."""

        def __init__(self, number: str, text: str | None, error: str | None) -> None:
            super().__init__()
            self.number, self.text, self.error = number, text, error

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.snapshot: MySheets | None = None
        self._selected: str | None = None  # interview number shown on the right
        self._form: MarksForm | None = None
        self._shown: tuple | None = None  # what the detail shows, to leave typing alone on reloads
        self._drafts: dict[str, list[str]] = {}  # number -> marks typed, not yet submitted
        self._correction_drafts: dict[str, tuple[list[str], str]] = {}
        self._focus_form = True  # put the cursor in the first field once the form is there

    def compose_body(self) -> ComposeResult:
        yield Plain(t("mysheets_intro"), classes="intro")
        with Horizontal(classes="panel-row"):
            yield TablePanel(
                t("mysheets_panel_candidates"),
                [("mark", " "), ("number", t("mysheets_col_number")), ("state", t("mysheets_col_mine")),
                 ("total", t("mysheets_col_total"))],
                t("mysheets_no_candidates"), id="my-candidates",
            )
            with VerticalScroll(id="my-detail", can_focus=False):
                yield Plain("", id="detail-state")
                yield Plain("", id="detail-note")
                yield Vertical(id="form-holder")
                with Horizontal(id="detail-actions"):
                    yield Button(t("mysheets_submit_button"), id="submit", variant="primary", compact=True)
                yield Vertical(id="announced-lines")

    @property
    def table(self) -> DataTable:
        return self.query_one("#my-candidates", TablePanel).table

    # ------------------------------------------------------------------ loading

    def load(self, session: Session, activity: LedgerActivity) -> MySheets:
        return my_sheets(session, self._selected)

    # ------------------------------------------------------------------ showing

    def show(self, snapshot: MySheets) -> None:
        self.snapshot = snapshot
        panel = self.query_one("#my-candidates", TablePanel)
        panel.show_rows({
            row.number: [">" if row.number == snapshot.current else " ", row.number,
                         t(f"mysheets_state_{row.state}") if snapshot.examiner or row.state != NONE else "-",
                         row.total]
            for row in snapshot.rows
        })
        detail = snapshot.detail
        if detail is not None and (self._selected is None or self._selected not in {r.number for r in snapshot.rows}):
            self._selected = detail.number  # first load, or the candidate shown is no longer listed
        if detail is not None and detail.number == self._selected:
            table = self.table
            if detail.number in [key.value for key in table.rows]:
                index = table.get_row_index(detail.number)
                if table.cursor_row != index:
                    table.move_cursor(row=index)
            self._show_detail(snapshot, detail)
        elif detail is None:
            self._show_nothing(snapshot)
        self.refresh_bindings()

    def _editable(self, detail: MyDetail | None) -> bool:
        return bool(self.snapshot and self.snapshot.examiner and detail and detail.state in EDITABLE)

    def _show_nothing(self, snapshot: MySheets) -> None:
        self.query_one("#my-detail").border_title = t("mysheets_panel_sheet")
        self.query_one("#detail-state", Plain).update(t("mysheets_no_candidates"))
        self.query_one("#detail-note", Plain).update("")
        self.query_one("#detail-actions").display = False

    def _show_detail(self, snapshot: MySheets, detail: MyDetail) -> None:
        editable = self._editable(detail)
        shown = (detail, snapshot.shape, editable)
        if shown == self._shown:
            return  # nothing changed for this candidate: leave what is being typed alone
        self._shown = shown
        box = self.query_one("#my-detail")
        box.border_title = t("mysheets_detail_title", number=detail.number)
        state_line = self.query_one("#detail-state", Plain)
        state_line.update(t("mysheets_detail_state", state=t(f"mysheets_state_{detail.state}")))
        for state in (NONE, SUBMITTED, CONFIRMED, REJECTED, WITHDRAWN, ANNOUNCED, LEFT):
            state_line.set_class(detail.state == state, f"-{state}")
        self.query_one("#detail-note", Plain).update(self._note(snapshot, detail))

        values = detail.items
        if editable:
            values = tuple(self._drafts.get(detail.number, ())) or detail.items
        if self._form is None or self._form.shape != snapshot.shape:
            if self._form is not None:
                self._form.remove()
            self._form = MarksForm(snapshot.shape, values, editable, classes="sheet-marks")
            self.query_one("#form-holder").mount(self._form)
        else:
            self._form.fill(values, editable)
        self._form.display = snapshot.examiner and detail.state != LEFT
        self.query_one("#detail-actions").display = editable
        if self._focus_form:  # once, on arrival or after "n": never while moving through the list
            self._focus_form = False
            if editable:
                self._form.focus_first()
        self._show_announced(detail.announced)

    def _note(self, snapshot: MySheets, detail: MyDetail) -> str:
        if not snapshot.examiner:
            return t("mysheets_not_examiner")
        if detail.state == SUBMITTED:
            return t("mysheets_note_submitted")
        if detail.state == CONFIRMED:
            if detail.correction:
                return t("mysheets_note_correction_pending", id=detail.correction)
            return t("mysheets_note_confirmed")
        if detail.state == REJECTED:
            return t("mysheets_note_rejected", reason=detail.reason)
        if detail.state == WITHDRAWN:
            return t("mysheets_note_withdrawn", reason=detail.reason)
        if detail.state == ANNOUNCED:
            return t("mysheets_note_announced")
        if detail.state == LEFT:
            return t("mysheets_note_left")
        return t("mysheets_note_none")

    def _show_announced(self, view: AnnouncementView | None) -> None:
        holder = self.query_one("#announced-lines", Vertical)
        holder.remove_children()
        holder.display = view is not None
        if view is None:
            return
        holder.mount(Plain(t("mysheets_announced_result", result=view.result), classes="announced-result"))
        for sheet in view.sheets:
            line = t("mysheets_announced_sheet", examiner=sheet.examiner.ljust(8), total=sheet.total.rjust(6),
                     mark=dropped_text(sheet.dropped))
            holder.mount(Plain(line, classes="announced-sheet"))

    # ------------------------------------------------------------------ moving between candidates

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table is not self.table or event.row_key.value is None:
            return
        number = event.row_key.value
        if number != self._selected:
            self._keep_draft()
            self._selected = number
            self.reload()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table is self.table and self._form is not None and self._editable(self._detail()):
            self._form.focus_first()

    def _keep_draft(self) -> None:
        detail = self._detail()
        if self._form is not None and self._editable(detail):
            typed = self._form.values()
            if any(v.strip() for v in typed):
                self._drafts[detail.number] = typed
            else:
                self._drafts.pop(detail.number, None)

    def _detail(self) -> MyDetail | None:
        detail = self.snapshot.detail if self.snapshot else None
        return detail if detail is not None and detail.number == self._selected else None

    def action_current(self) -> None:
        current = self.snapshot.current if self.snapshot else None
        if current is None:
            return
        if current != self._selected:
            self._keep_draft()
            self._selected = current
            self._focus_form = True  # once its sheet is shown
            self.reload()
        elif self._form is not None:
            self._form.focus_first()

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # None: dimmed in the footer; pressed, the key says why (why_not)
        return None if self.why_not(action, parameters) is not None else True

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """Why submit, withdraw, correct or "current" cannot act on the sheet shown."""
        if action not in ("submit", "withdraw", "correct", "current"):
            return None
        if self.snapshot is None:
            return t("keys_loading")
        if action == "current":
            return None if self.snapshot.current else t("keys_no_current")
        detail = self._detail()
        if detail is None:
            return t("keys_no_candidate")
        if not self.snapshot.examiner:
            return t("mysheets_not_examiner")
        number, state = detail.number, t(f"mysheets_state_{detail.state}")
        if action == "submit":
            if self._editable(detail):
                return None
            if detail.state == SUBMITTED:
                return t("keys_submit_submitted", number=number)
            if detail.state == CONFIRMED:
                return t("keys_submit_confirmed", number=number)
            return t("keys_sheet_state", number=number, state=state)
        if action == "withdraw":
            if detail.state == SUBMITTED:
                return None
            if detail.state == CONFIRMED:
                return t("keys_withdraw_confirmed", number=number)
            return t("keys_withdraw_nothing", number=number, state=state)
        if detail.state == CONFIRMED and not detail.correction:
            return None
        if detail.correction:
            return t("mysheets_note_correction_pending", id=detail.correction)
        return t("keys_correct_not_confirmed", number=number, state=state)

    # ------------------------------------------------------------------ nothing typed is lost

    def unsaved_input(self) -> list[str]:
        """Marks typed and not submitted: the sheet on screen, and those left for another candidate."""
        total = len(self.snapshot.shape.fields) if self.snapshot is not None else 0
        typed: dict[str, list[str]] = dict(self._drafts)
        detail = self._detail()
        if self._form is not None and detail is not None and self._editable(detail):
            values = self._form.values()
            if any(v.strip() for v in values) and list(values) != list(detail.items):
                typed[detail.number] = values
            else:
                typed.pop(detail.number, None)
        return [t("unsaved_marks", number=number, typed=sum(1 for v in values if v.strip()), total=total)
                for number, values in typed.items() if any(v.strip() for v in values)]

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "submit":
            event.stop()
            self.action_submit()

    def on_marks_form_finished(self, event: MarksForm.Finished) -> None:
        if event.form is self._form:
            self.action_submit()

    def action_submit(self) -> None:
        detail = self._detail()
        if self._form is None or detail is None or not self._editable(detail):
            return
        marks = self._form.validated()
        if marks is None:
            self.app.bell()
            return
        number, shape = detail.number, self._form.shape

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                items, total = marks_arguments(shape, marks)
                self.run_action(number, lambda s: t("sheet_submitted", ref=number, total=sheets.sheet_total(
                    sheets.submit(s, number, items, total).items)))

        self.app.push_screen(
            SheetConfirmScreen(t("mysheets_confirm_title", number=number), self._form.summary(marks),
                               verb=t("verb_submit")), answered)

    def action_withdraw(self) -> None:
        detail = self._detail()
        if detail is None or detail.state != SUBMITTED:
            return
        number = detail.number

        def answered(reason: str | None) -> None:
            if reason:
                self.run_action(number, lambda s: (sheets.withdraw(s, number, reason),
                                                   t("sheet_withdrawn", ref=number))[1])

        self.app.push_screen(ReasonScreen(t("mysheets_withdraw_title", number=number),
                                          [t("mysheets_withdraw_help")], verb=t("verb_withdraw")), answered)

    def action_correct(self) -> None:
        detail = self._detail()
        if detail is None or detail.state != CONFIRMED or detail.correction or self.snapshot is None:
            return
        number, shape = detail.number, self.snapshot.shape
        marks, reason = self._correction_drafts.get(number, (list(detail.items), ""))

        def answered(result: tuple[list[str], str] | None) -> None:
            if result is None:
                return
            new_marks, why = result
            self._correction_drafts[number] = (new_marks, why)  # kept until the request is accepted
            items, total = marks_arguments(shape, new_marks)
            self.run_action(number, lambda s: t("sheet_correction_pending", id=sheets.request_correction(
                s, number, items, total, why).id))

        self.app.push_screen(CorrectionScreen(number, shape, marks, reason), answered)

    @work(thread=True, exclusive=True, group="sheet-action")
    def run_action(self, number: str, action: Callable[[Session], str]) -> None:
        try:
            text = self.context.shared.use(lambda session, _activity: action(session))
        except SessionClosed:
            return
        except JzError as error:
            self.post_message(self.Done(number, None, error_text(error)))
        else:
            self.post_message(self.Done(number, text, None))

    def on_sheets_screen_done(self, message: Done) -> None:
        if message.error is not None:
            self.notify(message.error, severity="error", markup=False)  # the form keeps what was typed
            return
        self._drafts.pop(message.number, None)
        self._correction_drafts.pop(message.number, None)
        self.notify(message.text or "", markup=False)
        self.table.focus()  # the sheet turns read-only: its fields give up the cursor
        self.reload()
