"""Projection of the democratic evaluation: boxes, openings, paper-ballot entries,
electronic voting slips, unsealed electronic ballots, and closed tallies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .halls_state import imported_results
from .ledger import Record


@dataclass
class Box:
    id: str
    posts: list[str]
    seal_no: str
    officers: list[str]
    k: int
    public_key: str  # X25519, hex
    shares: dict[str, str]  # officer -> share sealed to that officer (HPKE), hex
    created_seq: int
    token_hashes: set[str] = field(default_factory=set)
    spent: set[str] = field(default_factory=set)
    unsealed_seq: int | None = None


@dataclass
class Entry:
    marks: str | None  # None: a void ballot
    group: str
    void_reason: str
    seq: int


@dataclass
class PostTally:
    post: str
    box: str
    opened: dict[str, Any] | None = None  # seal_intact, note, issued, returned, by, seq
    entries: dict[str, dict[int, Entry]] = field(default_factory=dict)  # officer -> ballot no -> entry
    electronic: list[str] = field(default_factory=list)  # marks of unsealed electronic ballots
    override: dict[str, Any] | None = None  # a supervisor-signed reconciliation override
    closed: dict[str, Any] | None = None  # the signed record


class TallyState:
    def __init__(self) -> None:
        self.boxes: dict[str, Box] = {}
        self.posts: dict[str, PostTally] = {}

    def box_of(self, post: str) -> Box | None:
        tally = self.posts.get(post)
        return self.boxes.get(tally.box) if tally else None

    def on_box_create(self, record: Record) -> None:
        d = record.data
        if d["id"] in self.boxes or any(p in self.posts for p in d["posts"]):
            return
        self.boxes[d["id"]] = Box(d["id"], list(d["posts"]), d["seal_no"], list(d["officers"]), int(d["k"]),
                                  d["public_key"], dict(d["shares"]), record.seq)
        for post in d["posts"]:
            self.posts[post] = PostTally(post, d["id"])

    def _officer_tally(self, record: Record) -> PostTally | None:
        tally = self.posts.get(record.data["post"])
        if tally is None or record.actor not in self.boxes[tally.box].officers or tally.closed is not None:
            return None
        return tally

    def on_box_open(self, record: Record) -> None:
        tally = self._officer_tally(record)
        if tally is not None and tally.opened is None:
            tally.opened = {**record.data, "by": record.actor, "seq": record.seq}

    def on_ballot_enter(self, record: Record) -> None:
        tally = self._officer_tally(record)
        if tally is None or tally.opened is None:
            return
        d = record.data
        tally.entries.setdefault(record.actor, {})[int(d["no"])] = Entry(d["marks"], d.get("group", ""), "",
                                                                         record.seq)

    def on_ballot_void(self, record: Record) -> None:
        tally = self._officer_tally(record)
        if tally is None or tally.opened is None:
            return
        d = record.data
        tally.entries.setdefault(record.actor, {})[int(d["no"])] = Entry(None, "", d.get("reason", ""), record.seq)

    def on_tokens_issue(self, record: Record) -> None:
        box = self.boxes.get(record.data["box"])
        if box is not None:
            box.token_hashes.update(record.data["hashes"])

    def on_token_spend(self, record: Record) -> None:
        box = self.boxes.get(record.data["box"])
        token = record.data["token"]
        if box is not None and token in box.token_hashes and box.unsealed_seq is None:
            box.spent.add(token)

    def on_box_unseal(self, record: Record) -> None:
        box = self.boxes.get(record.data["box"])
        if box is None or box.unsealed_seq is not None:
            return
        box.unsealed_seq = record.seq
        for post, marks in record.data["ballots"].items():
            if post in self.posts:
                self.posts[post].electronic = list(marks)

    def on_done_tally_override(self, params: dict[str, Any]) -> None:
        tally = self.posts.get(params["post"])
        if tally is not None:
            tally.override = params

    def on_hall_import(self, record: Record) -> None:
        """Another hall's closed tallies: the post's count is closed, there (no box here)."""
        hall, posts = imported_results(record)
        for post in posts:
            if post.get("tally") is not None:
                self.posts[post["code"]] = PostTally(post["code"], "", closed={**post["tally"], "hall": hall})

    def on_done_tally_close(self, params: dict[str, Any]) -> None:
        tally = self.posts.get(params["post"])
        if tally is not None and tally.closed is None:
            tally.closed = params
