"""Property tests (hypothesis) of canonical JSON and of the key slots."""

from __future__ import annotations

import json
import random
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from _storage_helpers import IDENTITY_COLUMNS, WRAPPING_COLUMNS, slot_rows
from conftest import WEAK_KDF
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from storage import crypto, ledger
from storage.crypto import canonical_json, parse_canonical
from storage.errors import AuthError, JzError
from storage.vault import Vault
from storage.verify import verify

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
JSONISH = settings(max_examples=50, deadline=None)

# text including CJK, emoji and control characters (surrogates cannot be UTF-8 at all)
text = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)),  # CJK
    st.text(alphabet=st.sampled_from("王建国竞争上岗😀🧮\x00\x01\x1f\x7f\u2028\u2029\"\\/\n\t")),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=-(2**70), max_value=2**70), text)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=5), st.dictionaries(text, children, max_size=5)),
    max_leaves=25,
)


def shuffled(value, rng: random.Random):
    """The same value with every dict rebuilt in a random insertion order."""
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {key: shuffled(item, rng) for key, item in items}
    if isinstance(value, list):
        return [shuffled(item, rng) for item in value]
    return value


def same_types(a, b) -> bool:
    """Equal, and equal in kind too (True is not 1 here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_types(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_types(x, y) for x, y in zip(a, b, strict=True))
    return a == b


# ---------------------------------------------------------------------- canonical JSON


@JSONISH
@given(json_values)
def test_canonical_round_trip(value):
    encoded = canonical_json(value)
    assert isinstance(encoded, bytes)
    decoded = parse_canonical(encoded)
    assert same_types(decoded, value)
    assert canonical_json(decoded) == encoded  # a fixed point


def same_order(a, b) -> bool:
    """Equal, and every dict's keys in the same order."""
    if isinstance(a, dict):
        return list(a) == list(b) and all(same_order(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_order(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@JSONISH
@given(json_values, st.randoms(use_true_random=False))
def test_canonical_form_is_what_a_reader_decodes(value, rng):
    # append returns canonical_form(data) instead of decoding its own plaintext: the writer
    # must see exactly what every reader folds, down to the order of the keys
    form = crypto.canonical_form(shuffled(value, rng))
    decoded = parse_canonical(canonical_json(value))
    assert same_types(form, decoded)
    assert same_order(form, decoded)


@JSONISH
@given(st.lists(st.one_of(st.binary(max_size=40), text, st.integers(min_value=-(2**63), max_value=2**63 - 1)),
                max_size=8))
def test_frame_is_length_prefixed_concatenation(parts):
    import struct

    expected = b""
    for part in parts:
        raw = struct.pack(">q", part) if isinstance(part, int) else part.encode() if isinstance(part, str) else part
        expected += struct.pack(">I", len(raw)) + raw
    assert crypto.frame(*parts) == expected


def test_framed_heads_are_the_full_frames():
    vault_id = bytes(range(16))
    assert ledger.body_aad(vault_id, 7, "sheet.submit") == crypto.frame("jz-body", vault_id, 7, "sheet.submit")
    assert ledger.event_hash(vault_id, 7, "k", "a", b"p" * 32, b"body") == crypto.sha256(
        crypto.frame(ledger.HASH_DOMAIN, vault_id, 7, "k", "a", b"p" * 32, b"body"))


def test_now_iso_is_isoformat_to_the_millisecond():
    from datetime import UTC, datetime, timedelta

    before = datetime.now(UTC)
    stamp = ledger.now_iso()
    after = datetime.now(UTC)
    parsed = datetime.fromisoformat(stamp)
    assert parsed.isoformat(timespec="milliseconds") == stamp
    assert before - timedelta(milliseconds=1) <= parsed <= after


@settings(max_examples=40, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.binary(max_size=200), st.integers(min_value=0, max_value=511))
def test_libsodium_signatures_are_openssls(seed, message, flip):
    # Ed25519 is deterministic (RFC 8032): the fast signer must agree with OpenSSL byte for
    # byte, and both must agree on what verifies
    key = crypto.signing_key_from_bytes(seed)
    signature = crypto.Signer(key).sign(message)
    assert signature == key.sign(message)
    public = crypto.public_bytes(key)
    assert crypto.verify_signature(public, signature, message)
    tampered = bytearray(signature)
    tampered[flip % 64] ^= 1 << (flip % 8)
    assert not crypto.verify_signature(public, bytes(tampered), message)
    assert not crypto.verify_signature(public, signature, message + b"x")
    assert not crypto.verify_signature(public[:31], signature, message)
    assert not crypto.verify_signature(public, signature[:63], message)


@JSONISH
@given(json_values)
def test_canonical_form_is_compact_sorted_utf8(value):
    encoded = canonical_json(value)
    assert encoded == json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    encoded.decode("utf-8")  # strictly valid UTF-8


@JSONISH
@given(json_values, st.randoms(use_true_random=False))
def test_canonical_ignores_dict_insertion_order(value, rng):
    assert canonical_json(shuffled(value, rng)) == canonical_json(value)


@JSONISH
@given(st.dictionaries(text, scalars, min_size=2, max_size=8), st.randoms(use_true_random=False))
def test_canonical_keys_sorted_by_code_point(value, rng):
    decoded_keys = list(json.loads(canonical_json(shuffled(value, rng))).keys())
    assert decoded_keys == sorted(value)


def _with_leaf(value, leaf, rng: random.Random):
    """``value`` with ``leaf`` put somewhere inside (or instead of it)."""
    if isinstance(value, list) and value and rng.random() < 0.7:
        index = rng.randrange(len(value))
        return value[:index] + [_with_leaf(value[index], leaf, rng)] + value[index + 1 :]
    if isinstance(value, dict) and value and rng.random() < 0.7:
        key = rng.choice(list(value))
        return {**value, key: _with_leaf(value[key], leaf, rng)}
    return [value, leaf] if rng.random() < 0.5 else {"x": value, "leaf": leaf}


@JSONISH
@given(json_values, st.floats(), st.randoms(use_true_random=False))
def test_canonical_refuses_floats_anywhere(value, number, rng):
    with pytest.raises(TypeError):
        canonical_json(_with_leaf(value, number, rng))


@JSONISH
@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_decimal_becomes_its_string(number):
    assert parse_canonical(canonical_json(number)) == str(number)
    assert parse_canonical(canonical_json({"score": number})) == {"score": str(number)}
    assert Decimal(parse_canonical(canonical_json([number]))[0]) == number


@pytest.mark.parametrize("number", ["84.63", "1.10", "0.00", "100", "-0.5", "1E+2"])
def test_decimal_keeps_its_exact_digits(number):
    assert canonical_json({"s": Decimal(number)}) == ('{"s":"%s"}' % number).encode()


@pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), Decimal("sNaN")])
def test_non_finite_decimals_refused(bad):
    with pytest.raises(TypeError):
        canonical_json({"score": bad})


@JSONISH
@given(st.one_of(st.integers(), st.none(), st.booleans(), st.tuples(st.integers())), json_values)
def test_non_string_keys_refused(key, item):
    with pytest.raises(TypeError):
        canonical_json({key: item})


@pytest.mark.parametrize("bad", [b"x", {1, 2}, object(), 1j, bytearray(b"x")])
def test_other_types_refused(bad):
    with pytest.raises(TypeError):
        canonical_json({"v": [bad]})


# ---------------------------------------------------------------------- key slots

passphrases = st.text(min_size=1, max_size=40)


def _new_vault(directory: str, admin_passphrase: str = "admin-pass") -> tuple[Vault, object]:
    return Vault.create(Path(directory) / "v.jz", "属性测试", "admin", admin_passphrase, kdf=WEAK_KDF)


def _slot_rows(vault: Vault) -> dict[str, dict]:
    return slot_rows(vault.conn)


@FAST
@given(passphrases, passphrases)
def test_slot_opens_with_its_passphrase_only(right, wrong):
    assume(right != wrong)
    with tempfile.TemporaryDirectory() as directory:
        vault, admin = _new_vault(directory, right)
        try:
            vault.add_user(admin, "e1", "examiner", right, kdf=WEAK_KDF)
            for name in ("admin", "e1"):
                identity = vault.unlock(name, right)
                assert identity.data_key == admin.data_key
                assert identity.public_key == vault.user(name).public_key
                with pytest.raises(AuthError) as refused:
                    vault.unlock(name, wrong)
                assert refused.value.key == "passphrase_wrong"
                assert refused.value.params == {"user": name}  # no passphrase in the error
        finally:
            vault.close()


@FAST
@given(old=passphrases, new=passphrases, who=st.sampled_from(["admin", "e1", "t1"]))
def test_change_passphrase_rewraps_only_that_slot(old, new, who):
    assume(old != new)
    with tempfile.TemporaryDirectory() as directory:
        vault, admin = _new_vault(directory, old if who == "admin" else "admin-pass")
        try:
            others = {"e1": "examiner", "t1": "tally", "sup": "supervisor"}
            for name, role in others.items():
                vault.add_user(admin, name, role, old if name == who else f"{name}-pass", kdf=WEAK_KDF)
            me = vault.unlock(who, old)
            before = _slot_rows(vault)
            head_before = vault.head()[0]

            vault.change_passphrase(me, new, kdf=WEAK_KDF)

            after = _slot_rows(vault)
            assert set(after) == set(before)
            for name in before:
                if name != who:
                    assert after[name] == before[name], f"{name}'s slot changed"
            # who they are stays; every wrapping of their keys is new
            for column in IDENTITY_COLUMNS:
                assert after[who][column] == before[who][column], column
            for column in WRAPPING_COLUMNS:
                assert after[who][column] != before[who][column], column
            with pytest.raises(AuthError):
                vault.unlock(who, old)
            renewed = vault.unlock(who, new)
            assert renewed.data_key == me.data_key == admin.data_key
            assert renewed.public_key == me.public_key
            assert vault.head()[0] == head_before + 1
            records = list(vault.records(admin.data_key, after_seq=head_before))
            new_slot = vault.slots()[who].generation.hex()  # the body names the slot it wrote
            assert [(r.kind, r.actor, r.data) for r in records] == [("user.passwd", who, {"name": who, "slot": new_slot})]
            assert verify(vault, admin.data_key).ok
        finally:
            vault.close()


@FAST
@given(st.text(min_size=1, max_size=20))
def test_refused_change_leaves_the_slot_alone(old):
    with tempfile.TemporaryDirectory() as directory:
        vault, admin = _new_vault(directory, old)
        try:
            before = _slot_rows(vault)
            with pytest.raises(JzError):
                vault.change_passphrase(admin, "", kdf=WEAK_KDF)
            assert _slot_rows(vault) == before
            assert vault.head()[0] == 1
            vault.unlock("admin", old)
        finally:
            vault.close()

