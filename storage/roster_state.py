"""Projection of the hall: rules settings, posts, candidates, tickets, check-ins, draws.

Data only: each event kind's declaration (jz_tui/events/hall.py) says how it changes this;
interpreting it (which rules are in force, who is eligible) is for the pure rules in jz_tui.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any



@dataclass
class Post:
    code: str
    name: str
    seats: int
    department: str
    open: bool


@dataclass
class Candidate:
    code: str
    post: str
    name: str
    id_number: str
    unit: str
    establishment: str
    department: str
    exam_no: str
    order: int  # position in the roster, for stable listings
    withdrawn: str | None = None  # the reason, once withdrawn
    withdrawn_seq: int | None = None
    disqualified: str | None = None  # the reason, once a supervisor has signed
    edits: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class CheckIn:
    at: str
    by: str
    terminal: str
    seq: int


@dataclass
class Draw:
    post: str
    seed_hash: str
    candidates: list[str]
    commit_seq: int
    seed: str | None = None
    order: list[str] = field(default_factory=list)
    reveal_seq: int | None = None


class RosterState:
    def __init__(self) -> None:
        self.settings: dict[str, Any] = {}
        self.posts: dict[str, Post] = {}
        self.candidates: dict[str, Candidate] = {}
        self.ticket_nonces: dict[str, str] = {}
        # code -> public keys (hex) of the admins who issued (or vouched for) its tickets: a ticket is
        # signed with its issuer's own key, never with a key kept in a body every user reads
        self.ticket_keys: dict[str, list[str]] = {}
        self.checkins: dict[str, CheckIn] = {}
        self.absent: set[str] = set()  # this hall's own and those another hall's export marked absent
        # codes whose check-in or absence came with another hall's export (hall.import): code -> hall
        self.hall_checkins: dict[str, str] = {}
        self.hall_absent: dict[str, str] = {}
        self.refusals: list[tuple[int, str]] = []  # (seq, reason)
        self.draws: dict[str, Draw] = {}
        self._numbers: dict[str, str] | None = None
        self._by_post: dict[str, list[Candidate]] | None = None
        self.rules_cache: Any = None  # the rules built from ``settings`` (jz_tui.events.common.rules_of)

    def forget_numbers(self) -> None:
        """A reveal changed the interview numbers: look them up afresh."""
        self._numbers = None

    # -------------------------------------------------------------- derived lookups

    def interview_numbers(self) -> dict[str, str]:
        """Candidate code -> interview number (``A01-3``) from the revealed draws.

        Cached: examiners' screens and every sheet look it up; only a reveal changes it.
        """
        if self._numbers is None:
            self._numbers = {}
            for draw in self.draws.values():
                for position, code in enumerate(draw.order, start=1):
                    self._numbers[code] = f"{draw.post}-{position}"
        return dict(self._numbers)

    def number_of(self, code: str) -> str | None:
        """One candidate's interview number (``A01-3``), None before the post's draw."""
        if self._numbers is None:
            self.interview_numbers()
        assert self._numbers is not None
        return self._numbers.get(code)

    def candidates_of(self, post: str) -> list[Candidate]:
        """The post's candidates in code order (kept per post: a fold asks for every ballot)."""
        if self._by_post is None:
            self._by_post = {}
            for c in sorted(self.candidates.values(), key=lambda c: c.code):
                self._by_post.setdefault(c.post, []).append(c)
        return list(self._by_post.get(post, ()))

    def post_size(self, post: str) -> int:
        """How many candidates a ballot of the post marks (withdrawn ones too)."""
        if self._by_post is None:
            self.candidates_of(post)
        assert self._by_post is not None
        return len(self._by_post.get(post, ()))

    def roster_changed(self) -> None:
        """Candidates were added: look them up by post afresh."""
        self._by_post = None
