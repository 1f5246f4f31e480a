"""Every file jz writes is owner-only whatever the umask (issue 20, item 4).

The vault, its -wal and -shm, backups, checkpoints, exports, printed forms, hall exports,
tickets and slips: 0600, and the directories jz makes for them 0700. Each is made through
the installed ``jz`` under umask 000 and 022. A directory that already exists keeps its mode
(it is the user's), and a vault shared on purpose (README: a group and 0660) keeps its mode
and gives its -wal and -shm the same.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from conftest import WEAK_KDF

from jz_tui.bench import demo

ADMIN = {"JZ_PASSPHRASE": "admin-demo"}


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(params=[0o000, 0o022], ids=["umask-000", "umask-022"])
def umask(request):
    """The umask the installed jz runs under (inherited from this process)."""
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


@pytest.fixture(scope="module")
def demo_vault(tmp_path_factory):
    path = tmp_path_factory.mktemp("modes") / "demo.jz"
    demo.build_demo(path, say=lambda line: None, kdf=WEAK_KDF)
    return path


def test_vault_wal_shm_backup_and_checkpoint(jz, tmp_path, umask):
    boss = {"JZ_PASSPHRASE": "boss passphrase"}
    path = tmp_path / "new.jz"
    made = jz("init", path, "--session", "s", "--admin", "boss", env=boss)
    assert made.returncode == 0, made.stderr
    assert mode(path) == 0o600
    reader = sqlite3.connect(path)  # held open: the -wal and -shm outlive the writer below
    try:
        reader.execute("SELECT count(*) FROM ledger").fetchone()
        added = jz("user", "add", path, "alice", "--role", "clerk", "--user", "boss",
                   env={**boss, "JZ_NEW_PASSPHRASE": "alice pass"})
        assert added.returncode == 0, added.stderr
        for end in ("-wal", "-shm"):
            assert mode(Path(f"{path}{end}")) == 0o600, end
    finally:
        reader.close()

    backup = tmp_path / "copy.jz"
    assert jz("backup", path, backup, "--user", "boss", env=boss).returncode == 0
    assert mode(backup) == 0o600

    checkpoint = tmp_path / "head.json"
    wrote = jz("verify", path, "--user", "boss", "--write-checkpoint", checkpoint, env=boss)
    assert wrote.returncode == 0, wrote.stderr
    assert mode(checkpoint) == 0o600


def test_exports_forms_tickets_and_slips(jz, tmp_path, umask, demo_vault):
    for fmt in ("xlsx", "csv", "html", "json"):
        out = tmp_path / f"notice.{fmt}"
        ran = jz("export", demo_vault, "--format", fmt, "--out", out, "--user", "admin", env=ADMIN)
        assert ran.returncode == 0, ran.stderr
        assert mode(out) == 0o600, fmt
    old = tmp_path / "old.json"  # an export written over a file the user left world-readable
    old.write_text("{}")
    os.chmod(old, 0o644)
    assert jz("export", demo_vault, "--format", "json", "--out", old, "--user", "admin", env=ADMIN).returncode == 0
    assert mode(old) == 0o600

    form = tmp_path / "notice.pdf"
    printed = jz("print", demo_vault, "--form", "notice", "--out", form, "--user", "admin", env=ADMIN)
    assert printed.returncode == 0, printed.stderr
    assert mode(form) == 0o600

    hall = tmp_path / "hall.json"
    exported = jz("hall", "export", demo_vault, "--posts", "A01", "--out", hall, "--user", "admin", env=ADMIN)
    assert exported.returncode == 0, exported.stderr
    assert mode(hall) == 0o600

    tickets = tmp_path / "new" / "tickets"  # two directories jz makes
    issued = jz("tickets", demo_vault, "--out", tickets, "--hall", "一", "--time", "08:30", "--user", "admin",
                env=ADMIN)
    assert issued.returncode == 0, issued.stderr
    assert mode(tickets) == mode(tickets.parent) == 0o700
    assert {mode(f) for f in tickets.iterdir()} == {0o600} and len(list(tickets.iterdir())) > 1

    slips = tmp_path / "slips"
    made = jz("tokens", demo_vault, "--box", "BOX2", "--count", "2", "--out", slips, "--user", "admin", env=ADMIN)
    assert made.returncode == 0, made.stderr
    assert mode(slips) == 0o700
    assert {mode(f) for f in slips.iterdir()} == {0o600} and len(list(slips.iterdir())) == 3

    assert mode(tmp_path) == 0o700 or mode(tmp_path) == stat.S_IMODE(tmp_path.stat().st_mode)  # left alone


def test_a_directory_that_exists_keeps_its_mode(jz, tmp_path, umask, demo_vault):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o755)
    issued = jz("tickets", demo_vault, "--out", shared, "--hall", "一", "--time", "08:30", "--user", "admin",
                env=ADMIN)
    assert issued.returncode == 0, issued.stderr
    assert mode(shared) == 0o755
    assert {mode(f) for f in shared.iterdir()} == {0o600}


def test_a_vault_shared_on_purpose_keeps_its_mode(jz, tmp_path, umask, demo_vault):
    """README: to share a vault between OS accounts, chmod 0660 the file; its -wal and -shm follow."""
    path = tmp_path / "shared.jz"
    assert jz("backup", demo_vault, path, "--user", "admin", env=ADMIN).returncode == 0
    os.chmod(path, 0o660)
    reader = sqlite3.connect(path)
    try:
        reader.execute("SELECT count(*) FROM ledger").fetchone()
        ran = jz("verify", path, "--user", "admin", env=ADMIN)  # a login writes (the verified mark)
        assert ran.returncode in (0, 3), ran.stderr
        assert mode(path) == 0o660
        for end in ("-wal", "-shm"):
            assert mode(Path(f"{path}{end}")) == 0o660, end
    finally:
        reader.close()
