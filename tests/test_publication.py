"""The public notice: every format holds the ranking's numbers, and a changed cell is caught."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest
from openpyxl import load_workbook

from jz_tui.bench import demo
from jz_tui.rules import ranking
from jz_tui.services import inspection, notice_files, public_view, publication
from jz_tui.services.session import Session
from storage.errors import JzError
from storage.vault import Vault
from tests.conftest import WEAK_KDF


@pytest.fixture(scope="module")
def demo_vault(tmp_path_factory):
    path = tmp_path_factory.mktemp("pub") / "demo.jz"
    demo.build_demo(path, say=lambda line: None, kdf=WEAK_KDF)
    return path


def admin_session(path):
    vault = Vault.open(path)
    return Session(vault, vault.unlock("admin", "admin-demo"))


def test_xlsx_holds_the_same_numbers_as_the_public_view(demo_vault, jz, tmp_path):
    env = {"JZ_PASSPHRASE": "admin-demo"}
    ranked = jz("public", demo_vault, "--json", "--user", "admin", env=env)  # the notice is the public view
    assert ranked.returncode == 0, ranked.stderr
    payload = json.loads(ranked.stdout)
    out = tmp_path / "notice.xlsx"
    exported = jz("export", demo_vault, "--format", "xlsx", "--out", out, "--user", "admin", env=env)
    assert exported.returncode == 0, exported.stderr

    workbook = load_workbook(out, read_only=True)
    # row 1 is the title, row 2 the header; a score is a number shown through its number format
    rows = [[notice_files.cell_text(c.value, c.number_format) for c in r] for r in workbook["公示"].iter_rows()][1:]
    meta = dict(workbook["jz"].iter_rows(values_only=True))
    header = rows[0]
    by_code = {r[header.index("Number")]: dict(zip(header, r)) for r in rows[1:]}
    verified = json.loads(jz("verify", demo_vault, "--json").stdout)  # the notice names the head it was made from
    assert (meta["head"], meta["head_seq"]) == (verified["head"], str(verified["head_seq"]))
    checked = 0
    for post in payload["posts"]:
        for c in post["candidates"]:
            row = by_code[c["code"]]
            assert (row["Written"] or None) == c["written"]
            assert (row["Interview"] or None) == c["interview"]
            assert (row["Democratic"] or None) == c["democratic"]
            assert (row["Composite"] or None) == c["composite"]
            assert (row["Rank"] or None) == (str(c["rank"]) if c["rank"] is not None else None)
            checked += 1
    assert checked == 14
    assert any(c["composite"] for p in payload["posts"] for c in p["candidates"])  # the demo has results
    assert any(c["rank"] for p in payload["posts"] for c in p["candidates"])  # and a post complete, ranked


@pytest.mark.parametrize("fmt", publication.FORMATS)
def test_verify_export_passes_then_catches_one_changed_cell(demo_vault, jz, tmp_path, fmt):
    env = {"JZ_PASSPHRASE": "admin-demo"}
    out = tmp_path / f"notice.{fmt}"
    assert jz("export", demo_vault, "--format", fmt, "--out", out, "--user", "admin", env=env).returncode == 0
    clean = jz("verify", demo_vault, "--export", out, "--user", "admin", env=env)
    assert clean.returncode == 0, clean.stdout + clean.stderr

    session = admin_session(demo_vault)
    notice = publication.build_notice(public_view.public_result(session, lang="en"), session.vault)
    session.close()
    target = next(row for row in notice.rows if row[-4])  # a row with a composite
    original = target[-4]
    changed = original[:-1] + ("1" if original[-1] != "1" else "2")  # one digit of one cell
    if fmt == "xlsx":
        workbook = load_workbook(out)
        sheet = workbook["公示"]
        for row in sheet.iter_rows():
            if row[2].value == target[2]:
                row[len(target) - 4].value = changed
        workbook.save(out)
    elif fmt == "sqlite":
        import sqlite3

        with sqlite3.connect(out) as db:
            column = notice.header[len(target) - 4]
            db.execute(f'UPDATE notice SET "{column}" = ? WHERE "{notice.header[2]}" = ?', (changed, target[2]))
    else:
        text = out.read_text(encoding="utf-8-sig" if fmt == "csv" else "utf-8")
        assert text.count(original) >= 1
        if fmt == "csv":
            rows = list(csv.reader(text.splitlines()))
            for row in rows:
                if len(row) > 2 and row[2] == target[2]:
                    row[len(target) - 4] = changed
            out.write_text("\n".join(",".join(f'"{c}"' for c in row) for row in rows) + "\n", encoding="utf-8-sig")
        elif fmt == "json":
            data = json.loads(text)
            for row in data["rows"]:
                if row[2] == target[2]:
                    row[len(target) - 4] = changed
            out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        else:
            marker = f"<td>{target[2]}</td>"
            head, rest = text.split(marker, 1)
            out.write_text(head + marker + rest.replace(f"<td>{original}</td>", f"<td>{changed}</td>", 1),
                           encoding="utf-8")
    caught = jz("verify", demo_vault, "--export", out, "--json", "--user", "admin", env=env)
    assert caught.returncode == 3, caught.stdout + caught.stderr
    problems = json.loads(caught.stdout)["problems"]
    assert len(problems) == 1 and changed in problems[0]["message"] and original in problems[0]["message"]


def test_the_html_notice_carries_a_qr_with_fingerprint_and_head(demo_vault, tmp_path):
    session = admin_session(demo_vault)
    out = tmp_path / "notice.html"
    notice, _ = publication.export(session, "html", out, lang="zh")
    session.close()
    text = out.read_text(encoding="utf-8")
    assert 'src="data:image/png;base64,' in text
    assert notice.meta["admin_fingerprint"] in text
    assert publication.qr_text(notice.meta).endswith(notice.meta["head"])


def test_decision_with_probation_and_contract_is_published(tmp_path):
    from tests._session_helpers import Hall
    from tests.conftest import make_test_vault

    tv = make_test_vault(tmp_path / "d.jz")
    hall = Hall(tv, tmp_path, [("A01", 2)], settings={"stages.interview": 0, "stages.democratic": 0})
    first, second = hall.codes("A01")
    hall.stage({first: "90", second: "80"})  # the post is complete: its targets are public
    session = hall.s("admin")
    target = next(row for post in ranking.rank(session.state) for row in post.rows if row.status == "target")
    with pytest.raises(JzError) as early:
        inspection.record_decision(session, target.code, "appoint", date(2024, 2, 29))
    assert early.value.key == "decision_notes_missing"
    for dimension in inspection.DIMENSIONS:
        inspection.add_note(session, target.code, dimension, "表现良好")
    body = inspection.record_decision(session, target.code, "appoint", date(2024, 2, 29))
    assert body["probation_end"] == "2025-02-28"
    notice = publication.build_notice(public_view.public_result(session, lang="en"), session.vault)
    row = next(r for r in notice.rows if r[2] == target.code)
    assert "probation until 2025-02-28" in row[-1]
    assert ("contract" in row[-1]) == body["contract"]
    tv.vault.close()


def test_a_name_that_looks_like_a_formula_is_published_as_text(tmp_path, jz):
    from jz_tui.bench import synthetic
    from jz_tui.services import roster
    from tests.conftest import make_test_vault

    tv = make_test_vault(tmp_path / "f.jz")
    rows = synthetic.roster_rows([("A", "科长", "办公室", 2)], seed=3)
    rows[0]["姓名"] = "=HYPERLINK(1)"
    path = tmp_path / "roster.csv"
    synthetic.write_csv(path, rows)
    admin = Session(tv.vault, tv.admin)
    roster.import_roster(admin, path)
    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"n.{fmt}"
        publication.export(admin, fmt, out, lang="en")
        if fmt == "xlsx":
            cells = [c for row in load_workbook(out)["公示"].iter_rows() for c in row if c.value == "=HYPERLINK(1)"]
            assert cells and all(c.data_type == "s" for c in cells)
        else:
            assert "'=HYPERLINK(1)" in out.read_text(encoding="utf-8-sig")
        assert publication.check_export(tv.vault, tv.admin.keyring, out) == []
