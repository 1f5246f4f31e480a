"""Projections: the state folded from the ledger, one judged event at a time.

Every event reaches the state through :meth:`SessionState.take` (or :meth:`SessionState.apply`
for an event already opened): its place in the chain, its hash, its signature (by the key
the ledger itself gave its actor) and then its kind's declaration (``storage.events.judge``)
decide whether it has any effect. An event that fails is set aside in ``rejected`` with its
seq and the reason, and changes nothing: what screens and commands show is the verified
state. :class:`Follower` feeds a state only the events after the last it folded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from . import crypto, ledger
from .errors import JzError
from .events import KINDS, judge
from .halls_state import HallsState
from .inspection_state import InspectionState
from .keyring import KeyRing, as_keyring
from .ledger import Event, Record
from .roster_state import RosterState
from .scoring_state import ScoringState
from .tally_state import TallyState

@dataclass
class UserInfo:
    name: str
    role: str
    public_key: str
    added_seq: int
    box_public_key: str = ""


@dataclass(frozen=True)
class RejectedEvent:
    """An event set aside by the fold: it is in the ledger, and has no effect."""

    seq: int
    kind: str
    actor: str
    key: str  # catalogue key of the reason
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Trust:
    """A prefix of the ledger this user has verified before (a MAC'd mark only they can make):
    its events' signatures need not be checked again, as long as the prefix chains to ``hash``."""

    seq: int
    hash: bytes
    bad_signatures: frozenset[int] = frozenset()


class TrustBroken(Exception):
    """The ledger no longer chains to the trusted mark: fold again, checking every signature."""

    def __init__(self, seq: int) -> None:
        super().__init__(seq)
        self.seq = seq  # where the ledger stopped being the one the mark covers


@dataclass
class Chain:
    """What an event's place in the chain is checked against (None on a state folded from records)."""

    vault_id: bytes
    admin_public_key: bytes
    trust: Trust | None = None


class SessionState:
    """Everything the screens and commands read: the session, its people, and each domain's state."""

    def __init__(self, chain: Chain | None = None) -> None:
        if not KINDS:
            raise RuntimeError("no event kinds are declared: import jz_tui.events before folding a ledger")
        self.chain = chain
        self.seq = 0
        self.head_hash = b""
        self.session_name = ""
        self.users: dict[str, UserInfo] = {}
        self.kinds: dict[str, int] = {}
        self.pending: dict[str, PendingAction] = {}
        # (action, what it is about: a post or a candidate) -> the id of the one waiting for signatures
        self.waiting: dict[tuple[str, str], str] = {}
        self.rejected: list[RejectedEvent] = []
        self.key_epoch = 0
        self.removed: set[str] = set()  # users a rekey took out of the vault
        self.roster = RosterState()
        self.scoring = ScoringState()
        self.tally = TallyState()
        self.inspection = InspectionState()
        self.halls = HallsState()

    # ------------------------------------------------------------------ folding

    def role_of(self, actor: str) -> str | None:
        """The actor's role as the ledger made it, None if they are not (or no longer) a user."""
        if self.seq == 0 and not self.users:
            return "admin"  # vault.init: its own declaration checks the actor is the header's admin
        user = self.users.get(actor)
        if user is None or actor in self.removed:
            return None
        return user.role

    def apply(self, record: Record) -> bool:
        """Judge an opened event and fold it if allowed; True when it took effect."""
        self.kinds[record.kind] = self.kinds.get(record.kind, 0) + 1
        try:
            kind = judge(self, record, self.role_of(record.actor))
            if kind.apply is not None:
                kind.apply(self, record)
            taken = True
        except JzError as rejection:  # Rejected, or a domain check's own refusal
            self._reject(record.seq, record.kind, record.actor, rejection.key, rejection.params)
            taken = False
        except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError):
            # the declaration's check let through a body its effect could not read: a bug, never a crash
            self._reject(record.seq, record.kind, record.actor, "event_malformed", {})
            taken = False
        self.seq, self.head_hash = record.seq, record.hash
        return taken

    def take_judged(self, record: Record, kind: Any) -> None:
        """Fold an event this process judged against this very state and then wrote itself."""
        self.kinds[record.kind] = self.kinds.get(record.kind, 0) + 1
        if kind.apply is not None:
            kind.apply(self, record)
        self.seq, self.head_hash = record.seq, record.hash

    def take(self, event: Event, opener: Callable[[Event], Record]) -> bool:
        """Check an event's place in the chain and its signature, open it, and :meth:`apply` it."""
        problem = self._chain_problem(event) if self.chain is not None else None
        if problem is None:
            try:
                record = opener(event)
            except (crypto.CryptoError, ValueError, KeyError, TypeError):
                problem = ("verify_decrypt", {})
            else:
                return self.apply(record)
        self.kinds[event.kind] = self.kinds.get(event.kind, 0) + 1
        self._reject(event.seq, event.kind, event.actor, problem[0], problem[1])
        self.seq, self.head_hash = event.seq, event.hash
        return False

    def fold(self, records: Iterable[Record]) -> int:
        count = 0
        for record in records:
            self.apply(record)
            count += 1
        return count

    def _reject(self, seq: int, kind: str, actor: str, key: str, params: dict[str, Any]) -> None:
        self.rejected.append(RejectedEvent(seq, kind, actor, key, dict(params)))

    def _chain_problem(self, event: Event) -> tuple[str, dict[str, Any]] | None:
        chain = self.chain
        assert chain is not None
        trust = chain.trust
        trusted = trust is not None and event.seq <= trust.seq
        problem: tuple[str, dict[str, Any]] | None = None
        gap = event.seq > self.seq + 1
        if event.seq <= self.seq:
            problem = ("verify_missing", {"missing": str(event.seq)})
        elif gap:  # events were taken out: say which, then judge this one on its own
            missing = f"{self.seq + 1}" if event.seq == self.seq + 2 else f"{self.seq + 1}-{event.seq - 1}"
            self._reject(self.seq + 1, "", "", "verify_missing", {"missing": missing})
        elif event.prev_hash != (self.head_hash if self.seq else ledger.genesis_hash(chain.vault_id)):
            problem = ("verify_prev_hash", {})
        if problem is None and ledger.event_hash(chain.vault_id, event.seq, event.kind, event.actor,
                                                 event.prev_hash, event.body) != event.hash:
            problem = ("verify_hash", {})
        if trusted and (problem is not None or gap or (event.seq == trust.seq and event.hash != trust.hash)):
            raise TrustBroken(self.seq + 1 if gap else event.seq)
        if problem is not None:
            return problem
        if trusted:
            return ("verify_signature", {"actor": event.actor}) if event.seq in trust.bad_signatures else None
        if event.seq == 1:
            public_key = chain.admin_public_key
        else:
            user = self.users.get(event.actor)
            if user is None:
                return ("verify_unknown_actor", {"actor": event.actor})
            public_key = bytes.fromhex(user.public_key)
        if not crypto.verify_signature(public_key, event.signature, ledger.signed_message(event.hash)):
            return ("verify_signature", {"actor": event.actor})
        return None

    # ------------------------------------------------------------------ what was set aside

    def waiting_for(self, action: str, subject: str) -> PendingAction | None:
        """The action of this kind about ``subject`` that still waits for signatures, if any."""
        found = self.waiting.get((action, subject))
        pending = self.pending.get(found) if found is not None else None
        return pending if pending is not None and not pending.done else None

    def first_rejection(self) -> RejectedEvent | None:
        return self.rejected[0] if self.rejected else None

    def bad_signatures(self) -> frozenset[int]:
        return frozenset(r.seq for r in self.rejected if r.key == "verify_signature")


class Follower:
    """Keeps a state up to date with a vault, cheaply.

    ``poll()`` costs one primary-key lookup of the head when nothing changed; when
    something did, it checks, decrypts and folds only the new events.
    """

    def __init__(self, vault: Any, keys: bytes | KeyRing, projection: SessionState) -> None:
        self.vault = vault
        self.keys = as_keyring(keys)
        self.projection = projection

    def poll(self) -> int:
        """Fold what is new; returns how many events that was. Events are folded as they are
        read, never held all at once (the first poll folds the whole ledger)."""
        head_seq, _ = self.vault.head()
        if head_seq == self.projection.seq:
            return 0
        return fold_events(self.vault, self.keys, self.projection, after_seq=self.projection.seq)


def fold_events(vault: Any, keys: bytes | KeyRing, state: SessionState, after_seq: int = 0,
                upto: int | None = None) -> int:
    """Fold the vault's events after ``after_seq`` (up to ``upto``) into ``state``, judged."""
    keyring = as_keyring(keys)
    for epoch, from_seq, _ in vault.key_chain_rows():
        keyring.starts[epoch] = from_seq
    vault_id = vault.vault_id
    opened: list[Record] = []

    def opener(event: Event) -> Record:
        record = ledger.open_body(keyring.key_for(event.seq), vault_id, event)
        opened[:] = [record]
        return record

    count = 0
    for event in vault.events(after_seq):
        if upto is not None and event.seq > upto:
            break
        if state.take(event, opener) and event.kind == "vault.rekey":
            # only a rekey its declaration allowed (an admin's, the next epoch) gives the keyring a key
            try:
                keyring.learn(opened[0].seq, opened[0].data)
            except (crypto.CryptoError, ValueError, KeyError, TypeError):
                pass  # a rekey this user cannot open: later bodies fail to decrypt, and say so
        count += 1
    return count


def verified_state(vault: Any, keys: bytes | KeyRing, upto: int | None = None,
                   trust: Trust | None = None) -> SessionState:
    """The judged state of a vault (up to seq ``upto``): what anything shown or published reads."""
    state = SessionState(Chain(vault.vault_id, vault.admin_public_key, trust))
    try:
        fold_events(vault, keys, state, upto=upto)
        if trust is not None and state.seq < trust.seq and (upto is None or upto >= trust.seq):
            raise TrustBroken(state.seq + 1)  # the ledger never reached the mark: nothing of it can be trusted
    except TrustBroken as broken:
        assert trust is not None
        state = SessionState(Chain(vault.vault_id, vault.admin_public_key))
        fold_events(vault, keys, state, upto=upto)
        if state.seq < trust.seq and (upto is None or upto >= trust.seq):
            state._reject(state.seq + 1, "", "", "verify_truncated", {"head": state.seq, "checkpoint": trust.seq})
        else:  # the events this user verified up to the mark are not all there as they were
            state._reject(broken.seq, "", "", "verify_mark_broken", {"checkpoint": trust.seq})
        state.rejected.sort(key=lambda r: r.seq)
    return state


@dataclass
class PendingAction:
    """An action that takes effect only with the last required signature.

    Who started it and what it does come from its ``pending.create``; who must sign it
    comes from its kind's declaration and the rules when it was started, never from a body.
    """

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
