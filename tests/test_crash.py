"""kill -9 at random moments loses no acknowledged event and leaves a vault that verifies.

A child process appends in a loop (plain events, new users with their key slot, and
passphrase changes that rewrite a slot in the same transaction), printing each seq and
hash only after the commit returned. The parent kills it with SIGKILL at a random moment,
then checks everything ever acknowledged is still there, unchanged, and that the whole
vault verifies with the data key; at the end, the installed ``jz verify`` agrees.
"""

from __future__ import annotations

import os
import random
import signal
import time

import pytest
from _storage_helpers import python_child, write_script
from conftest import PASSPHRASES, make_test_vault

from storage.vault import Vault
from storage.verify import verify

VAULTS = 3  # a fresh vault every few kills keeps each full verify short
TRIALS = 7  # kills per vault: 21 in all

WRITER = """
    import sys

    from storage.crypto import KdfParams
    from storage.vault import Vault

    path, passphrase, tag = sys.argv[1:4]
    weak = KdfParams(memory_kib=64, iterations=1, lanes=1)
    vault = Vault.open(path)
    admin = vault.unlock("admin", passphrase)
    sys.stdout.write("ready\\n")
    sys.stdout.flush()
    n = 0
    while True:
        n += 1
        if n % 7 == 0:
            seq = vault.add_user(admin, f"c{tag}x{n}", "clerk", f"pass-{n}", kdf=weak).added_seq
        elif n % 11 == 0:
            vault.change_passphrase(admin, passphrase, kdf=weak)  # same passphrase, new salt
            seq = vault.head()[0]
        else:
            seq = vault.append(admin, "user.passwd", {"name": "admin"}).seq  # storage's own kind
        hash_ = vault.conn.execute("SELECT hash FROM ledger WHERE seq = ?", (seq,)).fetchone()[0]
        sys.stdout.write(f"{seq} {hash_.hex()}\\n")
        sys.stdout.flush()
"""


def wait_for_ready(out_path, child, limit=20.0) -> None:
    deadline = time.monotonic() + limit
    while b"ready\n" not in out_path.read_bytes():
        assert child.poll() is None, f"writer died before it was ready: {child.returncode}"
        assert time.monotonic() < deadline, "writer never became ready"
        time.sleep(0.005)


def acknowledged(out_path) -> dict[int, str]:
    acked = {}
    for line in out_path.read_text(encoding="ascii").splitlines(keepends=True):
        if not line.endswith("\n") or line == "ready\n":
            continue  # a line cut by the kill was never acknowledged
        seq, hash_hex = line.split()
        acked[int(seq)] = hash_hex
    return acked


@pytest.mark.parametrize("round_", range(VAULTS))
def test_sigkill_loses_no_acknowledged_event(tmp_path, jz, round_):
    tv = make_test_vault(tmp_path / "crash.jz")
    data_key = tv.admin.data_key
    tv.vault.close()
    script = write_script(tmp_path, "writer.py", WRITER)
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    all_acked: dict[int, str] = {}
    killed_while_writing = 0

    for trial in range(TRIALS):
        out_path = tmp_path / f"out{trial}.txt"
        with out_path.open("wb") as out:
            child = python_child(script, tv.path, PASSPHRASES["admin"], str(trial), stdout=out)
        try:
            if trial == round_ % TRIALS:
                time.sleep(rng.uniform(0.0, 0.2))  # during start-up or the first appends
            else:
                wait_for_ready(out_path, child)
                time.sleep(rng.uniform(0.0, 0.25))
            assert child.poll() is None, f"writer exited by itself (seed {seed}, trial {trial})"
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
        assert child.returncode == -signal.SIGKILL

        acked = acknowledged(out_path)
        killed_while_writing += bool(acked)
        assert not set(acked) & set(all_acked), "a seq was handed out twice"
        all_acked.update(acked)

        vault = Vault.open(tv.path)
        try:
            stored = {seq: hash_.hex() for seq, hash_ in vault.conn.execute("SELECT seq, hash FROM ledger")}
            missing = {s: h for s, h in all_acked.items() if stored.get(s) != h}
            assert not missing, f"acknowledged events lost or changed (seed {seed}, trial {trial}): {missing}"
            report = verify(vault, data_key)
            assert report.ok, f"seed {seed}, trial {trial}: {report.problems}"
            assert report.contents_checked
            assert report.head_seq >= max(all_acked, default=0)
            vault.unlock("admin", PASSPHRASES["admin"])  # the slot survived any half-done rewrap
        finally:
            vault.close()

    assert killed_while_writing >= TRIALS // 2, "most kills should land while the writer was appending"
    assert len(all_acked) > TRIALS

    result = jz("verify", tv.path, "--json", user="admin")
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"ok": true' in result.stdout
