"""A working session: an open vault, the unlocked user, and the state folded so far.

The CLI and the screens both act through a :class:`Session`, so there is one way to
log in, one way to append and one way to read state. The storage types a screen names
(Identity, Vault, Event, SessionState, PendingAction, may_emit, short_hash) come from here:
screens never import storage.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jz_tui.services.tabular import BIDI_OVERRIDES
from storage import crypto
from storage.authority import may_emit
from storage.errors import AuthError, AuthorityError, JzError
from storage.ledger import Event, Record, open_body, short_hash
from storage.projection import Follower, PendingAction, SessionState
from storage.vault import Identity, Vault

__all__ = ["Event", "Identity", "PendingAction", "Session", "SessionState", "Vault", "may_emit", "short_hash",
           "check_free_text", "has_terminal_controls", "open_session", "unlock"]


@dataclass
class Session:
    vault: Vault
    identity: Identity
    state: SessionState = field(default_factory=SessionState)

    def __post_init__(self) -> None:
        self.follower = Follower(self.vault, self.identity.keyring, self.state)
        self.follower.poll()

    @property
    def user(self) -> str:
        return self.identity.name

    @property
    def role(self) -> str:
        return self.identity.role

    def refresh(self) -> int:
        """Fold whatever other processes appended since the last call; how many events that was."""
        return self.follower.poll()

    def append(self, kind: str, data: dict[str, Any]) -> Record:
        check_free_text(data)
        record = self.vault.append(self.identity, kind, data)
        self.refresh()
        return record

    def record_of(self, event: Event) -> Record:
        """One event of the ledger, opened with this user's keys."""
        return open_body(self.identity.keyring.key_for(event.seq), self.vault.vault_id, event)

    def require_role(self, *roles: str, action: str) -> None:
        if self.role not in roles:
            raise AuthorityError("not_authorised", user=self.user, role=self.role, kind=action)

    def close(self) -> None:
        self.vault.close()


_ALLOWED_CONTROLS = frozenset("\t\n")
MAX_TEXT = 2000  # a reason or a note, typed by a person; imports have their own limits


def has_terminal_controls(text: str) -> bool:
    """C0/C1 controls (tab and newline excepted: a note may hold them) or bidi overrides."""
    return any((unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS) or ch in BIDI_OVERRIDES
               for ch in text)


def check_free_text(value: Any, key: str = "") -> None:
    """No text a person typed (a reason, a note, a name) may carry terminal control sequences
    or bidi overrides into the ledger: every screen that shows it would draw them raw."""
    if isinstance(value, dict):
        for k, v in value.items():
            check_free_text(v, k)
    elif isinstance(value, (list, tuple)):
        for v in value:
            check_free_text(v, key)
    elif isinstance(value, str):
        if has_terminal_controls(value):
            raise JzError("text_control_chars", field=key or "-")
        if key in ("reason", "note") and len(value) > MAX_TEXT:
            raise JzError("text_too_long", field=key, limit=MAX_TEXT)


def unlock(vault: Vault, user: str, passphrase: str) -> Identity:
    """Unlock ``user``'s key slot. Blocking (the KDF): call from a worker on a screen."""
    try:
        return vault.unlock(user, passphrase)
    except AuthError as error:
        if error.key == "user_unknown":
            # Spend the time a real key slot takes, so the delay does not reveal who exists.
            users = vault.users()
            if users:
                crypto.derive_kek(passphrase, os.urandom(crypto.SALT_BYTES), users[0].kdf)
        raise


def open_session(path: str | os.PathLike[str], user: str, passphrase: str) -> Session:
    vault = Vault.open(Path(path))
    try:
        identity = vault.unlock(user, passphrase)
    except BaseException:
        vault.close()
        raise
    return Session(vault, identity)
