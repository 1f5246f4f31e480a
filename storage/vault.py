"""The vault file: one SQLite database in WAL mode holding header, key slots and ledger.

There is exactly one write path, :meth:`Vault.append`: a ``BEGIN IMMEDIATE``
transaction that reads the head, has the event judged by its kind's declaration against
the state at that head (the ``judge`` a Session passes), seals and signs it, inserts it
(plus any rows that must change with it, such as a new user's key slot) and commits.
Whoever can write the file can also append without a judge: that is exactly what every
fold and ``jz verify`` judge again.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import crypto, ledger
from .events import ROLES
from .errors import AuthError, JzError, VaultError
from .files import private_file
from .keyring import KeyRing, as_keyring, chain_aad, seal_key_to

# 2: key slots bound to their user's epoch and signed by their user, the KDF floor in the header
FORMAT_VERSION = 2
BUSY_TIMEOUT_S = 10.0
HEADER_FIELDS = ("format_version", "vault_id", "session_name", "admin_name", "admin_public_key", "created_at")
# Signed with the fields above when present: the weakest Argon2id parameters a slot of this vault
# may have (the production floor, unless a test fixture made the vault through the Python API).
KDF_FLOOR_FIELD = "kdf_floor"


def _ballot_table(name: str) -> str:
    """A table of electronic ballots: signed ciphertexts keyed by a random slot."""
    return f"""CREATE TABLE IF NOT EXISTS {name} (
    box TEXT NOT NULL,
    slot BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    signer TEXT NOT NULL,
    signature BLOB NOT NULL,
    PRIMARY KEY (box, slot)
) STRICT, WITHOUT ROWID;"""


# Each user's verified mark: the ledger prefix (seq, hash) whose signatures that user's fold
# has checked, and the seqs among it whose signatures failed, under a MAC only that user can
# make (storage.projection.Trust). A later open re-checks the chain, not every signature.
VERIFIED_MARKS = """CREATE TABLE IF NOT EXISTS verified_marks (
    user TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    hash BLOB NOT NULL,
    bad TEXT NOT NULL,
    mac BLOB NOT NULL
) STRICT;"""

# Beside each mark, the state that user's fold had reached there, sealed under a key only that
# user holds (jz_tui/services/session.py): a later open starts from it instead of folding again.
VERIFIED_STATES = """CREATE TABLE IF NOT EXISTS verified_states (
    user TEXT PRIMARY KEY,
    sealed BLOB NOT NULL
) STRICT;"""

# A ballot cast at a kiosk is held here, sealed to the box key and then again to the kiosk
# officer's own X25519 key, until that officer mixes the held ballots into sealed_ballots in
# one shuffled batch (storage never sees the order of casting in a form the box key opens).
HELD_BALLOTS = _ballot_table("held_ballots")

SCHEMA = """
CREATE TABLE header (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    public_key BLOB NOT NULL,
    box_public_key BLOB NOT NULL,
    added_seq INTEGER NOT NULL,
    granted_by TEXT NOT NULL,
    grant_signature BLOB NOT NULL,
    kdf TEXT NOT NULL,
    salt BLOB NOT NULL,
    wrapped_data_key BLOB NOT NULL,
    wrapped_signing_key BLOB NOT NULL,
    wrapped_box_key BLOB NOT NULL,
    key_epoch INTEGER NOT NULL DEFAULT 0,  -- the epoch of the data key in this slot
    slot_seq INTEGER NOT NULL DEFAULT 0,  -- the event that wrote this slot (user.add, vault.init, user.passwd)
    slot_signature BLOB NOT NULL DEFAULT x''  -- the user's own signature of the slot (slot_message)
) STRICT;
-- Data-key epochs after the first (see storage/keyring.py): where each starts, and the
-- previous epoch's key wrapped under it.
CREATE TABLE key_chain (
    epoch INTEGER PRIMARY KEY,
    from_seq INTEGER NOT NULL,
    wrapped_previous BLOB NOT NULL
) STRICT;
CREATE TABLE ledger (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL,
    signature BLOB NOT NULL,
    body BLOB NOT NULL
) STRICT;
-- Electronic ballots live outside the ledger, keyed by a random slot so that their order
-- says nothing about the order of voting; each is signed by the kiosk's tally officer.
{sealed}
CREATE TABLE spent_tokens (box TEXT NOT NULL, token TEXT NOT NULL, PRIMARY KEY (box, token)) STRICT, WITHOUT ROWID;
{held}
{marks}
{states}
CREATE TRIGGER ledger_append_only_update BEFORE UPDATE ON ledger
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER ledger_append_only_delete BEFORE DELETE ON ledger
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
""".replace("{sealed}", _ballot_table("sealed_ballots")).replace("{held}", HELD_BALLOTS).replace(
    "{marks}", VERIFIED_MARKS).replace("{states}", VERIFIED_STATES)


@dataclass(frozen=True)
class UserRow:
    name: str
    role: str
    public_key: bytes
    box_public_key: bytes  # X25519: what ballot-box key shares are sealed to
    added_seq: int
    granted_by: str
    grant_signature: bytes
    kdf: crypto.KdfParams

    @property
    def fingerprint(self) -> str:
        return crypto.fingerprint(self.public_key)


@dataclass(frozen=True)
class Identity:
    """An unlocked user: the data keys and their private keys, in memory only."""

    name: str
    role: str
    keyring: KeyRing  # every data-key epoch this user may read
    signing_key: Any  # Ed25519PrivateKey
    box_key: Any  # X25519PrivateKey

    @property
    def data_key(self) -> bytes:
        """The key new events are sealed under (the latest epoch)."""
        return self.keyring.latest

    @functools.cached_property
    def _signer(self) -> crypto.Signer:
        return crypto.Signer(self.signing_key)

    def sign(self, message: bytes) -> bytes:
        return self._signer.sign(message)

    @property
    def public_key(self) -> bytes:
        return crypto.public_bytes(self.signing_key)

    @functools.cached_property
    def mark_key(self) -> bytes:
        """The key of this user's verified mark: derived from their private signing key, so
        nobody else (and nothing written in the file) can make a mark they would trust."""
        return crypto.sha256(crypto.frame("jz-verified-mark-v1", crypto.private_bytes(self.signing_key)))


def grant_message(
    vault_id: bytes, name: str, role: str, public_key: bytes, box_public_key: bytes, added_seq: int
) -> bytes:
    return crypto.frame("jz-user-grant-v1", vault_id, name, role, public_key, box_public_key, added_seq)


def header_message(header: dict[str, str]) -> bytes:
    floor = (KDF_FLOOR_FIELD, header[KDF_FLOOR_FIELD]) if KDF_FLOOR_FIELD in header else ()
    return crypto.frame("jz-header-v1", *(header[f] for f in HEADER_FIELDS), *floor)


def _slot_aad(vault_id: bytes, name: str, what: str, epoch: int | None = None) -> bytes:
    """A slot's part opens only in its user's row, and the data key only as the epoch it is."""
    if what == "data":
        return crypto.frame("jz-slot-v2", vault_id, name, what, int(epoch or 0))
    return crypto.frame("jz-slot-v2", vault_id, name, what)


@dataclass(frozen=True)
class Slot:
    """A user's key slot as stored: Argon2id parameters, salt, the wrapped keys, the epoch of
    the data key, the event that wrote it, and the user's own signature of all of these."""

    kdf: str
    salt: bytes
    wrapped_data_key: bytes
    wrapped_signing_key: bytes
    wrapped_box_key: bytes
    key_epoch: int
    slot_seq: int = 0
    signature: bytes = b""

    @property
    def generation(self) -> bytes:
        """What a passphrase change makes anew and a login's rewrap keeps (the data key part
        moves to a new epoch under the same passphrase-derived key)."""
        return crypto.sha256(crypto.frame("jz-slot-generation-v1", self.kdf, self.salt, self.wrapped_signing_key,
                                          self.wrapped_box_key))

    def message(self, vault_id: bytes, name: str) -> bytes:
        return crypto.frame("jz-slot-statement-v1", vault_id, name, self.key_epoch, self.slot_seq, self.kdf,
                            self.salt, self.wrapped_data_key, self.wrapped_signing_key, self.wrapped_box_key)

    def signed(self, vault_id: bytes, name: str, seq: int, signing_key: Any) -> Slot:
        """This slot as written by the event at ``seq``, signed by its user's own key."""
        from dataclasses import replace

        at = replace(self, slot_seq=seq)
        return replace(at, signature=signing_key.sign(at.message(vault_id, name)))

    def signed_by(self, vault_id: bytes, name: str, public_key: bytes) -> bool:
        return crypto.verify_signature(public_key, self.signature, self.message(vault_id, name))


SLOT_COLUMNS = "kdf, salt, wrapped_data_key, wrapped_signing_key, wrapped_box_key, key_epoch, slot_seq, slot_signature"


def connect(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """A connection with the durability the ledger needs, usable from worker threads."""
    conn = sqlite3.connect(
        os.fspath(path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
    )
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    # deleted rows are overwritten with zeros: held ballots mixed away leave no bytes behind
    conn.execute("PRAGMA secure_delete = ON")
    return conn


class Vault:
    """An open vault file. Reading needs no passphrase; decrypting and appending do."""

    def __init__(self, path: Path, conn: sqlite3.Connection, header: dict[str, str]) -> None:
        self.path = path
        self.conn = conn
        self.header = header
        self.vault_id = bytes.fromhex(header["vault_id"])
        self.admin_public_key = bytes.fromhex(header["admin_public_key"])
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Vault:
        path = Path(path)
        if not path.exists():
            raise VaultError("vault_missing", path=str(path))
        if path.is_dir():
            raise VaultError("vault_not_a_vault", path=str(path))
        # Never open() the file from Python: closing that descriptor would drop the POSIX locks
        # SQLite holds on it for this process's other connections, and the next writer elsewhere
        # would then reset the WAL under them ("disk I/O error"). Any file that is not a SQLite
        # database fails in connect(); only an empty one must be refused before (setting WAL
        # would turn it into a database).
        if path.stat().st_size == 0:
            raise VaultError("vault_not_a_vault", path=str(path))
        try:
            conn = connect(path)
            rows = conn.execute("SELECT key, value FROM header").fetchall()
        except sqlite3.DatabaseError as exc:
            raise VaultError("vault_not_a_vault", path=str(path)) from exc
        header = dict(rows)
        if not all(f in header for f in HEADER_FIELDS) or "header_signature" not in header:
            conn.close()
            raise VaultError("vault_not_a_vault", path=str(path))
        try:
            version = int(header["format_version"])
        except ValueError as exc:
            raise VaultError("vault_not_a_vault", path=str(path)) from exc
        if version > FORMAT_VERSION:
            conn.close()
            raise VaultError("vault_newer_format", path=str(path), version=version)
        if version < FORMAT_VERSION:  # its key slots are neither bound to their epoch nor signed
            conn.close()
            raise VaultError("vault_older_format", path=str(path), version=version)
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'held_ballots'").fetchone() is None:
            conn.execute(HELD_BALLOTS)  # a vault made before ballots were held
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'verified_marks'").fetchone() is None:
            conn.execute(VERIFIED_MARKS)  # a vault made before folds were verified
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'verified_states'").fetchone() is None:
            conn.execute(VERIFIED_STATES)
        return cls(path, conn, header)

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        session_name: str,
        admin_name: str,
        passphrase: str,
        kdf: crypto.KdfParams = crypto.PRODUCTION_KDF,
        kdf_floor: crypto.KdfParams | None = None,
    ) -> tuple[Vault, Identity]:
        """Create a new vault and its first admin; ``kdf`` is lowered only by test fixtures.

        The vault's KDF floor is signed into its header: the production floor, or (Python API
        only, for test fixtures and benchmarks) ``kdf_floor``, by default the weaker ``kdf``.
        No command offers either; a slot below the floor is a ``jz verify`` failure.
        """
        path = Path(path)
        floor = kdf_floor or (crypto.PRODUCTION_KDF if kdf.meets_production_floor() else kdf)
        _check_kdf(kdf, floor, admin_name)
        if path.exists():
            raise VaultError("vault_exists", path=str(path))
        _check_user_name(admin_name)
        vault_id = os.urandom(16)
        data_key = crypto.new_key()
        signing_key = crypto.new_signing_key()
        box_key = crypto.new_box_key()
        admin_pub = crypto.public_bytes(signing_key)
        admin_box_pub = crypto.box_public_bytes(box_key)
        identity = Identity(admin_name, "admin", KeyRing({0: data_key}, user=admin_name, box_key=box_key,
                                                         vault_id=vault_id), signing_key, box_key)
        header = {
            "format_version": str(FORMAT_VERSION),
            "vault_id": vault_id.hex(),
            "session_name": session_name,
            "admin_name": admin_name,
            "admin_public_key": admin_pub.hex(),
            "created_at": ledger.now_iso(),
            KDF_FLOOR_FIELD: floor.to_json(),
        }
        header["header_signature"] = signing_key.sign(header_message(header)).hex()
        header["admin_fingerprint"] = crypto.fingerprint(admin_pub)

        try:  # owner-only before SQLite opens it: its -wal and -shm take the file's mode
            private_file(path, exclusive=True)
        except FileExistsError as exc:
            raise VaultError("vault_exists", path=str(path)) from exc
        conn = connect(path)
        try:
            conn.execute("BEGIN IMMEDIATE")
            # executescript() would commit on its own; run the statements inside our transaction
            for statement in _split_sql(SCHEMA):
                conn.execute(statement)
            conn.executemany("INSERT INTO header(key, value) VALUES (?, ?)", header.items())
            conn.execute("COMMIT")
        except BaseException:
            conn.close()
            path.unlink(missing_ok=True)
            raise
        vault = cls(path, conn, header)
        slot = _make_slot(vault_id, admin_name, data_key, 0, signing_key, box_key, passphrase, kdf)

        def insert_admin(c: sqlite3.Connection, seq: int) -> None:
            grant = signing_key.sign(grant_message(vault_id, admin_name, "admin", admin_pub, admin_box_pub, seq))
            _insert_user(c, admin_name, "admin", admin_pub, admin_box_pub, seq, admin_name, grant,
                         slot.signed(vault_id, admin_name, seq, signing_key))

        vault.append(
            identity,
            "vault.init",
            {"session": session_name, "admin": admin_name, "public_key": admin_pub.hex(),
             "box_public_key": admin_box_pub.hex()},
            within=insert_admin,
        )
        return vault, identity

    def close(self) -> None:
        self.conn.close()

    @property
    def session_name(self) -> str:
        return self.header["session_name"]

    @property
    def admin_fingerprint(self) -> str:
        return crypto.fingerprint(self.admin_public_key)

    @property
    def kdf_floor(self) -> crypto.KdfParams:
        """The weakest Argon2id parameters a slot may have (in the signed header; production by default)."""
        stored = self.header.get(KDF_FLOOR_FIELD)
        floor = crypto.KdfParams.parse(stored) if stored is not None else crypto.PRODUCTION_KDF
        return floor if floor.usable() else crypto.PRODUCTION_KDF

    # ------------------------------------------------------------------ users and key slots

    def users(self) -> list[UserRow]:
        rows = self.conn.execute(
            "SELECT name, role, public_key, box_public_key, added_seq, granted_by, grant_signature, kdf"
            " FROM users ORDER BY added_seq"
        ).fetchall()
        return [UserRow(n, r, pk, bpk, s, g, gs, crypto.KdfParams.parse(k)) for n, r, pk, bpk, s, g, gs, k in rows]

    def slots(self) -> dict[str, Slot]:
        """Every user's key slot as stored, by name (a removed user's is wiped: empty blobs)."""
        with self._lock:
            rows = self.conn.execute(f"SELECT name, {SLOT_COLUMNS} FROM users").fetchall()
        return {name: Slot(*rest) for name, *rest in rows}

    def user(self, name: str) -> UserRow | None:
        return next((u for u in self.users() if u.name == name), None)

    def unlock(self, name: str, passphrase: str) -> Identity:
        """Open ``name``'s key slot. Refused before anything is derived: a slot its user did not
        sign (another user's, or edited), Argon2id parameters outside the floor and ceiling;
        refused after: a slot older than its user's last passphrase change (put back)."""
        with self._lock:
            row = self.conn.execute(f"SELECT role, public_key, {SLOT_COLUMNS} FROM users WHERE name = ?",
                                    (name,)).fetchone()
        if row is None:
            raise AuthError("user_unknown", user=name)
        role, public_key, *stored = row
        slot = Slot(*stored)
        if not slot.wrapped_data_key:
            raise AuthError("user_removed", user=name)
        kdf = crypto.KdfParams.parse(slot.kdf)
        if not kdf.usable():
            raise AuthError("kdf_out_of_range", user=name)
        if not kdf.meets_floor(self.kdf_floor):
            raise AuthError("kdf_below_floor", user=name)
        if not slot.signed_by(self.vault_id, name, public_key):
            raise AuthError("slot_not_theirs", user=name)
        kek = crypto.derive_kek(passphrase, slot.salt, kdf)
        try:
            data_key = crypto.open_sealed(kek, slot.wrapped_data_key, _slot_aad(self.vault_id, name, "data",
                                                                                slot.key_epoch))
            signing_raw = crypto.open_sealed(kek, slot.wrapped_signing_key, _slot_aad(self.vault_id, name, "signing"))
            box_raw = crypto.open_sealed(kek, slot.wrapped_box_key, _slot_aad(self.vault_id, name, "box"))
        except crypto.CryptoError as exc:
            raise AuthError("passphrase_wrong", user=name) from exc
        signing_key = crypto.signing_key_from_bytes(signing_raw)
        if crypto.public_bytes(signing_key) != public_key:  # signed, yet not this user's keys
            raise AuthError("slot_not_theirs", user=name)
        box_key = crypto.box_key_from_bytes(box_raw)
        keyring = KeyRing({slot.key_epoch: data_key}, user=name, box_key=box_key, vault_id=self.vault_id)
        with self._lock:
            self._catch_up(keyring)
            later = self._later_passphrase_change(name, public_key, slot.slot_seq, keyring)
        if later is not None:
            raise AuthError("slot_outdated", user=name, seq=later)
        if keyring.latest_epoch > slot.key_epoch:
            self._rewrap_slot(name, kek, keyring, slot, signing_key)
        return Identity(name, role, keyring, signing_key, box_key)

    def _later_passphrase_change(self, name: str, public_key: bytes, slot_seq: int, keyring: KeyRing) -> int | None:
        """The seq of a passphrase change of ``name``'s after the one that wrote their slot, if any:
        a ``user.passwd`` they signed whose body names a new slot. Such a slot was put back."""
        for epoch, from_seq, _ in self._key_chain():
            keyring.starts[epoch] = from_seq
        rows = self.conn.execute(
            "SELECT seq, kind, actor, prev_hash, hash, signature, body FROM ledger"
            " WHERE kind = 'user.passwd' AND actor = ? AND seq > ? ORDER BY seq", (name, slot_seq)).fetchall()
        for row in rows:
            event = ledger.Event(*row)
            if ledger.event_hash(self.vault_id, event.seq, event.kind, event.actor, event.prev_hash,
                                 event.body) != event.hash or not crypto.verify_signature(
                    public_key, event.signature, ledger.signed_message(event.hash)):
                continue  # not theirs: the fold and jz verify report it
            try:
                data = ledger.open_body(keyring.key_for(event.seq), self.vault_id, event).data
            except (crypto.CryptoError, ValueError, KeyError):
                continue
            if isinstance(data, dict) and data.get("slot"):
                return event.seq
        return None

    def _key_chain(self) -> list[tuple[int, int, bytes]]:
        return self.conn.execute("SELECT epoch, from_seq, wrapped_previous FROM key_chain ORDER BY epoch").fetchall()

    def key_chain_rows(self) -> list[tuple[int, int, bytes]]:
        with self._lock:
            return self._key_chain()

    def _catch_up(self, keyring: KeyRing) -> None:
        """Fill the keyring: earlier epochs through the key chain, later ones from the rekey events."""
        chain = self._key_chain()
        for epoch, from_seq, _ in chain:
            keyring.starts[epoch] = from_seq
        for epoch, _, wrapped_previous in sorted(chain, reverse=True):
            if epoch in keyring.keys and epoch - 1 not in keyring.keys:
                keyring.keys[epoch - 1] = crypto.open_sealed(
                    keyring.keys[epoch], wrapped_previous, chain_aad(self.vault_id, epoch)
                )
        for epoch, from_seq, _ in chain:
            if epoch > keyring.latest_epoch and epoch - 1 in keyring.keys:
                row = self.conn.execute(
                    "SELECT seq, kind, actor, prev_hash, hash, signature, body FROM ledger WHERE seq = ?",
                    (from_seq - 1,),
                ).fetchone()
                if row is None:
                    raise crypto.CryptoError("a rekey event is missing")
                event = ledger.Event(*row)
                admin = self.user(event.actor)
                if (event.kind != "vault.rekey" or admin is None or admin.role != "admin"
                        or ledger.event_hash(self.vault_id, event.seq, event.kind, event.actor, event.prev_hash,
                                             event.body) != event.hash
                        or not crypto.verify_signature(admin.public_key, event.signature,
                                                       ledger.signed_message(event.hash))):
                    # never seal new events under a key that an admin's signed rekey did not introduce
                    raise crypto.CryptoError("a key chain row without an admin's rekey")
                record = ledger.open_body(keyring.keys[epoch - 1], self.vault_id, event)
                keyring.learn(event.seq, record.data)

    def _rewrap_slot(self, name: str, kek: bytes, keyring: KeyRing, slot: Slot, signing_key: Any) -> None:
        """Move a slot to the latest epoch (at its owner's login: only then is the passphrase at
        hand), signed again by its owner; the event that wrote it stays the one it names."""
        from dataclasses import replace

        epoch = keyring.latest_epoch
        wrapped = crypto.seal(kek, keyring.latest, _slot_aad(self.vault_id, name, "data", epoch))
        moved = replace(slot, wrapped_data_key=wrapped, key_epoch=epoch).signed(
            self.vault_id, name, slot.slot_seq, signing_key)
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                # only the slot this kek opened: a passphrase changed meanwhile elsewhere stays
                self.conn.execute(
                    "UPDATE users SET wrapped_data_key = ?, key_epoch = ?, slot_signature = ?"
                    " WHERE name = ? AND wrapped_data_key != x'' AND salt = ? AND slot_seq = ?",
                    (wrapped, epoch, moved.signature, name, slot.salt, slot.slot_seq),
                )
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise

    def rekey(self, admin: Identity, remove: list[str] | None = None,
              judge: Callable[[ledger.Record], None] | None = None) -> int:
        """Start a new data-key epoch, sealed to every user but ``remove``; returns the epoch.

        One transaction: the ``vault.rekey`` event, the key chain row, and the removed
        users' wiped key slots commit together or not at all.
        """
        remove = sorted(set(remove or []))
        users = {u.name: u for u in self.users()}
        for name in remove:
            if name not in users:
                raise AuthError("user_unknown", user=name)
            if name == admin.name:
                raise JzError("rekey_remove_self")
        with self._lock:
            self._catch_up(admin.keyring)
        epoch = admin.keyring.latest_epoch + 1
        new_key = crypto.new_key()
        keep = [u for u in users.values() if u.name not in remove and not self._is_removed(u.name)]
        sealed = {u.name: seal_key_to(self.vault_id, epoch, u.name, u.box_public_key, new_key) for u in keep}
        previous = admin.data_key

        def record_chain(c: sqlite3.Connection, seq: int) -> None:
            if c.execute("SELECT 1 FROM key_chain WHERE epoch >= ?", (epoch,)).fetchone():
                raise JzError("rekey_concurrent")
            wrapped_previous = crypto.seal(new_key, previous, chain_aad(self.vault_id, epoch))
            c.execute("INSERT INTO key_chain(epoch, from_seq, wrapped_previous) VALUES (?, ?, ?)",
                      (epoch, seq + 1, wrapped_previous))
            for name in remove:
                c.execute("UPDATE users SET wrapped_data_key = x'', wrapped_signing_key = x'', wrapped_box_key = x''"
                          " WHERE name = ?", (name,))

        record = self.append(admin, "vault.rekey", {"epoch": epoch, "keys": sealed, "removed": remove},
                             within=record_chain, judge=judge)
        admin.keyring.keys[epoch] = new_key
        admin.keyring.starts[epoch] = record.seq + 1
        return epoch

    def removed_users(self) -> set[str]:
        """Users whose key slot a rekey wiped (readable without a passphrase)."""
        with self._lock:
            return {name for (name,) in self.conn.execute("SELECT name FROM users WHERE wrapped_data_key = x''")}

    def _is_removed(self, name: str) -> bool:
        row = self.conn.execute("SELECT wrapped_data_key FROM users WHERE name = ?", (name,)).fetchone()
        return row is not None and not row[0]

    def add_user(
        self,
        admin: Identity,
        name: str,
        role: str,
        passphrase: str,
        kdf: crypto.KdfParams = crypto.PRODUCTION_KDF,
        judge: Callable[[ledger.Record], None] | None = None,
    ) -> UserRow:
        _check_user_name(name)
        if role not in ROLES:
            raise JzError("role_unknown", role=role, roles=list(ROLES))
        if not passphrase:
            raise JzError("passphrase_empty")
        if self.user(name) is not None:
            raise JzError("user_exists", user=name)
        signing_key = crypto.new_signing_key()
        box_key = crypto.new_box_key()
        public_key = crypto.public_bytes(signing_key)
        box_public_key = crypto.box_public_bytes(box_key)
        _check_kdf(kdf, self.kdf_floor, name)
        with self._lock:
            self._catch_up(admin.keyring)
        slot = _make_slot(self.vault_id, name, admin.data_key, admin.keyring.latest_epoch, signing_key, box_key,
                          passphrase, kdf)

        def insert_user(c: sqlite3.Connection, seq: int) -> None:
            grant = admin.sign(grant_message(self.vault_id, name, role, public_key, box_public_key, seq))
            _insert_user(c, name, role, public_key, box_public_key, seq, admin.name, grant,
                         slot.signed(self.vault_id, name, seq, signing_key))

        self.append(
            admin,
            "user.add",
            {"name": name, "role": role, "public_key": public_key.hex(), "box_public_key": box_public_key.hex()},
            within=insert_user,
            judge=judge,
        )
        user = self.user(name)
        assert user is not None
        return user

    def change_passphrase(
        self, identity: Identity, new_passphrase: str, kdf: crypto.KdfParams = crypto.PRODUCTION_KDF,
        judge: Callable[[ledger.Record], None] | None = None,
    ) -> None:
        """Rewrap only this user's slot; the data key and every other slot stay as they are."""
        if not new_passphrase:
            raise JzError("passphrase_empty")
        _check_kdf(kdf, self.kdf_floor, identity.name)
        with self._lock:
            self._catch_up(identity.keyring)
        slot = _make_slot(self.vault_id, identity.name, identity.data_key, identity.keyring.latest_epoch,
                          identity.signing_key, identity.box_key, new_passphrase, kdf)

        def rewrap(c: sqlite3.Connection, seq: int) -> None:
            signed = slot.signed(self.vault_id, identity.name, seq, identity.signing_key)
            c.execute(
                "UPDATE users SET kdf = ?, salt = ?, wrapped_data_key = ?, wrapped_signing_key = ?, wrapped_box_key = ?,"
                " key_epoch = ?, slot_seq = ?, slot_signature = ? WHERE name = ?",
                (signed.kdf, signed.salt, signed.wrapped_data_key, signed.wrapped_signing_key, signed.wrapped_box_key,
                 signed.key_epoch, signed.slot_seq, signed.signature, identity.name),
            )

        # the body names the new slot: a login, and jz verify, refuse an older one put back
        self.append(identity, "user.passwd", {"name": identity.name, "slot": slot.generation.hex()},
                    within=rewrap, judge=judge)

    # ------------------------------------------------------------------ the one write path

    def append(
        self,
        identity: Identity,
        kind: str,
        data: dict[str, Any],
        within: Callable[[sqlite3.Connection, int], None] | None = None,
        judge: Callable[[ledger.Record], None] | None = None,
    ) -> ledger.Record:
        """Append one event in a single ``BEGIN IMMEDIATE`` transaction.

        ``judge`` sees the event as it will be recorded, inside the transaction, once the
        head is read (so nothing can be appended between its verdict and the commit); it
        raises to refuse. ``within`` runs inside the same transaction with the new seq, for
        rows that must change atomically with the event. Nothing is written if anything raises.
        """
        at = ledger.now_iso()
        plaintext, stored_data = ledger.encode_envelope(data, at)  # encoded before the write lock: keep the lock short
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                # one statement for the head and the key epoch: this is the hot path of every write
                seq, prev, latest = self.conn.execute(
                    "SELECT coalesce((SELECT max(seq) FROM ledger), 0),"
                    " (SELECT hash FROM ledger ORDER BY seq DESC LIMIT 1),"
                    " coalesce((SELECT max(epoch) FROM key_chain), 0)"
                ).fetchone()
                prev = prev if prev is not None else ledger.genesis_hash(self.vault_id)
                seq += 1
                if latest > identity.keyring.latest_epoch:  # someone rotated the key since we unlocked
                    self._catch_up(identity.keyring)
                    if latest > identity.keyring.latest_epoch:
                        raise AuthError("user_removed", user=identity.name)
                if judge is not None:
                    judge(ledger.Record(seq, kind, identity.name, at, stored_data, b""))
                body = ledger.seal_body(identity.data_key, self.vault_id, seq, kind, plaintext)
                hash_ = ledger.event_hash(self.vault_id, seq, kind, identity.name, prev, body)
                signature = identity.sign(ledger.signed_message(hash_))
                self.conn.execute(
                    "INSERT INTO ledger(seq, kind, actor, prev_hash, hash, signature, body) VALUES (?,?,?,?,?,?,?)",
                    (seq, kind, identity.name, prev, hash_, signature, body),
                )
                if within is not None:
                    within(self.conn, seq)
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
        return ledger.Record(seq, kind, identity.name, at, stored_data, hash_)

    # ------------------------------------------------------------------ reading

    def _head_locked(self) -> tuple[int, bytes]:
        row = self.conn.execute("SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1").fetchone()
        if row is None:
            return 0, ledger.genesis_hash(self.vault_id)
        return row[0], row[1]

    def head(self) -> tuple[int, bytes]:
        with self._lock:
            return self._head_locked()

    def data_version(self) -> int:
        """Changes whenever another connection commits: the cheapest "anything new?" probe."""
        with self._lock:
            return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def events(self, after_seq: int = 0, chunk: int = 1000) -> Iterator[ledger.Event]:
        """The ledger after ``after_seq``, read a chunk at a time: a whole session's ledger is
        never in memory at once, and other threads get the connection between chunks."""
        while True:
            with self._lock:
                rows = self.conn.execute(
                    "SELECT seq, kind, actor, prev_hash, hash, signature, body FROM ledger WHERE seq > ?"
                    " ORDER BY seq LIMIT ?",
                    (after_seq, chunk),
                ).fetchall()
            for row in rows:
                yield ledger.Event(*row)
            if len(rows) < chunk:
                return
            after_seq = rows[-1][0]

    def records(self, keys: bytes | KeyRing, after_seq: int = 0) -> Iterator[ledger.Record]:
        """Decrypted events after ``after_seq``; a keyring learns new epochs as it meets them."""
        keyring = as_keyring(keys)
        with self._lock:
            for epoch, from_seq, _ in self._key_chain():
                keyring.starts[epoch] = from_seq
        for event in self.events(after_seq):
            record = ledger.open_body(keyring.key_for(event.seq), self.vault_id, event)
            if record.kind == "vault.rekey":
                keyring.learn(record.seq, record.data)
            yield record

    def forget_deleted(self, attempts: int = 100, pause_s: float = 0.05) -> None:
        """Leave nothing deleted anywhere in the file's bytes: checkpoint the WAL into the file
        (deleted rows are zeroed there: ``secure_delete``) and truncate it to nothing, retried
        while readers (a board between polls) finish, then checked. Refuses if it cannot."""
        wal = Path(os.fspath(self.path) + "-wal")
        for _ in range(attempts):
            with self._lock:
                busy, _, _ = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy and (not wal.exists() or wal.stat().st_size == 0):
                return
            time.sleep(pause_s)
        raise VaultError("vault_wal_busy", path=str(self.path))

    def read_mark(self, user: str) -> tuple[int, bytes, str, bytes] | None:
        """The user's verified mark as stored: (seq, hash, bad seqs as JSON, mac)."""
        with self._lock:
            return self.conn.execute("SELECT seq, hash, bad, mac FROM verified_marks WHERE user = ?",
                                     (user,)).fetchone()

    def read_state(self, user: str) -> bytes | None:
        with self._lock:
            row = self.conn.execute("SELECT sealed FROM verified_states WHERE user = ?", (user,)).fetchone()
        return row[0] if row else None

    def hash_at(self, seq: int) -> bytes | None:
        with self._lock:
            row = self.conn.execute("SELECT hash FROM ledger WHERE seq = ?", (seq,)).fetchone()
        return row[0] if row else None

    def write_mark(self, user: str, seq: int, hash_: bytes, bad: str, mac: bytes, state: bytes | None = None) -> None:
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                self.conn.execute("INSERT OR REPLACE INTO verified_marks(user, seq, hash, bad, mac) VALUES (?,?,?,?,?)",
                                  (user, seq, hash_, bad, mac))
                if state is None:
                    self.conn.execute("DELETE FROM verified_states WHERE user = ?", (user,))
                else:
                    self.conn.execute("INSERT OR REPLACE INTO verified_states(user, sealed) VALUES (?, ?)", (user, state))
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise

    def sealed_ballots(self, box: str) -> list[tuple[bytes, bytes]]:
        with self._lock:
            return self.conn.execute(
                "SELECT slot, ciphertext FROM sealed_ballots WHERE box = ? ORDER BY slot", (box,)
            ).fetchall()

    def sealed_ballot_rows(self) -> list[tuple[str, bytes, bytes, str, bytes]]:
        with self._lock:
            return self.conn.execute(
                "SELECT box, slot, ciphertext, signer, signature FROM sealed_ballots ORDER BY box, slot"
            ).fetchall()

    def held_ballots(self, box: str, signer: str) -> list[tuple[bytes, bytes, bytes]]:
        """One officer's ballots held for a box: (slot, ciphertext, signature)."""
        with self._lock:
            return self.conn.execute(
                "SELECT slot, ciphertext, signature FROM held_ballots WHERE box = ? AND signer = ? ORDER BY slot",
                (box, signer),
            ).fetchall()

    def held_ballot_rows(self) -> list[tuple[str, bytes, bytes, str, bytes]]:
        with self._lock:
            return self.conn.execute(
                "SELECT box, slot, ciphertext, signer, signature FROM held_ballots ORDER BY box, slot"
            ).fetchall()

    def backup(self, target: str | os.PathLike[str]) -> tuple[int, bytes]:
        """An online copy through SQLite's backup API; the copy is as encrypted as the original.

        Returns the copy's head (seq, hash): the vault as it stood at one moment, which other
        writers may already have passed. A copy that fails half-way (a full disk) is removed,
        never left behind looking like a backup.
        """
        target = Path(target)
        if target.exists():
            raise VaultError("vault_exists", path=str(target))
        try:
            private_file(target, exclusive=True)  # a backup is as private as the vault
        except FileExistsError as exc:
            raise VaultError("vault_exists", path=str(target)) from exc
        dest = sqlite3.connect(os.fspath(target))
        try:
            with self._lock:
                self.conn.backup(dest)
            row = dest.execute("SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1").fetchone()
            dest.close()
        except BaseException:
            dest.close()
            for leftover in (target, *(target.with_name(target.name + end) for end in ("-journal", "-wal", "-shm"))):
                leftover.unlink(missing_ok=True)
            raise
        return (row[0], row[1]) if row is not None else (0, ledger.genesis_hash(self.vault_id))


def _split_sql(script: str) -> list[str]:
    """Split the schema into statements, keeping trigger bodies whole."""
    statements, current = [], []
    for line in script.strip().splitlines():
        current.append(line)
        joined = "\n".join(current).strip()
        if joined.endswith(";") and sqlite3.complete_statement(joined):
            statements.append(joined)
            current = []
    return statements


def _check_user_name(name: str) -> None:
    from .events import is_user_name  # the declarations' rule (letters, digits, _ - . and CJK)
    if not is_user_name(name):
        raise JzError("user_name_invalid", user=name)


def _check_kdf(kdf: crypto.KdfParams, floor: crypto.KdfParams, name: str) -> None:
    """Slots are made only with parameters a login will accept (Python API callers included)."""
    if not kdf.usable() or not kdf.meets_floor(floor):
        raise JzError("kdf_below_floor", user=name)


def _make_slot(
    vault_id: bytes,
    name: str,
    data_key: bytes,
    epoch: int,
    signing_key: Any,
    box_key: Any,
    passphrase: str,
    kdf: crypto.KdfParams,
) -> Slot:
    """A new slot, not yet signed: :meth:`Slot.signed` names the event that writes it."""
    salt = os.urandom(crypto.SALT_BYTES)
    kek = crypto.derive_kek(passphrase, salt, kdf)
    wrapped_data = crypto.seal(kek, data_key, _slot_aad(vault_id, name, "data", epoch))
    wrapped_signing = crypto.seal(kek, crypto.private_bytes(signing_key), _slot_aad(vault_id, name, "signing"))
    wrapped_box = crypto.seal(kek, crypto.box_private_bytes(box_key), _slot_aad(vault_id, name, "box"))
    return Slot(kdf.to_json(), salt, wrapped_data, wrapped_signing, wrapped_box, epoch)


def _insert_user(
    c: sqlite3.Connection,
    name: str,
    role: str,
    public_key: bytes,
    box_public_key: bytes,
    seq: int,
    granted_by: str,
    grant: bytes,
    slot: Slot,
) -> None:
    c.execute(
        f"INSERT INTO users(name, role, public_key, box_public_key, added_seq, granted_by, grant_signature,"
        f" {SLOT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (name, role, public_key, box_public_key, seq, granted_by, grant, slot.kdf, slot.salt, slot.wrapped_data_key,
         slot.wrapped_signing_key, slot.wrapped_box_key, slot.key_epoch, slot.slot_seq, slot.signature),
    )
