"""Helpers shared by the storage-layer tests: raw tampering, forging, child processes.

Everything here works on the vault file the way an attacker with write access would:
through plain ``sqlite3``, with the append-only triggers dropped first.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from contextlib import contextmanager
from pathlib import Path

from storage import crypto, ledger
from storage.vault import Identity

LEDGER_COLUMNS = "seq, kind, actor, prev_hash, hash, signature, body"

# Event kind these tests append in bulk. Domain modules register shape checks for their own
# kinds (config.set, sheet.submit, ...) in verify; ``user.passwd`` belongs to the storage
# layer, every role may emit it, and its body is just the actor's name, so the storage
# tests do not depend on the shapes other parts of jz give their events.
NEUTRAL_KIND = "user.passwd"


def neutral(actor: str) -> dict:
    return {"name": actor}


@contextmanager
def raw(path: Path):
    """A plain sqlite3 connection to the vault with the append-only triggers dropped."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        conn.execute("DROP TRIGGER IF EXISTS ledger_append_only_update")
        conn.execute("DROP TRIGGER IF EXISTS ledger_append_only_delete")
        conn.execute("BEGIN IMMEDIATE")
        yield conn
        conn.execute("COMMIT")
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()


def row(conn: sqlite3.Connection, seq: int) -> ledger.Event:
    found = conn.execute(f"SELECT {LEDGER_COLUMNS} FROM ledger WHERE seq = ?", (seq,)).fetchone()
    assert found is not None, f"no event {seq}"
    return ledger.Event(*found)


def flip(blob: bytes, index: int) -> bytes:
    """``blob`` with one bit of byte ``index`` flipped (negative indexes count from the end)."""
    data = bytearray(blob)
    data[index] ^= 0x01
    return bytes(data)


def vault_id(conn: sqlite3.Connection) -> bytes:
    return bytes.fromhex(conn.execute("SELECT value FROM header WHERE key = 'vault_id'").fetchone()[0])


def head(conn: sqlite3.Connection) -> tuple[int, bytes]:
    seq, hash_ = conn.execute("SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1").fetchone()
    return seq, hash_


def forge_append(
    conn: sqlite3.Connection,
    kind: str,
    actor: str,
    data: dict,
    sign,
    data_key: bytes,
    plaintext: bytes | None = None,
) -> int:
    """Append a correctly chained, hashed and sealed event signed by ``sign`` (bytes -> bytes).

    ``plaintext`` replaces the canonical envelope of ``data`` (to seal malformed bodies).
    """
    vid = vault_id(conn)
    seq, prev = head(conn)
    seq += 1
    if plaintext is None:
        plaintext, _ = ledger.encode_envelope(data, ledger.now_iso())
    body = ledger.seal_body(data_key, vid, seq, kind, plaintext)
    hash_ = ledger.event_hash(vid, seq, kind, actor, prev, body)
    signature = sign(ledger.signed_message(hash_))
    conn.execute(
        f"INSERT INTO ledger({LEDGER_COLUMNS}) VALUES (?,?,?,?,?,?,?)",
        (seq, kind, actor, prev, hash_, signature, body),
    )
    return seq


def rechain_from(conn: sqlite3.Connection, start: int, signers: dict[str, Identity]) -> None:
    """Recompute prev_hash, hash and signature of every event from ``start`` on.

    ``signers`` maps actor names to the identities whose keys re-sign their events; an
    attacker holding those keys can rewrite the chain so that no hash or signature check
    sees it.
    """
    vid = vault_id(conn)
    prev = row(conn, start - 1).hash if start > 1 else ledger.genesis_hash(vid)
    seqs = [s for (s,) in conn.execute("SELECT seq FROM ledger WHERE seq >= ? ORDER BY seq", (start,))]
    for seq in seqs:
        event = row(conn, seq)
        hash_ = ledger.event_hash(vid, seq, event.kind, event.actor, prev, event.body)
        signature = signers[event.actor].sign(ledger.signed_message(hash_))
        conn.execute(
            "UPDATE ledger SET prev_hash = ?, hash = ?, signature = ? WHERE seq = ?", (prev, hash_, signature, seq)
        )
        prev = hash_


def new_key_signer():
    """A fresh Ed25519 key nobody in the vault knows: (sign function, public key)."""
    key = crypto.new_signing_key()
    return key.sign, crypto.public_bytes(key)


def verify_json(jz, path: Path, *extra: str, user: str | None = None) -> tuple[int, dict]:
    """Run the installed ``jz verify PATH --json``; returns (exit code, parsed output)."""
    result = jz("verify", path, "--json", *extra, user=user)
    assert "Traceback" not in result.stderr, result.stderr
    try:
        payload = json.loads(result.stdout)
    except ValueError as exc:  # pragma: no cover - a failure message, not a path
        raise AssertionError(f"verify printed no JSON: {result.stdout!r} {result.stderr!r}") from exc
    return result.returncode, payload


def problem_seqs(payload: dict) -> set[int | None]:
    return {p["seq"] for p in payload["problems"]}


def problem_reasons(payload: dict) -> dict[int | None, set[str]]:
    out: dict[int | None, set[str]] = {}
    for p in payload["problems"]:
        out.setdefault(p["seq"], set()).add(p["reason"])
    return out


# users columns that say who someone is (fixed at user.add) versus those that wrap their keys
# under their passphrase (rewritten by a passphrase change). Other columns are compared as-is.
IDENTITY_COLUMNS = ("name", "role", "public_key", "added_seq", "granted_by", "grant_signature")
WRAPPING_COLUMNS = ("salt", "wrapped_data_key", "wrapped_signing_key")


def slot_rows(source) -> dict[str, dict[str, object]]:
    """Every users row as {column: value}, by name, from a path or an open connection."""
    conn = source if isinstance(source, sqlite3.Connection) else sqlite3.connect(str(source))
    try:
        cursor = conn.execute("SELECT * FROM users")
        columns = [d[0] for d in cursor.description]
        return {r[0]: dict(zip(columns, r, strict=True)) for r in cursor.fetchall()}
    finally:
        if conn is not source:
            conn.close()


def insert_user_like(conn: sqlite3.Connection, template: str, **overrides) -> None:
    """Insert a users row copied from ``template``'s row with some columns replaced."""
    row = {**slot_rows(conn)[template], **overrides}
    columns = ", ".join(row)
    conn.execute(f"INSERT INTO users({columns}) VALUES ({', '.join('?' * len(row))})", tuple(row.values()))


def write_script(directory: Path, name: str, source: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def python_child(script: Path, *args: str, **popen) -> subprocess.Popen:
    """Start ``script`` under the interpreter running the tests (the venv's python)."""
    return subprocess.Popen([sys.executable, str(script), *map(str, args)], **popen)
