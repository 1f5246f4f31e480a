"""The tally screen's snapshots: one post as its tally officer sees it, and the boxes as everyone else does.

:func:`tally_snapshot` builds them in the load worker, under the session lock; they are
immutable, so the UI thread reads them freely. Before the close only the box's officers
get a count (``ballots.officer_view`` refuses everyone else).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce

from jz_tui.i18n import error_text, join_list, t
from jz_tui.rules.democratic import mark_name
from jz_tui.services import ballots
from jz_tui.services.session import Session


def marks_text(marks: str | None) -> str:
    """A stored entry in the screen's language (满意、基本、不满意, or ``S B D - S``), or "void"."""
    if marks is None:
        return t("tally_ui_void_entry")
    words = [t(f"echo_mark_{mark_name(mark)}") for mark in marks]
    return reduce(lambda first, then: t("echo_mark_pair", first=first, then=then), words) if words else ""


@dataclass(frozen=True)
class CandidateLine:
    code: str
    name: str
    withdrawn: bool
    counts: tuple[int, int, int, int]  # satisfied, basic, dissatisfied, blank (a recommendation: votes, 0, 0, blank)
    score: str | None
    rate: str | None  # 4 places
    excluded: bool


@dataclass(frozen=True)
class PostCount:
    """One post as its tally officer sees it."""

    post: str
    post_name: str
    box: str
    seal_no: str
    opened: tuple[bool, str, int, int] | None  # seal intact, note, issued, returned
    closed: bool
    close_pending: bool  # a close was requested and waits for signatures
    candidates: tuple[CandidateLine, ...]
    groups: tuple[str, ...]
    next_no: int  # the number this officer's next new ballot gets
    mine: tuple[tuple[int, str | None], ...]  # this officer's entries: (number, marks or None for void)
    last_no: int | None  # this officer's latest stored entry
    pair: tuple[str, ...]  # the two officers whose entries are compared
    discrepancies: tuple[int, ...]
    differing: tuple[tuple[int, str, str], ...]  # (number, first's entry, second's entry) for the first few
    valid: int  # valid ballots in the count (paper and electronic)
    void: int
    reconciliation: tuple[int, int, int, int] | None  # issued, returned, valid (paper), void
    problems: tuple[str, ...]  # why it cannot close now, in words
    unreconciled: bool  # the reconciliation fails (a supervisor's override would let it close)
    override: bool
    slips: int  # electronic voting slips issued for the box
    cast: int
    unsealed: bool
    electronic: int  # electronic ballots counted
    k: int
    officers: tuple[str, ...]
    ballot: str = "evaluation"  # or "recommendation" (民主推荐): the entry keys and the columns differ
    names: int = 1  # a recommendation's most names per ballot


@dataclass(frozen=True)
class BoxLine:
    """One post of a box, for someone who may not see its count."""

    post: str
    post_name: str
    box: str
    seal_no: str
    officers: str
    status: str  # catalogue key
    slips: str  # "cast/issued", or "" without slips


@dataclass(frozen=True)
class TallySnapshot:
    officer: bool  # this user counts some box
    posts: tuple[tuple[str, str], ...]  # (post, name) of this officer's boxes
    current: PostCount | None
    boxes: tuple[BoxLine, ...]  # for everyone else

def tally_snapshot(session: Session, wanted: str | None) -> TallySnapshot:
    """The screen's snapshot: the post ``wanted`` (else the first) for one of its officers, the boxes otherwise."""
    state = session.state
    mine = [
        (post, state.roster.posts[post].name if post in state.roster.posts else "")
        for box in state.tally.boxes.values() if session.role == "tally" and session.user in box.officers
        for post in box.posts
    ]
    if not mine:
        return TallySnapshot(False, (), None, _box_lines(session))
    post = wanted if wanted in {p for p, _ in mine} else mine[0][0]
    return TallySnapshot(True, tuple(mine), _post_count(session, post), ())


def _post_count(session: Session, post: str) -> PostCount:
    view = ballots.officer_view(session, post)  # refuses anyone but the box's officers before the close
    state = session.state
    tally = state.tally.posts[post]
    box = state.tally.boxes[tally.box]
    rules = ballots.rules_for(state)
    roster = {c.code: c for c in state.roster.candidates_of(post)}
    lines = tuple(
        CandidateLine(
            r.code, roster[r.code].name if r.code in roster else "", bool(r.code in roster and roster[r.code].withdrawn),
            (r.counts.get("satisfied", r.counts.get("votes", 0)), r.counts.get("basic", 0),
             r.counts.get("dissatisfied", 0), r.counts["blank"]),
            None if r.score is None else str(r.score), r.rate_shown, r.excluded,
        )
        for r in view.results
    )
    mine = tally.entries.get(session.user, {})
    pair = tuple(view.counters[:2])
    differing = ()
    if len(pair) == 2:
        first, second = tally.entries[pair[0]], tally.entries[pair[1]]

        def shown(entries, no):
            return "" if no not in entries else marks_text(entries[no].marks)

        differing = tuple((no, shown(first, no), shown(second, no)) for no in view.discrepancies[:20])
    recon = view.reconciliation
    problems = () if tally.closed is not None else tuple(error_text(e) for e in ballots.close_problems(state, post))
    opened = tally.opened
    return PostCount(
        post=post,
        post_name=state.roster.posts[post].name if post in state.roster.posts else "",
        box=box.id,
        seal_no=box.seal_no,
        opened=None if opened is None else (bool(opened["seal_intact"]), str(opened.get("note", "")),
                                            int(opened["issued"]), int(opened["returned"])),
        closed=view.closed,
        close_pending=ballots.close_pending(state, post),
        candidates=lines,
        groups=tuple(name for name, _ in rules.groups),
        next_no=max(mine, default=0) + 1,
        mine=tuple((no, e.marks) for no, e in sorted(mine.items())),
        last_no=max(mine.items(), key=lambda item: item[1].seq)[0] if mine else None,
        pair=pair,
        discrepancies=tuple(view.discrepancies),
        differing=differing,
        valid=len(view.ballots),
        void=view.void,
        reconciliation=None if recon is None else (recon.issued, recon.returned, recon.valid, recon.void),
        problems=problems,
        unreconciled=bool(recon and recon.problems),
        override=tally.override is not None,
        slips=len(box.commitments),
        cast=len(box.spent),
        unsealed=box.unsealed_seq is not None,
        electronic=len(tally.electronic),
        k=box.k,
        officers=tuple(box.officers),
        ballot=rules.ballot,
        names=rules.names_per_ballot,
    )


def _box_lines(session: Session) -> tuple[BoxLine, ...]:
    state = session.state
    lines = []
    for box in state.tally.boxes.values():
        for post in box.posts:
            tally = state.tally.posts[post]
            if tally.closed is not None:
                status = "tally_ui_status_closed"
            elif ballots.close_pending(state, post):
                status = "tally_ui_status_signing"
            elif tally.opened is not None:
                status = "tally_ui_status_counting"
            else:
                status = "tally_ui_status_sealed"
            lines.append(BoxLine(
                post, state.roster.posts[post].name if post in state.roster.posts else "", box.id, box.seal_no,
                join_list(box.officers), status,
                f"{len(box.spent)}/{len(box.commitments)}" if box.commitments else "",
            ))
    return tuple(lines)
