"""What an electronic ballot row is, shared by the kiosk, the unsealing and ``jz verify``: the
HPKE suite ballots are sealed with, the framing each row's signature covers, and the
commitment the ledger keeps of each voting slip."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives import hpke

from . import crypto

SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


def sealed_message(vault_id: bytes, box: str, slot: bytes, ciphertext: bytes) -> bytes:
    return crypto.frame("jz-sealed-ballot-v1", vault_id, box, slot, ciphertext)


def held_message(vault_id: bytes, box: str, slot: bytes, ciphertext: bytes) -> bytes:
    return crypto.frame("jz-held-ballot-v1", vault_id, box, slot, ciphertext)


def ballot_info(vault_id: bytes, box: str) -> bytes:
    """HPKE info of a ballot sealed to the box key."""
    return crypto.frame("jz-ballot-v1", vault_id, box)


def held_info(vault_id: bytes, box: str) -> bytes:
    """HPKE info of a sealed ballot sealed once more to the box's hold key, until the mix."""
    return crypto.frame("jz-held-v2", vault_id, box)


def slip_commitment(token_hash: str) -> str:
    """What ``tokens.issue`` records of a slip: a hash of the hash a spend presents, so reading
    the ledger is not enough to spend a slip; only its printed secret is."""
    return hashlib.sha256(b"jz-slip-commitment-v1\x00" + bytes.fromhex(token_hash)).hexdigest()
