"""Actions needing several people: who may start, who may sign, when they take effect."""

import pytest

from jz_tui.services import checkin, pending, sheets
from jz_tui.services.session import Session
from storage.errors import AuthorityError, JzError
from tests._session_helpers import Hall
from tests.conftest import PASSPHRASES


def session_of(tv, name):
    return Session(tv.vault, tv.vault.unlock(name, PASSPHRASES[name]))


@pytest.fixture
def hall(test_vault, tmp_path):
    """A post of three with A01-01 checked in: an undo has a real check-in to undo."""
    hall = Hall(test_vault, tmp_path, [("A01", 3)])
    assert checkin.check_in(hall.s("clerk"), "A01-01").ok
    return hall


def test_undo_checkin_needs_a_supervisor(test_vault, hall):
    clerk = session_of(test_vault, "clerk")
    action = pending.create(clerk, "checkin.undo", {"code": "A01-01"}, reason="scanned the wrong ticket")
    assert not action.done and action.missing() == {"supervisor": 1}

    with pytest.raises(JzError) as own:
        pending.sign(clerk, action.id)
    assert own.value.key == "pending_own"
    scorer = session_of(test_vault, "scorer")
    with pytest.raises(JzError) as wrong_role:
        pending.sign(scorer, action.id)
    assert wrong_role.value.key == "pending_not_your_role"

    sup = session_of(test_vault, "sup")
    assert [a.id for a in pending.waiting_for(sup.state, "sup", "supervisor")] == [action.id]
    done = pending.sign(sup, action.id.lower())  # ids are typed by hand: case does not matter
    assert done.done and done.signatures == [("sup", "supervisor")]
    with pytest.raises(JzError) as again:
        pending.sign(sup, action.id)
    assert again.value.key == "pending_already_done"
    clerk.refresh()
    assert clerk.state.pending[action.id].done and "A01-01" not in clerk.state.roster.checkins


def test_an_undo_must_name_a_real_check_in(hall):
    """Started for a candidate not checked in (or not on the roster), an undo is refused: nothing written."""
    clerk = hall.s("clerk")
    head = hall.tv.vault.head()
    for code in ("A01-02", "NOBODY"):
        with pytest.raises(JzError) as refused:
            pending.create(clerk, "checkin.undo", {"code": code}, reason="r")
        assert refused.value.key in ("checkin_not_checked_in", "candidate_unknown")
    assert hall.tv.vault.head() == head


def test_correction_needs_scorer_and_supervisor(test_vault, hall):
    sheets.submit(hall.s("e1"), "A01-02", total="80")
    sheets.confirm(hall.s("scorer"), "A01-02", "e1")
    e1 = session_of(test_vault, "e1")
    action = pending.create(e1, "sheet.correct", {"candidate": "A01-02", "examiner": "e1", "items": ["81"]},
                            reason="typo")
    sup = session_of(test_vault, "sup")
    assert not pending.sign(sup, action.id).done
    assert pending.sign(session_of(test_vault, "scorer"), action.id).done
    assert hall.s("admin").state.scoring.sheets[("A01-02", "e1")].items == ["81"]


def test_only_starters_may_create(test_vault):
    with pytest.raises(AuthorityError):
        pending.create(session_of(test_vault, "e1"), "checkin.undo", {})
    with pytest.raises(JzError) as unknown:
        pending.create(session_of(test_vault, "clerk"), "no.such", {})
    assert unknown.value.key == "pending_action_unknown"


def test_jz_sign_cli(test_vault, hall, jz):
    action = pending.create(session_of(test_vault, "clerk"), "checkin.undo", {"code": "A01-01"}, reason="r")
    listed = jz("sign", test_vault.path, "--list", "--json", user="sup")
    assert listed.returncode == 0, listed.stderr
    assert '"you_can_sign": true' in listed.stdout and action.id in listed.stdout
    refused = jz("sign", test_vault.path, action.id, user="clerk")
    assert refused.returncode == 1 and "started it" in refused.stderr
    ok = jz("sign", test_vault.path, action.id, user="sup")
    assert ok.returncode == 0 and "taken effect" in ok.stdout
    assert jz("verify", test_vault.path, user="admin").returncode == 0


def test_typed_text_cannot_carry_terminal_control_sequences(test_vault, hall):
    """A reason is drawn on other people's screens: no escape sequences, no bidi overrides."""
    clerk = session_of(test_vault, "clerk")
    head = test_vault.vault.head()
    for bad in ("wrong ticket\x1b[2J", "abc\u202edcba", "x" * 5000):
        with pytest.raises(JzError) as refused:
            pending.create(clerk, "checkin.undo", {"code": "A01-01"}, reason=bad)
        assert refused.value.key in ("text_control_chars", "text_too_long")
    assert test_vault.vault.head() == head
    assert pending.create(clerk, "checkin.undo", {"code": "A01-01"}, reason="两行\n说明").id
