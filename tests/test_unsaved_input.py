"""Nothing typed is lost (issue 23, item 2), at 80x24: quitting, switching mode and logging out
ask first when an examiner's marks or a tally officer's ballot are typed and not stored, and
not otherwise; logging out hands the terminal to the next user without restarting the app.
"""

from __future__ import annotations

import pytest
from _app_helpers import log_in, make_app_vault, settle, wait_until
from _ballot_screen_helpers import make_ballot_vault
from _scores_helpers import build_hall
from textual.app import UnknownModeError
from textual.widgets import Button

from jz_tui.apps.app import make_app
from jz_tui.i18n import t
from screens.ballots import BallotsScreen
from screens.confirm import ConfirmScreen
from screens.help import HelpScreen
from screens.login import LoginScreen
from screens.marks_form import MarksForm
from screens.sheets import SheetsScreen
from screens.signatures import SignaturesScreen
from screens.widgets import Plain

SIZE = (80, 24)


def lines_of(screen: ConfirmScreen) -> list[str]:
    return [str(line.content) for line in screen.query(".confirm-line").results(Plain)]


def record_exit(app) -> list[bool]:
    """Calls of ``app.exit``, which still quits."""
    calls: list[bool] = []
    original = app.exit

    def exit_(*args, **kwargs):
        calls.append(True)
        return original(*args, **kwargs)

    app.exit = exit_
    return calls


async def test_an_examiner_with_4_of_6_marks_typed_is_asked_before_quitting(tmp_path):
    hall = build_hall(tmp_path / "session.jz", tmp_path)
    hall.close()
    app = make_app(hall.path)
    exits = record_exit(app)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "e1")
        screen = app.screen
        assert isinstance(screen, SheetsScreen) and screen._selected == "A-1"
        await pilot.press("2", "0", "tab", "1", "8", "tab", "1", "3", "tab", "1", "2")
        await settle(pilot)
        fields = screen.query_one(MarksForm).inputs

        await pilot.press("ctrl+q")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen) and exits == []
        assert t("unsaved_marks", number="A-1", typed=4, total=6) in lines_of(dialog)
        assert str(dialog.query_one("#yes", Button).label) == t("confirm_do", verb=t("verb_quit"))

        await pilot.press("n")  # keeps the marks
        await settle(pilot)
        assert app.screen is screen and exits == []
        assert [f.value for f in fields] == ["20", "18", "13", "12", "", ""]

        await pilot.press("ctrl+q", "escape")  # escape keeps them too
        await settle(pilot)
        assert app.screen is screen and exits == []
        assert [f.value for f in fields][:4] == ["20", "18", "13", "12"]

        await pilot.press("ctrl+q")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
    assert exits == [True] and not app.is_running


async def test_nothing_asks_when_nothing_is_typed(tmp_path):
    hall = build_hall(tmp_path / "session.jz", tmp_path)
    hall.close()
    app = make_app(hall.path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "e1")
        assert isinstance(app.screen, SheetsScreen) and app.screen.unsaved_input() == []
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert not app.is_running and app.return_code == 0


async def test_a_half_ballot_asks_before_quitting_and_before_switching_mode(tmp_path):
    path, _ = make_ballot_vault(tmp_path / "session.jz", opened=2)
    app = make_app(path)
    exits = record_exit(app)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "t1")
        screen = app.screen
        assert isinstance(screen, BallotsScreen)
        await settle(pilot)
        await pilot.press("1", "2")
        assert screen._marks == ["S", "B"]
        expected = t("unsaved_ballot", post="A01", no=1, typed=2, total=5)

        await pilot.press("ctrl+q")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen) and expected in lines_of(app.screen)
        assert t("unsaved_lost") in lines_of(app.screen)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is screen and screen._marks == ["S", "B"] and exits == []

        # F8 (signatures): asked too; "no" stays, "yes" switches, and the ballot is still there on return
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen) and expected in lines_of(app.screen)
        assert t("unsaved_kept") in lines_of(app.screen)
        assert str(app.screen.query_one("#yes", Button).label) == t("confirm_do", verb=t("verb_switch"))
        await pilot.press("escape")
        await settle(pilot)
        assert app.current_mode == "ballots" and app.screen is screen
        await pilot.press("f8")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.current_mode == "signatures" and isinstance(app.screen, SignaturesScreen)
        await pilot.press("f6")  # nothing typed in signatures: no question
        await settle(pilot)
        assert app.current_mode == "ballots" and screen._marks == ["S", "B"]

        await pilot.press("ctrl+q")
        await settle(pilot)
        await pilot.press("y")
        await pilot.pause()
    assert exits == [True] and not app.is_running


@pytest.fixture
def vault_path(tmp_path, monkeypatch):
    return make_app_vault(tmp_path / "session.jz", monkeypatch)


async def test_the_admin_switches_modes_without_a_question(vault_path):
    app = make_app(vault_path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin")
        for key, mode in (("f3", "checkin"), ("f7", "board"), ("f6", "ballots"), ("f2", "setup")):
            await pilot.press(key)
            await settle(pilot)
            assert app.current_mode == mode and not isinstance(app.screen, ConfirmScreen)


async def test_the_admin_logs_out_and_a_clerk_logs_in_on_the_same_app(vault_path):
    app = make_app(vault_path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin")
        assert app.current_mode == "setup"
        await pilot.press("f1")  # the key is listed in F1 and offered by the palette
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert t("key_log_out") in {row.action for row in app.screen.rows}
        await pilot.press("escape")
        await settle(pilot)
        assert t("key_log_out") in [title for title, _, _ in app.palette_commands(app.screen)]

        await pilot.press("ctrl+l")  # nothing typed: no question
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.shared is None and app.allowed_modes == ()
        assert not {"setup", "checkin", "scoring", "ballots", "board", "roster"} & set(app._modes)

        await log_in(pilot, "clerk")
        await wait_until(pilot, lambda: app.current_mode == "checkin")
        assert app.shared is not None and app.shared.user == "clerk"
        assert app.allowed_modes == ("checkin",)
        with pytest.raises(UnknownModeError):
            app.switch_mode("setup")
        await pilot.press("f2")  # the admin's key is no key of the clerk's: it says so
        await settle(pilot)
        assert app.current_mode == "checkin"
        assert str(list(app._notifications)[-1].message) == t("keys_mode_not_yours", mode=t("mode_setup"))
        await wait_until(pilot, lambda: app.status is not None)  # the clerk's session is polled


async def test_logging_out_with_a_half_ballot_asks_first(tmp_path):
    path, _ = make_ballot_vault(tmp_path / "session.jz", opened=2)
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "t1")
        screen = app.screen
        await settle(pilot)
        await pilot.press("3")
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert str(app.screen.query_one("#yes", Button).label) == t("confirm_do", verb=t("verb_log_out"))
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is screen and screen._marks == ["D"] and app.shared is not None
        await pilot.press("ctrl+l")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen) and app.shared is None
        await log_in(pilot, "t2")
        await wait_until(pilot, lambda: isinstance(app.screen, BallotsScreen))
        assert app.screen is not screen and app.screen._marks == []  # t2's own, fresh screen


async def test_a_correction_typed_in_its_dialog_asks_before_quitting(tmp_path):
    from screens.sheet_correction import CorrectionScreen

    hall = build_hall(tmp_path / "session.jz", tmp_path)
    hall.submit("A-1", "e1")
    hall.confirm("A-1", "e1")
    hall.close()
    app = make_app(hall.path)
    exits = record_exit(app)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "e1")
        screen = app.screen
        await pilot.press("shift+tab")  # to the list
        await wait_until(pilot, lambda: screen._selected is not None)
        while screen._selected != "A-1":
            await pilot.press("up")
            await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        correction = app.screen
        assert isinstance(correction, CorrectionScreen)
        assert str(correction.query_one("#correction-ok", Button).label) == t("verb_request_correction")
        assert app.unsaved_input() == []  # the old marks, untouched: nothing to lose yet
        await pilot.press("backspace", "backspace", "2", "1")
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert t("unsaved_correction", number="A-1") in lines_of(app.screen)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is correction and exits == []
        assert correction.query_one(MarksForm).values()[0] == "21"
