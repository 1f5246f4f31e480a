"""My sheets (examiner): score the candidates by interview number, blind to everyone else.

The examiner sees candidates only by interview number, in draw order, with the state of
their own sheet; never a name, unit, ID number or candidate code, never another
examiner's sheet and no aggregate until the candidate is announced (DESIGN.md rule 3).
The snapshot this screen loads is built from the examiner's own sheets, their own
pending corrections and signed announcements only, so nothing else reaches the UI thread.

Marks are validated as they are typed by :func:`jz_tui.marks.parse_mark`, the same check
``jz sheet submit`` makes; the total is their Decimal sum. Submitting asks for
confirmation, then :func:`jz_tui.sheets.submit` runs in a worker. A submitted sheet is
read-only: before a scorer confirms it the examiner may withdraw it (with a reason) and
submit again; after, a correction is a pending action for the scorer and a supervisor.

Also here, reused by the scorer's screen: :class:`MarksForm`, :class:`ReasonScreen`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar
from decimal import Decimal

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.validation import ValidationResult, Validator
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input

from jz_tui import pending, sheets
from jz_tui.config import current_rules
from jz_tui.i18n import error_text, t
from jz_tui.marks import parse_mark
from jz_tui.session import Session
from storage.errors import JzError
from storage.scoring_state import CONFIRMED, REJECTED, SUBMITTED, WITHDRAWN

from .announcement import AnnouncementView, announcement_view, dropped_text
from .base import ModeScreen, localise_bindings
from .confirm import ConfirmScreen
from .data import LedgerActivity, SessionClosed
from .widgets import Plain, TablePanel, TypeAheadInput

# What the examiner's list says of a candidate (catalogue ``mysheets_state_<state>``).
NONE, ANNOUNCED, LEFT = "none", "announced", "left"
EDITABLE = (NONE, REJECTED, WITHDRAWN)  # states in which the examiner may (re)submit


# ---------------------------------------------------------------------- the marks form


@dataclass(frozen=True)
class RubricShape:
    """The fields of a sheet: one per rubric item, or a single total when there is no rubric."""

    fields: tuple[tuple[str, str], ...]  # (item name, maximum as a decimal string)
    step: str
    total_only: bool

    @property
    def top(self) -> Decimal:
        return sum((Decimal(top) for _, top in self.fields), Decimal(0))


def rubric_shape(session: Session) -> RubricShape:
    rules = current_rules(session)
    if rules.rubric:
        return RubricShape(tuple((name, str(top)) for name, top in rules.rubric), str(rules.step), False)
    return RubricShape(((t("field_total"), "100"),), str(rules.step), True)


def marks_arguments(shape: RubricShape, marks: Sequence[str]) -> tuple[list[str] | None, str | None]:
    """``items`` and ``total`` for :func:`sheets.submit` / :func:`sheets.request_correction`."""
    return (None, marks[0]) if shape.total_only else (list(marks), None)


class MarkValidator(Validator):
    """A Textual validator that is exactly :func:`jz_tui.marks.parse_mark`: its refusal, its words."""

    def __init__(self, field: str, top: str, step: str) -> None:
        super().__init__()
        self.field, self.top, self.step = field, Decimal(top), Decimal(step)

    def parse(self, value: str) -> Decimal:
        return parse_mark(value, self.field, Decimal(0), self.top, self.step)

    def validate(self, value: str) -> ValidationResult:
        try:
            self.parse(value)
        except JzError as error:
            return self.failure(error_text(error), value)
        return self.success()


class MarksForm(Vertical):
    """One compact input per field, checked as typed; the reason under a bad field; the live total.

    A typed value that ``parse_mark`` refuses marks its input ``-invalid`` (Textual's own
    class, set by the validator) and its field ``-bad``, which shows the reason. An empty
    field is only called missing when the examiner tries to submit (:meth:`validated`).
    """

    class Finished(Message):
        """Enter in the last field: the form is done."""

        def __init__(self, form: MarksForm) -> None:
            super().__init__()
            self.form = form

    def __init__(self, shape: RubricShape, values: Sequence[str] | None = None, editable: bool = True,
                 *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self.shape = shape
        self._values = list(values or ())
        self._editable = editable
        self._autofocus = False
        self.after_last: Widget | None = None  # where Enter in the last field goes; None: Finished

    def compose(self) -> ComposeResult:
        for index, (name, top) in enumerate(self.shape.fields):
            with Vertical(classes="mark-field"):
                with Horizontal(classes="mark-row"):
                    yield Plain(t("marks_field_label", name=name, top=top), classes="mark-label")
                    yield TypeAheadInput(
                        self._value(index), name=str(index), compact=True, valid_empty=True,
                        validators=[MarkValidator(name, top, self.shape.step)], disabled=not self._editable,
                        classes="mark-input",
                    )
                yield Plain("", classes="mark-reason")
        yield Plain("", classes="marks-total")

    def on_mount(self) -> None:
        fields = self.inputs
        for field, following in zip(fields, [*fields[1:], self.after_last], strict=False):
            field.next_field = following
        self._update_total()
        if self._autofocus:
            self.focus_first()

    # ------------------------------------------------------------------ reading and filling

    @property
    def inputs(self) -> list[TypeAheadInput]:
        return list(self.query(".mark-input").results(TypeAheadInput))

    def _value(self, index: int) -> str:
        return self._values[index] if index < len(self._values) else ""

    def values(self) -> list[str]:
        """What is typed, as typed."""
        fields = self.inputs
        return [field.value for field in fields] if fields else list(self._values)

    def fill(self, values: Sequence[str] | None, editable: bool) -> None:
        self._values, self._editable = list(values or ()), editable
        if not self.inputs:
            return  # not composed yet: compose uses these
        for index, field in enumerate(self.inputs):
            field.value = self._value(index)
            field.disabled = not editable
            self._show_reason(field, None)
        self._update_total()

    def focus_first(self) -> None:
        fields = self.inputs
        if not fields:
            self._autofocus = True  # on mount
        elif self._editable:
            fields[0].focus()

    # ------------------------------------------------------------------ checking

    def _validator(self, field: Input) -> MarkValidator:
        return field.validators[0]  # type: ignore[return-value]

    def _show_reason(self, field: Input, reason: str | None) -> None:
        box = field.parent.parent if field.parent is not None else None
        if box is None:
            return
        box.query_one(".mark-reason", Plain).update(reason or "")
        box.set_class(reason is not None, "-bad")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        result = event.validation_result
        reason = None if result is None or result.is_valid else result.failure_descriptions[0]
        self._show_reason(event.input, reason)
        self._update_total()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()  # only the last field submits: the others move on (next_field)
        self.post_message(self.Finished(self))

    def _update_total(self) -> None:
        total, open_fields = Decimal(0), 0
        for field in self.inputs:
            try:
                total += self._validator(field).parse(field.value)
            except JzError:
                open_fields += 1
        top = self.shape.top
        text = (t("marks_total", total=total, top=top) if not open_fields
                else t("marks_total_partial", total=total, top=top, open=open_fields))
        self.query_one(".marks-total", Plain).update(text)
        self.set_class(open_fields == 0, "-complete")

    def validated(self) -> list[str] | None:
        """Every mark as a Decimal string, or None after showing each refusal (a missing mark too)
        and putting the cursor in the first field refused."""
        marks: list[str] = []
        first_bad: Input | None = None
        for field in self.inputs:
            try:
                marks.append(str(self._validator(field).parse(field.value)))
                self._show_reason(field, None)
            except JzError as error:
                self._show_reason(field, error_text(error))
                first_bad = first_bad or field
        if first_bad is not None:
            first_bad.focus()
            return None
        return marks

    def summary(self, marks: Sequence[str]) -> list[str]:
        """The sheet as lines of text, for a confirmation."""
        lines = [t("marks_summary_line", name=name, mark=mark, top=top)
                 for (name, top), mark in zip(self.shape.fields, marks, strict=True)]
        if not self.shape.total_only:
            lines.append(t("marks_total", total=sum((Decimal(m) for m in marks), Decimal(0)), top=self.shape.top))
        return lines


# ---------------------------------------------------------------------- modals


class SheetConfirmScreen(ConfirmScreen):
    """The sheet, to confirm before it is signed. Enter confirms: a sheet can still be withdrawn."""

    def on_mount(self) -> None:
        self.call_after_refresh(self.query_one("#yes", Button).focus)


Answer = TypeVar("Answer")


class _ReasonModal(ModalScreen[Answer | None], Generic[Answer]):
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


class ReasonScreen(_ReasonModal[str]):
    """Ask for a reason (withdrawing, rejecting); dismissed with the reason, or None."""

    CSS_PATH = "sheets.tcss"
    BINDINGS = [Binding("escape", "cancel", "key_no", id="reason-cancel", tooltip="tip_no")]

    def __init__(self, title: str, lines: Sequence[str] = ()) -> None:
        super().__init__()
        localise_bindings(self)
        self.title_text = title
        self.lines = list(lines)

    def compose(self) -> ComposeResult:
        with Vertical(id="reason-box", classes="scores-modal"):
            yield Plain(self.title_text, classes="modal-title")
            for line in self.lines:
                yield Plain(line, classes="modal-line")
            yield TypeAheadInput(placeholder=t("scores_reason_placeholder"), id="reason-input", classes="modal-reason")
            yield Plain("", id="reason-error", classes="modal-error")
            with Horizontal(classes="modal-buttons"):
                yield Button(t("confirm_yes"), id="reason-ok", variant="primary", classes="modal-ok")
                yield Button(t("confirm_no"), id="reason-cancel-button")

    def on_mount(self) -> None:
        self.query_one("#reason-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._accept()

    def _accept(self) -> None:
        reason = self._typed_reason()
        if reason is not None:
            self.dismiss(reason)


class CorrectionScreen(_ReasonModal[tuple[list[str], str]]):
    """New marks for a confirmed sheet and the reason; dismissed with both, or None."""

    CSS_PATH = "sheets.tcss"
    BINDINGS = [Binding("escape", "cancel", "key_no", id="correction-cancel", tooltip="tip_no")]

    def __init__(self, number: str, shape: RubricShape, marks: Sequence[str], reason: str = "") -> None:
        super().__init__()
        localise_bindings(self)
        self.number, self.shape, self.marks, self.reason = number, shape, list(marks), reason

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="correction-box", classes="scores-modal", can_focus=False):
            yield Plain(t("mysheets_correct_title", number=self.number), classes="modal-title")
            yield Plain(t("mysheets_correct_help"), classes="modal-line")
            reason = TypeAheadInput(self.reason, placeholder=t("scores_reason_placeholder"), id="correction-reason",
                                    classes="modal-reason")
            form = MarksForm(self.shape, self.marks, classes="correction-marks")
            form.after_last = reason  # Enter in the last mark moves on to the reason at once
            yield form
            yield reason
            yield Plain("", id="correction-error", classes="modal-error")
            with Horizontal(classes="modal-buttons"):
                yield Button(t("confirm_yes"), id="correction-ok", variant="primary", classes="modal-ok")
                yield Button(t("confirm_no"), id="correction-cancel-button")

    def on_mount(self) -> None:
        self.query_one(MarksForm).focus_first()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "correction-reason":
            event.stop()
            self._accept()

    def _accept(self) -> None:
        marks = self.query_one(MarksForm).validated()
        if marks is None:
            return
        reason = self._typed_reason()
        if reason is not None:
            self.dismiss((marks, reason))


# ---------------------------------------------------------------------- the examiner's snapshot


@dataclass(frozen=True)
class MyRow:
    """One candidate in the examiner's list: an interview number and my sheet's state, nothing else."""

    number: str
    state: str  # NONE, a sheet status, ANNOUNCED or LEFT
    total: str  # of my sheet, "" without one


@dataclass(frozen=True)
class MyDetail:
    """The selected candidate as this examiner may see it."""

    number: str
    state: str
    items: tuple[str, ...]  # my marks, () without a sheet
    reason: str  # of a rejection or my withdrawal
    correction: str  # id of my pending correction, "" if none
    announced: AnnouncementView | None


@dataclass(frozen=True)
class MySheets:
    examiner: bool  # only examiners enter sheets (an admin may look at this mode)
    shape: RubricShape
    rows: tuple[MyRow, ...]
    current: str | None  # the first candidate still waiting for my sheet
    detail: MyDetail | None


def my_state(state, code: str, sheet) -> str:
    if code in state.scoring.announced:
        return ANNOUNCED
    if state.roster.candidates[code].withdrawn is not None:
        return LEFT
    return NONE if sheet is None else sheet.status


# ---------------------------------------------------------------------- the screen


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
        state = session.state
        me = session.user
        shape = rubric_shape(session)
        numbers = state.roster.interview_numbers()
        mine = {code: sheet for (code, examiner), sheet in state.scoring.sheets.items() if examiner == me}
        rows: list[MyRow] = []
        code_of: dict[str, str] = {}
        for draw in state.roster.draws.values():
            for code in draw.order:
                number = numbers[code]
                code_of[number] = code
                sheet = mine.get(code)
                total = str(sheets.sheet_total(sheet.items)) if sheet is not None else ""
                rows.append(MyRow(number, my_state(state, code, sheet), total))
        examiner = session.role == "examiner"
        current = next((row.number for row in rows if row.state in EDITABLE), None) if examiner else None
        selected = self._selected if self._selected in code_of else (current or (rows[0].number if rows else None))
        detail = None
        if selected is not None:
            code = code_of[selected]
            own = next((s for s in sheets.visible_sheets(session, code) if s.examiner == me), None)
            correction = next((a.id for a in pending.open_actions(state) if a.action == "sheet.correct"
                               and a.created_by == me and a.params.get("candidate") == code), "")
            announced = state.scoring.announced.get(code)
            detail = MyDetail(
                selected, my_state(state, code, own), tuple(own.items) if own else (),
                own.reason if own and own.status in (REJECTED, WITHDRAWN) else "", correction,
                announcement_view(announced) if announced else None,
            )
        return MySheets(examiner, shape, tuple(rows), current, detail)

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
        detail = self._detail()
        if action == "submit":
            return self._editable(detail)
        if action == "withdraw":
            return bool(self.snapshot and self.snapshot.examiner and detail and detail.state == SUBMITTED)
        if action == "correct":
            return bool(self.snapshot and self.snapshot.examiner and detail and detail.state == CONFIRMED
                        and not detail.correction)
        if action == "current":
            return bool(self.snapshot and self.snapshot.current)
        return True

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
            SheetConfirmScreen(t("mysheets_confirm_title", number=number), self._form.summary(marks)), answered)

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
                                          [t("mysheets_withdraw_help")]), answered)

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
