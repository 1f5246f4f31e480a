"""The boxes step of the setup, at 80×24: a box made for a post with three tally officers
through the same service as ``jz box create``, listed and counted by the hub; slips written
through the same service as ``jz tokens``; a refusal said on the message line with nothing
recorded."""

from __future__ import annotations

import pytest
from _app_helpers import make_app_vault, open_setup_step, settle, stable_app
from conftest import PASSPHRASES, WEAK_KDF
from textual.widgets import Input, SelectionList

from jz_tui.i18n import t
from screens.form import FormScreen
from screens.setup import SetupScreen
from screens.setup_boxes import BoxesScreen, NewBoxScreen
from screens.widgets import Plain, TablePanel
from storage.vault import Vault


@pytest.fixture
def app_vault(tmp_path, monkeypatch):
    """The app vault with a third tally user (t3) and a clerk who is not one."""
    path = make_app_vault(tmp_path / "hall.jz", monkeypatch)
    vault = Vault.open(path)
    try:
        admin = vault.unlock("admin", PASSPHRASES["admin"])
        vault.add_user(admin, "t3", "tally", "t3-pass", kdf=WEAK_KDF)
    finally:
        vault.close()
    return path


def in_session(app, read):
    return app.screen.context.shared.use(lambda session, _activity: (session.refresh(), read(session))[1])


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Plain).render())


async def open_boxes(pilot) -> BoxesScreen:
    return await open_setup_step(pilot, "boxes")


async def new_box(pilot, posts: list[str], officers: list[str], seal: str) -> None:
    """n, tick the posts and officers, type the seal, Enter."""
    await pilot.press("n")
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, NewBoxScreen)
    for post in posts:
        form.query_one("#box-posts", SelectionList).select(post)
    for officer in officers:
        form.query_one("#box-officers", SelectionList).select(officer)
    seal_field = form.query_one("#box-seal", Input)
    seal_field.focus()
    await pilot.pause()
    await pilot.press(*seal, "enter")
    await settle(pilot)
    assert type(pilot.app.screen) is BoxesScreen


async def test_a_box_is_made_listed_and_counted_then_slips_are_written(app_vault, tmp_path):
    app = stable_app(app_vault)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_boxes(pilot)
        assert text_of(app, "#boxes-unboxed") == t("boxes_unboxed", posts=["A01", "B01"])
        await new_box(pilot, ["A01"], ["t1", "t2", "t3"], "FT-0001")

        assert text_of(app, "#step-message") == t("box_created", box="BOX1", posts=["A01"], k=2, n=3)
        table = screen.query_one("#boxes", TablePanel).table
        assert [str(c) for c in table.get_row_at(0)] == [
            "BOX1", "A01", "t1, t2, t3", "FT-0001", t("boxes_k_of_n", k=2, n=3), t("boxes_slips", slips=0, used=0),
            t("boxes_state_ready")]
        assert text_of(app, "#boxes-unboxed") == t("boxes_unboxed", posts=["B01"])
        box = in_session(app, lambda s: s.state.tally.boxes["BOX1"])
        assert (box.posts, box.officers, box.seal_no) == (["A01"], ["t1", "t2", "t3"], "FT-0001")

        # five slips for BOX1 into a folder beside the session file
        table.focus()
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        out = tmp_path / "slips"
        app.screen.query_one("#field-out", Input).value = str(out)
        count = app.screen.query_one("#field-count", Input)
        count.value = "5"
        app.screen.query_one("#field-out", Input).focus()
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen) is BoxesScreen
        assert text_of(app, "#step-message") == t("tokens_written", count=5, out=str(out))
        assert sorted(p.name for p in out.iterdir()) == [f"slip-{i:04d}.png" for i in range(1, 6)] + ["slips.html"]
        assert in_session(app, lambda s: len(s.state.tally.boxes["BOX1"].commitments)) == 5
        assert str(table.get_row_at(0)[5]) == t("boxes_slips", slips=5, used=0)

        # the hub's boxes step counts the box
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SetupScreen)
        steps = app.screen.query_one("#steps", TablePanel).table
        assert str(steps.get_row_at(5)[2]) == t("setup_step_boxes_status", boxes=1, done=1, total=2)


async def test_a_post_already_in_a_box_is_refused_on_the_message_line(app_vault):
    app = stable_app(app_vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_boxes(pilot)
        await new_box(pilot, ["A01"], ["t1", "t2"], "FT-0001")
        seq = in_session(app, lambda s: s.state.seq)
        await new_box(pilot, ["A01", "B01"], ["t1", "t2"], "FT-0002")
        message = app.screen.query_one("#step-message", Plain)
        assert message.has_class("-error")
        assert text_of(app, "#step-message") == t("box_post_taken", post="A01", box="BOX1")
        assert in_session(app, lambda s: s.state.seq) == seq
        assert in_session(app, lambda s: sorted(s.state.tally.boxes)) == ["BOX1"]


async def test_the_officers_offered_are_the_tally_users_and_too_few_are_refused(app_vault):
    app = stable_app(app_vault)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_boxes(pilot)
        await pilot.press("n")
        await settle(pilot)
        officers = app.screen.query_one("#box-officers", SelectionList)
        assert [officers.get_option_at_index(i).value for i in range(officers.option_count)] == ["t1", "t2", "t3"]
        await pilot.press("escape")
        await settle(pilot)
        seq = in_session(app, lambda s: s.state.seq)
        await new_box(pilot, ["B01"], ["t1"], "FT-0009")
        assert app.screen.query_one("#step-message", Plain).has_class("-error")
        assert text_of(app, "#step-message") == t("box_too_few_officers", needed=2, given=1)
        assert in_session(app, lambda s: s.state.seq) == seq
        assert screen.query_one("#boxes", TablePanel).has_class("-empty")
