"""The tally screen at 80x24, driven by keys: opening the box, entering a stack of paper
ballots (with a void one and a correction), the double count against another process,
opening the electronic ballots with a second officer's passphrase; and its pictures."""

from __future__ import annotations

import asyncio
import os
from decimal import ROUND_HALF_UP, Decimal

import pytest
from _app_helpers import log_in, settle, stable_app, wait_until
from _ballot_screen_helpers import BOX, make_ballot_vault, officer, records
from conftest import PASSPHRASES, jz_executable

from jz_tui import i18n
from jz_tui.apps.app import make_app
from jz_tui.services import ballots
from screens.ballots import BallotsScreen
from screens.confirm import ConfirmScreen
from screens.open_box import OpenBoxScreen
from screens.prompt import PromptScreen
from screens.unseal import UnsealScreen
from screens.widgets import LiveTable, Plain
from storage.vault import Vault

SIZE = (80, 24)

# Post A01 has five candidates. Each ballot is typed as keys: 1 S, 2 B, 3 D, 0 blank.
STACK = ["11111", "12301", "22222", None, "31020", "11111", "21003", "00000", "12312", "32121"]  # None: void
CORRECTED = {6: "13132"}  # ballot 6 was typed wrong, then corrected with "c"
VOID_REASON = "unreadable"


def letters(keys: str) -> str:
    return "".join({"1": "S", "2": "B", "3": "D", "0": "-"}[k] for k in keys)


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Plain).content)


def expected_counts(final: list[str]) -> dict[int, tuple[int, int, int, int]]:
    return {i: tuple(sum(b[i] == m for b in final) for m in "SBD-") for i in range(5)}


async def type_ballot(pilot, keys: str) -> None:
    await pilot.press(*keys, "enter")


async def test_an_officer_enters_a_stack_by_keyboard(tmp_path):
    path, _ = make_ballot_vault(tmp_path / "session.jz")
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "t1")
        screen = app.screen
        assert isinstance(screen, BallotsScreen)
        assert "Not opened yet" in text_of(screen, "#tally-opening")
        await pilot.press("1")  # nothing to mark before the box is opened
        assert screen._marks == []

        # Opening, by keys: seal intact (the default), Tab past the note, issued and returned.
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, OpenBoxScreen)
        await pilot.press("tab", "tab", "1", "0", "tab", "1", "0", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)  # the figures, once more, before they are signed
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        await wait_until(pilot, lambda: "10 issued, 10 returned" in text_of(screen, "#tally-opening"))

        for number, keys in enumerate(STACK, start=1):
            if keys is None:
                await pilot.press("v")
                await settle(pilot)
                assert isinstance(app.screen, PromptScreen)
                await pilot.press(*VOID_REASON, "enter")
            elif number == 3:  # a slip of the finger, taken back with Backspace
                await pilot.press("2", "2", "3", "backspace", "2", "2", "2")
                assert "".join(screen._marks) == "BBBBB"
                await pilot.press("enter")
            else:
                await type_ballot(pilot, keys)
            if number in CORRECTED:
                await wait_until(pilot, lambda n=number: screen._last_stored.get("A01") == n)
                await pilot.press("c")
                assert screen.query_one("#tally-ballot").has_class("-correcting")
                await type_ballot(pilot, CORRECTED[number])

        await pilot.press("1", "2")  # a ballot begun but not stored: Enter refuses it, nothing is lost
        await pilot.press("enter")
        assert screen._marks == ["S", "B"] and "not complete" in text_of(screen, "#tally-note")
        await pilot.press("escape")
        assert screen._marks == []

        await wait_until(pilot, lambda: not screen._jobs and len(records(path, ("ballot.enter", "ballot.void"))) == 11)
        await settle(pilot)

        # The ledger holds exactly what was typed, in the order it was typed.
        expected = []
        for number, keys in enumerate(STACK, start=1):
            expected.append(("ballot.void", number, VOID_REASON) if keys is None
                            else ("ballot.enter", number, letters(keys)))
            if number in CORRECTED:
                expected.append(("ballot.enter", number, letters(CORRECTED[number])))
        stored = [(r.kind, r.data["no"], r.data["reason"] if r.kind == "ballot.void" else r.data["marks"])
                  for r in records(path, ("ballot.enter", "ballot.void"))]
        assert stored == expected
        assert all(r.actor == "t1" for r in records(path, ("ballot.enter", "ballot.void")))
        opened = records(path, ("box.open",))[0].data
        assert (opened["seal_intact"], opened["issued"], opened["returned"]) == (True, 10, 10)

        # The running count on screen matches the ballots as finally entered.
        final = [letters(CORRECTED.get(n, k)) for n, k in enumerate(STACK, start=1) if k is not None]
        table = screen.query_one("#tally-table", LiveTable)
        codes = [key.value for key in table.rows]
        assert codes == ["A01-01", "A01-02", "A01-03", "A01-04", "A01-05"]
        for index, code in enumerate(codes):
            s, b, d, blank = expected_counts(final)[index]
            shown = tuple(int(table.get_cell(code, column).plain) for column in ("s", "b", "d", "blank"))
            assert shown == (s, b, d, blank), code
            valid = s + b + d
            score = (Decimal(100 * s + 60 * b) / valid).quantize(Decimal("0.01"), ROUND_HALF_UP)
            rate = (Decimal(100 * d) / valid).quantize(Decimal("0.01"), ROUND_HALF_UP)
            assert table.get_cell(code, "score").plain == str(score)
            assert table.get_cell(code, "rate").plain == f"{rate}%"
        assert "valid 9  void 1" in text_of(screen, "#tally-reconcile")
        assert "can be closed" in text_of(screen, "#tally-blocked")
        assert "Ballot 11" in str(screen.query_one("#tally-ballot").border_title)

        # The close: confirmed with what it records, then pending for the other officer and a supervisor.
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        details = "\n".join(str(line.content) for line in app.screen.query(".confirm-detail"))
        assert "9" in details and "A01" in details and "Valid" in details  # the figures the co-signers sign
        await pilot.press("y")
        await settle(pilot)
        assert text_of(screen, "#tally-note").startswith("Close requested")
        await wait_until(pilot, lambda: "already waits for signatures" in text_of(screen, "#tally-blocked"))
    assert [r.data["action"] for r in records(path, ("pending.create",))] == ["tally.close"]


def close_offered(screen) -> bool:
    """The footer shows the close key (what the officer sees), and the key would act."""
    shown = any(key.action == "close_tally" for key in screen.query("FooterKey"))
    assert shown == ("x" in screen.active_bindings)
    return shown


async def test_the_close_is_not_offered_again_once_requested(tmp_path):
    """Requested here (A01) or by the other officer in another process (B01): the close waits for
    signatures and its key leaves the footer; pressing it only says why (tests/test_keys_answer.py).
    (A pending close cannot be withdrawn or refused in this app: only its signatures end it.)"""
    path, _ = make_ballot_vault(tmp_path / "session.jz", opened=2)
    vault = Vault.open(path)
    try:
        t1 = officer(vault, "t1")
        ballots.open_box(t1, "B01", True, "", 2, 2)
        for post, marks in (("A01", "SSSSS"), ("A01", "BBBBB"), ("B01", "SSS"), ("B01", "DDD")):
            ballots.enter_ballot(t1, post, marks)
    finally:
        vault.close()
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "t1")
        screen = app.screen
        assert isinstance(screen, BallotsScreen) and screen._post == "A01"
        await settle(pilot)
        assert close_offered(screen)
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: screen._current.close_pending)
        await settle(pilot)
        assert not close_offered(screen)
        # nor any entry: the service would refuse it, so the keys are not offered either
        assert not {"1", "enter", "v", "c", "g", "r"} & set(screen.active_bindings)
        entered = len(records(path, ("ballot.enter", "ballot.void")))
        await pilot.press(*"11111", "enter", "v")
        await settle(pilot)
        assert len(records(path, ("ballot.enter", "ballot.void"))) == entered
        await pilot.press("x")
        await settle(pilot)
        assert app.screen is screen  # no second request
        assert [r.data["params"]["post"] for r in records(path, ("pending.create",))] == ["A01"]

        await pilot.press("right_square_bracket")  # B01: not requested yet, offered
        await wait_until(pilot, lambda: screen._current.post == "B01")
        await settle(pilot)
        assert close_offered(screen)
        vault = Vault.open(path)  # the other officer, on their own terminal
        try:
            ballots.request_close(officer(vault, "t2"), "B01")
        finally:
            vault.close()
        await wait_until(pilot, lambda: screen._current.close_pending)
        await settle(pilot)
        assert not close_offered(screen)


async def test_a_refused_opening_keeps_what_was_typed_and_a_gap_asks_for_an_override(tmp_path):
    path, _ = make_ballot_vault(tmp_path / "session.jz")
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "t1")
        screen = app.screen
        await pilot.press("o")
        await settle(pilot)
        await pilot.press("right", "enter")  # seal broken ... and no note
        await pilot.press("tab", "tab", "1", "2", "tab", "1", "1", "enter")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, OpenBoxScreen)  # shown again, with the refusal and what was typed
        assert text_of(modal, "#open-problem") == "A broken seal needs a note."
        assert modal.query_one("#open-seal").pressed_index == 1
        assert [modal.query_one(f"#open-{f}").value for f in ("issued", "returned")] == ["12", "11"]
        assert records(path, ("box.open",)) == []

        modal.query_one("#open-note").focus()
        await pilot.press(*"torn", "enter", "enter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        opened = records(path, ("box.open",))[0].data
        assert (opened["seal_intact"], opened["note"], opened["issued"], opened["returned"]) == (False, "torn", 12, 11)
        await wait_until(pilot, lambda: "seal broken (torn)" in text_of(screen, "#tally-opening"))

        await type_ballot(pilot, "11111")
        await wait_until(pilot, lambda: "valid 1" in text_of(screen, "#tally-reconcile"))
        assert text_of(screen, "#tally-blocked").startswith("Cannot close: Reconciliation fails: 11 returned")
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"spoiled", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))  # the problem it overrides, first
        details = "\n".join(str(line.content) for line in app.screen.query(".confirm-detail"))
        assert "11" in details
        await pilot.press("y")
        await wait_until(pilot, lambda: text_of(screen, "#tally-note").startswith("Override requested"))
    created = records(path, ("pending.create",))
    assert [(r.data["action"], r.data["reason"]) for r in created] == [("tally.override", "spoiled")]


async def _jz_t2(path, *args: str) -> None:
    """``jz ... --user t2`` in a real process, awaited without blocking the app's loop."""
    env = {**os.environ, "JZ_LANG": "en", "JZ_PASSPHRASE": PASSPHRASES["t2"]}
    proc = await asyncio.create_subprocess_exec(*jz_executable(), *args, "--user", "t2", env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()


async def _enter_as_t2(path, ballots_: list[tuple[int, str]]) -> None:
    for number, marks in ballots_:
        await _jz_t2(path, "ballot", "enter", str(path), "--post", "A01", f"--marks={marks}", "--no", str(number))


async def test_two_officers_count_the_same_stack_from_two_processes(tmp_path):
    path, _ = make_ballot_vault(tmp_path / "session.jz", opened=4)
    stack = ["12301", "33333", "00112", "21212"]
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "t1")
        screen = app.screen
        double = lambda: text_of(screen, "#tally-double")  # noqa: E731

        # t2 enters the first two ballots in another process while t1 types all four here.
        other = asyncio.ensure_future(_enter_as_t2(path, [(1, "SBD-S"), (2, "DDDDD")]))
        for keys in stack:
            await type_ballot(pilot, keys)
        await other
        await wait_until(pilot, lambda: double().endswith("differ: ballots 3, 4"))
        assert screen.query_one("#tally-double", Plain).has_class("-error")
        assert "differ (ballots 3, 4)" in text_of(screen, "#tally-blocked")

        # t2 goes on, and mistypes ballot 3: only that one is left on the list.
        await _enter_as_t2(path, [(3, "--SBS"), (4, letters(stack[3]))])
        await wait_until(pilot, lambda: double().endswith("differ: ballots 3"))

        # t1 looks the difference up by number ("n" offers the first one).
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert screen._correcting == 3
        assert "t1 entered - - S S B, t2 entered - - S B S" in text_of(screen, "#tally-note")
        await pilot.press("escape")  # t1's entry was right; t2 corrects theirs
        assert screen._correcting is None

        await _enter_as_t2(path, [(3, letters(stack[2]))])
        await wait_until(pilot, lambda: double() == "The entries of t1 and t2 agree.")
        assert "can be closed" in text_of(screen, "#tally-blocked")
        assert [r.actor for r in records(path, ("ballot.enter",))].count("t2") == 5


async def test_officers_open_the_electronic_ballots_with_their_passphrases(tmp_path):
    path, slips = make_ballot_vault(tmp_path / "session.jz", opened=0, slips=2)
    vault = Vault.open(path)
    try:
        ballots.cast(officer(vault, "t1"), BOX, slips[0], {"A01": "SSBD-", "B01": "DDS"})
    finally:
        vault.close()
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "t1")
        screen = app.screen
        assert "1 cast (2 slips), still sealed" in text_of(screen, "#tally-electronic")
        await pilot.press("u")
        await wait_until(pilot, lambda: isinstance(app.screen, UnsealScreen))
        modal = app.screen
        details = "\n".join(str(line.content) for line in modal.query(".unseal-detail"))
        assert BOX in details and "A01" in details  # what unsealing records, above the passphrases
        assert str(modal.query_one("#unseal-user").value) == "t2"  # the other officer, offered

        await pilot.press(*"wrong-pass", "enter")
        await settle(pilot)
        assert app.screen is modal and "Wrong user name or passphrase" in text_of(modal, "#unseal-problem")
        assert modal.query_one("#unseal-passphrase").value == ""  # nothing typed is kept

        await pilot.press(*PASSPHRASES["t2"], "enter")
        await settle(pilot)
        assert app.screen is screen
        await wait_until(pilot, lambda: "opened: 1 counted" in text_of(screen, "#tally-electronic"))
        assert modal.unlocked == []  # the other officer's key is dropped with the box key
        table = screen.query_one("#tally-table", LiveTable)
        assert [table.get_cell(code, "s").plain for code in ("A01-01", "A01-02", "A01-03")] == ["1", "1", "0"]
        assert table.get_cell("A01-04", "d").plain == "1" and table.get_cell("A01-05", "blank").plain == "1"
    unsealed = records(path, ("box.unseal",))
    assert [(r.actor, r.data["count"]) for r in unsealed] == [("t1", 1)]


async def test_only_the_officers_see_a_count(tmp_path):
    path, _ = make_ballot_vault(tmp_path / "session.jz", opened=3)
    vault = Vault.open(path)
    try:
        ballots.enter_ballot(officer(vault, "t1"), "A01", "SSSSS")
    finally:
        vault.close()
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin")
        await pilot.press("f6")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BallotsScreen)
        boxes = screen.query_one("#tally-boxes").table
        assert [key.value for key in boxes.rows] == ["A01", "B01"]
        assert [boxes.get_cell("A01", "status").plain, boxes.get_cell("B01", "status").plain] == ["counting", "sealed"]
        assert not screen.query_one("#tally-officer").display
        assert screen._snapshot.current is None  # no count was even loaded


# ---------------------------------------------------------------------- pictures


@pytest.fixture(params=["zh", "en"])
def language(request, monkeypatch):
    monkeypatch.setenv("JZ_LANG", request.param)
    i18n.set_language(request.param)
    return request.param


def test_tally_entry_mid_ballot(snap_compare, tmp_path, language):
    path, _ = make_ballot_vault(tmp_path / "session.jz", opened=10)
    vault = Vault.open(path)
    try:
        t1, t2 = officer(vault, "t1"), officer(vault, "t2")
        for marks in ("SBD-S", "SSSSS", "BBDD-"):
            ballots.enter_ballot(t1, "A01", marks)
        ballots.enter_ballot(t2, "A01", "SBD-S")
        ballots.enter_ballot(t2, "A01", "SSSSD")
    finally:
        vault.close()

    async def mid_ballot(pilot):
        await log_in(pilot, "t1")
        await pilot.press("1", "3")
        await settle(pilot)

    assert snap_compare(stable_app(path), terminal_size=SIZE, run_before=mid_ballot)
