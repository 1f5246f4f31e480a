"""Projection of the democratic evaluation: boxes, openings, paper-ballot entries,
electronic voting slips, unsealed electronic ballots, and closed tallies.

Data only: the declarations in jz_tui/events/ballots.py say how each event changes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any



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
    hold_public_key: str = ""  # X25519, hex: what kiosk copies are held under until the mix
    hold_shares: dict[str, str] = field(default_factory=dict)  # officer -> share of the hold key, sealed
    commitments: set[str] = field(default_factory=set)  # of the slips issued (storage.ballot_rows)
    spent: set[str] = field(default_factory=set)  # the slip hashes presented at the kiosk
    unseal_signed: bool = False  # k officers of the box signed its unsealing
    unsealed_seq: int | None = None
    private_key: str = ""  # disclosed by the unsealing, once the ballots are counted


@dataclass
class Entry:
    marks: str | None  # None: a void ballot
    group: str
    void_reason: str
    seq: int


@dataclass
class Withdrawn:
    """A paper-ballot entry its officer took out of the count: kept, with why (``ballot.withdraw``)."""

    officer: str
    no: int  # its number when it was withdrawn (the officer's later entries moved up one)
    entry: Entry
    reason: str
    seq: int


@dataclass
class PostTally:
    post: str
    box: str
    opened: dict[str, Any] | None = None  # seal_intact, note, issued, returned, by, seq
    entries: dict[str, dict[int, Entry]] = field(default_factory=dict)  # officer -> ballot no -> entry
    withdrawn: list[Withdrawn] = field(default_factory=list)  # entries taken out of the count, in ledger order
    recounts: list[dict[str, Any]] = field(default_factory=list)  # corrections of the opening's figures
    electronic: list[str] = field(default_factory=list)  # marks of unsealed electronic ballots
    override: dict[str, Any] | None = None  # a supervisor-signed reconciliation override
    closed: dict[str, Any] | None = None  # the signed record
    closed_view: Any = None  # the count as it was signed (jz_tui.rules.count.view shows it once closed)
    version: int = 0  # bumped by every event that changes this count (what the count's cache is keyed on)
    cache: Any = None  # (key, the count computed from it): jz_tui.rules.count.view


class TallyState:
    def __init__(self) -> None:
        self.boxes: dict[str, Box] = {}
        self.posts: dict[str, PostTally] = {}

    def box_of(self, post: str) -> Box | None:
        tally = self.posts.get(post)
        return self.boxes.get(tally.box) if tally else None
