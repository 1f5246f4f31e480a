"""``jz export --format sqlite`` (issue 23.7): the public notice as a plain SQLite database,
written with sqlite-utils, that Datasette or any SQL tool opens.

The database holds the notice's table as it is published (the same columns, the same cell
texts: a score is TEXT with its exact decimals, never REAL; a rank an INTEGER) and the
ledger head it was made from; ``jz verify --export`` checks it like every other format, and
writing it replaces the file whole or not at all.
"""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest

from jz_tui.i18n import t
from jz_tui.services import notice_files, public_view, publication
from tests._session_helpers import Hall
from tests.conftest import make_test_vault


@pytest.fixture
def complete(tmp_path):
    """One post of three, every score in: ranked, targets named."""
    tv = make_test_vault(tmp_path / "c.jz")
    hall = Hall(tv, tmp_path, [("A01", 3)])
    codes = hall.codes("A01")
    hall.stage({codes[0]: "80.5", codes[1]: "85", codes[2]: "90.25"})
    for code, total in zip(codes, ("80", "82.5", "84"), strict=True):
        hall.interview(code, total)
    hall.democratic("A01", ["SSSS", "SSSB", "SSBB"])
    yield hall, codes
    tv.vault.close()


def rows_of(path):
    with sqlite3.connect(path) as db:
        cursor = db.execute("SELECT * FROM notice ORDER BY rowid")
        header = [d[0] for d in cursor.description]
        return header, cursor.fetchall()


def test_the_sqlite_notice_holds_the_notice_table_with_exact_scores_and_the_head(complete, jz, tmp_path):
    hall, codes = complete
    out = tmp_path / "公示.db"
    done = jz("export", hall.tv.path, "--format", "sqlite", "--out", out, user="admin", env={"JZ_LANG": "zh"})
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    notice = publication.build_notice(public_view.public_result(hall.s("admin"), lang="zh"), hall.tv.vault)

    header, rows = rows_of(out)
    assert header == notice.header
    assert [["" if cell is None else str(cell) for cell in row] for row in rows] == notice.rows
    with sqlite3.connect(out) as db:
        declared = {name: kind for _, name, kind, *_ in db.execute("PRAGMA table_info(notice)")}
        for column, kind in zip(notice.header, notice_files.column_kinds(notice), strict=True):
            assert declared[column] == ("INTEGER" if kind == "rank" else "TEXT"), column
            types = {typeof for (typeof,) in db.execute(f'SELECT DISTINCT typeof("{column}") FROM notice')}
            assert "real" not in types, column  # no float near a score
        composite = t("col_composite", lang="zh")
        scores = [value for (value,) in db.execute(f'SELECT "{composite}" FROM notice ORDER BY rowid')]
        assert scores == [row[notice.header.index(composite)] for row in notice.rows]
        assert all(isinstance(s, str) and len(s.partition(".")[2]) == 2 for s in scores)  # "87.70", as shown
        rank = t("col_rank", lang="zh")
        assert {type(r) for (r,) in db.execute(f'SELECT "{rank}" FROM notice')} == {int}
        meta = dict(db.execute("SELECT key, value FROM meta"))
    assert {k: meta[k] for k in notice_files.META_KEYS} == notice.meta
    assert meta["frozen_at"] == "" and meta["generated"]

    checked = jz("verify", hall.tv.path, "--export", out, user="admin")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_verify_names_a_changed_score_in_the_sqlite_notice(complete, jz, tmp_path):
    hall, codes = complete
    out = tmp_path / "n.sqlite"
    assert jz("export", hall.tv.path, "--format", "sqlite", "--out", out, user="admin").returncode == 0
    composite = t("col_composite")
    with sqlite3.connect(out) as db:
        db.execute(f'UPDATE notice SET "{composite}" = ? WHERE rowid = 1', ("99.99",))
    checked = jz("verify", hall.tv.path, "--export", out, user="admin")
    assert checked.returncode == 3, checked.stdout + checked.stderr
    assert "99.99" in checked.stdout + checked.stderr


def test_a_frozen_public_view_is_said_in_the_meta_table(complete, tmp_path):
    hall, _ = complete
    public_view.freeze(hall.s("sup"), frozen=True)
    out = tmp_path / "f.db"
    notice, result = publication.export(hall.s("admin"), "sqlite", out)
    with sqlite3.connect(out) as db:
        meta = dict(db.execute("SELECT key, value FROM meta"))
    assert meta["frozen_at"] == str(result.frozen_at) == meta["head_seq"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(complete, tmp_path, monkeypatch):
    hall, _ = complete
    out = tmp_path / "out" / "n.db"
    out.parent.mkdir()
    publication.export(hall.s("admin"), "sqlite", out)
    before = out.read_bytes()

    import sqlite_utils.db

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(sqlite_utils.db.Table, "insert_all", broken)
    with pytest.raises(OSError):
        publication.export(hall.s("admin"), "sqlite", out)
    assert sorted(p.name for p in out.parent.iterdir()) == ["n.db"]
    assert out.read_bytes() == before


@pytest.mark.parametrize("fmt", notice_files.FORMATS)
def test_every_format_replaces_the_file_whole(complete, tmp_path, fmt):
    """A file already there (here not even a notice) is replaced in one step, never written into."""
    hall, _ = complete
    out = tmp_path / f"n.{fmt}"
    out.write_bytes(b"not a notice at all\n" * 100)
    os.chmod(out, 0o644)
    publication.export(hall.s("admin"), fmt, out)
    assert notice_files.read_notice(out).rows
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("n.", ".n."))) == [out.name]


def test_a_file_that_is_no_database_is_refused_as_unreadable(tmp_path):
    bad = tmp_path / "x.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    from storage.errors import JzError

    with pytest.raises(JzError) as refused:
        notice_files.read_notice(bad)
    assert refused.value.key == "export_unreadable"
    assert not (tmp_path / "x.db-journal").exists() and not (tmp_path / "x.db-wal").exists()
