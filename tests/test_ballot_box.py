"""The electronic box, recountable by anyone (issue 19).

Each attack of the issue, written as the insider would (a tally officer with their own
passphrase and write access to the file: an event appended through ``Vault.append`` without
a judge, or a row put in with plain sqlite3), then the installed ``jz box unseal``, ``jz
verify`` and what ``jz ranking`` and ``jz tally show`` count:

1. one tally officer unseals alone, or an officer of another box does;
2. ballots stuffed into ``sealed_ballots``; a slip spent with what ``tokens.issue`` holds;
3. the casting order left in the file or its WAL after the unsealing, a board reading all along;
4. a recount of a disclosed box with sqlite3 and cryptography only, against the signed record.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections import Counter

import pytest
from _insider_helpers import as_role
from _session_helpers import EXTRA_PASSPHRASE, Hall, file_bytes
from _storage_helpers import problem_reasons, problem_seqs, verify_json
from test_ballot_order import wal_transactions
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from jz_tui.services import ballots, pending
from jz_tui.services.session import Session
from storage.ballot_rows import ballot_info, held_message, sealed_message, slip_commitment
from storage.errors import JzError
from storage.vault import Vault
from tests.conftest import PASSPHRASES

TAMPERED = 3
REFUSED = 1
MARKS = ["SSS", "SBD", "DDD"]
MARK_NAMES = {"S": "satisfied", "B": "basic", "D": "dissatisfied", "-": "blank"}


@pytest.fixture
def hall(test_vault, tmp_path):
    """Posts A (3 candidates) and B (2); BOX1 for A counted by t1 and t2, BOX2 for B by t3 and t4
    (k = 2 for both); four slips for BOX1, three of them spent at t1's kiosk."""
    h = Hall(test_vault, tmp_path, [("A", 3), ("B", 2)])
    h.add_user("t3", "tally")
    h.add_user("t4", "tally")
    assert h.box(["A"], officers=("t1", "t2")) == "BOX1"
    assert h.box(["B"], officers=("t3", "t4")) == "BOX2"
    h.codes_box1 = ballots.issue_tokens(h.s("admin"), "BOX1", 4)
    for code, marks in zip(h.codes_box1, MARKS, strict=False):
        ballots.cast(h.s("t1"), "BOX1", code, {"A": marks})
    return h


def refused(key: str, call, *args, **kwargs) -> JzError:
    with pytest.raises(JzError) as caught:
        call(*args, **kwargs)
    assert caught.value.key == key, caught.value.key
    return caught.value


def forge(hall: Hall, actor: str, kind: str, data: dict, within=None) -> int:
    """Appended as ``actor`` would from their own client: chained, sealed, signed with their real
    key, and no judge."""
    return hall.tv.vault.append(as_role(hall.s(actor).identity, kind), kind, data, within=within).seq


def fresh_state(path):
    vault = Vault.open(path)
    try:
        return Session(vault, vault.unlock("admin", PASSPHRASES["admin"])).state
    finally:
        vault.close()


def run(jz, *args, user: str, expect: int, env: dict | None = None):
    """The installed jz as ``user`` (t3 and t4 have the extra passphrase)."""
    if user in PASSPHRASES:
        result = jz(*args, user=user, env=env)
    else:
        result = jz(*args, "--user", user, env={"JZ_PASSPHRASE": EXTRA_PASSPHRASE, **(env or {})})
    assert "Traceback" not in result.stderr and "Internal error" not in result.stderr, result.stderr
    assert result.returncode == expect, (args, result.returncode, result.stdout, result.stderr)
    return result


def unseal_with_jz(jz, path, box: str = "BOX1", officers: str = "t1,t2", user: str = "t1", expect: int = 0):
    env = {f"JZ_PASSPHRASE_{name.upper()}": PASSPHRASES.get(name, EXTRA_PASSPHRASE) for name in officers.split(",")}
    return run(jz, "box", "unseal", path, "--box", box, "--officers", officers, "--json", user=user, expect=expect,
               env=env)


def tally_a(jz, path, user: str = "t2") -> dict:
    return json.loads(run(jz, "tally", "show", path, "--post", "A", "--json", user=user, expect=0).stdout)


def ranking(jz, path) -> list:
    return json.loads(run(jz, "ranking", path, "--json", user="sup", expect=0).stdout)["posts"]


def caught(jz, path, seqs: set[int]) -> dict:
    """``jz verify`` with a passphrase exits 3 and names the forged seqs and no valid event."""
    code, payload = verify_json(jz, path, user="admin")
    found = problem_seqs(payload)
    assert code == TAMPERED, payload["problems"]
    assert seqs <= found and found - {None} <= seqs, payload["problems"]
    text = jz("verify", path, user="admin")
    assert text.returncode == TAMPERED and all(f"event {seq}:" in text.stdout for seq in seqs), text.stdout
    return payload


def sealed_to_box(hall: Hall, box: str, ballot: dict[str, str]) -> bytes:
    public = X25519PublicKey.from_public_bytes(bytes.fromhex(hall.state.tally.boxes[box].public_key))
    return ballots.SUITE.encrypt(json.dumps(ballot).encode(), public, info=ballot_info(hall.tv.vault.vault_id, box))


def insert_sealed(hall: Hall, box: str, ciphertext: bytes, signer: str, signature: bytes) -> None:
    conn = sqlite3.connect(hall.tv.path)
    try:
        with conn:
            conn.execute("INSERT INTO sealed_ballots(box, slot, ciphertext, signer, signature) VALUES (?,?,?,?,?)",
                         (box, secrets.token_bytes(16), ciphertext, signer, signature))
    finally:
        conn.close()


def electronic_counted(jz, path) -> int:
    """Ballots ``jz tally show`` counts for A (there is no paper ballot: all of them are electronic)."""
    return tally_a(jz, path)["valid"]


# ====================================================================== 1. one officer unseals alone


def test_one_tally_officer_cannot_unseal_alone_nor_an_officer_of_another_box(hall, jz):
    t1, t2, t3, t4 = (hall.s(n).identity for n in ("t1", "t2", "t3", "t4"))
    head = hall.tv.vault.head()
    # (a) the services refuse, and append nothing
    refused("box_too_few_shares", ballots.unseal, hall.s("t1"), "BOX1", [t1])
    refused("box_not_an_officer", ballots.unseal, hall.s("t1"), "BOX1", [t1, t3])
    refused("box_not_an_officer", ballots.unseal, hall.s("t3"), "BOX1", [t3, t4])
    refused("event_not_box_officer", pending.create, hall.s("t3"), "box.unseal", {"box": "BOX1"})
    assert hall.tv.vault.head() == head
    before_ranking = ranking(jz, hall.tv.path)
    assert electronic_counted(jz, hall.tv.path) == 0

    # (b) forged: t1 starts the unsealing (valid: one signature of the two), signs it again
    # themselves, and appends box.unseal with ballots of their choosing and a key; t3, an
    # officer of BOX2 only, appends one too; t3 signs t1's action
    action = pending.create(hall.s("t1"), "box.unseal", {"box": "BOX1"})
    chosen = {"box": "BOX1", "ballots": {"A": ["SSS"] * 3}, "count": 3,
              "private_key": X25519PrivateKey.generate().private_bytes_raw().hex()}
    forged = {
        forge(hall, "t1", "pending.sign", {"id": action.id}),
        forge(hall, "t1", "box.unseal", chosen),
        forge(hall, "t3", "pending.sign", {"id": action.id}),
        forge(hall, "t3", "box.unseal", chosen),
        forge(hall, "t1", "box.mix", {"box": "BOX1", "count": 3}),
    }
    state = fresh_state(hall.tv.path)
    assert {r.seq for r in state.rejected} == forged, state.rejected
    box = state.tally.boxes["BOX1"]
    assert (box.unseal_signed, box.unsealed_seq, box.private_key) == (False, None, "")
    assert state.tally.posts["A"].electronic == [] and state.pending[action.id].signatures == [("t1", "tally")]
    assert ranking(jz, hall.tv.path) == before_ranking
    assert electronic_counted(jz, hall.tv.path) == 0
    caught(jz, hall.tv.path, forged)
    assert len(hall.tv.vault.held_ballot_rows()) == 3  # nothing was mixed

    # the real unsealing, with t2 present, goes on from t1's action and counts the real ballots
    done = unseal_with_jz(jz, hall.tv.path)
    assert json.loads(done.stdout) == {"box": "BOX1", "ballots": {"A": 3}}
    state = fresh_state(hall.tv.path)
    assert sorted(state.tally.posts["A"].electronic) == sorted(MARKS)
    assert state.pending[action.id].done and {r.seq for r in state.rejected} == forged
    assert electronic_counted(jz, hall.tv.path) == 3
    payload = caught(jz, hall.tv.path, forged)  # the recount agrees: only the forgeries are named
    assert "verify_box_recount" not in {p["reason"] for p in payload["problems"]}


# ====================================================================== 2. ballot stuffing


def test_a_stuffed_ballot_with_a_zero_signature_is_refused_by_the_unsealing_and_verify(hall, jz):
    before_ranking = ranking(jz, hall.tv.path)
    insert_sealed(hall, "BOX1", sealed_to_box(hall, "BOX1", {"A": "SSS"}), "t1", bytes(64))
    for user in (None, "admin"):  # with and without a passphrase
        code, payload = verify_json(jz, hall.tv.path, user=user)
        assert code == TAMPERED and {"verify_sealed_ballot", "verify_sealed_count"} <= set(
            problem_reasons(payload)[None]), payload["problems"]

    result = unseal_with_jz(jz, hall.tv.path, expect=REFUSED)
    assert "BOX1" in result.stderr and "signature" in result.stderr, result.stderr
    state = fresh_state(hall.tv.path)
    assert state.tally.boxes["BOX1"].unsealed_seq is None and state.tally.boxes["BOX1"].private_key == ""
    assert state.tally.posts["A"].electronic == [] and not state.rejected
    assert electronic_counted(jz, hall.tv.path) == 0
    assert ranking(jz, hall.tv.path) == before_ranking
    code, payload = verify_json(jz, hall.tv.path, user="admin")
    assert code == TAMPERED and "verify_sealed_ballot" in problem_reasons(payload)[None]

    # the stuffed row taken out again: the unsealing (signed and mixed already) counts the three
    conn = sqlite3.connect(hall.tv.path)
    with conn:
        conn.execute("DELETE FROM sealed_ballots WHERE signature = ?", (bytes(64),))
    conn.close()
    done = unseal_with_jz(jz, hall.tv.path)
    assert json.loads(done.stdout)["ballots"] == {"A": 3}
    state = fresh_state(hall.tv.path)
    assert len(state.tally.boxes["BOX1"].spent) == 3 == len(state.tally.posts["A"].electronic)
    assert sorted(state.tally.posts["A"].electronic) == sorted(MARKS)
    assert run(jz, "verify", hall.tv.path, user="admin", expect=0)


@pytest.mark.parametrize("signer", ["t2", "t3"])
def test_a_stuffed_ballot_signed_by_an_officer_is_not_counted(hall, jz, signer):
    """Signed by an officer of the box (t2) or of another box (t3), with their own real key:
    four ballots for three slips spent is refused, and verify says so."""
    ciphertext = sealed_to_box(hall, "BOX1", {"A": "SSS"})
    signature = hall.s(signer).identity.sign(sealed_message(hall.tv.vault.vault_id, "BOX1",
                                                            slot := secrets.token_bytes(16), ciphertext))
    conn = sqlite3.connect(hall.tv.path)
    with conn:
        conn.execute("INSERT INTO sealed_ballots(box, slot, ciphertext, signer, signature) VALUES (?,?,?,?,?)",
                     ("BOX1", slot, ciphertext, signer, signature))
    conn.close()
    code, payload = verify_json(jz, hall.tv.path, user="admin")
    assert code == TAMPERED and "verify_sealed_count" in problem_reasons(payload)[None], payload["problems"]
    unseal_with_jz(jz, hall.tv.path, expect=REFUSED)
    state = fresh_state(hall.tv.path)
    assert state.tally.boxes["BOX1"].unsealed_seq is None and state.tally.posts["A"].electronic == []
    assert electronic_counted(jz, hall.tv.path) == 0


def test_a_slip_is_not_spent_with_what_tokens_issue_holds(hall, jz):
    state = hall.state
    box = state.tally.boxes["BOX1"]
    spent_commitments = {slip_commitment(token) for token in box.spent}
    (unused,) = sorted(box.commitments - spent_commitments)  # what every user reads in tokens.issue
    # through the kiosk: the commitment typed as a slip
    refused("token_unknown", ballots.cast, hall.s("t2"), "BOX1", unused, {"A": "SSS"})
    refused("token_unknown", ballots.check_slip, state, "BOX1", unused)

    # forged: t2 spends it with the commitment, in the same transaction as the kiosk would
    def store(conn, seq):
        conn.execute("INSERT INTO spent_tokens(box, token) VALUES (?, ?)", ("BOX1", unused))

    seq = forge(hall, "t2", "token.spend", {"box": "BOX1", "token": unused}, within=store)
    state = fresh_state(hall.tv.path)
    assert [(r.seq, r.key) for r in state.rejected] == [(seq, "token_unknown")]
    assert len(state.tally.boxes["BOX1"].spent) == 3
    caught(jz, hall.tv.path, {seq})

    # the slip's real holder still votes
    (real,) = [code for code in hall.codes_box1 if slip_commitment(ballots.token_hash(code)) == unused]
    voted = run(jz, "vote", hall.tv.path, "--box", "BOX1", "--token", real, "--ballot", "A=BBB", user="t1", expect=0)
    assert voted.returncode == 0
    assert len(fresh_state(hall.tv.path).tally.boxes["BOX1"].spent) == 4
    done = unseal_with_jz(jz, hall.tv.path)
    assert json.loads(done.stdout)["ballots"] == {"A": 4}
    assert sorted(fresh_state(hall.tv.path).tally.posts["A"].electronic) == sorted([*MARKS, "BBB"])
    assert electronic_counted(jz, hall.tv.path) == 4
    caught(jz, hall.tv.path, {seq})


def test_a_spend_set_aside_is_not_counted_as_a_slip_spent_by_verify(hall, jz):
    """verify counts the ballots against the spends the fold accepted: a forged spend it sets
    aside is named by its seq, and the three ballots still match the three slips really spent."""
    box = hall.state.tally.boxes["BOX1"]
    (unused,) = sorted(box.commitments - {slip_commitment(token) for token in box.spent})
    seq = forge(hall, "t2", "token.spend", {"box": "BOX1", "token": unused})
    code, payload = verify_json(jz, hall.tv.path, user="admin")
    assert code == TAMPERED and problem_reasons(payload) == {seq: {"token_unknown"}}, payload["problems"]


def test_a_held_ballot_moved_to_another_box_and_signed_again_is_caught(hall, jz):
    """An officer of both boxes moves a held ballot from one box to the other and signs it again
    with their own key: each box then holds one ballot more or less than the slips it spent."""
    conn = sqlite3.connect(hall.tv.path)
    box, slot, ciphertext, signer, _ = conn.execute("SELECT box, slot, ciphertext, signer, signature "
                                                    "FROM held_ballots ORDER BY slot LIMIT 1").fetchone()
    conn.close()
    assert (box, signer) == ("BOX1", "t1")
    # BOX2's officers are t3 and t4: t3 moves one of BOX1's held ballots into BOX2, signed by t3
    signature = hall.s("t3").identity.sign(held_message(hall.tv.vault.vault_id, "BOX2", slot, ciphertext))
    conn = sqlite3.connect(hall.tv.path)
    with conn:
        conn.execute("UPDATE held_ballots SET box = 'BOX2', signer = 't3', signature = ? WHERE slot = ?",
                     (signature, slot))
    conn.close()
    # BOX1 spent three slips and holds two; BOX2 spent none and holds one: neither unseals
    unseal_with_jz(jz, hall.tv.path, expect=REFUSED)
    unseal_with_jz(jz, hall.tv.path, box="BOX2", officers="t3,t4", user="t3", expect=REFUSED)
    state = fresh_state(hall.tv.path)
    assert state.tally.boxes["BOX1"].unsealed_seq is None and state.tally.boxes["BOX2"].unsealed_seq is None
    # and verify, which counts the ballots against the slips spent, says so box by box (the
    # total, three ballots for three slips, hides it)
    code, payload = verify_json(jz, hall.tv.path, user="admin")
    assert code == TAMPERED, payload["problems"]


def test_a_held_ballot_signed_by_an_officer_of_another_box_is_caught(hall, jz):
    """t3, an officer of BOX2 only, replaces one of BOX1's held ballots with their own, signed
    with their own key: as many ballots as slips, each signed by a tally user, but one of them
    by no officer of its box. The unsealing refuses it; verify must say so too."""
    vault_id = hall.tv.vault.vault_id
    box = hall.state.tally.boxes["BOX1"]
    inner = sealed_to_box(hall, "BOX1", {"A": "SSS"})
    held = ballots.SUITE.encrypt(inner, X25519PublicKey.from_public_bytes(bytes.fromhex(box.hold_public_key)),
                                 info=ballots.held_info(vault_id, "BOX1"))
    conn = sqlite3.connect(hall.tv.path)
    (slot,) = conn.execute("SELECT slot FROM held_ballots ORDER BY slot LIMIT 1").fetchone()
    with conn:
        conn.execute("UPDATE held_ballots SET ciphertext = ?, signer = 't3', signature = ? WHERE slot = ?",
                     (held, hall.s("t3").identity.sign(held_message(vault_id, "BOX1", slot, held)), slot))
    conn.close()
    result = unseal_with_jz(jz, hall.tv.path, expect=REFUSED)
    assert "t3" in result.stderr, result.stderr
    state = fresh_state(hall.tv.path)
    assert state.tally.boxes["BOX1"].unsealed_seq is None and state.tally.posts["A"].electronic == []
    assert electronic_counted(jz, hall.tv.path) == 0
    code, payload = verify_json(jz, hall.tv.path, user="admin")
    assert code == TAMPERED, payload["problems"]


def test_verify_recounts_with_the_officers_of_the_box_the_fold_created(test_vault, tmp_path, jz):
    """A clerk forges a box.create of the same id first (set aside): verify's recount must take
    the officers from the box the fold created, not from the forgery."""
    hall = Hall(test_vault, tmp_path, [("A", 3)])
    hall.add_user("t3", "tally")
    forged = forge(hall, "clerk", "box.create", {
        "id": "BOX1", "posts": ["A"], "seal_no": "FAKE", "officers": ["t3", "t2"], "k": 2, "public_key": "11" * 32,
        "shares": {"t3": "00", "t2": "00"}, "hold_public_key": "12" * 32, "hold_shares": {"t3": "00", "t2": "00"}})
    assert hall.box(["A"], officers=("t1", "t2")) == "BOX1"
    codes = ballots.issue_tokens(hall.s("admin"), "BOX1", 2)
    for code, marks in zip(codes, ("SSS", "DDB"), strict=True):
        ballots.cast(hall.s("t1"), "BOX1", code, {"A": marks})
    unseal_with_jz(jz, hall.tv.path)  # the mixed rows are signed by t1, an officer of the real box
    code, payload = verify_json(jz, hall.tv.path, user="admin")
    assert code == TAMPERED and set(problem_reasons(payload)) == {forged}, payload["problems"]


# ====================================================================== 3. the casting order in the WAL


def wal_size(path) -> int:
    return len(file_bytes(path.with_name(path.name + "-wal")))


def test_no_held_copy_is_left_in_the_file_or_its_wal_with_a_board_reading(test_vault, tmp_path, monkeypatch):
    hall = Hall(test_vault, tmp_path, [("A", 3)])
    box_id = hall.box(["A"])
    codes = ballots.issue_tokens(hall.s("admin"), box_id, 24)
    board_vault = Vault.open(hall.tv.path)  # a board: a connection of its own, polling between casts
    try:
        board = Session(board_vault, board_vault.unlock("sup", PASSPHRASES["sup"]))
        held: list[bytes] = []
        for index, code in enumerate(codes):
            ballots.cast(hall.s("t1"), box_id, code, {"A": "SBD-"[index % 4] + "SBD-"[index // 4 % 4] + "S"})
            board.refresh()
            assert len(board.state.tally.boxes[box_id].spent) == index + 1
            held = [row[2] for row in hall.tv.vault.held_ballot_rows()]
        assert len(held) == 24
        raw = file_bytes(hall.tv.path) + file_bytes(hall.tv.path.with_name(hall.tv.path.name + "-wal"))
        assert all(ct in raw for ct in held)  # the measure finds them where they are

        sizes: dict[str, int] = {}
        forget, append = Vault.forget_deleted, Vault.append

        def watched_forget(self, *args, **kwargs):
            forget(self, *args, **kwargs)
            sizes["forgotten"] = wal_size(self.path)  # read by another process, at the moment it returns

        def watched_append(self, identity, kind, data, *args, **kwargs):
            if kind == "box.unseal":
                sizes["disclosing"] = wal_size(self.path)
            return append(self, identity, kind, data, *args, **kwargs)

        monkeypatch.setattr(Vault, "forget_deleted", watched_forget)
        monkeypatch.setattr(Vault, "append", watched_append)
        t1 = hall.s("t1")
        opened = ballots.unseal(t1, box_id, [t1.identity, hall.s("t2").identity])
        assert len(opened["A"]) == 24
        # the WAL is empty once the unsealing has rid it of the held copies, and still empty when
        # the box key is disclosed; what follows in it is the disclosing event alone
        assert sizes == {"forgotten": 0, "disclosing": 0}
        after_wal = file_bytes(hall.tv.path.with_name(hall.tv.path.name + "-wal"))
        after_file = file_bytes(hall.tv.path)
        assert len(wal_transactions(after_wal)) == 1
        for ct in held:  # nor any 24-byte piece of a held copy
            for at in range(0, len(ct) - 24, 24):
                assert ct[at:at + 24] not in after_file and ct[at:at + 24] not in after_wal
        board.refresh()  # the board reads on, and sees the box unsealed
        assert board.state.tally.boxes[box_id].unsealed_seq is not None
    finally:
        board_vault.close()


# ====================================================================== 4. an independent recount


SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


def recount(path, box: str, private_hex: str, posts: list[str]) -> dict[str, list[str]]:
    """Every sealed ballot of the box, its signature checked against the signer's public key in
    the users table, opened with the disclosed key: post -> marks, sorted. sqlite3 and
    cryptography only (and the framing the rows are bound with)."""
    conn = sqlite3.connect(path)
    try:
        vault_id = bytes.fromhex(dict(conn.execute("SELECT key, value FROM header"))["vault_id"])
        keys = dict(conn.execute("SELECT name, public_key FROM users"))
        rows = conn.execute("SELECT slot, ciphertext, signer, signature FROM sealed_ballots WHERE box = ?",
                            (box,)).fetchall()
        assert conn.execute("SELECT count(*) FROM held_ballots WHERE box = ?", (box,)).fetchone()[0] == 0
    finally:
        conn.close()
    private = X25519PrivateKey.from_private_bytes(bytes.fromhex(private_hex))
    marks: dict[str, list[str]] = {post: [] for post in posts}
    for slot, ciphertext, signer, signature in rows:
        Ed25519PublicKey.from_public_bytes(keys[signer]).verify(
            signature, sealed_message(vault_id, box, slot, ciphertext))  # raises if not
        ballot = json.loads(SUITE.decrypt(ciphertext, private, info=ballot_info(vault_id, box)))
        for post in posts:
            marks[post].append(ballot[post])
    return {post: sorted(m) for post, m in marks.items()}


def counts_of(marks: list[str], candidates: int) -> list[dict[str, int]]:
    per = [Counter(m[i] for m in marks) for i in range(candidates)]
    return [{name: c.get(letter, 0) for letter, name in MARK_NAMES.items()} for c in per]


def test_a_disclosed_box_recounted_independently_matches_the_signed_record(test_vault, tmp_path, jz):
    hall = Hall(test_vault, tmp_path, [("A", 3), ("B", 2)])
    box_id = hall.box(["A", "B"])
    votes = [("SBD", "SS"), ("SSS", "-D"), ("DDB", "BB"), ("S-S", "SD"), ("BBB", "DS"), ("---", "--"), ("SBS", "SS")]
    codes = ballots.issue_tokens(hall.s("admin"), box_id, len(votes))
    for (a, b), code in zip(votes, codes, strict=True):
        ballots.cast(hall.s(("t1", "t2")[len(a) % 2]), box_id, code, {"A": a, "B": b})
    unseal_with_jz(jz, hall.tv.path, box=box_id.lower(), officers="t2,t1", user="t2")

    # the disclosed key, read through a session's records
    session = hall.s("sup")
    (unsealed,) = [session.record_of(e) for e in session.vault.events() if e.kind == "box.unseal"]
    assert unsealed.data["count"] == len(votes)
    counted = recount(hall.tv.path, box_id, unsealed.data["private_key"], ["A", "B"])
    assert counted == unsealed.data["ballots"]
    assert counted == {"A": sorted(a for a, _ in votes), "B": sorted(b for _, b in votes)}
    assert len(counted["A"]) == len(session.state.tally.boxes[box_id].spent)

    # the count the officers see, and the closed, co-signed record, are the recount's
    for post, candidates in (("A", 3), ("B", 2)):
        shown = json.loads(run(jz, "tally", "show", hall.tv.path, "--post", post, "--json", user="t1",
                               expect=0).stdout)
        assert [c["counts"] for c in shown["candidates"]] == counts_of(counted[post], candidates)
        ballots.open_box(hall.s("t1"), post, True, "", 0, 0)  # no paper ballot at this box
        action = hall.close(post)
        assert action.done
        closed = hall.state.tally.posts[post].closed
        assert closed["electronic"] == len(votes)
        assert [c["counts"] for c in closed["candidates"]] == counts_of(counted[post], candidates)
    assert run(jz, "verify", hall.tv.path, user="admin", expect=0)

    # a ballot altered after the unsealing: the recount (ours and verify's) no longer matches
    conn = sqlite3.connect(hall.tv.path)
    slot = conn.execute("SELECT slot FROM sealed_ballots LIMIT 1").fetchone()[0]
    conn.close()
    forged = sealed_to_box(hall, box_id, {"A": "SSS", "B": "SS"})
    signature = hall.s("t1").identity.sign(sealed_message(hall.tv.vault.vault_id, box_id, slot, forged))
    conn = sqlite3.connect(hall.tv.path)
    with conn:
        conn.execute("UPDATE sealed_ballots SET ciphertext = ?, signer = 't1', signature = ? WHERE slot = ?",
                     (forged, signature, slot))
    conn.close()
    assert recount(hall.tv.path, box_id, unsealed.data["private_key"], ["A", "B"]) != unsealed.data["ballots"]
    code, payload = verify_json(jz, hall.tv.path, user="admin")
    assert code == TAMPERED and "verify_box_recount" in problem_reasons(payload).get(unsealed.seq, set()), payload
