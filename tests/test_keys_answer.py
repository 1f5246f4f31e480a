"""Every key answers (issue 23, item 3), at 80x24: a key that cannot act says why in one line;
a confirmation that cannot go ahead offers no approve button; a confirmation's button says
what it does (亮分, 冻结, 结束计票 ...), and ``y`` still answers it."""

from __future__ import annotations

import pytest
from _app_helpers import log_in, make_app_vault, settle, wait_until
from _ballot_screen_helpers import make_ballot_vault, officer, records
from _scores_helpers import EXAMINERS, build_hall
from textual.app import App, ComposeResult
from textual.widgets import Button

from jz_tui import i18n
from jz_tui.apps.app import make_app
from jz_tui.i18n import t
from jz_tui.services import ballots
from screens.ballots import BallotsScreen
from screens.board import BoardScreen
from screens.confirm import ConfirmScreen
from screens.scoring import ScoringScreen
from screens.sheets import SheetsScreen
from screens.tally_snapshot import marks_text
from screens.tally_steps import TallySteps
from screens.widgets import Plain
from storage.vault import Vault

SIZE = (80, 24)


def said(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def yes_label(screen: ConfirmScreen) -> str:
    return str(screen.query_one("#yes", Button).label)


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Plain).content)


async def test_the_scorers_announce_key_says_why_it_cannot_announce(tmp_path):
    """A-1 complete (5 of 5); A-2 with 1 of 5 sheets confirmed: ``a`` there says so, and asks nothing."""
    hall = build_hall(tmp_path / "session.jz", tmp_path)
    hall.complete("A-1")
    hall.submit("A-2", "e1")
    hall.confirm("A-2", "e1")
    hall.close()
    app = make_app(hall.path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "scorer")
        screen = app.screen
        assert isinstance(screen, ScoringScreen)
        numbers = {c.code: c.label for c in screen.snapshot.candidates}
        codes = {label: code for code, label in numbers.items()}
        assert screen._selected == codes["A-1"]

        await pilot.press("a")  # complete: the confirmation says what its button does
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert yes_label(app.screen) == t("confirm_do", verb=t("verb_announce"))
        await pilot.press("n")
        await settle(pilot)

        screen.candidates_table.move_cursor(row=screen.candidates_table.get_row_index(codes["A-2"]))
        await settle(pilot)
        assert screen._selected == codes["A-2"]
        assert screen.check_action("announce", ()) is None  # dimmed in the footer ...
        await pilot.press("a")  # ... and pressed, it says why in one line
        await settle(pilot)
        assert app.screen is screen
        why = t("keys_announce_incomplete", number="A-2", expected=len(EXAMINERS), confirmed=1,
                missing=len(EXAMINERS) - 1)
        assert said(app)[-1] == why and "\n" not in why

        await pilot.press("v")  # nothing announced yet: says so too
        await settle(pilot)
        assert said(app)[-1] == t("keys_view_not_announced", number="A-2")


async def test_the_examiners_keys_say_why(tmp_path):
    hall = build_hall(tmp_path / "session.jz", tmp_path)
    hall.close()
    app = make_app(hall.path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "e1")
        screen = app.screen
        assert isinstance(screen, SheetsScreen) and screen._selected == "A-1"
        await pilot.press("shift+tab")  # from the marks to the list, where w and c are keys
        await pilot.press("w")
        await settle(pilot)
        assert said(app)[-1] == t("keys_withdraw_nothing", number="A-1", state=t("mysheets_state_none"))
        await pilot.press("c")
        await settle(pilot)
        assert said(app)[-1] == t("keys_correct_not_confirmed", number="A-1", state=t("mysheets_state_none"))


async def test_a_closing_post_no_longer_invites_a_ballot_and_typing_says_why(tmp_path):
    path, _ = make_ballot_vault(tmp_path / "session.jz", opened=2)
    vault = Vault.open(path)
    try:
        t1 = officer(vault, "t1")
        for marks in ("SSSSS", "BBBBB"):
            ballots.enter_ballot(t1, "A01", marks)
        ballots.request_close(t1, "A01")
    finally:
        vault.close()
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "t1")
        screen = app.screen
        assert isinstance(screen, BallotsScreen)
        await wait_until(pilot, lambda: screen._current is not None and screen._current.close_pending)
        await settle(pilot)
        panel = screen.query_one("#tally-ballot")
        assert str(panel.border_title) == t("tally_ui_ballot_closing")  # not "ballot 3"
        assert panel.has_class("-closing") and not screen.query_one("#tally-legend").display
        table = screen.query_one("#tally-table")
        assert not table.show_cursor
        assert all(str(table.get_cell(line.code, "mark")) == "" for line in screen._current.candidates)
        footer = {key.action for key in screen.query("FooterKey")}
        assert not {"store", "mark('S')", "void"} & footer  # Enter 存入 is not offered

        entered = len(records(path, ("ballot.enter", "ballot.void")))
        why = t("keys_tally_closing", post="A01")
        for key in ("1", "enter", "v"):
            await pilot.press(key)
            await settle(pilot)
            assert text_of(screen, "#tally-note") == why and screen._marks == []
        assert len(records(path, ("ballot.enter", "ballot.void"))) == entered

        await pilot.press("x")  # the close is requested already: says why, asks nothing
        await settle(pilot)
        assert app.screen is screen and text_of(screen, "#tally-note") == why


async def test_a_tally_that_cannot_close_says_why_and_its_confirmations_say_what_they_do(tmp_path):
    path, _ = make_ballot_vault(tmp_path / "session.jz", opened=2)
    vault = Vault.open(path)
    try:
        ballots.enter_ballot(officer(vault, "t1"), "A01", "SSSSS")  # 1 of 2 returned: it does not reconcile
    finally:
        vault.close()
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "t1")
        screen = app.screen
        await wait_until(pilot, lambda: screen._current is not None and screen._current.problems)
        await settle(pilot)
        problem = screen._current.problems[0]
        assert screen.check_action("close_tally", ()) is None  # shown dimmed
        await pilot.press("x")
        await settle(pilot)
        assert app.screen is screen
        assert text_of(screen, "#tally-note") == t("tally_ui_blocked", reason=problem)

        # the preview refused meanwhile (another terminal changed the count): no approve button
        screen.post_message(TallySteps.Previewed("close", "A01", None, problem))
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        dialog = app.screen
        assert not dialog.query("#yes") and str(dialog.query_one("#no", Button).label) == t("confirm_back")
        assert text_of(dialog, "#confirm-blocked") == t("tally_ui_blocked", reason=problem)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is dialog and said(app)[-1] == t("tally_ui_blocked", reason=problem)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is screen

        await pilot.press("2", "2", "2", "2", "2", "enter")  # the second ballot: now it reconciles
        await wait_until(pilot, lambda: not screen._current.problems)
        assert text_of(screen, "#tally-note") == t("tally_ui_stored", no=2, marks=marks_text("BBBBB"))
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert yes_label(app.screen) == t("confirm_do", verb=t("verb_close_tally"))
        await pilot.press("y")
        await wait_until(pilot, lambda: screen._current.close_pending)
    assert [r.data["action"] for r in records(path, ("pending.create",))] == ["tally.close"]


def test_the_ballot_echo_is_in_words_of_the_language():
    previous = i18n.language()
    try:
        i18n.set_language("zh")  # not S B - D on a Chinese screen
        assert marks_text("SB-D") == "满意、基本、弃权、不满意" and marks_text(None) == "废票"
        i18n.set_language("en")
        assert marks_text("SB-D") == "S B - D"
    finally:
        i18n.set_language(previous)


async def test_the_freeze_confirmation_says_freeze(tmp_path, monkeypatch):
    path = make_app_vault(tmp_path / "session.jz", monkeypatch)
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "sup")
        assert isinstance(app.screen, BoardScreen)
        await pilot.press("z")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert yes_label(app.screen) == t("confirm_do", verb=t("verb_freeze"))
        assert app.screen.active_bindings["y"].binding.description == t("verb_freeze")  # the footer says it too
        await pilot.press("n")


class _OneDialog(App[None]):
    def __init__(self, dialog: ConfirmScreen) -> None:
        super().__init__()
        self.dialog = dialog
        self.answers: list[bool | None] = []

    def compose(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.answers.append)


async def test_a_confirmation_that_cannot_proceed_has_no_approve_button():
    app = _OneDialog(ConfirmScreen("title", ["line"], blocked="why not"))
    async with app.run_test(size=SIZE) as pilot:
        dialog = app.screen
        assert [b.id for b in dialog.query(Button)] == ["no"]
        assert "y" not in dialog.active_bindings  # not offered
        assert dialog.why_not("answer", (True,)) == "why not"
        await pilot.click("#no")
        await pilot.pause()
    assert app.answers == [False]


def test_a_confirmation_cannot_be_built_without_saying_what_it_does():
    """The root of "Approve everywhere": no ConfirmScreen without its verb (or a reason it is blocked)."""
    with pytest.raises(TypeError):
        ConfirmScreen("title", ["line"])
