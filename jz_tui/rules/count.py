"""The count of a post's ballots, as pure functions of the folded state: what the tally
officers see, why a close cannot happen yet, and the record a close signs.

The close's declaration checks its figures against :func:`close_record` when it is started
and when its last signature lands; the tally screen and ``jz tally close`` build it with the
same function, so what is signed is always what the ballots entered add up to.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from jz_tui.rules.democratic import (
    RECOMMENDATION,
    Ballot,
    CandidateTally,
    Reconciliation,
    counted_ballots,
    discrepancies,
    tally_post,
)
from jz_tui.rules.settings import Rules, rules_of_state
from storage.errors import JzError

if TYPE_CHECKING:
    from storage.projection import SessionState


@dataclass(frozen=True)
class TallyView:
    """What the tally officers see: the agreed ballots, discrepancies, and the running result."""

    post: str
    codes: list[str]
    counters: list[str]  # officers who entered ballots
    discrepancies: list[int]
    ballots: list[Ballot]  # valid paper ballots (agreed) plus electronic ones
    void: int
    reconciliation: Reconciliation | None
    results: list[CandidateTally]
    closed: bool
    # entries taken out of the count: (officer, number when withdrawn, reason), in ledger order
    withdrawn: tuple[tuple[str, int, str], ...] = ()


def rules_for(state: SessionState) -> Rules:
    return rules_of_state(state)


def codes_of(state: SessionState, post: str) -> list[str]:
    """The candidates a ballot of this post marks, in code order (withdrawn ones too: the paper lists them)."""
    return [c.code for c in state.roster.candidates_of(post)]


def close_pending(state: SessionState, post: str) -> bool:
    """A close of the post's tally has been requested and waits for signatures."""
    return state.waiting_for("tally.close", post) is not None


def view(state: SessionState, post: str, rules: Rules | None = None) -> TallyView:
    """The count of a post from the entries so far (kept until an event changes the count, the
    roster or the rules: a close is checked against it at its start and at its last signature)."""
    rules = rules or rules_for(state)
    tally = state.tally.posts[post]
    if tally.closed is not None and tally.closed_view is not None:
        return tally.closed_view  # what was signed: nothing after the close changes it
    codes = codes_of(state, post)
    key = (tally.version, id(rules), len(codes), tally.closed is not None)
    if tally.cache is not None and tally.cache[0] == key:
        return tally.cache[1]
    counted = _count(state, post, rules, tally, codes)
    tally.cache = (key, counted)
    return counted


def _count(state: SessionState, post: str, rules: Rules, tally, codes: list[str]) -> TallyView:
    counters = sorted(tally.entries)
    entries = tally.entries.get(counters[0], {}) if counters else {}
    differing: list[int] = []
    if len(counters) >= 2:
        simplify = lambda es: {n: (e.marks, e.group) for n, e in es.items()}  # noqa: E731
        differing = discrepancies(simplify(tally.entries[counters[0]]), simplify(tally.entries[counters[1]]))
    paper, blank_void = counted_ballots(
        [Ballot(e.marks, e.group) for _, e in sorted(entries.items()) if e.marks is not None], rules)
    void = sum(1 for e in entries.values() if e.marks is None) + blank_void
    electronic, _ = counted_ballots([Ballot(m) for m in tally.electronic], rules)
    reconciliation = None
    if tally.opened is not None:
        reconciliation = Reconciliation(int(tally.opened["issued"]), int(tally.opened["returned"]), len(paper), void)
    withdrawn = tuple((w.officer, w.no, w.reason) for w in tally.withdrawn)
    return TallyView(post, codes, counters, differing, paper + electronic, void, reconciliation,
                     tally_post(codes, paper + electronic, rules), tally.closed is not None, withdrawn)


def close(state: SessionState, post: str) -> None:
    """The close takes effect: the signed record, and the count it was made from, kept as they are."""
    tally = state.tally.posts[post]
    current = view(state, post)
    tally.closed = close_record(state, post)
    tally.closed_view = replace(current, closed=True)
    tally.version += 1


def close_problems(state: SessionState, post: str) -> list[JzError]:
    """Why the post's tally cannot be closed now (empty: it can), in the order they are checked."""
    tally = state.tally.posts[post]
    box = state.tally.boxes[tally.box]
    if tally.opened is None:
        return [JzError("tally_not_open", post=post)]
    problems = []
    if close_pending(state, post):
        problems.append(JzError("tally_close_pending", post=post))
    current = view(state, post)
    if current.discrepancies:
        problems.append(JzError("tally_discrepancies", post=post,
                                numbers=list(current.discrepancies[:10])))
    if current.reconciliation and current.reconciliation.problems and tally.override is None:
        problems.append(JzError(current.reconciliation.problems[0], post=post, issued=current.reconciliation.issued,
                                returned=current.reconciliation.returned, valid=current.reconciliation.valid,
                                void=current.reconciliation.void))
    if box.commitments and box.unsealed_seq is None:
        problems.append(JzError("tally_electronic_sealed", post=post, box=box.id))
    return problems


def close_record(state: SessionState, post: str) -> dict[str, Any]:
    """The record a close of the post's tally signs, from the count as it stands (once closed: the record signed)."""
    tally = state.tally.posts[post]
    if tally.closed is not None:
        return tally.closed
    box = state.tally.boxes[tally.box]
    current = view(state, post)
    record = {
        "post": post,
        "box": box.id,
        "seal_intact": tally.opened["seal_intact"],
        "issued": current.reconciliation.issued if current.reconciliation else 0,
        "returned": current.reconciliation.returned if current.reconciliation else 0,
        "valid": len(current.ballots),
        "void": current.void,
        "electronic": len(tally.electronic),
        "candidates": [
            {"code": r.code, "counts": r.counts, "by_group": r.counts_by_group,
             "score": None if r.score is None else str(r.score), "rate": r.rate_shown,
             "rate_exact": None if r.rate is None else str(r.rate), "excluded": r.excluded}
            for r in current.results
        ],
    }
    rules = rules_for(state)
    if rules.ballot == RECOMMENDATION:  # what the figures are (only then: evaluations stay as they were)
        record["ballot"] = {"kind": RECOMMENDATION, "names": rules.names_per_ballot,
                            "score": rules.recommendation_score}
    if tally.withdrawn:  # entries taken out before the close (only then: records without any stay as they were)
        record["withdrawn"] = len(tally.withdrawn)
    return record
