"""``jz app`` and ``jz demo`` from the command line, and the demo's builder steps."""

from __future__ import annotations

from conftest import WEAK_KDF, make_test_vault

from jz_tui.bench import demo
from jz_tui.services import pending
from jz_tui.services.session import Session
from storage.vault import Vault


def test_jz_vault_refuses_a_missing_file_before_taking_the_terminal(jz, tmp_path):
    result = jz(tmp_path / "nowhere.jz")  # ``jz VAULT`` is ``jz app VAULT``
    assert result.returncode == 1
    assert "nowhere.jz" in result.stderr and "Traceback" not in result.stderr


def test_demo_builds_every_user_and_pending_actions_for_the_supervisor(tmp_path):
    path = tmp_path / "demo.jz"
    said: list[str] = []
    demo.build_demo(path, say=said.append, kdf=WEAK_KDF)
    assert len([line for line in said if "/13]" in line]) == len(demo.DEMO_USERS) == 13

    vault = Vault.open(path)
    try:
        assert vault.session_name == demo.DEMO_SESSION
        assert {(u.name, u.role) for u in vault.users()} == {(u.name, u.role) for u in demo.DEMO_USERS}
        assert sum(u.role == "examiner" for u in vault.users()) == 7
        supervisor = next(u for u in demo.DEMO_USERS if u.role == "supervisor")
        session = Session(vault, vault.unlock(supervisor.name, supervisor.passphrase))
        waiting = pending.waiting_for(session.state, session.user, session.role)
        assert sorted(a.action for a in waiting) == ["announce", "checkin.undo"]
        # mid-session: every part of the domain has something to show
        state = session.state
        assert len(state.roster.candidates) == 14 and not state.roster.posts["D01"].open
        assert state.roster.checkins and state.roster.draws["A01"].order
        assert len(state.scoring.announced) == 5  # three of A01, both of C01
        assert state.inspection.decisions and state.tally.posts["C01"].closed is not None
        assert state.tally.posts["A01"].closed is not None and state.tally.posts["A02"].closed is None
        # three votes cast, held under the box's hold key until the unsealing mixes them in
        assert len(vault.sealed_ballots("BOX2")) == 0
        assert len([row for row in vault.held_ballot_rows() if row[0] == "BOX2"]) == 3
    finally:
        vault.close()
    assert demo.is_demo_vault(path)


def test_demo_opens_an_existing_vault_when_not_asked(jz, tmp_path):
    path = tmp_path / "demo.jz"
    demo.build_demo(path, say=lambda line: None, kdf=WEAK_KDF)
    before = path.stat().st_size
    result = jz("demo", path, "--no-open", input="")
    assert result.returncode == 0, result.stderr
    assert "existing demo session" in result.stdout and "supervisor-demo" in result.stdout
    assert path.stat().st_size == before


def test_demo_never_deletes_a_vault_that_is_not_a_demo(jz, tmp_path):
    tv = make_test_vault(tmp_path / "real.jz")
    tv.vault.close()
    result = jz("demo", tv.path, "--rebuild", "--no-open")
    assert result.returncode == 1
    assert "not a demo session" in result.stderr
    vault = Vault.open(tv.path)
    assert vault.session_name == "测试会话"
    vault.close()
