"""A deterministic session for the board tests: every state a post can be in.

- A01 (5 candidates): written imported, every interview announced, the tally closed and
  co-signed; complete, so ranked, with three targets; the first target inspected and
  appointed from a fixed date (the probation end shows on the board).
- A02 (4): written imported; two interviews announced, one candidate's sheets confirmed
  but not announced, one not scored; the box opened, ballots entered, not closed
  ("counting").
- B01 (3): written imported only; its box created and still sealed.

Built through the same services the CLI calls, on a weak-KDF test vault, with
synthetic names: the same picture on every run (pending-action ids are never shown).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from _app_helpers import settle, wait_until
from _hall_helpers import import_demo_roster, session_of
from conftest import make_test_vault

from jz_tui.rules.ranking import rank
from jz_tui.services import ballots, config, inspection, pending, sheets, written
from jz_tui.services.session import Session
from screens.board import BoardScreen, PostPanel

WRITTEN = {
    "A01-01": "88", "A01-02": "82.5", "A01-03": "91", "A01-04": "76", "A01-05": "84",
    "A02-01": "79", "A02-02": "86", "A02-03": "90.5", "A02-04": "72",
    "B01-01": "81", "B01-02": "87", "B01-03": "77.5",
}
# (e1, e2) totals per interview that is announced
ANNOUNCED = {
    "A01-01": ("86", "88"), "A01-02": ("80", "83"), "A01-03": ("90", "92"), "A01-04": ("71", "75"),
    "A01-05": ("85", "84"),
    "A02-01": ("78", "81"), "A02-02": ("88", "90"),
}
CONFIRMED_NOT_ANNOUNCED = {"A02-03": ("93", "91")}
# marks per ballot (S satisfied, B basic, D dissatisfied, - blank), one letter per candidate in code order
A01_BALLOTS = ["SSSBS", "SBSDS", "SSSBB", "BSSDS", "SSBBS", "SBSSS"]
A02_BALLOTS = ["SSBD", "SBSS"]
APPOINTED_FROM = date(2026, 6, 1)


def _interview(sessions: dict[str, Session], code: str, totals: tuple[str, str], announce: bool) -> None:
    for examiner, total in zip(("e1", "e2"), totals, strict=True):
        sheets.submit(sessions[examiner], code, total=total)
        sheets.confirm(sessions["scorer"], code, examiner)
    if announce:
        action = sheets.announce(sessions["scorer"], code)
        pending.sign(sessions["sup"], action.id)


def build_board_session(path: Path, tmp_dir: Path) -> Path:
    """The session described in the module docstring, in a new vault at ``path``."""
    tv = make_test_vault(path)
    try:
        sessions = {name: session_of(tv, name) for name in ("admin", "scorer", "sup", "e1", "e2", "t1", "t2")}
        admin = sessions["admin"]
        config.change(admin, {"interview.rubric": []})
        import_demo_roster(admin, tmp_dir)
        scores = tmp_dir / "written.csv"
        scores.write_text("准考证号,成绩\n" + "".join(f"{c},{s}\n" for c, s in WRITTEN.items()), encoding="utf-8")
        written.import_written(admin, scores)
        for code, totals in ANNOUNCED.items():
            _interview(sessions, code, totals, announce=True)
        for code, totals in CONFIRMED_NOT_ANNOUNCED.items():
            _interview(sessions, code, totals, announce=False)

        ballots.create_box(admin, ["A01"], ["t1", "t2"], "SEAL-A01")
        ballots.create_box(admin, ["A02", "B01"], ["t1", "t2"], "SEAL-A02")
        t1 = sessions["t1"]
        ballots.open_box(t1, "A01", True, "", len(A01_BALLOTS), len(A01_BALLOTS))
        for marks in A01_BALLOTS:
            ballots.enter_ballot(t1, "A01", marks)
        close = ballots.request_close(t1, "A01")
        pending.sign(sessions["t2"], close.id)
        pending.sign(sessions["sup"], close.id)
        ballots.open_box(t1, "A02", True, "", len(A02_BALLOTS), len(A02_BALLOTS))
        for marks in A02_BALLOTS:
            ballots.enter_ballot(t1, "A02", marks)

        admin.refresh()
        first = next(row.code for post in rank(admin.state) if post.code == "A01" for row in post.rows
                     if row.status == "target")
        for dimension in inspection.DIMENSIONS:
            inspection.add_note(admin, first, dimension, "良好")
        inspection.record_decision(admin, first, "appoint", APPOINTED_FROM)
    finally:
        tv.vault.close()
    return path


# ---------------------------------------------------------------------- reading the board in a pilot


def panel(app, slot: int = 0) -> PostPanel:
    return app.screen.query_one(f"#post-{slot}", PostPanel)


def cell(app, code: str, column: str, slot: int = 0) -> str:
    return panel(app, slot).table.get_cell(code, column).plain


def row_order(app, slot: int = 0) -> list[str]:
    table = panel(app, slot).table
    return sorted((key.value for key in table.rows), key=table.get_row_index)


def label(app, widget_id: str) -> str:
    return str(app.screen.query_one(f"#{widget_id}").render())


async def board_ready(pilot, post: str = "A01", slot: int = 0) -> None:
    """Logged in, the panels built and showing ``post`` in ``slot``."""
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, BoardScreen)
                     and bool(pilot.app.screen.query(PostPanel))
                     and panel(pilot.app, slot).post_code == post)
    await settle(pilot)
