"""The insider (issue 18): a user of the session, with their own passphrase and write access to
the vault file, appends events that their role or the rules do not allow.

Every forged event here is what such a user can really write: appended through
``Vault.append`` without a judge (chained, sealed and signed with their own key; only the
role their own client believes in is changed, see ``_insider_helpers.as_role``), or, for
what the write path cannot make at all (a signature of zeros, a body under another key),
inserted with plain sqlite3 (the append-only triggers stop UPDATE and DELETE, not INSERT).

For each attack:
(a) the services refuse the same action (a JzError, and the ledger head does not move);
(b) the installed ``jz verify VAULT`` with a passphrase exits 3 and names the forged seq
    (and nothing else that is valid);
(c) what commands show (``jz ranking --json``, ``jz export --format json``, ``jz public``
    — the board's state — and a fresh Session's state) is the state without the forgery.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from _insider_helpers import (
    MARKS,
    Site,
    altered_scores,
    build_template,
    bump,
    copy_vault,
    digest,
    fresh_session_state,
    fresh_state,
    random_key,
    ticket_key_pair,
)
from _storage_helpers import problem_seqs, verify_json
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jz_tui.events.common import rules_of
from jz_tui.events.results import signed_part
from jz_tui.i18n import t
from jz_tui.rules import ranking
from jz_tui.rules.count import close_record
from jz_tui.rules.draw import order_from_seed, seed_hash
from jz_tui.rules.interview import announcement
from jz_tui.services import ballots, checkin, pending, sheets
from jz_tui.services.roster import withdraw_candidate
from storage import crypto
from storage.errors import JzError
from storage.events import KINDS
from storage.scoring_state import CONFIRMED, SUBMITTED

TAMPERED = 3
REFUSED = 1


@pytest.fixture
def site(tmp_path):
    path = build_template(tmp_path / "hall.jz", tmp_path)
    opened = Site(path)
    yield opened
    opened.close()


# ---------------------------------------------------------------------- what the installed jz says


def run_ok(jz, *args: Any, user: str):
    result = jz(*args, user=user)
    assert "Internal error" not in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result


def run_refused(jz, *args: Any, user: str):
    result = jz(*args, user=user)
    assert "Internal error" not in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)
    assert result.returncode == REFUSED, (args, result.returncode, result.stdout, result.stderr)
    return result


def shown(jz, path: Path, work: Path) -> dict[str, Any]:
    """What the commands show of a vault: the ranking, the exported notice, the board's public view."""
    work.mkdir(parents=True, exist_ok=True)
    ranking_json = json.loads(run_ok(jz, "ranking", path, "--json", user="sup").stdout)
    out = work / f"notice-{len(list(work.iterdir()))}.json"
    run_ok(jz, "export", path, "--format", "json", "--out", out, user="sup")
    notice = json.loads(out.read_text(encoding="utf-8"))
    board = json.loads(run_ok(jz, "public", path, "--json", user="sup").stdout)
    return {"ranking": ranking_json["posts"], "export": {"header": notice["header"], "rows": notice["rows"]},
            "board": board}


def assert_caught(jz, path: Path, seqs: list[int], *, text: bool = True) -> dict:
    """``jz verify --user admin`` exits 3, names every forged seq, and no other event."""
    code, payload = verify_json(jz, path, user="admin")
    found = problem_seqs(payload)
    assert code == TAMPERED, payload["problems"]
    assert set(seqs) <= found, payload["problems"]
    assert found - {None} <= set(seqs), f"valid events reported: {payload['problems']}"
    if text:
        result = jz("verify", path, user="admin")
        assert result.returncode == TAMPERED
        for seq in seqs:
            assert f"event {seq}:" in result.stdout, result.stdout
    return payload


def rejected_seqs(state) -> set[int]:
    return {r.seq for r in state.rejected}


def pending_ids(jz, path: Path, user: str = "sup") -> set[str]:
    return {a["id"] for a in json.loads(run_ok(jz, "sign", path, "--list", "--json", user=user).stdout)}


# ====================================================================== 1. the tally close


def test_clerk_cannot_close_a_tally_with_made_up_figures(site, jz, tmp_path):
    state = site.state
    real = close_record(state, "A")
    forged = altered_scores(real)
    assert forged != real

    head = site.head()
    with pytest.raises(JzError):
        pending.create(site.s("clerk"), "tally.close", forged)
    assert site.head() == head

    before = shown(jz, site.backup(tmp_path / "before.jz"), tmp_path / "shown")
    # as the issue found it: the clerk's own signer set in the body, and the body as the kind now has it
    old_style = site.forge("clerk", "pending.create", {"id": "PFAKE2", "action": "tally.close", "params": forged,
                                                        "reason": "", "required": {"supervisor": 1}})
    plain = site.forge("clerk", "pending.create", {"id": "PFAKE3", "action": "tally.close", "params": forged,
                                                    "reason": ""})
    assert not pending_ids(jz, site.path) & {"PFAKE2", "PFAKE3"}
    for forged_id in ("PFAKE2", "PFAKE3"):
        run_refused(jz, "sign", site.path, forged_id, user="sup")
        with pytest.raises(JzError):
            pending.sign(site.s("sup"), forged_id)
    assert site.head() == plain

    after = fresh_session_state(site.path)
    assert after.tally.posts["A"].closed is None
    assert "PFAKE2" not in after.pending and "PFAKE3" not in after.pending
    assert rejected_seqs(after) == {old_style, plain}
    assert shown(jz, site.path, tmp_path / "shown") == before
    assert_caught(jz, site.path, [old_style, plain])


ALTERATIONS: dict[str, Callable[[dict], dict]] = {
    "every_candidate_100": altered_scores,
    "one_more_valid_ballot": lambda r: {**r, "valid": r["valid"] + 1},
    "counts_moved": lambda r: {**r, "candidates": [
        {**c, "counts": {**c["counts"], "satisfied": c["counts"].get("satisfied", 0) + 1}} if i == 0 else c
        for i, c in enumerate(r["candidates"])]},
    "issued_returned": lambda r: {**r, "issued": r["issued"] + 2, "returned": r["returned"] + 2},
}


@pytest.mark.parametrize("alteration", sorted(ALTERATIONS))
def test_tally_officer_cannot_close_with_altered_figures(site, jz, tmp_path, alteration):
    real = close_record(site.state, "A")
    forged = ALTERATIONS[alteration](real)
    assert forged != real

    head = site.head()
    with pytest.raises(JzError) as refused:
        pending.create(site.s("t1"), "tally.close", forged)
    assert refused.value.key == "event_figures_differ"
    assert site.head() == head

    before = shown(jz, site.backup(tmp_path / "before.jz"), tmp_path / "shown")
    seq = site.forge("t1", "pending.create", {"id": "PFAKE4", "action": "tally.close", "params": forged,
                                              "reason": ""})
    run_refused(jz, "sign", site.path, "PFAKE4", user="t2")
    run_refused(jz, "sign", site.path, "PFAKE4", user="sup")
    assert site.head() == seq

    after = fresh_session_state(site.path)
    assert after.tally.posts["A"].closed is None and "PFAKE4" not in after.pending
    assert rejected_seqs(after) == {seq}
    assert shown(jz, site.path, tmp_path / "shown") == before
    assert_caught(jz, site.path, [seq], text=alteration == "every_candidate_100")

    # the forged close blocks nothing: the real one is asked for, and it signs what the ballots add up to
    action = ballots.request_close(site.s("t1"), "A")
    assert action.params == real


def test_a_close_signed_by_one_officer_and_a_supervisor_does_not_take_effect(site, jz, tmp_path):
    action = ballots.request_close(site.s("t1"), "A")
    state = site.state
    assert state.pending[action.id].required == {"tally": rules_of(state).officers_to_close, "supervisor": 1}
    assert rules_of(state).officers_to_close == 2

    signed = json.loads(run_ok(jz, "sign", site.path, action.id, "--json", user="sup").stdout)
    assert signed["done"] is False and signed["missing"] == {"tally": 1}
    assert fresh_state(site.path).tally.posts["A"].closed is None

    head = site.head()
    with pytest.raises(JzError):  # the creator cannot be the second officer
        pending.sign(site.s("t1"), action.id)
    with pytest.raises(JzError):  # an officer of another box
        pending.sign(site.s("t3"), action.id)
    with pytest.raises(JzError):  # the supervisor a second time
        pending.sign(site.s("sup"), action.id)
    assert site.head() == head

    before = shown(jz, site.backup(tmp_path / "before.jz"), tmp_path / "shown")
    own = site.forge("t1", "pending.sign", {"id": action.id})
    other_box = site.forge("t3", "pending.sign", {"id": action.id})
    again = site.forge("sup", "pending.sign", {"id": action.id})
    scorer = site.forge("scorer", "pending.sign", {"id": action.id})
    forged = [own, other_box, again, scorer]

    after = fresh_session_state(site.path)
    assert after.tally.posts["A"].closed is None
    assert not after.pending[action.id].done and after.pending[action.id].missing() == {"tally": 1}
    assert rejected_seqs(after) == set(forged)
    assert shown(jz, site.path, tmp_path / "shown") == before
    assert_caught(jz, site.path, forged)

    # the second officer completes it, with the figures the ballots add up to
    pending.sign(site.s("t2"), action.id)
    assert fresh_state(site.path).tally.posts["A"].closed == close_record(fresh_state(site.path), "A")


# ====================================================================== 2. the announcement


def _announce_params(site, code: str = "A-02") -> dict:
    state = site.state
    params = announcement(state, code, rules_of(state))
    assert params is not None and params["result"] != "99.50"
    return params


def test_examiner_cannot_announce_a_score(site, jz, tmp_path):
    forged = {**_announce_params(site), "result": "99.50"}

    head = site.head()
    with pytest.raises(JzError):
        pending.create(site.s("e1"), "announce", forged)
    with pytest.raises(JzError):
        sheets.announce(site.s("e1"), "A-02")
    assert site.head() == head

    before = shown(jz, site.backup(tmp_path / "before.jz"), tmp_path / "shown")
    seq = site.forge("e1", "pending.create", {"id": "PANN99", "action": "announce", "params": forged, "reason": ""})
    run_refused(jz, "sign", site.path, "PANN99", user="sup")
    assert site.head() == seq

    after = fresh_session_state(site.path)
    assert "A-02" not in after.scoring.announced and "PANN99" not in after.pending
    assert rejected_seqs(after) == {seq}
    assert shown(jz, site.path, tmp_path / "shown") == before
    assert_caught(jz, site.path, [seq])


def _consistent_99_50(params: dict) -> dict:
    """What a careful forger writes: every sheet total and the result agree on 99.50."""
    return {**params, "sheets": [{**s, "total": "99.5"} for s in params["sheets"]], "result": "99.50"}


@pytest.mark.parametrize("alter", [lambda p: {**p, "result": "99.50"}, _consistent_99_50],
                         ids=["result_only", "sheets_and_result"])
def test_scorer_cannot_announce_altered_figures(site, jz, tmp_path, alter):
    real = _announce_params(site)
    forged = alter(real)

    head = site.head()
    with pytest.raises(JzError) as refused:
        pending.create(site.s("scorer"), "announce", forged)
    assert refused.value.key == "event_figures_differ"
    assert site.head() == head

    before = shown(jz, site.backup(tmp_path / "before.jz"), tmp_path / "shown")
    seq = site.forge("scorer", "pending.create", {"id": "PANN98", "action": "announce", "params": forged,
                                                  "reason": ""})
    run_refused(jz, "sign", site.path, "PANN98", user="sup")
    assert site.head() == seq

    after = fresh_session_state(site.path)
    assert "A-02" not in after.scoring.announced
    assert rejected_seqs(after) == {seq}
    assert shown(jz, site.path, tmp_path / "shown") == before
    assert_caught(jz, site.path, [seq])

    # the real announcement still goes through, with the real result
    action = sheets.announce(site.s("scorer"), "A-02")
    run_ok(jz, "sign", site.path, action.id, user="sup")
    assert fresh_state(site.path).scoring.announced["A-02"]["result"] == real["result"]


# ====================================================================== 3. a signature that is not one


BAD_SIGNATURES: dict[str, Callable[[Site, str], int]] = {
    # a pending.sign in the supervisor's name whose signature is ...
    "zeros": lambda site, action_id: site.forge_raw("sup", "pending.sign", {"id": action_id}, signature=bytes(64)),
    "random_bytes": lambda site, action_id: site.forge_raw("sup", "pending.sign", {"id": action_id},
                                                           signature=bytes(range(64))),
    "another_users_key": lambda site, action_id: site.forge_raw("sup", "pending.sign", {"id": action_id},
                                                                signer=site.identity("clerk")),
}


@pytest.mark.parametrize("how", sorted(BAD_SIGNATURES))
def test_a_signature_that_does_not_verify_makes_nothing_effective(site, jz, tmp_path, how):
    action = ballots.request_close(site.s("t1"), "A")
    pending.sign(site.s("t2"), action.id)
    assert site.state.pending[action.id].missing() == {"supervisor": 1}

    before = shown(jz, site.backup(tmp_path / "before.jz"), tmp_path / "shown")
    seq = BAD_SIGNATURES[how](site, action.id)

    after = fresh_session_state(site.path)
    assert not after.pending[action.id].done and after.tally.posts["A"].closed is None
    assert [(r.seq, r.key) for r in after.rejected] == [(seq, "verify_signature")]
    now = shown(jz, site.path, tmp_path / "shown")
    assert now == before
    assert all(c["democratic"] is None and c["status"] != "target"
               for post in now["ranking"] if post["code"] == "A" for c in post["candidates"])
    listing = json.loads(run_ok(jz, "sign", site.path, "--list", "--json", user="sup").stdout)
    assert [a["missing"] for a in listing if a["id"] == action.id] == [{"supervisor": 1}]
    assert_caught(jz, site.path, [seq])
    code, payload = verify_json(jz, site.path)  # no passphrase needed to see a bad signature
    assert code == TAMPERED and seq in problem_seqs(payload)

    # the supervisor's real signature still closes it, with the real figures
    run_ok(jz, "sign", site.path, action.id, user="sup")
    closed = fresh_state(site.path)
    assert closed.tally.posts["A"].closed == close_record(closed, "A")
    assert shown(jz, site.path, tmp_path / "shown") != before


# ====================================================================== 4. a confirmation by an examiner


@pytest.mark.parametrize("examiner", ["e2", "e1"], ids=["other_examiner", "the_author"])
def test_a_sheet_confirmed_by_an_examiner_does_not_count(site, jz, tmp_path, examiner):
    head = site.head()
    with pytest.raises(JzError):
        sheets.confirm(site.s(examiner), "A-03", "e1")
    assert site.head() == head

    before = shown(jz, site.backup(tmp_path / "before.jz"), tmp_path / "shown")
    seq = site.forge(examiner, "sheet.confirm", {"candidate": "A-03", "examiner": "e1"})

    after = fresh_session_state(site.path)
    sheet = after.scoring.sheets[("A-03", "e1")]
    assert sheet.status == SUBMITTED and sheet.confirmed_by == ""
    assert rejected_seqs(after) == {seq}
    assert shown(jz, site.path, tmp_path / "shown") == before
    shown_sheets = json.loads(run_ok(jz, "sheet", "show", site.path, "--candidate", "A-03", "--json",
                                     user="scorer").stdout)
    assert [(s["examiner"], s["status"], s["confirmed_by"]) for s in shown_sheets] == [("e1", SUBMITTED, "")]
    assert_caught(jz, site.path, [seq])

    # it is still the scorer's to confirm
    sheets.confirm(site.s("scorer"), "A-03", "e1")
    assert fresh_state(site.path).scoring.sheets[("A-03", "e1")].status == CONFIRMED


# ====================================================================== 5. a body nobody can open


def _remove_e2(site: Site) -> bytes:
    """The admin removes e2; e2 unlocked before (an insider keeps their old keyring): their old data key."""
    old_key = site.identity("e2").data_key
    admin = site.s("admin")
    site.vault.rekey(admin.identity, remove=["e2"], judge=admin.judge)
    return old_key


UNREADABLE: dict[str, tuple[Callable[[Site], Any], Callable[[Site, Any], int]]] = {
    # a removed user writes on with the key they kept
    "removed_user": (_remove_e2, lambda site, old_key: site.forge_raw(
        "e2", "sheet.submit", {"candidate": "A-03", "items": MARKS["e2"]}, data_key=old_key)),
    # a user seals a body under a key of their own
    "random_key": (lambda site: None, lambda site, _: site.forge_raw(
        "clerk", "checkin.accept", {"code": "C-03", "terminal": "desk", "via": "pick"}, data_key=random_key())),
}


@pytest.mark.parametrize("how", sorted(UNREADABLE))
def test_a_body_that_cannot_be_decrypted_breaks_no_command(site, jz, tmp_path, how):
    prepare, forge = UNREADABLE[how]
    context = prepare(site)
    path = site.path
    before = shown(jz, site.backup(tmp_path / "before.jz"), tmp_path / "shown")
    seq = forge(site, context)

    after = fresh_session_state(path)
    assert [(r.seq, r.key) for r in after.rejected] == [(seq, "verify_decrypt")]
    if how == "random_key":
        assert "C-03" not in after.roster.checkins
    else:
        assert ("A-03", "e2") not in after.scoring.sheets
        # the same action through jz is refused: the removed user cannot even log in
        run_refused(jz, "sheet", "submit", path, "--candidate", "A-03", "--items", ",".join(MARKS["e2"]),
                    user="e2")
        assert site.head() == seq
    assert shown(jz, path, tmp_path / "shown") == before

    # every command still works (never "Internal error"), on the state without the unreadable event
    for args, user in [
        (("ranking", path, "--csv"), "admin"),
        (("export", path, "--format", "html", "--out", tmp_path / "n.html"), "admin"),
        (("sign", path, "--list"), "sup"),
        (("roster", "list", path), "clerk"),
        (("checkin", path, "--counts"), "clerk"),
        (("tally", "show", path, "--post", "A"), "t1"),
        (("sheet", "show", path, "--candidate", "A-03"), "scorer"),
        (("hall", "list", path), "admin"),
        (("log", path), "admin"),
        (("log", path, "--json"), "sup"),
    ]:
        run_ok(jz, *args, user=user)

    # a write after it works and counts
    run_ok(jz, "checkin", path, "C-03", user="clerk")
    written_after = fresh_session_state(path)
    assert "C-03" in written_after.roster.checkins
    assert rejected_seqs(written_after) == {seq}

    assert_caught(jz, path, [seq])
    # without a passphrase: a removed user's event after the rekey that wiped their slot can be told
    # from what is in the clear; a body under some other key cannot (nothing public says so)
    result = jz("verify", path)
    assert "Traceback" not in result.stderr and "Internal error" not in result.stderr
    if how == "removed_user":
        assert result.returncode == TAMPERED and f"event {seq}:" in result.stdout, result.stdout
    else:
        assert result.returncode in (0, TAMPERED)


# ====================================================================== 6. one forgery per event kind


# Each case forges one event of a kind, with the wrong role or a body that breaks the kind's
# preconditions, on the template session (after its own valid setup, if any). The test asserts
# that the fold sets exactly that event aside and changes nothing (``field``, and the whole
# state's digest), that ``jz ranking`` shows the state before it, that a valid action after it
# still counts, and that ``jz verify`` names its seq and nothing else.


@dataclass(frozen=True)
class Case:
    kind: str
    name: str
    forge: Callable[[Site, Any], int]
    setup: Callable[[Site], Any] | None = None
    field: Callable[[Any], Any] = lambda state: None  # the part of the state the forgery is after
    follow: str = "checkin"  # the valid action made after it (one the forgery does not stand in the way of)


def _box_body(site: Site) -> dict:
    return {"id": "BOX3", "posts": ["C"], "seal_no": "FAKE", "officers": ["t1", "t2"], "k": 2,
            "public_key": "11" * 32, "shares": {"t1": "00", "t2": "00"},
            "hold_public_key": "12" * 32, "hold_shares": {"t1": "00", "t2": "00"}}


def _undo_pending(site: Site) -> str:
    return checkin.request_undo(site.s("clerk"), "A-01", "typed the wrong code").id


def _commit_c(site: Site) -> str:
    seed = "ab" * 32
    site.s("clerk").append("draw.commit", {"post": "C", "seed_hash": seed_hash(seed), "candidates": ["C-01", "C-02"]})
    return seed


def _reveal_reversed(site: Site, seed: str) -> int:
    order = order_from_seed(seed, ["C-01", "C-02"])
    return site.forge("clerk", "draw.reveal", {"post": "C", "seed": seed, "order": list(reversed(order))})


def _foreign_export(site: Site) -> dict:
    """An export as a hall would sign it, by a key this vault never registered: C-01 scored 100."""
    key = crypto.new_signing_key()
    public = crypto.public_bytes(key)
    state = site.state
    body = {
        "format": "jz-hall-export-v1",
        "hall": {"vault_id": "00" * 16, "session": "elsewhere", "admin": "mallory", "public_key": public.hex(),
                 "fingerprint": crypto.fingerprint(public)},
        "head": {"seq": 40, "hash": "00" * 32},
        "exported_at": "2025-01-01T00:00:00.000+00:00",
        "posts": [{"code": "C", "tally": None, "candidates": [
            {"code": c.code, "interview": {"candidate": c.code, "number": c.code, "method": "gymnastics",
                                            "sheets": [], "dropped": [], "extremes_dropped": [], "result": "100.00"}}
            for c in state.roster.candidates_of("C")]}],
    }
    return {**body, "signature": key.sign(signed_part(body)).hex()}


def _withdraw_c03(site: Site) -> None:
    withdraw_candidate(site.s("admin"), "C-03", "moved to another county")


def _c03_absent(site: Site) -> None:
    assert checkin.mark_absent(site.s("admin"), ["C"]) == ["C-03"]


def _rekey_body(epoch: int, removed: list[str]) -> dict:
    return {"epoch": epoch, "keys": {}, "removed": removed}


CASES: list[Case] = [
    Case("box.create", "clerk_creates_a_box", lambda s, _: s.forge("clerk", "box.create", _box_body(s)),
         field=lambda st: sorted(st.tally.boxes)),
    Case("box.open", "officer_of_another_box", lambda s, _: s.forge(
        "t1", "box.open", {"post": "C", "seal_intact": True, "note": "", "issued": 3, "returned": 3}),
         field=lambda st: st.tally.posts["C"].opened),
    Case("ballot.enter", "marks_of_the_wrong_length", lambda s, _: s.forge(
        "t1", "ballot.enter", {"post": "A", "no": 6, "marks": "SSSS", "group": ""}),
         field=lambda st: len(st.tally.posts["A"].entries["t1"])),
    Case("ballot.enter", "officer_of_another_box", lambda s, _: s.forge(
        "t3", "ballot.enter", {"post": "A", "no": 1, "marks": "SSS", "group": ""}),
         field=lambda st: sorted(st.tally.posts["A"].entries)),
    Case("ballot.void", "officer_of_another_box", lambda s, _: s.forge(
        "t3", "ballot.void", {"post": "A", "no": 1, "reason": "torn"}),
         field=lambda st: sorted(st.tally.posts["A"].entries)),
    Case("ballot.withdraw", "another_officers_entry", lambda s, _: s.forge(
        "t2", "ballot.withdraw", {"post": "A", "officer": "t1", "no": 1, "reason": "entered twice"}),
         field=lambda st: (st.tally.posts["A"].entries["t1"], st.tally.posts["A"].withdrawn)),
    Case("box.recount", "after_ballots_entered", lambda s, _: s.forge(
        "t1", "box.recount", {"post": "A", "issued": 6, "returned": 6, "reason": "one more found"}),
         field=lambda st: (st.tally.posts["A"].opened, st.tally.posts["A"].recounts)),
    Case("tokens.issue", "clerk_issues_slips", lambda s, _: s.forge(
        "clerk", "tokens.issue", {"box": "BOX2", "commitments": ["22" * 32]}),
         field=lambda st: st.tally.boxes["BOX2"].commitments),
    Case("token.spend", "slip_never_issued", lambda s, _: s.forge(
        "t3", "token.spend", {"box": "BOX2", "token": "33" * 32}),
         field=lambda st: st.tally.boxes["BOX2"].spent),
    Case("box.mix", "examiner_mixes", lambda s, _: s.forge("e1", "box.mix", {"box": "BOX2", "count": 0})),
    Case("box.mix", "unknown_box", lambda s, _: s.forge("t1", "box.mix", {"box": "BOX9", "count": 0})),
    Case("box.unseal", "ballots_without_slips", lambda s, _: s.forge(
        "t3", "box.unseal", {"box": "BOX2", "ballots": {"C": ["SSS"]}, "count": 1, "private_key": random_key().hex()}),
         field=lambda st: (st.tally.boxes["BOX2"].unsealed_seq, st.tally.posts["C"].electronic)),
    Case("box.unseal", "one_officer_alone", lambda s, _: s.forge(
        "t3", "box.unseal", {"box": "BOX2", "ballots": {"C": []}, "count": 0, "private_key": random_key().hex()}),
         field=lambda st: (st.tally.boxes["BOX2"].unsealed_seq, st.tally.boxes["BOX2"].private_key)),
    Case("box.mix", "before_the_unsealing_is_signed", lambda s, _: s.forge(
        "t3", "box.mix", {"box": "BOX2", "count": 0})),
    Case("config.set", "officer_lowers_the_signers", lambda s, _: s.forge(
        "t1", "config.set", {"changes": {"tally.officers_to_close": 1}}),
         field=lambda st: dict(st.roster.settings)),
    Case("config.set", "invalid_value", lambda s, _: s.forge(
        "admin", "config.set", {"changes": {"tally.officers_to_close": 0}}),
         field=lambda st: dict(st.roster.settings)),
    Case("roster.import", "clerk_adds_a_candidate", lambda s, _: s.forge("clerk", "roster.import", {
        "posts": [], "candidates": [{"code": "A-04", "post": "A", "name": "王五", "id_number": "", "unit": "",
                                     "establishment": "", "department": "", "exam_no": ""}]}),
         field=lambda st: sorted(st.roster.candidates)),
    Case("roster.import", "duplicate_code", lambda s, _: s.forge("admin", "roster.import", {
        "posts": [], "candidates": [{"code": "A-01", "post": "A", "name": "王五", "id_number": "", "unit": "",
                                     "establishment": "", "department": "", "exam_no": ""}]}),
         field=lambda st: st.roster.candidates["A-01"].name),
    Case("candidate.edit", "clerk_renames", lambda s, _: s.forge(
        "clerk", "candidate.edit", {"code": "A-02", "reason": "typo", "changes": {"name": "王五"}}),
         field=lambda st: st.roster.candidates["A-02"].name),
    Case("candidate.withdraw", "clerk_withdraws", lambda s, _: s.forge(
        "clerk", "candidate.withdraw", {"code": "A-01", "reason": "left"}),
         field=lambda st: st.roster.candidates["A-01"].withdrawn),
    Case("candidate.withdraw", "unknown_candidate", lambda s, _: s.forge(
        "admin", "candidate.withdraw", {"code": "Z-99", "reason": "left"})),
    Case("tickets.issue", "ticket_key_in_the_body", lambda s, _: s.forge("admin", "tickets.issue", dict(
        zip(("signing_key", "public_key"), ticket_key_pair(), strict=True), nonces={"A-01": "44" * 8})),
         field=lambda st: (st.roster.ticket_keys.get("A-01"), st.roster.ticket_nonces.get("A-01"))),
    Case("tickets.issue", "clerk_issues", lambda s, _: s.forge("clerk", "tickets.issue", {"nonces": {"A-01": "44" * 8}}),
         field=lambda st: (st.roster.ticket_keys.get("A-01"), st.roster.ticket_nonces.get("A-01"))),
    Case("checkin.accept", "unknown_code", lambda s, _: s.forge(
        "clerk", "checkin.accept", {"code": "Z-99", "terminal": "desk", "via": "pick"}),
         field=lambda st: sorted(st.roster.checkins)),
    Case("checkin.accept", "already_checked_in", lambda s, _: s.forge(
        "clerk", "checkin.accept", {"code": "A-01", "terminal": "elsewhere", "via": "pick"}),
         field=lambda st: st.roster.checkins["A-01"].terminal),
    Case("checkin.accept", "absent_candidate", lambda s, _: s.forge(
        "clerk", "checkin.accept", {"code": "C-03", "terminal": "desk", "via": "pick"}), setup=_c03_absent,
         field=lambda st: sorted(st.roster.checkins), follow="confirm"),
    Case("checkin.accept", "withdrawn_candidate", lambda s, _: s.forge(
        "clerk", "checkin.accept", {"code": "C-03", "terminal": "desk", "via": "pick"}), setup=_withdraw_c03,
         field=lambda st: sorted(st.roster.checkins), follow="confirm"),
    Case("checkin.refuse", "examiner_refuses", lambda s, _: s.forge(
        "e1", "checkin.refuse", {"reason": "forged", "input": "A-02", "terminal": "desk", "code": "A-02"}),
         field=lambda st: list(st.roster.refusals)),
    Case("checkin.absent", "checked_in_marked_absent", lambda s, _: s.forge(
        "admin", "checkin.absent", {"codes": ["A-01"]}),
         field=lambda st: st.roster.absent),
    Case("checkin.absent", "withdrawn_candidate", lambda s, _: s.forge(
        "admin", "checkin.absent", {"codes": ["C-03"]}), setup=_withdraw_c03,
         field=lambda st: st.roster.absent, follow="confirm"),
    Case("checkin.absent", "clerk_marks_absent", lambda s, _: s.forge(
        "clerk", "checkin.absent", {"codes": ["C-03"]}),
         field=lambda st: st.roster.absent),
    Case("draw.commit", "not_the_checked_in", lambda s, _: s.forge(
        "clerk", "draw.commit", {"post": "C", "seed_hash": "55" * 32, "candidates": ["C-01", "C-02", "C-03"]}),
         field=lambda st: st.roster.draws.get("C")),
    Case("draw.reveal", "order_not_from_the_seed", _reveal_reversed, setup=_commit_c,
         field=lambda st: (st.roster.draws["C"].order, st.roster.draws["C"].reveal_seq)),
    Case("written.import", "replaced_without_saying", lambda s, _: s.forge(
        "admin", "written.import", {"stage": "written", "scores": {"A-01": "99.00"}}),
         field=lambda st: st.scoring.written["A-01"]),
    Case("written.import", "clerk_imports", lambda s, _: s.forge(
        "clerk", "written.import", {"stage": "written", "scores": {"A-01": "99.00"}, "replaces": {
            "A-01": s.state.scoring.written["A-01"]}, "reason": "re-marked"}),
         field=lambda st: st.scoring.written["A-01"]),
    Case("sheet.submit", "mark_above_the_rubric", lambda s, _: s.forge(
        "e2", "sheet.submit", {"candidate": "A-03", "items": ["30", "18", "13", "12", "13", "9"]}),
         field=lambda st: st.scoring.sheets.get(("A-03", "e2"))),
    Case("sheet.submit", "scorer_submits", lambda s, _: s.forge(
        "scorer", "sheet.submit", {"candidate": "A-03", "items": MARKS["e2"]}),
         field=lambda st: st.scoring.sheets.get(("A-03", "scorer"))),
    Case("sheet.withdraw", "confirmed_sheet", lambda s, _: s.forge(
        "e1", "sheet.withdraw", {"candidate": "A-02", "reason": "changed my mind"}),
         field=lambda st: st.scoring.sheets[("A-02", "e1")].status),
    Case("sheet.confirm", "examiner_confirms", lambda s, _: s.forge(
        "e2", "sheet.confirm", {"candidate": "A-03", "examiner": "e1"}),
         field=lambda st: st.scoring.sheets[("A-03", "e1")].status),
    Case("sheet.reject", "confirmed_sheet", lambda s, _: s.forge(
        "scorer", "sheet.reject", {"candidate": "A-02", "examiner": "e1", "reason": "too high"}),
         field=lambda st: st.scoring.sheets[("A-02", "e1")].status),
    Case("pending.create", "clerk_disqualifies", lambda s, _: s.forge(
        "clerk", "pending.create", {"id": "PDQ111", "action": "candidate.disqualify",
                                    "params": {"code": "A-01", "reason": "x"}, "reason": "x"}),
         field=lambda st: sorted(st.pending)),
    Case("pending.create", "officer_of_another_box_closes", lambda s, _: s.forge(
        "t3", "pending.create", {"id": "PCL111", "action": "tally.close", "params": close_record(s.state, "A"),
                                 "reason": ""}),
         field=lambda st: sorted(st.pending)),
    Case("pending.create", "correcting_another_examiners_sheet", lambda s, _: s.forge(
        "e2", "pending.create", {"id": "PCO111", "action": "sheet.correct",
                                 "params": {"candidate": "A-02", "examiner": "e1",
                                            "items": ["10", "10", "10", "10", "10", "5"]}, "reason": "typo"}),
         field=lambda st: sorted(st.pending)),
    Case("pending.create", "override_by_another_box", lambda s, _: s.forge(
        "t3", "pending.create", {"id": "POV111", "action": "tally.override", "params": {"post": "A"},
                                 "reason": "gap"}),
         field=lambda st: sorted(st.pending)),
    Case("pending.sign", "scorer_signs_for_the_supervisor", lambda s, action_id: s.forge(
        "scorer", "pending.sign", {"id": action_id}), setup=_undo_pending,
         field=lambda st: sorted((a.id, a.done, tuple(a.signatures)) for a in st.pending.values())),
    Case("pending.sign", "creator_signs", lambda s, action_id: s.forge(
        "clerk", "pending.sign", {"id": action_id}), setup=_undo_pending,
         field=lambda st: sorted((a.id, a.done, tuple(a.signatures)) for a in st.pending.values())),
    Case("vault.init", "second_init", lambda s, _: s.forge("admin", "vault.init", {
        "session": "hijacked", "admin": "admin", "public_key": crypto.public_bytes(crypto.new_signing_key()).hex(),
        "box_public_key": "66" * 32}),
         field=lambda st: (st.session_name, st.users["admin"].public_key)),
    Case("user.add", "name_reused", lambda s, _: s.forge("admin", "user.add", {
        "name": "e1", "role": "supervisor", "public_key": crypto.public_bytes(crypto.new_signing_key()).hex(),
        "box_public_key": "77" * 32}),
         field=lambda st: (st.users["e1"].role, st.users["e1"].public_key)),
    Case("user.add", "clerk_adds_a_supervisor", lambda s, _: s.forge("clerk", "user.add", {
        "name": "mallory", "role": "supervisor", "public_key": crypto.public_bytes(crypto.new_signing_key()).hex(),
        "box_public_key": "88" * 32}),
         field=lambda st: sorted(st.users)),
    Case("user.passwd", "for_someone_else", lambda s, _: s.forge("clerk", "user.passwd", {"name": "sup"})),
    Case("vault.rekey", "clerk_removes_the_admin", lambda s, _: s.forge(
        "clerk", "vault.rekey", _rekey_body(1, ["admin"])),
         field=lambda st: (st.key_epoch, st.removed)),
    Case("vault.rekey", "epoch_out_of_order", lambda s, _: s.forge("admin", "vault.rekey", _rekey_body(7, [])),
         field=lambda st: (st.key_epoch, st.removed)),
    Case("publication.freeze", "clerk_freezes", lambda s, _: s.forge(
        "clerk", "publication.freeze", {"frozen": True}),
         field=lambda st: st.inspection.public_frozen_at),
    Case("inspection.note", "scorer_notes", lambda s, _: s.forge(
        "scorer", "inspection.note", {"code": "B-01", "dimension": "廉", "note": "rumours"}),
         field=lambda st: st.inspection.notes),
    Case("decision.record", "without_the_notes", lambda s, _: s.forge("admin", "decision.record", {
        "code": "B-01", "decision": "appoint", "note": "", "start": "2025-01-01", "probation_end": "2026-01-01"}),
         field=lambda st: st.inspection.decisions),
    Case("hall.add", "this_vault_as_a_hall", lambda s, _: s.forge(
        "admin", "hall.add", {"name": "self", "fingerprint": s.vault.admin_fingerprint}),
         field=lambda st: st.halls.registered),
    Case("hall.add", "clerk_registers", lambda s, _: s.forge(
        "clerk", "hall.add", {"name": "east", "fingerprint": "0123 4567 89ab cdef 0123 4567 89ab cdef"}),
         field=lambda st: st.halls.registered),
    Case("hall.import", "not_a_registered_hall", lambda s, _: s.forge(
        "admin", "hall.import", {"hall": "mallory", "export": _foreign_export(s)}),
         field=lambda st: (st.halls.imports, {c: st.scoring.announced.get(c) for c in ("C-01", "C-02", "C-03")})),
    Case("extra.import", "no_tie_to_settle", lambda s, _: s.forge(
        "admin", "extra.import", {"post": "B", "scores": {"B-01": "10.00", "B-02": "90.00"}, "reason": "x"}),
         field=lambda st: st.scoring.extra),
    Case("extra.import", "clerk_holds_an_extra_stage", lambda s, _: s.forge(
        "clerk", "extra.import", {"post": "B", "scores": {"B-01": "10.00"}, "reason": "x"}),
         field=lambda st: st.scoring.extra),
    Case("panel.set", "clerk_sets_the_panel", lambda s, _: s.forge(
        "clerk", "panel.set", {"panel": "R1", "posts": [], "examiners": ["e1"], "chief": "e1"}),
         field=lambda st: (dict(st.scoring.panels), dict(st.scoring.panel_of_post))),
    Case("panel.replace", "no_such_panel", lambda s, _: s.forge(
        "admin", "panel.replace", {"panel": "R1", "examiner": "e1", "by": "e2", "reason": "ill"}),
         field=lambda st: dict(st.scoring.panels)),
    Case("panel.commit", "draw_the_rules_do_not_ask_for", lambda s, _: s.forge(
        "admin", "panel.commit", {"seed_hash": "cd" * 32, "pool": ["e2"],
                                  "panels": [{"panel": "R1", "posts": [], "chief": "e1", "size": 2}]}),
         field=lambda st: st.scoring.panel_draw),
    Case("panel.reveal", "without_a_commit", lambda s, _: s.forge(
        "admin", "panel.reveal", {"seed": "ab" * 32, "panels": {"R1": ["e1", "e2"]}}),
         field=lambda st: dict(st.scoring.panels)),
]


def test_every_kind_has_a_forged_case():
    assert set(KINDS) - {case.kind for case in CASES} == set()
    assert {case.kind for case in CASES} <= set(KINDS)


def _follow_up(site: Site, which: str) -> Callable[[Any], bool]:
    """A valid action through the services; returns how to see that it counted."""
    if which == "checkin":
        assert checkin.check_in(site.s("clerk"), "C-03").ok
        return lambda state: "C-03" in state.roster.checkins
    sheets.confirm(site.s("scorer"), "A-03", "e1")
    return lambda state: state.scoring.sheets[("A-03", "e1")].status == CONFIRMED


@pytest.mark.parametrize("case", CASES, ids=[f"{c.kind}-{c.name}" for c in CASES])
def test_forged_event_of_each_kind_is_set_aside(site, jz, case):
    context = case.setup(site) if case.setup else None
    before = fresh_state(site.path)
    assert not before.rejected

    seq = case.forge(site, context)
    assert seq == site.head()
    assert next(site.vault.events(seq - 1)).kind == case.kind

    after = fresh_session_state(site.path)
    assert rejected_seqs(after) == {seq}, after.rejected
    assert case.field(after) == case.field(before)
    assert digest(after) == digest(before)
    shown_ranking = json.loads(run_ok(jz, "ranking", site.path, "--json", user="sup").stdout)["posts"]
    assert shown_ranking == ranking.to_json(before, ranking.rank(before))["posts"]
    for rejected in after.rejected:  # the reason can be shown, in both languages
        for lang in ("zh", "en"):
            assert t(rejected.key, lang=lang, **{"kind": rejected.kind, "actor": rejected.actor, **rejected.params})

    # the session goes on: a valid action after the forgery is accepted and counts
    try:
        counted = _follow_up(site, case.follow)
    except Exception as error:
        raise AssertionError(f"a valid action after the forged event {seq} failed: {error!r}") from error
    later = fresh_session_state(site.path)
    assert counted(later) and rejected_seqs(later) == {seq}, later.rejected

    assert_caught(jz, site.path, [seq], text=False)


# ====================================================================== 7. valid calls and forgeries, interleaved


CODES_TO_SCORE = ("A-02", "A-03", "C-01", "C-02")  # its sheets are confirmed, it can be announced
TOTAL_MARKS = (MARKS["e1"], MARKS["e2"], ["25", "20", "15", "15", "15", "10"], ["10", "10", "10", "10", "10", "5"])
PAPER = ("SSS", "SBD", "DDD", "B-S", "---", "SDB")


def _open_ids(site: Site) -> list[str]:
    return sorted(a.id for a in site.state.pending.values() if not a.done)


def _valid_step(site: Site, name: str, pick: int) -> str:
    """One service call, as a person in the hall would make it; returns how it went."""
    code = CODES_TO_SCORE[pick % len(CODES_TO_SCORE)]
    examiner = ("e1", "e2")[pick % 2]
    try:
        if name == "checkin":
            return checkin.check_in(site.s("clerk"), ("C-03", "A-01")[pick % 2]).outcome
        if name == "submit":
            sheets.submit(site.s(examiner), code, TOTAL_MARKS[pick % len(TOTAL_MARKS)])
        elif name == "confirm":
            sheets.confirm(site.s("scorer"), code, examiner)
        elif name == "reject":
            sheets.reject(site.s("scorer"), code, examiner, "please check item 1")
        elif name == "withdraw":
            sheets.withdraw(site.s(examiner), code, "wrong candidate")
        elif name == "announce":
            sheets.announce(site.s("scorer"), code)
        elif name == "enter":
            ballots.enter_ballot(site.s(("t1", "t2")[pick % 2]), "A", PAPER[pick % len(PAPER)])
        elif name == "void":
            ballots.void_ballot(site.s(("t1", "t2")[pick % 2]), "A", "two marks")
        elif name == "close":
            ballots.request_close(site.s(("t1", "t2")[pick % 2]), "A")
        elif name == "sign":
            ids = _open_ids(site)
            if not ids:
                return "nothing to sign"
            pending.sign(site.s(("sup", "t1", "t2", "scorer")[pick % 4]), ids[pick % len(ids)])
        elif name == "undo":
            checkin.request_undo(site.s("clerk"), ("A-01", "C-01")[pick % 2], "wrong person")
        else:  # pragma: no cover
            raise AssertionError(name)
    except JzError as error:
        return f"refused: {error.key}"
    return "ok"


def _target(site: Site, pick: int) -> str:
    ids = _open_ids(site)
    return ids[pick % len(ids)] if ids else "PNONE9"


def _forge_altered_close(site: Site, pick: int) -> int:
    record = close_record(site.state, "A")
    return site.forge("t1", "pending.create", {"id": f"PFC{pick:03d}", "action": "tally.close",
                                               "params": {**record, "valid": record["valid"] + 1}, "reason": ""})


def _forge_altered_announce(site: Site, pick: int) -> int:
    code = CODES_TO_SCORE[pick % len(CODES_TO_SCORE)]
    state = site.state
    params = announcement(state, code, rules_of(state))
    if params is None:
        params = {"candidate": code, "number": code, "method": "gymnastics", "sheets": [], "dropped": [],
                  "extremes_dropped": [], "result": "99.50"}
    else:
        params = {**params, "result": bump(params["result"], "0.01")}
    return site.forge("scorer", "pending.create", {"id": f"PFA{pick:03d}", "action": "announce", "params": params,
                                                   "reason": ""})


def _forge_foreign_signature(site: Site, pick: int) -> int:
    """A confirmation in the scorer's name (of a sheet that could be confirmed), signed with the clerk's key."""
    state = site.state
    submitted = sorted(k for k, sheet in state.scoring.sheets.items() if sheet.status == SUBMITTED)
    code, examiner = submitted[pick % len(submitted)] if submitted else ("A-03", "e1")
    return site.forge_raw("scorer", "sheet.confirm", {"candidate": code, "examiner": examiner},
                          signer=site.identity("clerk"))


FORGERS: dict[str, Callable[[Site, int], int]] = {
    # the wrong role
    "examiner_confirms": lambda s, p: s.forge("e1", "sheet.confirm", {
        "candidate": CODES_TO_SCORE[p % len(CODES_TO_SCORE)], "examiner": "e2"}),
    "clerk_enters_ballot": lambda s, p: s.forge("clerk", "ballot.enter", {
        "post": "A", "no": 1 + p % 3, "marks": PAPER[p % len(PAPER)], "group": ""}),
    "duplicate_checkin": lambda s, p: s.forge("clerk", "checkin.accept", {
        "code": ("A-01", "B-02")[p % 2], "terminal": "elsewhere", "via": "pick"}),
    "officer_checks_in": lambda s, p: s.forge("t1", "checkin.accept", {"code": "C-03", "terminal": "x", "via": "pick"}),
    "clerk_lowers_signers": lambda s, p: s.forge("clerk", "config.set", {"changes": {"tally.officers_to_close": 1}}),
    # the wrong signer set
    "creator_signs": lambda s, p: s.forge(
        s.state.pending[t].created_by if (t := _target(s, p)) in s.state.pending else "sup", "pending.sign", {"id": t}),
    "other_box_signs": lambda s, p: s.forge("t3", "pending.sign", {"id": _target(s, p)}),
    "examiner_signs": lambda s, p: s.forge("e1", "pending.sign", {"id": _target(s, p)}),
    # altered parameters
    "altered_close": _forge_altered_close,
    "altered_announce": _forge_altered_announce,
    # wrong counts
    "wrong_length_ballot": lambda s, p: s.forge("t1", "ballot.enter", {
        "post": "A", "no": 1 + len(s.state.tally.posts["A"].entries.get("t1", {})), "marks": "SSSS", "group": ""}),
    "other_box_opened": lambda s, p: s.forge("t1", "box.open", {
        "post": "C", "seal_intact": True, "note": "", "issued": 3, "returned": 3}),
    # signatures and bodies that are not what they claim
    "zero_signature": lambda s, p: s.forge_raw("sup", "pending.sign", {"id": _target(s, p)}, signature=bytes(64)),
    "foreign_signature": _forge_foreign_signature,
    "random_key_body": lambda s, p: s.forge_raw("clerk", "checkin.accept", {
        "code": "C-03", "terminal": "x", "via": "pick"}, data_key=random_key()),
}
VALID_STEPS = ("checkin", "submit", "confirm", "reject", "withdraw", "announce", "enter", "void", "close", "sign",
               "undo")

# valid calls that leave something for the forgeries to aim at: a close waiting for its signers,
# an announcement waiting for the supervisor, an undo of a check-in
PRELUDE = (("close", 0), ("announce", 0), ("undo", 0), ("submit", 3), ("enter", 1))

forged_step = st.tuples(st.just("forge"), st.sampled_from(sorted(FORGERS)), st.integers(0, 60))
step = st.one_of(st.tuples(st.just("valid"), st.sampled_from(VALID_STEPS), st.integers(0, 60)), forged_step)


def _compact(state) -> dict[str, Any]:
    """What the comparison reads, beside the whole state's digest: the ranking and the parts the steps touch."""
    return {
        "ranking": ranking.to_json(state, ranking.rank(state))["posts"],
        "checkins": sorted(state.roster.checkins),
        "sheets": {f"{c}/{e}": (s.status, s.items, s.confirmed_by)
                   for (c, e), s in sorted(state.scoring.sheets.items())},
        "entries": {o: {n: e.marks for n, e in es.items()} for o, es in state.tally.posts["A"].entries.items()},
        "closed": state.tally.posts["A"].closed,
        "pending": {a.id: (a.action, a.done, a.signatures) for a in state.pending.values()},
        "announced": sorted(state.scoring.announced),
        "settings": dict(state.roster.settings),
    }


@pytest.fixture(scope="module")
def template():
    with tempfile.TemporaryDirectory() as work:
        yield build_template(Path(work) / "template.jz", Path(work))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(prelude=st.lists(st.sampled_from(PRELUDE), unique=True, max_size=len(PRELUDE)),
       steps=st.lists(step, max_size=16), forgery=forged_step, at=st.integers(0, 16))
def test_forgeries_interleaved_with_valid_calls_change_nothing(template, prelude, steps, forgery, at):
    steps = [("valid", name, pick) for name, pick in prelude] + steps[:at] + [forgery] + steps[at:]
    with tempfile.TemporaryDirectory() as work, \
            mock.patch.object(pending, "_new_id", lambda state: f"PQ{len(state.pending) + 1:04d}"):
        mixed = Site(copy_vault(template, Path(work) / "mixed.jz"))
        valid = Site(copy_vault(template, Path(work) / "valid.jz"))
        try:
            forged_seqs, outcomes_mixed, outcomes_valid = set(), [], []
            for kind, name, pick in steps:
                if kind == "forge":
                    forged_seqs.add(FORGERS[name](mixed, pick))
                else:
                    outcomes_mixed.append((name, _valid_step(mixed, name, pick)))
                    outcomes_valid.append((name, _valid_step(valid, name, pick)))
            assert outcomes_mixed == outcomes_valid
            with_forgeries = fresh_session_state(mixed.path)
            without = fresh_session_state(valid.path)
            assert rejected_seqs(with_forgeries) == forged_seqs, with_forgeries.rejected
            assert without.rejected == []
            assert _compact(with_forgeries) == _compact(without)
            assert digest(with_forgeries, seqs=False) == digest(without, seqs=False)
        finally:
            mixed.close()
            valid.close()
