"""Projections: state folded from ledger records, incrementally.

A projection remembers the last seq it folded; :class:`Follower` feeds it only the
records after that, and only when the cheap probe says something changed. Projection
tables or objects are caches: they can always be rebuilt from the ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .ledger import Record
from .vault import Vault

Handler = Callable[[Any, Record], None]


class Projection:
    """Base class: subclasses define ``on_<kind with dots as underscores>`` handlers."""

    def __init__(self) -> None:
        self.seq = 0
        self.head_hash = b""

    def apply(self, record: Record) -> None:
        handler = getattr(self, "on_" + record.kind.replace(".", "_"), None)
        if handler is not None:
            handler(record)
        self.seq = record.seq
        self.head_hash = record.hash

    def fold(self, records) -> int:
        count = 0
        for record in records:
            self.apply(record)
            count += 1
        return count


@dataclass
class UserInfo:
    name: str
    role: str
    public_key: str
    added_seq: int


class SessionState(Projection):
    """What every screen needs: the session and its people. Later domains extend it."""

    def __init__(self) -> None:
        super().__init__()
        self.session_name = ""
        self.users: dict[str, UserInfo] = {}
        self.kinds: dict[str, int] = {}

    def apply(self, record: Record) -> None:
        self.kinds[record.kind] = self.kinds.get(record.kind, 0) + 1
        super().apply(record)

    def on_vault_init(self, record: Record) -> None:
        self.session_name = record.data["session"]
        admin = record.data["admin"]
        self.users[admin] = UserInfo(admin, "admin", record.data["public_key"], record.seq)

    def on_user_add(self, record: Record) -> None:
        data = record.data
        self.users[data["name"]] = UserInfo(data["name"], data["role"], data["public_key"], record.seq)


class Follower:
    """Keeps a projection up to date with a vault, cheaply.

    ``poll()`` costs one primary-key lookup of the head when nothing changed; when
    something did, it decrypts and folds only the new records.
    """

    def __init__(self, vault: Vault, data_key: bytes, projection: Projection) -> None:
        self.vault = vault
        self.data_key = data_key
        self.projection = projection

    def poll(self) -> list[Record]:
        head_seq, _ = self.vault.head()
        if head_seq == self.projection.seq:
            return []
        new = list(self.vault.records(self.data_key, after_seq=self.projection.seq))
        self.projection.fold(new)
        return new
