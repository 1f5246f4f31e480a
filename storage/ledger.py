"""The signed, hash-chained ledger: how an event is framed, hashed, sealed and signed.

A row is ``seq, kind, actor, prev_hash, hash, signature, body``. ``body`` is the
AES-256-GCM ciphertext of the canonical JSON envelope, with AAD = vault id ‖ seq ‖ kind.
``hash`` covers every column but the signature, ciphertext included, so that the chain
and the signatures can be checked without any passphrase.
"""

from __future__ import annotations

import functools
import hashlib
import struct
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from . import crypto

HASH_DOMAIN = "jz-event-v1"
SIGNATURE_DOMAIN = b"jz-event-signature-v1\x00"


@dataclass(frozen=True)
class Event:
    """One ledger row as stored: everything public, the body still sealed."""

    seq: int
    kind: str
    actor: str
    prev_hash: bytes
    hash: bytes
    signature: bytes
    body: bytes


@dataclass(frozen=True)
class Record:
    """One decrypted event, as projections see it."""

    seq: int
    kind: str
    actor: str
    at: str
    data: dict[str, Any]
    hash: bytes


def genesis_hash(vault_id: bytes) -> bytes:
    return crypto.sha256(crypto.frame("jz-genesis", vault_id))


@functools.lru_cache(maxsize=8)
def _framed(domain: str, vault_id: bytes) -> bytes:
    # Framing is a concatenation, so a constant head can be framed once per vault.
    return crypto.frame(domain, vault_id)


# crypto.frame spelled out for the two framings every fold computes per event (the same bytes:
# tests/test_crypto_frame.py holds them equal): a fold of a session hashes every event.
_SEQ_HEAD = struct.pack(">I", 8)
_PACK_SEQ = struct.Struct(">q").pack
_PACK_LENGTH = struct.Struct(">I").pack


@functools.lru_cache(maxsize=256)
def _framed_text(text: str) -> bytes:
    encoded = text.encode("utf-8")
    return _PACK_LENGTH(len(encoded)) + encoded


def body_aad(vault_id: bytes, seq: int, kind: str) -> bytes:
    return _framed("jz-body", vault_id) + _SEQ_HEAD + _PACK_SEQ(seq) + _framed_text(kind)


def event_hash(vault_id: bytes, seq: int, kind: str, actor: str, prev_hash: bytes, body: bytes) -> bytes:
    return hashlib.sha256(b"".join((
        _framed(HASH_DOMAIN, vault_id), _SEQ_HEAD, _PACK_SEQ(seq), _framed_text(kind), _framed_text(actor),
        _PACK_LENGTH(len(prev_hash)), prev_hash, _PACK_LENGTH(len(body)), body,
    ))).digest()


def signed_message(hash_: bytes) -> bytes:
    return SIGNATURE_DOMAIN + hash_


_second: tuple[int, str] = (-1, "")  # the last whole second formatted: most events share it


def now_iso() -> str:
    """UTC now to the millisecond, as ``datetime.isoformat(timespec="milliseconds")`` writes it."""
    global _second
    seconds, nanos = divmod(time.time_ns(), 1_000_000_000)
    cached_seconds, prefix = _second
    if seconds != cached_seconds:
        prefix = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        _second = (seconds, prefix)
    return f"{prefix}.{nanos // 1_000_000:03d}+00:00"


def encode_envelope(data: dict[str, Any], at: str) -> tuple[bytes, dict[str, Any]]:
    """The plaintext of a body (canonical JSON of the time and the event's data), and the
    data exactly as a reader will decode it from that plaintext."""
    envelope = crypto.canonical_form({"at": at, "data": data})
    return crypto.encode_canonical(envelope), envelope["data"]


def seal_body(data_key: bytes, vault_id: bytes, seq: int, kind: str, plaintext: bytes) -> bytes:
    return crypto.seal_with(crypto.data_key_cipher(data_key), plaintext, body_aad(vault_id, seq, kind))


def open_body(data_key: bytes, vault_id: bytes, event: Event) -> Record:
    plain = crypto.open_with(crypto.data_key_cipher(data_key), event.body, body_aad(vault_id, event.seq, event.kind))
    envelope = crypto.parse_canonical(plain)
    if not (isinstance(envelope, dict) and isinstance(envelope.get("at"), str) and isinstance(envelope.get("data"), dict)):
        raise ValueError("malformed ledger body")  # sealed with the right key, but not an envelope
    return Record(event.seq, event.kind, event.actor, envelope["at"], envelope["data"], event.hash)


def short_hash(hash_: bytes) -> str:
    return hash_.hex()[:12]
