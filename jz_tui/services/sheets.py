"""Examiner sheets: blind submission, two-person confirmation, correction, announcement.

An examiner knows candidates only by interview number, sees only their own sheets, and
sees no aggregate until the candidate is announced. A sheet counts once a scorer (never
its author) confirms it; the announcement (亮分) is a pending action a supervisor signs.
"""

from __future__ import annotations

from decimal import Decimal

from jz_tui.rules.marks import parse_mark
from jz_tui.events.scores import confirmable, may_submit
from jz_tui.rules.interview import (  # noqa: F401  (re-exported: the screens read progress here)
    CandidateProgress,
    announcement,
    examiners,
    label,
    panel_of,
    progress,
    sheet_total,
)
from jz_tui.rules.settings import Rules
from jz_tui.services import pending
from jz_tui.services.config import current_rules
from jz_tui.services.roster import withheld
from jz_tui.services.session import Session
from storage.errors import AuthorityError, JzError
from storage.projection import SessionState
from storage.scoring_state import CONFIRMED, REJECTED, SUBMITTED, WITHDRAWN, Sheet


def resolve(state: SessionState, ref: str) -> str:
    """A candidate code from an interview number (``A01-3``) or a code."""
    ref = ref.strip()
    numbers = state.roster.interview_numbers()
    by_number = {number.upper(): code for code, number in numbers.items()}
    if ref.upper() in by_number:
        return by_number[ref.upper()]
    for code in (ref, ref.upper()):
        if code in state.roster.candidates:
            return code
    raise JzError("sheet_candidate_unknown", ref=withheld(state.roster, ref))


# ---------------------------------------------------------------------- marks


def parse_items(rules: Rules, items: list[str] | None, total: str | None) -> list[str]:
    """Validated marks as decimal strings: one per rubric item, or one total."""
    if rules.rubric:
        if items is None:
            raise JzError("sheet_items_needed", count=len(rules.rubric))
        if len(items) != len(rules.rubric):
            raise JzError("sheet_items_count", count=len(rules.rubric), given=len(items))
        return [str(parse_mark(text, name, Decimal(0), top, rules.step)) for text, (name, top) in
                zip(items, rules.rubric, strict=True)]
    if total is None:
        raise JzError("sheet_total_needed")
    return [str(parse_mark(total, "total", Decimal(0), Decimal(100), rules.step))]


# ---------------------------------------------------------------------- examiner actions


def submit(session: Session, ref: str, items: list[str] | None = None, total: str | None = None) -> Sheet:
    session.require_role("examiner", action="sheet.submit")
    session.refresh()
    state = session.state
    code = resolve(state, ref)
    may_submit(state, session.user, code)  # the declaration's own precondition, asked before the marks are read
    marks = parse_items(current_rules(session), items, total)
    session.append("sheet.submit", {"candidate": code, "items": marks})
    return state.scoring.sheets[(code, session.user)]


def withdraw(session: Session, ref: str, reason: str) -> Sheet:
    session.require_role("examiner", action="sheet.withdraw")
    session.refresh()
    code = resolve(session.state, ref)
    own = session.state.scoring.sheets.get((code, session.user))
    if own is None or own.status != SUBMITTED:
        raise JzError("sheet_not_withdrawable", ref=label(session.state, code))
    if not reason.strip():
        raise JzError("reason_needed")
    session.append("sheet.withdraw", {"candidate": code, "reason": reason.strip()})
    return own


def request_correction(session: Session, ref: str, items: list[str] | None, total: str | None, reason: str):
    """After confirmation a correction needs the scorer and a supervisor."""
    session.require_role("examiner", action="sheet.correct")
    session.refresh()
    code = resolve(session.state, ref)
    own = session.state.scoring.sheets.get((code, session.user))
    if own is None or own.status != CONFIRMED:
        raise JzError("sheet_not_confirmed", ref=label(session.state, code))
    if code in session.state.scoring.announced:
        raise JzError("sheet_already_announced", ref=label(session.state, code))
    if not reason.strip():
        raise JzError("reason_needed")
    marks = parse_items(current_rules(session), items, total)
    return pending.create(session, "sheet.correct",
                          {"candidate": code, "examiner": session.user, "items": marks}, reason=reason.strip())


def visible_sheets(session: Session, code: str) -> list[Sheet]:
    """What this user may see of a candidate's sheets: an examiner only their own until announced."""
    session.refresh()
    sheets = session.state.scoring.sheets_of(code)
    if session.role == "examiner" and code not in session.state.scoring.announced:
        return [s for s in sheets if s.examiner == session.user]
    if session.role in ("clerk", "tally"):
        raise AuthorityError("not_authorised", user=session.user, role=session.role, kind="sheet.view")
    return sheets


def sheet_of(session: Session, ref: str, examiner: str) -> Sheet | None:
    code = resolve(session.state, ref)
    if session.role == "examiner" and examiner != session.user and code not in session.state.scoring.announced:
        raise AuthorityError("not_authorised", user=session.user, role=session.role, kind="sheet.view")
    return next((s for s in visible_sheets(session, code) if s.examiner == examiner), None)


# ---------------------------------------------------------------------- scorer actions


def _submitted(session: Session, ref: str, examiner: str) -> tuple[str, Sheet]:
    session.require_role("scorer", action="sheet.confirm")
    session.refresh()
    code = resolve(session.state, ref)
    return code, confirmable(session.state, session.user, code, examiner)


def confirm(session: Session, ref: str, examiner: str) -> Sheet:
    code, sheet = _submitted(session, ref, examiner)
    session.append("sheet.confirm", {"candidate": code, "examiner": examiner})
    return sheet


def reject(session: Session, ref: str, examiner: str, reason: str) -> Sheet:
    code, sheet = _submitted(session, ref, examiner)
    if not reason.strip():
        raise JzError("reason_needed")
    session.append("sheet.reject", {"candidate": code, "examiner": examiner, "reason": reason.strip()})
    return sheet


def _announcement(session: Session, ref: str) -> dict:
    """What announcing the candidate would record, or why it cannot be announced now."""
    session.require_role("scorer", action="announce")
    session.refresh()
    state = session.state
    code = resolve(state, ref)
    if code in state.scoring.announced:
        raise JzError("sheet_already_announced", ref=label(state, code))
    if state.waiting_for("announce", code) is not None:
        raise JzError("announce_already_pending", ref=label(state, code))
    status = progress(state, code, current_rules(session))
    if status.aggregate is None:
        raise JzError("announce_incomplete", ref=label(state, code), confirmed=status.confirmed,
                      expected=status.expected)
    return announcement(state, code, current_rules(session))


def announce_preview(session: Session, ref: str) -> list[str]:
    """What the 亮分 will record, in words and figures, for the scorer to confirm before starting it."""
    params = _announcement(session, ref)
    return pending.detail_lines(pending.preview(session.state, "announce", params, session.user))


def announce(session: Session, ref: str, seen: list[str] | None = None):
    """Create the 亮分 pending action; it takes effect when a supervisor signs.

    ``seen``: the :func:`announce_preview` the scorer confirmed; if what would be recorded has
    changed since (a sheet corrected meanwhile), nothing is started."""
    params = _announcement(session, ref)
    if seen is not None and pending.detail_lines(pending.preview(session.state, "announce", params,
                                                                 session.user)) != list(seen):
        raise JzError("sign_details_changed", id=params["number"])
    return pending.create(session, "announce", params)


def interview_score(state: SessionState, code: str) -> Decimal | None:
    """The interview stage score: only an announced (co-signed) result counts."""
    announced = state.scoring.announced.get(code)
    return Decimal(announced["result"]) if announced else None


def status_word(sheet: Sheet | None) -> str:
    """Catalogue key for a sheet's state, shared by the CLI and the screens."""
    if sheet is None:
        return "sheet_state_none"
    return {SUBMITTED: "sheet_state_submitted", CONFIRMED: "sheet_state_confirmed",
            REJECTED: "sheet_state_rejected", WITHDRAWN: "sheet_state_withdrawn"}[sheet.status]

