"""No partial count outside the box's officers before the close is co-signed (issue 20, item 2).

The insider template: BOX1 (officers t1, t2) holds posts A and B; A's five paper ballots are
entered by t1 and a close is waiting for signatures; B is counted and closed. Each path that
shows ballots or counts is asked for A and for B: ``jz log`` (human and ``--json``, as the
supervisor and the admin), ``jz sign --list --json`` (the waiting close's figures), the exports
(ranking and notice), the printed tally record, the board's view and a hall export. A's marks
and figures appear nowhere; B's closed tally does; the box's own officer still sees A's.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from _insider_helpers import BALLOTS_A, PASSES, Site, build_template, copy_vault

from jz_tui import i18n
from jz_tui.services import ballots, halls, public_view, tally_secrecy
from jz_tui.rules.settings import rules_from


@pytest.fixture(scope="module")
def template():
    with tempfile.TemporaryDirectory() as work:
        path = build_template(Path(work) / "template.jz", Path(work))
        site = Site(path)
        try:
            site.close_id = ballots.request_close(site.s("t1"), "A").id  # waiting for t2 and a supervisor
        finally:
            site.close()
        yield path


@pytest.fixture
def vault_path(template, tmp_path):
    return copy_vault(template, tmp_path / "hall.jz")


def run(jz, *args, user: str):
    result = jz(*map(str, args), "--user", user, env={"JZ_PASSPHRASE": PASSES[user], "JZ_LANG": "en"})
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_function_withholds_until_closed_unless_officer(vault_path):
    site = Site(vault_path)
    try:
        state = site.state
        entry = {"post": "A", "no": 1, "marks": "SSB", "group": ""}
        for viewer in ("sup", "admin", "e1", "t3"):  # t3: an officer of the other box
            assert tally_secrecy.withheld_body(state, viewer, "ballot.enter", entry)["marks"] == tally_secrecy.WITHHELD
        assert tally_secrecy.withheld_body(state, "t1", "ballot.enter", entry) == entry
        closed = {"post": "B", "no": 1, "marks": "SSS", "group": ""}
        assert tally_secrecy.withheld_body(state, "sup", "ballot.enter", closed) == closed
        unsealed = {"box": "BOX1", "ballots": {"A": ["SSS"], "B": ["SBS"]}, "count": 2, "private_key": "00" * 32}
        shown = tally_secrecy.withheld_body(state, "sup", "box.unseal", unsealed)
        assert shown["ballots"] == {"A": tally_secrecy.WITHHELD, "B": ["SBS"]}
    finally:
        site.close()


@pytest.mark.parametrize("user", ["sup", "admin"])
def test_jz_log_withholds_the_open_posts_marks(jz, vault_path, user):
    human = run(jz, "log", vault_path, user=user)
    entered = [line for line in human.splitlines() if "ballot entered" in line]  # the kind by its name
    assert len(entered) == len(BALLOTS_A) + 4
    for line in entered:
        if '"post": "A"' in line:
            assert "(withheld until the tally is closed)" in line and '"marks": "S' not in line
        else:
            assert '"post": "B"' in line and '"marks": "' in line and "withheld" not in line
    events = json.loads(run(jz, "log", vault_path, "--json", user=user))
    marks_a = [e["data"]["marks"] for e in events if e["kind"] == "ballot.enter" and e["data"]["post"] == "A"]
    marks_b = [e["data"]["marks"] for e in events if e["kind"] == "ballot.enter" and e["data"]["post"] == "B"]
    assert marks_a == [tally_secrecy.WITHHELD] * len(BALLOTS_A)
    assert tally_secrecy.WITHHELD not in marks_b and len(marks_b) == 4
    close = [e for e in events if e["kind"] == "pending.create" and e["data"]["action"] == "tally.close"
             and e["data"]["params"]["post"] == "A"]
    assert close and close[0]["data"]["params"]["candidates"] == tally_secrecy.WITHHELD
    assert close[0]["data"]["params"]["valid"] == tally_secrecy.WITHHELD


@pytest.mark.parametrize("user,sees", [("sup", False), ("e1", False), ("admin", False), ("t3", False), ("t1", True)])
def test_sign_list_withholds_a_waiting_close(jz, vault_path, user, sees):
    listed = json.loads(run(jz, "sign", vault_path, "--list", "--json", user=user))
    close = next(a for a in listed if a["action"] == "tally.close" and a["params"]["post"] == "A")
    assert (close["params"]["candidates"] != tally_secrecy.WITHHELD) is sees
    assert (isinstance(close["params"]["valid"], int)) is sees


def test_exports_and_ranking_show_only_the_closed_tally(jz, vault_path, tmp_path):
    ranking = json.loads(run(jz, "ranking", vault_path, "--json", user="sup"))
    by_post = {p["code"]: p["candidates"] for p in ranking["posts"]}
    assert all(c["democratic"] is None for c in by_post["A"])
    assert all(c["democratic"] is not None for c in by_post["B"])
    out = tmp_path / "notice.json"
    run(jz, "export", vault_path, "--format", "json", "--out", out, user="admin")
    notice = json.loads(out.read_text(encoding="utf-8"))
    column = notice["header"].index(i18n.t("stage_democratic", lang=notice["meta"]["lang"]))
    for row in notice["rows"]:
        if row[0] in ("A", "B"):
            assert (row[column] == "") is (row[0] == "A")


def test_the_tally_record_is_not_printed_for_others(jz, vault_path, tmp_path):
    refused = jz("print", str(vault_path), "--form", "tally", "--post", "A", "--out", str(tmp_path / "a.pdf"),
                 "--user", "sup", env={"JZ_PASSPHRASE": PASSES["sup"], "JZ_LANG": "en"})
    assert refused.returncode == 1 and not (tmp_path / "a.pdf").exists()
    run(jz, "print", vault_path, "--form", "tally", "--post", "A", "--out", tmp_path / "t1.pdf", user="t1")
    run(jz, "print", vault_path, "--form", "tally", "--post", "B", "--out", tmp_path / "b.pdf", user="sup")


def test_the_board_and_a_hall_export_show_only_the_closed_tally(vault_path):
    site = Site(vault_path)
    try:
        state = site.s("sup").state
        for public in (True, False):
            posts = {p.code: p for p in public_view.board_posts(state, public=public, rules=rules_from(state.roster.settings))}
            assert all(dict(r.stages).get("democratic") is None for r in posts["A"].rows)
            assert any(dict(r.stages).get("democratic") is not None for r in posts["B"].rows)
            assert {s.stage: s.tally for s in posts["A"].progress}["democratic"] == "counting"
        exported = halls.export(site.s("admin"), ["A", "B"])
        tallies = {p["code"]: p["tally"] for p in exported["posts"]}
        assert tallies["A"] is None and tallies["B"]["candidates"]
        assert "SSB" not in json.dumps(exported)
    finally:
        site.close()
