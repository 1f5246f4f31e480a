"""Where a candidate's interview stands, as pure functions of the folded state: which sheets
are expected, which are confirmed, the aggregate, and the announcement they add up to.

Who is expected on a candidate is their panel (考官组): the post's (``interview.panels =
"per_post"``), the session's one panel once set, else every examiner user. An examiner
replaced mid-session (``panel.replace``) or removed by a rekey stays expected only where their
sheet was already confirmed; elsewhere the replacement (if any) is expected instead. An examiner
who recused from a candidate (回避, co-signed) is not expected on them.

The announcement's declaration checks its figures against :func:`announcement`, and the
scorer's screen and ``jz announce`` build them with it, so the two can never differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from jz_tui.rules.draw import order_from_seed
from jz_tui.rules.scoring import Aggregate, aggregate
from jz_tui.rules.settings import rules_of_state

if TYPE_CHECKING:
    from jz_tui.rules.settings import Rules
    from storage.projection import SessionState
    from storage.scoring_state import Panel, Sheet

SUBMITTED, CONFIRMED = "submitted", "confirmed"  # as storage.scoring_state spells them


def pool(state: SessionState) -> list[str]:
    """Every examiner user still in the vault (not removed by a rekey)."""
    return sorted(name for name, user in state.users.items() if user.role == "examiner" and name not in state.removed)


def panel_of(state: SessionState, post: str | None, rules: Rules | None = None) -> Panel | None:
    """The panel scoring a post's candidates: its own (per post), or the session's one; None when
    none is set (per post: nobody may score; one panel: every examiner)."""
    rules = rules or rules_of_state(state)
    panels = state.scoring.panels
    if rules.panels == "per_post":
        found = panels.get(state.scoring.panel_of_post.get(post or "", ""))
        return found if found is not None and found.posts else None
    return next((p for p in panels.values() if not p.posts), None)


def examiners(state: SessionState, code: str | None = None, rules: Rules | None = None) -> list[str]:
    """The examiners expected on candidate ``code`` (sorted); without a code, every examiner user
    still in the vault."""
    if code is None:
        return pool(state)
    rules = rules or rules_of_state(state)
    target = state.roster.candidates.get(code)
    sheets = state.scoring.sheets

    def scored(examiner: str) -> bool:
        sheet = sheets.get((code, examiner))
        return sheet is not None and sheet.status == CONFIRMED

    panel = panel_of(state, target.post if target is not None else None, rules)
    if panel is None:
        if rules.panels == "per_post":
            return []
        names = sorted(name for name, user in state.users.items() if user.role == "examiner")
    else:
        names = list(panel.members)
        for replaced in panel.replacements:  # a replacement takes over where the sheet was not yet confirmed
            old = replaced["examiner"]
            if old in names and not scored(old):
                names[names.index(old)] = replaced["by"]
    recused = state.scoring.recused
    return sorted(name for name in names
                  if (name not in state.removed or scored(name)) and (code, name) not in recused)


def expects(state: SessionState, code: str, examiner: str, rules: Rules | None = None) -> bool:
    """Whether ``examiner`` is among :func:`examiners` of ``code`` (asked on every sheet of a fold:
    without listing every examiner user when no panel is set)."""
    rules = rules or rules_of_state(state)
    if (code, examiner) in state.scoring.recused:
        return False
    target = state.roster.candidates.get(code)
    if panel_of(state, target.post if target is not None else None, rules) is None and rules.panels != "per_post":
        user = state.users.get(examiner)
        if user is None or user.role != "examiner":
            return False
        if examiner not in state.removed:
            return True
        sheet = state.scoring.sheets.get((code, examiner))
        return sheet is not None and sheet.status == CONFIRMED
    return examiner in examiners(state, code, rules)


def panels_from_seed(seed_hex: str, pool_names: list[str], spec: list[dict[str, Any]]) -> dict[str, list[str]]:
    """A draw of panels anyone can recompute: the pool in the order of SHA-256(seed ‖ name), dealt in
    turn to each panel of ``spec`` (``{"panel", "chief", "size"}``, in order), size - 1 each after
    its chief. Raises ValueError when the pool is too small."""
    order = order_from_seed(seed_hex, pool_names)
    drawn: dict[str, list[str]] = {}
    position = 0
    for panel in spec:
        take = int(panel["size"]) - 1
        if position + take > len(order):
            raise ValueError("pool too small")
        drawn[panel["panel"]] = [panel["chief"], *order[position:position + take]]
        position += take
    return drawn


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
    expected = examiners(state, code, rules)
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
