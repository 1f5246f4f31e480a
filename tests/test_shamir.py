"""Shamir's secret sharing over GF(2**521 - 1): thresholds, known answers, edge cases."""

from __future__ import annotations

import contextlib
import itertools
import random

import pytest

from storage import shamir

P = 2**521 - 1


def poly_at(coefficients: list[int], x: int) -> int:
    """The polynomial evaluated term by term (not by Horner, as the code under test does)."""
    return sum(c * pow(x, power, P) for power, c in enumerate(coefficients)) % P


def fixed(*values: int):
    """A ``randbelow`` that hands out the given coefficients in order."""
    queue = list(values)

    def randbelow(bound: int) -> int:
        assert bound == P
        return queue.pop(0)

    return randbelow


@pytest.mark.parametrize(("k", "n"), [(1, 1), (1, 3), (2, 2), (2, 3), (3, 5), (4, 6), (5, 9)])
def test_any_k_shares_rebuild_and_fewer_do_not(k, n):
    rng = random.Random(k * 100 + n)
    secret = rng.randbytes(32)
    shares = shamir.split(secret, k, n, randbelow=rng.randrange)
    assert [x for x, _ in shares] == list(range(1, n + 1))
    assert all(len(y) == shamir.SHARE_BYTES for _, y in shares)
    for subset in itertools.combinations(shares, k):
        assert shamir.combine(list(subset)) == secret
        assert shamir.combine(list(reversed(subset))) == secret  # order of the shares does not matter
    assert shamir.combine(shares) == secret  # more than k is fine too
    for subset in itertools.combinations(shares, k - 1):
        with contextlib.suppress(shamir.ShamirError):
            assert shamir.combine(list(subset)) != secret


def test_a_repeated_share_does_not_count_twice():
    rng = random.Random(3)
    secret = rng.randbytes(32)
    shares = shamir.split(secret, 3, 5, randbelow=rng.randrange)
    with contextlib.suppress(shamir.ShamirError):
        assert shamir.combine([shares[0], shares[1], shares[1]]) != secret


def test_shares_of_two_splits_do_not_mix():
    rng = random.Random(4)
    secret = rng.randbytes(32)
    first = shamir.split(secret, 2, 3, randbelow=rng.randrange)
    second = shamir.split(secret, 2, 3, randbelow=rng.randrange)
    with contextlib.suppress(shamir.ShamirError):
        assert shamir.combine([first[0], second[1]]) != secret
    assert shamir.combine([first[0], first[1]]) == shamir.combine([second[0], second[2]]) == secret


def test_known_answer_with_structured_coefficients():
    """Secret 00 00 'j' 'z'; coefficients P - 2 and 2**520 + 12345: the sums wrap around P."""
    secret = b"\x00\x00jz"
    a0 = int.from_bytes(b"\x01" + secret, "big")
    assert a0 == 0x100006A7A
    a1, a2 = P - 2, 2**520 + 12345
    shares = shamir.split(secret, 3, 5, randbelow=fixed(a1, a2))
    for x, y in shares:
        assert int.from_bytes(y, "big") == poly_at([a0, a1, a2], x)
    # computed once with the plain arithmetic above and frozen, so that a change of encoding is caught
    assert shares[1][0] == 2 and shares[1][1].hex() == (
        "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
        "000000000000000000000100012b5c")
    assert shares[4][0] == 5 and shares[4][1].hex() == (
        "010000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
        "00000000000000000000010005200d")
    assert shamir.combine([shares[0], shares[2], shares[4]]) == secret


def test_known_answer_with_seeded_coefficients():
    rng = random.Random(521)
    secret = bytes(range(32))
    shares = shamir.split(secret, 3, 5, randbelow=rng.randrange)
    coefficients = random.Random(521)
    a = [int.from_bytes(b"\x01" + secret, "big"), coefficients.randrange(P), coefficients.randrange(P)]
    assert [int.from_bytes(y, "big") for _, y in shares] == [poly_at(a, x) for x in range(1, 6)]
    assert shares[0][1].hex() == (
        "01a46f4fc208ffd6d578072c625625b7df0a59ff2549b820c8b04940c5accf98eaa0d74ac5b65cdf3815c0533ab5920256c6"
        "b181493e9691efe6eb122a0d4f7b0724")
    assert shares[4][1].hex() == (
        "0047bff142aba027b051965141c17c03a1d73ce6bbfb65b2ccadd8b03e4cc93de8d6c5b6c02ec8858e5ed65436411a39f1e7"
        "a6cf36d1a775c6eab09344402112f929")
    assert shamir.combine([shares[4], shares[0], shares[2]]) == secret


def test_k_equal_one_shares_are_the_secret_itself():
    shares = shamir.split(b"\x07", 1, 3, randbelow=fixed())
    assert {y for _, y in shares} == {(0x0107).to_bytes(shamir.SHARE_BYTES, "big")}


@pytest.mark.parametrize("secret", [b"\x00", b"\x00" * 32, b"\x00\x00\x00abc", b"\x00\xff" * 16,
                                    b"\xff" * 64, b"\x01"])
def test_leading_zero_bytes_and_extremes_survive(secret):
    rng = random.Random(len(secret))
    shares = shamir.split(secret, 3, 4, randbelow=rng.randrange)
    assert shamir.combine(shares[1:]) == secret
    assert shamir.combine(shares[:3]) == secret


@pytest.mark.parametrize(("secret", "k", "n"), [(b"", 1, 1), (b"x" * 65, 2, 3), (b"x", 0, 3), (b"x", 4, 3),
                                                 (b"x", 2, 256)])
def test_split_refuses_bad_parameters(secret, k, n):
    with pytest.raises(shamir.ShamirError):
        shamir.split(secret, k, n)


@pytest.mark.parametrize("shares", [[], [(0, b"\x00" * 66)], [(256, b"\x00" * 66)], [(1, b"\x00" * 65)]])
def test_combine_refuses_malformed_shares(shares):
    with pytest.raises(shamir.ShamirError):
        shamir.combine(shares)


def test_random_coefficients_by_default():
    secret = b"\x42" * 32
    first, second = shamir.split(secret, 2, 3), shamir.split(secret, 2, 3)
    assert first != second  # fresh coefficients each time (a collision is 1 in 2**521)
    assert shamir.combine(first[:2]) == shamir.combine(second[1:]) == secret
