"""The ballot box: Shamir-shared key, HPKE-sealed electronic ballots, voting slips, the
paper tally with a double count, reconciliation, and the co-signed close (DESIGN.md §2.5–2.6, §4)."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
from decimal import Decimal

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from jz_tui.rules import ranking
from jz_tui.services import ballots, pending
from storage import crypto, shamir
from storage.errors import JzError
from storage.verify import verify
from tests._session_helpers import EXTRA_PASSPHRASE, Hall, file_bytes
from tests.conftest import make_test_vault


@pytest.fixture
def hall(test_vault, tmp_path):
    """Posts A (3 candidates), B (2), C (5); a third tally user t3; nothing counted yet."""
    h = Hall(test_vault, tmp_path, [("A", 3), ("B", 2), ("C", 5)])
    h.add_user("t3", "tally")
    return h


def refused(key: str, call, *args, **kwargs) -> JzError:
    with pytest.raises(JzError) as caught:
        call(*args, **kwargs)
    assert caught.value.key == key, caught.value.key
    return caught.value


def rebuild_key(hall: Hall, box_id: str, officers: list[str]) -> X25519PrivateKey:
    """What the tally terminal does in memory: k officers' shares -> the box key."""
    box = hall.state.tally.boxes[box_id]
    vault_id = hall.tv.vault.vault_id
    shares = [ballots.unlock_share(vault_id, box, hall.s(name).identity) for name in officers]
    return X25519PrivateKey.from_private_bytes(shamir.combine(shares))


def slots_in_table_order(path, box: str) -> list[bytes]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT slot FROM sealed_ballots WHERE box = ?", (box,))]
    finally:
        conn.close()


def run_sql(path, sql: str, *params) -> None:
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute(sql, params)
    finally:
        conn.close()


# ---------------------------------------------------------------------- the box and its key


def test_box_key_exists_only_as_shares_and_any_k_rebuild_it(hall):
    box_id = hall.box(["A", "B"], officers=("t1", "t2", "t3"))
    box = hall.state.tally.boxes[box_id]
    assert (box.k, box.officers, box.posts) == (2, ["t1", "t2", "t3"], ["A", "B"])
    assert set(box.shares) == {"t1", "t2", "t3"}
    for pair in (["t1", "t2"], ["t1", "t3"], ["t3", "t2"]):
        assert crypto.box_public_bytes(rebuild_key(hall, box_id, pair)).hex() == box.public_key
    # one share alone does not give the key
    one = [ballots.unlock_share(hall.tv.vault.vault_id, box, hall.s("t1").identity)]
    with contextlib.suppress(shamir.ShamirError, ValueError):
        assert crypto.box_public_bytes(X25519PrivateKey.from_private_bytes(shamir.combine(one))).hex() != box.public_key
    # the ledger holds the public key and the sealed shares, never the private key
    (created,) = [r for r in hall.tv.vault.records(hall.tv.admin.data_key) if r.kind == "box.create"]
    assert set(created.data) == {"id", "posts", "seal_no", "officers", "k", "public_key", "shares",
                                 "hold_public_key", "hold_shares"}
    assert all(len(bytes.fromhex(share)) > 66 for share in created.data["shares"].values())  # HPKE-sealed
    assert all(len(bytes.fromhex(share)) > 66 for share in created.data["hold_shares"].values())
    # the hold key is a second key, shared the same way: any k officers rebuild it, one does not
    assert box.hold_public_key != box.public_key and set(box.hold_shares) == {"t1", "t2", "t3"}
    vault_id = hall.tv.vault.vault_id
    for pair in (["t1", "t2"], ["t3", "t1"]):
        shares = [ballots.unlock_share(vault_id, box, hall.s(name).identity, "hold") for name in pair]
        hold = X25519PrivateKey.from_private_bytes(shamir.combine(shares))
        assert crypto.box_public_bytes(hold).hex() == box.hold_public_key
    # a box share does not open as a hold share, nor the other way round (each is bound to its key)
    crossed = box.__class__(**{**box.__dict__, "hold_shares": dict(box.shares)})
    refused("box_share_unreadable", ballots.unlock_share, vault_id, crossed, hall.s("t1").identity, "hold")
    # a share is sealed to its officer: another officer's key cannot unlock it
    stolen = box.__class__(**{**box.__dict__, "shares": {"t3": box.shares["t1"]}})
    refused("box_share_unreadable", ballots.unlock_share, hall.tv.vault.vault_id, stolen, hall.s("t3").identity)


def test_box_creation_is_checked(hall):
    admin = hall.s("admin")
    refused("box_too_few_officers", ballots.create_box, admin, ["A"], ["t1"], "S1")
    refused("box_not_an_officer", ballots.create_box, admin, ["A"], ["t1", "sup"], "S1")
    refused("box_officer_twice", ballots.create_box, admin, ["A"], ["t1", "t1"], "S1")
    refused("post_unknown", ballots.create_box, admin, ["Z"], ["t1", "t2"], "S1")
    refused("box_seal_needed", ballots.create_box, admin, ["A"], ["t1", "t2"], " ")
    hall.box(["A"])
    refused("box_post_taken", ballots.create_box, admin, ["A", "B"], ["t1", "t2"], "S2")
    with pytest.raises(JzError):
        ballots.create_box(hall.s("t1"), ["B"], ["t1", "t2"], "S3")  # only the admin creates boxes


# ---------------------------------------------------------------------- electronic ballots


def test_sealed_ballots_round_trip_and_count_with_the_paper_ones(hall):
    box_id = hall.box(["A", "B"], officers=("t1", "t2", "t3"))
    codes = ballots.issue_tokens(hall.s("admin"), box_id, 3)
    assert len(set(codes)) == 3 and all(len(c) == 14 and c.count("-") == 2 for c in codes)
    kiosk = hall.s("t3")
    ballots.cast(kiosk, box_id, codes[0], {"A": "SBD", "B": "S-"})
    ballots.cast(kiosk, box_id, codes[1].lower().replace("-", " "), {"A": "123", "B": "0d"})  # typed by hand
    ballots.cast(kiosk, box_id, codes[2], {"A": "DDS", "B": "BB"})
    assert len(hall.state.tally.boxes[box_id].spent) == 3
    # paper ballots of A cannot close while electronic ones are still sealed
    hall.paper("A", ["SSS"])
    refused("tally_electronic_sealed", ballots.request_close, hall.s("t1"), "A")
    # the ballots stay held under the hold key until the unsealing mixes them into the box
    assert len(hall.tv.vault.held_ballot_rows()) == 3 and hall.tv.vault.sealed_ballots(box_id) == []

    opened = ballots.unseal(hall.s("t1"), box_id, [hall.s("t1").identity, hall.s("t2").identity])
    assert hall.tv.vault.held_ballot_rows() == [] and len(hall.tv.vault.sealed_ballots(box_id)) == 3
    mixes = [r for r in hall.tv.vault.records(hall.tv.admin.data_key) if r.kind == "box.mix"]
    assert [(r.actor, r.data) for r in mixes] == [("t1", {"box": box_id, "count": 3})]
    assert opened == {"A": sorted(["SBD", "SBD", "DDS"]), "B": sorted(["S-", "-D", "BB"])}
    assert hall.state.tally.posts["A"].electronic == opened["A"]
    refused("box_already_unsealed", ballots.unseal, hall.s("t1"), box_id,
            [hall.s("t1").identity, hall.s("t3").identity])
    refused("box_already_unsealed", ballots.cast, kiosk, box_id, codes[0], {"A": "SSS", "B": "SS"})

    view = ballots.view(hall.state, "A")
    assert len(view.ballots) == 4  # one paper, three electronic
    first = view.results[0]
    assert first.counts == {"satisfied": 3, "basic": 0, "dissatisfied": 1, "blank": 0}
    assert first.score == Decimal("75.00")
    action = hall.close("A")
    assert action.done and action.params["electronic"] == 3 and action.params["valid"] == 4
    assert verify(hall.tv.vault, hall.tv.admin.data_key).ok


def test_a_ballot_needs_k_shares(hall, monkeypatch):
    box_id = hall.box(["A"], officers=("t1", "t2", "t3"))
    other = hall.box(["B"], officers=("t1", "t2"))
    codes = ballots.issue_tokens(hall.s("admin"), box_id, 1)
    ballots.cast(hall.s("t1"), box_id, codes[0], {"A": "SSB"})
    head = hall.tv.vault.head()
    t1, t2 = hall.s("t1").identity, hall.s("t2").identity
    refused("box_too_few_shares", ballots.unseal, hall.s("t1"), box_id, [t1])
    refused("box_too_few_shares", ballots.unseal, hall.s("t1"), box_id, [t1, t1])
    refused("box_not_an_officer", ballots.unseal, hall.s("t1"), box_id, [t1, hall.s("sup").identity])

    # k - 1 right shares and one that unlocks fine but belongs to another box's key
    real = ballots.unlock_share

    def swapped(vault_id, box, officer, which="box"):
        if box.id == box_id and officer.name == "t2":
            return real(vault_id, hall.state.tally.boxes[other], officer, which)
        return real(vault_id, box, officer, which)

    monkeypatch.setattr(ballots, "unlock_share", swapped)
    refused("box_key_not_rebuilt", ballots.unseal, hall.s("t1"), box_id, [t1, t2])
    assert hall.tv.vault.head() == head  # refusals append nothing
    assert hall.state.tally.boxes[box_id].unsealed_seq is None
    monkeypatch.setattr(ballots, "unlock_share", real)
    assert ballots.unseal(hall.s("t2"), box_id, [t1, t2]) == {"A": ["SSB"]}


def test_a_ballot_moved_to_another_box_does_not_open_and_fails_verify(hall, jz):
    box_id = hall.box(["A"])
    other = hall.box(["B", "C"])
    ballots.issue_tokens(hall.s("admin"), other, 1)
    codes = ballots.issue_tokens(hall.s("admin"), box_id, 1)
    ballots.cast(hall.s("t1"), box_id, codes[0], {"A": "SSB"})
    assert verify(hall.tv.vault, hall.tv.admin.data_key).ok
    run_sql(hall.tv.path, "UPDATE held_ballots SET box = ?", other)
    officers = [hall.s("t1").identity, hall.s("t2").identity]
    refused("box_held_not_signed", ballots.unseal, hall.s("t1"), other, officers)  # signed for BOX1
    assert hall.tv.vault.sealed_ballots(other) == [] and len(hall.tv.vault.held_ballot_rows()) == 1
    result = jz("verify", hall.tv.path, user="admin")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "BOX2" in result.stdout or "BOX2" in result.stderr


def test_a_ballot_copied_into_another_session_does_not_open_and_fails_verify(hall, tmp_path, jz):
    box_id = hall.box(["A"])
    codes = ballots.issue_tokens(hall.s("admin"), box_id, 1)
    ballots.cast(hall.s("t1"), box_id, codes[0], {"A": "SSB"})
    conn = sqlite3.connect(hall.tv.path)
    held = conn.execute("SELECT box, slot, ciphertext, signer, signature FROM held_ballots").fetchone()
    conn.close()
    ballots.unseal(hall.s("t1"), box_id, [hall.s("t1").identity, hall.s("t2").identity])
    conn = sqlite3.connect(hall.tv.path)
    sealed = conn.execute("SELECT box, slot, ciphertext, signer, signature FROM sealed_ballots").fetchone()
    conn.close()

    (tmp_path / "other").mkdir()
    other_tv = make_test_vault(tmp_path / "other" / "other.jz")
    try:
        twin = Hall(other_tv, tmp_path / "other", [("A", 3), ("B", 2), ("C", 5)])
        assert twin.box(["A"]) == box_id  # same box name, same posts: only the session differs
        officers = [twin.s("t1").identity, twin.s("t2").identity]
        run_sql(other_tv.path, "INSERT INTO sealed_ballots(box, slot, ciphertext, signer, signature) "
                               "VALUES (?,?,?,?,?)", *sealed)
        refused("box_ballot_not_signed", ballots.unseal, twin.s("t1"), box_id, officers)
        result = jz("verify", other_tv.path, user="admin")
        assert result.returncode == 3, result.stdout + result.stderr
        assert twin.state.tally.boxes[box_id].private_key == ""  # nothing disclosed
    finally:
        other_tv.vault.close()

    (tmp_path / "third").mkdir()
    third_tv = make_test_vault(tmp_path / "third" / "third.jz")
    try:  # the held copy, taken before the unsealing, into a third session: not signed there either
        third = Hall(third_tv, tmp_path / "third", [("A", 3), ("B", 2), ("C", 5)])
        assert third.box(["A"]) == box_id
        run_sql(third_tv.path, "INSERT INTO held_ballots(box, slot, ciphertext, signer, signature) "
                               "VALUES (?,?,?,?,?)", *held)
        refused("box_held_not_signed", ballots.unseal, third.s("t1"), box_id,
                [third.s("t1").identity, third.s("t2").identity])
        result = jz("verify", third_tv.path, user="admin")
        assert result.returncode == 3, result.stdout + result.stderr
    finally:
        third_tv.vault.close()


def test_spent_and_forged_slips_are_refused(hall):
    box_id = hall.box(["A"])
    other = hall.box(["B"])
    codes = ballots.issue_tokens(hall.s("admin"), box_id, 2)
    foreign = ballots.issue_tokens(hall.s("admin"), other, 1)
    kiosk = hall.s("t2")
    ballots.cast(kiosk, box_id, codes[0], {"A": "SSS"})
    head = hall.tv.vault.head()
    refused("token_spent", ballots.cast, kiosk, box_id, codes[0], {"A": "DDD"})
    refused("token_spent", ballots.cast, kiosk, box_id, codes[0].lower(), {"A": "DDD"})
    forged = "ABCD-EFGH-JKMN" if codes[1] != "ABCD-EFGH-JKMN" else "NMKJ-HGFE-DCBA"
    refused("token_unknown", ballots.cast, kiosk, box_id, forged, {"A": "DDD"})
    refused("token_unknown", ballots.cast, kiosk, box_id, foreign[0], {"A": "DDD"})  # a slip of another box
    refused("ballot_post_bad_marks", ballots.cast, kiosk, box_id, codes[1], {"A": "SS"})
    refused("ballot_post_bad_marks", ballots.cast, kiosk, box_id, codes[1], {})
    assert hall.tv.vault.head() == head
    conn = sqlite3.connect(hall.tv.path)
    assert conn.execute("SELECT count(*) FROM held_ballots").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM sealed_ballots").fetchone()[0] == 0  # held until the unsealing
    conn.close()
    ballots.cast(kiosk, box_id, codes[1], {"A": "DDD"})  # the slip refused for bad marks is still good


def test_slips_from_jz_tokens_read_back_from_png_and_vote(hall, tmp_path, jz):
    box_id = hall.box(["A", "B"])
    out = tmp_path / "slips"
    made = jz("tokens", hall.tv.path, "--box", box_id.lower(), "--count", "2", "--out", out, "--json", user="admin")
    assert made.returncode == 0, made.stderr
    payload = json.loads(made.stdout)
    assert payload["count"] == 2 and sorted(p.rsplit("/", 1)[-1] for p in payload["files"]) == [
        "slip-0001.png", "slip-0002.png", "slips.html"]
    scanned = [subprocess.run(["zbarimg", "-q", "--raw", str(out / f"slip-000{i}.png")], capture_output=True,
                              text=True, check=True).stdout.strip() for i in (1, 2)]
    sheet = (out / "slips.html").read_text(encoding="utf-8")
    assert all(code in sheet for code in scanned) and scanned[0] != scanned[1]
    # the slip holds only the code: nothing about any candidate
    state = hall.state
    assert not any(c.name in sheet or c.id_number in sheet for c in state.roster.candidates.values())

    voted = jz("vote", hall.tv.path, "--box", box_id, "--token", scanned[0], "--ballot", "A=SBD", "--ballot",
               "b=s-", user="t1")
    assert voted.returncode == 0, voted.stderr
    again = jz("vote", hall.tv.path, "--box", box_id, "--token", scanned[0], "--ballot", "A=SSS", "--ballot", "B=SS",
               user="t2")
    assert again.returncode == 1 and "already been used" in again.stderr
    ballots.cast(hall.s("t2"), box_id, scanned[1], {"A": "DDD", "B": "DD"})
    opened = ballots.unseal(hall.s("t1"), box_id, [hall.s("t1").identity, hall.s("t2").identity])
    assert opened == {"A": ["DDD", "SBD"], "B": ["DD", "S-"]}


def test_sealed_ballots_carry_no_time_no_link_and_no_casting_order(hall):
    box_id = hall.box(["A"], officers=("t1", "t2", "t3"))
    codes = ballots.issue_tokens(hall.s("admin"), box_id, 20)
    kiosk = hall.s("t1")
    marks = ["SBD", "SSS", "DDD", "BBB", "S-D"]
    for index, code in enumerate(codes):
        ballots.cast(kiosk, box_id, code, {"A": marks[index % len(marks)]})
    held = [row[1] for row in hall.tv.vault.held_ballot_rows()]
    assert len(held) == 20 and slots_in_table_order(hall.tv.path, box_id) == []
    opened = ballots.unseal(hall.s("t2"), box_id, [hall.s("t2").identity, hall.s("t3").identity])
    assert opened["A"] == sorted(marks * 4)  # the recorded result is sorted: no trace of any order
    stored = slots_in_table_order(hall.tv.path, box_id)
    assert stored == sorted(stored)  # the table's own order is the random slot's
    assert len(set(stored)) == 20 and not set(stored) & set(held)  # slots drawn afresh at the mix
    assert hall.tv.vault.held_ballot_rows() == []

    conn = sqlite3.connect(hall.tv.path)
    try:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(sealed_ballots)")}
        spent_columns = {row[1] for row in conn.execute("PRAGMA table_info(spent_tokens)")}
    finally:
        conn.close()
    assert columns == {"box", "slot", "ciphertext", "signer", "signature"}
    assert spent_columns == {"box", "token"}
    records = list(hall.tv.vault.records(hall.tv.admin.data_key))
    mixes = [r for r in records if r.kind == "box.mix"]
    assert [(r.actor, r.data) for r in mixes] == [("t2", {"box": box_id, "count": 20})]
    spends = [r for r in records if r.kind == "token.spend"]
    assert len(spends) == 20 and all(set(r.data) == {"box", "token"} for r in spends)
    assert not any(slot.hex() in json.dumps(r.data) for r in spends for slot in stored + held)
    (unsealed,) = [r for r in records if r.kind == "box.unseal"]
    assert unsealed.seq > mixes[0].seq and unsealed.data["count"] == 20

    key = rebuild_key(hall, box_id, ["t1", "t3"])
    assert crypto.box_private_bytes(key).hex() == unsealed.data["private_key"]  # the key disclosed
    vault_id = hall.tv.vault.vault_id
    contents = [ballots.open_sealed_ballot(ct, key, vault_id, box_id) for _, ct in hall.tv.vault.sealed_ballots(box_id)]
    assert all(set(c) == {"A"} for c in contents)  # the marks and nothing else: no time, no slip
    assert sorted(c["A"] for c in contents) == sorted(marks * 4)


def test_no_plaintext_marks_or_slips_in_the_file_or_wal(hall):
    box_id = hall.box(["C"])
    codes = ballots.issue_tokens(hall.s("admin"), box_id, 2)
    ballots.cast(hall.s("t1"), box_id, codes[0], {"C": "SBD-S"})
    ballots.cast(hall.s("t1"), box_id, codes[1], {"C": "DD-BS"})
    ballots.unseal(hall.s("t1"), box_id, [hall.s("t1").identity, hall.s("t2").identity])
    hall.paper("C", ["SBDBD"], issued=3, returned=1)
    raw = file_bytes(hall.tv.path) + file_bytes(hall.tv.path.with_name(hall.tv.path.name + "-wal"))
    assert len(raw) > 10_000
    for secret in ("SBD-S", "DD-BS", "SBDBD", '"C":', codes[0], codes[0].replace("-", ""), codes[1]):
        assert secret.encode() not in raw, secret
    for candidate in hall.state.roster.candidates_of("C"):
        assert candidate.name.encode() not in raw


# ---------------------------------------------------------------------- the paper tally


def test_double_count_discrepancy_is_listed_and_blocks_close_until_corrected(hall, jz):
    hall.box(["A"])
    hall.paper("A", ["SSS", "SBD", "DDD", "S-B"], officer="t1")
    t2 = hall.s("t2")
    for marks in ("SSS", "SBD", "DBD", "S-B"):  # ballot 3 entered differently
        ballots.enter_ballot(t2, "A", marks)

    shown = jz("tally", "show", hall.tv.path, "--post", "A", "--json", user="t2")
    assert shown.returncode == 0, shown.stderr
    payload = json.loads(shown.stdout)
    assert payload["discrepancies"] == [3] and payload["counters"] == ["t1", "t2"]
    assert payload["valid"] == 4 and payload["closed"] is False
    closing = jz("tally", "close", hall.tv.path, "--post", "A", user="t1")
    assert closing.returncode == 1 and "differ" in closing.stderr and "3" in closing.stderr
    assert not pending.open_actions(hall.state)

    fixed = jz("ballot", "enter", hall.tv.path, "--post", "A", "--marks", "333", "--no", "3", user="t2")
    assert fixed.returncode == 0, fixed.stderr
    payload = json.loads(jz("tally", "show", hall.tv.path, "--post", "A", "--json", user="t1").stdout)
    assert payload["discrepancies"] == []
    assert [c["counts"]["dissatisfied"] for c in payload["candidates"]] == [1, 1, 2]
    assert payload["candidates"][0]["score"] == "75.00" and payload["candidates"][2]["dissatisfied_rate"] == "0.5000"
    action = ballots.request_close(hall.s("t1"), "A")
    assert action.params["valid"] == 4


def test_a_void_against_a_valid_entry_is_a_discrepancy(hall):
    hall.box(["B"])
    hall.paper("B", ["SS"], officer="t1", voids=1)
    ballots.enter_ballot(hall.s("t2"), "B", "SS")
    ballots.enter_ballot(hall.s("t2"), "B", "SB")
    assert ballots.view(hall.state, "B").discrepancies == [2]
    ballots.void_ballot(hall.s("t2"), "B", "torn", number=2)
    view = ballots.view(hall.state, "B")
    assert view.discrepancies == [] and view.void == 1 and len(view.ballots) == 1


def test_reconciliation_mismatch_blocks_close_until_a_supervisor_signs_an_override(hall):
    hall.box(["A"])
    hall.paper("A", ["SSS"] * 8, voids=1, issued=10, returned=10)  # 8 + 1 != 10 returned
    t1 = hall.s("t1")
    error = refused("tally_returned_mismatch", ballots.request_close, t1, "A")
    assert error.params["valid"] == 8 and error.params["void"] == 1
    refused("reason_needed", ballots.request_override, t1, "A", " ")
    override = ballots.request_override(t1, "A", "one ballot found outside the box, kept apart")
    refused("tally_returned_mismatch", ballots.request_close, t1, "A")  # not until the supervisor signs
    refused("pending_not_your_role", pending.sign, hall.s("t2"), override.id)
    pending.sign(hall.s("sup"), override.id)
    action = ballots.request_close(t1, "A")
    assert (action.params["returned"], action.params["valid"], action.params["void"]) == (10, 8, 1)


def test_more_returned_than_issued_is_refused_at_the_opening(hall):
    """A typing error, refused before it is recorded (issue 21); the figures can be corrected until
    the first ballot is entered (tests/test_tally_corrections.py)."""
    hall.box(["B"])
    refused("box_returned_over_issued", ballots.open_box, hall.s("t1"), "B", True, "", 3, 4)
    assert hall.state.tally.posts["B"].opened is None
    hall.paper("B", ["SS"] * 3, issued=3, returned=3)
    assert ballots.request_close(hall.s("t1"), "B").params["issued"] == 3


def test_close_needs_the_officers_and_a_supervisor_and_counts_stay_hidden_until_then(hall, jz):
    hall.box(["A"])
    hall.paper("A", ["SSS", "SBD", "BBD"])
    hidden = jz("tally", "show", hall.tv.path, "--post", "A", user="sup")
    assert hidden.returncode == 1 and "being counted" in hidden.stderr
    assert "SSS" not in hidden.stdout + hidden.stderr
    for name in ("admin", "t3"):  # nobody outside the box's officers, not even another tally user
        refused("tally_counting", ballots.officer_view, hall.s(name), "A")

    started = jz("tally", "close", hall.tv.path, "--post", "A", "--json", user="t1")
    assert started.returncode == 0, started.stderr
    created = json.loads(started.stdout)
    action_id = created["pending"]
    assert created["missing"] == {"tally": 1, "supervisor": 1}  # the starter already counts as one officer
    refused("tally_close_pending", ballots.request_close, hall.s("t2"), "A")
    refused("pending_own", pending.sign, hall.s("t1"), action_id)

    stranger = jz("sign", hall.tv.path, action_id, "--user", "t3", env={"JZ_PASSPHRASE": EXTRA_PASSPHRASE})
    assert stranger.returncode == 1, stranger.stdout
    assert "t3" in stranger.stderr and "not one of them" in stranger.stderr
    assert hall.state.pending[action_id].signatures == [("t1", "tally")]
    head = hall.tv.vault.head()
    refused("pending_not_listed", pending.sign, hall.s("t3"), action_id)
    assert hall.tv.vault.head() == head  # the refused signature appended nothing

    assert jz("sign", hall.tv.path, action_id, user="sup").returncode == 0
    assert hall.state.tally.posts["A"].closed is None  # still a second officer missing
    assert jz("tally", "show", hall.tv.path, "--post", "A", user="sup").returncode == 1
    assert jz("sign", hall.tv.path, action_id, user="t2").returncode == 0
    closed = hall.state.tally.posts["A"].closed
    assert closed is not None and [c["score"] for c in closed["candidates"]] == ["86.67", "73.33", "33.33"]

    shown = jz("tally", "show", hall.tv.path, "--post", "A", "--json", user="sup")
    assert shown.returncode == 0, shown.stderr
    payload = json.loads(shown.stdout)
    assert payload["closed"] is True
    assert [(c["score"], c["dissatisfied_rate"], c["excluded"]) for c in payload["candidates"]] == [
        ("86.67", "0.0000", False), ("73.33", "0.0000", False), ("33.33", "0.6667", True)]
    refused("tally_closed", ballots.enter_ballot, hall.s("t1"), "A", "SSS")
    assert verify(hall.tv.vault, hall.tv.admin.data_key).ok


def test_more_officers_to_close_when_the_rules_say_so(test_vault, tmp_path):
    hall = Hall(test_vault, tmp_path, [("A", 2)], settings={"tally.officers_to_close": 3})
    hall.add_user("t3", "tally")
    refused("box_too_few_officers", ballots.create_box, hall.s("admin"), ["A"], ["t1", "t2"], "S1")
    hall.box(["A"], officers=("t1", "t2", "t3"))
    hall.paper("A", ["SS"])
    action = ballots.request_close(hall.s("t1"), "A")
    pending.sign(hall.s("t2"), action.id)
    pending.sign(hall.s("sup"), action.id)
    assert hall.state.tally.posts["A"].closed is None
    pending.sign(hall.s("t3"), action.id)
    assert hall.state.tally.posts["A"].closed is not None


def test_voter_groups_give_a_weighted_score_in_the_closed_record(test_vault, tmp_path):
    hall = Hall(test_vault, tmp_path, [("A", 1)], settings={"democratic.groups": [["领导", 3], ["员工", 7]]})
    hall.box(["A"])
    refused("tally_not_open", ballots.enter_ballot, hall.s("t1"), "A", "S", "领导")
    hall.paper("A", ["S", "S", "S", "B", "D", "D"], groups=["领导", "领导", "员工", "员工", "员工", "员工"])
    refused("ballot_group_needed", ballots.enter_ballot, hall.s("t1"), "A", "S")
    refused("ballot_group_needed", ballots.enter_ballot, hall.s("t1"), "A", "S", "群众")
    action = hall.close("A")
    (candidate,) = action.params["candidates"]
    assert candidate["score"] == "58.00"  # (3×100 + 7×40) / 10; unweighted it would be 60.00
    assert candidate["rate"] == "0.3500" and candidate["excluded"] is True
    assert candidate["by_group"]["员工"] == {"satisfied": 1, "basic": 1, "dissatisfied": 2, "blank": 0}
    assert Decimal(candidate["rate_exact"]) == Decimal("0.35")
    (post,) = ranking.rank(hall.state)  # the ranking reads the closed, co-signed record
    (row,) = post.rows
    assert row.stages["democratic"] == Decimal("58.00") and row.dissatisfied_rate == Decimal("0.35")


def test_opening_records_the_seal(hall):
    hall.box(["A"])
    hall.box(["B"])
    t1 = hall.s("t1")
    refused("tally_seal_note_needed", ballots.open_box, t1, "A", False, " ", 5, 5)
    refused("tally_negative", ballots.open_box, t1, "A", True, "", -1, 0)
    refused("tally_not_open", ballots.enter_ballot, t1, "A", "SSS")
    tally = ballots.open_box(t1, "A", False, "tape lifted at one corner", 5, 5)
    assert tally.opened["seal_intact"] is False and tally.opened["note"] == "tape lifted at one corner"
    refused("tally_already_open", ballots.open_box, hall.s("t2"), "A", True, "", 5, 5)
    refused("ballot_post_bad_marks", ballots.enter_ballot, t1, "A", "SS")
    refused("ballot_post_bad_marks", ballots.enter_ballot, t1, "A", "SSX")
    with pytest.raises(JzError):
        ballots.open_box(hall.s("t3"), "B", True, "", 1, 1)  # not an officer of this box



def test_no_ballot_is_entered_while_the_close_waits_for_signatures(hall):
    """The signers sign the counts the close recorded: entries stop when it is requested."""
    hall.box(["A"], officers=("t1", "t2"))
    t1 = hall.s("t1")
    ballots.open_box(t1, "A", True, "", 1, 1)
    ballots.enter_ballot(t1, "A", "SBD")
    ballots.request_close(t1, "A")
    refused("tally_close_pending", ballots.enter_ballot, t1, "A", "SSS")
    refused("tally_close_pending", ballots.void_ballot, t1, "A", "smudged")


def test_held_ballots_wait_under_the_hold_key_until_k_officers_unseal(hall, jz):
    box_id = hall.box(["A"], officers=("t1", "t2", "t3"))
    codes = ballots.issue_tokens(hall.s("admin"), box_id, 3)
    for code in codes:
        ballots.cast(hall.s("t1"), box_id, code, {"A": "SSB"})
    assert verify(hall.tv.vault, hall.tv.admin.data_key).ok  # three spends, three held ballots
    held = hall.tv.vault.held_ballot_rows()
    assert len(held) == 3 and {row[3] for row in held} == {"t1"}

    # the kiosk officer cannot open what their kiosk held: not with their own key, not with their
    # own share of the hold key, not with the box key (a held copy is sealed to the hold key)
    vault_id = hall.tv.vault.vault_id
    box = hall.state.tally.boxes[box_id]
    for _, _, ciphertext, _, _ in held:
        with pytest.raises(InvalidTag):
            ballots.SUITE.decrypt(ciphertext, hall.s("t1").identity.box_key, info=ballots.held_info(vault_id, box_id))
        with pytest.raises(InvalidTag):
            ballots.SUITE.decrypt(ciphertext, rebuild_key(hall, box_id, ["t1", "t2"]),
                                  info=ballots.held_info(vault_id, box_id))
    one = [ballots.unlock_share(vault_id, box, hall.s("t1").identity, "hold")]
    with contextlib.suppress(shamir.ShamirError, ValueError):
        alone = X25519PrivateKey.from_private_bytes(shamir.combine(one))
        assert crypto.box_public_bytes(alone).hex() != box.hold_public_key

    # there is no mixing outside the unsealing any more
    gone = jz("box", "mix", hall.tv.path, "--box", box_id, user="t1")
    assert gone.returncode == 2 and "mix" in gone.stderr
    assert not hasattr(ballots, "mix_held")
    assert len(hall.tv.vault.held_ballot_rows()) == 3

    unsealed = jz("box", "unseal", hall.tv.path, "--box", box_id.lower(), "--officers", "t2,t3", "--json",
                  user="t2", env={"JZ_PASSPHRASE_T3": EXTRA_PASSPHRASE})
    assert unsealed.returncode == 0, unsealed.stderr
    assert json.loads(unsealed.stdout) == {"box": box_id, "ballots": {"A": 3}}
    assert hall.tv.vault.held_ballot_rows() == [] and len(hall.tv.vault.sealed_ballots(box_id)) == 3
    assert hall.state.tally.posts["A"].electronic == ["SSB"] * 3
    assert jz("verify", hall.tv.path, user="admin").returncode == 0


def test_a_held_ballot_taken_out_or_altered_fails_verify(hall, jz):
    box_id = hall.box(["A"])
    codes = ballots.issue_tokens(hall.s("admin"), box_id, 2)
    for code in codes:
        ballots.cast(hall.s("t1"), box_id, code, {"A": "DDD"})
    slot = hall.tv.vault.held_ballot_rows()[0][1]
    run_sql(hall.tv.path, "UPDATE held_ballots SET ciphertext = zeroblob(length(ciphertext)) WHERE slot = ?", slot)
    result = jz("verify", hall.tv.path)
    assert result.returncode == 3 and box_id in result.stdout + result.stderr
    run_sql(hall.tv.path, "DELETE FROM held_ballots WHERE slot = ?", slot)
    result = jz("verify", hall.tv.path)
    assert result.returncode == 3 and "(1) differs from the slips spent (2)" in result.stdout + result.stderr


def test_a_held_ballot_put_in_by_hand_is_not_mixed_into_the_box(hall, jz):
    """A held row swapped in by someone who can write the file (sealed to the box and hold keys,
    both public, but not signed by an officer of the box) stops the unsealing and fails verify."""
    box_id = hall.box(["A"])
    codes = ballots.issue_tokens(hall.s("admin"), box_id, 1)
    kiosk = hall.s("t1")
    ballots.cast(kiosk, box_id, codes[0], {"A": "SSS"})
    vault_id = hall.tv.vault.vault_id
    box = hall.state.tally.boxes[box_id]
    box_key = X25519PublicKey.from_public_bytes(bytes.fromhex(box.public_key))
    hold_key = X25519PublicKey.from_public_bytes(bytes.fromhex(box.hold_public_key))
    forged_inner = ballots.SUITE.encrypt(b'{"A":"DDD"}', box_key, info=ballots.ballot_info(vault_id, box_id))
    forged = ballots.SUITE.encrypt(forged_inner, hold_key, info=ballots.held_info(vault_id, box_id))
    run_sql(hall.tv.path, "UPDATE held_ballots SET ciphertext = ?", forged)
    assert jz("verify", hall.tv.path).returncode == 3
    refused("box_held_not_signed", ballots.unseal, kiosk, box_id, [kiosk.identity, hall.s("t2").identity])
    assert hall.tv.vault.sealed_ballots(box_id) == [] and len(hall.tv.vault.held_ballot_rows()) == 1
    assert hall.state.tally.boxes[box_id].unsealed_seq is None and hall.state.tally.posts["A"].electronic == []
    result = jz("verify", hall.tv.path, user="admin")
    assert result.returncode == 3 and box_id in result.stdout + result.stderr, result.stdout
