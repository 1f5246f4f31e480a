"""民主推荐 (issue 22, item 6): a democratic stage whose ballot names candidates instead of rating
them. ``democratic.ballot = "recommendation"``: each ballot marks a candidate ``Y`` (named) or
``-``, at most ``democratic.names_per_ballot`` names (more: void); the score is the votes
("每得一票记作1分", ``recommendation_score = "votes"``) or the share of the valid ballots × 100
(``"share"``); no dissatisfaction rate, nobody excluded. The box, seal, double count,
reconciliation and co-signed close are those of an evaluation.

Every expected figure is worked out by hand in the test.
"""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from textual.widgets.data_table import ColumnKey
from _app_helpers import log_in, settle, wait_until
from _ballot_screen_helpers import records
from _hall_helpers import import_demo_roster
from _insider_helpers import as_role

from jz_tui.apps.app import make_app
from jz_tui.apps.kiosk_app import KioskApp
from jz_tui.events.results import signed_part
from jz_tui.rules import ranking
from jz_tui.rules.democratic import Ballot, tally_post
from jz_tui.rules.settings import RuleError, rules_from, validate_changes
from jz_tui.services import ballots, config, halls, pending
from jz_tui.services.session import Session
from screens.ballots import BallotsScreen
from screens.confirm import ConfirmScreen
from screens.kiosk import KioskScreen
from screens.widgets import LiveTable, Plain
from storage import crypto
from storage.errors import JzError
from storage.vault import Vault
from storage.verify import verify
from tests._session_helpers import Hall
from tests.conftest import PASSPHRASES, make_test_vault

RECOMMEND = {"democratic.ballot": "recommendation", "stages.written": 0, "stages.interview": 0}
TAMPERED = 3


def refused(key: str, call, *args, **kwargs) -> JzError:
    with pytest.raises(JzError) as caught:
        call(*args, **kwargs)
    assert caught.value.key == key, caught.value.key
    return caught.value


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


# 200 paper ballots of one name each for a post of three candidates: 50 name the first, 80 the
# second, 70 the third.
TWO_HUNDRED = ["Y--"] * 50 + ["-Y-"] * 80 + ["--Y"] * 70


def closed_scores(hall: Hall, post: str) -> list[tuple[str | None, str | None, bool]]:
    closed = hall.state.tally.posts[post].closed
    assert closed is not None
    return [(c["score"], c["rate"], c["excluded"]) for c in closed["candidates"]]


# ---------------------------------------------------------------------- the count


def test_two_hundred_recommendations_scored_a_point_a_vote(test_vault, tmp_path):
    hall = Hall(test_vault, tmp_path, [("A", 3)], settings=RECOMMEND)
    hall.box(["A"])
    hall.paper("A", TWO_HUNDRED)
    action = hall.close("A")
    assert action.done
    # a point a vote: 50, 80 and 70 (not 25/40/35, nor anyone's "dissatisfaction")
    assert closed_scores(hall, "A") == [("50.00", None, False), ("80.00", None, False), ("70.00", None, False)]
    closed = hall.state.tally.posts["A"].closed
    assert [c["counts"] for c in closed["candidates"]] == [
        {"votes": 50, "blank": 150}, {"votes": 80, "blank": 120}, {"votes": 70, "blank": 130}]
    assert closed["ballot"] == {"kind": "recommendation", "names": 1, "score": "votes"}
    assert (closed["issued"], closed["returned"], closed["valid"], closed["void"]) == (200, 200, 200, 0)
    assert all(c["rate_exact"] is None for c in closed["candidates"])

    rows = {r.code: r for post in ranking.rank(hall.state) for r in post.rows}
    codes = hall.codes("A")
    # the democratic stage alone is weighted: composite = its score; all three are targets (3 or fewer)
    assert [(rows[c].composite, rows[c].dissatisfied_rate, rows[c].status) for c in codes] == [
        (Decimal("50.00"), None, "target"), (Decimal("80.00"), None, "target"), (Decimal("70.00"), None, "target")]
    assert [rows[c].rank for c in codes] == [3, 1, 2]
    assert verify(hall.tv.vault, hall.tv.admin.data_key).ok


def test_two_hundred_recommendations_scored_by_share(test_vault, tmp_path):
    hall = Hall(test_vault, tmp_path, [("A", 3)],
                settings={**RECOMMEND, "democratic.recommendation_score": "share"})
    hall.box(["A"])
    hall.paper("A", TWO_HUNDRED)
    hall.close("A")
    # votes / valid ballots × 100: 50/200 = 25.00, 80/200 = 40.00, 70/200 = 35.00
    assert closed_scores(hall, "A") == [("25.00", None, False), ("40.00", None, False), ("35.00", None, False)]
    assert hall.state.tally.posts["A"].closed["ballot"]["score"] == "share"
    statuses = [r.status for post in ranking.rank(hall.state) for r in post.rows]
    assert statuses == ["target"] * 3


def test_up_to_two_names_a_ballot_naming_three_is_void_and_the_figures_reconcile(test_vault, tmp_path):
    hall = Hall(test_vault, tmp_path, [("A", 3)],
                settings={**RECOMMEND, "democratic.names_per_ballot": 2, "democratic.recommendation_score": "share"})
    hall.box(["A"])
    # 3 × "YY-", 1 × "Y--", 2 × "YYY" (three names: void), 1 × "---" (blank: valid by default),
    # and one ballot voided by the officer: returned 8 = valid 5 + void 3
    marks = ["YY-", "YY-", "YY-", "Y--", "YYY", "YYY", "---"]
    hall.paper("A", marks, voids=1)
    view = ballots.view(hall.state, "A")
    assert (len(view.ballots), view.void) == (5, 3)
    assert view.reconciliation is not None and view.reconciliation.problems == []
    assert (view.reconciliation.issued, view.reconciliation.returned) == (8, 8)
    hall.close("A")  # no override needed: it reconciles
    closed = hall.state.tally.posts["A"].closed
    assert (closed["valid"], closed["void"]) == (5, 3)
    # votes: first 3 + 1 = 4, second 3, third 0 (the void ballots name nobody); of 5 valid ballots:
    # 4/5 = 80.00, 3/5 = 60.00, 0/5 = 0.00
    assert [c["counts"]["votes"] for c in closed["candidates"]] == [4, 3, 0]
    assert closed_scores(hall, "A") == [("80.00", None, False), ("60.00", None, False), ("0.00", None, False)]


def test_a_blank_recommendation_is_void_when_the_rules_say_so(test_vault, tmp_path):
    hall = Hall(test_vault, tmp_path, [("A", 3)],
                settings={**RECOMMEND, "democratic.names_per_ballot": 2, "democratic.blank_ballot": "void"})
    hall.box(["A"])
    hall.paper("A", ["Y--", "---", "YYY", "-YY"])
    view = ballots.view(hall.state, "A")
    # "---" and "YYY" void: 2 valid, 2 void; votes 1, 1, 1
    assert (len(view.ballots), view.void) == (2, 2)
    assert [r.score for r in view.results] == [Decimal("1.00"), Decimal("1.00"), Decimal("1.00")]


def test_voter_groups_weigh_the_shares():
    rules = rules_from({"democratic.ballot": "recommendation", "democratic.recommendation_score": "share",
                        "democratic.groups": [["领导", "3"], ["干部", "1"]]})
    ballots_ = [Ballot("Y-", "领导"), Ballot("-Y", "领导"), Ballot("Y-", "干部"), Ballot("Y-", "干部"),
                Ballot("-Y", "干部"), Ballot("Y-", "干部")]
    first, second = tally_post(["X", "Y"], ballots_, rules)
    # 领导: X 1/2 = 50 %, Y 50 %; 干部: X 3/4 = 75 %, Y 25 %; weighted 3:1:
    # X (3 × 50 + 75) / 4 = 56.25, Y (3 × 50 + 25) / 4 = 43.75
    assert (first.score, second.score) == (Decimal("56.25"), Decimal("43.75"))
    assert first.counts_by_group == {"领导": {"votes": 1, "blank": 1}, "干部": {"votes": 3, "blank": 1}}
    assert (first.rate, first.excluded) == (None, False)


def test_rules_are_validated_and_the_ballot_kind_is_fixed_once_a_box_exists(test_vault, tmp_path):
    defaults = rules_from({})
    assert (defaults.ballot, defaults.names_per_ballot, defaults.recommendation_score) == ("evaluation", 1, "votes")
    with pytest.raises(RuleError) as caught:
        validate_changes({"democratic.ballot": "poll"}, {})
    assert caught.value.key == "rule_not_choice"
    with pytest.raises(RuleError) as caught:
        validate_changes({"democratic.names_per_ballot": 0}, {})
    assert caught.value.key == "rule_out_of_range"
    with pytest.raises(RuleError) as caught:  # votes are counted: nothing for a group's weight to weigh
        validate_changes({"democratic.ballot": "recommendation", "democratic.groups": [["领导", 3]]}, {})
    assert caught.value.key == "rule_recommendation_groups"

    hall = Hall(test_vault, tmp_path, [("A", 3), ("B", 2)], settings=RECOMMEND)
    hall.box(["A"])
    for key, value in (("democratic.ballot", "evaluation"), ("democratic.names_per_ballot", 2)):
        refused("rule_ballot_after_box", config.change, hall.s("admin"), {key: value})
    config.change(hall.s("admin"), {"democratic.recommendation_score": "share"})  # how it is scored may still change
    config.change(hall.s("admin"), {"democratic.ballot": "recommendation"})  # the same value changes nothing


def test_entries_must_be_the_ballot_kinds_marks(test_vault, tmp_path):
    hall = Hall(test_vault, tmp_path, [("A", 3)], settings=RECOMMEND)
    hall.box(["A"])
    hall.paper("A", [])
    t1 = hall.s("t1")
    refused("ballot_recommendation_marks", ballots.enter_ballot, t1, "A", "SSB")
    refused("ballot_post_bad_marks", ballots.enter_ballot, t1, "A", "YY")
    assert ballots.enter_ballot(t1, "A", "y0-") == 1 and ballots.enter_ballot(t1, "A", "010") == 2
    assert [e.marks for _, e in sorted(hall.state.tally.posts["A"].entries["t1"].items())] == ["Y--", "-Y-"]


def test_an_evaluation_post_refuses_names(test_vault, tmp_path):
    hall = Hall(test_vault, tmp_path, [("A", 3)])
    hall.box(["A"])
    hall.paper("A", [])
    refused("ballot_post_bad_marks", ballots.enter_ballot, hall.s("t1"), "A", "Y--")
    assert ballots.enter_ballot(hall.s("t1"), "A", "SB0") == 1  # and still takes its own


# ---------------------------------------------------------------------- the kiosk


def test_a_kiosk_recommendation_is_sealed_and_counted_at_the_unsealing(test_vault, tmp_path):
    hall = Hall(test_vault, tmp_path, [("A", 3)], settings={**RECOMMEND, "democratic.names_per_ballot": 2})
    hall.add_user("t3", "tally")
    box_id = hall.box(["A"], officers=("t1", "t2", "t3"))
    slips = ballots.issue_tokens(hall.s("admin"), box_id, 2)
    kiosk = hall.s("t3")
    refused("ballot_too_many_names", ballots.cast, kiosk, box_id, slips[0], {"A": "YYY"})
    refused("ballot_recommendation_marks", ballots.cast, kiosk, box_id, slips[0], {"A": "SSB"})
    ballots.cast(kiosk, box_id, slips[0], {"A": "-YY"})
    ballots.cast(kiosk, box_id, slips[1], {"A": "1 0"})  # typed keys: 1 names, space and 0 do not
    hall.paper("A", ["Y--"])  # one paper ballot too
    opened = ballots.unseal(hall.s("t1"), box_id, [hall.s("t1").identity, hall.s("t2").identity])
    assert opened == {"A": sorted(["-YY", "Y--"])}
    view = ballots.view(hall.state, "A")
    # one paper and two electronic ballots: votes 2, 1, 1 (a point a vote)
    assert len(view.ballots) == 3
    assert [(r.counts["votes"], r.score) for r in view.results] == [
        (2, Decimal("2.00")), (1, Decimal("1.00")), (1, Decimal("1.00"))]
    action = hall.close("A")
    assert action.done and action.params["electronic"] == 2
    assert verify(hall.tv.vault, hall.tv.admin.data_key).ok


# ---------------------------------------------------------------------- through the installed jz


def run_ok(jz, *args, **kwargs):
    result = jz(*args, **kwargs)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_the_whole_path_through_the_installed_jz(test_vault, tmp_path, jz):
    hall = Hall(test_vault, tmp_path, [("A", 3)])
    path = hall.tv.path
    run_ok(jz, "config", path, "--set", "democratic.ballot=recommendation", "--set", "democratic.names_per_ballot=2",
           "--set", "stages.written=0", "--set", "stages.interview=0", user="admin")
    shown = json.loads(run_ok(jz, "config", path, "--show", "--json", user="admin").stdout)
    assert "recommendation" in json.dumps(shown, ensure_ascii=False)
    run_ok(jz, "box", "create", path, "--posts", "A", "--officers", "t1,t2", "--seal", "S-1", user="admin")
    refused_change = jz("config", path, "--set", "democratic.ballot=evaluation", user="admin")
    assert refused_change.returncode != 0 and "box" in refused_change.stderr.lower()

    printed = tmp_path / "ballot.pdf"
    run_ok(jz, "print", path, "--form", "ballot", "--post", "A", "--count", "1", "--out", printed, user="t1")
    text = pdf_text(printed)
    assert "Recommend" in text and "at most 2" in text and "Satisfied" not in text

    run_ok(jz, "box", "open", path, "--post", "A", "--seal-intact", "--issued", "6", "--returned", "5", user="t1")
    # five ballots, typed by both officers: two naming two, one naming one, one naming three (void),
    # one blank (valid): returned 5 = valid 4 + void 1
    for officer in ("t1", "t2"):
        for marks in ("YY-", "-YY", "Y--", "YYY", "---"):
            run_ok(jz, "ballot", "enter", path, "--post", "A", "--marks", marks, user=officer)
    shown = json.loads(run_ok(jz, "tally", "show", path, "--post", "A", "--json", user="t1").stdout)
    assert (shown["valid"], shown["void"], shown["discrepancies"]) == (4, 1, [])
    assert [c["dissatisfied_rate"] for c in shown["candidates"]] == [None, None, None]
    plain = run_ok(jz, "tally", "show", path, "--post", "A", user="t1").stdout
    assert "Votes" in plain.splitlines()[1] and "Dissat." not in plain  # votes and not named, no rate

    started = json.loads(run_ok(jz, "tally", "close", path, "--post", "A", "--json", user="t1").stdout)
    run_ok(jz, "sign", path, started["pending"], user="t2")
    run_ok(jz, "sign", path, started["pending"], user="sup")

    ranked = json.loads(run_ok(jz, "ranking", path, "--json", user="admin").stdout)
    rows = ranked["posts"][0]["candidates"]
    # votes: first YY- + Y-- = 2, second YY- + -YY = 2, third -YY = 1 (void and blank name nobody)
    by_code = {r["code"]: r for r in rows}
    codes = hall.codes("A")
    assert [by_code[c]["democratic"] for c in codes] == ["2.00", "2.00", "1.00"]
    assert [by_code[c]["dissatisfied_rate"] for c in codes] == [None, None, None]
    assert all(by_code[c]["status"] == "target" for c in codes)

    record = tmp_path / "tally.pdf"
    run_ok(jz, "print", path, "--form", "tally", "--post", "A", "--out", record, user="sup")
    text = pdf_text(record)
    assert "Votes" in text and "at most 2" in text
    assert "Dissatisfied" not in text and "%" not in text
    assert jz("verify", path, user="admin").returncode == 0


def test_printed_forms_in_chinese_say_recommend(test_vault, tmp_path, jz):
    hall = Hall(test_vault, tmp_path, [("A", 2)], settings=RECOMMEND)
    hall.box(["A"])
    hall.paper("A", ["Y-", "-Y", "Y-"])
    hall.close("A")
    zh = {"JZ_LANG": "zh"}
    ballot, tally = tmp_path / "b.pdf", tmp_path / "t.pdf"
    run_ok(jz, "print", hall.tv.path, "--form", "ballot", "--post", "A", "--count", "1", "--out", ballot,
           user="admin", env=zh)
    run_ok(jz, "print", hall.tv.path, "--form", "tally", "--post", "A", "--out", tally, user="admin", env=zh)
    ballot_text, tally_text = pdf_text(ballot), pdf_text(tally)
    assert "民主推荐票" in ballot_text and "推荐" in ballot_text and "限推荐 1 人" in ballot_text
    assert "满意" not in ballot_text
    assert "得票数" in tally_text and "不满意率" not in tally_text.replace("不设不满意率", "")


# ---------------------------------------------------------------------- the co-signer sees the votes


def test_a_cosigner_sees_votes_and_scores_not_rates(test_vault, tmp_path):
    hall = Hall(test_vault, tmp_path, [("A", 3)], settings=RECOMMEND)
    hall.box(["A"])
    hall.paper("A", ["Y--", "-Y-", "Y--"])
    action = ballots.request_close(hall.s("t1"), "A")
    text = "\n".join(pending.detail_lines(pending.details(hall.state, hall.state.pending[action.id], "t2")))
    assert "votes 2, not named 1" in text and "score 2.00" in text
    assert "dissatisfied" not in text


# ---------------------------------------------------------------------- the insider


def forge(hall: Hall, actor: str, kind: str, data: dict) -> int:
    """Appended as ``actor`` would from their own client: their real key, no judge."""
    return hall.tv.vault.append(as_role(hall.s(actor).identity, kind), kind, data).seq


def verify_problems(jz, path: Path) -> tuple[int, str]:
    result = jz("verify", path, user="admin")
    return result.returncode, result.stdout


def test_an_evaluation_ballot_forged_into_a_recommendation_post_fails_verify(test_vault, tmp_path, jz):
    hall = Hall(test_vault, tmp_path, [("A", 3)], settings=RECOMMEND)
    hall.box(["A"])
    hall.paper("A", ["Y--", "-Y-"])
    refused("ballot_recommendation_marks", ballots.enter_ballot, hall.s("t1"), "A", "SSB")
    seq = forge(hall, "t1", "ballot.enter", {"post": "A", "no": 3, "marks": "SSB", "group": ""})
    code, out = verify_problems(jz, hall.tv.path)
    assert code == TAMPERED and f"event {seq}:" in out, out
    state = hall.s("admin").state
    assert sorted(state.tally.posts["A"].entries["t1"]) == [1, 2]  # the forged entry is not in the count
    # the close counts the two real ballots only: a vote each for the first two, none for the third
    hall.close("A")
    ranked = json.loads(run_ok(jz, "ranking", hall.tv.path, "--json", user="admin").stdout)
    rows = ranked["posts"][0]["candidates"]
    assert sorted((r["code"], r["democratic"], r["dissatisfied_rate"]) for r in rows) == [
        (code, score, None) for code, score in zip(hall.codes("A"), ("1.00", "1.00", "0.00"), strict=True)]


def test_a_close_recording_the_evaluation_formula_fails_verify_and_is_not_ranked(test_vault, tmp_path, jz):
    hall = Hall(test_vault, tmp_path, [("A", 3)], settings=RECOMMEND)
    hall.box(["A"])
    hall.paper("A", ["Y--"] * 5 + ["-Y-"] * 8 + ["--Y"] * 7)
    real = ballots.close_record(hall.state, "A")
    # what an evaluation reading gives: a name counted as 满意 (100) and no name as 不满意 (0), so
    # scores 25.00/40.00/35.00 and 75 %/60 %/65 % "dissatisfied", everyone excluded
    evaluation = {k: v for k, v in real.items() if k != "ballot"}
    evaluation["candidates"] = [
        {"code": c["code"], "counts": {"satisfied": c["counts"]["votes"], "basic": 0,
                                       "dissatisfied": c["counts"]["blank"], "blank": 0}, "by_group": {},
         "score": score, "rate": rate, "rate_exact": rate, "excluded": True}
        for c, score, rate in zip(real["candidates"], ("25.00", "40.00", "35.00"), ("0.7500", "0.6000", "0.6500"),
                                  strict=True)]
    refused("event_figures_differ", pending.create, hall.s("t1"), "tally.close", evaluation)
    seqs = [forge(hall, "t1", "pending.create", {"id": "PFAKE1", "action": "tally.close", "params": evaluation,
                                                  "reason": ""}),
            forge(hall, "t2", "pending.sign", {"id": "PFAKE1"}),
            forge(hall, "sup", "pending.sign", {"id": "PFAKE1"})]
    code, out = verify_problems(jz, hall.tv.path)
    assert code == TAMPERED and f"event {seqs[0]}:" in out, out
    assert hall.s("admin").state.tally.posts["A"].closed is None
    ranked = json.loads(run_ok(jz, "ranking", hall.tv.path, "--json", user="admin").stdout)
    rows = ranked["posts"][0]["candidates"]
    assert [(r["democratic"], r["dissatisfied_rate"], r["status"]) for r in rows] == [(None, None, "incomplete")] * 3

    # the real close still goes through, with a point a vote
    action = hall.close("A")
    assert action.done and closed_scores(hall, "A") == [("5.00", None, False), ("8.00", None, False),
                                                        ("7.00", None, False)]


# ---------------------------------------------------------------------- the screens


def recommendation_vault(path: Path, slips: int = 0) -> tuple[Path, list[str]]:
    """The screens' synthetic roster (A01: 5 candidates, B01: 3), recommendation rules with up to
    two names, and one box for A01 and B01 (t1, t2)."""
    tv = make_test_vault(path)
    try:
        admin = Session(tv.vault, tv.admin)
        config.change(admin, {"democratic.ballot": "recommendation", "democratic.names_per_ballot": 2})
        import_demo_roster(admin, path.parent)
        ballots.create_box(admin, ["A01", "B01"], ["t1", "t2"], "S-0001")
        codes = ballots.issue_tokens(admin, "BOX1", slips) if slips else []
    finally:
        tv.vault.close()
    return path, codes


async def test_the_tally_screen_takes_names(tmp_path):
    path, _ = recommendation_vault(tmp_path / "session.jz")
    vault = Vault.open(path)
    try:
        ballots.open_box(Session(vault, vault.unlock("t1", PASSPHRASES["t1"])), "A01", True, "", 3, 3)
    finally:
        vault.close()
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "t1")
        screen = app.screen
        assert isinstance(screen, BallotsScreen)
        await wait_until(pilot, lambda: screen._current is not None and screen._current.opened is not None)
        assert "at most 2 named" in str(screen.query_one("#tally-legend", Plain).content)
        await pilot.press("2")  # not a mark of a recommendation: nothing typed
        assert screen._marks == []
        await pilot.press("y", "0", "1", "0", "0", "enter")  # Y and 1 name, 0 does not
        await pilot.press("y", "y", "y", "0", "0", "enter")  # three names: a void ballot, entered as read
        await pilot.press("0", "0", "0", "0", "y", "enter")
        await wait_until(pilot, lambda: not screen._jobs and len(records(path, ("ballot.enter",))) == 3)
        await settle(pilot)
        assert [r.data["marks"] for r in records(path, ("ballot.enter",))] == ["Y-Y--", "YYY--", "----Y"]
        table = screen.query_one("#tally-table", LiveTable)
        # two valid ballots: votes 1, 0, 1, 0, 1 (the three-name ballot is void)
        assert [table.get_cell(key, "s").plain for key in (k.value for k in table.rows)] == ["1", "0", "1", "0", "1"]
        assert str(table.columns[ColumnKey("s")].label) == "Votes"


async def test_the_kiosk_takes_at_most_the_names_allowed(tmp_path):
    path, slips = recommendation_vault(tmp_path / "session.jz", slips=1)
    app = KioskApp(path, "box1")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "t1")
        screen = app.screen
        assert isinstance(screen, KioskScreen)
        await pilot.press(*slips[0], "enter")
        await settle(pilot)
        assert screen.has_class("-marking")
        await pilot.press("1", "y", "y")  # a third name on A01: refused at the key
        assert "".join(screen._marks) == "YY"
        assert "at most 2" in str(screen.query_one("#kiosk-message", Plain).content)
        await pilot.press("0", "0", "0", "3", "y", "0", "0")  # 3 is no mark of a recommendation
        assert "".join(screen._marks) == "YY---Y--"
        table = screen.query_one("#kiosk-table", LiveTable)
        assert table.get_cell("A01/A01-01", "choice").plain == "named"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert str(screen.query_one("#kiosk-message", Plain).content) == "Your ballot is cast. Thank you!"


# ---------------------------------------------------------------------- another hall's count


def test_a_halls_recommendation_of_more_than_a_hundred_votes_is_imported(tmp_path):
    (tmp_path / "hall").mkdir()
    (tmp_path / "centre").mkdir()
    hall_tv = make_test_vault(tmp_path / "hall" / "hall.jz")
    centre_tv = make_test_vault(tmp_path / "centre" / "centre.jz")
    try:
        hall = Hall(hall_tv, tmp_path / "hall", [("B", 2)], settings=RECOMMEND)
        centre = Hall(centre_tv, tmp_path / "centre", [("B", 2)], settings=RECOMMEND)
        hall.box(["B"])
        hall.paper("B", ["Y-"] * 120 + ["-Y"] * 30)  # 150 voters: 120 and 30 votes, a point a vote
        hall.close("B")
        payload = halls.export(hall.s("admin"), ["B"])
        halls.register(centre.s("admin"), "east", crypto.fingerprint(hall_tv.admin.public_key))
        assert halls.import_export(centre.s("admin"), payload) == "east"
        rows = [r for post in ranking.rank(centre.state) for r in post.rows]
        assert [(r.stages["democratic"], r.dissatisfied_rate, r.halls) for r in rows] == [
            (Decimal("120.00"), None, {"democratic": "east"}), (Decimal("30.00"), None, {"democratic": "east"})]
        # a votes score above the ballots counted is no count: refused, even signed by the hall's admin
        forged = json.loads(json.dumps(payload))
        forged["posts"][0]["tally"]["candidates"][0]["score"] = "151.00"
        body = {k: v for k, v in forged.items() if k != "signature"}
        forged["signature"] = hall.s("admin").identity.sign(signed_part(body)).hex()
        refused("hall_export_results", halls.import_export, centre.s("admin"), forged)
    finally:
        hall_tv.vault.close()
        centre_tv.vault.close()
