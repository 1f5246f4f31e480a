"""Rosters and written scores saved the way offices save them (issue 12, part 5): a merged
title and notes above the header, blank rows, a 合计/备注 footer, a 说明 sheet before the
roster, numbers stored as text and ID numbers Excel kept as numbers.

Every workbook is built with openpyxl into tmp_path from synthetic people; none is committed.
"""

from __future__ import annotations

import csv
import json
import random
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from _hall_helpers import (  # noqa: F401  (jz_here is a fixture)
    CN_HEADERS,
    as_lists,
    demo_rows,
    import_demo_roster,
    jz_here,
    session_of,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jz_tui import i18n
from jz_tui.bench import synthetic
from jz_tui.rules import idcard
from jz_tui.services import roster, tabular, written
from storage.roster_state import Candidate, RosterState

TITLE = "2026年区直机关中层干部竞争上岗报名人员花名册"
NOTE = ["填报单位：区委组织部（盖章）", "", "", "", "", "填报日期：2026年3月"]
FOOTER = [["合计", "", "", "", "共 {n} 人"], ["填表人：", "", "", "审核人："]]
INSTRUCTIONS = [["填表说明"], ["1. 岗位编码按公告填写。"], ["2. 身份证号一列请设为文本格式。"]]


def office_layout(headers: list[str], rows: list[list[object]], *, titles: int = 1, note: bool = True,
                  blanks: frozenset[int] = frozenset({2}), footer: bool = True
                  ) -> tuple[list[list[object]], dict[int, int]]:
    """The sheet's rows as an office lays them out, and each data row's spreadsheet row number.

    ``titles`` title rows (the first is the merged 花名册 title), a note row, the header, the
    data with a blank row before each data index in ``blanks``, then a 合计 and a 填表人 row.
    """
    sheet: list[list[object]] = [[TITLE if i == 0 else f"（第 {i + 1} 批）"] for i in range(titles)]
    if note:
        sheet.append(list(NOTE))
    sheet.append(list(headers))
    numbers: dict[int, int] = {}
    for index, row in enumerate(rows):
        if index in blanks:
            sheet.append([])
        sheet.append(list(row))
        numbers[index] = len(sheet)
    if footer:
        sheet += [[]] + [[cell.format(n=len(rows)) for cell in line] for line in FOOTER]
    return sheet, numbers


def save_xlsx(path: Path, sheet_rows: list[list[object]], width: int, *, sheet_name: str = "花名册",
              instructions: bool = True) -> Path:
    """A workbook as Excel and WPS save it: a 说明 sheet first, the roster sheet with its title
    rows merged across the table's width."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook()
    first = book.active
    if instructions:
        first.title = "说明"
        for line in INSTRUCTIONS:
            first.append(line)
        sheet = book.create_sheet(sheet_name)
    else:
        first.title = sheet_name
        sheet = first
    for number, row in enumerate(sheet_rows, start=1):
        for column, value in enumerate(row, start=1):
            if value not in ("", None):
                sheet.cell(number, column, value)
        if len(row) == 1 and row[0]:  # a title: one cell merged across the table, as offices do
            sheet.merge_cells(f"A{number}:{get_column_letter(width)}{number}")
    book.save(path)
    return path


def save_csv(path: Path, sheet_rows: list[list[object]], width: int, encoding: str = "utf-8") -> Path:
    """The CSV Excel writes of such a sheet: every line as wide as the table (a merged title is
    its text and commas)."""
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        for row in sheet_rows:
            writer.writerow([*row, *[""] * (width - len(row))])
    return path


def plain_csv(path: Path, headers: list[str], rows: list[list[object]]) -> Path:
    return save_csv(path, [headers, *rows], len(headers), "utf-8")


def mangled_ids(rng: random.Random) -> dict[str, object]:
    """ID numbers as Excel keeps them when the column is a number: the float it shows as
    4.20106199001011E+17, the int whose digits past the 15th are zeros, an ID ending in X
    without its X. Each is made so that the mangled form really is not a valid ID number."""
    def wrong(mangled: str) -> bool:
        return idcard.problem(mangled) is not None

    while True:
        number = synthetic.fake_id(rng)
        zeroed = number[:15] + "000"
        if wrong(zeroed) and not number.endswith("X"):
            break
    while True:
        with_x = synthetic.fake_id(rng)
        if with_x.endswith("X"):
            break
    return {"float": float(f"{int(number):.15g}"), "zeroed": int(zeroed), "lost_x": int(with_x[:17]),
            "csv_scientific": f"{int(number):.5E}", "csv_zeroed": zeroed}


# ====================================================================== roster


def test_a_roster_with_a_title_notes_blank_rows_a_footer_and_a_说明_sheet(test_vault, tmp_path, jz_here):
    rows = demo_rows(seed=5)
    data = as_lists(rows)
    sheet, numbers = office_layout(CN_HEADERS, data, titles=1, note=True, blanks=frozenset({3, 7}))
    path = save_xlsx(tmp_path / "花名册.xlsx", sheet, len(CN_HEADERS))

    done = jz_here("roster", "import", test_vault.path, path, user="admin")
    assert done.returncode == 0, done.stderr
    footer_row = numbers[len(data) - 1] + 2  # a blank row, then 合计
    assert done.stdout.splitlines()[0] == (
        f"Read sheet 花名册, header on row 3. Row {footer_row} is a total or a note: "
        "it and the rows below it were not read.")
    assert "Imported 3 new post(s) and 12 candidate(s)." in done.stdout
    admin = session_of(test_vault, "admin")
    state = admin.state.roster
    assert [c.name for c in sorted(state.candidates.values(), key=lambda c: c.order)] == [r["姓名"] for r in rows]
    assert [c.id_number for c in sorted(state.candidates.values(), key=lambda c: c.order)] == \
        [r["身份证号"] for r in rows]
    assert set(state.posts) == {"A01", "A02", "B01"}


def test_the_output_names_the_sheet_in_chinese_and_in_json(test_vault, tmp_path, jz_here):
    sheet, _ = office_layout(CN_HEADERS, as_lists(demo_rows(seed=6)), titles=2, footer=False)
    path = save_xlsx(tmp_path / "r.xlsx", sheet, len(CN_HEADERS), sheet_name="报名人员")
    i18n.set_language("zh")
    done = jz_here("roster", "import", test_vault.path, path, user="admin")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "读取工作表“报名人员”，表头在第 4 行。"

    again = save_xlsx(tmp_path / "r2.xlsx", office_layout(CN_HEADERS, as_lists(demo_rows(
        [("C01", "法规股股长", "区司法局", 2)], seed=8)))[0], len(CN_HEADERS))
    done = jz_here("roster", "import", test_vault.path, again, "--json", user="admin")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["sheet"], result["header_row"], result["candidates"]) == ("花名册", 3, 2)
    assert result["footer_row"] == 3 + 2 + 1 + 1  # header, two candidates (a blank before neither), blank, 合计


def test_a_csv_with_a_title_line_reports_rows_as_the_spreadsheet_numbers_them(test_vault, tmp_path, jz_here):
    data = as_lists(demo_rows([("A01", "办公室综合科科长", "区委办公室", 4)], seed=9))
    data[2][7] = "合同制"  # an unknown establishment: the third candidate
    sheet, numbers = office_layout(CN_HEADERS, data, titles=1, note=True, blanks=frozenset({1}))
    path = save_csv(tmp_path / "title.csv", sheet, len(CN_HEADERS), encoding="gbk")
    done = jz_here("roster", "import", test_vault.path, path, user="admin")
    assert done.returncode == 1
    assert numbers[2] == 7  # title, note, header, first candidate, blank, second, third
    assert "Header on row 3." in done.stderr.splitlines()[0]
    rows = [line.strip() for line in done.stderr.splitlines() if line.strip().startswith("row ")]
    assert rows == ["row 7, establishment: unknown establishment type “合同制” (use 行政, 参公 or 事业)"]

    data[2][7] = "事业"
    path = save_csv(tmp_path / "title.csv", office_layout(CN_HEADERS, data)[0], len(CN_HEADERS), encoding="gbk")
    done = jz_here("roster", "import", test_vault.path, path, user="admin")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Header on row 3. Row ")


def test_header_problems_are_reported_on_the_header_row(test_vault, tmp_path, jz_here):
    headers = [h for h in CN_HEADERS if h != "编制"]
    data = [row[:7] for row in as_lists(demo_rows(seed=4))]
    sheet, _ = office_layout(headers, data, titles=1, note=True)
    path = save_xlsx(tmp_path / "no-establishment.xlsx", sheet, len(headers))
    before = test_vault.vault.head()
    done = jz_here("roster", "import", test_vault.path, path, user="admin")
    assert done.returncode == 1
    assert "  row 3, establishment: this column is missing" in done.stderr.splitlines()
    assert "Read sheet 花名册, header on row 3." in done.stderr.splitlines()[0]
    assert test_vault.vault.head() == before


def test_numbers_stored_as_text_and_as_numbers_are_both_read(test_vault, tmp_path):
    rows = demo_rows([("A01", "办公室综合科科长", "区委办公室", 2), ("A02", "财务科副科长", "区财政局", 2)], seed=3)
    headers = ["序号", "岗位编码", "岗位名称", "职数", "所属部门", "准考证号", "姓名", "身份证号", "现单位", "编制"]
    # 序号 and 职数 as numbers; exam numbers as numbers in one half and as text in the other;
    # ID numbers as text, which is what keeps their 18 characters
    cells = [[i, r["岗位编码"], r["岗位名称"], 2, r["所属部门"], 20260100 + i if i % 2 else str(20260100 + i),
              r["姓名"], r["身份证号"], r["现单位"], r["编制"]] for i, r in enumerate(rows, start=1)]
    sheet, _ = office_layout(headers, cells)
    path = save_xlsx(tmp_path / "typed.xlsx", sheet, len(headers))
    admin = session_of(test_vault, "admin")
    roster.import_roster(admin, path)
    state = admin.state.roster
    assert sorted(state.candidates) == ["20260101", "20260102", "20260103", "20260104"]
    assert [state.candidates[f"2026010{i}"].id_number for i in range(1, 5)] == [r["身份证号"] for r in rows]
    assert state.posts["A01"].seats == 2


def test_id_numbers_excel_kept_as_numbers_are_refused_saying_why(test_vault, tmp_path, jz_here):
    mangled = mangled_ids(random.Random(12))
    data = as_lists(demo_rows([("A01", "办公室综合科科长", "区委办公室", 5)], seed=12))
    cells: list[list[object]] = [list(row) for row in data]
    cells[1][5], cells[2][5], cells[4][5] = mangled["float"], mangled["zeroed"], mangled["lost_x"]
    sheet, numbers = office_layout(CN_HEADERS, cells, blanks=frozenset({2}))
    path = save_xlsx(tmp_path / "ids.xlsx", sheet, len(CN_HEADERS))
    before = test_vault.vault.head()
    done = jz_here("roster", "import", test_vault.path, path, user="admin")
    assert done.returncode == 1
    why = ("the ID number was stored as a number, which loses its last digits or its final X; "
           "format the column as text and re-enter the numbers")
    rows = [line.strip() for line in done.stderr.splitlines() if line.strip().startswith("row ")]
    assert rows == [f"row {numbers[i]}, ID number: {why}" for i in (1, 2, 4)]
    assert [numbers[i] for i in (1, 2, 4)] == [5, 7, 9]  # title, note, header, 1st, 2nd, blank, 3rd, 4th, 5th
    assert test_vault.vault.head() == before

    done = jz_here("roster", "import", test_vault.path, path, "--json", user="admin")
    assert [p["key"] for p in json.loads(done.stdout)["problems"]] == ["id_stored_as_number"] * 3

    i18n.set_language("zh")
    done = jz_here("roster", "import", test_vault.path, path, user="admin")
    assert "身份证号被存成了数字" in done.stderr and "设为文本格式" in done.stderr


def test_id_numbers_a_csv_got_from_a_number_column_are_refused_saying_why(test_vault, tmp_path, jz_here):
    mangled = mangled_ids(random.Random(13))
    data = as_lists(demo_rows([("A01", "办公室综合科科长", "区委办公室", 4)], seed=13))
    right = data[3][5][17]
    typo = data[3][5][:17] + ("7" if right != "7" else "8")  # a plain wrong check character, not a zero
    data[0][5], data[1][5], data[3][5] = mangled["csv_scientific"], mangled["csv_zeroed"], typo
    path = plain_csv(tmp_path / "ids.csv", CN_HEADERS, data)
    done = jz_here("roster", "import", test_vault.path, path, "--json", user="admin")
    assert done.returncode == 1
    assert [(p["row"], p["key"]) for p in json.loads(done.stdout)["problems"]] == [
        (2, "id_stored_as_number"), (3, "id_stored_as_number"), (5, "id_bad_checksum")]


# ====================================================================== written scores


@pytest.fixture
def imported(test_vault, tmp_path):
    """The demo roster imported: (admin session, the candidates in roster order)."""
    admin = session_of(test_vault, "admin")
    body = import_demo_roster(admin, tmp_path, seed=21)
    return admin, body["candidates"]


WRITTEN_HEADERS = ["序号", "准考证号", "姓名", "身份证号", "笔试成绩"]


def test_written_scores_with_a_title_a_footer_and_numeric_scores(test_vault, tmp_path, jz_here, imported):
    admin, candidates = imported
    scores = [85.5, 90, 77.25, 61.4, 100, 0.5]
    cells = [[i, c["code"], c["name"], c["id_number"], s] for i, (c, s) in enumerate(zip(candidates, scores), 1)]
    sheet, numbers = office_layout(WRITTEN_HEADERS, cells, titles=1, note=True, blanks=frozenset({4}))
    sheet[0] = ["2026年竞争上岗笔试成绩汇总表"]
    path = save_xlsx(tmp_path / "笔试.xlsx", sheet, len(WRITTEN_HEADERS), sheet_name="成绩")

    done = jz_here("written", "import", test_vault.path, path, user="admin")
    assert done.returncode == 0, done.stderr
    footer_row = numbers[len(cells) - 1] + 2
    assert done.stdout.splitlines() == [
        f"Read sheet 成绩, header on row 3. Row {footer_row} is a total or a note: "
        "it and the rows below it were not read.",
        "Imported written scores for 6 candidate(s)."]
    admin.refresh()
    stored = admin.state.scoring.stage_scores["written"]
    assert {code: Decimal(v) for code, v in stored.items()} == {
        c["code"]: Decimal(str(s)) for c, s in zip(candidates, scores)}
    assert stored[candidates[0]["code"]] == "85.5" and stored[candidates[2]["code"]] == "77.25"


def test_written_scores_by_id_with_ids_kept_as_numbers_are_refused_saying_why(test_vault, tmp_path, jz_here,
                                                                               imported):
    _, candidates = imported
    mangled = mangled_ids(random.Random(14))
    cells: list[list[object]] = [[c["id_number"], c["name"], "80"] for c in candidates[:3]]
    cells[1][0] = mangled["float"]
    sheet, numbers = office_layout(["身份证号", "姓名", "笔试成绩"], cells, titles=2, note=False,
                                   blanks=frozenset())
    path = save_xlsx(tmp_path / "by-id.xlsx", sheet, 3)
    done = jz_here("written", "import", test_vault.path, path, "--json", user="admin")
    assert done.returncode == 1
    assert json.loads(done.stdout)["problems"] == [
        {"row": numbers[1], "field": "id_number", "key": "id_stored_as_number", "value": ""}]
    assert numbers[1] == 5  # two titles, the header, the first row, this one
    assert candidates[1]["id_number"] not in done.stderr


def test_written_scores_in_a_csv_with_a_title_line(test_vault, tmp_path, jz_here, imported):
    _, candidates = imported
    cells = [[i, c["code"], c["name"], c["id_number"], "88.5"] for i, c in enumerate(candidates[:3], 1)]
    cells.append([4, "Z99-01", "", "", "70"])  # nobody of the roster
    sheet, numbers = office_layout(WRITTEN_HEADERS, cells, titles=1, note=False, blanks=frozenset({3}))
    path = save_csv(tmp_path / "written.csv", sheet, len(WRITTEN_HEADERS), encoding="gbk")
    done = jz_here("written", "import", test_vault.path, path, "--json", user="admin")
    assert done.returncode == 1
    assert [(p["row"], p["key"]) for p in json.loads(done.stdout)["problems"]] == [(numbers[3], "written_unmatched")]
    assert numbers[3] == 7  # title, header, three rows, blank
    assert "Header on row 2." in done.stderr


# ====================================================================== the header anywhere (property)


def sample_rows(seed: int) -> list[list[str]]:
    return as_lists(demo_rows([("A01", "办公室综合科科长", "区委办公室", 3), ("B01", "信息中心主任", "区数据局", 2)],
                              seed=seed))


layouts = st.fixed_dictionaries({
    "titles": st.integers(0, 3), "note": st.booleans(), "footer": st.booleans(),
    "blanks": st.frozensets(st.integers(0, 5), max_size=4), "xlsx": st.booleans(), "instructions": st.booleans(),
    "defect": st.one_of(st.none(), st.integers(0, 4)),
})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layout=layouts, seed=st.integers(0, 10_000))
def test_a_roster_reads_the_same_wherever_its_header_is(layout, seed):
    data = sample_rows(seed)
    if layout["defect"] is not None:
        data[layout["defect"]][7] = "临时工"  # an unknown establishment, to see which row it is reported on
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        plain = tabular.read_table(plain_csv(tmp / "plain.csv", CN_HEADERS, data), roster.HEADER_ALIASES)
        sheet, numbers = office_layout(CN_HEADERS, data, titles=layout["titles"], note=layout["note"],
                                       blanks=layout["blanks"], footer=layout["footer"])
        if layout["xlsx"]:
            path = save_xlsx(tmp / "office.xlsx", sheet, len(CN_HEADERS), instructions=layout["instructions"])
        else:
            path = save_csv(tmp / "office.csv", sheet, len(CN_HEADERS))
        office = tabular.read_table(path, roster.HEADER_ALIASES)
    header_row = layout["titles"] + layout["note"] + 1
    assert office.header_row == header_row and office.headers[:len(CN_HEADERS)] == CN_HEADERS
    assert office.sheet == ("花名册" if layout["xlsx"] else "")
    assert (office.footer_row is not None) == layout["footer"]
    assert [n for n, _ in office.rows] == [numbers[i] for i in range(len(data))]
    try:
        expected = roster.parse_roster(plain, RosterState())
    except roster.RosterRefused as refused:
        assert layout["defect"] is not None
        with pytest.raises(roster.RosterRefused) as office_refused:
            roster.parse_roster(office, RosterState())
        # the same problems, on the rows the office file has them
        assert [(numbers[p.row - 2], p.field, p.key, p.value) for p in refused.problems] == \
            [(p.row, p.field, p.key, p.value) for p in office_refused.value.problems]
    else:
        assert layout["defect"] is None
        assert roster.parse_roster(office, RosterState()) == expected


def roster_state_of(rows: list[list[str]]) -> RosterState:
    state = RosterState()
    for order, row in enumerate(rows):
        code = f"{row[0]}-{order + 1:02d}"
        state.candidates[code] = Candidate(code, row[0], row[4], row[5], row[6], row[7], row[3], "", order)
    return state


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layout=layouts, seed=st.integers(0, 10_000), by_id=st.booleans(),
       marks=st.lists(st.decimals(0, 100, places=2), min_size=5, max_size=5))
def test_written_scores_read_the_same_wherever_the_header_is(layout, seed, by_id, marks):
    people = sample_rows(seed)
    state = roster_state_of(people)
    codes = list(state.candidates)
    headers = ["身份证号", "姓名", "笔试成绩"] if by_id else ["准考证号", "姓名", "笔试成绩"]
    # in a workbook a score is a number cell (openpyxl hands back a float); in a CSV, text
    data = [[person[5] if by_id else code, person[4], float(mark) if layout["xlsx"] else str(mark)]
            for person, code, mark in zip(people, codes, marks, strict=True)]
    plain_data = [[*row[:2], str(mark)] for row, mark in zip(data, marks, strict=True)]
    if layout["defect"] is not None:
        data[layout["defect"]][2] = plain_data[layout["defect"]][2] = "缺考"  # not a mark
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        plain = tabular.read_table(plain_csv(tmp / "plain.csv", headers, plain_data), written.HEADER_ALIASES)
        sheet, numbers = office_layout(headers, data, titles=layout["titles"], note=layout["note"],
                                       blanks=layout["blanks"], footer=layout["footer"])
        if layout["xlsx"]:
            path = save_xlsx(tmp / "office.xlsx", sheet, len(headers), instructions=layout["instructions"])
        else:
            path = save_csv(tmp / "office.csv", sheet, len(headers))
        office = tabular.read_table(path, written.HEADER_ALIASES)
    try:
        expected = written.parse_written(plain, state, {}, False)
    except written.WrittenRefused as refused:
        assert layout["defect"] is not None
        with pytest.raises(written.WrittenRefused) as office_refused:
            written.parse_written(office, state, {}, False)
        assert [(numbers[p.row - 2], p.field, p.key) for p in refused.problems] == \
            [(p.row, p.field, p.key) for p in office_refused.value.problems]
    else:
        assert layout["defect"] is None
        # the same marks: "85.50" in the CSV is the number 85.5 in the workbook
        read = written.parse_written(office, state, {}, False)
        assert {code: Decimal(v) for code, v in read.items()} == {code: Decimal(v) for code, v in expected.items()}
        assert {code: Decimal(v) for code, v in expected.items()} == dict(zip(codes, marks, strict=True))
