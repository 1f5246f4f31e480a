"""Roster import: every encoding people bring, .xlsx, Chinese and English headers,
candidate codes, every refusal reported at once and all-or-nothing; corrections and
withdrawals; nothing personal on disk in plaintext.

All rosters are synthetic and generated into tmp_path.
"""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

import pytest
from _hall_helpers import (  # noqa: F401  (jz_here is a fixture)
    CN_HEADERS,
    as_lists,
    demo_rows,
    id_with_birth,
    id_with_check,
    import_demo_roster,
    jz_here,
    session_of,
    with_wrong_check,
    write_csv,
    write_xlsx,
)
from conftest import make_test_vault
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jz_tui.bench import synthetic
from jz_tui.services import checkin, roster, tabular
from storage.errors import JzError
from storage.ledger import open_body

# ---------------------------------------------------------------------- encodings and formats


def gb18030_only_rows() -> list[dict[str, str]]:
    """Synthetic rows, one of whose names has a character GBK lacks (GB18030 has it)."""
    rows = demo_rows([("A01", "办公室综合科科长", "区委办公室", 3), ("B01", "信息中心主任", "区数据局", 2)], seed=11)
    rows[1]["姓名"] = "刘䶮"
    return rows


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_every_encoding_is_read_right(test_vault, tmp_path, encoding):
    rows = gb18030_only_rows() if encoding != "gbk" else demo_rows(seed=11)
    path = tmp_path / f"roster-{encoding}.csv"
    synthetic.write_csv(path, rows, encoding=encoding)
    raw = path.read_bytes()
    if encoding in ("gbk", "gb18030"):
        with pytest.raises(UnicodeDecodeError):  # the control: this file is really not UTF-8
            raw.decode("utf-8")
    assert raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    expected_encoding = {"gbk": "gb18030"}.get(encoding, encoding)
    assert tabular.read_table(path).encoding == expected_encoding

    admin = session_of(test_vault, "admin")
    body = roster.import_roster(admin, path)
    state = admin.state.roster
    assert [c["name"] for c in body["candidates"]] == [r["姓名"] for r in rows]
    assert [state.candidates[c["code"]].id_number for c in body["candidates"]] == [r["身份证号"] for r in rows]
    assert {p.code: p.name for p in state.posts.values()} == {r["岗位编码"]: r["岗位名称"] for r in rows}
    assert "岗位编码" not in {c.name for c in state.candidates.values()}  # the BOM did not eat the header


def test_xlsx_with_numeric_cells_and_exam_numbers(test_vault, tmp_path):
    rows = demo_rows([("A01", "办公室综合科科长", "区委办公室", 2), ("A02", "财务科副科长", "区财政局", 2)], seed=3)
    headers = ["岗位编码", "岗位名称", "职数", "所属部门", "准考证号", "姓名", "身份证号", "现单位", "编制"]
    cells = [[r["岗位编码"], r["岗位名称"], 2, r["所属部门"], 20240100 + i, r["姓名"], r["身份证号"], r["现单位"], r["编制"]]
             for i, r in enumerate(rows, start=1)]
    path = write_xlsx(tmp_path / "roster.xlsx", headers, cells)
    admin = session_of(test_vault, "admin")
    roster.import_roster(admin, path)
    state = admin.state.roster
    assert sorted(state.candidates) == ["20240101", "20240102", "20240103", "20240104"]  # the exam numbers, no ".0"
    assert state.candidates["20240103"].name == rows[2]["姓名"]
    assert state.candidates["20240103"].post == "A02"
    assert state.posts["A01"].seats == 2


def test_english_headers_and_english_values(test_vault, tmp_path):
    rng = random.Random(5)
    headers = ["Post Code", "Post Name", "Seats", "Department", "Name", "ID Number", "Unit", "Establishment", "Open"]
    people = [(synthetic.fake_name(rng), synthetic.fake_id(rng)) for _ in range(3)]
    data = [
        ["a01", "Office chief", "1", "Party office", people[0][0], people[0][1], "区委办公室", "civil", "yes"],
        ["A01", "Office chief", "1", "Party office", people[1][0], people[1][1], "区财政局", "career", ""],
        ["S01", "Confidential post", "1", "Security", "", "", "", "", "no"],
        ["B01", "IT chief", "1", "Data bureau", people[2][0], people[2][1].lower(), "区数据局", "civil-managed", ""],
    ]
    path = write_csv(tmp_path / "english.csv", headers, data)
    admin = session_of(test_vault, "admin")
    roster.import_roster(admin, path)
    state = admin.state.roster
    assert sorted(state.candidates) == ["A01-01", "A01-02", "B01-01"]
    assert [state.candidates[c].establishment for c in ("A01-01", "A01-02", "B01-01")] == ["行政", "事业", "参公"]
    assert roster.is_contract(state.candidates["A01-02"]) and not roster.is_contract(state.candidates["A01-01"])
    assert state.posts["S01"].open is False and state.posts["A01"].open is True
    assert state.candidates["B01-01"].id_number == people[2][1].upper()


def test_codes_follow_roster_order_per_post(test_vault, tmp_path):
    rng = random.Random(9)
    order = ["A01", "A02", "A01", "B01", "A01", "A02"]
    data = [[post, f"岗位{post}", "1", "区委办公室", synthetic.fake_name(rng), synthetic.fake_id(rng), "区人社局", "行政"]
            for post in order]
    admin = session_of(test_vault, "admin")
    body = roster.import_roster(admin, write_csv(tmp_path / "first.csv", CN_HEADERS, data))
    assert [c["code"] for c in body["candidates"]] == ["A01-01", "A02-01", "A01-02", "B01-01", "A01-03", "A02-02"]
    assert [admin.state.roster.candidates[c["code"]].name for c in body["candidates"]] == [row[4] for row in data]
    # a later import continues each post's numbering and creates only the new posts
    more = [["A01", "岗位A01", "1", "区委办公室", synthetic.fake_name(rng), synthetic.fake_id(rng), "区人社局", "行政"],
            ["C01", "岗位C01", "1", "区司法局", synthetic.fake_name(rng), synthetic.fake_id(rng), "区司法局", "事业"]]
    body = roster.import_roster(admin, write_csv(tmp_path / "second.csv", CN_HEADERS, more))
    assert [c["code"] for c in body["candidates"]] == ["A01-04", "C01-01"]
    assert [p["code"] for p in body["posts"]] == ["C01"]


def test_import_through_the_cli(test_vault, tmp_path, jz):
    path = tmp_path / "roster.csv"
    synthetic.write_csv(path, demo_rows(seed=2), encoding="gbk")
    done = jz("roster", "import", test_vault.path, path, "--json", user="admin")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["candidates"] == 12 and result["posts"] == 3
    assert result["codes"][:2] == ["A01-01", "A01-02"]
    listed = jz("roster", "list", test_vault.path, "--json", user="clerk")
    assert listed.returncode == 0, listed.stderr
    names = [c["name"] for post in json.loads(listed.stdout) for c in post["candidates"]]
    assert sorted(names) == sorted(r["姓名"] for r in demo_rows(seed=2))


# ---------------------------------------------------------------------- refusals


def test_every_refusal_is_reported_at_once_and_nothing_is_imported(test_vault, tmp_path, jz):
    admin = session_of(test_vault, "admin")
    first = import_demo_roster(admin, tmp_path, posts=[("A01", "办公室综合科科长", "区委办公室", 2)], seed=1)
    taken = first["candidates"][0]  # already in the vault
    rng = random.Random(21)
    x_right = id_with_check(rng, "X")
    x_wrong = with_wrong_check(id_with_check(rng, "5"), "X")
    digit_wrong = with_wrong_check(synthetic.fake_id(rng))
    no_such_day = id_with_birth(rng, "19900230")
    name = lambda: synthetic.fake_name(rng)  # noqa: E731
    fresh = lambda: synthetic.fake_id(rng)  # noqa: E731
    headers = [*CN_HEADERS, "是否开放竞争"]
    data = [
        ["A02", "财务科副科长", "1", "区财政局", name(), x_right.lower(), "区财政局", "行政", "是"],  # 2: fine (x)
        ["A02", "财务科副科长", "1", "区财政局", name(), x_wrong, "区财政局", "行政", ""],  # 3: X, but wrong
        ["A02", "财务科副科长", "1", "区财政局", name(), digit_wrong, "区财政局", "行政", ""],  # 4: checksum
        ["A02", "财务科副科长", "1", "区财政局", name(), no_such_day, "区财政局", "行政", ""],  # 5: 30 Feb
        ["A02", "财务科副科长", "1", "区财政局", name(), x_right, "区财政局", "行政", ""],  # 6: repeats row 2
        ["A02", "财务科副科长", "1", "区财政局", name(), taken["id_number"], "区财政局", "行政", ""],  # 7: in vault
        ["A02", "财务科副科长", "1", "区财政局", "", fresh(), "区财政局", "行政", ""],  # 8: no name
        ["A02", "财务科副科长", "1", "区财政局", name(), fresh(), "区财政局", "", ""],  # 9: no establishment
        ["A02", "财务科副科长", "1", "区财政局", name(), "", "区财政局", "行政", ""],  # 10: no ID number
        ["A02", "财务科副科长", "1", "区财政局", name(), fresh(), "区财政局", "合同制", ""],  # 11: unknown 编制
        ["S01", "保密岗位", "1", "区委办公室", "", "", "", "", "否"],  # 12: declares a closed post: fine
        ["S01", "保密岗位", "1", "区委办公室", name(), fresh(), "区委办公室", "行政", ""],  # 13: closed post
        ["A02", "财务科副科长", "1", "区财政局", "", "", "区财政局", "行政", ""],  # 14: candidate without name or ID
        ["A02", "财务科副科长", "1", "区财政局", name(), fresh(), "区财政局", "事业", ""],  # 15: fine
    ]
    path = write_csv(tmp_path / "bad.csv", headers, data, encoding="gbk")
    before = test_vault.vault.head()
    done = jz("roster", "import", test_vault.path, path, user="admin")
    assert done.returncode == 1, done.stdout
    lines = [line.strip() for line in done.stderr.splitlines() if line.strip().startswith("row ")]
    expected = [
        "row 3, ID number: the check character of the ID number is wrong",
        "row 4, ID number: the check character of the ID number is wrong",
        "row 5, ID number: the birth date inside the ID number does not exist",
        "row 6, ID number: the ID number repeats row 2",
        f"row 7, ID number: the ID number is already used by candidate {taken['code']}",
        "row 8, name: is empty",
        "row 9, establishment: is empty",
        "row 10, ID number: is empty",
        "row 11, establishment: unknown establishment type “合同制” (use 行政, 参公 or 事业)",
        "row 13, post code: post S01 is closed to competition and takes no candidates",
        "row 14, name: is empty",
        "row 14, ID number: is empty",
    ]
    assert lines == expected, done.stderr
    assert f"{len(expected)} problem(s)" in done.stderr and "nothing was written" in done.stderr
    # refusals name rows and fields, never a person: no ID number or name is echoed
    for row in data:
        assert not (row[5] and row[5] in done.stderr) and not (row[4] and row[4] in done.stderr), row
    assert test_vault.vault.head() == before
    admin.refresh()
    assert len(admin.state.roster.candidates) == 2 and "A02" not in admin.state.roster.posts


def test_refusals_in_json(test_vault, tmp_path, jz_here):
    rng = random.Random(4)
    good = synthetic.fake_id(rng)
    data = [["A01", "科长", "1", "办公室", synthetic.fake_name(rng), good, "区委办", "行政"],
            ["A01", "科长", "1", "办公室", synthetic.fake_name(rng), good, "区委办", "行政"]]
    done = jz_here("roster", "import", test_vault.path, write_csv(tmp_path / "dup.csv", CN_HEADERS, data),
                   "--json", user="admin")
    assert done.returncode == 1
    assert json.loads(done.stdout) == {"ok": False, "problems": [
        {"row": 3, "field": "id_number", "key": "roster_duplicate_id_row", "value": "2"}]}
    assert good not in done.stderr  # the ID number itself is not repeated in the message


def test_header_problems_are_reported_on_row_1(test_vault, tmp_path, jz_here):
    rng = random.Random(8)
    headers = ["岗位编码", "岗位名称", "姓名", "身份证号", "身份证号码", "现单位"]  # two ID columns, no 编制
    data = [["A01", "科长", synthetic.fake_name(rng), synthetic.fake_id(rng), synthetic.fake_id(rng), "区委办"]]
    before = test_vault.vault.head()
    done = jz_here("roster", "import", test_vault.path, write_csv(tmp_path / "h.csv", headers, data), user="admin")
    assert done.returncode == 1
    assert "row 1, ID number: the column “身份证号码” duplicates another column" in done.stderr, done.stderr
    assert "row 1, establishment: this column is missing" in done.stderr
    assert test_vault.vault.head() == before


def test_only_an_admin_imports(test_vault, tmp_path, jz_here):
    path = tmp_path / "r.csv"
    synthetic.write_csv(path, demo_rows(seed=1))
    before = test_vault.vault.head()
    done = jz_here("roster", "import", test_vault.path, path, user="clerk")
    assert done.returncode == 1 and test_vault.vault.head() == before


# ---------------------------------------------------------------------- all or nothing (property)

DEFECTS = ("bad_checksum", "bad_x", "bad_birth", "no_name", "no_establishment", "bad_establishment",
           "repeat_id", "closed_post")


def build_row(kind: str, rng: random.Random, earlier_ids: list[str]) -> list[str]:
    post = "S01" if kind == "closed_post" else rng.choice(["A01", "A02"])
    row = [post, f"岗位{post}", "1", "区委办公室", synthetic.fake_name(rng), synthetic.fake_id(rng), "区人社局",
           rng.choice(["行政", "参公", "事业", "公务员", "事业编制"])]
    if kind == "bad_checksum":
        row[5] = with_wrong_check(row[5])
    elif kind == "bad_x":
        row[5] = with_wrong_check(row[5], "X") if row[5][-1] != "X" else with_wrong_check(row[5])
    elif kind == "bad_birth":
        row[5] = id_with_birth(rng, rng.choice(["19890229", "19901301", "19900431", "19900000"]))
    elif kind == "no_name":
        row[4] = ""
    elif kind == "no_establishment":
        row[7] = ""
    elif kind == "bad_establishment":
        row[7] = rng.choice(["合同工", "临时", "contractor"])
    elif kind == "repeat_id" and earlier_ids:
        row[5] = rng.choice(earlier_ids)
    return row


rows_strategy = st.lists(
    st.tuples(st.sampled_from(("ok",) * 4 + DEFECTS), st.integers(0, 2**32)), min_size=1, max_size=8
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=rows_strategy, encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk"]), seed=st.integers(0, 2**32))
def test_an_import_fully_succeeds_or_appends_nothing(plan, encoding, seed):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        tv = make_test_vault(tmp / "p.jz", users=False)
        try:
            admin = session_of(tv, "admin")
            # a first, valid import: candidates already in the vault, and a closed post
            import_demo_roster(admin, tmp, posts=[("A01", "岗位A01", "区委办公室", 2)], seed=seed % 1000)
            closed = [["S01", "保密岗位", "1", "区委办公室", "", "", "", "", "否"]]
            write_csv(tmp / "closed.csv", [*CN_HEADERS, "是否开放竞争"], closed)
            roster.import_roster(admin, tmp / "closed.csv")
            existing_ids = [c.id_number for c in admin.state.roster.candidates.values()]

            rng = random.Random(seed)
            rows, ids, defective = [], list(existing_ids), False
            for kind, row_seed in plan:
                row = build_row(kind, random.Random(row_seed), ids)
                rows.append(row)
                if idcard_ok(row[5]):
                    defective |= row[5] in ids
                    ids.append(row[5])
                defective |= kind != "ok"
            rng.shuffle(rows)
            path = write_csv(tmp / "p.csv", CN_HEADERS, rows, encoding=encoding)

            before_head = tv.vault.head()
            before_count = len(admin.state.roster.candidates)
            try:
                body = roster.import_roster(admin, path)
            except roster.RosterRefused as refused:
                assert defective, refused.problems
                assert refused.problems and all(p.row >= 2 for p in refused.problems)
                assert tv.vault.head() == before_head
                admin.refresh()
                assert len(admin.state.roster.candidates) == before_count
            else:
                assert not defective, rows
                assert tv.vault.head()[0] == before_head[0] + 1
                assert len(body["candidates"]) == len(rows)
                assert len(admin.state.roster.candidates) == before_count + len(rows)
        finally:
            tv.vault.close()


def idcard_ok(number: str) -> bool:
    from jz_tui.rules import idcard

    return idcard.problem(idcard.normalise(number)) is None


# ---------------------------------------------------------------------- corrections and withdrawals


def test_edit_with_a_reason_through_the_cli(test_vault, tmp_path, jz_here):
    admin = session_of(test_vault, "admin")
    body = import_demo_roster(admin, tmp_path)
    code, other = body["candidates"][0]["code"], body["candidates"][1]
    new_id = id_with_check(random.Random(99), "X")
    done = jz_here("roster", "edit", test_vault.path, code, "--set", "name=赵思远", "--set", f"id_number={new_id}",
                   "--set", "establishment=事业编制", "--reason", "身份证复印件核对更正", user="admin")
    assert done.returncode == 0, done.stderr
    admin.refresh()
    candidate = admin.state.roster.candidates[code]
    assert (candidate.name, candidate.id_number, candidate.establishment) == ("赵思远", new_id, "事业")
    assert candidate.edits[-1]["reason"] == "身份证复印件核对更正" and candidate.edits[-1]["by"] == "admin"
    assert checkin.search(admin.state.roster, new_id[-4:]) == [candidate]

    before = test_vault.vault.head()
    refusals = [
        (["--set", "name=某某", "--reason", "  "], "A reason is required"),
        (["--set", f"id_number={with_wrong_check(new_id)}", "--reason", "r"], "check character"),
        (["--set", f"id_number={other['id_number']}", "--reason", "r"], f"already used by candidate {other['code']}"),
        (["--set", "establishment=合同制", "--reason", "r"], "unknown establishment"),
        (["--set", "post=B01", "--reason", "r"], "cannot be edited"),
        (["--set", "name=", "--reason", "r"], "must not be empty"),
    ]
    for argv, message in refusals:
        refused = jz_here("roster", "edit", test_vault.path, code, *argv, user="admin")
        assert refused.returncode == 1 and message in refused.stderr, (argv, refused.stderr)
    assert jz_here("roster", "edit", test_vault.path, code, "--set", "name=某", "--reason", "r",
                   user="clerk").returncode == 1
    assert jz_here("roster", "edit", test_vault.path, "Z99-01", "--set", "name=某", "--reason", "r",
                   user="admin").returncode == 1
    assert test_vault.vault.head() == before


def test_withdrawn_candidate_cannot_check_in(test_vault, tmp_path, jz_here, jz):
    admin = session_of(test_vault, "admin")
    body = import_demo_roster(admin, tmp_path)
    code = body["candidates"][2]["code"]
    assert jz_here("roster", "withdraw", test_vault.path, code, "--reason", "", user="admin").returncode == 1
    done = jz_here("roster", "withdraw", test_vault.path, code, "--reason", "本人书面申请放弃", user="admin")
    assert done.returncode == 0, done.stderr
    again = jz_here("roster", "withdraw", test_vault.path, code, "--reason", "again", user="admin")
    assert again.returncode == 1 and "already withdrawn" in again.stderr

    attempt = jz("checkin", test_vault.path, code, "--json", user="clerk")
    assert attempt.returncode == 1
    assert json.loads(attempt.stdout)["outcome"] == "withdrawn"
    admin.refresh()
    state = admin.state
    assert state.roster.candidates[code].withdrawn == "本人书面申请放弃"
    assert code not in state.roster.checkins
    assert state.roster.refusals[-1][1] == "withdrawn"  # the failed attempt is recorded
    counts = {c.post: c for c in checkin.counts(state.roster)}
    assert counts["A01"].expected == 4  # a withdrawn candidate is no longer expected


# ---------------------------------------------------------------------- nothing in plaintext on disk


def test_no_name_or_id_number_in_the_file_or_wal(tmp_path):
    tv = make_test_vault(tmp_path / "secret.jz")
    try:
        admin = session_of(tv, "admin")
        clerk = session_of(tv, "clerk")
        rows = demo_rows(seed=13)
        rows[0]["姓名"] = "欧阳明辉"  # a name of four characters, certainly long enough to find
        path = tmp_path / "roster.csv"
        synthetic.write_csv(path, rows, encoding="gbk")
        body = roster.import_roster(admin, path)
        for c in body["candidates"][:6]:
            assert checkin.attempt(clerk, c["code"], terminal="T1").ok
        assert checkin.attempt(clerk, body["candidates"][6]["id_number"][-6:], terminal="T1").ok
        checkin.attempt(clerk, rows[0]["姓名"], terminal="T1")  # already: a refusal recording the input
        roster.edit_candidate(admin, body["candidates"][7]["code"], {"name": "司马光明"}, "更正 欧阳明辉 的笔误")

        secrets = [r["身份证号"] for r in rows] + [r["姓名"] for r in rows if len(r["姓名"]) >= 3] + ["司马光明"]
        # the control: the secrets are really in the ledger, readable with the data key
        opened = "".join(json.dumps(open_body(admin.identity.data_key, tv.vault.vault_id, e).data, ensure_ascii=False)
                         for e in tv.vault.events())
        assert all(s in opened for s in secrets)

        wal = Path(str(tv.path) + "-wal")
        assert wal.exists() and wal.stat().st_size > 0
        blobs = {"file": tv.path.read_bytes(), "wal": wal.read_bytes()}
        session_name = tv.vault.session_name.encode("utf-8")  # the control for the search: plaintext by design
        assert any(session_name in blob for blob in blobs.values())
        for where, blob in blobs.items():
            for secret in secrets:
                for encoding in ("utf-8", "gbk", "gb18030", "utf-16-le"):
                    assert secret.encode(encoding) not in blob, (where, encoding)
        tv.vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        checkpointed = tv.path.read_bytes()
        assert all(s.encode(enc) not in checkpointed for s in secrets for enc in ("utf-8", "gbk"))
    finally:
        tv.vault.close()
