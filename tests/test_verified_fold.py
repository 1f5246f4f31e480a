"""Only verified state is shown: a vault with an event that fails says so, naming its seq, and
shows the state without it; a user's verified mark spares re-checking signatures but never
trusts a ledger that changed under it."""

from __future__ import annotations

import os

from _app_helpers import log_in, settle
from _session_helpers import Hall
from _storage_helpers import raw

from jz_tui.apps.app import make_app
from jz_tui.services import checkin, sheets
from jz_tui.services.session import Session, open_session
from storage import crypto, ledger
from storage.vault import Vault
from tests.conftest import PASSPHRASES


def forged_confirmation(tv, tmp_path) -> int:
    """e1 submits, then e2 (an examiner) appends a confirmation raw, past the services: its seq."""
    hall = Hall(tv, tmp_path, [("A01", 3)])
    assert checkin.check_in(hall.s("clerk"), "A01-01").ok
    sheets.submit(hall.s("e1"), "A01-01", total="80")
    e2 = tv.identity("e2")
    return tv.vault.append(e2, "sheet.confirm", {"candidate": "A01-01", "examiner": "e1"}).seq


def test_a_command_names_the_event_that_failed_and_goes_on_without_it(test_vault, tmp_path, jz):
    seq = forged_confirmation(test_vault, tmp_path)
    shown = jz("sheet", "show", test_vault.path, "--candidate", "A01-01", "--json", user="scorer")
    assert shown.returncode == 0, shown.stderr
    assert f"Event {seq} of the ledger (confirm a sheet) failed its checks" in shown.stderr  # the kind in words
    assert '"confirmed"' not in shown.stdout  # the sheet is still only submitted
    zh = jz("ranking", test_vault.path, user="sup", env={"JZ_LANG": "zh"})
    assert zh.returncode == 0 and f"账本第 {seq} 条事件" in zh.stderr
    verified = jz("verify", test_vault.path, user="admin")
    assert verified.returncode == 3 and f"event {seq}:" in verified.stdout


async def test_the_app_opens_to_a_message_naming_the_seq(test_vault, tmp_path):
    seq = forged_confirmation(test_vault, tmp_path)
    test_vault.vault.close()
    app = make_app(test_vault.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "sup")
        await settle(pilot)
        messages = [str(n.message) for n in app._notifications]
        assert any(f"Event {seq} of the ledger" in m for m in messages), messages
        state = app.shared.session.state
        assert state.scoring.sheets[("A01-01", "e1")].status == "submitted"


def test_a_mark_is_written_and_trusted_only_with_its_owners_key(test_vault, tmp_path):
    seq = forged_confirmation(test_vault, tmp_path)
    session = Session(test_vault.vault, test_vault.identity("sup"))
    session.save_trust()
    stored = Vault.open(test_vault.path)
    try:
        mark = stored.read_mark("sup")
        assert mark is not None and mark[0] == session.state.seq
        trust = Session(stored, stored.unlock("sup", PASSPHRASES["sup"]))._read_trust()
        assert trust is not None and trust.seq == mark[0]
        # another user's session does not accept sup's mark as its own, and a forged mark is ignored
        assert Session(stored, stored.unlock("scorer", PASSPHRASES["scorer"]))._read_trust() is None
        stored.write_mark("scorer", mark[0], mark[1], "[]", os.urandom(32))
        again = Session(stored, stored.unlock("scorer", PASSPHRASES["scorer"]))
        assert [r.seq for r in again.state.rejected] == [seq]  # checked from scratch, and still set aside
    finally:
        stored.close()


def test_a_trusted_prefix_that_no_longer_chains_is_checked_again(test_vault, tmp_path):
    """sup's mark covers the ledger; someone then rewrites an event inside it (new body, hash
    and a signature of their own key): the open notices the break and checks every signature."""
    hall = Hall(test_vault, tmp_path, [("A01", 3)])
    assert checkin.check_in(hall.s("clerk"), "A01-01").ok
    Session(test_vault.vault, test_vault.identity("sup")).save_trust()
    vault_id = test_vault.vault.vault_id
    clerk = test_vault.identity("clerk")
    with raw(test_vault.path) as conn:
        seq, prev, kind = conn.execute(
            "SELECT seq, prev_hash, kind FROM ledger WHERE kind = 'checkin.accept'").fetchone()
        plain, _ = ledger.encode_envelope({"code": "A01-02", "terminal": "x", "via": "pick"}, ledger.now_iso())
        body = ledger.seal_body(clerk.data_key, vault_id, seq, kind, plain)
        hash_ = ledger.event_hash(vault_id, seq, kind, "clerk", prev, body)
        forger = crypto.new_signing_key()  # not clerk's key: only the signature check can tell
        conn.execute("UPDATE ledger SET body = ?, hash = ?, signature = ? WHERE seq = ?",
                     (body, hash_, forger.sign(ledger.signed_message(hash_)), seq))
    session = open_session(test_vault.path, "sup", PASSPHRASES["sup"])
    try:
        reasons = {r.key for r in session.state.rejected if r.seq == seq}
        assert reasons == {"verify_signature", "verify_mark_broken"}  # checked again, and the break named
        assert "A01-02" not in session.state.roster.checkins
    finally:
        session.vault.close()


def test_a_ledger_cut_short_under_a_mark_is_named(test_vault, tmp_path):
    hall = Hall(test_vault, tmp_path, [("A01", 3)])
    for code in ("A01-01", "A01-02", "A01-03"):
        assert checkin.check_in(hall.s("clerk"), code).ok
    sup = Session(test_vault.vault, test_vault.identity("sup"))
    sup.save_trust()
    head = sup.state.seq
    with raw(test_vault.path) as conn:
        conn.execute("DELETE FROM ledger WHERE seq > ?", (head - 2,))
    session = open_session(test_vault.path, "sup", PASSPHRASES["sup"])
    try:
        truncated = [r for r in session.state.rejected if r.key == "verify_truncated"]
        assert truncated and truncated[0].params == {"head": head - 2, "checkpoint": head}
        assert "A01-03" not in session.state.roster.checkins
    finally:
        session.vault.close()


def test_a_body_nobody_can_open_breaks_no_command(test_vault, tmp_path, jz):
    hall = Hall(test_vault, tmp_path, [("A01", 3)])
    assert checkin.check_in(hall.s("clerk"), "A01-01").ok
    clerk = test_vault.identity("clerk")
    vault_id = test_vault.vault.vault_id
    with raw(test_vault.path) as conn:
        seq, prev = conn.execute("SELECT max(seq) + 1, (SELECT hash FROM ledger ORDER BY seq DESC LIMIT 1)"
                                 " FROM ledger").fetchone()
        plain, _ = ledger.encode_envelope({"code": "A01-02", "terminal": "x", "via": "pick"}, ledger.now_iso())
        body = ledger.seal_body(crypto.new_key(), vault_id, seq, "checkin.accept", plain)  # a key nobody holds
        hash_ = ledger.event_hash(vault_id, seq, "checkin.accept", "clerk", prev, body)
        conn.execute("INSERT INTO ledger(seq, kind, actor, prev_hash, hash, signature, body) VALUES (?,?,?,?,?,?,?)",
                     (seq, "checkin.accept", "clerk", prev, hash_, clerk.sign(ledger.signed_message(hash_)), body))
    for command in (("ranking", "--json"), ("log",), ("sign", "--list")):
        ran = jz(command[0], test_vault.path, *command[1:], user="sup")
        assert ran.returncode == 0, ran.stderr
        assert "Internal error" not in ran.stderr and f"Event {seq} of the ledger" in ran.stderr
    verified = jz("verify", test_vault.path, user="admin")
    assert verified.returncode == 3 and f"event {seq}:" in verified.stdout


def _public_state(state) -> tuple:
    return (state.seq, state.head_hash, sorted(state.roster.checkins), sorted(state.users),
            {k: v.status for k, v in state.scoring.sheets.items()}, [(r.seq, r.key) for r in state.rejected])


def test_an_open_starts_from_the_users_own_snapshot_only_while_the_ledger_is_the_one_it_covers(
        test_vault, tmp_path, monkeypatch):
    seq = forged_confirmation(test_vault, tmp_path)
    first = Session(test_vault.vault, test_vault.identity("sup"))
    first.save_trust()
    folded = []
    import jz_tui.services.session as session_module

    real = session_module.verified_state
    monkeypatch.setattr(session_module, "verified_state", lambda *a, **k: folded.append(1) or real(*a, **k))
    again = Session(test_vault.vault, test_vault.identity("sup"))
    assert folded == [] and _public_state(again.state) == _public_state(first.state)  # from the snapshot
    assert [r.seq for r in again.state.rejected] == [seq]  # what was set aside stays set aside
    assert checkin.check_in(Session(test_vault.vault, test_vault.identity("clerk")), "A01-02").ok
    again.refresh()
    assert "A01-02" in again.state.roster.checkins  # and it follows the ledger from there

    # another user's snapshot, or one sealed for other code, is never taken
    folded.clear()
    scorer = Session(test_vault.vault, test_vault.identity("scorer"))
    assert folded == [1] and _public_state(scorer.state)[2:] == _public_state(again.state)[2:]
    monkeypatch.setattr(session_module, "fold_code_version", lambda: b"other code")
    Session(test_vault.vault, test_vault.identity("sup"))
    assert folded == [1, 1]
