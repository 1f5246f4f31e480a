"""The examiner's "my sheets" screen at 80x24: blind, typed by keyboard, withdrawn, corrected.

The hall (tests/_scores_helpers.py) has post A drawn (A-1 .. A-3) with five examiners and
post B's only candidate absent. Candidates are reached by interview number only.
"""

from __future__ import annotations

import re

import pytest
from _app_helpers import burst, log_in, settle, stable_app, wait_until
from _scores_helpers import MARKS, RESULT, build_hall, events, screen_text
from textual.widgets import Button, Input

from jz_tui import i18n
from jz_tui.i18n import t
from jz_tui.services import sheets
from screens.announcement import dropped_text
from screens.marks_form import MarksForm
from screens.reason import ReasonScreen
from screens.sheet_correction import CorrectionScreen
from screens.sheets import SheetConfirmScreen, SheetsScreen
from screens.widgets import Plain, TablePanel

SIZE = (80, 24)


def text_of(svg: str) -> str:
    """What the terminal shows: the contents of the screenshot's <text> elements, in order."""
    return screen_text("".join(re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)))


def rows(screen: SheetsScreen) -> list[str]:
    return [key.value for key in screen.query_one("#my-candidates", TablePanel).table.rows]


def mark_inputs(screen) -> list[Input]:
    return screen.query_one(MarksForm).inputs


@pytest.fixture
def hall(tmp_path, monkeypatch):
    """A-1 announced (all five sheets), A-2: e1 awaiting and e2 confirmed, A-3: e2's sheet only."""
    hall = build_hall(tmp_path / "session.jz", tmp_path)
    hall.complete("A-1")
    hall.announce("A-1", monkeypatch)
    hall.submit("A-2", "e1", "e2")
    hall.confirm("A-2", "e2")
    hall.submit("A-3", "e2")
    yield hall
    hall.close()


async def test_the_examiner_screen_shows_no_name_code_or_id_number(hall):
    roster = hall.roster()
    secrets = {c.code: [c.name, c.code, c.id_number, c.unit] for c in roster.candidates.values()}
    hall.close()
    app = stable_app(hall.path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "e1")
        screen = app.screen
        assert isinstance(screen, SheetsScreen)
        assert rows(screen) == ["A-1", "A-2", "A-3"]  # draw order; the absent B-01 has no number
        seen = {}
        await pilot.press("shift+tab")  # from the first mark field to the list
        for number in ("A-3", "A-2", "A-1"):  # every candidate's view, the list included
            await settle(pilot)
            assert screen._selected == number
            seen[number] = text_of(app.export_screenshot())
            await pilot.press("up")
        everything = "\n".join(seen.values()) + repr(screen.snapshot)
        for code, values in secrets.items():
            for value in values:
                assert value not in everything, f"{code}: {value!r} is on the examiner's screen"
        assert "A-1" in everything and "A-3" in everything  # the numbers are there: the screen was read

        # Blind to the others until announced: e2's 86 on A-3 is not shown; A-1 shows every sheet.
        assert t("mysheets_state_none") in seen["A-3"] and " 86 " not in seen["A-3"]
        assert t("mysheets_announced_result", result=RESULT) in seen["A-1"]
        assert dropped_text("high") in seen["A-1"] and dropped_text("low") in seen["A-1"]


async def test_an_examiner_enters_a_full_rubric_by_keyboard(tmp_path):
    hall = build_hall(tmp_path / "session.jz", tmp_path)
    hall.close()
    app = stable_app(hall.path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "e1")
        screen = app.screen
        fields = mark_inputs(screen)
        assert app.focused is fields[0]  # the current candidate's first item waits for a mark
        assert screen._selected == "A-1"

        await pilot.press("2", "0", "tab", "1", "8", ".", "5", "tab", "1", "3", "tab", "1", "2", "tab",
                          "1", "3", "tab", "3", "0")
        await settle(pilot)
        form = screen.query_one(MarksForm)
        assert [f.value for f in fields] == ["20", "18.5", "13", "12", "13", "30"]
        last_field = fields[5].parent.parent
        reason = t("mark_out_of_range", field="举止仪表", value="30", low=0, high=10)
        assert last_field.has_class("-bad") and fields[5].has_class("-invalid")
        assert str(last_field.query_one(".mark-reason", Plain).content) == reason
        assert t("marks_total_partial", total="76.5", top="100", open=1) == str(
            form.query_one(".marks-total", Plain).content)  # the total so far, live, in Decimal

        await pilot.press("ctrl+s")  # refused on screen: no dialog, the cursor back in the bad field
        await settle(pilot)
        assert app.screen is screen and app.focused is fields[5]
        assert events(hall.path, "sheet.submit") == []

        await pilot.press("backspace", "backspace", "9", ".", "5")
        await settle(pilot)
        assert not last_field.has_class("-bad") and form.has_class("-complete")
        assert str(form.query_one(".marks-total", Plain).content) == t("marks_total", total="86.0", top="100")

        await pilot.press("tab")  # to the Submit button, then Enter
        assert isinstance(app.focused, Button) and app.focused.id == "submit"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SheetConfirmScreen)
        shown = "\n".join(str(line.content) for line in app.screen.query(".confirm-line").results(Plain))
        assert t("marks_summary_line", name="应变能力", mark="13", top="15") in shown
        await pilot.press("enter")  # Enter confirms a sheet (it can still be withdrawn)
        await settle(pilot)
        await wait_until(pilot, lambda: screen._detail() is not None and screen._detail().state == "submitted")

        submitted = events(hall.path, "sheet.submit")
        assert [(e.actor, e.data["items"]) for e in submitted] == [
            ("e1", ["20", "18.5", "13", "12", "13", "9.5"])]
        assert all(f.disabled for f in mark_inputs(screen))  # read-only now
        assert screen.snapshot.current == "A-2"  # the next candidate is the current one


async def test_marks_typed_ahead_land_in_their_own_fields(tmp_path):
    """A scanner-fast examiner: every key is queued before the app has handled the first.

    The keys go into the app's queue the way a terminal delivers a burst (no pause for the
    app to catch up), with Enter and Tab between the marks.
    """
    hall = build_hall(tmp_path / "session.jz", tmp_path)
    hall.close()
    app = stable_app(hall.path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "e1")
        fields = mark_inputs(app.screen)
        assert app.focused is fields[0]
        burst(app, "20", "enter", "18.5", "tab", "13", "enter", "12", "enter", "13", "tab", "9.5", "enter")
        await settle(pilot)
        assert [f.value for f in fields] == ["20", "18.5", "13", "12", "13", "9.5"]
        # Enter in the last field, in the same burst: the form is finished with every mark
        assert isinstance(app.screen, SheetConfirmScreen)
        shown = "\n".join(str(line.content) for line in app.screen.query(".confirm-line").results(Plain))
        assert t("marks_summary_line", name="举止仪表", mark="9.5", top="10") in shown


async def test_corrections_typed_ahead_apply_in_order(tmp_path):
    """Backspace and the arrows are bindings, which Textual runs once the key has bubbled up
    to the app: typed ahead, they used to apply after the digits that followed them."""
    hall = build_hall(tmp_path / "session.jz", tmp_path)
    hall.close()
    app = stable_app(hall.path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "e1")
        fields = mark_inputs(app.screen)
        burst(app, "25", "backspace", "0", "enter", "18", "left", ".", "end", "5")
        await settle(pilot)
        assert [f.value for f in fields[:2]] == ["20", "1.85"]


async def test_withdraw_resubmit_and_request_a_correction(tmp_path, monkeypatch):
    hall = build_hall(tmp_path / "session.jz", tmp_path)
    hall.submit("A-1", "e1")
    app = stable_app(hall.path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "e1")
        screen = app.screen
        await pilot.press("shift+tab", "up")  # from A-2 (current) to A-1, awaiting confirmation
        await settle(pilot)
        assert screen._detail().state == "submitted" and all(f.disabled for f in mark_inputs(screen))

        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, ReasonScreen)
        await pilot.press("enter")  # no reason: refused inside the dialog
        await settle(pilot)
        assert isinstance(app.screen, ReasonScreen) and app.screen.query_one("#reason-error").has_class("-shown")
        await pilot.press("c", "a", "l", "enter")
        await wait_until(pilot, lambda: screen._detail() is not None and screen._detail().state == "withdrawn")
        assert [e.data["reason"] for e in events(hall.path, "sheet.withdraw")] == ["cal"]

        fields = mark_inputs(screen)  # editable again, with the withdrawn marks
        assert [f.value for f in fields] == MARKS["e1"] and not fields[0].disabled
        fields[0].focus()
        await pilot.press("backspace", "2", "1", "ctrl+s")
        await settle(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen._detail().state == "submitted")
        assert [e.data["items"][0] for e in events(hall.path, "sheet.submit")] == ["20", "21"]

        sheets.confirm(hall.session("scorer"), "A-1", "e1")  # another terminal: the scorer confirms
        await wait_until(pilot, lambda: screen._detail().state == "confirmed")
        screen.query_one("#my-candidates", TablePanel).table.focus()
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CorrectionScreen)
        correction = app.screen
        correction_fields = correction.query_one(MarksForm).inputs
        assert app.focused is correction_fields[0]
        correction_fields[5].focus()
        await pilot.press("backspace", "1", "0", "enter")  # Enter in the last mark: on to the reason
        assert app.focused is correction.query_one("#correction-reason", Input)
        await pilot.press(*"typo", "enter")
        await wait_until(pilot, lambda: screen._detail().correction != "")
        created = [e.data for e in events(hall.path, "pending.create")]
        assert created[-1]["action"] == "sheet.correct"
        assert created[-1]["params"]["items"] == ["21", "18", "13", "12", "13", "10"]
        assert created[-1]["reason"] == "typo"
        assert t("mysheets_note_correction_pending", id=created[-1]["id"]) == str(
            screen.query_one("#detail-note", Plain).content)
    hall.close()


# ---------------------------------------------------------------------- pictures


@pytest.fixture(params=["zh", "en"])
def language(request, monkeypatch):
    monkeypatch.setenv("JZ_LANG", request.param)
    i18n.set_language(request.param)
    return request.param


def test_examiner_screen_mid_entry(snap_compare, hall, language):
    hall.close()

    async def typing(pilot):
        await log_in(pilot, "e1")
        for field in mark_inputs(pilot.app.screen):
            field.cursor_blink = False  # the same picture on every run
        await pilot.press("2", "0", "tab", "1", "8", ".", "5", "tab", "3", "0")
        await settle(pilot)

    assert snap_compare(stable_app(hall.path), terminal_size=SIZE, run_before=typing)
