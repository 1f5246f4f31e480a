"""The tickets step of the setup, at 80×24: tickets written through the same service as
``jz tickets`` into ``tickets/`` beside the session file, read back with a real QR decoder
(zbar) and checked as valid tickets of that session; a reissue revokes the old ticket."""

from __future__ import annotations

import pytest
from _app_helpers import log_in, make_app_vault, settle, stable_app
from _hall_helpers import zbar
from textual.widgets import Button, Input, ProgressBar, SelectionList

from jz_tui.i18n import t
from jz_tui.services import tickets
from screens.confirm import ConfirmScreen
from screens.setup import SetupScreen
from screens.setup_tickets import TicketsScreen
from screens.widgets import Plain, TablePanel

CODES = ["A01-01", "A01-02", "B01-01"]  # the conftest roster of _app_helpers.make_app_vault


@pytest.fixture
def app_vault(tmp_path, monkeypatch):
    return make_app_vault(tmp_path / "hall.jz", monkeypatch)


def in_session(app, read):
    return app.screen.context.shared.use(lambda session, _activity: (session.refresh(), read(session))[1])


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Plain).render())


async def write(pilot) -> None:
    """Enter in the time field, then the confirmation's Write."""
    screen = pilot.app.screen
    screen.query_one("#tickets-time", Input).focus()
    await pilot.pause()
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ConfirmScreen)
    assert str(pilot.app.screen.query_one("#yes", Button).label) == t("confirm_do", verb=t("tickets_verb"))
    await pilot.press("y")
    await settle(pilot)


async def test_tickets_are_written_and_decode_to_valid_tickets_of_the_session(app_vault, tmp_path):
    app = stable_app(app_vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "admin")
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        screen = app.screen
        assert type(screen) is TicketsScreen
        assert text_of(app, "#tickets-state") == t("tickets_state", done=0, total=3)
        out = tmp_path.resolve() / "tickets"
        assert screen.query_one("#tickets-out", Input).value == str(out)  # beside the session file
        screen.query_one("#tickets-hall", Input).value = "第一考场"
        screen.query_one("#tickets-time", Input).value = "2026-12-01 08:30"
        await write(pilot)

        assert text_of(app, "#step-message") == t("tickets_written", count=3, out=str(out))
        assert sorted(p.name for p in out.iterdir()) == sorted([f"{c}.png" for c in CODES] + ["tickets.html"])
        assert "第一考场" in (out / "tickets.html").read_text(encoding="utf-8")
        bar = screen.query_one("#tickets-progress", ProgressBar)
        assert bar.total == 3 and bar.progress == 3
        assert text_of(app, "#tickets-state") == t("tickets_state", done=3, total=3)

        payload = zbar(out / "A01-02.png")
        check = in_session(app, lambda s: tickets.check_payload(payload, s.vault.vault_id, s.state.roster))
        assert (check.outcome, check.code) == ("valid", "A01-02")

        # reissue A01-02: its old ticket is revoked, the new one is valid
        reissue = screen.query_one("#tickets-reissue", SelectionList)
        assert reissue.display and reissue.option_count == 3
        reissue.select("A01-02")
        await write(pilot)
        old = in_session(app, lambda s: tickets.check_payload(payload, s.vault.vault_id, s.state.roster))
        assert old.outcome == "revoked"
        new = zbar(out / "A01-02.png")
        assert new != payload
        check = in_session(app, lambda s: tickets.check_payload(new, s.vault.vault_id, s.state.roster))
        assert check.outcome == "valid"
        assert zbar(out / "A01-01.png") == in_session(app, tickets.current_payloads)["A01-01"]  # unchanged

        # the hub's tickets step is done
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SetupScreen)
        steps = app.screen.query_one("#steps", TablePanel).table
        assert str(steps.get_row_at(3)[2]) == t("setup_step_count_status", done=3, total=3)


async def test_a_folder_that_cannot_be_written_is_said_and_nothing_is_issued(app_vault, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    app = stable_app(app_vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "admin")
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        screen = app.screen
        seq = in_session(app, lambda s: s.state.seq)
        screen.query_one("#tickets-out", Input).value = str(blocker / "tickets")
        await write(pilot)
        assert screen.query_one("#step-message", Plain).has_class("-error")
        assert str(blocker / "tickets") in text_of(app, "#step-message")
        assert in_session(app, lambda s: s.state.seq) == seq
        assert in_session(app, lambda s: dict(s.state.roster.ticket_nonces)) == {}
