"""``jz bench``: the figures of DESIGN.md §6, each measured beside its target.

Speed is measured here and only here; tests check behaviour. Every figure is a
function that returns a :class:`Figure`; ratios are measured side by side in one run.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from storage import crypto
from storage.vault import BUSY_TIMEOUT_S, Vault, connect


@dataclass(frozen=True)
class Figure:
    """One measured figure beside its target. ``value`` is None when it could not be measured
    here (``ok`` is then False and ``note`` says why in one line); ``note`` may also say what
    was measured against (the SQLCipher version)."""

    name: str
    value: float | None
    unit: str
    target: str
    ok: bool
    note: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def measured(self) -> bool:
        return self.value is not None


BenchFn = Callable[[Path, float], list[Figure]]


BENCH_KIND = "checkin.refuse"  # a real kind the admin may emit, with a body of its real shape


def _sample_body(i: int) -> dict:
    # The size of a typical event, with no real person in it.
    return {"reason": "not_found", "input": f"A{i % 100:02d}-{i % 7:02d} 22.5 18 13 12.5 13 9", "terminal": "bench-1",
            "code": ""}


SQLCIPHER_KEY = "bench-passphrase"
SQLCIPHER_MISSING = "not measured: no SQLCipher 4 binding here (pip install -e '.[bench]' installs sqlcipher3)"
_BENCH_TABLE = ("CREATE TABLE t (seq INTEGER PRIMARY KEY, kind TEXT, actor TEXT, prev_hash BLOB, hash BLOB,"
                " signature BLOB, body BLOB)")


def open_sqlcipher(path: Path) -> tuple[Any, str]:
    """A SQLCipher 4 connection keyed with PRAGMA key, with the ledger's pragmas (WAL, FULL).

    Returns ``(connection, "SQLCipher 4.x.y ...")``, or ``(None, reason)`` when there is no
    SQLCipher 4 binding: the bench then prints the figure as not measured, never fails."""
    try:
        import sqlcipher3  # the optional `bench` extra
    except ImportError:
        return None, SQLCIPHER_MISSING
    conn = sqlcipher3.connect(os.fspath(path), timeout=BUSY_TIMEOUT_S, isolation_level=None,
                              check_same_thread=False)
    conn.execute(f"PRAGMA key = '{SQLCIPHER_KEY}'")  # must come first; the KDF runs once, at first use
    version = (conn.execute("PRAGMA cipher_version").fetchone() or ("",))[0] or ""
    if not version.startswith("4."):
        conn.close()
        found = f"SQLCipher {version}" if version else "a binding without SQLCipher"
        return None, f"not measured: {found}, the target is against SQLCipher 4 (pip install -e '.[bench]')"
    # the same pragmas as storage.vault.connect, so both sides pay for the same durability
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA secure_delete = ON")
    if mode.lower() != "wal" or conn.execute("PRAGMA synchronous").fetchone()[0] != 2:
        conn.close()
        return None, f"not measured: SQLCipher {version} refused WAL with synchronous=FULL (journal_mode {mode})"
    return conn, f"SQLCipher {version}"


def _plain_insert(conn, body_size: int) -> None:
    """The row an append writes, with no sealing and no signing: the next seq under the write lock."""
    conn.execute("BEGIN IMMEDIATE")
    last = conn.execute("SELECT seq, hash FROM t ORDER BY seq DESC LIMIT 1").fetchone()
    conn.execute(
        "INSERT INTO t VALUES (?,?,?,?,?,?,?)",
        ((last[0] + 1) if last else 1, "sheet.submit", "admin", b"\0" * 32, os.urandom(32), b"\0" * 64,
         os.urandom(body_size)),
    )
    conn.execute("COMMIT")


def bench_append(workdir: Path, scale: float) -> list[Figure]:
    """Append (judge + seal + sign + commit, FULL) against a bare SQLite and a SQLCipher 4 insert+commit
    of the same row, with the same durability (WAL, synchronous=FULL), in the same run."""
    rounds = max(20, int(200 * scale))
    vault, admin = Vault.create(workdir / "append.jz", "bench", "admin", "bench-passphrase")
    bare = connect(workdir / "bare.sqlite")
    bare.execute(_BENCH_TABLE)
    cipher, cipher_note = open_sqlcipher(workdir / "sqlcipher.db")
    if cipher is not None:
        cipher.execute(_BENCH_TABLE)
    body_size = len(crypto.canonical_json({"at": "2026-01-01T00:00:00.000+00:00", "data": _sample_body(0)})) + 28

    from jz_tui.services.session import Session

    session = Session(vault, admin)  # the append as every command makes it: judged inside the transaction
    sides: dict[str, Callable[[int], None]] = {
        "bare": lambda i: _plain_insert(bare, body_size),
        "jz": lambda i: session.append(BENCH_KIND, _sample_body(i)),
    }
    if cipher is not None:
        sides["sqlcipher"] = lambda i: _plain_insert(cipher, body_size)
    order = [name for name in ("bare", "sqlcipher", "jz") if name in sides]

    # Every side first grows its WAL to working size: a session's vault is never empty,
    # and the first pass over a fresh WAL file measures file growth, not the append.
    for i in range(1000):
        for name in order:
            sides[name](i)
    samples: dict[str, list[float]] = {name: [] for name in order}
    block = 25  # alternate blocks (bare, sqlcipher, jz, bare, ...), so that disk hiccups hit every side alike
    for start_at in range(0, rounds, block):
        for name in order:
            run, times = sides[name], samples[name]
            for i in range(start_at, start_at + block):
                start = time.perf_counter()
                run(i)
                times.append(time.perf_counter() - start)
    vault.close()
    bare.close()
    if cipher is not None:
        cipher.close()
    ours_ms = statistics.median(samples["jz"]) * 1000
    bare_ms = statistics.median(samples["bare"]) * 1000
    ratio = ours_ms / bare_ms
    figures = [
        Figure("append_ms", round_ms(ours_ms), "ms", "-", True),
        Figure("bare_insert_commit_ms", round_ms(bare_ms), "ms", "-", True),
        Figure("append_vs_bare_ratio", round_ms(ratio), "x", "<= 1.5", ratio <= 1.5),
    ]
    if cipher is None:
        return figures + [
            Figure("sqlcipher_insert_commit_ms", None, "ms", "-", False, cipher_note),
            Figure("append_vs_sqlcipher_ratio", None, "x", "<= 1.3", False, cipher_note),
        ]
    cipher_ms = statistics.median(samples["sqlcipher"]) * 1000
    cipher_ratio = ours_ms / cipher_ms
    return figures + [
        Figure("sqlcipher_insert_commit_ms", round_ms(cipher_ms), "ms", "-", True, cipher_note),
        Figure("append_vs_sqlcipher_ratio", round_ms(cipher_ratio), "x", "<= 1.3", cipher_ratio <= 1.3, cipher_note),
    ]


def bench_checkin(workdir: Path, scale: float) -> list[Figure]:
    """Scan a ticket and check the candidate in, with 10,000 candidates on the roster."""
    from jz_tui.bench import synthetic
    from jz_tui.services import checkin, roster, tabular, tickets
    from jz_tui.services.session import Session

    people = max(100, int(10_000 * scale))
    posts = [(f"P{i:03d}", f"岗位{i}", "部门", 10) for i in range(people // 10)]
    csv_path = workdir / "roster.csv"
    synthetic.write_csv(csv_path, synthetic.roster_rows(posts))
    vault, admin = Vault.create(workdir / "checkin.jz", "bench", "admin", "bench-passphrase")
    vault.add_user(admin, "clerk", "clerk", "bench-clerk")
    clerk_identity = vault.unlock("clerk", "bench-clerk")
    admin_session = Session(vault, admin)
    admin_session.append("roster.import", roster.parse_roster(tabular.read_table(csv_path), admin_session.state.roster))
    payloads = tickets.issue(admin_session)
    clerk = Session(vault, clerk_identity)
    samples = []
    for code in list(payloads)[: max(20, int(200 * scale))]:
        start = time.perf_counter()
        result = checkin.attempt(clerk, payloads[code], terminal="bench")
        samples.append(time.perf_counter() - start)
        if not result.ok:
            raise RuntimeError(f"bench check-in refused: {result.outcome}")
    vault.close()
    samples.sort()
    p95 = samples[int(len(samples) * 0.95) - 1] * 1000
    return [
        Figure("checkin_candidates", people, "", "10000", people >= 10_000 or scale < 1),
        Figure("checkin_scan_p95_ms", round_ms(p95), "ms", "<= 20", p95 <= 20),
    ]


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(len(ordered) * 0.95 + 0.5) - 1)]


def bench_standard(workdir: Path, scale: float) -> list[Figure]:
    """Build the standard workload, then open and fold it, rank it, verify it, watch it live."""
    from jz_tui.bench import workload
    from jz_tui.progress import progress_line
    from jz_tui.rules import ranking
    from jz_tui.services.session import open_session
    from storage import verify as verifier

    on_terminal = progress_line(sys.stderr, lambda stage: f"{stage:<12}") if sys.stderr.isatty() else None

    def progress(stage: str, done: int, total: int) -> None:
        # a live counter on a terminal; in a log, a line per stage and per tenth of it
        if on_terminal is not None:
            on_terminal(stage, done, total)
        elif done == total or done % max(1, total // 10) == 0:
            sys.stderr.write(f"  {stage:<12} {done:>5}/{total}\n")

    built = workload.build(workdir / "standard.jz", scale, progress)
    figures = [Figure("workload_events", built.events, "", "-", True),
               Figure("workload_candidates", built.candidates, "", "1000", built.candidates >= 1000 or scale < 1)]

    # Cold: no verified mark, every signature checked; the close leaves the supervisor's mark.
    # Warm: the mark spares re-checking the signatures of the prefix it covers (the chain,
    # the bodies and every declaration are checked all the same).
    marks = sqlite3.connect(built.path)
    marks.execute("DELETE FROM verified_marks")
    marks.commit()
    marks.close()
    start = time.perf_counter()
    session = open_session(built.path, "supervisor", workload.PASSPHRASE)
    cold_s = time.perf_counter() - start
    session.close()
    start = time.perf_counter()
    session = open_session(built.path, "supervisor", workload.PASSPHRASE)
    open_s = time.perf_counter() - start
    figures.append(Figure("open_and_fold_s", round_ms(open_s), "s", "<= 1.5", open_s <= 1.5 and not session.state.rejected))
    figures.append(Figure("open_and_fold_cold_s", round_ms(cold_s), "s", "-", True))

    timings = []
    for _ in range(5):
        start = time.perf_counter()
        ranking.rank(session.state)
        timings.append(time.perf_counter() - start)
    rank_ms = statistics.median(timings) * 1000
    figures.append(Figure("ranking_ms", round_ms(rank_ms), "ms", "<= 50", rank_ms <= 50))

    start = time.perf_counter()
    report = verifier.verify(session.vault, session.identity.keyring)
    verify_s = time.perf_counter() - start
    figures.append(Figure("verify_s", round_ms(verify_s), "s", "<= 10", verify_s <= 10 and report.ok))

    figures.append(_board_latency(session, built.path, workload.PASSPHRASE, scale))
    session.close()
    figures.extend(_app_figures(built.path, workload.PASSPHRASE))
    return figures


def _app_figures(path: Path, passphrase: str) -> list[Figure]:
    """Start-up to the first screen, and a board process's peak memory on the workload."""
    starts = []
    for _ in range(3):
        started = time.time()
        out = subprocess.run([sys.executable, "-m", "jz_tui.apps.bench_app", "start", str(path), repr(started)],
                             capture_output=True, text=True, check=True, timeout=120)
        starts.append(float(out.stdout.strip()))
    start_s = statistics.median(starts)
    out = subprocess.run([sys.executable, "-m", "jz_tui.apps.bench_app", "board", str(path), "supervisor", passphrase],
                         capture_output=True, text=True, check=True, timeout=600)
    memory = float(out.stdout.strip())
    return [
        Figure("app_start_to_first_screen_s", round_ms(start_s), "s", "<= 1", start_s <= 1),
        Figure("board_process_peak_rss_mb", round_ms(memory), "MiB", "<= 150", memory <= 150),
    ]


def _board_latency(session, path: Path, passphrase: str, scale: float) -> Figure:
    """Commit in this process, see it in another one polling as the live screens do."""
    from jz_tui.apps.app import POLL_INTERVAL

    probe = subprocess.Popen(
        [sys.executable, "-m", "jz_tui.bench.probe", str(path), "scorer", passphrase, str(POLL_INTERVAL)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert probe.stdout is not None and probe.stdin is not None
    probe.stdout.readline()  # "ready": the probe has folded the whole vault
    committed: dict[int, float] = {}
    seen: dict[int, float] = {}
    for i in range(max(20, int(100 * scale))):
        # a real event a supervisor may write: freeze and release the public view in turn
        record = session.append("publication.freeze", {"frozen": i % 2 == 0})
        committed[record.seq] = time.time()
        time.sleep(0.05)
    last = max(committed)
    while last not in seen:
        seq, at = probe.stdout.readline().split()
        seen[int(seq)] = float(at)
    probe.stdin.close()
    probe.wait(timeout=30)
    latencies = [(seen[s] - committed[s]) * 1000 for s in committed]
    p95 = _p95(latencies)
    return Figure("board_latency_p95_ms", round_ms(p95), "ms", "<= 250", p95 <= 250)


def bench_concurrency(workdir: Path, scale: float) -> list[Figure]:
    """8 processes appending at once for 30 s (scaled): nothing lost, never "database is locked"."""
    vault, admin = Vault.create(workdir / "concurrent.jz", "bench", "admin", "bench-passphrase")
    vault.close()
    seconds = max(3.0, 30 * scale)
    script = (
        "import sys, time\n"
        "from storage.vault import Vault\n"
        "v = Vault.open(sys.argv[1]); me = v.unlock('admin', 'bench-passphrase')\n"
        "end = time.time() + float(sys.argv[2]); n = 0\n"
        "while time.time() < end:\n"
        "    v.append(me, 'checkin.refuse', {'reason': 'not_found', 'input': str(n), 'terminal': sys.argv[3], 'code': ''})\n"
        "    n += 1\n"
        "print(n)\n"
    )
    writers = [subprocess.Popen([sys.executable, "-c", script, str(workdir / "concurrent.jz"), str(seconds), f"w{i}"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(8)]
    acknowledged, locked, failed = 0, 0, 0
    for writer in writers:
        out, err = writer.communicate(timeout=seconds + 120)
        locked += err.count("database is locked")
        failed += writer.returncode != 0
        acknowledged += int(out.strip() or 0)
    check = Vault.open(workdir / "concurrent.jz")
    stored = check.head()[0] - 1  # minus vault.init
    check.close()
    lost = acknowledged - stored
    return [
        Figure("concurrent_appends", acknowledged, "", "-", True),
        Figure("concurrent_lost_events", lost, "", "0", lost == 0 and failed == 0),
        Figure("concurrent_database_locked", locked, "", "0", locked == 0),
    ]


def round_ms(value: float) -> float:
    """Timings for display only (never a score): three decimals."""
    return int(value * 1000 + 0.5) / 1000


BENCHES: list[BenchFn] = [bench_append, bench_checkin, bench_concurrency, bench_standard]


def run_all(scale: float = 1.0, progress: Callable[[str], None] | None = None) -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="jz-bench-") as tmp:
        for bench in BENCHES:
            if progress:
                progress(bench.__name__)
            workdir = Path(tmp) / bench.__name__
            workdir.mkdir()
            figures.extend(bench(workdir, scale))
    return figures

