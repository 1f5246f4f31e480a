"""The signed, hash-chained ledger: how an event is framed, hashed, sealed and signed.

A row is ``seq, kind, actor, prev_hash, hash, signature, body``. ``body`` is the
AES-256-GCM ciphertext of the canonical JSON envelope, with AAD = vault id ‖ seq ‖ kind.
``hash`` covers every column but the signature, ciphertext included, so that the chain
and the signatures can be checked without any passphrase.
"""

from __future__ import annotations

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


def body_aad(vault_id: bytes, seq: int, kind: str) -> bytes:
    return crypto.frame("jz-body", vault_id, seq, kind)


def event_hash(vault_id: bytes, seq: int, kind: str, actor: str, prev_hash: bytes, body: bytes) -> bytes:
    return crypto.sha256(crypto.frame(HASH_DOMAIN, vault_id, seq, kind, actor, prev_hash, body))


def signed_message(hash_: bytes) -> bytes:
    return SIGNATURE_DOMAIN + hash_


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def encode_envelope(data: dict[str, Any], at: str) -> bytes:
    """The plaintext of a body: canonical JSON of the time and the event's data."""
    return crypto.canonical_json({"at": at, "data": data})


def seal_body(data_key: bytes, vault_id: bytes, seq: int, kind: str, plaintext: bytes) -> bytes:
    return crypto.seal(data_key, plaintext, body_aad(vault_id, seq, kind))


def open_body(data_key: bytes, vault_id: bytes, event: Event) -> Record:
    plain = crypto.open_sealed(data_key, event.body, body_aad(vault_id, event.seq, event.kind))
    envelope = crypto.parse_canonical(plain)
    if not (isinstance(envelope, dict) and isinstance(envelope.get("at"), str) and isinstance(envelope.get("data"), dict)):
        raise ValueError("malformed ledger body")  # sealed with the right key, but not an envelope
    return Record(event.seq, event.kind, event.actor, envelope["at"], envelope["data"], event.hash)


def short_hash(hash_: bytes) -> str:
    return hash_.hex()[:12]
