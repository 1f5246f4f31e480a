"""The check-in screen at 80x24, driven by keys like the hall drives it: a scanner typing a
ticket and Enter, searches, the pick list, live counts while another process checks
someone in, undo, absence at the cut-off, the draw; and its picture in both languages.
"""

from __future__ import annotations

import asyncio

import pytest
from _app_helpers import burst, log_in, settle, stable_app, wait_until
from _screen_hall_helpers import ledger, make_hall, of_kind
from textual import events
from textual.keys import _character_to_key
from textual.widgets import Button, Input

from jz_tui import i18n
from jz_tui.apps.app import make_app
from jz_tui.i18n import t
from screens.checkin import CheckinScreen, PickList
from screens.confirm import ConfirmScreen
from screens.draw import DrawScreen
from screens.form import ChoiceScreen, FormScreen
from screens.widgets import Plain, TablePanel

SIZE = (80, 24)


@pytest.fixture
def hall(tmp_path):
    return make_hall(tmp_path)


def outcome(screen: CheckinScreen) -> tuple[str, str, str]:
    """(colour class, headline, sentence) of the outcome panel."""
    panel = screen.query_one("#outcome")
    tone = next(c for c in ("-success", "-warning", "-refused", "-choose", "-info", "-idle") if panel.has_class(c))
    return (tone, str(screen.query_one("#outcome-head", Plain).render()),
            str(screen.query_one("#outcome-text", Plain).render()))


async def enter(pilot, text: str) -> None:
    """Type ``text`` and Enter, one key at a time, as the clerk does; wait for its outcome."""
    screen, before = pilot.app.screen, pilot.app.screen.outcomes_shown
    await pilot.press(*text, "enter")
    await wait_until(pilot, lambda: screen.outcomes_shown > before)
    await settle(pilot)


async def scan(pilot, *texts: str) -> None:
    """What a keyboard-wedge scanner sends: each code's characters and Enter, in one burst.

    Unlike ``pilot.press``, nothing waits for the app between keys (a scanner does not);
    several texts are several tickets scanned back to back.
    """
    screen, before = pilot.app.screen, pilot.app.screen.outcomes_shown
    driver = pilot.app._driver
    for text in texts:
        for char in [*text, None]:
            key = "enter" if char is None else (char if char.isalnum() else _character_to_key(char))
            event = events.Key(key, "\r" if char is None else char)
            event.set_sender(pilot.app)
            driver.send_message(event)
    await wait_until(pilot, lambda: screen.outcomes_shown >= before + len(texts))
    await settle(pilot)


def ready_for_the_next_scan(screen: CheckinScreen) -> bool:
    field = screen.query_one("#checkin-input", Input)
    return field.value == "" and field.has_focus


async def test_a_scanned_ticket_checks_in_a_second_scan_says_already_a_forged_one_is_refused(hall):
    code = hall.codes["李晓梅"]
    payload = hall.payloads[code]
    app = make_app(hall.path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "clerk")
        screen = app.screen
        assert isinstance(screen, CheckinScreen) and screen.query_one("#checkin-input", Input).has_focus

        await scan(pilot, payload)
        assert outcome(screen) == ("-success", t("checkin_head_checked_in"),
                                   t("checkin_checked_in", code=code, name="李晓梅"))
        assert ready_for_the_next_scan(screen)
        accepted = of_kind(ledger(hall.path), "checkin.accept")
        assert [(r.actor, r.data["code"], r.data["via"]) for r in accepted] == [("clerk", code, "ticket")]

        await scan(pilot, payload)
        tone, head, sentence = outcome(screen)
        assert (tone, head) == ("-warning", t("checkin_head_already"))
        terminal = accepted[0].data["terminal"]
        assert code in sentence and "clerk" in sentence and terminal in sentence  # who, which terminal
        assert ready_for_the_next_scan(screen)

        # one changed character in the signature: refused, in red, and recorded
        tail = payload[-1]
        forged = payload[:-1] + ("A" if tail != "A" else "B")
        await scan(pilot, forged)
        assert outcome(screen) == ("-refused", t("checkin_head_forged"), t("checkin_forged"))
        assert ready_for_the_next_scan(screen)

    records = ledger(hall.path)
    assert len(of_kind(records, "checkin.accept")) == 1
    assert [r.data["reason"] for r in of_kind(records, "checkin.refuse")] == ["already", "forged"]


async def test_two_tickets_scanned_back_to_back_both_check_in(hall):
    # the second ticket's first characters arrive before the first ticket's Enter is handled:
    # clearing the field for the next scan must not eat them
    first, second = hall.codes["李晓梅"], next(c for name, c in hall.codes.items() if name != "李晓梅")
    app = make_app(hall.path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "clerk")
        screen = app.screen
        await scan(pilot, hall.payloads[first], hall.payloads[second])
        assert ready_for_the_next_scan(screen)
    accepted = of_kind(ledger(hall.path), "checkin.accept")
    assert [r.data["code"] for r in accepted] == [first, second]
    assert of_kind(ledger(hall.path), "checkin.refuse") == []


async def test_a_search_and_a_pick_typed_in_one_burst_apply_in_order(hall):
    # the search's Enter, Down to the second match and Enter to take it, with no pause:
    # Down is the screen's binding and must not overtake the Enters around it
    app = make_app(hall.path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "clerk")
        screen, before = app.screen, app.screen.outcomes_shown
        burst(app, "晓", "enter")
        await wait_until(pilot, lambda: screen.has_class("-picking"))
        burst(app, "x", "backspace", "down", "enter")
        await wait_until(pilot, lambda: screen.outcomes_shown >= before + 2)
        await settle(pilot)
        assert outcome(screen) == ("-success", t("checkin_head_checked_in"),
                                   t("checkin_checked_in", code=hall.codes["刘晓敏"], name="刘晓敏"))


async def test_id_digits_check_in_and_an_ambiguous_search_gives_a_pick_list(hall):
    app = make_app(hall.path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "clerk")
        screen = app.screen

        await enter(pilot, hall.ids["王建国"][-6:])  # the last six ID digits
        assert outcome(screen)[:2] == ("-success", t("checkin_head_checked_in"))
        assert hall.codes["王建国"] in outcome(screen)[2]

        await enter(pilot, "晓")  # 李晓梅 and 刘晓敏
        assert outcome(screen)[0] == "-choose" and screen.has_class("-picking")
        picks = screen.query_one(PickList)
        assert [option.id for option in picks.options] == [hall.codes["李晓梅"], hall.codes["刘晓敏"]]
        assert ready_for_the_next_scan(screen)  # the input keeps the focus while the list is open
        before = len(ledger(hall.path))

        await pilot.press("escape")  # cancel: nobody checked in, nothing recorded
        await settle(pilot)
        assert outcome(screen)[0] == "-idle"
        assert not screen.has_class("-picking") and len(ledger(hall.path)) == before

        await enter(pilot, "晓")
        await pilot.press("down")  # the second match
        await enter(pilot, "")  # Enter on an empty input: the highlighted match
        assert not screen.has_class("-picking")
        assert outcome(screen) == ("-success", t("checkin_head_checked_in"),
                                   t("checkin_checked_in", code=hall.codes["刘晓敏"], name="刘晓敏"))
        assert ready_for_the_next_scan(screen)

        await scan(pilot, "nobody")
        assert outcome(screen)[:2] == ("-refused", t("checkin_head_not_found"))

    accepted = of_kind(ledger(hall.path), "checkin.accept")
    assert [(r.data["code"], r.data["via"]) for r in accepted] == [
        (hall.codes["王建国"], "search"), (hall.codes["刘晓敏"], "pick")]


async def test_counts_follow_another_terminal_in_place(hall, jz):
    app = make_app(hall.path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "clerk")
        screen = app.screen
        table = screen.query_one("#counts", TablePanel).table
        keys = [key.value for key in table.rows]
        assert keys == ["A01", "A02", "B01"]
        table.move_cursor(row=2)  # B01
        assert table.get_row("B01")[3].plain == "0"

        other = await asyncio.to_thread(jz, "checkin", hall.path, hall.codes["赵磊"], "--terminal", "hall-2",
                                        user="clerk")
        assert other.returncode == 0, other.stderr

        await wait_until(pilot, lambda: table.get_row("B01")[3].plain == "1")
        assert [key.value for key in table.rows] == keys  # updated in place: same rows, same order
        assert table.cursor_row == 2  # and the cursor where it was
        assert table.get_row("B01")[4].plain == "1"  # missing: 2 expected, 1 arrived
        assert screen.query_one("#counts", TablePanel).border_subtitle == t(
            "checkin_counts_total", arrived=1, expected=9)


async def test_undo_asks_code_and_reason_and_keeps_them_when_refused(hall):
    code = hall.codes["孙悦"]
    app = make_app(hall.path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "clerk")
        screen = app.screen
        await scan(pilot, code)
        assert outcome(screen)[0] == "-success"

        await pilot.press("ctrl+z")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormScreen)
        assert form.query_one("#field-code", Input).value == code  # the latest candidate, ready to undo
        await pilot.press("enter")  # empty reason: refused, and the form comes back with what was typed
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen) and app.screen.error is not None)
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormScreen)
        assert str(form.query_one("#form-error", Plain).render()) == t("reason_needed")
        assert form.query_one("#field-code", Input).value == code
        before = screen.outcomes_shown
        await pilot.press(*"wrong", "enter")
        await wait_until(pilot, lambda: screen.outcomes_shown > before)
        assert app.screen is screen
        tone, head, sentence = outcome(screen)
        assert (tone, head) == ("-info", t("checkin_head_undo"))

    created = of_kind(ledger(hall.path), "pending.create")
    assert len(created) == 1 and created[0].data["action"] == "checkin.undo"
    assert created[0].data["params"] == {"code": code} and created[0].data["reason"] == "wrong"
    assert created[0].data["id"] in sentence


async def test_the_admin_marks_the_missing_of_one_post_absent(hall):
    app = make_app(hall.path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "clerk")
        await pilot.press("ctrl+t")  # not the clerk's
        await settle(pilot)
        assert isinstance(app.screen, CheckinScreen)
    assert of_kind(ledger(hall.path), "checkin.absent") == []

    app = make_app(hall.path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin")
        await pilot.press("f3")
        await settle(pilot)
        screen = app.screen
        await scan(pilot, hall.codes["张伟"])
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        assert [c for c, _ in app.screen.choices] == ["*", "A01", "A02", "B01"]
        await pilot.press("down", "down", "enter")  # A02
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        before = screen.outcomes_shown
        await pilot.press("y")
        await wait_until(pilot, lambda: screen.outcomes_shown > before)
        assert app.screen is screen and outcome(screen)[0] == "-info"
        await wait_until(pilot, lambda: screen.query_one("#counts", TablePanel).table.get_row("A02")[5].plain == "2")

    absent = of_kind(ledger(hall.path), "checkin.absent")
    assert [r.data["codes"] for r in absent] == [[hall.codes["陈静"], hall.codes["周杰"]]]


async def test_the_draw_records_the_seed_hash_and_shows_the_order(hall):
    app = make_app(hall.path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "clerk")
        for name in ("王建国", "欧阳明辉"):
            await scan(pilot, hall.codes[name])
        await pilot.press("ctrl+o")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DrawScreen)
        posts = screen.query_one("#draw-posts", TablePanel).table
        assert posts.get_row("A01")[3].plain == t("draw_state_none")
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        # the button says what it does: 抽签 / Draw, not a bare "Approve"
        assert str(app.screen.query_one("#yes", Button).label) == t("confirm_do", verb=t("verb_draw"))
        await pilot.press("y")
        await wait_until(pilot, lambda: posts.get_row("A01")[3].plain == t("draw_state_drawn"))
        assert app.screen is screen
        order = screen.query_one("#draw-order", TablePanel).table
        assert [row[0].plain for row in map(order.get_row, order.rows)] == ["A01-1", "A01-2"]
        await pilot.press("d")  # A01 again: drawn already, and the key says so
        await settle(pilot)
        assert app.screen is screen
        message = screen.query_one("#draw-message", Plain)
        assert message.has_class("-error") and str(message.render()) == t("draw_already_done", post="A01")

        await pilot.press("down", "d")  # A02: nobody checked in, refused in words
        await settle(pilot)
        message = screen.query_one("#draw-message", Plain)
        await pilot.press("y")
        await wait_until(pilot, lambda: message.has_class("-error"))
        assert message.has_class("-error") and str(message.render()) == t("draw_nobody_checked_in", post="A02")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CheckinScreen)

    records = ledger(hall.path)
    commit, reveal = of_kind(records, "draw.commit"), of_kind(records, "draw.reveal")
    assert len(commit) == len(reveal) == 1 and commit[0].seq < reveal[0].seq
    assert sorted(reveal[0].data["order"]) == sorted([hall.codes["王建国"], hall.codes["欧阳明辉"]])


# ---------------------------------------------------------------------- pictures


@pytest.fixture(params=["zh", "en"])
def language(request, monkeypatch):
    monkeypatch.setenv("JZ_LANG", request.param)
    i18n.set_language(request.param)
    return request.param


def test_checkin_screen_after_a_check_in(snap_compare, hall, language):
    async def checked_in(pilot):
        await log_in(pilot, "clerk")
        await pilot.press(*hall.codes["李晓梅"], "enter")
        await settle(pilot)

    assert snap_compare(stable_app(hall.path), terminal_size=SIZE, run_before=checked_in)
