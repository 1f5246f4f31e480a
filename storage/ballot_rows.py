"""The framing signed for each electronic ballot row, sealed or held (shared by the kiosk and verify)."""

from __future__ import annotations

from . import crypto


def sealed_message(vault_id: bytes, box: str, slot: bytes, ciphertext: bytes) -> bytes:
    return crypto.frame("jz-sealed-ballot-v1", vault_id, box, slot, ciphertext)


def held_message(vault_id: bytes, box: str, slot: bytes, ciphertext: bytes) -> bytes:
    return crypto.frame("jz-held-ballot-v1", vault_id, box, slot, ciphertext)
