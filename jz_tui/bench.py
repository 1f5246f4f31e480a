"""``jz bench``: the figures of DESIGN.md §6, each measured beside its target.

Speed is measured here and only here; tests check behaviour. Every figure is a
function that returns a :class:`Figure`; ratios are measured side by side in one run.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from storage import crypto
from storage.vault import Vault, connect


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    target: str
    ok: bool

    def to_dict(self) -> dict:
        return asdict(self)


BenchFn = Callable[[Path, float], list[Figure]]


def _sample_body(i: int) -> dict:
    # The size and shape of a typical event (an examiner sheet), with no real person in it.
    return {"candidate": f"A{i % 100:02d}-{i % 7}", "examiner": "e3", "items": ["22.5", "18", "13", "12.5", "13", "9"],
            "total": "88.00", "note": "x" * 40}


def bench_append(workdir: Path, scale: float) -> list[Figure]:
    """Append (seal + sign + commit, FULL) against a bare insert+commit of the same size."""
    rounds = max(20, int(200 * scale))
    vault, admin = Vault.create(workdir / "append.jz", "bench", "admin", "bench-passphrase")
    bare = connect(workdir / "bare.sqlite")
    bare.execute(
        "CREATE TABLE t (seq INTEGER PRIMARY KEY, kind TEXT, actor TEXT, prev_hash BLOB, hash BLOB, signature BLOB,"
        " body BLOB)"
    )
    body_size = len(crypto.canonical_json({"at": "2026-01-01T00:00:00.000+00:00", "data": _sample_body(0)})) + 28

    def bare_insert(i: int) -> None:
        bare.execute("BEGIN IMMEDIATE")
        last = bare.execute("SELECT seq, hash FROM t ORDER BY seq DESC LIMIT 1").fetchone()
        bare.execute(
            "INSERT INTO t VALUES (?,?,?,?,?,?,?)",
            ((last[0] + 1) if last else 1, "sheet.submit", "admin", b"\0" * 32, os.urandom(32), b"\0" * 64,
             os.urandom(body_size)),
        )
        bare.execute("COMMIT")

    # Both sides first grow their WAL to working size: a session's vault is never empty,
    # and the first pass over a fresh WAL file measures file growth, not the append.
    for i in range(1000):
        vault.append(admin, "config.set", _sample_body(i))
        bare_insert(i)
    ours, theirs = [], []
    block = 25  # alternate blocks, so that disk hiccups hit both sides alike
    for start_at in range(0, rounds, block):
        for i in range(start_at, start_at + block):
            start = time.perf_counter()
            vault.append(admin, "config.set", _sample_body(i))
            ours.append(time.perf_counter() - start)
        for i in range(start_at, start_at + block):
            start = time.perf_counter()
            bare_insert(i)
            theirs.append(time.perf_counter() - start)
    vault.close()
    bare.close()
    ours_ms = statistics.median(ours) * 1000
    bare_ms = statistics.median(theirs) * 1000
    ratio = ours_ms / bare_ms
    return [
        Figure("append_ms", round_ms(ours_ms), "ms", "-", True),
        Figure("bare_insert_commit_ms", round_ms(bare_ms), "ms", "-", True),
        Figure("append_vs_bare_ratio", round_ms(ratio), "x", "<= 1.5", ratio <= 1.5),
    ]


def bench_checkin(workdir: Path, scale: float) -> list[Figure]:
    """Scan a ticket and check the candidate in, with 10,000 candidates on the roster."""
    from . import checkin, roster, synthetic, tabular, tickets
    from .session import Session

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


def round_ms(value: float) -> float:
    """Timings for display only (never a score): three decimals."""
    return int(value * 1000 + 0.5) / 1000


BENCHES: list[BenchFn] = [bench_append, bench_checkin]


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

