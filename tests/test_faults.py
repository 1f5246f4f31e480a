"""Faults (DESIGN.md §3 one write path, §4 "an interrupted process (kill -9) loses no
committed event"): kill -9 in the middle of every kind of hall write, a full disk, and an
online backup taken while another process appends.
"""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import _fault_helpers as fault_helpers
import pytest
from _fault_helpers import KINDS, Launcher, Writer, prepare
from _session_helpers import Hall, file_bytes
from conftest import PASSPHRASES, make_test_vault

from jz_tui.services import checkin, config
from jz_tui.services.session import Session
from storage.vault import Vault
from storage.verify import verify

TRIALS = 20  # kills per kind of write
MAX_ACKS = 20  # a trial kills its writer after 0..MAX_ACKS acknowledged events, at a random moment of the next


# ---------------------------------------------------------------------- kill -9


def read_acks(out_path: Path) -> tuple[bool, bool, dict[int, tuple[str, str]]]:
    """(ready, done, {seq: (hash, kind)}) from a writer's output; a line cut by the kill does not count."""
    ready = done = False
    acked: dict[int, tuple[str, str]] = {}
    for line in out_path.read_text(encoding="ascii").splitlines(keepends=True):
        if not line.endswith("\n"):
            continue
        if line == "ready\n":
            ready = True
        elif line == "done\n":
            done = True
        else:
            seq, hash_hex, kind = line.split()
            acked[int(seq)] = (hash_hex, kind)
    return ready, done, acked


def kill_at_random(launcher: Launcher, pid: int, out_path: Path, rng: random.Random, during_startup: bool) -> str:
    """SIGKILL the writer: during its start-up, or a random moment after a random number of acks."""
    deadline = time.monotonic() + 30
    try:
        if during_startup:
            time.sleep(rng.uniform(0.0, 0.03))
        else:
            wanted = rng.randint(0, MAX_ACKS)
            while True:
                ready, done, acked = read_acks(out_path)
                if (ready and len(acked) >= wanted) or done:
                    break
                assert time.monotonic() < deadline, f"the writer stalled: {launcher.stderr()}"
                time.sleep(0.0005)
            time.sleep(rng.uniform(0.0, 0.006))  # lands anywhere in the write under way (most of it is the commit)
    finally:
        os.kill(pid, signal.SIGKILL)  # even when the test fails: no writer outlives it
    return launcher.reap(pid)


@pytest.mark.parametrize("kind", KINDS)
def test_kill_9_at_random_points_loses_no_acknowledged_event(tmp_path, jz, kind):
    tv = make_test_vault(tmp_path / f"{kind}.jz")
    prepare(kind, tv, tmp_path)
    keys = tv.admin.keyring
    tv.vault.close()
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    startup_trial = rng.randrange(TRIALS)
    all_acked: dict[int, tuple[str, str]] = {}
    interrupted = 0
    launcher = Launcher(tmp_path / "launcher.err")
    try:
        for trial in range(TRIALS):
            where = f"{kind}, seed {seed}, trial {trial}"
            out_path = tmp_path / f"out{trial}.txt"
            pid = launcher.start(out_path, tv.path, kind, PASSPHRASES)
            ended = kill_at_random(launcher, pid, out_path, rng, during_startup=trial == startup_trial)
            assert ended == f"signal {signal.SIGKILL}", f"{where}: the writer {ended}\n{launcher.stderr()}"

            ready, done, acked = read_acks(out_path)
            assert not done, f"{where}: the writer ran out of work; make the hall bigger"
            interrupted += bool(acked)
            assert not set(acked) & set(all_acked), f"{where}: a seq was acknowledged twice"
            all_acked.update(acked)

            vault = Vault.open(tv.path)
            try:
                stored = {seq: (h.hex(), k) for seq, h, k in vault.conn.execute("SELECT seq, hash, kind FROM ledger")}
                lost = {s: a for s, a in all_acked.items() if stored.get(s) != a}
                assert not lost, f"{where}: acknowledged events lost or changed: {lost}"
                report = verify(vault, keys)
                assert report.ok, f"{where}: {report.problems}"
                assert report.contents_checked
                head = report.head_seq
                writer = Writer(vault, kind, PASSPHRASES)  # the session's projection, folded from scratch
                assert writer.state.rejected == [], f"{where}: events set aside {writer.state.rejected}"
                assert writer.state.seq == head

                # the next write succeeds, right after whatever the killed writer left
                assert writer.step(), f"{where}: nothing left to write"
                after = writer.take()
                assert after and after[0].seq == head + 1, f"{where}: {after}"
                all_acked.update({r.seq: (r.hash.hex(), r.kind) for r in after})
            finally:
                vault.close()
    finally:
        launcher.close()

    assert interrupted >= TRIALS // 2, f"{kind}: most kills should land while the writer was writing"
    assert len(all_acked) > 2 * TRIALS
    result = jz("verify", tv.path, "--json", user="admin")
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"ok": true' in result.stdout


# ---------------------------------------------------------------------- a full disk


def _run(*argv: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        return subprocess.CompletedProcess(argv, 127, "", f"{argv[0]} is not installed")


def _why(done: subprocess.CompletedProcess) -> str:
    return (done.stderr or done.stdout).strip().splitlines()[-1] if (done.stderr or done.stdout).strip() else f"exit {done.returncode}"


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MiB filesystem the test may fill: tmpfs, else a loop-mounted ext4 image (both need root)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    reasons = []
    done = _run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point))
    if done.returncode != 0:
        reasons.append(f"mount -t tmpfs: {_why(done)}")
        image = tmp_path / "disk.img"
        image.write_bytes(b"")
        os.truncate(image, 4 * 1024 * 1024)
        made = _run("mkfs.ext4", "-q", "-F", str(image))
        done = made if made.returncode != 0 else _run("mount", "-o", "loop", str(image), str(mount_point))
        if done.returncode != 0:
            reasons.append(f"loop-mounted ext4 image: {_why(done)}")
            pytest.skip("no small filesystem to fill here (needs root): " + "; ".join(reasons))
    try:
        yield mount_point
    finally:
        if _run("umount", str(mount_point)).returncode != 0:
            _run("umount", "-l", str(mount_point))  # never leave a mount behind


def fill(path: Path) -> None:
    """Write ``path`` until the filesystem has not one byte left."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        for size in (1 << 16, 1 << 12, 1 << 9, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
    finally:
        os.close(fd)


def ledger_of(vault: Vault) -> dict[int, bytes]:
    return dict(vault.conn.execute("SELECT seq, hash FROM ledger").fetchall())


def test_full_disk_refuses_the_write_plainly_and_keeps_the_vault(tmp_path, small_disk, jz):
    tv = make_test_vault(small_disk / "hall.jz")
    try:
        hall = Hall(tv, tmp_path, [("A", 12)])  # the roster file stays off the small disk
        codes = hall.codes("A")
        clerk = hall.s("clerk")
        for code in codes[:3]:
            assert checkin.check_in(clerk, code, terminal="t").ok
        admin = hall.s("admin")
        before_full = ledger_of(tv.vault)

        fill(small_disk / "filler")
        # Appends go on while the WAL has room in pages it already holds; the first that needs a new
        # one is refused, as a whole: nothing of it in the ledger, no transaction left open.
        acknowledged = dict(before_full)
        for n in range(2000):
            head = tv.vault.head()
            try:
                config.change(admin, {"ranking.targets_per_post": 2 + n % 3})
            except sqlite3.OperationalError as exc:
                refusal = exc
                break
            seq, hash_ = tv.vault.head()
            acknowledged[seq] = hash_
        else:
            pytest.fail("the full disk never refused an append")
        assert "full" in str(refusal)
        assert tv.vault.head() == head and not tv.vault.conn.in_transaction

        # the check-in service raises too, and changes nothing
        with pytest.raises(sqlite3.OperationalError, match="full"):
            checkin.check_in(clerk, codes[3], terminal="t")
        clerk.refresh()
        assert codes[3] not in clerk.state.roster.checkins and tv.vault.head() == head

        # the CLI: one plain sentence, exit 1, no traceback, nothing appended
        for argv, user in ((("checkin", tv.path, codes[3]), "clerk"),
                           (("config", tv.path, "--set", "ranking.targets_per_post=5"), "admin")):
            result = jz(*argv, user=user)
            assert result.returncode == 1, result.stdout + result.stderr
            assert result.stderr.strip() == "The disk is full or not writable; nothing was saved and the vault is intact."
            assert "Traceback" not in result.stderr and tv.vault.head() == head
        # a backup onto the full disk is refused the same way and leaves no half-written copy
        result = jz("backup", tv.path, small_disk / "copy.jz")
        assert result.returncode == 1, result.stdout + result.stderr
        assert result.stderr.strip() == "The disk is full or not writable; nothing was saved and the vault is intact."
        assert not (small_disk / "copy.jz").exists()

        # consistent: every earlier event intact, the whole vault verifies (also by the installed jz)
        assert {s: h for s, h in ledger_of(tv.vault).items() if s in acknowledged} == acknowledged
        assert verify(tv.vault, tv.admin.keyring).ok
        result = jz("verify", tv.path, "--json", user="admin")
        assert result.returncode == 0 and '"ok": true' in result.stdout, result.stdout + result.stderr

        # space again: the same sessions, and the CLI, write on
        (small_disk / "filler").unlink()
        assert checkin.check_in(clerk, codes[3], terminal="t").ok
        config.change(admin, {"ranking.targets_per_post": 4})
        result = jz("checkin", tv.path, codes[4], user="clerk")
        assert result.returncode == 0, result.stdout + result.stderr
        assert tv.vault.head()[0] == head[0] + 3
        report = verify(tv.vault, tv.admin.keyring)
        assert report.ok, report.problems
        assert Session(tv.vault, tv.admin).state.rejected == []
    finally:
        tv.vault.close()


# ---------------------------------------------------------------------- jz backup


def test_online_backup_is_an_encrypted_verifiable_prefix_and_restores(tmp_path, jz):
    tv = make_test_vault(tmp_path / "hall.jz")
    hall = Hall(tv, tmp_path, [("A", 8), ("B", 6)])
    candidates = list(hall.state.roster.candidates.values())
    clerk = hall.s("clerk")
    for c in candidates[:4]:
        checkin.check_in(clerk, c.code, terminal="t")
    keyring = tv.admin.keyring
    tv.vault.close()

    # another process appends (rules changes) all along
    out_path = tmp_path / "writer.out"
    writer = subprocess.Popen([sys.executable, str(Path(fault_helpers.__file__)), str(tv.path), "rules",
                               json.dumps(PASSPHRASES)], stdout=out_path.open("wb"), stderr=subprocess.PIPE)
    copies = []
    try:
        for i in range(3):
            wait_for_acks(out_path, writer, 5 * (i + 1))
            copy = tmp_path / f"copy{i}.jz"
            result = jz("backup", tv.path, copy, "--json")
            assert result.returncode == 0, result.stdout + result.stderr
            copies.append((copy, json.loads(result.stdout)))
        wait_for_acks(out_path, writer, 25)  # and on after the last copy
    finally:
        writer.kill()
        writer.wait()

    vault = Vault.open(tv.path)
    original = ledger_of(vault)
    vault.close()
    secrets = [c.name for c in candidates] + [c.id_number for c in candidates]
    for copy, payload in copies:
        backup = Vault.open(copy)
        try:
            for name, passphrase in PASSPHRASES.items():  # every key slot came along
                backup.unlock(name, passphrase)
            report = verify(backup, keyring)
            assert report.ok, report.problems
            held = ledger_of(backup)
            assert sorted(held) == list(range(1, len(held) + 1))
            assert all(original[seq] == hash_ for seq, hash_ in held.items()), "not a prefix of the ledger"
            assert len(held) < len(original)  # taken while the writer was appending
            # what jz backup said it copied is what the copy holds
            assert (payload["head_seq"], payload["head"]) == (len(held), held[len(held)].hex())
        finally:
            backup.close()
        blob = file_bytes(copy) + b"".join(file_bytes(p) for p in copy.parent.glob(copy.name + "-*"))
        leaked = [s for s in secrets for enc in ("utf-8", "gb18030", "utf-16-le") if s.encode(enc) in blob]
        assert not leaked, f"plaintext in {copy.name}: {leaked}"

    # restoring is opening the copy: it takes new events, through the CLI too
    restored, _ = copies[-1]
    reopened = Vault.open(restored)
    session = Session(reopened, reopened.unlock("clerk", PASSPHRASES["clerk"]))
    try:
        waiting = [c.code for c in candidates if c.code not in session.state.roster.checkins]
        assert checkin.check_in(session, waiting[0], terminal="t").ok
    finally:
        session.close()
    result = jz("checkin", restored, waiting[1], user="clerk")
    assert result.returncode == 0, result.stdout + result.stderr
    result = jz("verify", restored, "--json", user="admin")
    assert result.returncode == 0 and '"ok": true' in result.stdout, result.stdout + result.stderr

    # a backup never overwrites: the existing file is refused and left as it was
    before = file_bytes(copies[0][0])
    result = jz("backup", tv.path, copies[0][0])
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.strip() == f"A file already exists at {copies[0][0]}; it will not be overwritten."
    assert file_bytes(copies[0][0]) == before


def wait_for_acks(out_path: Path, child: subprocess.Popen, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(read_acks(out_path)[2]) < count:
        assert child.poll() is None, f"the writer died: {child.stderr.read().decode()}"
        assert time.monotonic() < deadline, "the writer stalled"
        time.sleep(0.005)
