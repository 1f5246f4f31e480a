"""Democratic evaluation (民主测评), as pure functions of the ballots and the rules.

A ballot is one letter per candidate of the post in code order: ``S`` satisfied,
``B`` basically satisfied, ``D`` dissatisfied, ``-`` blank. For each candidate:
stage score = Σ(value × marks) / valid marks (blank marks are not valid marks), rounded
half-up; dissatisfaction rate = dissatisfied / denominator (valid marks, or ballots cast,
by the rules), kept exact for the threshold test and shown to 4 places. With voter groups,
score and rate are the weighted means of the groups' own (over groups that voted).

A recommendation (民主推荐, ``democratic.ballot = "recommendation"``) is another ballot: one
letter per candidate, ``Y`` named or ``-`` not, at most ``democratic.names_per_ballot`` names
(a ballot naming more is void, as halls count it). A candidate's score is their votes (每得一票
记作1分) or their share of the valid ballots × 100, by ``democratic.recommendation_score``; with
voter groups (shares only) the weighted mean of the groups' shares. There is no dissatisfaction
rate: nobody is excluded by a recommendation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from jz_tui.rules.scoring import half_up, rounded
from jz_tui.rules.settings import Rules

EVALUATION, RECOMMENDATION = "evaluation", "recommendation"
MARKS = {"S": "satisfied", "B": "basic", "D": "dissatisfied", "-": "blank"}
NAMED = "Y"
RECOMMEND_MARKS = {NAMED: "named", "-": "blank"}
RECOMMEND_KEYS = {"y": NAMED, "1": NAMED, "0": "-", " ": "-"}  # typed: Y (or 1) names, 0 / - / space does not
KEY_TO_MARK = {"1": "S", "2": "B", "3": "D", "0": "-"}  # the entry screen's keys
LETTER_KEYS = {"s": "S", "b": "B", "d": "D", "minus": "-"}  # the letters the command line takes work too


@dataclass(frozen=True)
class Ballot:
    marks: str
    group: str = ""


@dataclass(frozen=True)
class CandidateTally:
    code: str
    counts: dict[str, int]  # satisfied / basic / dissatisfied / blank (a recommendation: votes / blank)
    counts_by_group: dict[str, dict[str, int]]
    score: Decimal | None  # rounded half-up to the rules' places; None with no valid mark
    rate: Decimal | None  # exact dissatisfaction rate
    excluded: bool  # rate above the threshold

    @property
    def rate_shown(self) -> str | None:
        return None if self.rate is None else str(half_up(self.rate, 4))


def percent_text(rate: str) -> str:
    """A rate kept to 4 places (``0.3000``) as a percentage with 2 (``30.00%``): the same digits."""
    return f"{Decimal(rate) * 100:.2f}%"


_MARK_LETTERS = frozenset(MARKS)


def valid_marks(text: str, candidates: int, ballot: str = EVALUATION) -> bool:
    """A mark for every candidate, each one the ballot kind's (a recommendation may name any number:
    one naming more than the rules allow is a valid entry of a void ballot, see :func:`names_over`)."""
    letters = RECOMMEND_MARKS if ballot == RECOMMENDATION else _MARK_LETTERS
    return len(text) == candidates and set(text) <= set(letters)


def mark_name(mark: str) -> str:
    """A mark's word in the catalogue (``tally_ui_mark_…``): satisfied … blank, or named."""
    return RECOMMEND_MARKS[mark] if mark == NAMED else MARKS[mark]


def typed_mark(mark: str, ballot: str) -> str | None:
    """What a screen's key gives on this kind of ballot (None: not a mark of it). On a
    recommendation the "satisfied" key (1, S) names the candidate, as Y does."""
    if ballot == RECOMMENDATION:
        return {"S": NAMED, NAMED: NAMED, "-": "-"}.get(mark)
    return mark if mark in MARKS else None


def names_over(marks: str, rules: Rules) -> bool:
    """A recommendation naming more candidates than the rules allow: void."""
    return rules.ballot == RECOMMENDATION and marks.count(NAMED) > rules.names_per_ballot


def is_blank_ballot(marks: str) -> bool:
    """A ballot that marks nobody: valid with no marks, or void, as the rules say."""
    return all(ch == "-" for ch in marks)


def counted_ballots(ballots: Sequence[Ballot], rules: Rules) -> tuple[list[Ballot], int]:
    """The ballots that count, and how many the rules make void instead: wholly blank ones when
    ``blank_ballot`` says so, recommendations naming more than ``names_per_ballot``."""
    kept = [b for b in ballots if not names_over(b.marks, rules)
            and not (rules.blank_ballot == "void" and is_blank_ballot(b.marks))]
    return kept, len(ballots) - len(kept)


def normalise_marks(text: str, ballot: str = EVALUATION) -> str:
    """Accept the entry keys (1/2/3/0; for a recommendation Y or 1, 0 or a space) as well as the
    letters, in either case."""
    if ballot == RECOMMENDATION:
        return "".join(RECOMMEND_KEYS.get(ch, ch.upper()) for ch in text.strip("\r\n\t"))
    return "".join(KEY_TO_MARK.get(ch, ch.upper()) for ch in text.strip())


def _group_result(counts: dict[str, int], ballots: int, rules: Rules) -> tuple[Fraction | None, Fraction | None]:
    valid = counts["satisfied"] + counts["basic"] + counts["dissatisfied"]
    if valid == 0:
        return None, None
    total = sum((Fraction(rules.values[k]) * counts[k] for k in ("satisfied", "basic", "dissatisfied")), Fraction(0))
    denominator = valid if rules.denominator == "valid_marks" else ballots
    return total / valid, Fraction(counts["dissatisfied"], denominator)


def _decimal(value: Fraction) -> Decimal:
    """One correctly rounded division: exact whenever the value has a finite decimal expansion."""
    return Decimal(value.numerator) / Decimal(value.denominator)


def tally_post(codes: Sequence[str], ballots: Sequence[Ballot], rules: Rules) -> list[CandidateTally]:
    """Every candidate's counts, score and rate from the post's valid ballots."""
    if rules.ballot == RECOMMENDATION:
        return _tally_recommendation(codes, ballots, rules)
    groups = [name for name, _ in rules.groups] or [""]
    weights = dict(rules.groups) or {"": Decimal(1)}
    results = []
    for index, code in enumerate(codes):
        by_group = {g: {"satisfied": 0, "basic": 0, "dissatisfied": 0, "blank": 0} for g in groups}
        ballots_in = dict.fromkeys(groups, 0)
        for ballot in ballots:
            group = ballot.group if ballot.group in by_group else groups[0]
            by_group[group][MARKS[ballot.marks[index]]] += 1
            ballots_in[group] += 1
        scored = [(weights[g], *_group_result(by_group[g], ballots_in[g], rules)) for g in groups]
        scored = [(w, s, r) for w, s, r in scored if s is not None]
        totals = {k: sum(c[k] for c in by_group.values()) for k in ("satisfied", "basic", "dissatisfied", "blank")}
        if not scored:
            results.append(CandidateTally(code, totals, by_group, None, None, False))
            continue
        # Exact (rational) until the end: chained Decimal divisions could tip a rate of exactly
        # 30% above the threshold, or a score of exactly .xx5 below the half-up boundary.
        weight_sum = sum((Fraction(w) for w, _, _ in scored), Fraction(0))
        score = _decimal(sum((Fraction(w) * s for w, s, _ in scored), Fraction(0)) / weight_sum)
        rate = _decimal(sum((Fraction(w) * r for w, _, r in scored), Fraction(0)) / weight_sum)
        results.append(CandidateTally(code, totals, by_group if rules.groups else {}, rounded(score, rules.places("democratic")),
                                      rate, rate > rules.dissatisfied_max))
    return results


def _tally_recommendation(codes: Sequence[str], ballots: Sequence[Ballot], rules: Rules) -> list[CandidateTally]:
    """Votes (named) and blanks (not named) per candidate; the score is the votes, or the share of
    the valid ballots × 100 (with groups: the weighted mean of the shares of the groups that voted).
    No rate, nobody excluded."""
    groups = [name for name, _ in rules.groups] or [""]
    weights = dict(rules.groups) or {"": Decimal(1)}
    results = []
    for index, code in enumerate(codes):
        by_group = {g: {"votes": 0, "blank": 0} for g in groups}
        for ballot in ballots:
            group = ballot.group if ballot.group in by_group else groups[0]
            by_group[group]["votes" if ballot.marks[index] == NAMED else "blank"] += 1
        totals = {k: sum(c[k] for c in by_group.values()) for k in ("votes", "blank")}
        voted = [(Fraction(weights[g]), c) for g, c in by_group.items() if c["votes"] + c["blank"]]
        score: Decimal | None = None
        if voted and rules.recommendation_score == "votes":
            score = Decimal(totals["votes"])
        elif voted:
            weight_sum = sum((w for w, _ in voted), Fraction(0))
            share = sum((w * Fraction(c["votes"] * 100, c["votes"] + c["blank"]) for w, c in voted), Fraction(0))
            score = _decimal(share / weight_sum)
        results.append(CandidateTally(code, totals, by_group if rules.groups else {},
                                      None if score is None else rounded(score, rules.places("democratic")),
                                      None, False))
    return results


@dataclass(frozen=True)
class Reconciliation:
    issued: int
    returned: int
    valid: int
    void: int

    @property
    def problems(self) -> list[str]:
        found = []
        if self.returned != self.valid + self.void:
            found.append("tally_returned_mismatch")
        if self.returned > self.issued:
            found.append("tally_returned_over_issued")
        return found


def discrepancies(first: dict[int, object], second: dict[int, object]) -> list[int]:
    """Ballot numbers where two independent entries of the same stack differ."""
    return sorted(no for no in set(first) | set(second) if first.get(no) != second.get(no))
