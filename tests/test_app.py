"""The app shell at 80x24, driven by keys: login, role modes, help, palette, signing, quitting."""

from __future__ import annotations

import pytest
from _app_helpers import (
    ADMIN_UNDO,
    CLERK_UNDO,
    MODE_KEYS,
    MODES_OF_ROLE,
    USER_OF_ROLE,
    burst,
    log_in,
    make_app_vault,
    settle,
    wait_until,
)
from conftest import PASSPHRASES
from textual.app import UnknownModeError
from textual.command import CommandList, CommandPalette
from textual.widgets import Input, Label

from jz_tui.apps.app import make_app
from jz_tui.apps.crash import crash_report
from jz_tui.i18n import t
from jz_tui.services import checkin, pending
from jz_tui.services.session import Session
from screens.base import ModeScreen
from screens.confirm import ConfirmScreen
from screens.help import HelpScreen
from screens.login import LoginScreen
from screens.sheets import SheetsScreen
from screens.signatures import SignaturesScreen
from screens.widgets import TablePanel
from storage.vault import Vault

SIZE = (80, 24)


@pytest.fixture
def vault_path(tmp_path, monkeypatch):
    return make_app_vault(tmp_path / "session.jz", monkeypatch)


def table_keys(screen, panel_id: str) -> list[str]:
    table = screen.query_one(f"#{panel_id}", TablePanel).table
    return [key.value for key in table.rows]


@pytest.mark.parametrize("role", list(MODES_OF_ROLE))
async def test_each_role_lands_on_its_home_and_reaches_only_its_modes(vault_path, role):
    app = make_app(vault_path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, USER_OF_ROLE[role])
        allowed = MODES_OF_ROLE[role]
        assert app.allowed_modes == allowed
        assert app.current_mode == allowed[0]
        assert isinstance(app.screen, ModeScreen)

        for mode, key in MODE_KEYS.items():  # every mode key, in every role
            await pilot.press(key)
            await pilot.pause()
            if mode in allowed:
                assert app.current_mode == mode
            else:
                assert app.current_mode != mode
            assert app.current_mode in allowed

        for mode in set(MODE_KEYS) - set(allowed):
            with pytest.raises(UnknownModeError):
                app.switch_mode(mode)
        with pytest.raises(UnknownModeError):
            app.switch_mode("_default")  # the login's stack is gone for good

        titles = [title for title, _, _ in app.palette_commands()]
        for mode in MODE_KEYS:
            assert (t("cmd_open_mode", mode=t(f"mode_{mode}")) in titles) == (mode in allowed)


async def test_the_palette_offers_no_mode_of_another_role(vault_path):
    app = make_app(vault_path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "clerk")
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        results = app.screen.query_one(CommandList)
        await pilot.press(*t("mode_checkin")[:3])  # the clerk's own mode: found
        await pilot.pause(0.3)  # the palette searches its providers asynchronously
        assert results.option_count == 1
        await pilot.press("ctrl+u", *t("mode_setup")[:3])  # the admin's mode: not offered
        await pilot.pause(0.3)
        assert results.option_count == 0
        await pilot.press("enter", "escape")
        await settle(pilot)
        assert app.current_mode == "checkin" and isinstance(app.screen, ModeScreen)


async def test_enter_typed_at_once_after_a_search_runs_what_was_searched(vault_path):
    """Typing a mode's name and Enter in one burst: Enter must not run the command that was
    highlighted before the search caught up with the typing."""
    app = make_app(vault_path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin")
        start = app.current_mode
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        assert isinstance(app.screen, CommandPalette)
        assert app.screen.query_one(CommandList).option_count > 1  # every command, one highlighted
        burst(app, t("mode_roster"), "enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, CommandPalette))
        await settle(pilot)
        assert app.current_mode == "roster" != start


async def test_login_failure_says_the_same_for_unknown_user_and_wrong_passphrase(vault_path):
    app = make_app(vault_path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "clerk", "not-the-passphrase")
        assert isinstance(app.screen, LoginScreen)
        assert app.screen.query_one("#login-passphrase", Input).password  # masked
        wrong_passphrase = str(app.screen.query_one("#login-error", Label).render())
        assert app.screen.query_one("#login-passphrase", Input).value == ""  # cleared for the retry

        await log_in(pilot, "nobody", "whatever")
        unknown_user = str(app.screen.query_one("#login-error", Label).render())
        assert wrong_passphrase == unknown_user == t("login_failed")

        await log_in(pilot, "clerk", type_keys=True)  # the right passphrase, typed, still works afterwards
        assert app.current_mode == "checkin"


async def test_enter_pressed_while_the_file_opens_logs_in_once_it_is_open(vault_path, monkeypatch):
    import threading

    import screens.login

    may_open = threading.Event()
    real_open = Vault.open

    def slow_open(path):
        assert may_open.wait(30)
        return real_open(path)

    monkeypatch.setattr(screens.login.Vault, "open", slow_open)
    app = make_app(vault_path, user="clerk")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen) and app.screen.is_mounted)
        await pilot.press(*PASSPHRASES["clerk"], "enter")  # faster than the file opens
        await pilot.pause(0.2)
        assert isinstance(app.screen, LoginScreen) and app.screen.has_class("-opening")
        may_open.set()
        await wait_until(pilot, lambda: app.current_mode == "checkin")


async def test_f1_lists_the_keys_of_the_current_screen(vault_path):
    app = make_app(vault_path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "sup")
        await pilot.click("#tab-signatures")  # the mode bar takes the mouse too
        await settle(pilot)
        assert app.current_mode == "signatures"
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        actions = {row.action for row in app.screen.rows}
        assert {t("key_help"), t("key_quit"), t("mode_board"), t("mode_signatures"), t("key_approve")} <= actions
        assert t("mode_setup") not in actions  # the admin's mode is no key of the supervisor's
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SignaturesScreen)


async def test_ctrl_q_quits(vault_path):
    app = make_app(vault_path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin")
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert not app.is_running
    assert app.return_code == 0


async def test_ctrl_q_quits_from_the_login_screen(vault_path):
    app = make_app(vault_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0


async def test_supervisor_signs_a_pending_action_through_the_panel(vault_path):
    app = make_app(vault_path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "sup")
        assert app.status is not None and {row.id for row in app.status.waiting} == {CLERK_UNDO, ADMIN_UNDO}
        await pilot.press("f8")
        await settle(pilot)
        screen = app.screen
        assert table_keys(screen, "waiting") == [CLERK_UNDO, ADMIN_UNDO]

        await pilot.press("enter")  # the first row: the clerk's undo
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")  # Enter alone cancels: focus starts on "Cancel"
        await settle(pilot)
        assert app.screen is screen and table_keys(screen, "waiting") == [CLERK_UNDO, ADMIN_UNDO]

        await pilot.press("a")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        assert table_keys(screen, "waiting") == [ADMIN_UNDO]
        await wait_until(pilot, lambda: [row.id for row in app.status.waiting] == [ADMIN_UNDO])

    vault = Vault.open(vault_path)
    try:
        sup = Session(vault, vault.unlock("sup", PASSPHRASES["sup"]))
        assert sup.state.pending[CLERK_UNDO].done
        assert not sup.state.pending[ADMIN_UNDO].done
        last = list(vault.events())[-1]
        assert (last.kind, last.actor) == ("pending.sign", "sup")
    finally:
        vault.close()


async def test_the_palette_signs_a_pending_action(vault_path):
    app = make_app(vault_path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "sup")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*ADMIN_UNDO)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: [row.id for row in app.status.waiting] == [CLERK_UNDO])


async def test_screens_follow_what_other_processes_append(vault_path):
    app = make_app(vault_path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "sup")
        await pilot.press("f8")
        await settle(pilot)
        screen = app.screen
        table = screen.query_one("#waiting", TablePanel).table
        table.move_cursor(row=1)

        other = Vault.open(vault_path)  # another terminal: the clerk checks someone in, then asks to undo it
        try:
            scorer = Session(other, other.unlock("clerk", PASSPHRASES["clerk"]))
            assert checkin.check_in(scorer, "A01-01").ok
            started = pending.create(scorer, "checkin.undo", {"code": "A01-01"}, reason="wrong desk")
        finally:
            other.close()

        await wait_until(pilot, lambda: started.id in table_keys(screen, "waiting"))
        assert table_keys(screen, "waiting") == [CLERK_UNDO, ADMIN_UNDO, started.id]
        assert table.cursor_row == 1  # updated in place: the cursor stayed where it was
        assert app.status is not None and app.status.head.seq == scorer.state.seq


async def test_user_text_is_shown_as_is_never_as_markup(vault_path):
    vault = Vault.open(vault_path)
    try:
        clerk = Session(vault, vault.unlock("clerk", PASSPHRASES["clerk"]))
        assert checkin.check_in(clerk, "A01-01").ok
        started = pending.create(clerk, "checkin.undo", {"code": "A01-01"}, reason="[/b] [red]not markup")
    finally:
        vault.close()
    app = make_app(vault_path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "sup")
        await pilot.press("f8")
        await settle(pilot)
        table = app.screen.query_one("#waiting", TablePanel).table
        assert table.get_cell(started.id, "reason").plain == "[/b] [red]not markup"


async def test_examiner_sees_no_pending_of_other_modes(vault_path):
    app = make_app(vault_path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "e1")
        screen = app.screen
        assert isinstance(screen, SheetsScreen)
        assert table_keys(screen, "my-candidates") == []  # no draw yet: no interview numbers
        assert not screen.query("#pending")  # the check-in undos are not an examiner's business


def test_a_crash_is_reported_in_words_without_values(monkeypatch):
    monkeypatch.delenv("JZ_DEBUG", raising=False)
    error = RuntimeError("secret passphrase hunter2")
    from rich.console import Console

    console = Console(width=200, record=True)
    console.print(crash_report(error))
    text = console.export_text()
    assert "RuntimeError" in text and t("app_crashed", kind="RuntimeError") in text
    assert "hunter2" not in text


async def test_the_palette_offers_the_current_screens_actions(vault_path):
    """What F1 lists for the screen is also in the palette, and runs from there."""
    app = make_app(vault_path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "clerk")
        screen = app.screen
        offered = {title: command for title, _, command in app.palette_commands(screen)}
        own = [a.binding for a in screen.active_bindings.values()
               if a.binding.id is not None and a.node is screen and a.enabled and a.binding.show
               and a.binding.description]
        assert own, "the check-in screen has actions of its own"
        assert all(binding.description in offered for binding in own)
        opens_undo = next(b for b in own if b.action == "undo")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*opens_undo.description)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "FormScreen"  # the undo form, as ctrl+z opens it


async def test_a_form_typed_ahead_fills_each_field_and_sends():
    """Two fields and Enter after each, in one burst: Enter moves on at once, the last one sends."""
    from textual.app import App

    from screens.form import FormField, FormScreen

    sent = []

    class FormApp(App):
        def on_mount(self) -> None:
            fields = [FormField("code", "code"), FormField("reason", "reason")]
            self.push_screen(FormScreen("title", [], fields), sent.append)

    app = FormApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)
        burst(app, "A1", "enter", "no", "backspace", "x", "enter")
        await wait_until(pilot, lambda: sent)
    assert sent == [{"code": "A1", "reason": "nx"}]
