"""Key slots are bound to their user and their data-key epoch (issue 20, item 3).

A slot is the data key and the user's private keys wrapped under their passphrase. Whoever
can write the file can move slots between rows or put back an old one; the installed
``jz`` must refuse such a slot at login with a clear message (never "Internal error") and
``jz verify`` must report it. Argon2id parameters have a ceiling (refused before deriving:
a slot set to t=2^31-1 must not spin a login) and a floor (below it outside a test vault
is a verify failure).
"""

from __future__ import annotations

import json
import time

import pytest
from _storage_helpers import raw, slot_rows, verify_json
from conftest import PASSPHRASES, WEAK_KDF, make_test_vault

from storage import crypto
from storage.errors import JzError
from storage.vault import Vault

TAMPERED, REFUSED = 3, 1
# every column of a slot that is not the user's identity (name, role, keys, grant)
SLOT_COLUMNS = ("kdf", "salt", "wrapped_data_key", "wrapped_signing_key", "wrapped_box_key", "key_epoch",
                "slot_seq", "slot_signature")


@pytest.fixture
def vault_file(tmp_path):
    tv = make_test_vault(tmp_path / "slots.jz")
    tv.vault.close()
    return tv.path


def slot_of(path, name: str) -> dict:
    row = slot_rows(path)[name]
    return {c: row[c] for c in SLOT_COLUMNS if c in row}


def put_slot(path, name: str, slot: dict) -> None:
    with raw(path) as conn:
        sets = ", ".join(f"{c} = ?" for c in slot)
        conn.execute(f"UPDATE users SET {sets} WHERE name = ?", (*slot.values(), name))


def reasons_for(payload: dict, reason: str) -> list[str]:
    return [p["message"] for p in payload["problems"] if p["reason"] == reason]


def refusal(result) -> str:
    assert result.returncode == REFUSED, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and not result.stderr.startswith("Internal error"), result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_swapped_slots_fail_to_open_and_are_reported(jz, vault_file):
    e1, e2 = slot_of(vault_file, "e1"), slot_of(vault_file, "e2")
    put_slot(vault_file, "e1", e2)
    put_slot(vault_file, "e2", e1)

    code, payload = verify_json(jz, vault_file)
    assert code == TAMPERED, payload
    named = reasons_for(payload, "verify_slot_signature")
    assert len(named) == 2 and any("e1" in m for m in named) and any("e2" in m for m in named), payload

    for name in ("e1", "e2"):
        message = refusal(jz("verify", vault_file, user=name))
        assert "is not" in message and name in message, message
    code, payload = verify_json(jz, vault_file, user="admin")
    assert code == TAMPERED and len(reasons_for(payload, "verify_slot_signature")) == 2


def test_a_slot_with_another_epoch_written_in_fails(jz, vault_file):
    assert jz("rekey", vault_file, user="admin").returncode == 0
    put_slot(vault_file, "e1", {"key_epoch": 1})  # e1's slot still holds the epoch-0 key
    code, payload = verify_json(jz, vault_file)
    assert code == TAMPERED and reasons_for(payload, "verify_slot_signature"), payload
    assert "e1" in refusal(jz("verify", vault_file, user="e1"))


def test_restored_old_slot_is_refused_and_reported(jz, vault_file):
    old = slot_of(vault_file, "e1")
    changed = jz("user", "passwd", vault_file, user="e1", env={"JZ_NEW_PASSPHRASE": "e1 的新口令 2026"})
    assert changed.returncode == 0, changed.stderr
    put_slot(vault_file, "e1", old)  # the old passphrase would open it again

    message = refusal(jz("verify", vault_file, user="e1"))  # e1's old passphrase
    assert "e1" in message and "older" in message, message
    code, payload = verify_json(jz, vault_file, user="admin")
    assert code == TAMPERED, payload
    assert any("e1" in m for m in reasons_for(payload, "verify_slot_old")), payload


def test_slot_of_an_earlier_epoch_is_legitimate_until_its_user_logs_in(jz, vault_file):
    """A rekey leaves every other slot on the old epoch; its owner's login moves it on."""
    assert jz("rekey", vault_file, user="admin").returncode == 0
    before = slot_of(vault_file, "e1")
    for who in (None, "admin"):
        assert verify_json(jz, vault_file, user=who)[0] == 0
    assert jz("verify", vault_file, user="e1").returncode == 0  # moves e1 to epoch 1
    assert slot_of(vault_file, "e1")["key_epoch"] == 1
    for who in (None, "admin", "e1"):
        code, payload = verify_json(jz, vault_file, user=who)
        assert code == 0, payload
    put_slot(vault_file, "e1", before)  # the pre-login slot: same passphrase, older key, still e1's
    for who in (None, "admin", "e1"):
        code, payload = verify_json(jz, vault_file, user=who)
        assert code == 0, payload


def test_a_kdf_above_the_ceiling_is_refused_before_deriving(jz, vault_file):
    put_slot(vault_file, "e1", {"kdf": json.dumps({"iterations": 2**31 - 1, "lanes": 1, "memory_kib": 64})})
    start = time.monotonic()
    message = refusal(jz("verify", vault_file, user="e1", timeout=30))
    assert time.monotonic() - start < 20
    assert "e1" in message and "Argon2id" in message, message
    chinese = jz("verify", vault_file, user="e1", env={"JZ_LANG": "zh"}, timeout=30)
    assert chinese.returncode == REFUSED and "e1" in chinese.stderr and "Argon2id" in chinese.stderr
    assert not chinese.stderr.isascii()
    code, payload = verify_json(jz, vault_file)
    assert code == TAMPERED and any("e1" in m for m in reasons_for(payload, "verify_kdf_ceiling")), payload
    # another user still logs in, and the unknown-user path does not spin on e1's parameters either
    assert jz("verify", vault_file, user="admin").returncode == TAMPERED
    nobody = jz("verify", vault_file, "--user", "nobody", env={"JZ_PASSPHRASE": "x"}, timeout=30)
    assert nobody.returncode == REFUSED


@pytest.mark.parametrize("kdf", [{"iterations": 0, "lanes": 1, "memory_kib": 64},
                                 {"iterations": 1, "lanes": 64, "memory_kib": 8},
                                 "not json"],
                         ids=["no-iterations", "memory-below-lanes", "unreadable"])
def test_unusable_kdf_parameters_are_refused_not_an_internal_error(jz, vault_file, kdf):
    put_slot(vault_file, "e1", {"kdf": kdf if isinstance(kdf, str) else json.dumps(kdf)})
    assert "e1" in refusal(jz("verify", vault_file, user="e1"))
    code, payload = verify_json(jz, vault_file)
    assert code == TAMPERED and any("e1" in m for m in reasons_for(payload, "verify_kdf_ceiling")), payload
    assert jz("user", "list", vault_file).returncode == 0


def test_test_vaults_may_be_weak_production_vaults_may_not(jz, tmp_path, vault_file):
    code, payload = verify_json(jz, vault_file, user="admin")  # made by the fixture, weak on purpose
    assert code == 0 and payload["warnings"] == [] and payload["problems"] == [], payload

    vault, admin = Vault.create(tmp_path / "real.jz", "s", "admin", "admin-pass")  # production floor
    with pytest.raises(JzError) as refused:
        vault.add_user(admin, "weak", "clerk", "weak-pass", kdf=WEAK_KDF)
    assert refused.value.key == "kdf_below_floor"
    vault.close()
    weak = crypto.canonical_json(WEAK_KDF.to_dict()).decode()
    put_slot(tmp_path / "real.jz", "admin", {"kdf": weak})
    code, payload = verify_json(jz, tmp_path / "real.jz")
    assert code == TAMPERED and any("admin" in m for m in reasons_for(payload, "verify_weak_slot")), payload

    # the floor is in the signed header: a file writer cannot lower it
    with raw(vault_file) as conn:
        conn.execute("UPDATE header SET value = ? WHERE key = 'kdf_floor'",
                     (crypto.canonical_json({"iterations": 1, "lanes": 1, "memory_kib": 8}).decode(),))
    code, payload = verify_json(jz, vault_file)
    assert code == TAMPERED and {p["reason"] for p in payload["problems"]} >= {"verify_header"}, payload


def test_a_slot_wiped_without_a_rekey_is_reported(jz, vault_file):
    put_slot(vault_file, "e2", {"wrapped_data_key": b"", "wrapped_signing_key": b"", "wrapped_box_key": b""})
    assert "removed" in refusal(jz("verify", vault_file, user="e2"))
    code, payload = verify_json(jz, vault_file, user="admin")
    assert code == TAMPERED and any("e2" in m for m in reasons_for(payload, "verify_slot_wiped")), payload


def test_a_slot_its_user_signed_for_another_event_or_epoch_is_reported(jz, vault_file):
    """The user's own key can sign anything: the statement must still name their own event and a
    possible epoch."""
    from dataclasses import replace

    vault = Vault.open(vault_file)
    try:
        e1 = vault.unlock("e1", PASSPHRASES["e1"])
        slot = vault.slots()["e1"]
        cases = {
            "verify_slot_seq": replace(slot, slot_seq=1).signed(vault.vault_id, "e1", 1, e1.signing_key),
            "verify_slot_epoch": replace(slot, key_epoch=5).signed(vault.vault_id, "e1", slot.slot_seq,
                                                                    e1.signing_key),
        }
    finally:
        vault.close()
    for reason, forged in cases.items():
        put_slot(vault_file, "e1", {"slot_seq": forged.slot_seq, "key_epoch": forged.key_epoch,
                                    "slot_signature": forged.signature})
        code, payload = verify_json(jz, vault_file)
        assert code == TAMPERED and any("e1" in m for m in reasons_for(payload, reason)), (reason, payload)


def test_a_removed_users_slot_put_back_is_reported(jz, vault_file):
    before = slot_of(vault_file, "e2")
    removed = jz("rekey", vault_file, "--remove", "e2", user="admin")
    assert removed.returncode == 0, removed.stderr
    put_slot(vault_file, "e2", before)
    code, payload = verify_json(jz, vault_file, user="admin")
    assert code == TAMPERED and any("e2" in m for m in reasons_for(payload, "verify_slot_of_removed")), payload
