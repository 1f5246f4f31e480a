"""The basic life of a vault through the Python API: create, add users, append, read back."""

from storage.errors import AuthError
from storage.projection import SessionState
from storage.verify import verify


def test_append_and_fold(test_vault):
    from jz_tui.services.session import Session
    from storage.errors import JzError

    scorer = Session(test_vault.vault, test_vault.identity("scorer"))
    head = test_vault.vault.head()
    with __import__("pytest").raises(JzError) as refused:  # judged inside the write: nothing written
        scorer.append("user.add", {"name": "x"})
    assert refused.value.key == "not_authorised" and test_vault.vault.head() == head
    record = test_vault.vault.append(test_vault.admin, "config.set", {"changes": {"ranking.targets_per_post": 3}})
    state = SessionState()
    state.fold(test_vault.vault.records(test_vault.admin.data_key))
    assert state.seq == record.seq
    assert state.session_name == "测试会话"
    assert state.users["e1"].role == "examiner"
    assert state.roster.settings == {"ranking.targets_per_post": 3}
    assert verify(test_vault.vault, test_vault.admin.data_key).ok


def test_malformed_body_does_not_stop_the_fold(test_vault):
    bad = test_vault.vault.append(test_vault.admin, "config.set", {"not": "the shape"})
    good = test_vault.vault.append(test_vault.admin, "config.set", {"changes": {"ranking.decimals": 2}})
    state = SessionState()
    state.fold(test_vault.vault.records(test_vault.admin.data_key))
    assert [r.seq for r in state.rejected] == [bad.seq]
    assert state.seq == good.seq and state.roster.settings == {"ranking.decimals": 2}
    report = verify(test_vault.vault, test_vault.admin.data_key)
    assert [p.seq for p in report.problems] == [bad.seq]


def test_wrong_passphrase_and_unknown_user(test_vault):
    import pytest

    with pytest.raises(AuthError) as wrong:
        test_vault.vault.unlock("e1", "not-it")
    assert wrong.value.key == "passphrase_wrong"
    with pytest.raises(AuthError) as unknown:
        test_vault.vault.unlock("nobody", "x")
    assert unknown.value.key == "user_unknown"


def test_verify_tells_how_far_each_pass_has_come(test_vault, monkeypatch):
    import storage.verify

    monkeypatch.setattr(storage.verify, "PROGRESS_EVERY", 4)
    for n in range(9):
        test_vault.vault.append(test_vault.admin, "config.set", {"changes": {"ranking.targets_per_post": n + 1}})
    total = test_vault.vault.head()[0]
    calls = []
    assert verify(test_vault.vault, test_vault.admin.data_key, progress=lambda *call: calls.append(call)).ok
    for stage in ("chain", "contents"):
        done = [d for s, d, t in calls if s == stage]
        assert {t for s, d, t in calls if s == stage} == {total}
        assert done == sorted(done) and done[0] == 0 and done[-1] == total and len(done) >= 3
    calls.clear()
    verify(test_vault.vault, None, progress=lambda *call: calls.append(call))  # no key: no contents pass
    assert {s for s, _, _ in calls} == {"chain"}


def test_a_progress_line_is_rewritten_in_place_and_ended_when_done():
    import io

    from jz_tui.progress import progress_line

    out = io.StringIO()
    show = progress_line(out, str.upper)
    show("chain", 0, 120)
    show("chain", 60, 120)
    show("chain", 120, 120)
    assert out.getvalue() == "\r  CHAIN   0/120\r  CHAIN  60/120\r  CHAIN 120/120\n"
