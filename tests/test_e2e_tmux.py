"""A whole session in real terminals: from the roster to the published ranking.

Eight installed ``jz VAULT --user NAME`` processes, each in its own 80x24 tmux window on
one vault: the clerk, three examiners, the scorer, a supervisor, two tally officers. The
admin's part is done by command beforehand (rules, roster, written scores, the ballot
box; the users are made with weak-KDF key slots through the Python API, as every test
vault is). Then everything happens by keys sent with ``send-keys`` and is checked by
reading the screens with ``capture-pane``, as the people in the hall would:

- the clerk checks four candidates in by typing their codes (an unknown code is refused),
  opens the draw with ctrl+o and draws the order; the test recomputes the order from the
  seed the screen shows;
- for each interview number in turn, the three examiners type their marks on "my sheets"
  (they never see a name or a candidate code), the scorer confirms every sheet and
  announces, the supervisor signs in the signatures mode, the announcement appears on the
  scorer's terminal and the examiners see the result;
- meanwhile the two tally officers enter the same stack of paper ballots (one opens the
  box; the second mistypes a ballot, sees the discrepancy and re-enters it from the
  paper), one ballot is void, one officer closes the tally, the other and the supervisor
  sign;
- the supervisor's board shows the final ranking; every window quits with ctrl+q and its
  process exits 0.

At the end the installed CLI: ``jz ranking --json`` holds the composites computed here
independently (Decimal, half-up; one of them is a case where banker's rounding would
differ), ``jz export --format csv`` writes the notice, and ``jz verify`` (also against
that notice) exits 0. It needs tmux (``.ci/run`` installs it) and fails, rather than
skips, without it.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from _e2e_helpers import PASSWORDS, POST, RUBRIC, SEAL, SESSION, Terminals, build_hall, jz_ok, jz_run
from _tmux_helpers import SHELL_BACK, t

EXAMINERS = ("e1", "e2", "e3")
OFFICERS = ("t1", "t2")
PEOPLE = ("clerk", *EXAMINERS, "scorer", "sup", *OFFICERS)

WRITTEN = ("86.5", "79", "91", "83.5")  # A01-01 .. A01-04
# each candidate's marks (综合分析 of 60, 言语表达 of 40) from e1, e2, e3, by candidate code:
# the test reads the draw and types them under whatever interview number the code drew
MARKS = {
    "A01-01": (("50", "35.5"), ("48", "34"), ("51", "34.5")),
    "A01-02": (("54", "36"), ("52.5", "37"), ("55", "36.5")),
    "A01-03": (("45", "30"), ("47", "31.5"), ("46", "30")),
    "A01-04": (("50", "32"), ("49.5", "33"), ("51", "32.5")),
}
# the paper ballots, one letter per candidate in code order (S, B, D, - blank), then one void:
# A01-01 comes to 84.705 (half-up 84.71, banker's 84.70); A01-02 is exactly 30% dissatisfied
# (not above: still eligible); A01-04 is 33.33% dissatisfied (excluded)
BALLOTS = ("SSSS", "SSSD", "SSSS", "SBSB", "SSSS", "SSBD", "SDSB", "SDSS", "BDSD", "B-BS", "D-SD", "-SSB")
MISTYPED = (5, "SSSB")  # t2's slip: ballot 5 typed wrong, then re-entered from the paper
ISSUED, RETURNED = 14, 13  # 12 valid + 1 void returned; one ballot paper never came back
KEY_OF = {"S": "1", "B": "2", "D": "3", "-": "0"}
VALUES = {"S": Decimal(100), "B": Decimal(60), "D": Decimal(0)}
WEIGHTS = {"written": Decimal(3), "interview": Decimal(3), "democratic": Decimal(4)}


# ---------------------------------------------------------------------- the expected result, computed here


def half_up(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def sheet_total(marks: tuple[str, str]) -> Decimal:
    return sum((Decimal(m) for m in marks), Decimal(0))


def expected_ranking(codes: tuple[str, ...]) -> dict[str, dict]:
    """Every candidate's stage scores, composite, rate, rank and status, by the rules (DESIGN.md §2)
    and nothing of jz: 3 sheets (fewer than 5: nothing dropped), values 100/60/0, rates over valid
    marks, above 30% excluded, weights 3:3:4, every figure half-up to 2 places."""
    rows = {}
    for index, code in enumerate(codes):
        interview = half_up(sum(map(sheet_total, MARKS[code]), Decimal(0)) / len(MARKS[code]))
        marks = [ballot[index] for ballot in BALLOTS if ballot[index] != "-"]
        democratic = half_up(sum((VALUES[m] for m in marks), Decimal(0)) / len(marks))
        rate = Decimal(marks.count("D")) / len(marks)
        stages = {"written": half_up(Decimal(WRITTEN[index])), "interview": interview, "democratic": democratic}
        composite = half_up(sum((WEIGHTS[s] * v for s, v in stages.items()), Decimal(0)) / sum(WEIGHTS.values()))
        rows[code] = {**{s: str(v) for s, v in stages.items()}, "composite": str(composite),
                      "rate": rate, "excluded": rate > Decimal("0.30")}
    eligible = sorted((c for c in codes if not rows[c]["excluded"]), key=lambda c: -Decimal(rows[c]["composite"]))
    for rank, code in enumerate(eligible, start=1):
        rows[code]["rank"] = rank
        rows[code]["status"] = "target" if rank <= 3 else "eligible"
    for code in codes:
        if rows[code]["excluded"]:
            rows[code]["rank"], rows[code]["status"] = None, "excluded_dissatisfaction"
    return rows


def draw_order(seed: str, codes: list[str]) -> list[str]:
    """The order anyone can recompute from the revealed seed: by SHA-256(seed ‖ code)."""
    raw = bytes.fromhex(seed)
    return sorted(codes, key=lambda code: (hashlib.sha256(raw + code.encode()).digest(), code))


def ballot_keys(marks: str) -> list[str]:
    return [KEY_OF[m] for m in marks] + ["Enter"]


# ---------------------------------------------------------------------- the hall


def log_in(term: Terminals) -> None:
    for name in PEOPLE:  # the session's name replaces "opening ..." once the vault is open: only then type
        term.wait_for(name, t("login_passphrase"), SESSION)
        if not term.input_focus:  # the user is filled in: the passphrase has the focus, the user field not
            term.learn_input_focus(name, t("login_passphrase"), t("login_user"))
        term.wait_input(name, t("login_passphrase"))
        term.type(name, PASSWORDS[name])
        term.keys(name, "Enter")
    homes = {"clerk": t("checkin_placeholder")[:40], "scorer": t("scorer_panel_candidates"),
             "sup": t("board_intro")[:30], **{e: t("mysheets_panel_candidates") for e in EXAMINERS},
             **{o: t("tally_ui_not_opened")[:30] for o in OFFICERS}}
    for name in PEOPLE:
        screen = term.wait_for(name, homes[name], f"{name} (")
        assert SESSION in screen


def check_in_and_draw(term: Terminals, codes: tuple[str, ...], names: dict[str, str]) -> list[str]:
    """The clerk types each code; returns the drawn order (candidate codes) read off the draw screen."""
    term.type("clerk", f"{POST[0]}-09")  # nobody has this number: refused, in words
    term.keys("clerk", "Enter")
    term.wait_for("clerk", t("checkin_head_not_found"), t("checkin_not_found"))
    for code in codes:
        term.type("clerk", code)
        term.keys("clerk", "Enter")
        term.wait_for("clerk", t("checkin_checked_in", code=code, name=names[code]))
    term.wait_for("clerk", t("checkin_counts_total", arrived=4, expected=4).strip())

    term.keys("clerk", "C-o")
    term.wait_for("clerk", t("draw_panel_posts"), t("draw_state_none"))
    term.keys("clerk", "d")
    term.wait_for("clerk", t("draw_confirm_title", post=POST[0], name=POST[1]))
    term.keys("clerk", "y")
    drawn = re.compile(rf"({POST[0]}-\d)\s+({POST[0]}-\d\d)\s+(\S+)")  # number, code, name
    seeds = re.compile(t("draw_seed_hash", hash="([0-9a-f]{64})") + r"\s+" + t("draw_seed", seed="([0-9a-f]{64})"))
    screen = term.wait_until("clerk", lambda s: t("draw_done_screen", post=POST[0], count=4) in s
                             and len(drawn.findall(s)) == 4 and seeds.search(s) is not None, "the order drawn")
    seed_hash, seed = seeds.search(screen).groups()
    shown = drawn.findall(screen)
    assert [number for number, _, _ in shown] == [f"{POST[0]}-{n}" for n in range(1, 5)]
    assert all(names[code] == name for _, code, name in shown)
    order = [code for _, code, _ in shown]
    # verifiable: the hash recorded before is the seed's, and the seed gives this order
    assert hashlib.sha256(bytes.fromhex(seed)).hexdigest() == seed_hash
    assert draw_order(seed, list(codes)) == order
    term.keys("clerk", "Escape")
    term.wait_for("clerk", t("checkin_placeholder")[:40])
    return order


def open_box_and_enter_ballots(term: Terminals) -> None:
    """t1 opens the box; both officers type the whole stack, fast (t2 with one slip); not waited for."""
    term.keys("t1", "o")
    term.wait_for("t1", t("tally_ui_open_title", post=POST[0], box="BOX1", seal=SEAL), t("tally_ui_open_issued"))
    term.keys("t1", "Tab")  # the seal is intact (the first choice): on to the note, left empty
    term.wait_input("t1", t("tally_ui_open_note"))
    term.keys("t1", "Tab")
    term.wait_input("t1", t("tally_ui_open_issued"))
    term.type("t1", str(ISSUED))
    term.keys("t1", "Tab")
    term.wait_input("t1", t("tally_ui_open_returned"))
    term.type("t1", str(RETURNED))
    term.keys("t1", "Enter")
    term.wait_for("t1", t("tally_ui_open_confirm_title", post=POST[0]),  # the figures once more, then signed
                  t("tally_ui_confirm_figures", issued=ISSUED, returned=RETURNED))
    term.keys("t1", "y")
    opened = t("tally_ui_opened_line", seal=t("tally_ui_seal_intact"), issued=ISSUED, returned=RETURNED)
    for officer in OFFICERS:
        term.wait_for(officer, opened, t("tally_ui_ballot_title", no=1))

    for officer in OFFICERS:
        keys = []
        for number, marks in enumerate(BALLOTS, start=1):
            if officer == "t2" and number == MISTYPED[0]:
                marks = MISTYPED[1]
            keys += ballot_keys(marks)
        term.keys(officer, *keys)  # all at once: numbers are fixed as typed, stored in order


def interview(term: Terminals, number: str, code: str, expected: dict) -> None:
    """One interview number: three sheets typed, confirmed, announced, signed, shown."""
    totals = {e: sheet_total(marks) for e, marks in zip(EXAMINERS, MARKS[code], strict=True)}
    for examiner in EXAMINERS:
        term.wait_for(examiner, t("mysheets_detail_title", number=number),
                      t("mysheets_detail_state", state=t("mysheets_state_none")))
    for examiner, marks in zip(EXAMINERS, MARKS[code], strict=True):
        # the sheet takes the focus (a freshly mounted field leaves the cursor behind) ...
        term.wait_focus(examiner, t("mysheets_detail_title", number=number))
        for mark in marks:  # ... then the marks are typed ahead, not waiting for the cursor to move
            term.type(examiner, mark)
            term.keys(examiner, "Enter")  # on to the next field; in the last one, submit
    for examiner in EXAMINERS:
        term.wait_for(examiner, t("mysheets_confirm_title", number=number),
                      t("marks_total", total=totals[examiner], top=100))
        term.keys(examiner, "y")
    for examiner in EXAMINERS:
        screen = term.wait_until(examiner, lambda s, e=examiner: re.search(
            rf"{number}\s+{t('mysheets_state_submitted')}\s+{totals[e]}\s", s) is not None, "the sheet awaiting")
        assert code not in screen  # blind: the interview number only

    # the scorer: the candidate with sheets to confirm is selected; Enter takes the sheets
    sheets_title = t("scorer_sheets_of", number=number)
    term.wait_until("scorer", lambda s: sheets_title in s and s.count(t("scorer_sheet_submitted")) >= 3,
                    "three sheets awaiting")
    term.keys("scorer", "Enter")
    term.wait_focus("scorer", sheets_title)
    term.keys("scorer", "C-Home")  # the first sheet, wherever the cursor was left
    confirmed = []
    asks = {t("scorer_confirm_title", examiner=e, number=number): e for e in EXAMINERS}
    for index in range(len(EXAMINERS)):  # down the table, in the order the sheets arrived
        if index:
            term.keys("scorer", "Down")
        term.keys("scorer", "Enter")
        screen = term.wait_until("scorer", lambda s: any(ask in s for ask in asks), "a sheet to confirm")
        examiner = next(e for ask, e in asks.items() if ask in screen)
        assert t("scorer_sheet_total", total=totals[examiner]) in screen
        assert examiner not in confirmed
        confirmed.append(examiner)
        term.keys("scorer", "y")
        term.wait_until("scorer", lambda s, e=examiner: re.search(
            rf"{e}\s+{totals[e]}\s+{t('scorer_sheet_confirmed')}\s", s) is not None, f"{examiner}'s sheet confirmed")
    term.wait_until("scorer", lambda s: re.search(rf"{number}\s+3/3\s+{t('scorer_state_complete')}", s) is not None,
                    "the candidate complete")
    term.keys("scorer", "a")
    term.wait_for("scorer", t("scorer_announce_title", number=number),
                  t("scorer_result", result=expected["interview"]))
    term.keys("scorer", "y")
    term.wait_until("scorer", lambda s: re.search(rf"{number}\s+3/3\s+{t('scorer_state_signing')}", s) is not None,
                    "the announcement waiting for a signature")

    # the supervisor signs it in the signatures mode
    term.wait_for("sup", t("action_announce"))
    term.keys("sup", "a")
    term.wait_for("sup", t("confirm_sign_action", action=t("action_announce")))
    term.keys("sup", "y")
    term.wait_for("sup", t("signatures_none"))

    # the hall sees it: the announcement on the scorer's terminal, the result on the examiners'
    shown = term.wait_for("scorer", t("announce_view_title", number=number), t("announce_view_counted"),
                          t("announce_view_method_gymnastics_all"))  # 3 sheets: the method line says none dropped
    assert t("announce_view_dropped_high") not in shown and t("announce_view_dropped_low") not in shown
    term.keys("scorer", "Escape")
    term.wait_until("scorer", lambda s: re.search(rf"{number}\s+3/3\s+{t('scorer_state_announced')}", s) is not None,
                    "the candidate announced")
    for examiner in EXAMINERS:
        screen = term.wait_for(examiner, t("mysheets_announced_result", result=expected["interview"]))
        for other, total in totals.items():  # now every sheet is shown; fewer than 5: none dropped
            assert re.search(rf"{other}\s+{total}\s+{t('announce_view_counted')}", screen), (other, screen)


def next_candidate(term: Terminals, number: str) -> None:
    """Everyone moves on: the examiners with "n", the scorer down the candidates list."""
    for examiner in EXAMINERS:
        term.keys(examiner, "n")
    term.keys("scorer", "BTab")
    term.wait_focus("scorer", t("scorer_panel_candidates"))
    term.keys("scorer", "Down")
    term.wait_for("scorer", t("scorer_sheets_of", number=number))


def finish_tally(term: Terminals) -> None:
    valid = len(BALLOTS)
    for officer in OFFICERS:
        term.wait_for(officer, t("tally_ui_stored", no=valid, marks=" ".join(BALLOTS[-1])))
        term.keys(officer, "v")
        term.wait_for(officer, t("tally_ui_void_title", no=valid + 1), t("tally_ui_void_label"))
        term.wait_input(officer, t("tally_ui_void_label"))
        term.type(officer, "two marks for one candidate")
        term.keys(officer, "Enter")
        term.wait_for(officer, t("ballot_voided", no=valid + 1))
    reconcile = t("tally_ui_reconcile", issued=ISSUED, returned=RETURNED, valid=valid, void=1, electronic=0)
    term.wait_for("t2", t("tally_ui_differ", first="t1", second="t2", numbers=MISTYPED[0]), reconcile)

    # t2 re-enters the differing ballot from the paper ("n" suggests its number)
    term.keys("t2", "n")
    term.wait_for("t2", t("tally_ui_number_title"))
    term.wait_input("t2", t("tally_ui_number_label"))
    term.keys("t2", "Enter")
    term.wait_for("t2", t("tally_ui_correcting", no=MISTYPED[0], old=" ".join(MISTYPED[1])))
    term.keys("t2", *ballot_keys(BALLOTS[MISTYPED[0] - 1]))
    term.wait_for("t2", t("tally_ui_corrected", no=MISTYPED[0], marks=" ".join(BALLOTS[MISTYPED[0] - 1])),
                  t("tally_ui_agree", first="t1", second="t2"), t("tally_ui_can_close"))

    # t2 closes; t1 and the supervisor sign
    term.keys("t2", "x")
    term.wait_for("t2", t("tally_ui_close_title", post=POST[0]), f"{POST[0]}-01")  # with what it records, per candidate
    term.keys("t2", "y")
    term.wait_for("t2", t("tally_close_pending_created", id="@ID@").split("@ID@")[0])
    for signer in ("t1", "sup"):
        term.keys(signer, "F8")
        term.wait_for(signer, t("action_tally_close"))
        term.keys(signer, "a")
        term.wait_for(signer, t("confirm_sign_action", action=t("action_tally_close")))
        term.keys(signer, "y")
        term.wait_for(signer, t("signatures_none"))
    for officer in OFFICERS:
        term.keys(officer, "F6")
        term.wait_for(officer, t("tally_ui_closed_line"), reconcile)


def test_a_whole_session_in_real_terminals(tmp_path: Path):
    hall = build_hall(tmp_path, WRITTEN)
    expected = expected_ranking(hall.codes)
    assert expected["A01-01"]["composite"] == "84.71"  # 84.705: half-up, where round() would give 84.70
    assert expected["A01-02"]["rate"] == Decimal("0.3") and not expected["A01-02"]["excluded"]

    term = Terminals(tmp_path)
    try:
        for name in PEOPLE:
            term.open(name, hall.path)
        assert {term.size(name) for name in PEOPLE} == {"80x24"}
        log_in(term)
        # where the focus is shows as the colour of a panel's border: learn it from the scorer's
        # screen, where the candidates list has the focus and the sheets panel has not
        term.learn_panel_focus("scorer", t("scorer_panel_candidates"), t("scorer_panel_sheets"))
        board = term.wait_for("sup", t("board_page_one", n=1, count=1),
                              t("board_progress_imported", stage=t("stage_written"), done=4, of=4))
        assert all(hall.names[code] in board for code in hall.codes)

        order = check_in_and_draw(term, hall.codes, hall.names)
        numbers = {code: f"{POST[0]}-{n}" for n, code in enumerate(order, start=1)}

        open_box_and_enter_ballots(term)

        term.keys("sup", "F8")
        term.wait_for("sup", t("signatures_none"))

        for position, code in enumerate(order):
            if position:
                next_candidate(term, numbers[code])
            interview(term, numbers[code], code, expected[code])
        for examiner in EXAMINERS:
            screen = term.screen(examiner)
            assert not any(name in screen for name in hall.names.values())  # never a name on their screens

        finish_tally(term)

        # the supervisor's board: the ranking, settled
        term.keys("sup", "F7")
        board = term.wait_for("sup", t("board_post_final"), t("rank_status_excluded_dissatisfaction"))
        for code in hall.codes:
            row = expected[code]
            cells = [str(row["rank"] or ""), hall.names[code], row["written"], row["interview"], row["democratic"],
                     row["composite"]]
            assert re.search(r"\s+".join(map(re.escape, cells)), board), (code, board)

        for name in PEOPLE:
            term.keys(name, "C-q")
        for name in PEOPLE:
            term.wait_for(name, SHELL_BACK)
            assert term.rc_file(name).read_text().strip() == "0", name
    finally:
        term.kill()

    # the published ranking, by command
    ranking = json.loads(jz_ok("ranking", hall.path, "--json"))
    (post,) = ranking["posts"]
    assert post["code"] == POST[0]
    got = {row["code"]: row for row in post["candidates"]}
    assert set(got) == set(hall.codes)
    for code in hall.codes:
        row, want = got[code], expected[code]
        assert {k: row[k] for k in ("written", "interview", "democratic", "composite", "rank", "status")} == {
            k: want[k] for k in ("written", "interview", "democratic", "composite", "rank", "status")}, code
        assert row["dissatisfied_rate"] == str(want["rate"].quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))
        assert row["flags"] == [], code
        assert row["name"] == hall.names[code]

    notice = tmp_path / "notice.csv"
    jz_ok("export", hall.path, "--format", "csv", "--out", notice)
    with notice.open(encoding="utf-8-sig", newline="") as fh:
        table = [row for row in csv.reader(fh) if row]
    for code in hall.codes:
        line = next(row for row in table if code in row)
        assert expected[code]["composite"] in line and hall.names[code] in line
    verify = jz_run("verify", hall.path, "--export", notice, user="admin")
    assert verify.returncode == 0, verify.stdout + verify.stderr


async def test_a_live_table_shows_a_longer_word_whole_at_once():
    """Found by the session above: the scorer's sheet went "awaiting" -> "confirmed" and showed
    "confirme" for good, because DataTable widens a column only when idle and keeps what it drew
    in between. A line drawn right after the update is whole."""
    from textual.app import App

    from screens.widgets import LiveTable

    class Table(App[None]):
        def compose(self):
            yield LiveTable([("examiner", "Examiner"), ("state", "State"), ("note", "Note")])

    app = Table()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(LiveTable)
        table.sync({"e1": ["e1", "awaiting", ""], "e2": ["e2", "awaiting", ""]})
        await pilot.pause()
        table.sync({"e1": ["e1", "confirmed", "by scorer"], "e2": ["e2", "awaiting", ""]})
        assert "confirmed  by scorer" in table.render_line(1).text  # drawn before the table went idle
        await pilot.pause()
        assert "confirmed  by scorer" in table.render_line(1).text
