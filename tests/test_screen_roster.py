"""The admin's roster screen at 80x24: search, a correction with its reason, a withdrawal,
contract status; a refused change keeps what was typed; its picture in both languages.
"""

from __future__ import annotations

import pytest
from _app_helpers import log_in, settle, stable_app, wait_until
from _screen_hall_helpers import ledger, make_hall, of_kind
from textual.widgets import Input, Select

from jz_tui import i18n
from jz_tui.apps.app import make_app
from jz_tui.i18n import t
from screens.form import FormScreen
from screens.roster import EditForm, RosterScreen
from screens.widgets import Plain, TablePanel

SIZE = (80, 24)


@pytest.fixture
def hall(tmp_path):
    return make_hall(tmp_path)


async def open_roster(pilot) -> RosterScreen:
    await log_in(pilot, "admin")
    await pilot.press("f9")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, RosterScreen)
    return screen


def candidates(screen: RosterScreen):
    return screen.query_one("#roster-candidates", TablePanel).table


def cell(screen: RosterScreen, code: str, column: int) -> str:
    return candidates(screen).get_row(code)[column].plain


async def test_an_edit_with_its_reason_appends_candidate_edit_and_a_refusal_keeps_the_form(hall):
    code = hall.codes["李晓梅"]
    app = make_app(hall.path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_roster(pilot)
        assert candidates(screen).has_focus
        await pilot.press("down")  # the second candidate
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, EditForm) and form.query_one("#field-field", Select).has_focus
        assert form.query_one("#field-value", Input).value == "李晓梅"  # the name, as it is now

        await pilot.press("enter", "down", "down", "enter")  # name -> ID number -> unit
        await settle(pilot)
        assert form.query_one("#field-field", Select).value == "unit"
        assert form.query_one("#field-value", Input).value == "区人社局"
        await pilot.press("tab", *"区财政局", "tab", "enter")  # no reason
        await wait_until(pilot, lambda: isinstance(app.screen, EditForm) and app.screen.error is not None)
        await settle(pilot)

        form = app.screen
        assert isinstance(form, EditForm)  # back, with what was typed and why it was refused
        assert str(form.query_one("#form-error", Plain).render()) == t("reason_needed")
        assert form.query_one("#field-field", Select).value == "unit"
        assert form.query_one("#field-value", Input).value == "区财政局"
        assert form.query_one("#field-reason", Input).has_focus
        await pilot.press(*"调动", "enter")
        await wait_until(pilot, lambda: cell(screen, code, 3) == "区财政局")

        assert app.screen is screen
        assert cell(screen, code, 3) == "区财政局"
        message = screen.query_one("#roster-message", Plain)
        assert message.has_class("-ok") and str(message.render()) == t("candidate_edited", code=code)

    edits = of_kind(ledger(hall.path), "candidate.edit")
    assert [(r.actor, r.data) for r in edits] == [
        ("admin", {"code": code, "changes": {"unit": "区财政局"}, "reason": "调动"})]


async def test_search_then_withdraw_with_a_reason_appends_candidate_withdraw(hall):
    app = make_app(hall.path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_roster(pilot)
        assert len(candidates(screen).rows) == 9

        await pilot.press("slash", *"lxm")  # pinyin initials: 李晓梅 and 刘晓敏
        await wait_until(pilot, lambda: len(candidates(screen).rows) == 2)
        assert [k.value for k in candidates(screen).rows] == [hall.codes["李晓梅"], hall.codes["刘晓敏"]]

        await pilot.press("ctrl+u", *hall.ids["陈静"][-4:])  # last four ID digits, shared with 张伟
        await wait_until(pilot, lambda: screen.query_one("#roster-candidates", TablePanel).border_subtitle
                         == t("roster_found", count=2, total=9))
        assert [k.value for k in candidates(screen).rows] == [hall.codes["张伟"], hall.codes["陈静"]]
        assert screen.query_one("#roster-candidates", TablePanel).border_subtitle == t(
            "roster_found", count=2, total=9)

        await pilot.press("enter", "down", "w")  # to the table, 陈静, withdraw
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        await pilot.press(*"本人申请", "enter")
        await wait_until(pilot, lambda: cell(screen, hall.codes["陈静"], 6) == t("status_withdrawn"))
        assert app.screen is screen
        assert cell(screen, hall.codes["陈静"], 6) == t("status_withdrawn")
        assert cell(screen, hall.codes["张伟"], 6) == ""

        await pilot.press("w")  # twice: refused in words, the reason kept
        await settle(pilot)
        await pilot.press(*"re", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen) and app.screen.error is not None)
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormScreen)
        assert str(form.query_one("#form-error", Plain).render()) == t(
            "candidate_already_withdrawn", code=hall.codes["陈静"])
        assert form.query_one("#field-reason", Input).value == "re"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen

    withdrawals = of_kind(ledger(hall.path), "candidate.withdraw")
    assert [(r.actor, r.data) for r in withdrawals] == [
        ("admin", {"code": hall.codes["陈静"], "reason": "本人申请"})]


async def test_career_staff_are_shown_on_contract_and_posts_are_listed(hall):
    app = make_app(hall.path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_roster(pilot)
        on_contract = [code for code in (k.value for k in candidates(screen).rows)
                       if cell(screen, code, 5) == t("roster_contract")]
        assert on_contract == [hall.codes["赵磊"]]
        posts = screen.query_one("#roster-posts", TablePanel).table
        assert [k.value for k in posts.rows] == ["A01", "A02", "B01"]
        assert posts.get_row("A01")[5].plain == "4"


# ---------------------------------------------------------------------- pictures


@pytest.fixture(params=["zh", "en"])
def language(request, monkeypatch):
    monkeypatch.setenv("JZ_LANG", request.param)
    i18n.set_language(request.param)
    return request.param


def test_roster_screen(snap_compare, hall, language):
    async def opened(pilot):
        await open_roster(pilot)

    assert snap_compare(stable_app(hall.path), terminal_size=SIZE, run_before=opened)
