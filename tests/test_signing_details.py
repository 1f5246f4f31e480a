"""Co-signers see what they sign (issue 21, item 5).

For every kind of pending action, started through the services on a real vault: what the
action will record, in words and figures, is printed by the installed ``jz sign --list`` and
shown on the signatures screen's confirmation at 80x24 (the same lines, from
``jz_tui.services.pending.details``); signing there makes the action record exactly what was
shown. A user who may not see a post's counts before its close sees them withheld there too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from _app_helpers import log_in, settle
from textual.widgets import Button

from jz_tui.apps.app import make_app
from jz_tui.rules import pending_details
from jz_tui.services import ballots, checkin, draw, pending, sheets, tally_secrecy
from jz_tui.services.roster import request_disqualify
from screens.confirm import ConfirmScreen
from screens.signatures import SignaturesScreen
from screens.widgets import Plain, TablePanel
from storage.errors import JzError
from tests._session_helpers import Hall

SIZE = (80, 24)
KINDS = ("checkin.undo", "announce", "sheet.correct", "candidate.disqualify", "tally.override", "tally.close",
         "box.unseal")
WITHHELD = tally_secrecy.WITHHELD


@dataclass
class Case:
    hall: Hall
    action_id: str
    signer: str  # who signs it on the screen (the signature that completes it, but for a close)
    figures: list[str]  # what the signer must read, in words and figures


def _name(hall: Hall, code: str) -> str:
    return hall.state.roster.candidates[code].name


def make_case(kind: str, tv, tmp_path: Path) -> Case:
    """``kind`` started through the services, waiting for the signature ``signer`` gives."""
    if kind in ("announce", "sheet.correct"):
        hall = Hall(tv, tmp_path, [("A01", 3)], settings={"interview.drop_when_at_least": 3})
        hall.add_user("e3", "examiner")
    else:
        hall = Hall(tv, tmp_path, [("A01", 3)])
    clerk = hall.s("clerk")
    for code in hall.codes("A01"):
        assert checkin.check_in(clerk, code, terminal="desk-7").ok
    code = hall.codes("A01")[0]
    if kind == "checkin.undo":
        action = pending.create(clerk, "checkin.undo", {"code": code}, reason="scanned the wrong ticket")
        seq = hall.state.roster.checkins[code].seq
        return Case(hall, action.id, "sup", [code, _name(hall, code), "desk-7", f"ledger entry {seq}",
                                             "not checked in"])
    if kind in ("announce", "sheet.correct"):
        draw.draw(clerk, "A01")
        number = hall.state.roster.number_of(code)
        for examiner, total in (("e1", "80"), ("e2", "92.5"), ("e3", "71")):
            sheets.submit(hall.s(examiner), code, total=total)
            sheets.confirm(hall.s("scorer"), code, examiner)
        if kind == "announce":
            action = sheets.announce(hall.s("scorer"), code)
            return Case(hall, action.id, "sup", [number, code, _name(hall, code), "Sheet 1 (e1)", "total 80",
                                                 "dropped as the highest", "total 92.5", "dropped as the lowest",
                                                 "total 71", "highest and the lowest", "Result recorded: 80.00"])
        action = pending.create(hall.s("e1"), "sheet.correct", {"candidate": code, "examiner": "e1", "items": ["85"]},
                                reason="typed 80 for 85")
        pending.sign(hall.s("scorer"), action.id)  # the supervisor's is the last
        return Case(hall, action.id, "sup", [number, "examiner e1", "Current: 80 (total 80)",
                                             "Corrected to: 85 (total 85)"])
    if kind == "candidate.disqualify":
        action = request_disqualify(hall.s("admin"), code, "canvassing votes")
        return Case(hall, action.id, "sup", [code, _name(hall, code), "Reason recorded: canvassing votes",
                                             "disqualified"])
    box = hall.box(["A01"])
    if kind == "tally.override":
        hall.paper("A01", ["SSB", "SBS", "BSS", "SSS"], issued=6, returned=5)  # 5 returned, 4 entered
        action = ballots.request_override(hall.s("t1"), "A01", "one ballot fell behind the desk")
        return Case(hall, action.id, "sup", ["Post: A01", "Problem overridden", "5 returned",
                                             "no longer stops the close"])
    if kind == "tally.close":
        hall.paper("A01", ["SSB", "SDS", "BSD", "SS-"], voids=1)
        action = ballots.request_close(hall.s("t1"), "A01")
        record = hall.state.pending[action.id].params
        first = record["candidates"][0]
        return Case(hall, action.id, "t2", ["Post: A01", "Issued: 5", "Returned: 5", "Valid: 4", "Void: 1",
                                            "Electronic: 0", f"{first['code']} {_name(hall, first['code'])}",
                                            "satisfied 3, basic 1, dissatisfied 0, blank 0",
                                            f"score {first['score']}"])
    assert kind == "box.unseal"
    slips = ballots.issue_tokens(hall.s("admin"), box, 4)
    for slip in slips[:3]:
        ballots.cast(hall.s("t1"), box, slip, {"A01": "SSB"})
    action = pending.create(hall.s("t1"), "box.unseal", {"box": box})
    return Case(hall, action.id, "t2", [f"Box: {box} (seal SEAL-A01)", "Posts: A01", "t1, t2",
                                        "4 issued, 3 spent"])


def recorded(kind: str, hall: Hall, case: Case) -> object:
    """What the completed action put in the state (to compare with what was shown)."""
    state = hall.state
    params = state.pending[case.action_id].params
    return {
        "checkin.undo": lambda: params["code"] not in state.roster.checkins,
        "announce": lambda: state.scoring.announced.get(params["candidate"]),
        "sheet.correct": lambda: state.scoring.sheets[(params["candidate"], "e1")].items,
        "candidate.disqualify": lambda: state.roster.candidates[params["code"]].disqualified,
        "tally.override": lambda: state.tally.posts["A01"].override,
        "tally.close": lambda: state.tally.posts["A01"].closed,
        "box.unseal": lambda: state.tally.boxes[params["box"]].unseal_signed,
    }[kind]()


# ---------------------------------------------------------------------- the pure lines


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_says_what_it_records(kind, test_vault, tmp_path):
    case = make_case(kind, test_vault, tmp_path)
    state = case.hall.state
    action = state.pending[case.action_id]
    lines = pending_details.details(state, action.action, action.params)
    assert lines and all(isinstance(line, pending_details.Line) for line in lines)
    assert not [line for line in lines if line.label == "sign_label_warning"]  # it can be signed as it stands
    text = "\n".join(pending.detail_lines(pending.details(state, action, case.signer)))
    for figure in case.figures:
        assert figure in text, (figure, text)
    assert "sign_" not in text  # every key has a message


# ---------------------------------------------------------------------- jz sign --list


@pytest.mark.parametrize("kind", KINDS)
def test_jz_sign_list_prints_the_figures(kind, test_vault, tmp_path, jz):
    case = make_case(kind, test_vault, tmp_path)
    listed = jz("sign", test_vault.path, "--list", user=case.signer)
    assert listed.returncode == 0, listed.stderr
    out = listed.stdout
    assert f"→ {case.action_id}" in out
    for figure in case.figures:
        assert figure in out, (figure, out)
    as_json = jz("sign", test_vault.path, "--list", "--json", user=case.signer)
    entry = next(a for a in json.loads(as_json.stdout) if a["id"] == case.action_id)
    state = case.hall.state
    expected = pending.details(state, state.pending[case.action_id], case.signer)
    assert [(d["label"], d["value"]) for d in entry["details"]] == expected  # the same lines, in --json too


# ---------------------------------------------------------------------- the signatures screen


async def confirm_on_screen(pilot, action_id: str) -> ConfirmScreen:
    """F8, the action's row, Enter: the confirmation, once its lines are read."""
    await pilot.press("f8")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SignaturesScreen)
    table = screen.query_one("#waiting", TablePanel).table
    table.focus()
    table.move_cursor(row=table.get_row_index(action_id))
    await pilot.press("enter")
    await settle(pilot)
    confirm = pilot.app.screen
    assert isinstance(confirm, ConfirmScreen)
    return confirm


def shown_text(confirm: ConfirmScreen) -> str:
    return "\n".join(str(p.content) for p in confirm.query(Plain))


@pytest.mark.parametrize("kind", KINDS)
async def test_the_confirmation_shows_what_signing_records(kind, test_vault, tmp_path):
    case = make_case(kind, test_vault, tmp_path)
    hall = case.hall
    before = hall.state
    shown_lines = pending.details(before, before.pending[case.action_id], case.signer)
    app = make_app(test_vault.path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, case.signer)
        confirm = await confirm_on_screen(pilot, case.action_id)
        text = shown_text(confirm)
        for figure in case.figures:
            assert figure in text, (figure, text)
        assert [str(p.content) for p in confirm.query(".confirm-detail")] == pending.detail_lines(shown_lines)
        assert confirm.query_one("#yes", Button).region.bottom <= SIZE[1]  # the buttons stay on screen
        await pilot.press("y")
        await settle(pilot)
    hall.s("admin")
    if kind == "tally.close":  # the officer's signature shown; the supervisor's completes it
        pending.sign(hall.s("sup"), case.action_id)
    state = hall.state
    assert state.pending[case.action_id].done, kind
    result = recorded(kind, hall, case)
    params = state.pending[case.action_id].params
    if kind == "announce":
        assert result == params and f"Result recorded: {result['result']}" in text
        assert all(f"total {s['total']}" in text for s in result["sheets"])
    elif kind == "tally.close":
        assert result == params
        assert f"Valid: {result['valid']}" in text and f"Void: {result['void']}" in text
        for row in result["candidates"]:
            c = row["counts"]
            assert (f"satisfied {c['satisfied']}, basic {c['basic']}, dissatisfied {c['dissatisfied']}, "
                    f"blank {c['blank']}") in text
            assert f"score {row['score']}" in text
    elif kind == "sheet.correct":
        assert result == ["85"] and "Corrected to: 85" in text
    elif kind == "candidate.disqualify":
        assert result == "canvassing votes" and f"Reason recorded: {result}" in text
    elif kind == "tally.override":
        assert result == {"post": "A01"}
    else:
        assert result is True


async def test_a_long_record_scrolls_and_the_figures_can_be_read(test_vault, tmp_path):
    """A close of a post of eight: more lines than 24 rows hold; the arrows scroll them."""
    hall = Hall(test_vault, tmp_path, [("A01", 8)])
    hall.box(["A01"])
    hall.paper("A01", ["SSSSSSSS", "BBBBBBBB", "DDDDDDDD"])
    action = ballots.request_close(hall.s("t1"), "A01")
    app = make_app(test_vault.path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "t2")
        confirm = await confirm_on_screen(pilot, action.id)
        scroll = confirm.query_one("#confirm-details")
        assert scroll.max_scroll_y > 0 and confirm.query_one("#confirm-scroll-hint").display
        await pilot.press("pagedown", "pagedown", "pagedown")
        await pilot.pause()
        assert scroll.scroll_y == scroll.max_scroll_y
        await pilot.press("enter")  # Enter alone still cancels
        await settle(pilot)
    assert not hall.state.pending[action.id].signatures[1:]


# ---------------------------------------------------------------------- secrecy and staleness


def test_who_may_not_see_the_counts_does_not_see_them(test_vault, tmp_path, jz):
    """A close waiting for signatures: the supervisor (and the admin) read issued and returned, not
    the officers' counts; the other officer of the box reads them all; after the close, everyone."""
    case = make_case("tally.close", test_vault, tmp_path)
    hall = case.hall
    state = hall.state
    action = state.pending[case.action_id]
    counts = ["Valid: 4", "Void: 1", "satisfied 3, basic 1", "score 90.00", "threshold", "dissatisfied 0"]
    for viewer in ("sup", "admin"):
        text = "\n".join(pending.detail_lines(pending.details(state, action, viewer)))
        assert "Issued: 5" in text and "Returned: 5" in text
        assert f"Valid: {WITHHELD}" in text and f"Electronic: {WITHHELD}" in text
        assert not [figure for figure in counts if figure in text], text
        assert text.count(f"Each candidate's votes, score and rate: {WITHHELD}") == 1  # said once, not per candidate
        withheld = tally_secrecy.withheld_params(state, viewer, action.action, action.params)
        assert withheld["valid"] == WITHHELD  # the same rule as describe's
        out = jz("sign", test_vault.path, "--list", user=viewer).stdout
        assert "Issued: 5" in out and not [figure for figure in counts if figure in out], out
        listed = jz("sign", test_vault.path, "--list", "--json", user=viewer).stdout
        assert "satisfied 3" not in listed and '"Valid: 4"' not in listed
    officer = "\n".join(pending.detail_lines(pending.details(state, action, "t2")))
    assert all(figure in officer for figure in counts)
    pending.sign(hall.s("t2"), action.id)
    pending.sign(hall.s("sup"), action.id)
    state = hall.state
    after = "\n".join(pending.detail_lines(pending.details(state, state.pending[action.id], "sup")))
    assert "Valid: 4" in after and WITHHELD not in after


async def test_the_supervisor_signs_a_close_with_the_counts_withheld(test_vault, tmp_path):
    case = make_case("tally.close", test_vault, tmp_path)
    pending.sign(case.hall.s("t2"), case.action_id)
    app = make_app(test_vault.path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "sup")
        confirm = await confirm_on_screen(pilot, case.action_id)
        text = shown_text(confirm)
        assert "Issued: 5" in text and f"Valid: {WITHHELD}" in text
        assert "Valid: 4" not in text and "satisfied 3" not in text


async def test_the_screen_refuses_a_signature_on_what_changed_while_it_was_shown(test_vault, tmp_path):
    """The confirmation is open; meanwhile an admin corrects the candidate's name (another terminal):
    approving signs nothing and says so; opened again, it shows the name as it now is."""
    from jz_tui.services.roster import edit_candidate

    case = make_case("candidate.disqualify", test_vault, tmp_path)
    hall = case.hall
    code = hall.state.pending[case.action_id].params["code"]
    app = make_app(test_vault.path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "sup")
        await confirm_on_screen(pilot, case.action_id)
        edit_candidate(hall.s("admin"), code, {"name": "王更正"}, "typo in the roster")
        head = test_vault.vault.head()
        await pilot.press("y")
        await settle(pilot)
        assert test_vault.vault.head() == head and not hall.state.pending[case.action_id].done
        assert isinstance(app.screen, SignaturesScreen)
        confirm = await confirm_on_screen(pilot, case.action_id)
        assert f"{code} 王更正" in shown_text(confirm)
        await pilot.press("y")
        await settle(pilot)
    assert hall.state.pending[case.action_id].done


def test_a_close_with_voter_groups_shows_each_groups_counts(test_vault, tmp_path):
    hall = Hall(test_vault, tmp_path, [("A01", 2)], settings={"democratic.groups": [["领导", 3], ["干部", 7]]})
    hall.box(["A01"])
    hall.paper("A01", ["SS", "SB", "DS"], groups=["领导", "干部", "干部"])
    action = ballots.request_close(hall.s("t1"), "A01")
    state = hall.state
    text = "\n".join(pending.detail_lines(pending.details(state, state.pending[action.id], "t2")))
    first = hall.codes("A01")[0]
    assert f"{first} 领导: satisfied 1, basic 0, dissatisfied 0, blank 0" in text
    assert f"{first} 干部: satisfied 1, basic 0, dissatisfied 1, blank 0" in text
    withheld = "\n".join(pending.detail_lines(pending.details(state, state.pending[action.id], "sup")))
    assert "领导:" not in withheld and withheld.count(WITHHELD) == 4  # valid, void, electronic, the candidates


def test_a_signature_on_what_has_changed_since_it_was_shown_is_refused(test_vault, tmp_path):
    case = make_case("sheet.correct", test_vault, tmp_path)
    hall = case.hall
    state = hall.state
    seen = pending.details(state, state.pending[case.action_id], "sup")
    tampered = [(label, value.replace("85", "58")) for label, value in seen]
    head = test_vault.vault.head()
    with pytest.raises(JzError) as refused:
        pending.sign(hall.s("sup"), case.action_id, tampered)
    assert refused.value.key == "sign_details_changed" and test_vault.vault.head() == head
    assert pending.sign(hall.s("sup"), case.action_id, seen).done


def test_an_announcement_whose_sheets_changed_says_it_will_be_refused(test_vault, tmp_path):
    """The completion check holds an announcement to the sheets; the lines say so before anyone signs."""
    case = make_case("announce", test_vault, tmp_path)
    hall = case.hall
    state = hall.state
    action = state.pending[case.action_id]
    code = action.params["candidate"]
    state.scoring.sheets[(code, "e1")].items = ["99"]  # as if the sheet had changed under it
    text = "\n".join(pending.detail_lines(pending.details(state, action, "sup")))
    assert "a signature will be refused" in text


def test_an_examiner_sees_numbers_not_names(test_vault, tmp_path):
    case = make_case("announce", test_vault, tmp_path)
    state = case.hall.state
    action = state.pending[case.action_id]
    code = action.params["candidate"]
    text = "\n".join(pending.detail_lines(pending.details(state, action, "e1")))
    assert state.roster.number_of(code) in text and _name(case.hall, code) not in text


def test_names_and_reasons_are_escaped(test_vault, tmp_path):
    case = make_case("candidate.disqualify", test_vault, tmp_path)
    state = case.hall.state
    action = state.pending[case.action_id]
    state.roster.candidates[action.params["code"]].name = "Zhang\x1b[2J"
    text = "\n".join(pending.detail_lines(pending.details(state, action, "sup")))
    assert "\x1b" not in text and "Zhang\\x1b[2J" in text


def test_chinese_lines(test_vault, tmp_path):
    from jz_tui import i18n

    case = make_case("tally.close", test_vault, tmp_path)
    state = case.hall.state
    i18n.set_language("zh")
    text = "\n".join(pending.detail_lines(pending.details(state, state.pending[case.action_id], "t2")))
    assert "发出选票：5" in text and "有效票：4" in text and "废票：1" in text


def test_a_preview_before_starting_is_what_the_started_action_shows(test_vault, tmp_path):
    """A screen confirming the start of an action can show the same lines (``pending.preview``)."""
    from jz_tui.rules.interview import announcement
    from jz_tui.rules.settings import rules_of_state

    case = make_case("announce", test_vault, tmp_path)
    state = case.hall.state
    action = state.pending[case.action_id]
    code = action.params["candidate"]
    # the announcement as it would be started, on a state where it is not pending yet
    assert announcement(state, code, rules_of_state(state)) == action.params
    assert pending.preview(state, "announce", action.params, "scorer") == pending.details(state, action, "scorer")


def test_jz_sign_prints_what_it_signed(test_vault, tmp_path, jz):
    case = make_case("candidate.disqualify", test_vault, tmp_path)
    signed = jz("sign", test_vault.path, case.action_id, user="sup")
    assert signed.returncode == 0, signed.stderr
    assert "taken effect" in signed.stdout and "Reason recorded: canvassing votes" in signed.stdout
    as_json = jz("sign", test_vault.path, "--list", "--json", user="sup")
    assert json.loads(as_json.stdout) == []
