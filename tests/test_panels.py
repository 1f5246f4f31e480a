"""Examiner panels (issue 22.10): a panel per post with its chief, drawn by lot when the rules say
so, a recusal (回避) co-signed by a supervisor, an examiner replaced mid-session or removed by a
rekey. Through the installed ``jz`` where a hall would use it; every figure worked out by hand.

Interviews are scored by totals (the ``Hall`` sets no rubric); the written and democratic stages
are weighted 0, so a candidate's composite is their interview score.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json

import pytest

from jz_tui.rules.interview import examiners, expects, panels_from_seed, progress
from jz_tui.services import pending, sheets
from storage.errors import JzError
from storage.events import KINDS
from tests._session_helpers import EXTRA_PASSPHRASE, Hall
from tests._storage_helpers import problem_seqs, verify_json
from tests.conftest import PASSPHRASES, make_test_vault

INTERVIEW_ONLY = {"stages.written": "0", "stages.democratic": "0"}


@pytest.fixture
def new_hall(tmp_path):
    opened = []

    def make(posts, settings=None, extra=("e3", "e4")):
        tv = make_test_vault(tmp_path / f"p{len(opened)}.jz")
        opened.append(tv)
        hall = Hall(tv, tmp_path, posts, settings={**INTERVIEW_ONLY, **(settings or {})})
        for name in extra:
            hall.add_user(name, "examiner")
        return hall

    yield make
    for tv in opened:
        tv.vault.close()


def run(jz, hall: Hall, *args, user: str):
    """The installed jz as ``user`` (a user a test added has the extra passphrase)."""
    if user in PASSPHRASES:
        return jz(*args, user=user)
    return jz(*args, "--user", user, env={"JZ_PASSPHRASE": EXTRA_PASSPHRASE})


def ok(result):
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result


def refused(result, words: str):
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert words in result.stderr, result.stderr
    return result


def score(hall: Hall, code: str, totals: dict[str, str]) -> None:
    """Each examiner's total, confirmed by the scorer."""
    for examiner, total in totals.items():
        sheets.submit(hall.s(examiner), code, total=total)
        sheets.confirm(hall.s("scorer"), code, examiner)


def announce(hall: Hall, code: str) -> dict:
    action = sheets.announce(hall.s("scorer"), code)
    pending.sign(hall.s("sup"), action.id)
    return hall.state.scoring.announced[code]


def consistent(hall: Hall) -> None:
    """The fold's quick question (expects) answers as the list of the expected does."""
    state = hall.state
    for code in state.roster.candidates:
        expected = examiners(state, code)
        assert [u for u in sorted(state.users) if expects(state, code, u)] == expected, code


def ranking(jz, hall: Hall) -> dict[str, dict]:
    consistent(hall)
    done = ok(jz("ranking", hall.tv.path, "--json", user="admin"))
    return {c["code"]: c for post in json.loads(done.stdout)["posts"] for c in post["candidates"]}


# ---------------------------------------------------------------------- defaults


def test_by_default_every_examiner_is_expected_as_before(new_hall, jz):
    hall = new_hall([("A01", 1)], extra=())
    code = hall.codes("A01")[0]
    assert examiners(hall.state, code) == ["e1", "e2"]
    shown = json.loads(ok(jz("config", hall.tv.path, "--show", "--json", user="admin")).stdout)
    assert shown["interview.panels"] == "one" and shown["interview.draw_panels"] is False
    assert "No panel set" in ok(jz("panel", "show", hall.tv.path, user="sup")).stdout


# ---------------------------------------------------------------------- (a) a panel per post


def test_two_posts_with_their_own_panels_each_result_the_mean_of_its_panel(new_hall, jz):
    hall = new_hall([("A01", 2), ("A02", 2)], settings={"interview.panels": "per_post"})
    a1, a2 = hall.codes("A01")
    b1, b2 = hall.codes("A02")
    path = hall.tv.path
    # per post and no panel yet: nobody may score
    refused(jz("sheet", "submit", path, "--candidate", a1, "--total", "80", user="e1"), "has no panel yet")
    ok(jz("panel", "set", path, "--panel", "R1", "--posts", "A01", "--examiners", "e1,e2", "--chief", "e1",
          user="admin"))
    ok(jz("panel", "set", path, "--panel", "R2", "--posts", "A02", "--examiners", "e3,e4", "--chief", "e3",
          user="admin"))
    refused(jz("panel", "set", path, "--panel", "R3", "--posts", "A02", "--examiners", "e1", "--chief", "e1",
               user="admin"), "already has panel R2")
    refused(jz("panel", "set", path, "--panel", "R3", "--posts", "A01", "--examiners", "e1", "--chief", "e1",
               user="scorer"), "not allowed")
    shown = json.loads(ok(jz("panel", "show", path, "--json", user="sup")).stdout)["panels"]
    assert [(p["panel"], p["posts"], p["chief"], p["members"]) for p in shown] == [
        ("R1", ["A01"], "e1", ["e1", "e2"]), ("R2", ["A02"], "e3", ["e3", "e4"])]

    assert examiners(hall.state, a1) == ["e1", "e2"] and examiners(hall.state, b1) == ["e3", "e4"]
    # an examiner of the other panel is refused, through jz and the service alike
    refused(jz("sheet", "submit", path, "--candidate", b1, "--total", "90", user="e1"), "not on the panel")
    refused(run(jz, hall, "sheet", "submit", path, "--candidate", a1, "--total", "90", user="e3"), "not on the panel")
    with pytest.raises(JzError) as other:
        sheets.submit(hall.s("e2"), b2, total="90")
    assert other.value.key == "sheet_not_on_panel"

    ok(jz("sheet", "submit", path, "--candidate", a1, "--total", "80", user="e1"))
    ok(jz("sheet", "confirm", path, "--candidate", a1, "--examiner", "e1", user="scorer"))
    score(hall, a1, {"e2": "85"})
    score(hall, a2, {"e1": "70", "e2": "71"})
    score(hall, b1, {"e3": "90", "e4": "95.5"})
    ok(run(jz, hall, "sheet", "submit", path, "--candidate", b2, "--total", "60", user="e3"))
    score(hall, b2, {"e4": "61"})
    sheets.confirm(hall.s("scorer"), b2, "e3")
    for code in (a1, a2, b1, b2):
        announce(hall, code)
    assert [s["examiner"] for s in hall.state.scoring.announced[b1]["sheets"]] == ["e3", "e4"]
    rows = ranking(jz, hall)
    # A01: (80 + 85) / 2 = 82.50, (70 + 71) / 2 = 70.50; A02: (90 + 95.5) / 2 = 92.75, (60 + 61) / 2 = 60.50
    assert [rows[c]["interview"] for c in (a1, a2, b1, b2)] == ["82.50", "70.50", "92.75", "60.50"]
    assert [rows[c]["composite"] for c in (a1, a2, b1, b2)] == ["82.50", "70.50", "92.75", "60.50"]
    assert ok(jz("verify", path, user="admin")).returncode == 0


def test_the_session_panel_is_set_once_and_not_after_scoring(new_hall, jz):
    hall = new_hall([("A01", 2)])
    a1, a2 = hall.codes("A01")
    path = hall.tv.path
    refused(jz("panel", "set", path, "--panel", "ALL", "--posts", "A01", "--examiners", "e1,e2", "--chief", "e1",
               user="admin"), "names no posts")
    refused(jz("panel", "set", path, "--panel", "ALL", "--examiners", "e1,clerk", "--chief", "e1", user="admin"),
            "clerk is not an examiner")
    ok(jz("panel", "set", path, "--panel", "ALL", "--examiners", "e1,e3,e4", "--chief", "e3", user="admin"))
    assert examiners(hall.state, a1) == ["e1", "e3", "e4"]
    refused(jz("sheet", "submit", path, "--candidate", a1, "--total", "70", user="e2"), "not on the panel")
    score(hall, a1, {"e1": "70"})
    refused(jz("panel", "set", path, "--panel", "ALL", "--examiners", "e1,e2", "--chief", "e1", user="admin"),
            "already have sheets")
    score(hall, a1, {"e3": "80", "e4": "90"})
    assert announce(hall, a1)["result"] == "80.00"  # (70 + 80 + 90) / 3
    assert progress(hall.state, a2).expected == 3


# ---------------------------------------------------------------------- (b) panels drawn by lot


def test_panels_drawn_by_lot_with_commit_and_reveal(new_hall, jz):
    hall = new_hall([("A01", 1), ("A02", 1)], settings={"interview.panels": "per_post", "interview.draw_panels": "true"},
                    extra=("e3", "e4", "e5", "e6"))
    path = hall.tv.path
    refused(jz("panel", "set", path, "--panel", "R1", "--posts", "A01", "--examiners", "e1,e2", "--chief", "e1",
               user="admin"), "drawn by lot")
    refused(jz("panel", "draw", path, "--panel", "R1:A01:e1:4", "--panel", "R2:A02:e2:4", user="admin"),
            "the draw needs 6")
    drawn = json.loads(ok(jz("panel", "draw", path, "--panel", "R1:A01:e1:3", "--panel", "R2:A02:e2:3", "--json",
                             user="admin")).stdout)
    seed = drawn["seed"]
    assert hashlib.sha256(bytes.fromhex(seed)).hexdigest() == drawn["seed_hash"]
    # anyone recomputes it: the pool (every examiner but the chiefs) in the order of SHA-256(seed ‖ name)
    order = sorted(["e3", "e4", "e5", "e6"], key=lambda n: (hashlib.sha256(bytes.fromhex(seed) + n.encode()).digest(), n))
    assert {p["panel"]: p["members"] for p in drawn["panels"]} == {"R1": ["e1", *order[:2]], "R2": ["e2", *order[2:]]}
    assert panels_from_seed(seed, ["e3", "e4", "e5", "e6"], [{"panel": "R1", "chief": "e1", "size": 3},
                                                             {"panel": "R2", "chief": "e2", "size": 3}]) == \
        {p["panel"]: p["members"] for p in drawn["panels"]}
    a1, b1 = hall.codes("A01")[0], hall.codes("A02")[0]
    assert examiners(hall.state, a1) == sorted(["e1", *order[:2]])
    assert examiners(hall.state, b1) == sorted(["e2", *order[2:]])
    refused(jz("panel", "draw", path, "--panel", "R1:A01:e1:3", user="admin"), "panel R1 already exists")
    refused(jz("panel", "draw", path, "--panel", "R3:A01:e1:1", user="admin"), "already has panel R1")
    assert ok(jz("verify", path, user="admin")).returncode == 0


# ---------------------------------------------------------------------- (c) recusal


def test_a_recusal_cosigned_by_a_supervisor_takes_the_examiner_off_that_candidate(new_hall, jz):
    hall = new_hall([("A01", 2)], extra=())
    a1, a2 = hall.codes("A01")
    path = hall.tv.path
    refused(jz("recuse", path, "--candidate", a1, "--examiner", "e2", "--reason", "亲属", user="e1"),
            "only themselves")
    asked = json.loads(ok(jz("recuse", path, "--candidate", a1, "--reason", "与考生系亲属关系", "--json",
                             user="e1")).stdout)
    assert examiners(hall.state, a1) == ["e1", "e2"]  # not before a supervisor signs
    refused(jz("recuse", path, "--candidate", a1, "--reason", "again", user="e1"), "already waiting")
    refused(jz("sign", path, asked["pending"], user="scorer"), "")
    ok(jz("sign", path, asked["pending"], user="sup"))
    assert examiners(hall.state, a1) == ["e2"] and examiners(hall.state, a2) == ["e1", "e2"]
    refused(jz("sheet", "submit", path, "--candidate", a1, "--total", "99", user="e1"), "has recused")
    score(hall, a1, {"e2": "77.5"})
    assert announce(hall, a1)["result"] == "77.50"  # e2's sheet alone
    # a scorer asks for an examiner whose sheet is submitted: once signed, that sheet no longer counts
    sheets.submit(hall.s("e2"), a2, total="10")
    asked = json.loads(ok(jz("recuse", path, "--candidate", a2, "--examiner", "e2", "--reason", "同单位",
                             "--json", user="scorer")).stdout)
    ok(jz("sign", path, asked["pending"], user="sup"))
    refused(jz("sheet", "confirm", path, "--candidate", a2, "--examiner", "e2", user="scorer"), "has recused")
    score(hall, a2, {"e1": "88"})
    assert announce(hall, a2)["result"] == "88.00"
    rows = ranking(jz, hall)
    assert (rows[a1]["interview"], rows[a2]["interview"]) == ("77.50", "88.00")
    shown = json.loads(ok(jz("panel", "show", path, "--json", user="sup")).stdout)["recused"]
    assert {(r["examiner"], r["reason"]) for r in shown} == {("e1", "与考生系亲属关系"), ("e2", "同单位")}
    assert ok(jz("verify", path, user="admin")).returncode == 0


# ---------------------------------------------------------------------- (d) replaced or removed


def test_an_examiner_replaced_midway_keeps_the_sheets_already_confirmed(new_hall, jz):
    hall = new_hall([("A01", 3)])
    c1, c2, c3 = hall.codes("A01")
    path = hall.tv.path
    ok(jz("panel", "set", path, "--panel", "R1", "--examiners", "e1,e2,e3", "--chief", "e3", user="admin"))
    score(hall, c1, {"e1": "80", "e2": "82", "e3": "90"})
    sheets.submit(hall.s("e3"), c2, total="50")  # submitted, not confirmed, when e3 is taken ill
    refused(jz("panel", "replace", path, "--panel", "R1", "--examiner", "e3", "--by", "e2", "--reason", "ill",
               user="admin"), "already a member")
    ok(jz("panel", "replace", path, "--panel", "R1", "--examiner", "e3", "--by", "e4", "--reason", "突发疾病",
          user="admin"))
    shown = json.loads(ok(jz("panel", "show", path, "--json", user="sup")).stdout)["panels"][0]
    assert shown["members"] == ["e1", "e2", "e4"] and shown["chief"] == "e4"
    assert examiners(hall.state, c1) == ["e1", "e2", "e3"]  # e3 had scored c1: that sheet stays
    assert examiners(hall.state, c2) == examiners(hall.state, c3) == ["e1", "e2", "e4"]
    refused(jz("sheet", "confirm", path, "--candidate", c2, "--examiner", "e3", user="scorer"), "not on the panel")
    refused(run(jz, hall, "sheet", "submit", path, "--candidate", c3, "--total", "70", user="e3"), "not on the panel")
    score(hall, c2, {"e1": "70", "e2": "72", "e4": "74"})
    score(hall, c3, {"e1": "60", "e2": "61", "e4": "65"})
    announced = [announce(hall, code) for code in (c1, c2, c3)]
    assert [s["examiner"] for s in announced[0]["sheets"]] == ["e1", "e2", "e3"]
    assert [a["result"] for a in announced] == ["84.00", "72.00", "62.00"]  # 252/3, 216/3, 186/3
    rows = ranking(jz, hall)
    assert [rows[c]["composite"] for c in (c1, c2, c3)] == ["84.00", "72.00", "62.00"]
    assert ok(jz("verify", path, user="admin")).returncode == 0


def test_an_examiner_removed_by_rekey_is_no_longer_expected_where_not_yet_scored(new_hall, jz):
    hall = new_hall([("A01", 3)], extra=())
    c1, c2, c3 = hall.codes("A01")
    path = hall.tv.path
    score(hall, c1, {"e1": "80", "e2": "90"})
    sheets.submit(hall.s("e2"), c2, total="40")  # not confirmed
    ok(jz("rekey", path, "--remove", "e2", user="admin"))
    state = hall.state
    assert examiners(state, c1) == ["e1", "e2"] and examiners(state, c2) == examiners(state, c3) == ["e1"]
    refused(jz("sheet", "confirm", path, "--candidate", c2, "--examiner", "e2", user="scorer"), "not on the panel")
    score(hall, c2, {"e1": "75"})
    score(hall, c3, {"e1": "66.5"})
    results = [announce(hall, code)["result"] for code in (c1, c2, c3)]
    assert results == ["85.00", "75.00", "66.50"]  # c1 keeps e2's confirmed sheet: (80 + 90) / 2
    rows = ranking(jz, hall)
    assert [rows[c]["status"] for c in (c1, c2, c3)] != ["incomplete"] * 3
    assert [rows[c]["interview"] for c in (c1, c2, c3)] == ["85.00", "75.00", "66.50"]
    assert ok(jz("verify", path, user="admin")).returncode == 0


# ---------------------------------------------------------------------- the insider


def forge(hall: Hall, actor: str, kind: str, data: dict) -> int:
    """Appended as ``actor`` would from their own client: no judge, their real key."""
    identity = hall.s(actor).identity
    if identity.role not in KINDS[kind].roles:
        identity = dataclasses.replace(identity, role=sorted(KINDS[kind].roles)[0])
    return hall.tv.vault.append(identity, kind, data).seq


def caught(jz, hall: Hall, seqs: set[int]) -> None:
    code, payload = verify_json(jz, hall.tv.path, user="admin")
    assert code == 3, payload
    assert problem_seqs(payload) == seqs, payload["problems"]


def test_insider_a_sheet_by_an_examiner_off_the_panel_is_set_aside(new_hall, jz):
    hall = new_hall([("A01", 1)])
    a1 = hall.codes("A01")[0]
    ok(jz("panel", "set", hall.tv.path, "--panel", "R1", "--examiners", "e1,e2", "--chief", "e1", user="admin"))
    score(hall, a1, {"e1": "80", "e2": "90"})
    seq = forge(hall, "e3", "sheet.submit", {"candidate": a1, "items": ["10"]})
    sign = forge(hall, "scorer", "sheet.confirm", {"candidate": a1, "examiner": "e3"})
    caught(jz, hall, {seq, sign})
    assert (a1, "e3") not in hall.state.scoring.sheets
    assert announce(hall, a1)["result"] == "85.00"  # the forged 10 is in no announcement
    assert ranking(jz, hall)[a1]["interview"] == "85.00"


def test_insider_a_recusal_without_a_supervisors_signature_has_no_effect(new_hall, jz):
    hall = new_hall([("A01", 1)], extra=())
    a1 = hall.codes("A01")[0]
    params = {"candidate": a1, "examiner": "e1", "reason": "亲属"}
    forge(hall, "e1", "pending.create", {"id": "PRC111", "action": "examiner.recuse", "params": params,
                                         "reason": "亲属"})
    sign = forge(hall, "scorer", "pending.sign", {"id": "PRC111"})
    caught(jz, hall, {sign})
    assert not hall.state.pending["PRC111"].done and examiners(hall.state, a1) == ["e1", "e2"]
    score(hall, a1, {"e1": "60", "e2": "70"})
    assert announce(hall, a1)["result"] == "65.00"  # e1 still counts
    assert ranking(jz, hall)[a1]["interview"] == "65.00"


def test_insider_a_panel_set_by_a_non_admin_is_set_aside(new_hall, jz):
    hall = new_hall([("A01", 1)], extra=())
    a1 = hall.codes("A01")[0]
    seq = forge(hall, "clerk", "panel.set", {"panel": "R1", "posts": [], "examiners": ["e1"], "chief": "e1"})
    caught(jz, hall, {seq})
    assert hall.state.scoring.panels == {} and examiners(hall.state, a1) == ["e1", "e2"]
    score(hall, a1, {"e1": "90"})
    with pytest.raises(JzError) as early:  # e2 is still expected
        sheets.announce(hall.s("scorer"), a1)
    assert early.value.key == "announce_incomplete"
    score(hall, a1, {"e2": "80"})
    assert announce(hall, a1)["result"] == "85.00"
    assert ranking(jz, hall)[a1]["interview"] == "85.00"


def test_insider_a_drawn_panel_whose_members_are_not_the_seeds_is_set_aside(new_hall, jz):
    hall = new_hall([("A01", 1)], settings={"interview.draw_panels": "true"}, extra=("e3", "e4"))
    seed = "ab" * 32
    forge(hall, "admin", "panel.commit", {"seed_hash": hashlib.sha256(bytes.fromhex(seed)).hexdigest(),
                                          "pool": ["e2", "e3", "e4"],
                                          "panels": [{"panel": "ALL", "posts": [], "chief": "e1", "size": 2}]})
    honest = panels_from_seed(seed, ["e2", "e3", "e4"], [{"panel": "ALL", "chief": "e1", "size": 2}])
    other = next(n for n in ("e2", "e3", "e4") if n not in honest["ALL"])
    seq = forge(hall, "admin", "panel.reveal", {"seed": seed, "panels": {"ALL": ["e1", other]}})
    caught(jz, hall, {seq})
    assert hall.state.scoring.panels == {}


def test_insider_a_replacement_by_a_scorer_and_a_draw_the_rules_do_not_ask_for_are_set_aside(new_hall, jz):
    hall = new_hall([("A01", 1)])
    a1 = hall.codes("A01")[0]
    ok(jz("panel", "set", hall.tv.path, "--panel", "R1", "--examiners", "e1,e2", "--chief", "e1", user="admin"))
    replaced = forge(hall, "scorer", "panel.replace", {"panel": "R1", "examiner": "e2", "by": "e3", "reason": "ill"})
    drawn = forge(hall, "admin", "panel.commit", {"seed_hash": "cd" * 32, "pool": ["e3", "e4"],
                                                  "panels": [{"panel": "R2", "posts": [], "chief": "e2", "size": 2}]})
    other = forge(hall, "e2", "pending.create", {"id": "PRC222", "action": "examiner.recuse", "reason": "x",
                                                 "params": {"candidate": a1, "examiner": "e1", "reason": "x"}})
    caught(jz, hall, {replaced, drawn, other})
    state = hall.state
    assert state.scoring.panels["R1"].current == ["e1", "e2"] and state.scoring.panel_draw is None
    assert "PRC222" not in state.pending and examiners(state, a1) == ["e1", "e2"]
    score(hall, a1, {"e1": "71", "e2": "72"})
    assert announce(hall, a1)["result"] == "71.50"
    assert ranking(jz, hall)[a1]["interview"] == "71.50"


def test_an_examiners_screen_lists_only_the_candidates_of_their_panel(new_hall, jz):
    from jz_tui.services import checkin, draw
    from screens.sheets_snapshot import my_sheets

    hall = new_hall([("A01", 2), ("A02", 2)], settings={"interview.panels": "per_post"})
    for code in hall.codes("A01") + hall.codes("A02"):
        assert checkin.check_in(hall.s("clerk"), code).ok
    draw.draw(hall.s("clerk"), "A01")
    draw.draw(hall.s("clerk"), "A02")
    ok(jz("panel", "set", hall.tv.path, "--panel", "R1", "--posts", "A01", "--examiners", "e1,e2", "--chief", "e1",
          user="admin"))
    ok(jz("panel", "set", hall.tv.path, "--panel", "R2", "--posts", "A02", "--examiners", "e3,e4", "--chief", "e3",
          user="admin"))
    assert [row.number for row in my_sheets(hall.s("e1"), None).rows] == ["A01-1", "A01-2"]
    assert [row.number for row in my_sheets(hall.s("e4"), None).rows] == ["A02-1", "A02-2"]
    first = hall.state.roster.draws["A01"].order[0]
    action = json.loads(ok(jz("recuse", hall.tv.path, "--candidate", "A01-1", "--reason", "亲属", "--json",
                              user="e1")).stdout)
    assert action["candidate"] == first
    ok(jz("sign", hall.tv.path, action["pending"], user="sup"))
    assert [row.number for row in my_sheets(hall.s("e1"), None).rows] == ["A01-2"]


def test_the_supervisor_sees_who_recuses_from_whom_and_why_before_signing(new_hall, jz):
    hall = new_hall([("A01", 1)], extra=())
    a1 = hall.codes("A01")[0]
    ok(jz("recuse", hall.tv.path, "--candidate", a1, "--reason", "曾为其直接上级", user="e2"))
    listed = json.loads(ok(jz("sign", hall.tv.path, "--list", "--json", user="sup")).stdout)
    action = next(a for a in (listed if isinstance(listed, list) else listed["pending"])
                  if a["action"] == "examiner.recuse")
    lines = {d["label"]: d["value"] for d in action["details"]}
    name = hall.state.roster.candidates[a1].name
    assert lines["Examiner recusing"] == "e2" and lines["Reason"] == "曾为其直接上级"
    assert any(name in value for value in lines.values())
    assert any("e2 no longer scores this candidate" in value for value in lines.values())


def test_the_scorers_screen_names_the_candidates_panel_and_its_chief(new_hall, jz):
    from jz_tui.rules.settings import rules_of_state
    from screens.scoring import candidate_view

    hall = new_hall([("A01", 1), ("A02", 1)], settings={"interview.panels": "per_post"})
    ok(jz("panel", "set", hall.tv.path, "--panel", "R2", "--posts", "A02", "--examiners", "e3,e4", "--chief", "e4",
          user="admin"))
    state = hall.state
    a1, b1 = hall.codes("A01")[0], hall.codes("A02")[0]
    view = candidate_view(state, rules_of_state(state), b1, [], {})
    assert view.panel == ("R2", "e4") and view.waiting_for == ("e3", "e4") and view.expected == 2
    assert candidate_view(state, rules_of_state(state), a1, [], {}).panel == ()


async def test_the_scorers_screen_shows_the_panel_in_its_title(tmp_path):
    from _app_helpers import log_in, stable_app
    from _scores_helpers import build_hall

    from jz_tui.services import panels as panel_service
    from screens.scoring import ScoringScreen
    from screens.widgets import TablePanel

    hall = build_hall(tmp_path / "session.jz", tmp_path)
    panel_service.set_panel(hall.session("admin"), "R1", [], ["e1", "e2", "e3"], "e2")
    hall.submit("A-1", "e1")
    hall.close()
    app = stable_app(hall.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "scorer")
        screen = app.screen
        assert isinstance(screen, ScoringScreen)
        title = str(screen.query_one("#score-sheets", TablePanel).border_title)
        assert "panel R1, chief e2" in title, title
        assert screen.snapshot.find(screen._selected).expected == 3


def test_misuse_and_refusals_are_said_plainly(new_hall, jz):
    hall = new_hall([("A01", 1)], extra=())
    path, a1 = hall.tv.path, hall.codes("A01")[0]
    bad = jz("panel", "draw", path, "--panel", "R1:A01:e1", user="admin")
    assert bad.returncode == 2 and "ID:POSTS:CHIEF:SIZE" in bad.stderr
    refused(jz("panel", "draw", path, "--panel", "R1::e1:2", user="admin"), "do not draw panels")
    refused(jz("recuse", path, "--candidate", a1, "--examiner", "e1", "--reason", "x", user="clerk"), "not allowed")
    refused(jz("recuse", path, "--candidate", a1, "--reason", "x", user="scorer"), "--examiner")
    refused(jz("panel", "replace", path, "--panel", "R9", "--examiner", "e1", "--by", "e2", "--reason", "ill",
               user="admin"), "there is no panel R9")
    zh = jz("--lang", "zh", "panel", "set", path, "--panel", "R1", "--examiners", "e1", "--chief", "e2", user="admin")
    assert zh.returncode == 0 and "考官组 R1" in zh.stdout  # the chief is made a member
    assert hall.state.scoring.panels["R1"].members == ["e2", "e1"]
    assert "Traceback" not in zh.stderr


def test_how_examiners_are_grouped_is_fixed_once_scoring_has_begun(new_hall, jz):
    hall = new_hall([("A01", 2)])
    a1, _ = hall.codes("A01")
    path = hall.tv.path
    ok(jz("config", path, "--set", 'interview.panels="per_post"', user="admin"))  # before anything: free
    ok(jz("config", path, "--set", 'interview.panels="one"', user="admin"))
    score(hall, a1, {"e1": "70"})
    refused(jz("config", path, "--set", 'interview.panels="per_post"', user="admin"), "interview.panels")
    refused(jz("config", path, "--set", "interview.draw_panels=true", user="admin"), "interview.draw_panels")
    ok(jz("config", path, "--set", "interview.pass_line=60", user="admin"))  # other rules still change
    # the same change appended raw with the admin's real key is set aside by every fold
    seq = forge(hall, "admin", "config.set", {"changes": {"interview.panels": "per_post"}})
    caught(jz, hall, {seq})
    assert examiners(hall.state, a1) == ["e1", "e2", "e3", "e4"]
