"""Ranking and inspection targets (DESIGN.md §2.7), as a pure function of the state.

Composite = Σ(weight × stage score) / Σ weight over the stages in force, each stage score
and the composite rounded half-up. Eligible candidates are ordered by composite, then by
the tie-break chain; candidates still equal share a rank and carry ``tie``. With no more
eligible candidates than ``targets_per_post`` all are targets; otherwise the top ones,
and a tie that the cut would split is flagged ``tie_at_cut`` for the committee, never
broken silently. When a target withdraws, the next eligible candidate moves up and
carries ``backfill``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the projections ranked here; rules import no storage to run
    from storage.projection import SessionState
    from storage.roster_state import Candidate

from jz_tui.rules.scoring import half_up
from jz_tui.rules.settings import Rules, rules_from

STATUSES = ("target", "eligible", "excluded_dissatisfaction", "excluded_min_interview", "disqualified",
            "withdrawn", "absent", "incomplete")


@dataclass
class Row:
    code: str
    name: str
    unit: str
    establishment: str
    stages: dict[str, Decimal | None]
    composite: Decimal | None
    dissatisfied_rate: Decimal | None
    status: str = "incomplete"
    rank: int | None = None
    flags: list[str] = field(default_factory=list)
    reason: str = ""  # why excluded, when it is a person's words (disqualification, withdrawal)
    halls: dict[str, str] = field(default_factory=dict)  # stage -> the hall whose signed export gave it


@dataclass
class PostRanking:
    code: str
    name: str
    rows: list[Row]


def stage_scores(state: SessionState, rules: Rules, code: str) -> dict[str, Decimal | None]:
    scores: dict[str, Decimal | None] = {}
    for stage in rules.active_stages:
        if stage == "interview":
            announced = state.scoring.announced.get(code)
            value = Decimal(announced["result"]) if announced else None
        elif stage == "democratic":
            value = _democratic(state, code)[0]
        else:
            raw = state.scoring.stage_scores.get(stage, {}).get(code)
            value = Decimal(raw) if raw is not None else None
        scores[stage] = None if value is None else half_up(value, rules.decimals)
    return scores


def stage_halls(state: SessionState, code: str) -> dict[str, str]:
    """Which stages of a candidate came from another hall's export, and from which hall."""
    halls = {}
    announced = state.scoring.announced.get(code)
    if announced is not None and announced.get("hall"):
        halls["interview"] = announced["hall"]
    tally = state.tally.posts.get(state.roster.candidates[code].post)
    if tally is not None and tally.closed is not None and tally.closed.get("hall"):
        halls["democratic"] = tally.closed["hall"]
    return halls


def _democratic(state: SessionState, code: str) -> tuple[Decimal | None, Decimal | None]:
    """(score, exact dissatisfaction rate) from the closed, co-signed tally only."""
    candidate = state.roster.candidates[code]
    tally = state.tally.posts.get(candidate.post)
    if tally is None or tally.closed is None:
        return None, None
    for entry in tally.closed["candidates"]:
        if entry["code"] == code:
            score = None if entry["score"] is None else Decimal(entry["score"])
            rate = None if entry.get("rate_exact") is None else Decimal(entry["rate_exact"])
            return score, rate
    return None, None


def composite(scores: dict[str, Decimal | None], rules: Rules) -> Decimal | None:
    weights = {s: rules.stages[s] for s in rules.active_stages}
    if any(scores.get(s) is None for s in weights):
        return None
    total = sum((weights[s] * scores[s] for s in weights), Decimal(0))  # type: ignore[operator]
    return half_up(total / sum(weights.values(), Decimal(0)), rules.decimals)


def _base_status(state: SessionState, rules: Rules, candidate: Candidate, row: Row, uncontested: bool,
                 ignore_withdrawal: bool) -> str:
    if candidate.disqualified is not None:
        row.reason = candidate.disqualified
        return "disqualified"
    if candidate.withdrawn is not None and not ignore_withdrawal:
        row.reason = candidate.withdrawn
        return "withdrawn"
    if candidate.code in state.roster.absent:
        return "absent"
    if row.composite is None:
        return "incomplete"
    if row.dissatisfied_rate is not None and row.dissatisfied_rate > rules.dissatisfied_max:
        return "excluded_dissatisfaction"
    interview = row.stages.get("interview")
    if uncontested and interview is not None and interview < rules.min_if_uncontested:
        return "excluded_min_interview"
    return "eligible"


def _sort_key(row: Row, rules: Rules) -> tuple:
    chain = [row.stages.get(stage) or Decimal(-1) for stage in rules.tie_breaks]
    return (row.composite, *chain)


def _rank_post(state: SessionState, rules: Rules, candidates: list[Candidate],
               ignore_withdrawals: bool) -> list[Row]:
    rows = []
    active = [c for c in candidates if c.withdrawn is None or ignore_withdrawals]
    uncontested = len(active) == 1
    for candidate in candidates:
        scores = stage_scores(state, rules, candidate.code)
        rate = _democratic(state, candidate.code)[1] if "democratic" in rules.active_stages else None
        row = Row(candidate.code, candidate.name, candidate.unit, candidate.establishment, scores,
                  composite(scores, rules), rate, halls=stage_halls(state, candidate.code))
        row.status = _base_status(state, rules, candidate, row, uncontested, ignore_withdrawals)
        rows.append(row)

    eligible = sorted((r for r in rows if r.status == "eligible"), key=lambda r: _sort_key(r, rules), reverse=True)
    position = 0
    previous_key = None
    for index, row in enumerate(eligible, start=1):
        key = _sort_key(row, rules)
        if key != previous_key:
            position = index
        row.rank = position
        previous_key = key
    for row in eligible:
        if sum(1 for other in eligible if other.rank == row.rank) > 1:
            row.flags.append("tie")

    cut = rules.targets_per_post
    if len(eligible) <= cut:
        for row in eligible:
            row.status = "target"
    else:
        boundary_rank = eligible[cut - 1].rank
        split = eligible[cut].rank == boundary_rank
        for row in eligible:
            if row.rank is not None and row.rank < boundary_rank:
                row.status = "target"
            elif row.rank == boundary_rank:
                if split:
                    row.flags.append("tie_at_cut")
                else:
                    row.status = "target"
    return sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, r.code))


def rank(state: SessionState, rules: Rules | None = None) -> list[PostRanking]:
    """Every open post's ranking; pure in ``state`` (and the rules, by default the session's)."""
    rules = rules or rules_from(state.roster.settings)
    result = []
    for post_code, post in sorted(state.roster.posts.items()):
        if not post.open:
            continue
        candidates = state.roster.candidates_of(post_code)
        rows = _rank_post(state, rules, candidates, ignore_withdrawals=False)
        if any(c.withdrawn is not None for c in candidates):
            # 递补: whoever is a target now but was not before the withdrawals moved up.
            before = {r.code for r in _rank_post(state, rules, candidates, ignore_withdrawals=True)
                      if r.status == "target"}
            for row in rows:
                if row.status == "target" and row.code not in before:
                    row.flags.append("backfill")
        result.append(PostRanking(post_code, post.name, rows))
    return result


def _text(value: Decimal | None, places: int = 2) -> str | None:
    return None if value is None else str(half_up(value, places))


def to_json(state: SessionState, rankings: list[PostRanking]) -> dict:
    """The shape DESIGN.md §5 fixes for ``jz ranking --json``."""
    return {
        "head": state.head_hash.hex(),
        "posts": [
            {
                "code": post.code,
                "name": post.name,
                "candidates": [
                    {
                        "code": row.code,
                        "name": row.name,
                        "written": _text(row.stages.get("written")),
                        "interview": _text(row.stages.get("interview")),
                        "democratic": _text(row.stages.get("democratic")),
                        **{stage: _text(value) for stage, value in row.stages.items()
                           if stage not in ("written", "interview", "democratic")},
                        "composite": _text(row.composite),
                        "dissatisfied_rate": _text(row.dissatisfied_rate, 4),
                        "rank": row.rank,
                        "status": row.status,
                        "flags": row.flags,
                        **({"halls": row.halls} if row.halls else {}),  # stages imported from other halls
                    }
                    for row in post.rows
                ],
            }
            for post in rankings
        ],
    }
