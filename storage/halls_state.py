"""Projection of other halls' results: which halls are registered (by their admin key's
fingerprint), and what each signed export imported here decided.

An imported interview result becomes the candidate's announcement and an imported closed
tally the post's closed tally, each marked with its hall, so the ranking, the board and the
exports read them exactly as they read this vault's own. The service checked the export
before recording it; ``jz verify`` checks it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .ledger import Record


@dataclass
class HallImport:
    hall: str
    vault_id: str
    session: str
    head_seq: int
    head_hash: str
    posts: list[str]
    seq: int  # the hall.import event here


@dataclass
class HallsState:
    registered: dict[str, str] = field(default_factory=dict)  # hall name -> admin key fingerprint
    imports: dict[str, HallImport] = field(default_factory=dict)  # hall name -> its latest import
    claimed: dict[str, str] = field(default_factory=dict)  # post -> the hall whose results it holds
    heads: dict[str, int] = field(default_factory=dict)  # post -> the hall's ledger seq its results stand at

    def hall_of(self, fingerprint: str) -> str | None:
        return next((name for name, fp in self.registered.items() if fp == fingerprint), None)

    def on_hall_add(self, record: Record) -> None:
        self.registered.setdefault(record.data["name"], record.data["fingerprint"])

    def on_hall_import(self, record: Record) -> None:
        export: dict[str, Any] = record.data["export"]
        hall = record.data["hall"]
        posts = [p["code"] for p in export["posts"]]
        self.imports[hall] = HallImport(hall, export["hall"]["vault_id"], export["hall"]["session"],
                                        int(export["head"]["seq"]), export["head"]["hash"], posts, record.seq)
        for post in posts:
            self.claimed[post] = hall
            self.heads[post] = int(export["head"]["seq"])


def imported_results(record: Record) -> tuple[str, list[dict[str, Any]]]:
    """The hall, and each post's part of its export (for the scoring and tally projections)."""
    return record.data["hall"], record.data["export"]["posts"]
