"""The examiner's snapshot: the candidates by interview number with my sheet's state, and the one selected.

Built only from the examiner's own sheets, their own pending corrections and signed
announcements (:func:`my_sheets`), so nothing else reaches the UI thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from jz_tui.services import pending, sheets
from jz_tui.services.session import Session
from jz_tui.services.sheets import REJECTED, WITHDRAWN

from .announcement import AnnouncementView, announcement_view
from .marks_form import RubricShape, rubric_shape

# What the examiner's list says of a candidate (catalogue ``mysheets_state_<state>``).
NONE, ANNOUNCED, LEFT = "none", "announced", "left"
EDITABLE = (NONE, REJECTED, WITHDRAWN)  # states in which the examiner may (re)submit


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


def my_sheets(session: Session, selected: str | None) -> MySheets:
    """The screen's snapshot, with the sheet of ``selected`` (else the first still waiting, else the first)."""
    state = session.state
    me = session.user
    shape = rubric_shape(session)
    numbers = state.roster.interview_numbers()
    mine = {code: sheet for (code, examiner), sheet in state.scoring.sheets.items() if examiner == me}
    rows: list[MyRow] = []
    code_of: dict[str, str] = {}
    examiner = session.role == "examiner"
    for draw in state.roster.draws.values():
        for code in draw.order:
            if examiner and code not in mine and me not in sheets.examiners(state, code):
                continue  # another panel's candidate, or one I recused from: not mine to score
            number = numbers[code]
            code_of[number] = code
            sheet = mine.get(code)
            total = str(sheets.sheet_total(sheet.items)) if sheet is not None else ""
            rows.append(MyRow(number, my_state(state, code, sheet), total))
    current = next((row.number for row in rows if row.state in EDITABLE), None) if examiner else None
    selected = selected if selected in code_of else (current or (rows[0].number if rows else None))
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
