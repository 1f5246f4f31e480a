"""Rotating the data key: new events sealed under a key only the remaining users get."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from jz_tui.services.session import Session
from storage import crypto, ledger
from storage.errors import AuthError
from storage.projection import SessionState
from storage.vault import Vault
from storage.verify import verify
from tests.conftest import PASSPHRASES, WEAK_KDF


def test_after_a_rekey_only_the_remaining_users_read_new_events(test_vault):
    vault, admin = test_vault.vault, test_vault.admin
    old_key = admin.data_key
    e2_before = test_vault.identity("e2")
    epoch = vault.rekey(admin, remove=["e2"])
    assert epoch == 1 and admin.data_key != old_key
    after = vault.append(admin, "config.set", {"changes": {"ranking.decimals": 2}})

    newest = list(vault.events(after_seq=after.seq - 1))[0]
    with pytest.raises(crypto.CryptoError):
        ledger.open_body(old_key, vault.vault_id, newest)  # the old key (e2 had it) no longer reads

    with pytest.raises(AuthError) as removed:
        vault.unlock("e2", PASSPHRASES["e2"])
    assert removed.value.key == "user_removed"
    with pytest.raises(AuthError):
        vault.append(e2_before, "sheet.submit", {"candidate": "X", "items": ["80"]})  # a key held in memory

    e1 = vault.unlock("e1", PASSPHRASES["e1"])  # was not there at the rekey: gets the key at login
    state = SessionState()
    state.fold(vault.records(e1.keyring))
    assert state.seq == after.seq and state.roster.settings == {"ranking.decimals": 2}
    assert state.removed == {"e2"}
    assert verify(vault, admin.keyring).ok
    assert verify(vault).ok  # chain and signatures need no key at all


def test_slots_move_to_the_new_epoch_at_login_and_new_users_read_the_past(test_vault):
    vault, admin = test_vault.vault, test_vault.admin
    before = vault.append(admin, "config.set", {"changes": {"ranking.targets_per_post": 4}})
    vault.rekey(admin)
    vault.rekey(admin)
    epoch_of = lambda name: vault.conn.execute("SELECT key_epoch FROM users WHERE name = ?", (name,)).fetchone()[0]  # noqa: E731
    assert epoch_of("scorer") == 0
    scorer = vault.unlock("scorer", PASSPHRASES["scorer"])
    assert epoch_of("scorer") == 2 and scorer.keyring.latest_epoch == 2
    again = vault.unlock("scorer", PASSPHRASES["scorer"])  # the rewrapped slot unlocks, and reads all
    assert sorted(again.keyring.keys) == [0, 1, 2]

    vault.add_user(admin, "late", "examiner", "late-pass", kdf=WEAK_KDF)
    late = vault.unlock("late", "late-pass")
    assert epoch_of("late") == 2
    records = {r.seq: r for r in vault.records(late.keyring)}
    assert records[before.seq].data == {"changes": {"ranking.targets_per_post": 4}}
    session = Session(vault, late)
    assert session.state.roster.settings["ranking.targets_per_post"] == 4
    assert verify(vault, late.keyring).ok


def test_a_live_session_follows_a_rekey_made_elsewhere(test_vault):
    other = Vault.open(test_vault.path)
    watcher = Session(other, other.unlock("sup", PASSPHRASES["sup"]))
    test_vault.vault.rekey(test_vault.admin)
    test_vault.vault.append(test_vault.admin, "config.set", {"changes": {"ranking.decimals": 3}})
    watcher.refresh()
    assert watcher.state.roster.settings == {"ranking.decimals": 3}
    record = watcher.append("publication.freeze", {"frozen": True})  # sealed under the new epoch's key
    assert watcher.identity.keyring.epoch_of(record.seq) == 1
    other.close()


REKEY_LOOP = """
import sys
from storage.vault import Vault
vault = Vault.open(sys.argv[1])
admin = vault.unlock("admin", sys.argv[2])
while True:
    epoch = vault.rekey(admin)
    print(epoch, flush=True)
"""


def test_a_rekey_killed_at_any_moment_leaves_a_whole_vault(test_vault):
    path = test_vault.path
    test_vault.vault.close()
    rng = random.Random(5)
    acknowledged = 0
    for _ in range(20):
        child = subprocess.Popen([sys.executable, "-c", REKEY_LOOP, str(path), PASSPHRASES["admin"]],
                                 stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
        assert child.stdout is not None
        first = child.stdout.readline()  # at least one rekey done
        time.sleep(rng.uniform(0, 0.05))
        os.kill(child.pid, signal.SIGKILL)
        lines = [first, *child.stdout.read().split()]
        child.wait()
        acknowledged = max([acknowledged, *map(int, lines)] if lines else [acknowledged])
        vault = Vault.open(path)
        for name in ("admin", "sup", "t1"):
            identity = vault.unlock(name, PASSPHRASES[name])
            assert identity.keyring.latest_epoch >= acknowledged
        report = verify(vault, vault.unlock("admin", PASSPHRASES["admin"]).keyring)
        assert report.ok, report.problems
        vault.close()


def test_jz_rekey_removes_a_user(test_vault, jz):
    test_vault.vault.close()
    done = jz("rekey", test_vault.path, "--remove", "e1", "--json", user="admin")
    assert done.returncode == 0, done.stderr
    assert '"epoch": 1' in done.stdout
    refused = jz("sheet", "show", test_vault.path, "--candidate", "X", user="e1")
    assert refused.returncode == 1 and "removed" in refused.stderr
    assert jz("verify", test_vault.path, user="admin").returncode == 0
    assert jz("rekey", test_vault.path, user="scorer").returncode == 1
