"""The data keys of a vault over time.

A vault starts with one data key (epoch 0). ``jz rekey`` starts a new epoch: a fresh key,
sealed (HPKE) to the X25519 key of every user who keeps access, announced by a
``vault.rekey`` event; every event after it is sealed under the new key. Old bodies stay
under the keys they were sealed with: their hashes, and so every signature, cover the
ciphertext, which must never change. A removed user, or a data key that leaked, reads
nothing written after the rotation.

The ``key_chain`` table holds, for each epoch, the seq where it starts and the previous
epoch's key wrapped under it, so that a slot made in a later epoch still reads the whole
ledger. It is a cache of what the rekey events say, protected by AES-GCM.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from . import crypto

SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


def seal_info(vault_id: bytes, epoch: int, user: str) -> bytes:
    return crypto.frame("jz-rekey-v1", vault_id, epoch, user)


def chain_aad(vault_id: bytes, epoch: int) -> bytes:
    return crypto.frame("jz-key-chain-v1", vault_id, epoch)


def seal_key_to(vault_id: bytes, epoch: int, user: str, box_public_key: bytes, key: bytes) -> str:
    recipient = X25519PublicKey.from_public_bytes(box_public_key)
    return SUITE.encrypt(key, recipient, info=seal_info(vault_id, epoch, user)).hex()


def open_sealed_key(vault_id: bytes, epoch: int, user: str, box_key: X25519PrivateKey, sealed_hex: str) -> bytes:
    try:
        return SUITE.decrypt(bytes.fromhex(sealed_hex), box_key, info=seal_info(vault_id, epoch, user))
    except (InvalidTag, ValueError) as exc:
        raise crypto.CryptoError("rekey share does not open") from exc


@dataclass
class KeyRing:
    """Epoch -> key, and where each epoch starts; grows as rekey events are read."""

    keys: dict[int, bytes]
    starts: dict[int, int] = field(default_factory=lambda: {0: 1})  # epoch -> first seq sealed under it
    user: str = ""
    box_key: X25519PrivateKey | None = None
    vault_id: bytes = b""

    @classmethod
    def single(cls, key: bytes) -> KeyRing:
        return cls({0: key})

    @property
    def latest_epoch(self) -> int:
        return max(self.keys)

    @property
    def latest(self) -> bytes:
        return self.keys[self.latest_epoch]

    def epoch_of(self, seq: int) -> int:
        if len(self.starts) <= 1:  # one epoch (most sessions): nothing to search
            return next(iter(self.starts), 0)
        epochs = sorted(self.starts)
        firsts = [self.starts[e] for e in epochs]
        return epochs[max(0, bisect.bisect_right(firsts, seq) - 1)]

    def key_for(self, seq: int) -> bytes:
        epoch = self.epoch_of(seq)
        if epoch not in self.keys:
            raise crypto.CryptoError("no key for this epoch (removed from the vault)")
        return self.keys[epoch]

    def learn(self, seq: int, data: dict) -> None:
        """Take the new epoch's key from a ``vault.rekey`` body at ``seq``, if it was sealed to us."""
        epoch = int(data["epoch"])
        self.starts[epoch] = seq + 1
        sealed = data.get("keys", {}).get(self.user)
        if sealed is not None and self.box_key is not None and epoch not in self.keys:
            self.keys[epoch] = open_sealed_key(self.vault_id, epoch, self.user, self.box_key, sealed)


def as_keyring(keys: bytes | KeyRing) -> KeyRing:
    return keys if isinstance(keys, KeyRing) else KeyRing.single(keys)
