"""What the board shows of each post, and what the public may see of it.

The board (``screens/board.py``) has two views of the same ranking:

- the **jury view** shows everything as it stands: every stage score in force, the
  provisional rank and status of every candidate, the flags, the reasons, and how far
  each stage has come (interview sheets confirmed of expected, the tally's state);
- the **public view** shows what has been made public, and nothing else:

  * imported stage scores (the written exam, and any other imported stage) once
    imported: the import is the official result of an exam already marked;
  * an interview score only once announced (亮分, co-signed by a supervisor); no sheet,
    and no count of sheets, before that;
  * a democratic-evaluation score only from a tally closed and co-signed; never a
    partial count (the jury view never shows one either: the tally is "counting" or
    "closed", DESIGN.md §2.6);
  * ranks, targets, flags and exclusions only once every candidate of the post is
    complete (no status ``incomplete`` left); until then candidates are listed in
    roster order, so that not even the order gives a provisional ranking away;
  * never a person's words (reasons for a disqualification or withdrawal), never the
    dissatisfaction rate: neither is in the public notice either.

A supervisor can **freeze** the public view (``publication.freeze`` events, see
:func:`freeze`): while frozen it keeps showing the state as it was just before the
freeze, however the ledger moves on, until a supervisor releases it. The jury view is
never frozen.

Everything here except :func:`freeze` and :class:`PublicSource` is a pure function of a
folded state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from jz_tui import i18n
from jz_tui.rules.ranking import PostRanking, Row, rank
from jz_tui.rules.settings import Rules, rules_from
from jz_tui.services.roster import is_contract
from jz_tui.services.session import Session
from jz_tui.services.sheets import progress
from storage.errors import JzError
from storage.keyring import KeyRing
from storage.projection import SessionState, verified_state
from storage.vault import Vault

JURY, PUBLIC = "jury", "public"
VIEWS = (JURY, PUBLIC)
IN_PROGRESS = "in_progress"  # the public status of every candidate of a post not yet complete
PUBLIC_STATUSES_EARLY = frozenset({"withdrawn", "absent", "disqualified"})  # facts, public at once
TALLY_STATES = ("none", "sealed", "counting", "closed")


@dataclass(frozen=True)
class StageProgress:
    """How far one stage of one post has come."""

    stage: str
    done: int  # candidates whose score of this stage is in force (imported, announced, closed tally)
    of: int  # candidates who take part (not withdrawn, absent or disqualified)
    sheets: tuple[int, int] | None = None  # interview, jury view: (sheets confirmed, sheets expected)
    tally: str | None = None  # democratic: one of TALLY_STATES


@dataclass(frozen=True)
class BoardRow:
    code: str
    name: str
    unit: str
    stages: tuple[tuple[str, Decimal | None], ...]  # active stages in rule order
    composite: Decimal | None
    rank: int | None
    status: str  # a ranking status (DESIGN.md §5), or IN_PROGRESS in the public view
    flags: tuple[str, ...]
    reason: str  # jury view only
    sheets: tuple[int, int] | None  # interview not yet announced, jury view: (confirmed, expected)
    appointment: str  # the decision in words, once recorded (聘任制 and probation end included)
    halls: tuple[tuple[str, str], ...] = ()  # (stage, hall) of each stage imported from another hall

    @property
    def target(self) -> bool:
        return self.status == "target"


@dataclass(frozen=True)
class BoardPost:
    code: str
    name: str
    rows: tuple[BoardRow, ...]
    progress: tuple[StageProgress, ...]
    complete: bool  # every candidate has a final status: ranks and targets are settled


def post_codes(state: SessionState) -> list[str]:
    """The posts the board shows (open to competition), in code order, like the ranking."""
    return sorted(code for code, post in state.roster.posts.items() if post.open)


def is_complete(post: PostRanking) -> bool:
    return all(row.status != "incomplete" for row in post.rows)


def tally_state(state: SessionState, post: str) -> str:
    tally = state.tally.posts.get(post)
    if tally is None:
        return "none"
    if tally.closed is not None:
        return "closed"
    return "counting" if tally.opened is not None else "sealed"


def _taking_part(state: SessionState, code: str) -> bool:
    candidate = state.roster.candidates[code]
    return candidate.withdrawn is None and candidate.disqualified is None and code not in state.roster.absent


def _sheet_counts(state: SessionState, rules: Rules, post: str) -> dict[str, tuple[int, int]]:
    """(sheets confirmed, expected) of each candidate of the post who takes part."""
    if "interview" not in rules.active_stages:
        return {}
    counts = {}
    for candidate in state.roster.candidates_of(post):
        if _taking_part(state, candidate.code):
            p = progress(state, candidate.code, rules)
            counts[candidate.code] = (p.confirmed, p.expected)
    return counts


def stage_progress(state: SessionState, rules: Rules, post: str, *, public: bool,
                   sheet_counts: dict[str, tuple[int, int]] | None = None) -> tuple[StageProgress, ...]:
    codes = [c.code for c in state.roster.candidates_of(post) if _taking_part(state, c.code)]
    result = []
    for stage in rules.active_stages:
        if stage == "interview":
            announced = sum(1 for code in codes if code in state.scoring.announced)
            sheets = None
            if not public:
                counts = (sheet_counts if sheet_counts is not None else _sheet_counts(state, rules, post)).values()
                sheets = (sum(c[0] for c in counts), sum(c[1] for c in counts))
            result.append(StageProgress(stage, announced, len(codes), sheets=sheets))
        elif stage == "democratic":
            tally = tally_state(state, post)
            closed = state.tally.posts[post].closed if tally == "closed" else None
            scored = {e["code"] for e in closed["candidates"] if e.get("score") is not None} if closed else set()
            result.append(StageProgress(stage, sum(1 for code in codes if code in scored), len(codes), tally=tally))
        else:
            imported = state.scoring.stage_scores.get(stage, {})
            result.append(StageProgress(stage, sum(1 for code in codes if code in imported), len(codes)))
    return tuple(result)


def _row(state: SessionState, rules: Rules, row: Row, sheet_counts: dict[str, tuple[int, int]], *,
         public: bool, complete: bool, lang: str) -> BoardRow:
    candidate = state.roster.candidates[row.code]
    sheets = None
    if not public and row.stages.get("interview") is None:
        sheets = sheet_counts.get(row.code)
    status, rank_, flags = row.status, row.rank, tuple(row.flags)
    if public and not complete:
        status = row.status if row.status in PUBLIC_STATUSES_EARLY else IN_PROGRESS
        rank_, flags = None, ()
    appointment = _appointment(state, row.code, is_contract(candidate), lang)
    return BoardRow(
        row.code, row.name, row.unit,
        tuple((stage, row.stages.get(stage)) for stage in rules.active_stages),
        row.composite, rank_, status, flags, "" if public else row.reason, sheets,
        appointment if (complete or not public) else "",
        tuple(row.halls.items()),
    )


def _appointment(state: SessionState, code: str, contract: bool, lang: str) -> str:
    decision = state.inspection.decisions.get(code)
    if decision is None:
        return ""
    if decision["decision"] != "appoint":
        return i18n.t("decision_not_appoint", lang=lang)
    kind = i18n.t("appoint_contract" if decision.get("contract", contract) else "appoint_regular", lang=lang)
    return i18n.t("appoint_text", lang=lang, kind=kind, start=decision["start"], end=decision["probation_end"])


def board_posts(state: SessionState, *, public: bool, posts: Iterable[str] | None = None,
                rules: Rules | None = None, lang: str | None = None) -> list[BoardPost]:
    """The board's posts (all open posts, or those of ``posts`` in that order), in one view."""
    rules = rules or rules_from(state.roster.settings)
    lang = lang or i18n.language()
    rankings = {post.code: post for post in rank(state, rules)}
    wanted = list(posts) if posts is not None else sorted(rankings)
    result = []
    for code in wanted:
        ranking = rankings.get(code)
        if ranking is None:
            continue
        complete = is_complete(ranking)
        rows = ranking.rows
        if public and not complete:
            order = {c.code: c.order for c in state.roster.candidates_of(code)}
            rows = sorted(rows, key=lambda r: (order.get(r.code, 0), r.code))  # no provisional order
        counts = {} if public else _sheet_counts(state, rules, code)  # the public never sees sheets
        result.append(BoardPost(
            code, ranking.name,
            tuple(_row(state, rules, row, counts, public=public, complete=complete, lang=lang) for row in rows),
            stage_progress(state, rules, code, public=public, sheet_counts=counts),
            complete,
        ))
    return result


# ---------------------------------------------------------------------- the public result


@dataclass(frozen=True)
class PublicResult:
    """What the public may see, as the public view shows it: the one source of every public output.

    The board's public view, ``jz public``, the notice in every format and the printed
    notice are all rendered from this, so none can say more, or other, than the others.
    """

    state: SessionState  # the state shown: the live one, or the one at the freeze
    frozen_at: int | None  # the seq the view is frozen at, None when live
    posts: tuple[BoardPost, ...]
    lang: str

    @property
    def complete(self) -> bool:
        return all(post.complete for post in self.posts)

    @property
    def unfinished(self) -> list[str]:
        """The posts not yet complete: no rank, target or flag of theirs is public."""
        return [post.code for post in self.posts if not post.complete]


def public_result_of(shown: SessionState, frozen: int | None = None, *, posts: Iterable[str] | None = None,
                     lang: str | None = None) -> PublicResult:
    """The public result of the state the public view shows (pure)."""
    lang = lang or i18n.language()
    return PublicResult(shown, frozen, tuple(board_posts(shown, public=True, posts=posts, lang=lang)), lang)


def public_result(session: Session, source: PublicSource | None = None, *, posts: Iterable[str] | None = None,
                  lang: str | None = None) -> PublicResult:
    """The public result now: at the freeze while the public view is frozen, else live."""
    shown = (source or PublicSource()).state(session)
    return public_result_of(shown, frozen_at(session.state), posts=posts, lang=lang)


def public_result_at(vault: Vault, data_key: bytes | KeyRing, state: SessionState,
                     lang: str | None = None) -> PublicResult:
    """The public result as it stood when the ledger was at ``state`` (a replay if it was frozen)."""
    seq = frozen_at(state)
    shown = state if seq is None else state_at(vault, data_key, seq)
    return public_result_of(shown, seq, lang=lang)


# ---------------------------------------------------------------------- freezing the public view


def frozen_at(state: SessionState) -> int | None:
    """The seq the public view shows while frozen; None when it is live."""
    return state.inspection.public_frozen_at


def freeze(session: Session, frozen: bool) -> None:
    """Freeze (``frozen=True``) or release the public view; supervisors only."""
    session.require_role("supervisor", action="publication.freeze")
    session.refresh()
    if frozen and frozen_at(session.state) is not None:
        raise JzError("public_already_frozen", seq=frozen_at(session.state))
    if not frozen and frozen_at(session.state) is None:
        raise JzError("public_not_frozen")
    session.append("publication.freeze", {"frozen": frozen})


def state_at(vault: Vault, data_key: bytes | KeyRing, seq: int) -> SessionState:
    """The verified state folded from the first ``seq`` events (a full replay: done once per freeze)."""
    return verified_state(vault, data_key, upto=seq)


class PublicSource:
    """The state the public view is computed from: the live one, or the one at the freeze.

    Keeps the frozen state once folded, so a frozen board replays the ledger once per
    freeze, not on every poll.
    """

    def __init__(self) -> None:
        self._frozen: tuple[int, SessionState] | None = None

    def state(self, session: Session) -> SessionState:
        seq = frozen_at(session.state)
        if seq is None:
            self._frozen = None
            return session.state
        if self._frozen is None or self._frozen[0] != seq:
            self._frozen = (seq, state_at(session.vault, session.identity.keyring, seq))
        return self._frozen[1]
