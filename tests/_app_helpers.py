"""Helpers for the app tests: a vault with pending actions, logging in through the screen.

Snapshot tests need the same picture on every run, so the vault made here has fixed
pending-action ids, and the app gets a fixed clock and masks hashes, fingerprints and
event times (``make_app(..., clock=FIXED_CLOCK, mask_volatile=True)``).
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

from conftest import PASSPHRASES, make_test_vault
from textual import events
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

from jz_tui.apps.app import JzApp, make_app
from jz_tui.bench import synthetic
from jz_tui.services import checkin, pending, setup_progress
from jz_tui.services.roster import import_roster
from jz_tui.services.session import Session
from storage.vault import Vault

# One user of each role in the conftest vault; the first mode listed is the role's home.
USER_OF_ROLE = {"admin": "admin", "clerk": "clerk", "examiner": "e1", "scorer": "scorer", "tally": "t1",
                "supervisor": "sup"}
MODES_OF_ROLE = {
    "admin": ("setup", "checkin", "scoring", "ballots", "board", "signatures", "roster"),
    "clerk": ("checkin",),
    "examiner": ("sheets",),
    "scorer": ("scoring", "signatures"),
    "tally": ("ballots", "signatures"),
    "supervisor": ("board", "signatures"),
}
MODE_KEYS = {"setup": "f2", "checkin": "f3", "sheets": "f4", "scoring": "f5", "ballots": "f6", "board": "f7",
             "signatures": "f8", "roster": "f9"}
CLERK_UNDO, ADMIN_UNDO = "PCK2A7", "PCK3B8"


def fixed_clock() -> datetime:
    return datetime(2026, 5, 20, 9, 30, 0)


def make_app_vault(path: Path, monkeypatch) -> Path:
    """The conftest users, a roster of two posts (A01-02 and B01-01 checked in), and two undos of
    those check-ins waiting for a supervisor, with fixed ids."""
    ids = iter([CLERK_UNDO, ADMIN_UNDO])
    tv = make_test_vault(path)
    try:
        roster_csv = path.with_name(path.stem + "-roster.csv")
        synthetic.write_csv(roster_csv, synthetic.roster_rows([("A01", "岗位A01", "区委办公室", 2),
                                                               ("B01", "岗位B01", "区委办公室", 1)], seed=3))
        import_roster(Session(tv.vault, tv.admin), roster_csv)
        roster_csv.unlink()
        with monkeypatch.context() as patch:
            patch.setattr(pending, "_new_id", lambda state: next(ids))
            clerk = Session(tv.vault, tv.identity("clerk"))
            for code in ("A01-02", "B01-01"):
                assert checkin.check_in(clerk, code, terminal="desk-1").ok
            pending.create(clerk, "checkin.undo", {"code": "A01-02"}, reason="scanned the wrong ticket")
            admin = Session(tv.vault, tv.admin)
            pending.create(admin, "checkin.undo", {"code": "B01-01"}, reason="wrong terminal clock")
    finally:
        tv.vault.close()
    return path


def head_seq(path: Path) -> int:
    """The ledger head's seq, read from the file: did a refused action append nothing?"""
    vault = Vault.open(path)
    try:
        return vault.head()[0]
    finally:
        vault.close()


def stable_app(path: Path) -> JzApp:
    """An app whose screens look the same on every run (for snapshots)."""
    return make_app(path, clock=fixed_clock, mask_volatile=True)


async def settle(pilot: Pilot) -> None:
    """Let workers finish and the messages they post be handled, a few rounds deep."""
    for _ in range(4):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def wait_until(pilot: Pilot, condition, timeout: float = 5.0) -> None:
    """Pause until ``condition()`` holds: the ledger is polled every 0.25 s, not on demand."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.05)


async def open_setup_step(pilot: Pilot, step: str) -> Screen:
    """Log in as the admin and open the setup hub's ``step`` by its number, as a person would."""
    from screens.setup import STEP_SCREENS  # noqa: PLC0415 - the hub imports every step screen

    await log_in(pilot, "admin")
    await settle(pilot)
    await pilot.press(str(setup_progress.STEPS.index(step) + 1))
    await settle(pilot)
    assert type(pilot.app.screen) is STEP_SCREENS[step]
    return pilot.app.screen


async def log_in(pilot: Pilot, user: str, passphrase: str | None = None, *, type_keys: bool = False) -> None:
    """Log in through the login screen: fill both fields, then Enter in the passphrase field.

    ``type_keys`` types every character as a person would (slower: a pilot key press
    waits for the screen to settle).
    """
    await settle(pilot)  # the vault is opened by a worker
    passphrase = PASSPHRASES[user] if passphrase is None else passphrase
    screen = pilot.app.screen
    user_field, passphrase_field = screen.query_one("#login-user", Input), screen.query_one("#login-passphrase", Input)
    if type_keys:
        user_field.focus()
        await pilot.press(*user, "enter")
        await pilot.press(*passphrase, "enter")
    else:
        user_field.value = user
        passphrase_field.value = passphrase
        passphrase_field.focus()
        await pilot.press("enter")
    await settle(pilot)


# what a terminal sends for the named keys a burst may hold (other names: a printable text)
KEY_CHARACTERS = {"enter": "\r", "tab": "\t", "backspace": "\x7f", "down": None, "up": None, "left": None,
                  "right": None, "end": None, "home": None}


def burst(app: App, *keys: str) -> None:
    """Queue keys the way a terminal delivers a fast burst (a scanner, typing ahead): every
    key is in the app's queue before the app handles the first, unlike ``pilot.press``.
    A name of :data:`KEY_CHARACTERS` is that key; anything else is text, one key a character."""
    for item in keys:
        pairs = [(item, KEY_CHARACTERS[item])] if item in KEY_CHARACTERS else [(char, char) for char in item]
        for key, char in pairs:
            app.post_message(events.Key(key, char))

