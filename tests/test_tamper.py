"""Tamper matrix: an attacker with write access edits the vault file with plain sqlite3.

Every case is checked by the installed ``jz verify VAULT --json`` in its own process:
exit 3, and the problem is reported at the seq that was touched (a key slot's problem at
no seq, naming its user). The append-only triggers are dropped first, as an attacker would.
"""

from __future__ import annotations

import json

import pytest
from _storage_helpers import (
    NEUTRAL_KIND,
    flip,
    forge_append,
    insert_user_like,
    neutral,
    new_key_signer,
    problem_reasons,
    problem_seqs,
    raw,
    rechain_from,
    row,
    slot_rows,
    verify_json,
)
from conftest import PASSPHRASES, WEAK_KDF, make_test_vault

from storage.vault import Vault, grant_message

TAMPERED = 3

# seq 1 is vault.init, 2..8 add the seven users of the test vault; then, by several actors:
TAIL = ["admin", "clerk", "e1", "scorer", "admin", "admin"]  # 9..14
HEAD = 14
MIDDLE = 11


@pytest.fixture
def vault_file(tmp_path):
    tv = make_test_vault(tmp_path / "hall.jz")
    identities = {"admin": tv.admin}
    for actor in TAIL:
        if actor not in identities:
            identities[actor] = tv.identity(actor)
        tv.vault.append(identities[actor], NEUTRAL_KIND, neutral(actor))
    assert tv.vault.head()[0] == HEAD
    tv.vault.close()
    return tv.path


def identity(path, name):
    vault = Vault.open(path)
    try:
        return vault.unlock(name, PASSPHRASES[name])
    finally:
        vault.close()


def test_untouched_vault_verifies(jz, vault_file):
    code, payload = verify_json(jz, vault_file)
    assert code == 0 and payload["ok"] and payload["problems"] == []
    assert payload["head_seq"] == HEAD
    code, payload = verify_json(jz, vault_file, user="admin")
    assert code == 0 and payload["contents_checked"] is True


# ---------------------------------------------------------------------- one byte


@pytest.mark.parametrize("index", [0, -1], ids=["nonce", "tag"])
def test_flipped_body_byte_is_caught_without_passphrase(jz, vault_file, index):
    with raw(vault_file) as conn:
        event = row(conn, MIDDLE)
        conn.execute("UPDATE ledger SET body = ? WHERE seq = ?", (flip(event.body, index), MIDDLE))
    code, payload = verify_json(jz, vault_file)
    assert code == TAMPERED and payload["ok"] is False
    assert problem_reasons(payload) == {MIDDLE: {"verify_hash"}}


def test_flipped_body_byte_is_caught_with_passphrase_too(jz, vault_file):
    with raw(vault_file) as conn:
        event = row(conn, MIDDLE)
        conn.execute("UPDATE ledger SET body = ? WHERE seq = ?", (flip(event.body, 20), MIDDLE))
    code, payload = verify_json(jz, vault_file, user="admin")
    assert code == TAMPERED
    assert problem_reasons(payload) == {MIDDLE: {"verify_hash", "verify_decrypt"}}


def test_flipped_hash_byte(jz, vault_file):
    with raw(vault_file) as conn:
        event = row(conn, MIDDLE)
        conn.execute("UPDATE ledger SET hash = ? WHERE seq = ?", (flip(event.hash, 5), MIDDLE))
    code, payload = verify_json(jz, vault_file)
    assert code == TAMPERED
    reasons = problem_reasons(payload)
    assert min(s for s in reasons if s is not None) == MIDDLE
    assert {"verify_hash", "verify_signature"} <= reasons[MIDDLE]
    # the next event still points at the true hash, so the link breaks there too
    assert reasons[MIDDLE + 1] == {"verify_prev_hash"}
    assert set(reasons) == {MIDDLE, MIDDLE + 1}


def test_flipped_prev_hash_byte(jz, vault_file):
    with raw(vault_file) as conn:
        event = row(conn, MIDDLE)
        conn.execute("UPDATE ledger SET prev_hash = ? WHERE seq = ?", (flip(event.prev_hash, 0), MIDDLE))
    code, payload = verify_json(jz, vault_file)
    assert code == TAMPERED
    assert problem_reasons(payload) == {MIDDLE: {"verify_prev_hash", "verify_hash"}}


def test_flipped_signature_byte(jz, vault_file):
    with raw(vault_file) as conn:
        event = row(conn, MIDDLE)
        conn.execute("UPDATE ledger SET signature = ? WHERE seq = ?", (flip(event.signature, 7), MIDDLE))
    code, payload = verify_json(jz, vault_file)
    assert code == TAMPERED
    assert problem_reasons(payload) == {MIDDLE: {"verify_signature"}}


def test_changed_actor_column(jz, vault_file):
    """Re-attributing an event to another user breaks its hash and its signature."""
    with raw(vault_file) as conn:
        conn.execute("UPDATE ledger SET actor = 'e2' WHERE seq = ?", (MIDDLE,))
    code, payload = verify_json(jz, vault_file)
    assert code == TAMPERED
    assert {"verify_hash", "verify_signature"} <= problem_reasons(payload)[MIDDLE]
    assert problem_seqs(payload) == {MIDDLE}


# ---------------------------------------------------------------------- whole events


def test_deleted_middle_event(jz, vault_file):
    with raw(vault_file) as conn:
        conn.execute("DELETE FROM ledger WHERE seq = ?", (MIDDLE,))
    code, payload = verify_json(jz, vault_file)
    assert code == TAMPERED
    assert problem_reasons(payload) == {MIDDLE: {"verify_missing"}}
    assert payload["events"] == HEAD - 1


def test_swapped_bodies(jz, vault_file):
    with raw(vault_file) as conn:
        a, b = row(conn, 10), row(conn, MIDDLE)
        conn.execute("UPDATE ledger SET body = ? WHERE seq = ?", (b.body, 10))
        conn.execute("UPDATE ledger SET body = ? WHERE seq = ?", (a.body, MIDDLE))
    code, payload = verify_json(jz, vault_file)
    assert code == TAMPERED
    assert problem_reasons(payload) == {10: {"verify_hash"}, MIDDLE: {"verify_hash"}}


def test_swapped_rows_keep_their_hashes_but_not_their_chain(jz, vault_file):
    """Moving whole rows (every column but seq) between two positions."""
    with raw(vault_file) as conn:
        a, b = row(conn, 13), row(conn, 14)
        for target, source in ((13, b), (14, a)):
            conn.execute(
                "UPDATE ledger SET kind=?, actor=?, prev_hash=?, hash=?, signature=?, body=? WHERE seq=?",
                (source.kind, source.actor, source.prev_hash, source.hash, source.signature, source.body, target),
            )
    code, payload = verify_json(jz, vault_file)
    assert code == TAMPERED
    assert min(problem_seqs(payload)) == 13
    assert problem_seqs(payload) == {13, 14}


# ---------------------------------------------------------------------- forged events


@pytest.mark.parametrize(
    ("forger", "kind", "data"),
    [
        ("e1", "user.add", {"name": "e1", "role": "admin", "public_key": "00" * 32}),
        ("e1", "sheet.confirm", {"candidate": "A-01", "examiner": "e1"}),
        ("sup", "ranking.rewrite", {"anything": True}),  # a kind no role may emit
    ],
    ids=["examiner-user-add", "examiner-confirms-own", "unknown-kind"],
)
def test_event_signed_by_a_key_without_authority(jz, vault_file, forger, kind, data):
    signer = identity(vault_file, forger)
    with raw(vault_file) as conn:
        seq = forge_append(conn, kind, forger, data, signer.sign, signer.data_key)
    assert seq == HEAD + 1
    code, payload = verify_json(jz, vault_file)
    assert code == TAMPERED
    assert problem_reasons(payload) == {seq: {"verify_authority"}}


def test_examiner_user_add_also_fails_content_check(jz, vault_file):
    signer = identity(vault_file, "e1")
    with raw(vault_file) as conn:
        seq = forge_append(
            conn, "user.add", "e1", {"name": "mallory", "role": "admin", "public_key": "00" * 32},
            signer.sign, signer.data_key,
        )
    code, payload = verify_json(jz, vault_file, user="admin")
    assert code == TAMPERED
    assert problem_reasons(payload) == {seq: {"verify_authority", "verify_user_mismatch"}}


@pytest.mark.parametrize(
    ("kind", "plaintext"),
    [
        ("sheet.submit", b"[1, 2]"),
        ("sheet.submit", b'{"data": {"total": "85.50"}}'),
        ("sheet.submit", b'{"at": "2026-01-01T00:00:00", "data": ["not", "a", "dict"]}'),
        ("user.add", b'{"at": "2026-01-01T00:00:00", "data": "e1"}'),
    ],
    ids=["list", "no-at", "data-list", "user-add-data-string"],
)
def test_insider_sealed_malformed_body_is_reported_not_crashed(jz, vault_file, kind, plaintext):
    """An examiner holds the data key and may seal anything: verify must report it, not crash."""
    signer = identity(vault_file, "e1")
    with raw(vault_file) as conn:
        seq = forge_append(conn, kind, "e1", {}, signer.sign, signer.data_key, plaintext=plaintext)
    code, payload = verify_json(jz, vault_file, user="admin")
    assert code == TAMPERED, payload
    reasons = problem_reasons(payload)
    assert set(reasons) == {seq}
    assert "verify_decrypt" in reasons[seq]


def test_event_by_an_actor_not_in_the_users_table(jz, vault_file):
    sign, _ = new_key_signer()
    data_key = identity(vault_file, "admin").data_key  # even a leaked data key does not help
    with raw(vault_file) as conn:
        seq = forge_append(conn, "config.set", "mallory", {"key": "weights", "value": "9:0:1"}, sign, data_key)
    code, payload = verify_json(jz, vault_file)
    assert code == TAMPERED
    assert problem_reasons(payload) == {seq: {"verify_unknown_actor"}}


def test_event_claiming_the_admin_but_signed_by_another_key(jz, vault_file):
    sign, _ = new_key_signer()
    data_key = identity(vault_file, "admin").data_key
    with raw(vault_file) as conn:
        seq = forge_append(conn, "config.set", "admin", {"key": "weights", "value": "9:0:1"}, sign, data_key)
    code, payload = verify_json(jz, vault_file)
    assert code == TAMPERED
    assert problem_reasons(payload) == {seq: {"verify_signature"}}


def test_forged_user_row_with_self_made_grant(jz, vault_file):
    """Inserting a users row for one's own key, with a self-made grant, is caught."""
    sign, public = new_key_signer()
    data_key = identity(vault_file, "admin").data_key
    with raw(vault_file) as conn:
        seq = forge_append(
            conn, "user.add", "mallory", {"name": "mallory", "role": "admin", "public_key": public.hex()},
            sign, data_key,
        )
        insert_user_like(
            conn, "admin", name="mallory", role="admin", public_key=public, added_seq=seq, granted_by="admin",
            grant_signature=sign(b"not the admin's grant"),
        )
    code, payload = verify_json(jz, vault_file)
    assert code == TAMPERED
    assert problem_reasons(payload) == {None: {"verify_grant"}, seq: {"verify_not_yet_user"}}


# ---------------------------------------------------------------------- key slots (the users table)

# added_seq of users of the test vault who emit nothing in TAIL, so that a broken slot shows
# only as itself and not also as an unknown or unsigned actor
SILENT = {"sup": 4, "e2": 6, "t1": 7}


def messages(payload: dict, reason: str) -> list[str]:
    return [p["message"] for p in payload["problems"] if p["reason"] == reason]


def grant_signed_by(signer, vault_file, name: str, role: str, public_key: bytes, box_public_key: bytes,
                    added_seq: int) -> bytes:
    """A genuine grant signature: what an admin who went behind the ledger could make."""
    vault = Vault.open(vault_file)
    try:
        return signer.sign(grant_message(vault.vault_id, name, role, public_key, box_public_key, added_seq))
    finally:
        vault.close()


def test_deleted_user_row_is_caught_and_named_with_a_passphrase(jz, vault_file):
    with raw(vault_file) as conn:
        conn.execute("DELETE FROM users WHERE name = 'e2'")
    code, payload = verify_json(jz, vault_file)
    assert code == TAMPERED, "the user.add event at seq 6 has no key slot any more"
    assert problem_reasons(payload) == {SILENT["e2"]: {"verify_grant_without_slot"}}
    code, payload = verify_json(jz, vault_file, user="admin")
    assert code == TAMPERED
    assert problem_reasons(payload) == {SILENT["e2"]: {"verify_grant_without_slot", "verify_slot_missing"}}
    assert messages(payload, "verify_slot_missing") == ["User “e2” was granted but has no key slot (deleted)."]


def test_deleted_row_of_the_header_admin_is_named_without_a_passphrase(jz, vault_file):
    with raw(vault_file) as conn:
        conn.execute("DELETE FROM users WHERE name = 'admin'")
    code, payload = verify_json(jz, vault_file)
    assert code == TAMPERED
    reasons = problem_reasons(payload)
    assert reasons[1] == {"verify_slot_missing", "verify_unknown_actor"}
    assert messages(payload, "verify_slot_missing") == ["User “admin” was granted but has no key slot (deleted)."]
    # every other grant was signed by the admin who is gone
    assert len(messages(payload, "verify_grant")) == 7


@pytest.mark.parametrize(
    ("victim", "column", "value_of"),
    [
        ("e2", "public_key", lambda rows: rows["e1"]["public_key"]),
        ("e2", "box_public_key", lambda rows: rows["e1"]["box_public_key"]),
        ("t1", "box_public_key", lambda rows: flip(rows["t1"]["box_public_key"], 3)),
        ("sup", "role", lambda rows: "admin"),
    ],
    ids=["public-key-of-another-user", "box-key-of-another-user", "box-key-altered", "role-changed"],
)
def test_altered_key_slot_fails_its_grant(jz, vault_file, victim, column, value_of):
    with raw(vault_file) as conn:
        value = value_of(slot_rows(conn))
        conn.execute(f"UPDATE users SET {column} = ? WHERE name = ?", (value, victim))
    code, payload = verify_json(jz, vault_file)
    assert code == TAMPERED
    assert problem_reasons(payload) == {None: {"verify_grant"}}
    assert victim in messages(payload, "verify_grant")[0]
    code, payload = verify_json(jz, vault_file, user="admin")
    assert code == TAMPERED
    assert problem_reasons(payload) == {None: {"verify_grant"}, SILENT[victim]: {"verify_user_mismatch"}}


@pytest.mark.parametrize(
    ("added_seq", "reason"),
    [(9, "verify_slot_without_grant"), (HEAD + 1, "verify_slot_without_grant"), (SILENT["e2"], "verify_slot_duplicate")],
    ids=["points-at-another-kind", "points-past-the-head", "claims-e2s-grant"],
)
def test_extra_slot_validly_signed_by_the_admin_is_caught(jz, vault_file, added_seq, reason):
    """The admin signs a grant behind the ledger's back: the signature holds, the grant event does not."""
    admin = identity(vault_file, "admin")
    _, public = new_key_signer()
    _, box_public = new_key_signer()
    grant = grant_signed_by(admin, vault_file, "ghost", "examiner", public, box_public, added_seq)
    with raw(vault_file) as conn:
        insert_user_like(conn, "e2", name="ghost", role="examiner", public_key=public, box_public_key=box_public,
                         added_seq=added_seq, granted_by="admin", grant_signature=grant)
    code, payload = verify_json(jz, vault_file)
    assert code == TAMPERED
    assert problem_reasons(payload) == {None: {reason}}
    named = messages(payload, reason)
    if reason == "verify_slot_duplicate":  # which of the two is genuine only the sealed body says
        assert sorted(named) == [
            f"The key slot of user “{name}” claims the same grant (event 6) as another key slot."
            for name in ("e2", "ghost")
        ]
    else:
        assert named == ["The key slot of user “ghost” has no grant event in the ledger (inserted)."]


def test_slot_claiming_another_granter_than_its_event_is_caught(tmp_path, jz):
    """A second admin re-signs a slot the first admin granted, as if it had been theirs."""
    tv = make_test_vault(tmp_path / "two-admins.jz", users=False)
    boss = tv.vault.add_user(tv.admin, "boss", "admin", "boss-pass", kdf=WEAK_KDF)
    late = tv.vault.add_user(tv.admin, "late", "clerk", "late-pass", kdf=WEAK_KDF)
    boss_identity = tv.vault.unlock("boss", "boss-pass")
    tv.vault.close()
    assert boss.added_seq < late.added_seq
    grant = grant_signed_by(boss_identity, tv.path, "late", "clerk", late.public_key, late.box_public_key,
                            late.added_seq)
    with raw(tv.path) as conn:
        conn.execute("UPDATE users SET granted_by = 'boss', grant_signature = ? WHERE name = 'late'", (grant,))
    code, payload = verify_json(jz, tv.path)
    assert code == TAMPERED, "the user.add event of late was emitted by admin, not boss"
    assert problem_reasons(payload) == {None: {"verify_grant"}}
    assert "late" in messages(payload, "verify_grant")[0]


def test_tampered_header(jz, vault_file):
    with raw(vault_file) as conn:
        conn.execute("UPDATE header SET value = 'another session' WHERE key = 'session_name'")
    code, payload = verify_json(jz, vault_file)
    assert code == TAMPERED
    assert problem_reasons(payload) == {None: {"verify_header"}}


# ---------------------------------------------------------------------- truncation and checkpoints


@pytest.fixture
def checkpoint(jz, vault_file, tmp_path):
    path = tmp_path / "head.checkpoint"
    result = jz("verify", vault_file, "--write-checkpoint", path, user="admin")
    assert result.returncode == 0, result.stderr
    assert json.loads(path.read_text(encoding="utf-8"))["seq"] == HEAD
    return path


def test_truncated_tail_passes_without_checkpoint_fails_with_it(jz, vault_file, checkpoint):
    code, payload = verify_json(jz, vault_file, "--checkpoint", checkpoint)
    assert code == 0 and payload["ok"], "the untouched vault matches its checkpoint"
    with raw(vault_file) as conn:
        conn.execute("DELETE FROM ledger WHERE seq > ?", (HEAD - 2,))
    code, payload = verify_json(jz, vault_file)
    assert code == 0 and payload["ok"], "a clean cut is invisible without a checkpoint"
    assert payload["head_seq"] == HEAD - 2
    code, payload = verify_json(jz, vault_file, "--checkpoint", checkpoint)
    assert code == TAMPERED
    assert problem_reasons(payload) == {HEAD - 1: {"verify_truncated"}}


def test_rewritten_tail_is_caught_by_checkpoint(jz, vault_file, checkpoint):
    """Cut the tail and append different, validly signed admin events in its place."""
    admin = identity(vault_file, "admin")
    with raw(vault_file) as conn:
        conn.execute("DELETE FROM ledger WHERE seq > ?", (HEAD - 2,))
        for _ in range(2):
            forge_append(conn, NEUTRAL_KIND, "admin", neutral("admin"), admin.sign, admin.data_key)
    code, payload = verify_json(jz, vault_file, user="admin")
    assert code == 0, "the rewritten ledger is internally consistent"
    code, payload = verify_json(jz, vault_file, "--checkpoint", checkpoint)
    assert code == TAMPERED
    assert problem_reasons(payload) == {HEAD: {"verify_checkpoint_mismatch"}}


def test_edited_checkpoint_is_refused(jz, vault_file, tmp_path):
    """A checkpoint (here a supervisor's) edited after writing is refused, not trusted."""

    path = tmp_path / "cp.json"
    assert jz("verify", vault_file, "--write-checkpoint", path, user="sup").returncode == 0
    data = json.loads(path.read_text(encoding="utf-8"))
    data["seq"] = HEAD + 5
    path.write_text(json.dumps(data), encoding="utf-8")
    code, payload = verify_json(jz, vault_file, "--checkpoint", path)
    assert code == TAMPERED
    assert problem_reasons(payload) == {None: {"verify_checkpoint_signature"}}


# ---------------------------------------------------------------------- bodies moved, chain rebuilt


@pytest.mark.parametrize("how", ["body-from-other-seq", "kind-changed"])
def test_rechained_body_under_wrong_aad_is_caught_only_by_contents(jz, vault_file, how):
    """An attacker holding the admin key moves a body (or relabels its kind) and re-signs.

    Hashes and signatures are all valid again, so only opening the body shows that its
    AAD (vault id, seq, kind) is not the one it was sealed under.
    """
    admin = identity(vault_file, "admin")
    target = HEAD  # 13 and 14 are both the admin's
    with raw(vault_file) as conn:
        if how == "body-from-other-seq":
            conn.execute("UPDATE ledger SET body = ? WHERE seq = ?", (row(conn, 13).body, target))
        else:
            conn.execute("UPDATE ledger SET kind = 'decision.record' WHERE seq = ?", (target,))
        rechain_from(conn, target, {"admin": admin})
    code, payload = verify_json(jz, vault_file)
    assert code == 0 and payload["ok"], payload["problems"]
    code, payload = verify_json(jz, vault_file, user="admin")
    assert code == TAMPERED
    assert problem_reasons(payload) == {target: {"verify_decrypt"}}


def test_rechained_middle_body_is_caught_by_contents(jz, vault_file):
    """Same, in the middle of the ledger: everything after it is re-chained too."""
    signers = {name: identity(vault_file, name) for name in ("admin", "e1", "scorer")}
    with raw(vault_file) as conn:
        conn.execute("UPDATE ledger SET body = ? WHERE seq = ?", (row(conn, 9).body, 13))
        rechain_from(conn, 13, signers)
    assert verify_json(jz, vault_file)[0] == 0
    code, payload = verify_json(jz, vault_file, user="admin")
    assert code == TAMPERED
    assert problem_reasons(payload) == {13: {"verify_decrypt"}}
