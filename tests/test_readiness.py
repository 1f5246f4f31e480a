"""The readiness check: each problem it names, found on sessions built through the services,
gone once its cause is fixed; ``jz check`` prints the same list and exits 1 while something
stops the session; the setup hub's last step at 80×24."""

from __future__ import annotations

import json

import pytest
from _app_helpers import log_in, make_app_vault, settle, stable_app
from _session_helpers import Hall
from conftest import WEAK_KDF, make_test_vault

from jz_tui.i18n import t
from jz_tui.services import config, panels, readiness, roster, setup_progress, tickets
from jz_tui.services.session import Session
from screens.setup_check import ReadinessScreen
from screens.widgets import Plain

SIZE = (80, 24)
MORE_EXAMINERS = ("e3", "e4", "e5")


def keyed(state) -> dict[str, list[dict[str, object]]]:
    """The problems found, by catalogue key: each with its parameters and whether it stops."""
    found: dict[str, list[dict[str, object]]] = {}
    for problem in readiness.problems(state):
        found.setdefault(problem.key, []).append({**dict(problem.params), "stops": problem.stops})
    return found


@pytest.fixture
def tv(tmp_path):
    tv = make_test_vault(tmp_path / "hall.jz")
    yield tv
    tv.vault.close()


def ready_hall(tv, tmp_path, settings=None) -> Hall:
    """Two posts (A01: 2 candidates, B01: 1), five examiners, tickets, written scores, a box each."""
    hall = Hall(tv, tmp_path, [("A01", 2), ("B01", 1)], settings=settings)
    for name in MORE_EXAMINERS:
        hall.add_user(name, "examiner")
    tickets.issue(hall.s("admin"))
    hall.stage({code: "80" for post in ("A01", "B01") for code in hall.codes(post)})
    hall.box(["A01"])
    hall.box(["B01"])
    return hall


def test_a_session_prepared_in_full_is_ready(tv, tmp_path):
    hall = ready_hall(tv, tmp_path)
    assert readiness.problems(hall.state) == ()
    check = setup_progress.progress(hall.state)[-1]
    assert check.done and check.message == "setup_step_check_ready"


def test_a_vault_with_no_one_but_its_admin_lacks_every_role(tmp_path):
    bare = make_test_vault(tmp_path / "bare.jz", users=False)
    try:
        found = keyed(Session(bare.vault, bare.admin).state)
        assert [p["role"] for p in found["ready_no_role"]] == ["clerk", "examiner", "scorer", "tally", "supervisor"]
        assert found["ready_roster_empty"] == [{"stops": True}]
        check = setup_progress.progress(Session(bare.vault, bare.admin).state)[-1]
        assert not check.done and dict(check.params)["stops"] == 6
    finally:
        bare.vault.close()


def test_roles_the_rules_do_not_use_are_not_asked_for(tmp_path):
    bare = make_test_vault(tmp_path / "bare.jz", users=False)
    try:
        admin = Session(bare.vault, bare.admin)
        config.change(admin, {"stages.democratic": 0})
        assert "tally" not in [p["role"] for p in keyed(admin.state)["ready_no_role"]]
        config.change(admin, {"stages.interview": 0})
        assert [p["role"] for p in keyed(admin.state)["ready_no_role"]] == ["clerk", "supervisor"]
    finally:
        bare.vault.close()


def test_candidates_with_no_ticket_are_named_until_tickets_are_issued(tv, tmp_path):
    hall = Hall(tv, tmp_path, [("A01", 2), ("B01", 1)])
    codes = hall.codes("A01") + hall.codes("B01")
    assert keyed(hall.state)["ready_no_ticket"] == [{"count": 3, "codes": tuple(codes), "stops": True}]
    tickets.issue(hall.s("admin"))
    assert "ready_no_ticket" not in keyed(hall.state)


def test_a_long_list_of_candidates_is_cut_and_counted(tv, tmp_path):
    hall = Hall(tv, tmp_path, [("A01", 7)])
    problem = keyed(hall.state)["ready_no_ticket"][0]
    assert problem["count"] == 7 and problem["codes"] == tuple(hall.codes("A01")[:readiness.SHOWN_CODES])
    sentence = readiness.text(readiness.problems(hall.state)[0], "zh")
    assert sentence == t("ready_no_ticket", lang="zh", count=7, codes="、".join(problem["codes"]) + " …")


def test_written_scores_missing_are_a_warning(tv, tmp_path):
    hall = Hall(tv, tmp_path, [("A01", 2)])
    first, second = hall.codes("A01")
    hall.stage({first: "80"})
    assert keyed(hall.state)["ready_stage_missing"] == [{"stage": "written", "count": 1, "codes": (second,),
                                                         "stops": False}]
    problem = next(p for p in readiness.problems(hall.state) if p.key == "ready_stage_missing")
    assert t("stage_written") in readiness.text(problem)


def test_fewer_examiners_than_dropping_high_and_low_needs(tv, tmp_path):
    hall = Hall(tv, tmp_path, [("A01", 2)])
    assert keyed(hall.state)["ready_examiners_few"] == [{"count": 2, "needed": 5, "stops": True}]
    config.change(hall.s("admin"), {"interview.drop_when_at_least": 3})
    assert keyed(hall.state)["ready_examiners_few"] == [{"count": 2, "needed": 3, "stops": True}]
    hall.add_user("e3", "examiner")
    assert "ready_examiners_few" not in keyed(hall.state)


def test_the_one_panel_set_for_the_session_is_what_counts(tv, tmp_path):
    hall = ready_hall(tv, tmp_path)
    panels.set_panel(hall.s("admin"), "R1", [], ["e1", "e2", "e3"], "e1")
    assert keyed(hall.state)["ready_panel_few"] == [{"panel": "R1", "count": 3, "needed": 5, "stops": True}]


def test_a_post_with_no_panel_when_the_rules_ask_a_panel_per_post(tv, tmp_path):
    hall = ready_hall(tv, tmp_path, settings={"interview.panels": "per_post"})
    assert keyed(hall.state)["ready_post_no_panel"] == [{"post": "A01", "stops": True}, {"post": "B01", "stops": True}]
    panels.set_panel(hall.s("admin"), "R1", ["A01"], ["e1", "e2", "e3", "e4", "e5"], "e1")
    assert keyed(hall.state)["ready_post_no_panel"] == [{"post": "B01", "stops": True}]
    panels.set_panel(hall.s("admin"), "R2", ["B01"], ["e1", "e2"], "e2")
    found = keyed(hall.state)
    assert "ready_post_no_panel" not in found
    assert found["ready_panel_few"] == [{"panel": "R2", "count": 2, "needed": 5, "stops": True}]


def test_an_open_post_in_no_box(tv, tmp_path):
    hall = Hall(tv, tmp_path, [("A01", 2), ("B01", 1)])
    assert keyed(hall.state)["ready_post_no_box"] == [{"post": "A01", "stops": True}, {"post": "B01", "stops": True}]
    hall.box(["A01"])
    assert keyed(hall.state)["ready_post_no_box"] == [{"post": "B01", "stops": True}]
    config.change(hall.s("admin"), {"stages.democratic": 0})  # no democratic evaluation: no box needed
    assert "ready_post_no_box" not in keyed(hall.state)


def test_too_few_tally_officers_for_the_box_the_rules_describe(tv, tmp_path):
    hall = Hall(tv, tmp_path, [("A01", 2)])
    config.change(hall.s("admin"), {"tally.shares_to_open": 3})
    assert keyed(hall.state)["ready_tally_few"] == [{"count": 2, "needed": 3, "k": 3, "close": 2, "stops": True}]


def test_k_above_the_officers_a_box_has_left(tv, tmp_path):
    hall = ready_hall(tv, tmp_path)
    admin = hall.s("admin")
    admin.vault.rekey(admin.identity, ["t2"], judge=admin.judge)  # an officer of both boxes leaves
    found = keyed(hall.state)
    assert found["ready_box_k"] == [{"box": "BOX1", "k": 2, "count": 1, "stops": True},
                                    {"box": "BOX2", "k": 2, "count": 1, "stops": True}]
    assert [p["box"] for p in found["ready_box_close"]] == ["BOX1", "BOX2"]
    assert "ready_no_role" not in found  # t1 is still a tally officer


def test_a_box_whose_tally_needs_more_signers_than_it_has(tv, tmp_path):
    hall = ready_hall(tv, tmp_path)
    config.change(hall.s("admin"), {"tally.officers_to_close": 3})
    found = keyed(hall.state)
    assert found["ready_box_close"] == [{"box": "BOX1", "close": 3, "count": 2, "stops": True},
                                        {"box": "BOX2", "close": 3, "count": 2, "stops": True}]
    assert "ready_box_k" not in found


def test_a_post_with_no_candidate_is_a_warning_and_stops_come_first(tv, tmp_path):
    hall = ready_hall(tv, tmp_path)
    roster.withdraw_candidate(hall.s("admin"), hall.codes("B01")[0], "本人放弃")
    found = readiness.problems(hall.state)
    assert [(p.key, dict(p.params)["post"], p.stops) for p in found] == [("ready_post_empty", "B01", False)]
    assert setup_progress.progress(hall.state)[-1].done  # a warning does not stop the session
    config.change(hall.s("admin"), {"tally.officers_to_close": 3})
    assert [p.stops for p in readiness.problems(hall.state)] == [True, True, False]


def test_every_problem_reads_as_a_sentence_in_both_languages(tv, tmp_path):
    hall = Hall(tv, tmp_path, [("A01", 2), ("B01", 1)], settings={"interview.panels": "per_post"})
    for problem in readiness.problems(hall.state):
        for lang in ("zh", "en"):
            sentence = readiness.text(problem, lang)
            assert sentence and "{" not in sentence and " -" not in sentence, sentence


# ---------------------------------------------------------------------- jz check


def test_jz_check_exits_1_while_something_stops_the_session_and_0_when_ready(jz, tv, tmp_path):
    hall = Hall(tv, tmp_path, [("A01", 2), ("B01", 1)])
    expected = [readiness.text(p) for p in readiness.problems(hall.state)]
    tv.vault.close()
    result = jz("check", tv.path, user="admin")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.rstrip("\n").splitlines()
    assert [line[4:] for line in lines[:-1]] == expected
    stops = sum(1 for line in lines[:-1] if line.startswith("  ✗"))
    assert lines[-1] == t("ready_summary", stops=stops, warnings=len(expected) - stops)
    as_json = json.loads(jz("check", tv.path, "--json", user="admin").stdout)
    assert as_json["ready"] is False and [p["message"] for p in as_json["problems"]] == expected
    assert jz("check", tv.path, user="clerk").returncode == 1  # not theirs to run
    assert jz("check", tv.path, user="sup").returncode == 1


def test_jz_check_on_a_ready_session(jz, tv, tmp_path):
    ready_hall(tv, tmp_path)
    tv.vault.close()
    result = jz("check", tv.path, user="admin")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == t("ready_all_clear")
    assert json.loads(jz("check", tv.path, "--json", user="sup").stdout) == {"ready": True, "problems": []}


# ---------------------------------------------------------------------- the screen


async def test_the_check_lists_each_problem_as_a_sentence_at_80x24(tmp_path, monkeypatch):
    path = make_app_vault(tmp_path / "hall.jz", monkeypatch)
    app = stable_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin")
        rows = pilot.app.screen.query_one("#steps").table
        status = str(rows.get_row("check")[2])
        await pilot.press("7")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReadinessScreen)
        expected = screen.context.shared.use(lambda session, _: readiness.problems(session.state))
        stops = readiness.stops(expected)
        assert status == t("setup_step_check_problems", stops=stops, warnings=len(expected) - stops)
        verdict = screen.query_one("#ready-verdict", Plain)
        assert verdict.has_class("-stopped")
        assert str(verdict.render()) == t("ready_summary", stops=stops, warnings=len(expected) - stops)
        shown = [str(p.render()) for p in screen.query(".problem").results(Plain)]
        assert shown == [f"{t('ready_severity_stop') if p.stops else t('ready_severity_warn')}  {readiness.text(p)}"
                         for p in expected]
        assert any(t("ready_no_ticket", count=3, codes="A01-01, A01-02, B01-01") in line for line in shown)


def test_a_tie_break_on_a_stage_with_no_weight_is_a_warning(tmp_path, tv):
    hall = ready_hall(tv, tmp_path)
    config.change(hall.s("admin"), {"stages.written": 0})
    found = keyed(hall.state)
    assert found["ready_tie_break_unweighted"] == [{"stage": "written", "stops": False}]
    assert "ready_stage_missing" not in found  # nor are written scores asked for any more


def test_the_users_step_is_done_once_every_role_the_rules_need_has_a_user(tmp_path):
    bare = make_test_vault(tmp_path / "bare.jz", users=False)
    try:
        admin = Session(bare.vault, bare.admin)
        config.change(admin, {"stages.democratic": 0, "stages.interview": 0})
        assert not setup_progress.progress(admin.state)[1].done
        for name, role in (("clerk", "clerk"), ("sup", "supervisor")):
            bare.vault.add_user(bare.admin, name, role, f"{name}-passphrase", kdf=WEAK_KDF)
        admin.refresh()
        assert setup_progress.progress(admin.state)[1].done  # no examiner, scorer or tally needed
    finally:
        bare.vault.close()
