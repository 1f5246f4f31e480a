"""Shamir's secret sharing over the prime field GF(2**521 - 1).

A secret of up to 64 bytes becomes the constant term of a random polynomial of degree
k - 1; share ``x`` is the polynomial at ``x`` (x = 1..n). Any k shares give the secret
back by Lagrange interpolation at 0; k - 1 shares say nothing about it. The prime is the
Mersenne prime M521, comfortably above every 256-bit key.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence

PRIME = 2**521 - 1
SHARE_BYTES = 66  # 521 bits
SECRET_MAX_BYTES = 64


class ShamirError(ValueError):
    pass


def split(secret: bytes, k: int, n: int, randbelow: Callable[[int], int] = secrets.randbelow) -> list[tuple[int, bytes]]:
    """``n`` shares ``(x, y)`` of which any ``k`` rebuild ``secret``.

    ``randbelow`` is injectable only so that known-answer tests can fix the coefficients.
    """
    if not 1 <= k <= n <= 255:
        raise ShamirError("need 1 <= k <= n <= 255")
    if not 0 < len(secret) <= SECRET_MAX_BYTES:
        raise ShamirError("secret must be 1..64 bytes")
    # A leading 0x01 keeps leading zero bytes of the secret through the integer round trip.
    coefficients = [int.from_bytes(b"\x01" + secret, "big")] + [randbelow(PRIME) for _ in range(k - 1)]
    shares = []
    for x in range(1, n + 1):
        y = 0
        for coefficient in reversed(coefficients):  # Horner
            y = (y * x + coefficient) % PRIME
        shares.append((x, y.to_bytes(SHARE_BYTES, "big")))
    return shares


def combine(shares: Sequence[tuple[int, bytes]]) -> bytes:
    """The secret from at least k distinct shares (with fewer, the result is garbage)."""
    points = {}
    for x, y in shares:
        if not 1 <= x <= 255 or len(y) != SHARE_BYTES:
            raise ShamirError("malformed share")
        points[x] = int.from_bytes(y, "big")
    if not points:
        raise ShamirError("no shares")
    secret = 0
    for xi, yi in points.items():
        numerator, denominator = 1, 1
        for xj in points:
            if xj != xi:
                numerator = numerator * (-xj) % PRIME
                denominator = denominator * (xi - xj) % PRIME
        secret = (secret + yi * numerator * pow(denominator, -1, PRIME)) % PRIME
    raw = secret.to_bytes((secret.bit_length() + 7) // 8, "big")
    if not raw or raw[0] != 0x01:
        raise ShamirError("the shares do not rebuild a secret (too few, or not of one split)")
    return raw[1:]
