"""Projection of the hall: rules settings, posts, candidates, tickets, check-ins, draws.

It records facts exactly as the events state them; interpreting them (which rules are
in force, who is eligible, what order was drawn) is for the pure functions in jz_tui.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .ledger import Record


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
        self.ticket_public_key: str = ""
        self.ticket_signing_key: str = ""
        self.ticket_nonces: dict[str, str] = {}
        self.checkins: dict[str, CheckIn] = {}
        self.absent: set[str] = set()
        self.refusals: list[tuple[int, str]] = []  # (seq, reason)
        self.draws: dict[str, Draw] = {}
        self._numbers: dict[str, str] | None = None

    # -------------------------------------------------------------- rules and roster

    def on_config_set(self, record: Record) -> None:
        self.settings.update(record.data["changes"])

    def on_roster_import(self, record: Record) -> None:
        for post in record.data["posts"]:
            self.posts[post["code"]] = Post(
                post["code"], post["name"], int(post["seats"]), post["department"], bool(post["open"])
            )
        for c in record.data["candidates"]:
            self.candidates[c["code"]] = Candidate(
                c["code"], c["post"], c["name"], c["id_number"], c["unit"], c["establishment"],
                c.get("department", ""), c.get("exam_no", ""), len(self.candidates),
            )

    def on_candidate_edit(self, record: Record) -> None:
        candidate = self.candidates.get(record.data["code"])
        if candidate is None:
            return
        for key, value in record.data["changes"].items():
            if key in ("name", "id_number", "unit", "establishment"):
                setattr(candidate, key, value)
        candidate.edits.append({"seq": record.seq, "by": record.actor, **record.data})

    def on_candidate_withdraw(self, record: Record) -> None:
        candidate = self.candidates.get(record.data["code"])
        if candidate is not None and candidate.withdrawn is None:
            candidate.withdrawn = record.data.get("reason", "")
            candidate.withdrawn_seq = record.seq

    # -------------------------------------------------------------- tickets and the hall

    def on_tickets_issue(self, record: Record) -> None:
        if record.data.get("signing_key"):
            self.ticket_signing_key = record.data["signing_key"]
            self.ticket_public_key = record.data["public_key"]
        self.ticket_nonces.update(record.data["nonces"])

    def on_checkin_accept(self, record: Record) -> None:
        code = record.data["code"]
        if code not in self.checkins:
            self.checkins[code] = CheckIn(record.at, record.actor, record.data.get("terminal", ""), record.seq)
            self.absent.discard(code)

    def on_checkin_refuse(self, record: Record) -> None:
        self.refusals.append((record.seq, record.data["reason"]))

    def on_checkin_absent(self, record: Record) -> None:
        self.absent.update(code for code in record.data["codes"] if code not in self.checkins)

    def on_done_candidate_disqualify(self, params: dict[str, Any]) -> None:
        candidate = self.candidates.get(params["code"])
        if candidate is not None:
            candidate.disqualified = params.get("reason", "")

    def on_done_checkin_undo(self, params: dict[str, Any]) -> None:
        self.checkins.pop(params["code"], None)

    def on_draw_commit(self, record: Record) -> None:
        data = record.data
        if data["post"] in self.draws and self.draws[data["post"]].reveal_seq is not None:
            return  # drawn and revealed: a later commit changes nothing (verify names it)
        self.draws[data["post"]] = Draw(data["post"], data["seed_hash"], list(data["candidates"]), record.seq)

    def on_draw_reveal(self, record: Record) -> None:
        draw = self.draws.get(record.data["post"])
        if draw is not None and draw.reveal_seq is None:
            draw.seed = record.data["seed"]
            draw.order = list(record.data["order"])
            draw.reveal_seq = record.seq
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

    def candidates_of(self, post: str) -> list[Candidate]:
        return sorted((c for c in self.candidates.values() if c.post == post), key=lambda c: c.code)
