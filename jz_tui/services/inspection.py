"""After the ranking: inspection notes on 德、能、勤、绩、廉, the committee's decision, and
appointment with a one-year probation (聘任制 for career staff)."""

from __future__ import annotations

from datetime import date

from jz_tui.rules.ranking import rank
from jz_tui.services.roster import find, is_contract
from jz_tui.services.session import Session
from storage.errors import JzError

DIMENSIONS = ("德", "能", "勤", "绩", "廉")
DECISIONS = ("appoint", "not_appoint")


def add_note(session: Session, code: str, dimension: str, note: str) -> None:
    session.require_role("admin", action="inspection.note")
    session.refresh()
    candidate = find(session.state.roster, code)
    if dimension not in DIMENSIONS:
        raise JzError("inspection_bad_dimension", dimension=dimension, dimensions=list(DIMENSIONS))
    if not _is_target(session, candidate.code):
        raise JzError("inspection_not_target", code=candidate.code)
    if not note.strip():
        raise JzError("reason_needed")
    session.append("inspection.note", {"code": candidate.code, "dimension": dimension, "note": note.strip()})


def _is_target(session: Session, code: str) -> bool:
    return any(row.code == code and row.status == "target" for post in rank(session.state) for row in post.rows)


def one_year_later(start: date) -> date:
    """The probation end: the same day a year on (28 February for a 29 February start)."""
    try:
        return start.replace(year=start.year + 1)
    except ValueError:
        return start.replace(year=start.year + 1, day=28)


def record_decision(session: Session, code: str, decision: str, on: date | None = None, note: str = "") -> dict:
    session.require_role("admin", action="decision.record")
    session.refresh()
    candidate = find(session.state.roster, code)
    if decision not in DECISIONS:
        raise JzError("decision_unknown", decision=decision)
    if not _is_target(session, candidate.code):
        raise JzError("inspection_not_target", code=candidate.code)
    notes = session.state.inspection.notes.get(candidate.code, {})
    missing = [d for d in DIMENSIONS if d not in notes]
    if missing:
        raise JzError("decision_notes_missing", code=candidate.code, missing=list(missing))
    body: dict[str, object] = {"code": candidate.code, "decision": decision, "note": note.strip()}
    if decision == "appoint":
        start = on or date.today()
        body.update({"start": start.isoformat(), "probation_end": one_year_later(start).isoformat(),
                     "contract": is_contract(candidate)})
    session.append("decision.record", body)
    return body
