"""Where a candidate's interview stands, as pure functions of the folded state: which sheets
are expected, which are confirmed, the aggregate, and the announcement they add up to.

The announcement's declaration checks its figures against :func:`announcement`, and the
scorer's screen and ``jz announce`` build them with it, so the two can never differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from jz_tui.rules.scoring import Aggregate, aggregate
from jz_tui.rules.settings import rules_of_state

if TYPE_CHECKING:
    from jz_tui.rules.settings import Rules
    from storage.projection import SessionState
    from storage.scoring_state import Sheet

SUBMITTED, CONFIRMED = "submitted", "confirmed"  # as storage.scoring_state spells them


def examiners(state: SessionState) -> list[str]:
    """The examiners expected on every candidate: every examiner user still in the vault."""
    return sorted(name for name, user in state.users.items() if user.role == "examiner")


def label(state: SessionState, code: str) -> str:
    """What an examiner may see of a candidate: the interview number, else the code."""
    return state.roster.number_of(code) or code


def sheet_total(sheet_items: list[str]) -> Decimal:
    return sum((Decimal(v) for v in sheet_items), Decimal(0))


@dataclass(frozen=True)
class CandidateProgress:
    code: str
    expected: int
    submitted: int
    confirmed: int
    absent: bool
    announced: bool
    aggregate: Aggregate | None  # once every expected sheet is confirmed
    order: tuple[str, ...] = ()  # the examiners of the aggregate's sheets, in its order (indexes of dropped)

    @property
    def complete(self) -> bool:
        return self.aggregate is not None


def progress(state: SessionState, code: str, rules: Rules | None = None,
             candidate_sheets: list[Sheet] | None = None) -> CandidateProgress:
    """Where a candidate's interview stands, and the aggregate once complete.

    ``candidate_sheets``: the candidate's sheets when the caller already grouped them (a
    screen listing every candidate groups them once instead of scanning all sheets per candidate).
    """
    rules = rules or rules_of_state(state)
    expected = examiners(state)
    if candidate_sheets is None:
        candidate_sheets = state.scoring.sheets_of(code)
    sheets = {s.examiner: s for s in candidate_sheets if s.examiner in expected}
    confirmed = [sheets[e] for e in expected if e in sheets and sheets[e].status == CONFIRMED]
    result = None
    if expected and len(confirmed) == len(expected):
        result = aggregate(rules.method, [[Decimal(v) for v in s.items] for s in confirmed],
                           rules.drop_when_at_least, rules.places("interview"))
    return CandidateProgress(
        code, len(expected), sum(1 for s in sheets.values() if s.status in (SUBMITTED, CONFIRMED)),
        len(confirmed), code in state.roster.absent, code in state.scoring.announced, result,
        tuple(s.examiner for s in confirmed) if result is not None else (),
    )


def announcement(state: SessionState, code: str, rules: Rules) -> dict[str, Any] | None:
    """What announcing the candidate records: every confirmed sheet's total, which were dropped,
    and the result; None while a sheet is missing."""
    status = progress(state, code, rules)
    agg = status.aggregate
    if agg is None:
        return None
    by_examiner = {s.examiner: s for s in state.scoring.sheets_of(code)}
    confirmed = [by_examiner[e] for e in status.order]
    return {
        "candidate": code,
        "number": label(state, code),
        "method": agg.method,
        "sheets": [{"examiner": s.examiner, "total": str(sheet_total(s.items))} for s in confirmed],
        "dropped": [confirmed[i].examiner for i in agg.dropped],
        "extremes_dropped": agg.extremes_dropped,  # False when too few sheets to drop any
        "result": str(agg.result),
    }
