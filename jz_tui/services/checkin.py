"""Hall check-in: one input that takes a scanned ticket, an exam number, a name, pinyin
initials or the last digits of an ID number, and an outcome for every attempt.

Failed attempts are recorded (``checkin.refuse``) so the hall log shows every forged or
misplaced ticket. Two terminals checking in the same person at once both append; the
ledger order decides, and the later one is told "already checked in".
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from functools import lru_cache

from jz_tui.i18n import local_time, t
from jz_tui.services import pending, tickets
from jz_tui.services.roster import withheld
from jz_tui.services.session import Session
from storage.events import Rejected
from storage.errors import JzError
from storage.roster_state import Candidate, CheckIn, RosterState

SUCCESS = "checked_in"
REFUSALS = ("already", "forged", "other_session", "revoked", "unknown", "withdrawn", "absent", "not_found")


@dataclass
class Attempt:
    outcome: str  # SUCCESS, one of REFUSALS, or "several" (a pick list, nothing recorded)
    candidate: Candidate | None = None
    previous: CheckIn | None = None
    matches: list[Candidate] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome == SUCCESS


def outcome_text(result: Attempt) -> str:
    """The sentence for an attempt; shared by the CLI and the check-in screen."""
    c = result.candidate
    if result.outcome == "several":
        lines = [t("checkin_several", count=len(result.matches))]
        lines += [f"  {m.code}  {m.name}  {m.post}" for m in result.matches]
        return "\n".join(lines)
    if result.outcome == "already" and result.previous:
        p = result.previous
        return t("checkin_already", code=c.code, name=c.name, at=local_time(p.at), by=p.by, terminal=p.terminal)
    return t("checkin_" + result.outcome, code=c.code if c else "", name=c.name if c else "")


def terminal_name() -> str:
    """Which terminal did it: JZ_TERMINAL if the hall names its terminals, else host and tty."""
    named = os.environ.get("JZ_TERMINAL")
    if named:
        return named
    try:
        tty = os.path.basename(os.ttyname(0))
    except OSError:
        tty = f"pid{os.getpid()}"
    return f"{socket.gethostname()}/{tty}"


# ---------------------------------------------------------------------- search


@lru_cache(maxsize=65536)
def initials(name: str) -> str:
    from pypinyin import Style, lazy_pinyin  # noqa: PLC0415 - 0.2 s to import: only when searching by initials

    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower()


def search(roster: RosterState, query: str) -> list[Candidate]:
    """Exact code first; else ID suffix (4-6 digits), pinyin initials, or part of a name."""
    text = query.strip()
    if not text:
        return []
    exact = roster.candidates.get(text) or roster.candidates.get(text.upper())
    if exact is not None:
        return [exact]
    folded = text.upper().translate(str.maketrans("０１２３４５６７８９Ｘ", "0123456789X"))
    everyone = sorted(roster.candidates.values(), key=lambda c: c.order)
    if 4 <= len(folded) <= 6 and folded[:-1].isdigit() and (folded[-1].isdigit() or folded[-1] == "X"):
        return [c for c in everyone if c.id_number.endswith(folded)]
    if text.isascii() and text.isalpha():
        wanted = text.lower()
        return [c for c in everyone if initials(c.name) == wanted] or [
            c for c in everyone if initials(c.name).startswith(wanted)
        ]
    return [c for c in everyone if text in c.name]


# ---------------------------------------------------------------------- attempts


def attempt(session: Session, text: str, terminal: str | None = None) -> Attempt:
    """What the clerk's one input does with whatever was typed or scanned."""
    session.require_role("clerk", "admin", action="checkin.accept")
    session.refresh()
    roster = session.state.roster
    terminal = terminal or terminal_name()
    if tickets.looks_like_ticket(text):
        check = tickets.check_payload(text, session.vault.vault_id, roster)
        if check.outcome != "valid":
            outcome = "forged" if check.outcome == "not_a_ticket" else check.outcome
            return _refuse(session, outcome, text, terminal, roster.candidates.get(check.code))
        return check_in(session, check.code, terminal, via="ticket")
    matches = search(roster, text)
    if not matches:
        return _refuse(session, "not_found", text, terminal, None)
    if len(matches) > 1:
        return Attempt("several", matches=matches)
    return check_in(session, matches[0].code, terminal, via="search")


def check_in(session: Session, code: str, terminal: str | None = None, via: str = "pick") -> Attempt:
    session.require_role("clerk", "admin", action="checkin.accept")
    session.refresh()
    roster = session.state.roster
    terminal = terminal or terminal_name()
    candidate = roster.candidates.get(code)
    if candidate is None:
        return _refuse(session, "unknown", code, terminal, None)
    if candidate.withdrawn is not None:
        return _refuse(session, "withdrawn", code, terminal, candidate)
    if code in roster.checkins:
        return _refuse(session, "already", code, terminal, candidate, roster.checkins[code])
    if code in roster.absent:
        return _refuse(session, "absent", code, terminal, candidate)
    try:
        session.append("checkin.accept", {"code": code, "terminal": terminal, "via": via})
    except Rejected as refused:
        if refused.key != "event_checkin_already":
            raise
        # another terminal got there first, a moment earlier: its check-in stands
        return _refuse(session, "already", code, terminal, candidate, session.state.roster.checkins[code])
    return Attempt(SUCCESS, candidate, session.state.roster.checkins[code])


def _refuse(session: Session, outcome: str, text: str, terminal: str, candidate: Candidate | None,
            previous: CheckIn | None = None) -> Attempt:
    session.append("checkin.refuse", {
        "reason": outcome, "input": text.strip()[:200], "terminal": terminal,
        "code": candidate.code if candidate else "",
    })
    return Attempt(outcome, candidate, previous)


# ---------------------------------------------------------------------- counts, absence, undo


@dataclass(frozen=True)
class PostCount:
    post: str
    name: str
    expected: int
    arrived: int
    absent: int

    @property
    def missing(self) -> int:
        return self.expected - self.arrived - self.absent


def counts(roster: RosterState) -> list[PostCount]:
    result = []
    for code, post in sorted(roster.posts.items()):
        if not post.open:
            continue
        active = [c for c in roster.candidates_of(code) if c.withdrawn is None]
        arrived = sum(1 for c in active if c.code in roster.checkins)
        absent = sum(1 for c in active if c.code in roster.absent)
        result.append(PostCount(code, post.name, len(active), arrived, absent))
    return result


def mark_absent(session: Session, posts: list[str] | None = None) -> list[str]:
    """At the cut-off: everyone expected and not checked in is absent (admin)."""
    session.require_role("admin", action="checkin.absent")
    session.refresh()
    roster = session.state.roster
    for post in posts or []:
        if post not in roster.posts:
            raise JzError("post_unknown", post=post)
    chosen = set(posts or roster.posts)
    codes = sorted(
        c.code for c in roster.candidates.values()
        if c.post in chosen and c.withdrawn is None and c.code not in roster.checkins and c.code not in roster.absent
        and c.code not in roster.hall_checkins  # checked in at another hall: present, not absent
    )
    if codes:
        session.append("checkin.absent", {"codes": codes})
    return codes


def request_undo(session: Session, code: str, reason: str):
    """Undoing a check-in needs a reason and a supervisor's signature."""
    session.refresh()
    candidate = session.state.roster.candidates.get(code)
    if candidate is None:
        raise JzError("candidate_unknown", code=withheld(session.state.roster, code))
    if code not in session.state.roster.checkins:
        raise JzError("checkin_not_checked_in", code=code)
    if not reason.strip():
        raise JzError("reason_needed")
    return pending.create(session, "checkin.undo", {"code": code}, reason=reason.strip())
