"""The interview order from a revealed seed: anyone can recompute it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def seed_hash(seed_hex: str) -> str:
    return hashlib.sha256(bytes.fromhex(seed_hex)).hexdigest()


def order_from_seed(seed_hex: str, codes: Iterable[str]) -> list[str]:
    seed = bytes.fromhex(seed_hex)
    return sorted(codes, key=lambda code: (hashlib.sha256(seed + code.encode("utf-8")).digest(), code))
