"""A working session: an open vault, the unlocked user, and the state folded so far.

The CLI and the screens both act through a :class:`Session`, so there is one way to
log in, one way to append and one way to read state.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storage.errors import AuthorityError
from storage.ledger import Record
from storage.projection import Follower, SessionState
from storage.vault import Identity, Vault


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
        record = self.vault.append(self.identity, kind, data)
        self.refresh()
        return record

    def require_role(self, *roles: str, action: str) -> None:
        if self.role not in roles:
            raise AuthorityError("not_authorised", user=self.user, role=self.role, kind=action)

    def close(self) -> None:
        self.vault.close()


def open_session(path: str | os.PathLike[str], user: str, passphrase: str) -> Session:
    vault = Vault.open(Path(path))
    try:
        identity = vault.unlock(user, passphrase)
    except BaseException:
        vault.close()
        raise
    return Session(vault, identity)
