"""The rules step of the setup hub at 80×24: every rule with its default, a change through the
same calls as ``jz config --set``, refusals in words with nothing appended, a rule fixed once a
box exists, a rules.toml imported."""

from __future__ import annotations

import pytest
from _app_helpers import head_seq, make_app_vault, open_setup_step, settle, stable_app, wait_until
from conftest import PASSPHRASES
from textual.widgets import Input

from jz_tui.errors import JzError
from jz_tui.i18n import error_text, t
from jz_tui.rules import settings as rules
from jz_tui.services import ballots, config
from jz_tui.services.session import open_session
from screens.form import FormScreen
from screens.setup_rules import RulesScreen
from screens.widgets import Plain, TablePanel

SIZE = (80, 24)


@pytest.fixture
def app_vault(tmp_path, monkeypatch):
    return make_app_vault(tmp_path / "hall.jz", monkeypatch)


def admin_session(path):
    return open_session(path, "admin", PASSPHRASES["admin"])


async def open_rules(pilot) -> RulesScreen:
    return await open_setup_step(pilot, "rules")


def row(screen: RulesScreen, key: str) -> list[str]:
    return [str(cell) for cell in screen.query_one("#rules", TablePanel).table.get_row(key)]


async def edit(pilot, screen: RulesScreen, key: str, typed: str) -> None:
    table = screen.query_one("#rules", TablePanel).table
    table.focus()
    table.move_cursor(row=table.get_row_index(key))
    await pilot.press("enter")
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, FormScreen)
    field = form.query_one("#field-value", Input)
    assert field.has_focus
    field.value = typed
    await pilot.press("enter")
    await settle(pilot)


async def test_every_rule_is_listed_by_section_with_its_default(app_vault):
    app = stable_app(app_vault)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_rules(pilot)
        table = screen.query_one("#rules", TablePanel).table
        keys = [str(key.value) for key in table.rows]
        settings = rules.settings_from({})
        assert set(settings) <= set(keys)  # every rule of jz config --show
        # stages and weights first, each section headed
        assert keys[0] == "section:stages" and keys[1:4] == ["stages.written", "stages.interview", "stages.democratic"]
        assert keys.index("section:interview") < keys.index("interview.method") < keys.index("section:democratic")
        assert row(screen, "ranking.targets_per_post") == ["", "ranking.targets_per_post", "3", "3"]


async def test_a_change_is_recorded_and_the_rule_marked(app_vault):
    before = head_seq(app_vault)
    app = stable_app(app_vault)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_rules(pilot)
        await edit(pilot, screen, "ranking.targets_per_post", "2")
        await wait_until(pilot, lambda: row(screen, "ranking.targets_per_post")[2] == "2")
        assert app.screen is screen
        assert row(screen, "ranking.targets_per_post") == ["*", "ranking.targets_per_post", "2", "3"]
        assert row(screen, "ranking.decimals")[0] == ""  # only the changed rule is marked
        message = screen.query_one("#step-message", Plain)
        assert message.has_class("-ok")
        assert str(message.render()) == t("rules_changed_one", key="ranking.targets_per_post", value="2")
    assert head_seq(app_vault) == before + 1
    session = admin_session(app_vault)
    try:
        assert config.current_rules(session).targets_per_post == 2
    finally:
        session.vault.close()


@pytest.mark.parametrize(("key", "typed"), [
    ("ranking.decimals", "-1"),  # out of range
    ("democratic.dissatisfied_max", "thirty"),  # text for a number
    ("interview.method", "average"),  # not a choice
    ("ranking.tie_breaks", '["interview", "笔试"]'),  # a stage the rules do not have
    ("interview.rubric", '[["综合分析能力", 0]]'),  # an item worth nothing
])
async def test_an_invalid_value_is_refused_in_words_and_nothing_appended(app_vault, key, typed):
    session = admin_session(app_vault)
    try:
        with pytest.raises(JzError) as refused:  # what jz config --set KEY=VALUE says
            rules.validate_changes({key: rules.parse_cli_value(typed)}, config.current_settings(session))
    finally:
        session.vault.close()
    before = head_seq(app_vault)
    app = stable_app(app_vault)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_rules(pilot)
        value_before = row(screen, key)[2]
        await edit(pilot, screen, key, typed)
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen))
        form = app.screen
        assert str(form.query_one("#form-error", Plain).render()) == error_text(refused.value)
        assert form.query_one("#field-value", Input).value == typed  # what was typed, kept
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen and row(screen, key)[2] == value_before
        assert screen.query_one("#step-message", Plain).has_class("-error")
    assert head_seq(app_vault) == before


async def test_a_rule_fixed_once_a_box_exists_shows_the_services_refusal(app_vault):
    session = admin_session(app_vault)
    try:
        ballots.create_box(session, ["A01", "B01"], ["t1", "t2"], "FT-0001")
        with pytest.raises(JzError) as refused:
            config.change(session, {"democratic.ballot": "recommendation"})
    finally:
        session.vault.close()
    before = head_seq(app_vault)
    app = stable_app(app_vault)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_rules(pilot)
        await edit(pilot, screen, "democratic.ballot", "recommendation")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen))
        assert str(app.screen.query_one("#form-error", Plain).render()) == error_text(refused.value)
    assert head_seq(app_vault) == before


async def test_a_rules_file_is_imported_and_its_rules_marked(app_vault, tmp_path):
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text("[ranking]\ntargets_per_post = 4\ndecimals = 3\n", encoding="utf-8")
    before = head_seq(app_vault)
    app = stable_app(app_vault)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_rules(pilot)
        await pilot.press("i")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#field-path", Input).value = str(rules_file)
        await pilot.press("enter")
        await wait_until(pilot, lambda: row(screen, "ranking.decimals")[2] == "3")
        assert row(screen, "ranking.targets_per_post")[:3] == ["*", "ranking.targets_per_post", "4"]
        assert str(screen.query_one("#step-message", Plain).render()) == t("rules_changed_many", count=2)
    assert head_seq(app_vault) == before + 1  # one event for the whole file


async def test_a_new_stage_is_set_by_its_key(app_vault):
    app = stable_app(app_vault)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_rules(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#field-key", Input).value = "full_marks.written"
        form.query_one("#field-value", Input).value = "300"
        form.query_one("#field-value", Input).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: "full_marks.written" in [str(k.value) for k in
                                                                  screen.query_one("#rules", TablePanel).table.rows])
        assert row(screen, "full_marks.written") == ["*", "full_marks.written", "300", "-"]
        assert row(screen, "section:full_marks")[1] == t("rules_section_full_marks")
