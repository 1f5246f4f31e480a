"""Corrections at the tally (issue 21, items 2–4), through the services, the installed ``jz``
and the tally and kiosk screens at 80x24, and as the insider would forge them:

2. a closed post takes no ballot of any kind: no slip is issued or spent in its box, the count
   of a closed post is its signed record, and a kiosk ballot's refusal names its post;
3. a paper ballot entered by mistake is withdrawn by the officer who entered it, with the
   reason, kept in the ledger and shown beside the double count;
4. an opening with more ballots returned than issued is refused; its figures are confirmed on
   screen, and corrected (signed, with the reason) until the first ballot is entered.
"""

from __future__ import annotations

import copy
import json

import pytest
from _app_helpers import log_in, settle, wait_until
from _ballot_screen_helpers import make_ballot_vault, officer, records
from _insider_helpers import as_role
from _session_helpers import EXTRA_PASSPHRASE, Hall
from _storage_helpers import problem_seqs, verify_json

from jz_tui.apps.app import make_app
from jz_tui.apps.kiosk_app import KioskApp
from jz_tui.i18n import t
from jz_tui.rules import ranking
from jz_tui.rules.count import close_problems, close_record, view
from jz_tui.services import ballots, pending
from screens.ballots import BallotsScreen
from screens.confirm import ConfirmScreen
from screens.kiosk import KioskScreen
from screens.open_box import OpenBoxScreen
from screens.prompt import PromptScreen
from screens.widgets import Plain
from storage.ballot_rows import slip_commitment
from storage.errors import JzError
from storage.events import Rejected, judge
from storage.ledger import Record
from storage.vault import Vault
from tests.conftest import PASSPHRASES

TAMPERED = 3
REFUSED = 1
SIZE = (80, 24)
NINE = ["SSSB", "SBDS", "SSSS", "BSDS", "S-BS", "DDSS", "SSBB", "BBBS", "SDSB"]


@pytest.fixture
def hall(test_vault, tmp_path):
    """Posts A (4 candidates) and B (3) in BOX1, counted by t1 and t2; t3 counts no box."""
    h = Hall(test_vault, tmp_path, [("A", 4), ("B", 3)])
    h.add_user("t3", "tally")
    assert h.box(["A", "B"]) == "BOX1"
    return h


def refused(key: str, call, *args, **kwargs) -> JzError:
    with pytest.raises(JzError) as caught:
        call(*args, **kwargs)
    assert caught.value.key == key, (caught.value.key, caught.value.params)
    return caught.value


def forge(hall: Hall, actor: str, kind: str, data: dict) -> int:
    """Appended as ``actor`` would from their own client: chained, sealed, signed with their real key, no judge."""
    return hall.tv.vault.append(as_role(hall.s(actor).identity, kind), kind, data).seq


def run(jz, *args, user: str, expect: int):
    if user in PASSPHRASES:
        result = jz(*args, user=user)
    else:
        result = jz(*args, "--user", user, env={"JZ_PASSPHRASE": EXTRA_PASSPHRASE})
    assert "Traceback" not in result.stderr and "Internal error" not in result.stderr, result.stderr
    assert result.returncode == expect, (args, result.returncode, result.stdout, result.stderr)
    return result


def caught(jz, path, seqs: set[int]) -> None:
    """``jz verify`` exits 3 and names the forged seqs, and no valid event."""
    code, payload = verify_json(jz, path, user="admin")
    found = problem_seqs(payload)
    assert code == TAMPERED, payload["problems"]
    assert seqs <= found and found - {None} <= seqs, payload["problems"]


def tally_json(jz, path, post: str = "A", user: str = "t1") -> dict:
    return json.loads(run(jz, "tally", "show", path, "--post", post, "--json", user=user, expect=0).stdout)


def count_both(hall: Hall, post: str = "A", marks: list[str] = NINE) -> None:
    """The post opened with as many issued and returned as ``marks``, counted by t1 and by t2."""
    hall.paper(post, marks)
    for text in marks:
        ballots.enter_ballot(hall.s("t2"), post, text)


# ====================================================================== 2. a closed post takes no ballot


def test_no_slip_is_issued_for_a_box_once_one_of_its_posts_is_closed_or_closing(hall, jz):
    count_both(hall)
    action = ballots.request_close(hall.s("t1"), "A")
    error = refused("box_post_closing", ballots.issue_tokens, hall.s("admin"), "BOX1", 2)
    assert error.params["post"] == "A"
    pending.sign(hall.s("t2"), action.id)
    pending.sign(hall.s("sup"), action.id)
    assert hall.state.tally.posts["A"].closed["valid"] == 9
    assert "withdrawn" not in hall.state.tally.posts["A"].closed  # none withdrawn: the record as it always was
    error = refused("box_post_closed", ballots.issue_tokens, hall.s("admin"), "BOX1", 2)
    assert error.params == {"box": "BOX1", "post": "A"}
    head = hall.tv.vault.head()
    result = run(jz, "tokens", hall.tv.path, "--box", "BOX1", "--count", "2", "--out", hall.tmp / "slips",
                 user="admin", expect=REFUSED)
    assert "post A is closed" in result.stderr and "BOX1" in result.stderr
    assert hall.tv.vault.head() == head


def _with_slip(state, code: str):
    """A copy of ``state`` whose BOX1 holds a slip for ``code`` (a state no valid ledger reaches once
    a post of the box is closed: what the declaration must refuse even so)."""
    copied = copy.deepcopy(state)
    copied.tally.boxes["BOX1"].commitments.add(slip_commitment(ballots.token_hash(code)))
    return copied


def test_a_spend_in_a_box_with_a_closed_post_is_refused_by_its_declaration_and_the_kiosk(hall):
    count_both(hall)
    hall.close("A")
    state = _with_slip(hall.state, "ABCD-EFGH-JKMN")
    spend = Record(state.seq + 1, "token.spend", "t1", "", {"box": "BOX1", "token": ballots.token_hash("ABCD-EFGH-JKMN")},
                   b"")
    with pytest.raises(Rejected) as rejected:
        judge(state, spend, "tally")
    assert (rejected.value.key, rejected.value.params) == ("box_post_closed", {"box": "BOX1", "post": "A"})
    error = refused("box_post_closed", ballots.check_slip, state, "BOX1", "ABCD-EFGH-JKMN")
    assert "post A" in t(error.key, **error.params)


def test_the_count_of_a_closed_post_is_its_signed_record(hall, jz):
    count_both(hall)
    record = hall.close("A").params
    state = copy.deepcopy(hall.state)
    tally = state.tally.posts["A"]
    tally.electronic.append("SSSS")  # a ballot after the close, however it got there
    tally.version += 1
    counted = view(state, "A")
    assert counted.closed and len(counted.ballots) == record["valid"] == 9
    assert close_record(state, "A") == record == tally.closed
    shown = tally_json(jz, hall.tv.path, user="sup")
    assert shown["valid"] == 9 and shown["closed"] is True


def test_a_kiosk_ballot_refused_names_its_post(hall, jz):
    codes = ballots.issue_tokens(hall.s("admin"), "BOX1", 2)
    error = refused("ballot_post_bad_marks", ballots.cast, hall.s("t1"), "BOX1", codes[0], {"B": "SSS"})
    assert error.params == {"post": "A", "given": 0, "count": 4}
    assert t(error.key, **error.params).startswith("The ballot for post A is not valid")
    assert "“”" not in t(error.key, lang="zh", **error.params)
    refused("ballot_post_bad_marks", ballots.cast, hall.s("t1"), "BOX1", codes[0], {"A": "SSSS", "B": "SS"})
    error = refused("ballot_post_not_in_box", ballots.cast, hall.s("t1"), "BOX1", codes[0],
                    {"A": "SSSS", "B": "SSS", "C": "S"})
    assert error.params["post"] == "C"
    result = run(jz, "vote", hall.tv.path, "--box", "BOX1", "--token", codes[0], "--ballot", "B=SSS",
                 user="t1", expect=REFUSED)
    assert "post A" in result.stderr and "“”" not in result.stderr
    ballots.open_box(hall.s("t1"), "B", True, "", 3, 3)
    result = run(jz, "ballot", "enter", hall.tv.path, "--post", "B", "--marks", "SS", user="t1", expect=REFUSED)
    assert "The ballot for post B is not valid: 3 marks (given 2)" in result.stderr
    ballots.cast(hall.s("t1"), "BOX1", codes[0], {"A": "SSSS", "B": "SSS"})  # the slip was not spent


def test_forged_slips_and_a_forged_spend_after_a_close_are_set_aside(hall, jz):
    """The issue's vote (A02=SSS, A01=SSSS once A01 is closed), as an admin and an officer who write to
    the file themselves: slips for the box after the close, and one spent."""
    count_both(hall)
    hall.close("A")
    before = ranking.to_json(hall.state, ranking.rank(hall.state))["posts"]
    code = "ABCD-EFGH-JKMN"
    hashed = ballots.token_hash(code)
    issued = forge(hall, "admin", "tokens.issue", {"box": "BOX1", "commitments": [slip_commitment(hashed)]})
    spent = forge(hall, "t1", "token.spend", {"box": "BOX1", "token": hashed})
    state = hall.state
    assert {r.seq: r.key for r in state.rejected} == {issued: "box_post_closed", spent: "box_post_closed"}
    assert not state.tally.boxes["BOX1"].commitments and not state.tally.boxes["BOX1"].spent
    caught(jz, hall.tv.path, {issued, spent})
    assert tally_json(jz, hall.tv.path, user="sup")["valid"] == 9
    shown = json.loads(run(jz, "ranking", hall.tv.path, "--json", user="sup", expect=0).stdout)["posts"]
    assert shown == before


async def test_the_kiosk_refuses_a_box_with_a_closed_post_and_names_it(tmp_path):
    path, _ = make_ballot_vault(tmp_path / "session.jz", opened=2)
    vault = Vault.open(path)
    try:
        for name in ("t1", "t2"):
            session = officer(vault, name)
            for marks in ("11111", "12301"):
                ballots.enter_ballot(session, "A01", marks)
        action = ballots.request_close(officer(vault, "t1"), "A01")
        pending.sign(officer(vault, "t2"), action.id)
        pending.sign(officer(vault, "sup"), action.id)
    finally:
        vault.close()
    app = KioskApp(path, "box1")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "t1")
        screen = app.screen
        assert isinstance(screen, KioskScreen)
        await wait_until(pilot, lambda: str(screen.query_one("#kiosk-message", Plain).content) != "")
        assert str(screen.query_one("#kiosk-message", Plain).content) == \
            "The tally of post A01 is closed: box BOX1 takes no more votes."


# ====================================================================== 3. an entered ballot withdrawn


def test_a_ballot_entered_twice_is_withdrawn_and_the_tally_closes_without_an_override(hall, jz):
    t1 = hall.s("t1")
    ballots.open_box(t1, "A", True, "", 9, 9)
    stack = NINE[:5] + [NINE[4]] + NINE[5:]  # t1 entered ballot 5 twice: ten entries for nine ballots
    for text in stack:
        ballots.enter_ballot(hall.s("t1"), "A", text)
    for text in NINE:
        ballots.enter_ballot(hall.s("t2"), "A", text)
    assert view(hall.state, "A").discrepancies == [6, 7, 8, 9, 10]

    refused("reason_needed", ballots.withdraw_ballot, hall.s("t1"), "A", 6, " ")
    refused("ballot_withdraw_unknown", ballots.withdraw_ballot, hall.s("t1"), "A", 11, "entered twice")
    refused("ballot_withdraw_unknown", ballots.withdraw_ballot, hall.s("t2"), "A", 10, "entered twice")
    refused("event_not_box_officer", ballots.withdraw_ballot, hall.s("t3"), "A", 6, "entered twice")
    result = run(jz, "ballot", "withdraw", hall.tv.path, "--post", "A", "--no", "6", "--reason", "entered twice",
                 user="t1", expect=0)
    assert "Ballot 6 withdrawn" in result.stdout

    counted = view(hall.state, "A")
    assert counted.discrepancies == [] and len(counted.ballots) == 9 and counted.void == 0
    assert counted.withdrawn == (("t1", 6, "entered twice"),)
    assert close_problems(hall.state, "A") == []
    assert ballots.enter_ballot(hall.s("t1"), "A", NINE[-1], number=9) == 9  # its later entries moved up one
    record = hall.close("A").params
    assert (record["returned"], record["valid"], record["void"], record["withdrawn"]) == (9, 9, 0, 1)
    assert hall.state.tally.posts["A"].override is None

    kinds = [r.kind for r in hall.tv.vault.records(hall.tv.admin.data_key) if r.kind.startswith("ballot.")]
    assert kinds.count("ballot.enter") == 10 + 9 + 1 and kinds.count("ballot.withdraw") == 1  # all kept
    shown = tally_json(jz, hall.tv.path, user="sup")
    assert shown["withdrawn"] == [{"officer": "t1", "no": 6, "reason": "entered twice"}]
    text = run(jz, "tally", "show", hall.tv.path, "--post", "A", user="t2", expect=0).stdout
    assert "Withdrawn: t1's entry 6 (entered twice)" in text


def test_no_withdrawal_once_the_close_is_requested(hall, jz):
    count_both(hall)
    action = ballots.request_close(hall.s("t1"), "A")
    refused("tally_close_pending", ballots.withdraw_ballot, hall.s("t1"), "A", 9, "entered twice")
    pending.sign(hall.s("t2"), action.id)
    pending.sign(hall.s("sup"), action.id)
    refused("tally_closed", ballots.withdraw_ballot, hall.s("t1"), "A", 9, "entered twice")
    result = run(jz, "ballot", "withdraw", hall.tv.path, "--post", "A", "--no", "9", "--reason", "x",
                 user="t1", expect=REFUSED)
    assert "closed" in result.stderr


WITHDRAWALS = {
    # name: (actor, body, setup) – the setup leaves A counted by t1 and t2 unless it closes it
    "clerk": ("clerk", {"post": "A", "officer": "clerk", "no": 1, "reason": "x"}, None),
    "officer_of_no_box": ("t3", {"post": "A", "officer": "t3", "no": 1, "reason": "x"}, None),
    "another_officers_entry": ("t2", {"post": "A", "officer": "t1", "no": 6, "reason": "x"}, None),
    "entry_never_made": ("t1", {"post": "A", "officer": "t1", "no": 10, "reason": "x"}, None),
    "after_the_close": ("t1", {"post": "A", "officer": "t1", "no": 6, "reason": "x"}, "close"),
}


@pytest.mark.parametrize("name", sorted(WITHDRAWALS))
def test_a_forged_withdrawal_is_refused_on_append_and_set_aside(hall, jz, name):
    actor, body, setup = WITHDRAWALS[name]
    count_both(hall)
    if setup == "close":
        hall.close("A")
    before = (view(hall.state, "A"), tally_json(jz, hall.tv.path, user="t2"))
    head = hall.tv.vault.head()
    with pytest.raises(JzError):  # the judged append refuses it
        hall.s(actor).append("ballot.withdraw", body)
    assert hall.tv.vault.head() == head
    seq = forge(hall, actor, "ballot.withdraw", body)
    state = hall.state
    assert [r.seq for r in state.rejected] == [seq]
    assert view(state, "A") == before[0]
    caught(jz, hall.tv.path, {seq})
    assert tally_json(jz, hall.tv.path, user="t2") == before[1]


# ====================================================================== 4. the opening's figures


def test_more_returned_than_issued_is_refused_at_the_opening(hall, jz):
    head = hall.tv.vault.head()
    error = refused("box_returned_over_issued", ballots.open_box, hall.s("t1"), "A", True, "", 10, 12)
    assert error.params == {"post": "A", "issued": 10, "returned": 12}
    result = run(jz, "box", "open", hall.tv.path, "--post", "A", "--seal-intact", "--issued", "10", "--returned",
                 "12", user="t1", expect=REFUSED)
    assert "12 returned is more than 10 issued" in result.stderr
    assert hall.tv.vault.head() == head and hall.state.tally.posts["A"].opened is None
    seq = forge(hall, "t1", "box.open", {"post": "A", "seal_intact": True, "note": "", "issued": 10, "returned": 12})
    assert hall.state.tally.posts["A"].opened is None
    caught(jz, hall.tv.path, {seq})
    ballots.open_box(hall.s("t1"), "A", True, "", 10, 10)  # the session goes on


def test_the_opening_figures_are_corrected_until_the_first_ballot(hall, jz):
    refused("tally_not_open", ballots.recount_box, hall.s("t1"), "A", 9, 9, "typo")
    ballots.open_box(hall.s("t1"), "A", True, "", 10, 10)  # nine came back: a typo
    refused("reason_needed", ballots.recount_box, hall.s("t2"), "A", 10, 9, " ")
    refused("box_recount_same", ballots.recount_box, hall.s("t2"), "A", 10, 10, "typo")
    refused("box_returned_over_issued", ballots.recount_box, hall.s("t2"), "A", 9, 10, "typo")
    refused("event_not_box_officer", ballots.recount_box, hall.s("t3"), "A", 10, 9, "typo")
    result = run(jz, "box", "recount", hall.tv.path, "--post", "A", "--issued", "10", "--returned", "9",
                 "--reason", "typed 10 for 9", user="t2", expect=0)
    assert "10 issued, 9 returned" in result.stdout
    tally = hall.state.tally.posts["A"]
    assert (tally.opened["issued"], tally.opened["returned"], tally.opened["by"]) == (10, 9, "t1")
    assert [(r["was"], r["issued"], r["returned"], r["reason"], r["by"]) for r in tally.recounts] == [
        ([10, 10], 10, 9, "typed 10 for 9", "t2")]
    kinds = [r.kind for r in hall.tv.vault.records(hall.tv.admin.data_key) if r.kind.startswith("box.")]
    assert kinds == ["box.create", "box.open", "box.recount"]  # the opening is kept

    ballots.enter_ballot(hall.s("t2"), "A", "SSSS")
    refused("box_recount_after_entries", ballots.recount_box, hall.s("t1"), "A", 9, 9, "one more")
    ballots.withdraw_ballot(hall.s("t2"), "A", 1, "wrong post")  # withdrawn, still entered once
    refused("box_recount_after_entries", ballots.recount_box, hall.s("t1"), "A", 9, 9, "one more")
    shown = tally_json(jz, hall.tv.path, user="t1")
    assert shown["reconciliation"]["issued"] == 10 and shown["reconciliation"]["returned"] == 9
    assert shown["recounts"] == [{"issued": 10, "returned": 9, "was": [10, 10], "reason": "typed 10 for 9",
                                  "by": "t2"}]
    text = run(jz, "tally", "show", hall.tv.path, "--post", "A", user="t1", expect=0).stdout
    assert "Opening corrected: issued 10→10, returned 10→9 (t2: typed 10 for 9)" in text


RECOUNTS = {
    "clerk": ("clerk", {"post": "A", "issued": 9, "returned": 9, "reason": "x"}, False),
    "officer_of_no_box": ("t3", {"post": "A", "issued": 9, "returned": 9, "reason": "x"}, False),
    "after_a_ballot": ("t1", {"post": "A", "issued": 9, "returned": 9, "reason": "x"}, True),
    "returned_over_issued": ("t1", {"post": "A", "issued": 9, "returned": 11, "reason": "x"}, False),
}


@pytest.mark.parametrize("name", sorted(RECOUNTS))
def test_a_forged_correction_of_the_opening_is_refused_on_append_and_set_aside(hall, jz, name):
    actor, body, entered = RECOUNTS[name]
    ballots.open_box(hall.s("t1"), "A", True, "", 10, 10)
    if entered:
        ballots.enter_ballot(hall.s("t1"), "A", "SSSS")
    head = hall.tv.vault.head()
    with pytest.raises(JzError):  # the judged append refuses it
        hall.s(actor).append("box.recount", body)
    assert hall.tv.vault.head() == head
    seq = forge(hall, actor, "box.recount", body)
    tally = hall.state.tally.posts["A"]
    assert (tally.opened["issued"], tally.opened["returned"], tally.recounts) == (10, 10, [])
    caught(jz, hall.tv.path, {seq})


# ====================================================================== the tally screen


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Plain).content)


async def test_the_opening_is_confirmed_on_screen_and_corrected_before_the_first_ballot(tmp_path):
    path, _ = make_ballot_vault(tmp_path / "session.jz")
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "t1")
        screen = app.screen
        assert isinstance(screen, BallotsScreen)
        await settle(pilot)
        assert not screen.check_action("recount", ())
        await pilot.press("o")
        await settle(pilot)
        await pilot.press("tab", "tab", "1", "0", "tab", "1", "2", "enter")  # 12 returned of 10: refused here
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, OpenBoxScreen)
        assert text_of(modal, "#open-problem") == \
            "Post A01: 12 returned is more than 10 issued and cannot be recorded; check the figures."
        modal.query_one("#open-returned").value = ""
        await pilot.press("1", "0", "enter")
        await settle(pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert confirm.lines[:2] == ["Seal: seal intact", "10 issued, 10 returned"]
        await pilot.press("n")  # back to the form, as typed
        await settle(pilot)
        assert isinstance(app.screen, OpenBoxScreen)
        assert [app.screen.query_one(f"#open-{f}").value for f in ("issued", "returned")] == ["10", "10"]
        app.screen.query_one("#open-returned").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert records(path, ("box.open",)) == []  # nothing before "yes"
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        await wait_until(pilot, lambda: "10 issued, 10 returned" in text_of(screen, "#tally-opening"))
        assert screen.check_action("recount", ())

        # nine came back, not ten: corrected, with the reason, confirmed
        await pilot.press("f")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, OpenBoxScreen) and modal.recount
        modal.query_one("#open-returned").value = "9"
        modal.query_one("#open-reason").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert text_of(app.screen, "#open-problem") == "Give the reason for the correction."
        await pilot.press(*"typo", "enter")
        await settle(pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert confirm.lines[:3] == ["Recorded now: 10 issued, 10 returned", "10 issued, 9 returned", "Reason: typo"]
        await pilot.press("y")
        await settle(pilot)
        await wait_until(pilot, lambda: "10 issued, 9 returned (corrected 1×: typo)" in text_of(screen, "#tally-opening"))
        (recount,) = records(path, ("box.recount",))
        assert recount.data == {"post": "A01", "issued": 10, "returned": 9, "reason": "typo"}

        await pilot.press(*"11111", "enter")
        await wait_until(pilot, lambda: len(records(path, ("ballot.enter",))) == 1)
        await settle(pilot)
        assert not screen.check_action("recount", ())  # entered: the figures are final
        await pilot.press("f")
        await settle(pilot)
        assert app.screen is screen


async def test_an_officer_withdraws_an_entry_on_screen(tmp_path):
    path, _ = make_ballot_vault(tmp_path / "session.jz", opened=2)
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "t1")
        screen = app.screen
        await settle(pilot)
        assert not screen.check_action("withdraw", ())  # nothing entered yet
        for keys in ("11111", "12301", "12301"):  # the second ballot typed twice
            await pilot.press(*keys, "enter")
        await wait_until(pilot, lambda: len(records(path, ("ballot.enter",))) == 3)
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, PromptScreen)
        assert prompt.query_one("#prompt-input").value == "3"  # the last stored, suggested
        prompt.query_one("#prompt-input").value = "2"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen) and app.screen.title_text == "Withdraw ballot 2"
        app.screen.query_one("#prompt-input").value = "entered twice"
        await pilot.press("enter")
        await settle(pilot)
        await wait_until(pilot, lambda: len(records(path, ("ballot.withdraw",))) == 1)
        await settle(pilot)
        (withdrawn,) = records(path, ("ballot.withdraw",))
        assert withdrawn.data == {"post": "A01", "officer": "t1", "no": 2, "reason": "entered twice"}
        assert text_of(screen, "#tally-note") == t("ballot_withdrawn", no=2)
        await wait_until(pilot, lambda: "Withdrawn 1: t1 no. 2 (entered twice)" in text_of(screen, "#tally-withdrawn"))
        assert "valid 2" in text_of(screen, "#tally-reconcile")
        assert "Ballot 3" in str(screen.query_one("#tally-ballot").border_title)  # its later entry moved up
        await pilot.press(*"22222", "enter")
        await wait_until(pilot, lambda: len(records(path, ("ballot.enter",))) == 4)
        assert records(path, ("ballot.enter",))[-1].data["no"] == 3
