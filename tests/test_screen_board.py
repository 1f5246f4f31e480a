"""The board: what each view shows, paging and rotation, the layout at 80x24 and 160x48,
freezing the public view, ``jz board``'s app, ``jz public``, and snapshots.

The session (tests/_board_helpers.py) has one complete post (A01: ranked, three
targets, one appointed on contract), one in progress (A02: two interviews announced,
one confirmed but not announced, the tally counting) and one barely started (B01).
"""

from __future__ import annotations

import json
import shutil
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
from _app_helpers import fixed_clock, log_in, settle, stable_app, wait_until
from _board_helpers import APPOINTED_FROM, board_ready, build_board_session, cell, label, panel, row_order
from conftest import PASSPHRASES
from textual.geometry import Size

from jz_tui import i18n
from jz_tui.apps.board_app import make_board_app
from jz_tui.i18n import catalogue, t
from jz_tui.services import pending, public_view, sheets
from jz_tui.services.public_view import IN_PROGRESS, BoardRow
from jz_tui.services.session import open_session
from screens.board import BoardScreen, layout_for, status_words
from screens.confirm import ConfirmScreen
from storage.errors import AuthorityError, JzError

SMALL, LARGE = (80, 24), (160, 48)


@pytest.fixture(scope="module")
def board_template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("board")
    return build_board_session(folder / "board.jz", folder)


@pytest.fixture
def board_vault(board_template, tmp_path):
    """A fresh copy of the module's session (closed, so one file holds it all)."""
    assert not board_template.with_name(board_template.name + "-wal").exists()
    return Path(shutil.copy(board_template, tmp_path / "board.jz"))


async def open_board(pilot, user: str = "sup") -> None:
    await log_in(pilot, user)
    await board_ready(pilot)


# ---------------------------------------------------------------------- the views (pure)


def test_public_view_shows_only_what_was_made_public(board_vault):
    session = open_session(board_vault, "sup", PASSPHRASES["sup"])
    try:
        jury = {p.code: p for p in public_view.board_posts(session.state, public=False)}
        public = {p.code: p for p in public_view.board_posts(session.state, public=True)}
    finally:
        session.close()
    # a complete post: the same ranking in both views; reasons and sheet counts only for the jury
    assert [(r.code, r.rank, r.status) for r in public["A01"].rows] == \
        [(r.code, r.rank, r.status) for r in jury["A01"].rows]
    assert public["A01"].complete and jury["A01"].rows[0].status == "target"
    assert public["A01"].progress[1].sheets is None and jury["A01"].progress[1].sheets == (10, 10)
    # in progress: no rank, no provisional status, roster order, no sheets of an unannounced interview
    a02 = public["A02"]
    assert not a02.complete
    assert [r.status for r in a02.rows] == [IN_PROGRESS] * 4
    assert all(r.rank is None and r.sheets is None for r in a02.rows)
    assert [r.code for r in a02.rows] == ["A02-01", "A02-02", "A02-03", "A02-04"]
    a02_03 = next(r for r in jury["A02"].rows if r.code == "A02-03")
    assert a02_03.sheets == (2, 2) and dict(a02_03.stages)["interview"] is None
    # the tally's state is a word in both views, never a partial count
    assert public["A02"].progress[2].tally == jury["A02"].progress[2].tally == "counting"
    assert public["A02"].progress[2].done == 0
    assert public["B01"].progress[2].tally == "sealed"
    # the written exam is public once imported
    assert dict(a02.rows[0].stages)["written"] is not None


def test_freezing_keeps_the_public_view_at_the_freeze(board_vault):
    session = open_session(board_vault, "sup", PASSPHRASES["sup"])
    scorer = open_session(board_vault, "scorer", PASSPHRASES["scorer"])
    admin = open_session(board_vault, "admin", PASSPHRASES["admin"])
    try:
        source = public_view.PublicSource()
        public_view.freeze(session, True)
        frozen_seq = session.state.seq - 1
        assert public_view.frozen_at(session.state) == frozen_seq
        with pytest.raises(JzError) as again:
            public_view.freeze(session, True)
        assert again.value.key == "public_already_frozen"
        with pytest.raises(AuthorityError):
            public_view.freeze(admin, False)  # only a supervisor freezes or releases

        action = sheets.announce(scorer, "A02-03")
        pending.sign(session, action.id)
        live = {r.code: r for p in public_view.board_posts(session.state, public=True) for r in p.rows}
        shown = source.state(session)
        assert shown.seq == frozen_seq
        frozen = {r.code: r for p in public_view.board_posts(shown, public=True) for r in p.rows}
        assert dict(live["A02-03"].stages)["interview"] is not None
        assert dict(frozen["A02-03"].stages)["interview"] is None  # announced after the freeze

        public_view.freeze(session, False)
        assert public_view.frozen_at(session.state) is None
        assert source.state(session) is session.state
        with pytest.raises(JzError) as released:
            public_view.freeze(session, False)
        assert released.value.key == "public_not_frozen"
    finally:
        for s in (session, scorer, admin):
            s.close()


# ---------------------------------------------------------------------- the screen


async def test_jury_view_shows_ranks_targets_progress_and_decisions(board_vault):
    app = stable_app(board_vault)
    async with app.run_test(size=SMALL) as pilot:
        await open_board(pilot)
        first = row_order(app)[0]
        assert cell(app, first, "rank") == "1"
        assert cell(app, first, "status") == t("rank_status_target")
        assert cell(app, "A01-04", "status") == t("rank_status_excluded_dissatisfaction")
        assert cell(app, "A01-04", "rank") == ""
        assert row_order(app) == ["A01-03", "A01-01", "A01-05", "A01-02", "A01-04"]
        progress = str(panel(app).query_one(".post-progress").render())
        assert "sheets 10/10" in progress and t("board_tally_closed") in progress
        notes = str(panel(app).query_one(".post-notes").render())
        assert APPOINTED_FROM.isoformat() in notes and "聘任制" in notes and "2027-06-01" in notes
        assert panel(app).border_subtitle == t("board_post_final")
        assert label(app, "board-view-label") == t("board_view_jury")
        assert label(app, "board-page") == t("board_page_one", n=1, count=3)

        await pilot.press("pagedown")
        await board_ready(pilot, "A02")
        assert cell(app, "A02-03", "stage-interview") == "2/2"  # sheets confirmed of expected, not announced
        assert cell(app, "A02-04", "stage-interview") == "0/2"
        assert cell(app, "A02-01", "stage-democratic") == "-"  # counting: no partial count
        assert cell(app, "A02-01", "status") == t("rank_status_incomplete")
        assert t("board_tally_counting") in str(panel(app).query_one(".post-progress").render())


async def test_public_view_hides_what_is_not_public(board_vault):
    app = stable_app(board_vault)
    async with app.run_test(size=SMALL) as pilot:
        await open_board(pilot)
        await pilot.press("v", "pagedown")
        await board_ready(pilot, "A02")
        assert label(app, "board-view-label") == t("board_view_public")
        assert cell(app, "A02-03", "stage-interview") == "-"
        assert cell(app, "A02-01", "stage-interview") == "79.50"
        assert {cell(app, code, "status") for code in row_order(app)} == {t("rank_status_in_progress")}
        assert {cell(app, code, "rank") for code in row_order(app)} == {""}
        assert "sheets" not in str(panel(app).query_one(".post-progress").render())
        await pilot.press("v")  # back to the jury view: the same post, everything again
        await wait_until(pilot, lambda: cell(app, "A02-03", "stage-interview") == "2/2")


async def test_paging_wraps_around_and_rotation_turns_pages(board_vault):
    app = stable_app(board_vault)
    async with app.run_test(size=SMALL) as pilot:
        await open_board(pilot)
        await pilot.press("right")
        await board_ready(pilot, "A02")
        await pilot.press("right")
        await board_ready(pilot, "B01")
        assert label(app, "board-page") == t("board_page_one", n=3, count=3)
        await pilot.press("right")
        await board_ready(pilot, "A01")  # wrapped around
        await pilot.press("pageup")
        await board_ready(pilot, "B01")
        await pilot.press("left")
        await board_ready(pilot, "A02")

        screen = app.screen
        assert not screen.rotating
        await pilot.press("r")
        assert screen.rotating and label(app, "board-rotating") == t("board_rotating", seconds=8)
        screen._rotate()  # what the timer calls every few seconds
        await board_ready(pilot, "B01")
        await pilot.press("r")
        assert not screen.rotating


async def test_a_large_terminal_shows_several_posts_side_by_side(board_vault):
    assert layout_for(Size(160, 43)).slots == 4 and layout_for(Size(80, 19)).slots == 1
    app = stable_app(board_vault)
    async with app.run_test(size=LARGE) as pilot:
        await open_board(pilot)
        await board_ready(pilot, "B01", slot=2)
        assert [panel(app, slot).post_code for slot in range(4)] == ["A01", "A02", "B01", None]
        assert panel(app, 3).has_class("-vacant")
        assert label(app, "board-page") == t("board_page_many", first=1, last=3, count=3)
        # the panels sit in a 2x2 grid: two side by side, the third below the first
        first, second, third = (panel(app, slot).region for slot in range(3))
        assert first.y == second.y and second.x >= first.right
        assert third.x == first.x and third.y >= first.bottom


async def test_a_supervisor_freezes_and_releases_the_public_view(board_vault):
    app = stable_app(board_vault)
    async with app.run_test(size=SMALL) as pilot:
        await open_board(pilot)
        await pilot.press("v", "pagedown")
        await board_ready(pilot, "A02")
        await pilot.press("z")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: label(app, "board-view-label").startswith(t("board_view_public")[:6])
                         and "#" in label(app, "board-view-label"))
        frozen_label = label(app, "board-view-label")
        assert frozen_label == t("board_view_frozen", seq=78)  # the state just before the freeze event

        other = open_session(board_vault, "scorer", PASSPHRASES["scorer"])  # another terminal announces
        sup = open_session(board_vault, "sup", PASSPHRASES["sup"])
        try:
            action = sheets.announce(other, "A02-03")
            pending.sign(sup, action.id)
        finally:
            other.close()
            sup.close()
        await wait_until(pilot, lambda: app.status is not None and app.status.head.seq >= action.created_seq + 1)
        await settle(pilot)
        assert cell(app, "A02-03", "stage-interview") == "-"  # frozen: the public view did not move
        assert label(app, "board-view-label") == frozen_label

        await pilot.press("v")  # the jury view is never frozen, and says that the public one is
        await wait_until(pilot, lambda: cell(app, "A02-03", "stage-interview") == "92.00")
        assert label(app, "board-view-label") == t("board_view_jury_frozen", seq=78)
        await pilot.press("v", "z")
        await settle(pilot)
        await pilot.press("y")
        await wait_until(pilot, lambda: cell(app, "A02-03", "stage-interview") == "92.00")
        assert label(app, "board-view-label") == t("board_view_public")


async def test_an_admin_sees_the_board_but_cannot_freeze(board_vault):
    app = stable_app(board_vault)
    async with app.run_test(size=SMALL) as pilot:
        await log_in(pilot, "admin")
        await pilot.press("f7")
        await board_ready(pilot)
        screen = app.screen
        assert screen.check_action("freeze", ()) is False
        assert screen.check_action("toggle_view", ()) is True
        await pilot.press("z")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)


# ---------------------------------------------------------------------- jz board's app


async def test_jz_board_opens_only_the_board_for_the_named_user(board_vault):
    app = make_board_app(board_vault, user="sup", clock=fixed_clock, mask_volatile=True)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        user_field = app.screen.query_one("#login-user")
        assert user_field.value == "sup" and app.screen.focused.id == "login-passphrase"
        await pilot.press(*PASSPHRASES["sup"], "enter")
        await board_ready(pilot)
        assert app.allowed_modes == ("board",)
        await pilot.press("f8")  # the signatures mode of the full app does not exist here
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)


@pytest.mark.parametrize("user, typed", [("e1", "e1"), ("sup", "admin")])
async def test_jz_board_refuses_another_user_or_a_role_without_the_board(board_vault, user, typed):
    app = make_board_app(board_vault, user=user)
    async with app.run_test(size=SMALL) as pilot:
        await log_in(pilot, typed)
        await wait_until(pilot, lambda: not app.is_running or app.return_code == 1)
    assert app.return_code == 1


async def test_jz_board_public_shows_the_public_view_only(board_vault):
    app = make_board_app(board_vault, user="sup", public_only=True)
    async with app.run_test(size=SMALL) as pilot:
        await log_in(pilot, "sup")
        await board_ready(pilot)
        assert app.screen.check_action("toggle_view", ()) is False
        await pilot.press("v", "pagedown")
        await board_ready(pilot, "A02")
        assert label(app, "board-view-label") == t("board_view_public")
        assert cell(app, "A02-03", "stage-interview") == "-"


# ---------------------------------------------------------------------- jz public


def test_jz_public_prints_the_public_view_and_freezes(board_vault, jz):
    shown = jz("public", board_vault, "--json", user="sup")
    assert shown.returncode == 0, shown.stderr
    payload = json.loads(shown.stdout)
    assert payload["frozen_at"] is None
    a02 = next(p for p in payload["posts"] if p["code"] == "A02")
    assert {c["status"] for c in a02["candidates"]} == {IN_PROGRESS} and a02["complete"] is False
    assert next(c for c in a02["candidates"] if c["code"] == "A02-03")["interview"] is None

    refused = jz("public", board_vault, "--freeze", user="admin")
    assert refused.returncode == 1 and refused.stderr.strip()
    frozen = jz("public", board_vault, "--freeze", user="sup")
    assert frozen.returncode == 0, frozen.stderr
    assert frozen.stdout.startswith(t("public_frozen_line", seq=78))
    again = jz("public", board_vault, "--freeze", user="sup")
    assert again.returncode == 1 and again.stderr.strip() == t("public_already_frozen", seq=78)
    released = jz("public", board_vault, "--release", user="sup")
    assert released.returncode == 0 and released.stdout.startswith(t("public_live_line"))


# ---------------------------------------------------------------------- snapshots


@pytest.fixture(params=["zh", "en"])
def language(request, monkeypatch):
    monkeypatch.setenv("JZ_LANG", request.param)
    i18n.set_language(request.param)
    return request.param


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "160x48"])
@pytest.mark.parametrize("view", ["jury", "public"])
def test_board_snapshot(snap_compare, board_vault, language, view, size):
    async def showing(pilot):
        await open_board(pilot)
        if view == "public":
            await pilot.press("v")
            if size == SMALL:  # the post in progress: what the public view leaves out
                await pilot.press("pagedown")
                await board_ready(pilot, "A02")
        await settle(pilot)
        await wait_until(pilot, lambda: label(pilot.app, "board-view-label") == t(f"board_view_{view}"))
        await settle(pilot)

    assert snap_compare(stable_app(board_vault), terminal_size=size, run_before=showing)


def test_statuses_and_flags_are_words_without_ambiguous_width_characters():
    row = BoardRow("A01-09", "某某", "", (), Decimal("80.00"), 3, "target", ("tie", "tie_at_cut", "backfill"), "",
                   None, "")
    assert status_words(row) == " ".join([t("rank_status_target"), t("flag_tie"), t("flag_tie_at_cut"),
                                          t("flag_backfill")])
    public_row = BoardRow("A01-09", "某某", "", (), None, None, IN_PROGRESS, (), "", None, "")
    assert status_words(public_row) == t("rank_status_in_progress")
    # what the board writes into its cells and labels lines up in CJK terminals too
    board_keys = [key for key in catalogue() if key.startswith(("board_", "rank_status_", "flag_"))]
    board_keys += ["stage_written", "stage_interview", "stage_democratic", "col_rank", "col_code", "col_name",
                   "col_unit", "col_composite", "col_status"]
    for lang in ("zh", "en"):
        for key in board_keys:
            text = t(key, lang=lang)
            assert not [c for c in text if unicodedata.east_asian_width(c) == "A"], (key, lang, text)
