"""The admin's setup hub (F2): every preparation step listed in order, each opened by Enter or
its number and closed by escape, at 80×24."""

from __future__ import annotations

import pytest
from _app_helpers import log_in, make_app_vault, settle, stable_app

from jz_tui.i18n import t
from jz_tui.services import setup_progress
from screens.setup import STEP_SCREENS, SetupScreen
from screens.widgets import TablePanel


@pytest.fixture
def app_vault(tmp_path, monkeypatch):
    return make_app_vault(tmp_path / "hall.jz", monkeypatch)


def step_rows(app) -> list[list[str]]:
    table = app.screen.query_one("#steps", TablePanel).table
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_the_hub_lists_the_steps_in_order_with_their_progress(app_vault):
    app = stable_app(app_vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "admin")
        await settle(pilot)
        assert isinstance(app.screen, SetupScreen)
        rows = step_rows(app)
        assert [row[1] for row in rows] == [t(f"setup_step_{step}") for step in setup_progress.STEPS]
        # the conftest roster: 3 candidates in 2 posts, no tickets, no written scores
        assert rows[2][2] == t("setup_step_roster_status", candidates=3, posts=2)
        assert rows[4][2] == t("setup_step_count_status", done=0, total=3)


@pytest.mark.parametrize("number,step", list(enumerate(setup_progress.STEPS, start=1)))
async def test_each_step_opens_by_its_number_and_escape_comes_back(app_vault, number, step):
    app = stable_app(app_vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "admin")
        await settle(pilot)
        await pilot.press(str(number))
        await settle(pilot)
        assert type(app.screen) is STEP_SCREENS[step]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SetupScreen)


async def test_enter_opens_the_highlighted_step(app_vault):
    app = stable_app(app_vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "admin")
        await settle(pilot)
        app.screen.query_one("#steps", TablePanel).table.focus()
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        assert type(app.screen) is STEP_SCREENS["roster"]
