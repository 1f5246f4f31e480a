"""Projection of other halls' results: which halls are registered (by their admin key's
fingerprint), and what each signed export imported here decided.

An imported interview result becomes the candidate's announcement and an imported closed
tally the post's closed tally, each marked with its hall, so the ranking, the board and the
exports read them exactly as they read this vault's own. The service checked the export
before recording it; ``jz verify`` checks it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class HallImport:
    """A hall's latest export imported here: which vault it came from, at which head."""

    vault_id: str
    head_seq: int
    head_hash: str


@dataclass
class PostClaim:
    """The hall whose results a post holds, and the head of that hall's ledger they stand at."""

    hall: str
    head_seq: int


@dataclass
class HallsState:
    registered: dict[str, str] = field(default_factory=dict)  # hall name -> admin key fingerprint
    imports: dict[str, HallImport] = field(default_factory=dict)  # hall name -> its latest import
    claimed: dict[str, PostClaim] = field(default_factory=dict)  # post -> whose results it holds

    def hall_of(self, fingerprint: str) -> str | None:
        return next((name for name, fp in self.registered.items() if fp == fingerprint), None)
