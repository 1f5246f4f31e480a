"""Ranking and inspection targets (DESIGN.md §2.7), as a pure function of the state.

Each stage's score is rounded half-up to its own places (``stage_decimals``, else
``ranking.decimals``; "none" leaves it unrounded). The composite is one exact computation
over those: each weighted stage converted to the 100 scale from its full mark (unless
``as_is``), then Σ(weight × score) / Σ weight (``composite = "average"``) or Σ(weight ×
score) (``"sum"``), plus each added stage's points up to its cap; it is rounded once, at
the end, to ``ranking.decimals``. Eligible candidates are ordered by composite, then (when
``tie_break_unrounded``) by the composite before rounding, then by the tie-break chain
(stages or their sub-scores); candidates still equal share a rank and carry ``tie``. Each
post has ``targets_per_post`` targets, or ``targets_per_seat`` per seat: with no more
eligible candidates than that all are targets; otherwise the top ones, and a tie that the
cut would split is flagged ``tie_at_cut`` for the committee, never broken silently. When a
target withdraws, the next eligible candidate moves up and carries ``backfill``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the projections ranked here; rules import no storage to run
    from storage.projection import SessionState
    from storage.roster_state import Candidate

from jz_tui.rules.scoring import half_up, half_up_exact, rounded
from jz_tui.rules.settings import Rules, rules_from

STATUSES = ("target", "eligible", "excluded_dissatisfaction", "excluded_min_interview", "excluded_interview_pass",
            "disqualified", "withdrawn", "absent", "incomplete")


@dataclass
class Row:
    code: str
    name: str
    unit: str
    establishment: str
    stages: dict[str, Decimal | None]
    composite: Decimal | None
    dissatisfied_rate: Decimal | None
    exact: Fraction | None = None  # the composite before rounding (a tie-break when the rules say so)
    subscores: dict[str, Decimal] = field(default_factory=dict)  # "stage.part" -> its score
    extra: Decimal | None = None  # the 加试 score, for a candidate in a tie at the cut it settled
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
        scores[stage] = None if value is None else rounded(value, rules.places(stage))
    return scores


def stage_subscores(state: SessionState, rules: Rules, code: str) -> dict[str, Decimal]:
    """The named parts of imported stages (行测, 申论 under 笔试), as "stage.part"."""
    parts = {}
    for stage, names in rules.subscores.items():
        imported = state.scoring.stage_subscores.get(stage, {}).get(code, {})
        parts.update({f"{stage}.{part}": Decimal(imported[part]) for part in names if part in imported})
    return parts


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


def exact_composite(scores: dict[str, Decimal | None], rules: Rules) -> Fraction | None:
    """The composite before its one rounding; None while a stage in force has no score."""
    if any(scores.get(stage) is None for stage in rules.weighted_stages):
        return None  # an added stage (加分) nobody imported for this candidate adds nothing
    weighted = Fraction(0)
    for stage in rules.weighted_stages:
        value = Fraction(scores[stage])  # type: ignore[arg-type]
        if stage not in rules.as_is:  # "笔试成绩÷3": converted in this computation, never rounded on its own
            value = value * 100 / Fraction(rules.full_mark(stage))
        weighted += Fraction(rules.stages[stage]) * value
    if rules.composite_kind == "average":
        weighted /= sum((Fraction(rules.stages[stage]) for stage in rules.weighted_stages), Fraction(0)) or 1
    added = sum((min(Fraction(scores[stage]), Fraction(cap)) for stage, cap in rules.added.items()  # type: ignore[arg-type]
                 if scores.get(stage) is not None), Fraction(0))
    return weighted + added


def composite(scores: dict[str, Decimal | None], rules: Rules) -> Decimal | None:
    exact = exact_composite(scores, rules)
    return None if exact is None else half_up_exact(exact, rules.decimals)


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
    if interview is not None and rules.pass_line > 0 and interview < rules.pass_line:
        return "excluded_interview_pass"
    if uncontested and interview is not None and interview < rules.min_if_uncontested:
        return "excluded_min_interview"
    return "eligible"


def _sort_key(row: Row, rules: Rules) -> tuple:
    return (*_tie_key(row, rules), row.extra if row.extra is not None else Decimal(-1))


def _tie_key(row: Row, rules: Rules) -> tuple:
    """What orders candidates before any 加试: the composite, the unrounded one if the rules say so, the chain."""
    chain = [(row.subscores.get(key) if "." in key else row.stages.get(key)) or Decimal(-1) for key in rules.tie_breaks]
    unrounded = (row.exact,) if rules.tie_break_unrounded else ()
    return (row.composite, *unrounded, *chain)


def _rank_post(state: SessionState, rules: Rules, candidates: list[Candidate], ignore_withdrawals: bool,
               cut: int) -> list[Row]:
    rows = []
    active = [c for c in candidates if c.withdrawn is None or ignore_withdrawals]
    uncontested = len(active) == 1
    for candidate in candidates:
        scores = stage_scores(state, rules, candidate.code)
        rate = _democratic(state, candidate.code)[1] if "democratic" in rules.active_stages else None
        exact = exact_composite(scores, rules)
        row = Row(candidate.code, candidate.name, candidate.unit, candidate.establishment, scores,
                  None if exact is None else half_up_exact(exact, rules.decimals), rate, exact,
                  stage_subscores(state, rules, candidate.code), halls=stage_halls(state, candidate.code))
        row.status = _base_status(state, rules, candidate, row, uncontested, ignore_withdrawals)
        extra = state.scoring.extra.get(candidate.post, {}).get(candidate.code)
        row.extra = None if extra is None else half_up(Decimal(extra), rules.decimals)
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
        elif row.extra is not None:  # its place among those tied before was settled by the 加试
            row.flags.append("extra")

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


def tied_at_cut(state: SessionState, post: str, rules: Rules | None = None) -> list[str]:
    """The candidates of a complete post whose tie the cut would split, before any 加试."""
    rules = rules or rules_from(state.roster.settings)
    ranked = next((p for p in rank(state, rules) if p.code == post), None)
    if ranked is None or any(row.status == "incomplete" for row in ranked.rows):
        return []
    return sorted(row.code for row in ranked.rows if "tie_at_cut" in row.flags)  # one group: the boundary rank


def rank(state: SessionState, rules: Rules | None = None) -> list[PostRanking]:
    """Every open post's ranking; pure in ``state`` (and the rules, by default the session's)."""
    rules = rules or rules_from(state.roster.settings)
    result = []
    for post_code, post in sorted(state.roster.posts.items()):
        if not post.open:
            continue
        candidates = state.roster.candidates_of(post_code)
        cut = rules.targets_for(post.seats)
        rows = _rank_post(state, rules, candidates, ignore_withdrawals=False, cut=cut)
        if any(c.withdrawn is not None for c in candidates):
            # 递补: whoever is a target now but was not before the withdrawals moved up.
            before = {r.code for r in _rank_post(state, rules, candidates, ignore_withdrawals=True, cut=cut)
                      if r.status == "target"}
            for row in rows:
                if row.status == "target" and row.code not in before:
                    row.flags.append("backfill")
        result.append(PostRanking(post_code, post.name, rows))
    return result


def _text(value: Decimal | None) -> str | None:
    """A score as the rules rounded it: the composite at its places, each stage at its own."""
    return None if value is None else str(value)


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
                        "dissatisfied_rate": None if row.dissatisfied_rate is None
                        else str(half_up(row.dissatisfied_rate, 4)),
                        "rank": row.rank,
                        "status": row.status,
                        "flags": row.flags,
                        **({"extra": str(row.extra)} if row.extra is not None else {}),  # the 加试 score
                        **({"halls": row.halls} if row.halls else {}),  # stages imported from other halls
                    }
                    for row in post.rows
                ],
            }
            for post in rankings
        ],
    }
