"""Cryptographic building blocks of the vault.

Everything here is a thin, typed layer over ``cryptography``: canonical JSON, the
Argon2id key-encryption key, AES-256-GCM sealing, Ed25519 signing and the framing
used for hashes. No key ever leaves these functions as text.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import struct
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from nacl.bindings import crypto_sign, crypto_sign_open, crypto_sign_seed_keypair
from nacl.exceptions import BadSignatureError

KEY_BYTES = 32
NONCE_BYTES = 12
SALT_BYTES = 16
SIGNATURE_BYTES = 64
PUBLIC_KEY_BYTES = 32


class CryptoError(Exception):
    """A decryption or verification failed; the message never holds secret material."""


# --------------------------------------------------------------------------- canonical JSON


def canonical_json(value: Any) -> bytes:
    """Deterministic UTF-8 JSON: sorted keys, no spaces, no floats.

    Floats are refused because a score must never pass through binary floating point;
    Decimals are written as strings so that ``"84.63"`` stays exactly that.
    """
    return encode_canonical(canonical_form(value))


# One encoder, built once: ``json.dumps`` with options builds a new one on every call.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def encode_canonical(form: Any) -> bytes:
    """The bytes of a value already in :func:`canonical_form`."""
    return _ENCODER.encode(form).encode("utf-8")


def canonical_form(value: Any) -> Any:
    """``value`` as plain JSON types, exactly as :func:`parse_canonical` would give it back
    (dict keys sorted, Decimals as strings, tuples as lists)."""
    kind = type(value)
    if kind is dict:
        if not all(type(key) is str for key in value):
            raise TypeError("ledger body keys must be strings")
        out = {}
        for key in sorted(value):
            item = value[key]
            item_kind = type(item)
            # most values are leaves: skip the call for them, this is the hot path of every write
            out[key] = item if item_kind is str or item_kind is int or item is None else canonical_form(item)
        return out
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is list or kind is tuple:
        return [canonical_form(item) for item in value]
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise TypeError("non-finite Decimal in ledger body")
        return str(value)
    if isinstance(value, float):
        raise TypeError("floats are not allowed in ledger bodies; use Decimal")
    if isinstance(value, (str, int)):  # subclasses such as IntEnum or StrEnum
        return int(value) if isinstance(value, int) else str(value)
    raise TypeError(f"cannot encode {type(value).__name__} in a ledger body")


def parse_canonical(data: bytes) -> Any:
    return json.loads(data.decode("utf-8"))


# --------------------------------------------------------------------------- hashing


_PACK_LENGTH = struct.Struct(">I").pack
_PACK_INT = struct.Struct(">q").pack


def frame(*parts: bytes | str | int) -> bytes:
    """Length-prefixed concatenation, so that no two different tuples frame alike."""
    chunks = []
    for part in parts:
        if type(part) is not bytes:  # bytes first: the common case on the write path
            if isinstance(part, int):
                part = _PACK_INT(part)
            elif isinstance(part, str):
                part = part.encode("utf-8")
        chunks.append(_PACK_LENGTH(len(part)))
        chunks.append(part)
    return b"".join(chunks)


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def fingerprint(public_key: bytes) -> str:
    """Human-comparable fingerprint of a public key: 8 groups of 4 hex digits."""
    digest = hashlib.sha256(b"jz-key-fingerprint\x00" + public_key).hexdigest()[:32]
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))


# --------------------------------------------------------------------------- Argon2id


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters, stored beside every key slot they protect."""

    memory_kib: int = 65536
    iterations: int = 3
    lanes: int = 4

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    def to_json(self) -> str:
        return canonical_json(self.to_dict()).decode()

    @classmethod
    def from_dict(cls, data: dict[str, int]) -> KdfParams:
        return cls(int(data["memory_kib"]), int(data["iterations"]), int(data["lanes"]))

    @classmethod
    def parse(cls, text: str) -> KdfParams:
        """The parameters stored as ``text``; unreadable ones come back as :data:`UNUSABLE_KDF`,
        which :meth:`usable` refuses (a file writer's garbage must not break listing users)."""
        try:
            data = parse_canonical(text.encode("utf-8"))
            return cls(*(int(data[f]) for f in ("memory_kib", "iterations", "lanes")))
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeError):
            return UNUSABLE_KDF

    def meets_floor(self, floor: KdfParams) -> bool:
        return self.memory_kib >= floor.memory_kib and self.iterations >= floor.iterations and self.lanes >= floor.lanes

    def meets_production_floor(self) -> bool:
        return self.meets_floor(PRODUCTION_KDF)

    def usable(self) -> bool:
        """Argon2id accepts them and they stay under the ceiling: deriving ends in bounded time."""
        ceiling = KDF_CEILING
        return (
            1 <= self.iterations <= ceiling.iterations
            and 1 <= self.lanes <= ceiling.lanes
            and 8 * self.lanes <= self.memory_kib <= ceiling.memory_kib
        )


PRODUCTION_KDF = KdfParams()
# Above these a login would take minutes or exhaust memory: a slot asking for more is refused
# before anything is derived (a file writer could otherwise set t = 2^31-1 and hang a login).
KDF_CEILING = KdfParams(memory_kib=4 * 1024 * 1024, iterations=64, lanes=64)
UNUSABLE_KDF = KdfParams(0, 0, 0)


class KdfOutOfRange(CryptoError):
    """Argon2id parameters outside what jz derives with (see :meth:`KdfParams.usable`)."""


def derive_kek(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    if not params.usable():
        raise KdfOutOfRange("Argon2id parameters out of range")
    return Argon2id(
        salt=salt,
        length=KEY_BYTES,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    ).derive(passphrase.encode("utf-8"))


# --------------------------------------------------------------------------- AES-256-GCM


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """nonce ‖ ciphertext ‖ tag."""
    return seal_with(AESGCM(key), plaintext, aad)


def open_sealed(key: bytes, blob: bytes, aad: bytes) -> bytes:
    try:
        cipher = AESGCM(key)
    except ValueError as exc:
        raise CryptoError("decryption failed") from exc
    return open_with(cipher, blob, aad)


@functools.lru_cache(maxsize=8)
def data_key_cipher(key: bytes) -> AESGCM:
    """A data key's AES-GCM object, kept: building one costs as much as sealing a body, and
    the ledger seals and opens thousands under one key. Only data keys come here; a key
    derived from a passphrase is used once and let go."""
    return AESGCM(key)


def seal_with(cipher: AESGCM, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + cipher.encrypt(nonce, plaintext, aad)


def open_with(cipher: AESGCM, blob: bytes, aad: bytes) -> bytes:
    try:
        return cipher.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
    except (InvalidTag, ValueError) as exc:
        raise CryptoError("decryption failed") from exc


# --------------------------------------------------------------------------- Ed25519


def new_signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def public_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def signing_key_from_bytes(raw: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(raw)


class Signer:
    """An Ed25519 private key that signs through libsodium, for the append path.

    Ed25519 signatures are deterministic (RFC 8032): these are byte for byte the signatures
    ``cryptography`` makes with the same key, in about two thirds of the time (25 against
    38 µs measured here), and signing is the largest cost of every append.
    """

    __slots__ = ("_secret",)

    def __init__(self, key: Ed25519PrivateKey) -> None:
        _, self._secret = crypto_sign_seed_keypair(private_bytes(key))

    def sign(self, message: bytes) -> bytes:
        return crypto_sign(message, self._secret)[:SIGNATURE_BYTES]  # libsodium returns signature ‖ message


def verify_signature(public_key: bytes, signature: bytes, message: bytes) -> bool:
    """Ed25519 verification through libsodium: twice as fast as OpenSSL's, and ``jz verify``
    is mostly signature checks. libsodium is the stricter of the two (it also refuses
    small-order keys and non-canonical encodings), never the more lenient."""
    if len(public_key) != PUBLIC_KEY_BYTES or len(signature) != SIGNATURE_BYTES:
        return False
    try:
        crypto_sign_open(bytes(signature) + bytes(message), bytes(public_key))
    except (BadSignatureError, ValueError):
        return False
    return True


# --------------------------------------------------------------------------- X25519 (sealing to a person)


def new_box_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def box_private_bytes(key: X25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def box_public_bytes(key: X25519PrivateKey | X25519PublicKey) -> bytes:
    if isinstance(key, X25519PrivateKey):
        key = key.public_key()
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def box_key_from_bytes(raw: bytes) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(raw)
