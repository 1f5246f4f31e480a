"""The basic life of a vault through the Python API: create, add users, append, read back."""

from storage.errors import AuthError, AuthorityError
from storage.projection import SessionState
from storage.verify import verify


def test_append_and_fold(test_vault):
    scorer = test_vault.identity("scorer")
    with __import__("pytest").raises(AuthorityError):
        test_vault.vault.append(scorer, "user.add", {"name": "x"})
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
    assert state.malformed == [bad.seq]
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
