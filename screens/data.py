"""What the screens read: the shared session, and immutable snapshots built from it.

The session's state is folded by worker threads, so the UI thread never reads it
directly. A screen asks for a snapshot (``SharedSession.use``) in a thread worker, gets
back plain frozen dataclasses, and posts them to itself; only then does it touch widgets.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from jz_tui.display import shown
from jz_tui.errors import JzError
from jz_tui.services import pending
from jz_tui.services.session import Event, PendingAction, Session, SessionState, short_hash

T = TypeVar("T")

RECENT_EVENTS = 8  # rows in a "recent actions" table: what fits beside the rest at 80x24


@dataclass(frozen=True)
class LedgerHead:
    seq: int
    short_hash: str


@dataclass(frozen=True)
class PendingRow:
    """One pending action, as a table row needs it."""

    id: str
    action: str
    created_by: str
    created_seq: int
    reason: str
    signed_by: tuple[str, ...]
    missing: tuple[tuple[str, int], ...]  # (role, signatures still needed)


@dataclass(frozen=True)
class ActivityRow:
    """One ledger event: public columns plus the time from its (decrypted) body."""

    seq: int
    kind: str
    actor: str
    at: str  # ISO 8601, UTC


@dataclass(frozen=True)
class LedgerStatus:
    """What the shell shows on every screen; sent up after each poll that found news."""

    head: LedgerHead
    waiting: tuple[PendingRow, ...]  # actions this user could sign now


class SessionClosed(JzError):
    """The session was closed (the app is quitting) while a worker still wanted it."""

    def __init__(self) -> None:
        super().__init__("app_session_closed")


class LedgerActivity:
    """Who did what lately, from the ledger's public columns (seq, kind, actor).

    Follows the vault incrementally like the session's own follower; bodies are decrypted
    only for the few rows shown, to read their time.
    """

    def __init__(self, user: str) -> None:
        self.user = user
        self.seq = 0
        self.my_counts: Counter[str] = Counter()
        self._mine: deque[Event] = deque(maxlen=RECENT_EVENTS)
        self._everyone: deque[Event] = deque(maxlen=RECENT_EVENTS)

    def follow(self, session: Session) -> None:
        """Catch up; call right after ``session.refresh()``, whose fold tells whether anything is new."""
        if session.state.seq == self.seq:
            return
        for event in session.vault.events(after_seq=self.seq):
            self._everyone.append(event)
            if event.actor == self.user:
                self._mine.append(event)
                self.my_counts[event.kind] += 1
            self.seq = event.seq

    def mine(self, session: Session) -> tuple[ActivityRow, ...]:
        return self._rows(session, self._mine)

    def everyone(self, session: Session) -> tuple[ActivityRow, ...]:
        return self._rows(session, self._everyone)

    @staticmethod
    def _rows(session: Session, events: deque[Event]) -> tuple[ActivityRow, ...]:
        rows = []
        for event in reversed(events):  # newest first
            record = session.record_of(event)
            rows.append(ActivityRow(record.seq, record.kind, record.actor, record.at))
        return tuple(rows)


class SharedSession:
    """The logged-in session, used by one worker thread at a time.

    ``Session.refresh()`` mutates the folded state; holding the lock while folding and
    while reading keeps every snapshot consistent and every dict iteration safe.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.activity = LedgerActivity(session.user)
        self._lock = threading.Lock()
        self._closed = False
        self._reported_seq = -1
        with self._lock:
            self.activity.follow(session)  # the whole history once, at login (public columns only)

    @property
    def user(self) -> str:
        return self.session.user

    @property
    def role(self) -> str:
        return self.session.role

    @property
    def session_name(self) -> str:
        return shown(self.session.vault.session_name)  # the header's, from the file: escaped to be shown

    def use(self, build: Callable[[Session, LedgerActivity], T]) -> T:
        """Run ``build`` with exclusive use of the session. Call from a worker thread only."""
        with self._lock:
            if self._closed:
                raise SessionClosed()
            return build(self.session, self.activity)

    def poll(self) -> LedgerStatus | None:
        """Fold what other processes appended; a status only when the head moved."""
        with self._lock:
            if self._closed:
                return None
            self.session.refresh()
            self.activity.follow(self.session)
            state = self.session.state
            if state.seq == self._reported_seq:
                return None
            self._reported_seq = state.seq
            return ledger_status(self.session)

    def close(self) -> None:
        """Close the vault; waits for a worker that is using it to finish first."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self.session.close()


# ---------------------------------------------------------------------- snapshot builders
# Pure reads of a session, called under the lock from ``SharedSession.use``.


def ledger_head(state: SessionState) -> LedgerHead:
    return LedgerHead(state.seq, short_hash(state.head_hash) if state.head_hash else "")


def pending_row(action: PendingAction) -> PendingRow:
    return PendingRow(
        action.id,
        action.action,
        action.created_by,
        action.created_seq,
        action.reason,
        tuple(user for user, _ in action.signatures),
        tuple(action.missing().items()),
    )


def ledger_status(session: Session) -> LedgerStatus:
    state = session.state
    waiting = pending.waiting_for(state, session.user, session.role)
    return LedgerStatus(ledger_head(state), tuple(pending_row(a) for a in waiting))


def open_pending(state: SessionState, actions: frozenset[str] | None = None) -> tuple[PendingRow, ...]:
    """Open pending actions, oldest first; only those of ``actions`` when given."""
    return tuple(
        pending_row(a) for a in pending.open_actions(state) if actions is None or a.action in actions
    )


def kind_counts(state: SessionState, activity: LedgerActivity, kinds: tuple[str, ...] | None = None
                ) -> tuple[tuple[str, int, int], ...]:
    """(kind, events in the session, events by this user); every kind seen when ``kinds`` is None."""
    chosen = kinds if kinds is not None else tuple(state.kinds)
    return tuple((kind, state.kinds.get(kind, 0), activity.my_counts.get(kind, 0)) for kind in chosen)
