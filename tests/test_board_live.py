"""The board follows what other processes append, in place.

A pilot-driven board (80x24) shows the post in progress (A02) with the cursor on its
third row while real ``jz`` processes announce an interview and then close the post's
tally. Each change appears; the rows keep their keys (candidate codes) and the cursor
stays on its row: the table is updated in place, never cleared and refilled.
"""

from __future__ import annotations

import asyncio
import json

from _app_helpers import log_in, settle, wait_until
from _board_helpers import board_ready, build_board_session, cell, panel, row_order

from jz_tui.apps.app import make_app
from jz_tui.i18n import t

SIZE = (80, 24)


async def run_jz(jz, *args: str, user: str) -> dict:
    """One real ``jz`` process, run off the event loop so the board stays live meanwhile."""
    done = await asyncio.to_thread(jz, *args, "--json", user=user)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


async def test_the_board_follows_other_processes_in_place(tmp_path, jz):
    vault = build_board_session(tmp_path / "live.jz", tmp_path)
    app = make_app(vault)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "sup")
        await board_ready(pilot)
        await pilot.press("pagedown")
        await board_ready(pilot, "A02")
        table = panel(app).table
        table.focus()
        await pilot.press("down", "down")
        assert table.cursor_row == 2
        keys = row_order(app)
        assert keys == ["A02-01", "A02-02", "A02-03", "A02-04"]
        assert cell(app, "A02-03", "stage-interview") == "2/2"

        # another terminal: the scorer announces A02-03, a supervisor co-signs
        started = await run_jz(jz, "announce", str(vault), "--candidate", "A02-03", user="scorer")
        await run_jz(jz, "sign", str(vault), started["pending"], user="sup")
        await wait_until(pilot, lambda: cell(app, "A02-03", "stage-interview") == "92.00")
        assert row_order(app) == keys  # same rows, same order: updated in place
        assert table.cursor_row == 2
        assert "announced 3/4" in str(panel(app).query_one(".post-progress").render())

        # the tally officers close the count and a supervisor co-signs: the scores arrive, ranks follow
        close = await run_jz(jz, "tally", "close", str(vault), "--post", "A02", user="t1")
        await run_jz(jz, "sign", str(vault), close["pending"], user="t2")
        await run_jz(jz, "sign", str(vault), close["pending"], user="sup")
        await wait_until(pilot, lambda: cell(app, "A02-01", "stage-democratic") != "-")
        await settle(pilot)
        assert t("board_tally_closed") in str(panel(app).query_one(".post-progress").render())
        assert sorted(row_order(app)) == keys  # the same keys, now in ranking order
        assert row_order(app)[-1] == "A02-04"  # no interview yet: unranked, last
        ranked = [cell(app, code, "rank") for code in row_order(app)[:3]]
        assert ranked == ["1", "2", "3"]
        assert table.cursor_row == 2  # the cursor did not jump
        assert cell(app, "A02-04", "stage-democratic") != "-"
