"""``jz bench``'s append figure against SQLCipher 4 (DESIGN.md §6, issue 18): that it is
measured, well formed and honest about a missing binding; never how fast this machine is.

The `test` extra installs the binding (sqlcipher3), so CI runs the real SQLCipher side:
these tests are never skipped, and fail when the binding is missing from a test install."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys

import pytest

from jz_tui.bench import measure
from jz_tui.cli import bench as bench_cli
from storage.vault import Vault

TINY = 0.01  # one block per side: the figure's shape, not a measurement
APPEND_FIGURES = ["append_ms", "bare_insert_commit_ms", "append_vs_bare_ratio", "sqlcipher_insert_commit_ms",
                  "append_vs_sqlcipher_ratio"]


@pytest.fixture
def no_sqlcipher(monkeypatch):
    """As on a machine without the `bench` extra: ``import sqlcipher3`` raises ImportError."""
    monkeypatch.setitem(sys.modules, "sqlcipher3", None)


def by_name(figures: list[measure.Figure]) -> dict[str, measure.Figure]:
    return {f.name: f for f in figures}


def test_the_binding_the_test_extra_installs_is_sqlcipher_4(tmp_path):
    conn, note = measure.open_sqlcipher(tmp_path / "c.db")
    assert conn is not None, note
    try:
        assert conn.execute("PRAGMA cipher_version").fetchone()[0].startswith("4.")
        assert note.startswith("SQLCipher 4.")
        # the same durability as the bare side and the vault: WAL, synchronous=FULL
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2
        conn.execute(measure._BENCH_TABLE)
        measure._plain_insert(conn, 100)
        measure._plain_insert(conn, 100)
        assert conn.execute("SELECT seq FROM t ORDER BY seq").fetchall() == [(1,), (2,)]
    finally:
        conn.close()
    # the key really encrypts the file: plain SQLite cannot read it
    assert not (tmp_path / "c.db").read_bytes().startswith(b"SQLite format 3")
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(tmp_path / "c.db").execute("SELECT * FROM t").fetchall()


def test_append_is_measured_beside_sqlcipher_with_its_target(tmp_path):
    figures = by_name(measure.bench_append(tmp_path, TINY))
    assert list(figures) == APPEND_FIGURES
    for figure in figures.values():
        assert figure.measured and figure.value > 0
        assert set(figure.to_dict()) == {"name", "value", "unit", "target", "ok", "note"}
        json.dumps(figure.to_dict(), allow_nan=False)
    cipher, ratio = figures["sqlcipher_insert_commit_ms"], figures["append_vs_sqlcipher_ratio"]
    assert cipher.unit == "ms" and cipher.note.startswith("SQLCipher 4.")
    assert (ratio.unit, ratio.target) == ("x", "<= 1.3")
    # the ok column is the comparison with the target, never a constant
    assert ratio.ok == (ratio.value <= 1.3)
    assert ratio.value == pytest.approx(figures["append_ms"].value / cipher.value, abs=0.02, rel=0.02)
    bare = figures["append_vs_bare_ratio"]
    assert bare.target == "<= 1.5" and bare.ok == (bare.value <= 1.5)


def test_the_three_sides_alternate_in_blocks(tmp_path, monkeypatch):
    """bare, SQLCipher, jz, bare, ...: the machine's noise lands on all three alike."""
    calls: list[str] = []
    plain_insert, append = measure._plain_insert, Vault.append

    def recorded_insert(conn, body_size):
        calls.append("sqlcipher" if type(conn).__module__.startswith("sqlcipher3") else "bare")
        plain_insert(conn, body_size)

    def recorded_append(self, *args, **kwargs):
        calls.append("jz")
        return append(self, *args, **kwargs)

    monkeypatch.setattr(measure, "_plain_insert", recorded_insert)
    monkeypatch.setattr(Vault, "append", recorded_append)
    measure.bench_append(tmp_path, 0.25)  # 50 rounds: two blocks of 25 per side
    measured = calls[-2 * 3 * 25:]  # after the warm-up
    blocks = [measured[i:i + 25] for i in range(0, len(measured), 25)]
    assert [set(b) for b in blocks] == [{"bare"}, {"sqlcipher"}, {"jz"}] * 2


def test_without_the_binding_the_figure_is_not_measured_and_says_why(tmp_path, no_sqlcipher):
    assert measure.open_sqlcipher(tmp_path / "c.db")[0] is None
    figures = by_name(measure.bench_append(tmp_path, TINY))
    assert list(figures) == APPEND_FIGURES
    for name in ("sqlcipher_insert_commit_ms", "append_vs_sqlcipher_ratio"):
        figure = figures[name]
        assert figure.value is None and not figure.measured and figure.ok is False
        assert "not measured" in figure.note and ".[bench]" in figure.note and "\n" not in figure.note
    assert figures["append_vs_sqlcipher_ratio"].target == "<= 1.3"
    # the bare figure is measured all the same
    assert figures["append_vs_bare_ratio"].measured and figures["append_ms"].value > 0
    assert not (tmp_path / "sqlcipher.db").exists()


@pytest.mark.parametrize("as_json", [True, False])
def test_jz_bench_prints_the_figure_either_way(as_json, monkeypatch, capsys):
    monkeypatch.setattr(measure, "BENCHES", [measure.bench_append])
    args = argparse.Namespace(json=as_json, scale=TINY)

    def run() -> str:
        assert bench_cli.cmd_bench(args) == 0
        return capsys.readouterr().out

    with_binding = run()
    monkeypatch.setitem(sys.modules, "sqlcipher3", None)
    without = run()
    if as_json:
        measured = by_name(measure.Figure(**f) for f in json.loads(with_binding))
        assert measured["append_vs_sqlcipher_ratio"].measured
        assert measured["append_vs_sqlcipher_ratio"].note.startswith("SQLCipher 4.")
        missing = {f["name"]: f for f in json.loads(without)}
        assert list(missing) == APPEND_FIGURES
        assert missing["append_vs_sqlcipher_ratio"]["value"] is None
        assert missing["append_vs_sqlcipher_ratio"]["ok"] is False
        assert ".[bench]" in missing["append_vs_sqlcipher_ratio"]["note"]
    else:
        line = next(row for row in with_binding.splitlines() if row.startswith("append_vs_sqlcipher_ratio"))
        assert "<= 1.3" in line and "SQLCipher 4." in line and " None" not in line
        line = next(row for row in without.splitlines() if row.startswith("append_vs_sqlcipher_ratio"))
        assert line.split()[1:5] == ["-", "x", "<=", "1.3"] and "not measured" in line and ".[bench]" in line
        assert next(r for r in without.splitlines() if r.startswith("append_vs_bare_ratio")).split()[1] != "-"
