"""A working session: an open vault, the unlocked user, and the state folded so far.

The CLI and the screens both act through a :class:`Session`, so there is one way to
log in, one way to append and one way to read state. The storage types a screen names
(Identity, Vault, Event, SessionState, PendingAction, may_emit, short_hash) come from here:
screens never import storage.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import pickle
import sqlite3
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import jz_tui.events  # noqa: F401  (declares every event kind before any fold)
from jz_tui.i18n import t
from storage import crypto
from storage.errors import AuthError, AuthorityError, JzError
from storage.events import has_terminal_controls, judge, may_emit
from storage.ledger import Event, Record, open_body, short_hash
from storage.projection import Chain, Follower, PendingAction, SessionState, Trust, verified_state
from storage.vault import Identity, Vault

__all__ = ["Event", "Identity", "PendingAction", "Session", "SessionState", "Vault", "may_emit", "short_hash",
           "check_free_text", "has_terminal_controls", "open_session", "rejection_notice", "unlock"]


@dataclass
class Session:
    """A user's working session. Its state is the verified fold of the ledger: every event
    checked in its place in the chain, by its signature and by its kind's declaration."""

    vault: Vault
    identity: Identity
    state: SessionState = field(init=False)

    def __post_init__(self) -> None:
        trust = self._read_trust()
        state = self._read_snapshot(trust) if trust is not None else None
        if state is None:
            state = verified_state(self.vault, self.identity.keyring, trust=trust)
        self.state = state
        self.follower = Follower(self.vault, self.identity.keyring, self.state)
        self.follower.poll()  # what was appended after the mark, checked event by event
        self._judged: tuple[int, Any] | None = None  # (seq, kind) of the event judged in the open write
        self._trusted_seq = trust.seq if trust is not None else 0
        self.save_trust(min_new=MARK_EVERY)

    @property
    def user(self) -> str:
        return self.identity.name

    @property
    def role(self) -> str:
        return self.identity.role

    def refresh(self) -> int:
        """Fold whatever other processes appended since the last call; how many events that was."""
        return self.follower.poll()

    def append(self, kind: str, data: dict[str, Any], within: Any = None, as_user: Identity | None = None) -> Record:
        """Append one event, judged by its kind's declaration against the state at the head, inside
        the write transaction: a refused event raises (a JzError naming why) and writes nothing."""
        check_free_text(data)
        identity = as_user or self.identity
        record = self.vault.append(identity, kind, data, within=within, judge=self.judge)
        judged, self._judged = self._judged, None
        if judged is not None and judged[0] == record.seq and self.state.seq == record.seq - 1:
            # judged against exactly this state inside the transaction, and signed here: take its
            # effect as written rather than read it back, open it and check our own signature again
            self.state.take_judged(record, judged[1])
        else:
            self.refresh()
        return record

    def judge(self, record: Record) -> None:
        """Refuse ``record`` unless its kind's declaration allows it at the head (inside a write)."""
        if self.state.seq != record.seq - 1:  # inside the transaction: the state is the head's until commit
            self.follower.poll()
        self._judged = (record.seq, judge(self.state, record, self.state.role_of(record.actor)))

    def record_of(self, event: Event) -> Record:
        """One event of the ledger, opened with this user's keys."""
        return open_body(self.identity.keyring.key_for(event.seq), self.vault.vault_id, event)

    def require_role(self, *roles: str, action: str) -> None:
        if self.role not in roles:
            raise AuthorityError("not_authorised", user=self.user, role=self.role, kind=action)

    # ------------------------------------------------------------------ the verified mark

    def _read_trust(self) -> Trust | None:
        row = self.vault.read_mark(self.user)
        if row is None:
            return None
        seq, hash_, bad, mac = row
        if not hmac.compare_digest(mac, self._mark_mac(seq, hash_, bad)):
            return None  # not this user's mark (or altered): check every signature again
        try:
            return Trust(seq, hash_, frozenset(int(n) for n in json.loads(bad)))
        except (ValueError, TypeError):
            return None

    def _mark_mac(self, seq: int, hash_: bytes, bad: str) -> bytes:
        message = crypto.frame("jz-verified-mark-v1", self.vault.vault_id, self.user, seq, hash_, bad)
        return hmac.new(self.identity.mark_key, message, hashlib.sha256).digest()

    def _snapshot_cipher(self) -> AESGCM:
        return AESGCM(crypto.sha256(crypto.frame("jz-verified-state-v1", self.identity.mark_key)))

    def _snapshot_aad(self, seq: int, hash_: bytes) -> bytes:
        return crypto.frame("jz-verified-state-v1", self.vault.vault_id, self.user, seq, hash_, fold_code_version())

    def _read_snapshot(self, trust: Trust) -> SessionState | None:
        """The state this user's own fold had reached at the mark, if it is still the ledger's
        (the event there has the marked hash) and was folded by this very code; else None."""
        sealed = self.vault.read_state(self.user)
        if not sealed or self.vault.hash_at(trust.seq) != trust.hash:
            return None
        try:
            plain = self._snapshot_cipher().decrypt(sealed[:12], sealed[12:], self._snapshot_aad(trust.seq, trust.hash))
            state = pickle.loads(zlib.decompress(plain))  # noqa: S301  (sealed under this user's own key, above)
        except (InvalidTag, ValueError, zlib.error, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None
        if not isinstance(state, SessionState) or state.seq != trust.seq or state.head_hash != trust.hash:
            return None
        state.chain = Chain(self.vault.vault_id, self.vault.admin_public_key)
        return state

    def save_trust(self, min_new: int = 1) -> None:
        """Remember the prefix this session has verified, when it has grown by ``min_new`` events:
        the mark, and the state reached there (sealed under a key only this user holds)."""
        seq, hash_ = self.state.seq, self.state.head_hash
        if seq - self._trusted_seq < min_new or seq == 0:
            return
        bad = json.dumps(sorted(self.state.bad_signatures()))
        nonce = os.urandom(12)
        snapshot = nonce + self._snapshot_cipher().encrypt(
            nonce, zlib.compress(pickle.dumps(self.state, protocol=pickle.HIGHEST_PROTOCOL), 1),
            self._snapshot_aad(seq, hash_))
        try:
            self.vault.write_mark(self.user, seq, hash_, bad, self._mark_mac(seq, hash_, bad), snapshot)
        except sqlite3.Error:
            return  # a read-only copy: the next open checks every signature, nothing worse
        self._trusted_seq = seq

    def close(self) -> None:
        self.save_trust(min_new=MARK_ON_CLOSE)
        self.vault.close()


MARK_EVERY = 500  # events folded beyond the mark before an open writes a new one
MARK_ON_CLOSE = 20  # ... and before a close does (a command that appended one event does not re-seal the state)


@functools.cache
def fold_code_version() -> bytes:
    """A digest of the code that folds and judges (storage, the declarations, the rules): a state
    snapshot folded by other code is never reused."""
    import jz_tui.rules
    import storage

    digest = hashlib.sha256()
    for package in (storage, jz_tui.events, jz_tui.rules):
        for path in sorted(Path(package.__file__).parent.glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.digest()


def rejection_notice(state: SessionState) -> str | None:
    """In the user's language: the first event the fold set aside, its seq and why; None when
    every event passed. Shown when a vault is opened: what the screens show leaves it out."""
    first = state.first_rejection()
    if first is None:
        return None
    reason = t(first.key, **{"kind": first.kind, "actor": first.actor, **first.params})
    return t("verify_rejected_first", seq=first.seq, kind=first.kind or "-", reason=reason)


MAX_TEXT = 2000  # a reason or a note, typed by a person; imports have their own limits


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
                kdf = users[0].kdf if users[0].kdf.usable() else crypto.PRODUCTION_KDF  # never a file's ceiling
                crypto.derive_kek(passphrase, os.urandom(crypto.SALT_BYTES), kdf)
        raise


def open_session(path: str | os.PathLike[str], user: str, passphrase: str) -> Session:
    vault = Vault.open(Path(path))
    try:
        identity = vault.unlock(user, passphrase)
    except BaseException:
        vault.close()
        raise
    return Session(vault, identity)
