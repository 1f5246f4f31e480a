"""The scorer's screen at 80x24: sheets arriving live from other processes, confirming,
the aggregate, announcing, and the announcement view once a supervisor has signed."""

from __future__ import annotations

import asyncio

import pytest
from _app_helpers import log_in, settle, stable_app, wait_until
from _scores_helpers import ANNOUNCE_ID, EXAMINERS, MARKS, RESULT, build_hall, events

from jz_tui import i18n
from jz_tui.i18n import error_text, t
from jz_tui.services import config, pending
from screens.announcement import AnnouncementScreen, announcement_view, dropped_text, method_text
from screens.confirm import ConfirmScreen
from screens.scoring import ScoringScreen
from screens.widgets import Plain, TablePanel
from storage.errors import AuthorityError

SIZE = (80, 24)


def table(screen, panel: str):
    return screen.query_one(f"#{panel}", TablePanel).table


def keys(screen, panel: str) -> list[str]:
    return [key.value for key in table(screen, panel).rows]


def cell(screen, panel: str, row: str, column: str) -> str:
    return table(screen, panel).get_cell(row, column).plain


def code_of(hall, number: str) -> str:
    return {n: c for c, n in hall.roster().interview_numbers().items()}[number]


async def test_a_sheet_submitted_by_another_process_arrives_live_and_is_confirmed(tmp_path, jz):
    hall = build_hall(tmp_path / "session.jz", tmp_path)
    hall.submit("A-1", "e1")
    first = code_of(hall, "A-1")
    hall.close()
    app = stable_app(hall.path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "scorer")
        screen = app.screen
        assert isinstance(screen, ScoringScreen)
        assert screen._selected == first  # the candidate with a sheet to confirm comes first
        assert keys(screen, "score-sheets") == [f"{first}\te1"]
        sheets_table = table(screen, "score-sheets")
        row_of_e1 = sheets_table.rows[f"{first}\te1"]

        # Another terminal: examiner e2 submits with the real CLI while this screen runs.
        submitted = await asyncio.to_thread(
            jz, "sheet", "submit", hall.path, "--candidate", "A-1", "--items", ",".join(MARKS["e2"]), user="e2")
        assert submitted.returncode == 0, submitted.stderr
        await wait_until(pilot, lambda: len(keys(screen, "score-sheets")) == 2)
        assert keys(screen, "score-sheets") == [f"{first}\te1", f"{first}\te2"]  # added in place, below
        assert sheets_table.rows[f"{first}\te1"] is row_of_e1 and sheets_table.cursor_row == 0
        assert cell(screen, "score-sheets", f"{first}\te2", "total") == "86"
        assert cell(screen, "score-sheets", f"{first}\te2", "state") == t("scorer_sheet_submitted")

        sheets_table.focus()
        await pilot.press("down", "c")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: cell(screen, "score-sheets", f"{first}\te2", "state")
                         == t("scorer_sheet_confirmed"))
        confirmed = events(hall.path, "sheet.confirm")
        assert [(e.actor, e.data["examiner"], e.data["candidate"]) for e in confirmed] == [("scorer", "e2", first)]
        assert cell(screen, "score-candidates", first, "count") == "1/5"


async def test_a_refused_confirmation_shows_the_reason_and_appends_nothing(tmp_path):
    hall = build_hall(tmp_path / "session.jz", tmp_path)
    hall.submit("A-1", "e1")
    first = code_of(hall, "A-1")
    hall.close()
    app = stable_app(hall.path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin")  # the admin sees the scoring mode, but confirms nothing
        said = []
        app.notify = lambda message, **options: said.append((message, options.get("severity")))
        await pilot.press("f5")
        await settle(pilot)
        screen = app.screen
        table(screen, "score-sheets").focus()
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        refusal = error_text(AuthorityError("not_authorised", user="admin", role="admin", kind="sheet.confirm"))
        assert said == [(refusal, "error")]
        assert events(hall.path, "sheet.confirm") == []
        assert cell(screen, "score-sheets", f"{first}\te1", "state") == t("scorer_sheet_submitted")


async def test_complete_aggregate_announce_and_the_signed_announcement_view(tmp_path):
    hall = build_hall(tmp_path / "session.jz", tmp_path)
    hall.complete("A-1")
    first = code_of(hall, "A-1")
    app = stable_app(hall.path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "scorer")
        screen = app.screen
        assert screen._selected == first
        assert cell(screen, "score-candidates", first, "state") == t("scorer_state_complete")
        assert cell(screen, "score-candidates", "B-01", "state") == t("scorer_state_absent")  # absent, not 0
        assert cell(screen, "score-sheets", f"{first}\te3", "note") == t("scorer_dropped_high")
        assert cell(screen, "score-sheets", f"{first}\te4", "note") == t("scorer_dropped_low")
        assert str(screen.query_one("#result-line", Plain).content) == t("scorer_result", result=RESULT)

        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        shown = "\n".join(str(p.content) for p in app.screen.query(".confirm-detail").results(Plain))
        assert RESULT in shown and "A-1" in shown  # the scorer confirms what the supervisor will sign
        assert all(total in shown for total in ("85", "86", "100", "65", "83.5"))
        await pilot.press("y")
        await wait_until(pilot, lambda: cell(screen, "score-candidates", first, "state") == t("scorer_state_signing"))
        action = [e.data for e in events(hall.path, "pending.create")][-1]
        assert action["action"] == "announce" and action["params"]["result"] == RESULT

        pending.sign(hall.session("sup"), action["id"])  # the supervisor signs on their terminal
        await wait_until(pilot, lambda: isinstance(app.screen, AnnouncementScreen))
        await settle(pilot)
        view = app.screen.view
        assert view.number == "A-1" and view.result == RESULT
        assert [(s.examiner, s.total, s.dropped) for s in view.sheets] == [
            ("e1", "85", ""), ("e2", "86", ""), ("e3", "100", "high"), ("e4", "65", "low"), ("e5", "83.5", "")]
        marks = [str(p.content) for p in app.screen.query(".announce-mark").results(Plain)]
        assert marks.count(dropped_text("high")) == 1 and marks.count(dropped_text("")) == 3  # in words

        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert cell(screen, "score-candidates", first, "state") == t("scorer_state_announced")
        await pilot.press("v")  # the view again, by key
        await settle(pilot)
        assert isinstance(app.screen, AnnouncementScreen)

        await pilot.press("escape", "ctrl+end")  # the absent candidate, last: absent, no result, no 0
        await settle(pilot)
        assert screen._selected == "B-01"
        assert str(screen.query_one("#result-progress", Plain).content) == t("scorer_absent")
        assert screen.query_one("#score-result").has_class("-absent")
        assert not screen.query_one("#result-line", Plain).display
        assert keys(screen, "score-sheets") == []
    hall.close()


async def test_with_too_few_sheets_to_drop_the_method_line_says_nothing_was_dropped(tmp_path, monkeypatch):
    """Five sheets under a rule that drops from six: every sheet counted, and the method line,
    on the scorer's screen and in the hall's announcement view, says so instead of 'dropped'."""
    hall = build_hall(tmp_path / "session.jz", tmp_path)
    config.change(hall.session("admin"), {"interview.drop_when_at_least": 6})
    hall.complete("A-1")
    first = code_of(hall, "A-1")
    hall.announce("A-1", monkeypatch, ANNOUNCE_ID)
    hall.complete("A-2")  # complete, not yet announced: the line comes from the live aggregate
    second = code_of(hall, "A-2")
    hall.close()
    undropped = t("announce_view_method_gymnastics_all")
    assert undropped != t("announce_view_method_gymnastics")
    app = stable_app(hall.path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "scorer")
        screen = app.screen
        assert screen._selected == second  # work first: the complete candidate
        notes = [cell(screen, "score-sheets", f"{second}\t{e}", "note") for e in EXAMINERS]
        assert notes == [t("scorer_confirmed_by", user="scorer")] * 5
        assert str(screen.query_one("#result-method", Plain).content) == undropped

        candidates = table(screen, "score-candidates")
        candidates.move_cursor(row=candidates.get_row_index(first))
        await wait_until(pilot, lambda: screen._selected == first)
        assert str(screen.query_one("#result-method", Plain).content) == undropped
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, AnnouncementScreen)
        assert not app.screen.view.extremes_dropped
        assert [s.dropped for s in app.screen.view.sheets] == [""] * 5
        assert str(app.screen.query_one("#announce-method", Plain).content) == undropped


def test_the_announcement_view_takes_the_drop_from_the_signed_params():
    sheets = [{"examiner": f"e{n}", "total": "80"} for n in range(1, 5)]
    base = {"number": "A-1", "method": "per_item", "sheets": sheets, "dropped": [], "result": "80.00"}
    assert not announcement_view({**base, "extremes_dropped": False}).extremes_dropped
    assert announcement_view({**base, "extremes_dropped": True}).extremes_dropped
    assert method_text("per_item", False) == t("announce_view_method_per_item_all")
    assert method_text("per_item", True) == t("announce_view_method_per_item")
    # signed before the flag was recorded: a gymnastics announcement shows what it dropped
    assert not announcement_view({**base, "method": "gymnastics"}).extremes_dropped
    assert announcement_view({**base, "method": "gymnastics", "dropped": ["e1", "e2"]}).extremes_dropped


# ---------------------------------------------------------------------- pictures


@pytest.fixture(params=["zh", "en"])
def language(request, monkeypatch):
    monkeypatch.setenv("JZ_LANG", request.param)
    i18n.set_language(request.param)
    return request.param


@pytest.fixture
def complete_hall(tmp_path):
    """A-1 complete (five confirmed sheets), A-2 with one confirmed sheet, A-3 none, B-01 absent."""
    hall = build_hall(tmp_path / "session.jz", tmp_path)
    hall.complete("A-1")
    hall.submit("A-2", "e2")
    hall.confirm("A-2", "e2")
    yield hall
    hall.close()


def test_scorer_screen_with_a_complete_aggregate(snap_compare, complete_hall, language):
    complete_hall.close()

    async def logged_in(pilot):
        await log_in(pilot, "scorer")

    assert snap_compare(stable_app(complete_hall.path), terminal_size=SIZE, run_before=logged_in)


def test_announcement_view(snap_compare, complete_hall, monkeypatch):
    monkeypatch.setenv("JZ_LANG", "zh")  # the hall's language
    i18n.set_language("zh")
    complete_hall.announce("A-1", monkeypatch, ANNOUNCE_ID)
    complete_hall.close()

    async def viewing(pilot):
        await log_in(pilot, "scorer")
        await pilot.press("up", "v")  # from A-2 (still scoring) to A-1, announced
        await settle(pilot)

    assert snap_compare(stable_app(complete_hall.path), terminal_size=SIZE, run_before=viewing)
