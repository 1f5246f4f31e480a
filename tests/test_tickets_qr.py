"""Admission tickets: PNGs read back with a real QR decoder (zbar), checked in with what it
read; altered, foreign and revoked codes refused; every failed attempt recorded.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from _hall_helpers import import_demo_roster, jz_here, kinds, session_of, zbar  # noqa: F401  (jz_here: fixture)
from conftest import make_test_vault

from jz_tui.services import checkin, tickets

POSTS = [("A01", "办公室综合科科长", "区委办公室", 3), ("B01", "信息中心主任", "区数据局", 2)]
CODES = ["A01-01", "A01-02", "A01-03", "B01-01", "B01-02"]


@pytest.fixture
def hall(test_vault, tmp_path):
    """A vault with a synthetic roster of five and its tickets written to tmp_path/tickets."""
    admin = session_of(test_vault, "admin")
    import_demo_roster(admin, tmp_path, posts=POSTS, seed=17)
    return test_vault, admin


def refusals(session) -> int:
    return kinds(session).get("checkin.refuse", 0)


def alter(payload: str, part: int, index: int) -> str:
    """The payload with one base32 character of part ``part`` (1 body, 2 signature) changed."""
    pieces = payload.split(":")
    text = pieces[part]
    old = text[index]
    new = "A" if old != "A" else "B"
    pieces[part] = text[:index] + new + text[index + 1:]
    return ":".join(pieces)


def test_tickets_round_trip_through_a_real_decoder(hall, tmp_path, jz):
    tv, admin = hall
    out = tmp_path / "tickets"
    done = jz("tickets", tv.path, "--out", out, "--hall", "第一考场", "--time", "2026-12-01 08:30", "--json",
              user="admin")
    assert done.returncode == 0, done.stderr
    files = sorted(Path(f).name for f in json.loads(done.stdout)["files"])
    assert files == sorted([f"{c}.png" for c in CODES] + ["tickets.html"])

    admin.refresh()
    expected = tickets.current_payloads(admin)
    read = {code: zbar(out / f"{code}.png") for code in CODES}
    assert read == expected  # what zbar reads is exactly the signed payload of each candidate
    assert all(re.fullmatch(r"JZ1:[A-Z2-7]+:[A-Z2-7]+", p) for p in read.values())  # QR alphanumeric-safe

    first = jz("checkin", tv.path, read["A01-02"], "--terminal", "门岗1", "--json", user="clerk")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["outcome"] == "checked_in" and json.loads(first.stdout)["code"] == "A01-02"

    second = jz("checkin", tv.path, read["A01-02"], "--terminal", "门岗2", "--json", user="clerk")
    assert second.returncode == 1
    result = json.loads(second.stdout)
    admin.refresh()
    record = admin.state.roster.checkins["A01-02"]
    assert result["outcome"] == "already" and result["code"] == "A01-02"
    assert result["previous"] == {"at": record.at, "by": "clerk", "terminal": "门岗1"}
    assert "Already checked in" in second.stderr and "门岗1" in second.stderr
    assert admin.state.kinds["checkin.accept"] == 1
    assert admin.state.roster.refusals[-1][1] == "already"  # the second scan is recorded too


def test_the_html_sheet_has_every_ticket(hall, tmp_path, jz_here):
    tv, admin = hall
    out = tmp_path / "sheet"
    assert jz_here("tickets", tv.path, "--out", out, "--hall", "第一考场", "--time", "09:00", user="admin").returncode == 0
    html = (out / "tickets.html").read_text(encoding="utf-8")
    assert html.lower().startswith("<!doctype html>") and "size: A4" in html
    images = re.findall(r'<img src="([^"]+)"', html)
    assert sorted(images) == sorted(f"{c}.png" for c in CODES)
    assert all((out / name).exists() for name in images)
    for code in CODES:
        candidate = admin.state.roster.candidates[code]
        assert f'<dd class="code">{code}</dd>' in html
        assert candidate.name in html
    assert html.count("第一考场") == len(CODES) and "办公室综合科科长" in html


def test_an_altered_signature_is_refused_as_forged(hall, tmp_path, jz_here):
    tv, admin = hall
    payloads = tickets.issue(admin)
    clerk = session_of(tv, "clerk")
    before = refusals(clerk)
    good = payloads["A01-01"]
    signature_len = len(good.split(":")[2])
    outcomes = []
    for index in (0, signature_len // 2, signature_len - 10):
        forged = alter(good, 2, index)
        assert forged != good
        done = jz_here("checkin", tv.path, forged, "--json", user="clerk")
        assert done.returncode == 1
        outcomes.append(json.loads(done.stdout)["outcome"])
    assert outcomes == ["forged", "forged", "forged"]
    # the body is signed too: one character of the candidate part changed is just as forged
    assert checkin.attempt(clerk, alter(good, 1, len(good.split(":")[1]) - 2), terminal="T").outcome == "forged"
    for junk in ("JZ1:GARBAGE", "JZ1:!!!!:????", "jz1:" + good.split(":", 1)[1][:-30]):
        assert checkin.attempt(clerk, junk, terminal="T").outcome == "forged"
    assert refusals(clerk) == before + 7  # every failed attempt is recorded
    assert "A01-01" not in clerk.state.roster.checkins
    assert checkin.attempt(clerk, good.lower(), terminal="T").ok  # a scanner in lower case still works


def test_a_ticket_of_another_session_is_refused(hall, tmp_path, jz):
    tv, admin = hall
    tickets.issue(admin)
    other = make_test_vault(tmp_path / "other.jz", users=False, session="另一场")
    try:
        other_admin = session_of(other, "admin")
        import_demo_roster(other_admin, tmp_path, posts=POSTS, seed=17)  # the very same codes
        foreign = tickets.issue(other_admin)["A01-01"]
        # and one made with the other session's key but claiming this vault's id
        nonce = bytes.fromhex(admin.state.roster.ticket_nonces["A01-01"])
        claimed = tickets.encode_payload(other_admin.identity.sign, tv.vault.vault_id, nonce, "A01-01")
    finally:
        other.vault.close()
    done = jz("checkin", tv.path, foreign, "--json", user="clerk")
    assert done.returncode == 1 and json.loads(done.stdout)["outcome"] == "other_session"
    assert "another session" in done.stderr
    clerk = session_of(tv, "clerk")
    assert checkin.attempt(clerk, claimed, terminal="T").outcome == "forged"
    assert [reason for _, reason in clerk.state.roster.refusals] == ["other_session", "forged"]
    assert not clerk.state.roster.checkins


def test_a_reissued_tickets_old_code_is_revoked(hall, tmp_path, jz):
    tv, admin = hall
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    assert jz("tickets", tv.path, "--out", first_dir, user="admin").returncode == 0
    done = jz("tickets", tv.path, "--out", second_dir, "--reissue", "A01-03", user="admin")
    assert done.returncode == 0, done.stderr
    old, new = zbar(first_dir / "A01-03.png"), zbar(second_dir / "A01-03.png")
    assert old != new
    for code in CODES:  # everyone else's ticket is still the same ticket
        if code != "A01-03":
            assert zbar(first_dir / f"{code}.png") == zbar(second_dir / f"{code}.png")

    clerk = session_of(tv, "clerk")
    refused = checkin.attempt(clerk, old, terminal="T")
    assert refused.outcome == "revoked" and refused.candidate.code == "A01-03"
    assert "A01-03" not in clerk.state.roster.checkins
    assert checkin.attempt(clerk, new, terminal="T").ok
    assert checkin.attempt(clerk, old, terminal="T").outcome == "revoked"  # still revoked, not "already"
    assert [reason for _, reason in clerk.state.roster.refusals] == ["revoked", "revoked"]


def test_verification_is_offline_and_pure(hall):
    """Only the issuers' public keys and nonces from the projection: no network, no private key."""
    tv, admin = hall
    payload = tickets.issue(admin)["B01-02"]
    roster = admin.state.roster
    assert tickets.check_payload(payload, tv.vault.vault_id, roster) == tickets.TicketCheck("valid", "B01-02")
    assert not hasattr(roster, "ticket_signing_key")  # no private key anywhere in the state
    assert tickets.check_payload(payload, bytes(16), roster).outcome == "other_session"
    assert tickets.check_payload("A01-01", tv.vault.vault_id, roster).outcome == "not_a_ticket"


def test_only_an_admin_issues_tickets(hall, tmp_path, jz_here):
    tv, _ = hall
    before = tv.vault.head()
    done = jz_here("tickets", tv.path, "--out", tmp_path / "x", user="clerk")
    assert done.returncode == 1 and tv.vault.head() == before
    empty = make_test_vault(tmp_path / "empty.jz", users=False)
    try:
        refused = jz_here("tickets", empty.path, "--out", tmp_path / "y", user="admin")
        assert refused.returncode == 1 and "No roster" in refused.stderr
    finally:
        empty.vault.close()
