"""Eight real processes append to one vault at the same time: nothing lost, nothing locked.

Each process is a different user of the session (every role is there) appending through
the one write path (``BEGIN IMMEDIATE``). They start together on a
signal, append for a few seconds, and report every (seq, hash) they were given.
"""

from __future__ import annotations

import json
import subprocess

from _storage_helpers import NEUTRAL_KIND, python_child, write_script
from conftest import PASSPHRASES, make_test_vault

from storage.vault import Vault
from storage.verify import verify

SECONDS = 3.0
WRITERS = list(PASSPHRASES)  # admin, clerk, scorer, sup, e1, e2, t1, t2

APPENDER = """
    import json
    import sys
    import time

    from storage.vault import Vault

    path, user, passphrase, kind, seconds = sys.argv[1:6]
    vault = Vault.open(path)
    me = vault.unlock(user, passphrase)
    print("ready", flush=True)
    assert sys.stdin.readline() == "go\\n"
    got = []
    deadline = time.monotonic() + float(seconds)
    n = 0
    while time.monotonic() < deadline:
        n += 1
        record = vault.append(me, kind, {"name": user})
        got.append([record.seq, record.hash.hex()])
    vault.close()
    print(json.dumps(got), flush=True)
"""


def test_eight_writers_lose_nothing(tmp_path, jz):
    tv = make_test_vault(tmp_path / "busy.jz")
    start_seq = tv.vault.head()[0]
    data_key = tv.admin.data_key
    tv.vault.close()
    script = write_script(tmp_path, "appender.py", APPENDER)

    children = {
        user: python_child(
            script, tv.path, user, PASSPHRASES[user], NEUTRAL_KIND, SECONDS,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for user in WRITERS
    }
    try:
        for user, child in children.items():
            assert child.stdout.readline() == "ready\n", f"{user} did not start: {child.stderr.read()}"
        for child in children.values():
            child.stdin.write("go\n")
            child.stdin.flush()
        outputs = {user: child.communicate(timeout=60) for user, child in children.items()}
    finally:
        for child in children.values():
            if child.poll() is None:
                child.kill()
                child.wait()

    acknowledged: dict[int, tuple[str, str]] = {}
    for user, (stdout, stderr) in outputs.items():
        assert "database is locked" not in stderr, f"{user}: {stderr}"
        assert "locked" not in stderr.lower() and "busy" not in stderr.lower(), f"{user}: {stderr}"
        assert children[user].returncode == 0, f"{user} exited {children[user].returncode}: {stderr}"
        assert stderr == "", f"{user}: {stderr}"
        got = json.loads(stdout)
        assert got, f"{user} appended nothing in {SECONDS} s"
        seqs = [seq for seq, _ in got]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), f"{user}'s seqs are not increasing"
        for seq, hash_hex in got:
            assert seq not in acknowledged, f"seq {seq} given to both {acknowledged[seq][0]} and {user}"
            acknowledged[seq] = (user, hash_hex)

    vault = Vault.open(tv.path)
    try:
        rows = {seq: (actor, hash_.hex()) for seq, actor, hash_ in vault.conn.execute(
            "SELECT seq, actor, hash FROM ledger WHERE seq > ?", (start_seq,))}
        assert len(rows) == len(acknowledged), "rows appended != events acknowledged"
        assert rows == acknowledged  # every acknowledged (seq, hash) present, by the right actor
        assert sorted(rows) == list(range(start_seq + 1, start_seq + 1 + len(rows)))  # no gap
        assert len({actor for actor, _ in rows.values()}) == len(WRITERS)
        report = verify(vault, data_key)
        assert report.ok, report.problems
        assert report.events == start_seq + len(acknowledged)
    finally:
        vault.close()

    result = jz("verify", tv.path, user="admin")
    assert result.returncode == 0, result.stdout + result.stderr
