"""The installed ``jz`` command on vaults: init, users, passphrases, log, and exit codes.

``jz init`` goes through the production KDF (a few calls only); the other tests build a
weak-KDF vault with ``make_test_vault`` and drive the CLI on it.
"""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from _storage_helpers import IDENTITY_COLUMNS, WRAPPING_COLUMNS, raw, slot_rows
from conftest import PASSPHRASES, make_test_vault

FINGERPRINT = re.compile(r"\b[0-9a-f]{4}(?: [0-9a-f]{4}){7}\b")
REFUSED, MISUSE = 1, 2


def one_line_refusal(result, code: int = REFUSED) -> str:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert not result.stderr.startswith("Internal error"), result.stderr
    return lines[0]


@pytest.fixture
def vault_path(tmp_path):
    tv = make_test_vault(tmp_path / "hall.jz")
    tv.vault.close()
    return tv.path


# ---------------------------------------------------------------------- init (production KDF)


def test_init_fingerprint_users_and_refusals(jz, tmp_path):
    path = tmp_path / "new.jz"
    boss = {"JZ_PASSPHRASE": "boss passphrase 老板"}
    result = jz("init", path, "--session", "2026 年中层竞争上岗", "--admin", "boss", env=boss)
    assert result.returncode == 0, result.stderr
    printed = FINGERPRINT.findall(result.stdout)
    assert len(printed) == 1, result.stdout
    fingerprint = printed[0]

    listed = jz("user", "list", path, "--json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == [
        {"name": "boss", "role": "admin", "fingerprint": fingerprint, "added_seq": 1}
    ]
    checked = jz("verify", path, "--json", "--user", "boss", env=boss)
    assert checked.returncode == 0, checked.stderr
    report = json.loads(checked.stdout)
    assert report["admin_fingerprint"] == fingerprint
    assert report["warnings"] == []  # a vault made by jz init has production-strength slots

    # init over an existing file is refused and leaves it alone
    before = path.read_bytes()
    again = jz("init", path, "--session", "other", "--admin", "boss", env=boss)
    assert "already exists" in one_line_refusal(again)
    assert path.read_bytes() == before

    # a user added through the CLI, with their passphrase from JZ_NEW_PASSPHRASE
    added = jz("user", "add", path, "alice", "--role", "examiner", "--user", "boss", "--json",
               env={**boss, "JZ_NEW_PASSPHRASE": "alice 的口令 2026"})
    assert added.returncode == 0, added.stderr
    alice = json.loads(added.stdout)
    assert alice["name"] == "alice" and alice["role"] == "examiner" and alice["seq"] == 2
    listed = json.loads(jz("user", "list", path, "--json").stdout)
    assert [(u["name"], u["role"], u["fingerprint"]) for u in listed] == [
        ("boss", "admin", fingerprint), ("alice", "examiner", alice["fingerprint"])
    ]
    assert alice["fingerprint"] != fingerprint
    # alice can log in, but an examiner may not read the log
    log = jz("log", path, "--user", "alice", env={"JZ_PASSPHRASE": "alice 的口令 2026"})
    assert "not allowed" in one_line_refusal(log)
    assert log.stdout == ""


def test_init_refuses_an_empty_passphrase(jz, tmp_path):
    path = tmp_path / "x.jz"
    result = jz("init", path, "--session", "s", "--admin", "boss", env={"JZ_PASSPHRASE": ""})
    one_line_refusal(result)
    assert not path.exists()


# ---------------------------------------------------------------------- users


def test_user_add_and_list(jz, vault_path):
    result = jz("user", "add", vault_path, "newclerk", "--role", "clerk", user="admin",
                env={"JZ_NEW_PASSPHRASE": "新口令 new 2026"})
    assert result.returncode == 0, result.stderr
    fingerprint = FINGERPRINT.findall(result.stdout)
    assert len(fingerprint) == 1
    listed = {u["name"]: u for u in json.loads(jz("user", "list", vault_path, "--json").stdout)}
    assert set(listed) == {*PASSPHRASES, "newclerk"}
    assert listed["newclerk"]["role"] == "clerk"
    assert listed["newclerk"]["fingerprint"] == fingerprint[0]
    assert listed["newclerk"]["added_seq"] == max(u["added_seq"] for u in listed.values())
    # the new user's passphrase works; verify without --json says what it checked
    check = jz("verify", vault_path, "--user", "newclerk", env={"JZ_PASSPHRASE": "新口令 new 2026"})
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Verified: 9 events" in check.stdout


def test_user_list_text(jz, vault_path):
    result = jz("user", "list", vault_path)
    assert result.returncode == 0
    header, *lines = result.stdout.strip().splitlines()
    assert header.split() == ["User", "Role", "Key", "fingerprint"]
    assert [line.split()[0] for line in lines] == list(PASSPHRASES)
    assert all(FINGERPRINT.search(line) for line in lines)
    assert "add --user" in jz("verify", vault_path).stdout  # it says the contents were not checked


@pytest.mark.parametrize(
    ("args", "user", "env", "expected"),
    [
        (["dup", "--role", "clerk"], "clerk", {"JZ_NEW_PASSPHRASE": "x"}, "not allowed"),
        (["e1", "--role", "clerk"], "admin", {"JZ_NEW_PASSPHRASE": "x"}, "already exists"),
        (["emptypass", "--role", "clerk"], "admin", {"JZ_NEW_PASSPHRASE": ""}, "must not be empty"),
    ],
    ids=["not-admin", "exists", "empty-new-passphrase"],
)
def test_user_add_refusals(jz, vault_path, args, user, env, expected):
    before = slot_rows(vault_path)
    result = jz("user", "add", vault_path, *args, user=user, env=env)
    assert expected in one_line_refusal(result)
    assert slot_rows(vault_path) == before


def test_user_passwd(jz, vault_path):
    before = slot_rows(vault_path)
    result = jz("user", "passwd", vault_path, user="e1", env={"JZ_NEW_PASSPHRASE": "e1 的新口令 2026"})
    assert result.returncode == 0, result.stderr
    after = slot_rows(vault_path)
    for name in PASSPHRASES:
        if name != "e1":
            assert after[name] == before[name], f"{name}'s slot changed"
    for column in IDENTITY_COLUMNS:  # same keys, same grant
        assert after["e1"][column] == before["e1"][column], column
    for column in WRAPPING_COLUMNS:  # new salt and wrapping
        assert after["e1"][column] != before["e1"][column], column
    old = jz("verify", vault_path, user="e1")  # the fixture sends the old passphrase
    assert "is wrong" in one_line_refusal(old)
    new = jz("verify", vault_path, "--user", "e1", env={"JZ_PASSPHRASE": "e1 的新口令 2026"})
    assert new.returncode == 0, new.stdout + new.stderr
    log = json.loads(jz("log", vault_path, "--json", user="admin").stdout)
    assert (log[-1]["kind"], log[-1]["actor"]) == ("user.passwd", "e1")


def test_passphrase_file(jz, vault_path, tmp_path):
    secret = tmp_path / "pw.txt"
    secret.write_text(PASSPHRASES["sup"] + "\n", encoding="utf-8")
    result = jz("log", vault_path, "--user", "sup", "--passphrase-file", secret, env={"JZ_PASSPHRASE": "wrong"})
    assert result.returncode == 0, result.stderr
    missing = jz("log", vault_path, "--user", "sup", "--passphrase-file", tmp_path / "none.txt")
    one_line_refusal(missing)


# ---------------------------------------------------------------------- log


def test_log_for_admin_and_supervisor(jz, vault_path):
    assert jz("log", vault_path, "--after", "7", user="sup").stdout.splitlines()[1].split()[0] == "8"
    user = "admin"
    result = jz("log", vault_path, user=user)
    assert result.returncode == 0, result.stderr
    header, *lines = result.stdout.strip().splitlines()
    assert header.split()[:2] == ["No.", "Time"]
    assert len(lines) == 8  # vault.init, seven user.add: by their names
    assert "session created" in lines[0] and all("user added" in line for line in lines[1:])
    records = json.loads(jz("log", vault_path, "--json", user=user).stdout)
    assert [r["seq"] for r in records] == list(range(1, 9))
    assert records[0]["data"]["session"] == "测试会话"
    assert [(r["data"]["name"], r["data"]["role"]) for r in records[1:]] == [
        ("clerk", "clerk"), ("scorer", "scorer"), ("sup", "supervisor"),
        ("e1", "examiner"), ("e2", "examiner"), ("t1", "tally"), ("t2", "tally"),
    ]
    after = json.loads(jz("log", vault_path, "--json", "--after", "6", user=user).stdout)
    assert [r["seq"] for r in after] == [7, 8]


@pytest.mark.parametrize("user", ["e1"])
def test_log_refused_for_other_roles(jz, vault_path, user):
    result = jz("log", vault_path, user=user)
    assert "not allowed" in one_line_refusal(result)
    assert result.stdout == ""


# ---------------------------------------------------------------------- exit codes


def _not_a_vault(tmp_path, what):
    path = tmp_path / f"{what}.jz"
    if what == "text":
        path.write_text("姓名,身份证号\n王建国,110101199003071234\n", encoding="utf-8")
    elif what == "empty":
        path.write_bytes(b"")
    elif what == "sqlite":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE t (x)")
        conn.execute("INSERT INTO t VALUES (1)")
        conn.commit()
        conn.close()
    elif what == "directory":
        path.mkdir()
    return path


@pytest.mark.parametrize(
    ("what", "command"),
    [
        ("text", ["verify"]),
        ("empty", ["log"]),
        ("empty", ["verify"]),
        ("sqlite", ["user", "list"]),
        ("directory", ["verify"]),
    ],
)
def test_not_a_vault(jz, tmp_path, what, command):
    path = _not_a_vault(tmp_path, what)
    before = path.read_bytes() if path.is_file() else None
    result = jz(*command, path, user="admin")
    assert "not a jz vault" in one_line_refusal(result)
    if before is not None and what != "sqlite":
        assert path.read_bytes() == before, "a refused open must not modify the file"
    if what == "text":
        assert "王建国" not in result.stderr


@pytest.mark.parametrize("command", [["log"], ["user", "list"]])
def test_missing_vault(jz, tmp_path, command):
    path = tmp_path / "nowhere.jz"
    result = jz(*command, path, user="admin")
    assert "No vault file" in one_line_refusal(result)
    assert not path.exists()


def test_newer_format_version(jz, vault_path):
    with raw(vault_path) as conn:
        conn.execute("UPDATE header SET value = '99' WHERE key = 'format_version'")
    line = one_line_refusal(jz("log", vault_path, user="admin"))
    assert "newer jz" in line and "99" in line


def test_wrong_passphrase(jz, vault_path):
    result = jz("log", vault_path, "--user", "admin", env={"JZ_PASSPHRASE": "guess-王建国-84.63"})
    line = one_line_refusal(result)
    assert "is wrong" in line
    assert "guess" not in result.stderr and "guess" not in result.stdout
    assert result.stdout == ""


def test_wrong_passphrase_in_chinese(jz, vault_path):
    result = jz("log", vault_path, "--user", "admin", env={"JZ_PASSPHRASE": "nope", "JZ_LANG": "zh"})
    assert "口令不正确" in one_line_refusal(result)


def test_unknown_user(jz, vault_path):
    result = jz("log", vault_path, "--user", "mallory", env={"JZ_PASSPHRASE": "x"})
    assert "no user named" in one_line_refusal(result)


def test_no_passphrase_at_all(jz, vault_path):
    result = jz("log", vault_path, "--user", "admin")  # stdin is not a terminal: no prompt possible
    assert "passphrase is needed" in one_line_refusal(result)


@pytest.mark.parametrize(
    "args",
    [
        ["log", "{v}"],
        ["user", "passwd", "{v}"],
        ["verify", "{v}", "--write-checkpoint", "{v}.cp"],
    ],
    ids=["log", "passwd", "write-checkpoint"],
)
def test_missing_user_is_misuse(jz, vault_path, args):
    argv = [a.replace("{v}", str(vault_path)) for a in args]
    result = jz(*argv, env={"JZ_PASSPHRASE": PASSPHRASES["admin"], "JZ_NEW_PASSPHRASE": "x"})
    assert "--user" in one_line_refusal(result, MISUSE)



# ---------------------------------------------------------------------- verify and the key slots


def test_slots_changed_by_passwd_and_rekey_remove_still_verify(jz, vault_path):
    """Rewrapped and wiped slots keep their grants: only tampering makes verify fail."""
    assert jz("user", "passwd", vault_path, user="e1", env={"JZ_NEW_PASSPHRASE": "e1 的新口令 2026"}).returncode == 0
    removed = jz("rekey", vault_path, "--remove", "e2", user="admin")
    assert removed.returncode == 0, removed.stderr
    assert slot_rows(vault_path)["e2"]["wrapped_data_key"] == b""
    for who in (None, "admin"):
        result = jz("verify", vault_path, "--json", user=who)
        assert result.returncode == 0, result.stdout + result.stderr
        assert json.loads(result.stdout)["problems"] == []


def test_deleted_slot_fails_verify_naming_the_user_in_chinese(jz, vault_path):
    with raw(vault_path) as conn:
        conn.execute("DELETE FROM users WHERE name = 't2'")
    result = jz("verify", vault_path, user="admin", env={"JZ_LANG": "zh"})
    assert result.returncode == 3, result.stdout + result.stderr
    assert "用户“t2”已获授权，但其密钥槽不存在（被删除）。" in result.stdout
    assert "校验失败" in result.stdout


def test_slot_keys_swapped_between_users_fails_verify_without_a_passphrase(jz, vault_path):
    rows = slot_rows(vault_path)
    with raw(vault_path) as conn:
        for name, other in (("t1", "t2"), ("t2", "t1")):
            conn.execute("UPDATE users SET public_key = ?, box_public_key = ? WHERE name = ?",
                         (rows[other]["public_key"], rows[other]["box_public_key"], name))
    result = jz("verify", vault_path)
    assert result.returncode == 3, result.stdout + result.stderr
    for name in ("t1", "t2"):
        assert f"The key slot of user “{name}” does not match the admin's signed grant" in result.stdout
