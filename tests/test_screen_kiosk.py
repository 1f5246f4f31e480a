"""The voting kiosk at 80x24: a slip votes once, the screen keeps nothing of the previous
voter, spent and unknown slips are refused; ``jz vote`` without a terminal; its pictures."""

from __future__ import annotations

import contextlib
import io

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from _app_helpers import log_in, settle, wait_until
from _ballot_screen_helpers import BOX, make_ballot_vault, officer, records, sealed_count
from conftest import PASSPHRASES
from rich.console import Console
from textual.widgets import Input

from jz_tui import i18n
from jz_tui.apps.kiosk_app import KioskApp
from jz_tui.services import ballots
from screens.confirm import ConfirmScreen
from screens.kiosk import KioskQuitScreen, KioskScreen
from screens.widgets import LiveTable, Plain
from storage import crypto, shamir
from storage.ballot_rows import held_info
from storage.vault import Vault

SIZE = (80, 24)
MARK_WORDS = ("satisfied", "basic", "dissatisfied", "blank")


def screen_text(app) -> str:
    """What the terminal shows, as plain text."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True,
                      legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text()


def message(screen) -> str:
    return str(screen.query_one("#kiosk-message", Plain).content)


async def scan(pilot, code: str) -> None:
    await pilot.press(*code, "enter")
    await settle(pilot)


async def test_a_slip_votes_once_and_the_next_voter_sees_nothing_of_it(tmp_path):
    path, slips = make_ballot_vault(tmp_path / "session.jz", slips=2)
    app = KioskApp(path, "box1")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "t1")
        screen = app.screen
        assert isinstance(screen, KioskScreen)
        table = screen.query_one("#kiosk-table", LiveTable)
        assert [key.value for key in table.rows] == [
            "A01/A01-01", "A01/A01-02", "A01/A01-03", "A01/A01-04", "A01/A01-05",
            "B01/B01-01", "B01/B01-02", "B01/B01-03"]  # every candidate of every post, in code order

        await scan(pilot, slips[0].lower().replace("-", ""))  # typed by hand, without dashes
        assert screen.has_class("-marking")
        await pilot.press("1", "2", "3", "0", "1", "2", "3", "3", "backspace", "0")
        assert [table.get_cell(key, "choice").plain for key in ("A01/A01-03", "B01/B01-03")] == [
            "dissatisfied", "blank"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)

        assert app.screen is screen
        assert message(screen) == "Your ballot is cast. Thank you!"
        assert sealed_count(path) == 1
        # Reset for the next voter: the slip prompt, empty; no mark anywhere, on screen or in memory.
        assert not screen.has_class("-marking")
        slip = screen.query_one("#kiosk-slip", Input)
        assert slip.value == "" and screen.focused is slip
        assert all(table.get_cell(key, "choice").plain == "" for key in (k.value for k in table.rows))
        assert screen._marks == [] and screen._token is None
        shown = screen_text(app)
        assert not any(word in shown for word in MARK_WORDS)

        await scan(pilot, slips[0])  # the same slip again: refused before any marking
        assert message(screen) == "This slip has already been used."
        assert not screen.has_class("-marking") and screen.focused is slip
        await scan(pilot, "ABCD-EFGH-JKMN")
        assert message(screen) == "This slip is not valid for this box."
        assert not screen.has_class("-marking")
        assert sealed_count(path) == 1

        await scan(pilot, slips[1])  # a good slip, then the voter gives up: nothing is cast
        assert screen.has_class("-marking")
        await pilot.press("2", "escape")
        assert not screen.has_class("-marking") and sealed_count(path) == 1
        assert all(table.get_cell(key, "choice").plain == "" for key in (k.value for k in table.rows))

    assert len(records(path, ("token.spend",))) == 1
    # The sealed ballot holds exactly the keys typed, once k officers open the box.
    vault = Vault.open(path)
    try:
        t1, t2 = officer(vault, "t1"), officer(vault, "t2")
        opened = ballots.unseal(t1, BOX, [t1.identity, t2.identity])
    finally:
        vault.close()
    assert opened == {"A01": ["SBD-S"], "B01": ["BD-"]}


async def test_the_kiosk_refuses_a_box_that_takes_no_votes(tmp_path):
    path, _ = make_ballot_vault(tmp_path / "session.jz", slips=1)
    app = KioskApp(path, "BOX9")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "t1")
        screen = app.screen
        assert isinstance(screen, KioskScreen)
        assert message(screen) == "There is no box BOX9."
        assert screen.has_class("-broken") and screen.query_one("#kiosk-slip", Input).disabled


async def passphrase_to_quit(pilot, passphrase: str) -> None:
    """ctrl+q, then the passphrase typed into the dialog and Enter (the KDF runs in a worker)."""
    app = pilot.app
    if not isinstance(app.screen, KioskQuitScreen):
        await pilot.press("ctrl+q")
        await settle(pilot)
    assert isinstance(app.screen, KioskQuitScreen)
    app.screen.query_one("#kiosk-quit-passphrase", Input).value = passphrase
    await pilot.press("enter")
    await settle(pilot)


async def test_quitting_the_kiosk_needs_the_officers_passphrase(tmp_path):
    path, slips = make_ballot_vault(tmp_path / "session.jz", slips=1)
    app = KioskApp(path, BOX)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "t1")
        kiosk = app.screen
        assert isinstance(kiosk, KioskScreen)
        await scan(pilot, slips[0])
        await pilot.press("1")  # a voter mid-ballot tries to quit

        await pilot.press("ctrl+q")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, KioskQuitScreen)
        for wrong in ("a guess", PASSPHRASES["t2"]):  # another officer's passphrase is no better
            await passphrase_to_quit(pilot, wrong)
            assert app.is_running and isinstance(app.screen, KioskQuitScreen)
            problem = app.screen.query_one("#kiosk-quit-problem", Plain)
            assert str(problem.content) == i18n.t("kiosk_quit_refused") and problem.has_class("-error")
            assert app.screen.query_one("#kiosk-quit-passphrase", Input).value == ""  # not kept
        assert i18n.t("kiosk_quit_refused", lang="zh") != i18n.t("kiosk_quit_refused", lang="en")

        await pilot.press("escape")  # back to the ballot, as it was
        await settle(pilot)
        assert app.is_running and app.screen is kiosk
        assert kiosk._marks == ["S"] and kiosk.has_class("-marking")
        assert sealed_count(path) == 0

        await passphrase_to_quit(pilot, PASSPHRASES["t1"])  # the officer who logged in
        await pilot.pause()
        assert app._exception is None and not app.is_running
    assert sealed_count(path) == 0 and records(path, ("token.spend",)) == []


async def test_before_anyone_logs_in_ctrl_q_quits_at_once(tmp_path):
    path, _ = make_ballot_vault(tmp_path / "session.jz", slips=1)
    app = KioskApp(path, BOX)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


def test_jz_vote_without_a_slip_needs_a_terminal(tmp_path, jz):
    path, _ = make_ballot_vault(tmp_path / "session.jz", slips=1)
    done = jz("vote", path, "--box", BOX, user="t1")
    assert done.returncode == 2
    assert "Run the kiosk in a terminal" in done.stderr


# ---------------------------------------------------------------------- pictures


@pytest.fixture(params=["zh", "en"])
def language(request, monkeypatch):
    monkeypatch.setenv("JZ_LANG", request.param)
    i18n.set_language(request.param)
    return request.param


def test_kiosk_mid_ballot(snap_compare, tmp_path, language):
    path, slips = make_ballot_vault(tmp_path / "session.jz", slips=1)

    async def marking(pilot):
        await log_in(pilot, "t1")
        await scan(pilot, slips[0])
        await pilot.press("1", "2", "3")
        await settle(pilot)

    assert snap_compare(KioskApp(path, BOX), terminal_size=SIZE, run_before=marking)


def stored_rows(path) -> tuple[int, int]:
    """(held, sealed) electronic ballot rows in the file."""
    vault = Vault.open(path)
    try:
        return len(vault.held_ballot_rows()), len(vault.sealed_ballot_rows())
    finally:
        vault.close()


async def vote(pilot, slip: str, keys: str) -> None:
    await scan(pilot, slip)
    await pilot.press(*keys, "enter")
    await settle(pilot)
    await pilot.press("y")
    await settle(pilot)


def cannot_open_alone(path, name: str) -> None:
    """The kiosk officer's own key opens none of the held copies, and their own share of the
    hold key does not rebuild it (k = 2)."""
    vault = Vault.open(path)
    try:
        session = officer(vault, name)
        box = session.state.tally.boxes[BOX]
        info = held_info(vault.vault_id, BOX)
        for _, _, ciphertext, signer, _ in vault.held_ballot_rows():
            assert signer == name
            with pytest.raises(InvalidTag):
                ballots.SUITE.decrypt(ciphertext, session.identity.box_key, info=info)
        x, y = ballots.unlock_share(vault.vault_id, box, session.identity, "hold")
        with contextlib.suppress(shamir.ShamirError, ValueError):
            alone = X25519PrivateKey.from_private_bytes(shamir.combine([(x, y)]))
            assert crypto.box_public_bytes(alone).hex() != box.hold_public_key
    finally:
        vault.close()


def unseal_box(path) -> dict[str, list[str]]:
    vault = Vault.open(path)
    try:
        t1, t2 = officer(vault, "t1"), officer(vault, "t2")
        return ballots.unseal(t1, BOX, [t1.identity, t2.identity])
    finally:
        vault.close()


async def test_quitting_the_kiosk_leaves_its_ballots_held_until_the_unsealing(tmp_path):
    path, slips = make_ballot_vault(tmp_path / "session.jz", slips=2)
    app = KioskApp(path, BOX)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "t1")
        await vote(pilot, slips[0], "11111222")
        await vote(pilot, slips[1], "33333000")
        assert stored_rows(path) == (2, 0)  # held under the hold key while the kiosk runs
        await passphrase_to_quit(pilot, PASSPHRASES["t1"])
        await wait_until(pilot, lambda: not app.is_running)
    assert stored_rows(path) == (2, 0)  # and after it quits: only k officers at the unsealing mix them
    assert records(path, ("box.mix",)) == []
    cannot_open_alone(path, "t1")

    assert unseal_box(path) == {"A01": ["DDDDD", "SSSSS"], "B01": ["---", "BBB"]}
    assert stored_rows(path) == (0, 2)
    assert [(r.actor, r.data) for r in records(path, ("box.mix",))] == [("t1", {"box": BOX, "count": 2})]


async def test_a_kiosk_reopened_after_a_crash_leaves_what_it_held_held(tmp_path):
    path, slips = make_ballot_vault(tmp_path / "session.jz", slips=2)
    vault = Vault.open(path)
    try:  # a ballot cast by t1's kiosk, which then died before quitting
        ballots.cast(officer(vault, "t1"), BOX, slips[0], {"A01": "SSSSS", "B01": "SSS"})
    finally:
        vault.close()
    assert stored_rows(path) == (1, 0)
    app = KioskApp(path, BOX)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "t1")
        assert isinstance(app.screen, KioskScreen)
        await vote(pilot, slips[1], "22222111")  # the kiosk goes on taking votes
        assert stored_rows(path) == (2, 0)  # nothing mixed: neither the one left held nor the new one
        await passphrase_to_quit(pilot, PASSPHRASES["t1"])
        await wait_until(pilot, lambda: not app.is_running)
    assert stored_rows(path) == (2, 0) and records(path, ("box.mix",)) == []
    cannot_open_alone(path, "t1")
    assert unseal_box(path) == {"A01": ["BBBBB", "SSSSS"], "B01": ["SSS", "SSS"]}
    assert stored_rows(path) == (0, 2)


async def test_the_kiosk_footer_names_its_keys_in_chinese(tmp_path, monkeypatch):
    """A Chinese kiosk says 回车, as the app's footer does, not Textual's English 'Enter'."""
    monkeypatch.setenv("JZ_LANG", "zh")
    i18n.set_language("zh")
    try:
        path, slips = make_ballot_vault(tmp_path / "session.jz", slips=1)
        app = KioskApp(path, "box1")
        async with app.run_test(size=SIZE) as pilot:
            await log_in(pilot, "t1")
            await scan(pilot, slips[0])  # marking: Enter casts the ballot
            footer = screen_text(app).splitlines()[-1]
            assert i18n.t("keycap_enter", lang="zh") in footer
            assert "Enter" not in footer
    finally:
        i18n.set_language("en")
