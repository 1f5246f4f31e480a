"""Projections: state folded from ledger records, incrementally.

A projection remembers the last seq it folded; :class:`Follower` feeds it only the
records after that, and only when the cheap probe says something changed. Projection
tables or objects are caches: they can always be rebuilt from the ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .halls_state import HallsState
from .inspection_state import InspectionState
from .keyring import KeyRing
from .ledger import Record
from .roster_state import RosterState
from .scoring_state import ScoringState
from .tally_state import TallyState
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
    box_public_key: str = ""


class SessionState(Projection):
    """What every screen needs: the session and its people. Later domains extend it."""

    def __init__(self) -> None:
        super().__init__()
        self.session_name = ""
        self.users: dict[str, UserInfo] = {}
        self.kinds: dict[str, int] = {}
        self.pending: dict[str, PendingAction] = {}
        self.malformed: list[int] = []
        self.key_epoch = 0
        self.removed: set[str] = set()  # users a rekey took out of the vault
        self.roster = RosterState()
        self.scoring = ScoringState()
        self.tally = TallyState()
        self.inspection = InspectionState()
        self.halls = HallsState()
        self.parts: list[Any] = [self.roster, self.scoring, self.tally, self.inspection, self.halls]  # domain projections; each gets every record

    def apply(self, record: Record) -> None:
        self.kinds[record.kind] = self.kinds.get(record.kind, 0) + 1
        handler_name = "on_" + record.kind.replace(".", "_")
        try:
            for part in self.parts:
                handler = getattr(part, handler_name, None)
                if handler is not None:
                    handler(record)
            super().apply(record)
        except (KeyError, TypeError, ValueError, AttributeError):
            # A signed event whose body is not of its kind's shape: keep folding the rest,
            # and let verify name it, rather than take every screen down.
            self.malformed.append(record.seq)
            self.seq, self.head_hash = record.seq, record.hash

    def on_vault_init(self, record: Record) -> None:
        self.session_name = record.data["session"]
        admin = record.data["admin"]
        self.users[admin] = UserInfo(
            admin, "admin", record.data["public_key"], record.seq, record.data.get("box_public_key", "")
        )

    def on_user_add(self, record: Record) -> None:
        data = record.data
        self.users[data["name"]] = UserInfo(
            data["name"], data["role"], data["public_key"], record.seq, data.get("box_public_key", "")
        )

    def on_vault_rekey(self, record: Record) -> None:
        self.key_epoch = int(record.data["epoch"])
        self.removed.update(record.data.get("removed", []))

    def on_pending_create(self, record: Record) -> None:
        data = record.data
        if data["id"] in self.pending:
            return  # ids are random; a clash is refused on replay rather than overwriting
        action = PendingAction(
            data["id"], data["action"], data["params"], data.get("reason", ""), record.actor, record.seq,
            {role: int(n) for role, n in data["required"].items()}, [],
            {role: list(users) for role, users in data.get("restrict", {}).items()},
        )
        creator = self.users.get(record.actor)
        if data.get("creator_signs") and creator is not None and creator.role in action.required:
            action.signatures.append((record.actor, creator.role))  # starting it is their signature
        self.pending[data["id"]] = action

    def on_pending_sign(self, record: Record) -> None:
        action = self.pending.get(record.data["id"])
        user = self.users.get(record.actor)
        if action is None or user is None or not action.can_sign(record.actor, user.role):
            return  # the service refuses these before appending; a forged one changes nothing
        action.signatures.append((record.actor, user.role))
        if not action.missing():
            action.done_seq = record.seq
            effect_name = "on_done_" + action.action.replace(".", "_")
            for part in self.parts:
                effect = getattr(part, effect_name, None)
                if effect is not None:
                    effect(action.params)


class Follower:
    """Keeps a projection up to date with a vault, cheaply.

    ``poll()`` costs one primary-key lookup of the head when nothing changed; when
    something did, it decrypts and folds only the new records.
    """

    def __init__(self, vault: Vault, keys: bytes | KeyRing, projection: Projection) -> None:
        self.vault = vault
        self.keys = keys
        self.projection = projection

    def poll(self) -> int:
        """Fold what is new; returns how many events that was. Records are folded as they
        are read, never held all at once (the first poll folds the whole ledger)."""
        head_seq, _ = self.vault.head()
        if head_seq == self.projection.seq:
            return 0
        return self.projection.fold(self.vault.records(self.keys, after_seq=self.projection.seq))


@dataclass
class PendingAction:
    """An action that takes effect only with the last required signature."""

    id: str
    action: str
    params: dict[str, Any]
    reason: str
    created_by: str
    created_seq: int
    required: dict[str, int]  # role -> number of signatures needed
    signatures: list[tuple[str, str]]  # (user, role), in order
    restrict: dict[str, list[str]] = field(default_factory=dict)  # role -> the only users who may sign for it
    done_seq: int | None = None

    @property
    def done(self) -> bool:
        return self.done_seq is not None

    def signed_count(self, role: str) -> int:
        return sum(1 for _, r in self.signatures if r == role)

    def missing(self) -> dict[str, int]:
        return {role: n - self.signed_count(role) for role, n in self.required.items() if self.signed_count(role) < n}

    def can_sign(self, user: str, role: str) -> bool:
        return (
            not self.done
            and user != self.created_by
            and all(u != user for u, _ in self.signatures)
            and self.missing().get(role, 0) > 0
            and (role not in self.restrict or user in self.restrict[role])
        )


def check_shapes(records: list[Record]) -> list:
    """Part of verify: every event's body has the shape its kind's projection expects."""
    from .verify import Problem

    state = SessionState()
    state.fold(records)
    return [Problem(seq, "verify_malformed") for seq in state.malformed]


def _register_check() -> None:
    from .verify import CONTENT_CHECKS

    if check_shapes not in CONTENT_CHECKS:
        CONTENT_CHECKS.append(check_shapes)


_register_check()
