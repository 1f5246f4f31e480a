"""The notice as a clerk opens and prints it (issue 21, item 7).

The xlsx stores a score as a number shown with its two decimals, a rank as an integer and
everything else as text; it has a title row, widths that fit Chinese, and prints on A4
landscape one page wide with the title and header on every page; the ``jz`` sheet that
``jz verify --export`` reads is there but hidden. The CSV starts with its header, so a
spreadsheet's filter and sort take row 1 as the header.

Checked as a clerk would: the files are opened in LibreOffice headless and printed to
PDF, and the PDF is read back with poppler. The vaults are built here (the demo, and a
60-candidate session made from synthetic people), never kept as fixture files.
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import shutil
import signal
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from jz_tui.bench import demo, synthetic
from jz_tui.i18n import t
from jz_tui.services import notice_files, roster
from jz_tui.services.session import Session
from tests.conftest import PASSPHRASES, WEAK_KDF, jz_executable, make_test_vault

LANG = "zh"  # the notice a hall publishes
SCORE_HEADERS = {t(key, lang=LANG) for key in ("stage_written", "stage_interview", "stage_democratic",
                                               "col_composite")}
RANK_HEADER = t("col_rank", lang=LANG)
CSV_UTF8 = "--infilter=CSV:44,34,76,1"  # comma, double quote, UTF-8 (what the BOM says), from line 1
LONG_POSTS = [("0012", "办公室综合科科长", "区委办公室", 15), ("A02", "财务科副科长", "区财政局", 15),
              ("B01", "信息中心主任", "区数据局", 15), ("C01", "法规股股长", "区司法局", 15)]
FORMULA_NAME = "=1+2"


# ---------------------------------------------------------------------- the vaults and their files


def run_jz(*args: object, passphrase: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "JZ_LANG": LANG, "JZ_PASSPHRASE": passphrase}
    return subprocess.run([*jz_executable(), *map(str, args), "--user", "admin"], capture_output=True, text=True,
                          env=env, timeout=120)


def export_all(vault: Path, passphrase: str, directory: Path) -> dict[str, Path]:
    files = {}
    for fmt in ("xlsx", "csv", "json"):
        out = directory / f"notice.{fmt}"
        done = run_jz("export", vault, "--format", fmt, "--out", out, passphrase=passphrase)
        assert done.returncode == 0, done.stderr
        files[fmt] = out
    return files


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory) -> dict[str, Path]:
    """The demo session's notice: 14 candidates, scores of every stage, two ranked."""
    directory = tmp_path_factory.mktemp("demo-notice")
    vault = directory / "demo.jz"
    demo.build_demo(vault, say=lambda line: None, kdf=WEAK_KDF)
    return {"vault": vault, "passphrase": "admin-demo", **export_all(vault, "admin-demo", directory)}


@pytest.fixture(scope="module")
def long_files(tmp_path_factory) -> dict[str, Path]:
    """Sixty candidates with written scores (one of 100, one of each below), a post coded "0012"
    and a name that reads as a formula: two printed pages."""
    directory = tmp_path_factory.mktemp("long-notice")
    tv = make_test_vault(directory / "long.jz", users=False)
    rows = synthetic.roster_rows(LONG_POSTS, seed=5)
    rows[1]["姓名"] = FORMULA_NAME
    synthetic.write_csv(directory / "roster.csv", rows)
    admin = Session(tv.vault, tv.admin)
    roster.import_roster(admin, directory / "roster.csv")
    rng = random.Random(5)
    codes = sorted(admin.state.roster.candidates)
    scores = {code: str(Decimal(rng.randint(600, 990)) / 10) for code in codes}
    scores[codes[3]] = "100"
    admin.append("written.import", {"stage": "written", "scores": scores})
    tv.vault.close()
    return {"vault": tv.path, "passphrase": PASSPHRASES["admin"],
            **export_all(tv.path, PASSPHRASES["admin"], directory)}


def published(files: dict[str, Path]) -> dict:
    """The notice's text, from the JSON export of the same head: what every cell must show."""
    return json.loads(files["json"].read_text(encoding="utf-8"))


def kind_of(header: str) -> str:
    return "score" if header in SCORE_HEADERS else "rank" if header == RANK_HEADER else "text"


# ---------------------------------------------------------------------- LibreOffice and poppler


def soffice(source: Path, target: str, outdir: Path, *options: str) -> Path:
    """``source`` converted by LibreOffice headless, with a profile of its own (parallel runs
    never share one) and a time limit that ends the whole process group."""
    assert shutil.which("soffice"), "LibreOffice is not installed (.ci/run installs libreoffice-calc-nogui)"
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / "lo-profile"
    argv = ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", *options,
            "--convert-to", target, "--outdir", str(outdir), str(source)]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        out, err = process.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    converted = outdir / f"{source.stem}.{target.split(':')[0]}"
    assert process.returncode == 0 and converted.exists(), out + err
    return converted


def pdf_text(pdf: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *pages, str(pdf), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True, timeout=60).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def page_size(pdf: Path) -> tuple[int, int]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True, timeout=60).stdout
    width, height = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+)", info, re.M).groups()
    return round(float(width)), round(float(height))


def line_of(text: str, code: str) -> str:
    lines = [line for line in text.splitlines() if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", line)]
    assert len(lines) == 1, (code, lines)
    return lines[0]


def in_order(line: str, cells: list[str]) -> bool:
    """Every cell appears in the line, left to right."""
    position = 0
    for cell in cells:
        found = line.find(cell, position)
        if found < 0:
            return False
        position = found + len(cell)
    return True


# ---------------------------------------------------------------------- the xlsx itself


@pytest.mark.parametrize("which", ["demo_files", "long_files"])
def test_xlsx_scores_are_numbers_ranks_integers_the_rest_text(which, request):
    files = request.getfixturevalue(which)
    notice = published(files)
    sheet = load_workbook(files["xlsx"])["公示"]
    assert [c.value for c in sheet[2]] == notice["header"]
    assert sheet.max_row == 2 + len(notice["rows"])
    kinds = [kind_of(h) for h in notice["header"]]
    seen = {"score": 0, "rank": 0}
    for number, row in enumerate(notice["rows"], start=3):
        for cell, text, kind in zip(sheet[number], row, kinds, strict=True):
            where = f"{cell.coordinate} {text!r}"
            if kind == "text":
                assert (cell.value or "") == text, where
                assert cell.value is None or cell.data_type == "s", where  # never a formula
                assert cell.number_format == "@", where  # typed over, a code such as 0012 stays text
            elif text == "":
                assert cell.value is None, where  # blank, so a sort puts it last
            elif kind == "score":
                assert cell.data_type == "n" and isinstance(cell.value, float | int), where
                assert cell.number_format == "0.00" and f"{cell.value:.2f}" == text, where
                seen["score"] += 1
            else:
                assert cell.data_type == "n" and isinstance(cell.value, int) and str(cell.value) == text, where
                assert cell.number_format == "0", where
                seen["rank"] += 1
    assert seen["score"] >= len(notice["rows"])  # every candidate has at least a written score
    if which == "demo_files":
        assert seen["rank"] >= 2
    else:  # numbers sort as numbers: 100.00 above 99.x, which a text sort would put it below
        column = notice["header"].index(t("stage_written", lang=LANG)) + 1
        values = [sheet.cell(n, column).value for n in range(3, sheet.max_row + 1)]
        assert max(values) == 100 and sorted(values)[-1] == 100
        post_codes = [sheet.cell(n, 1).value for n in range(3, sheet.max_row + 1)]
        assert post_codes.count("0012") == 15
        names = [c for row in sheet.iter_rows(min_row=3) for c in row if c.value == FORMULA_NAME]
        assert names and all(c.data_type == "s" for c in names)


def test_xlsx_has_a_title_widths_for_chinese_and_a4_landscape_one_page_wide(demo_files):
    notice = published(demo_files)
    workbook = load_workbook(demo_files["xlsx"])
    assert workbook.sheetnames == ["公示", "jz"]
    sheet, meta = workbook["公示"], workbook["jz"]
    assert workbook.active.title == "公示"
    assert meta.sheet_state == "hidden"  # present for jz verify --export, never printed
    assert dict(meta.iter_rows(values_only=True)) == notice["meta"]

    title = sheet["A1"]
    assert title.value == f"{notice['meta']['session']} {t('notice_title', lang=LANG)}"
    assert title.font.bold and title.data_type == "s"
    last = chr(ord("A") + len(notice["header"]) - 1)
    assert f"A1:{last}1" in {str(r) for r in sheet.merged_cells.ranges}
    assert all(c.font.bold for c in sheet[2])

    for index, header in enumerate(notice["header"]):
        letter = chr(ord("A") + index)
        texts = [header, *(row[index] for row in notice["rows"])]
        widest = max(notice_files.display_width(text) for text in texts)
        assert sheet.column_dimensions[letter].width >= min(widest, notice_files.MAX_WIDTH), (header, widest)
    unit = notice["header"].index(t("col_unit", lang=LANG))
    assert notice_files.display_width("区数据局信息中心") == 16  # a Chinese character counts two
    assert sheet.column_dimensions[chr(ord("A") + unit)].width >= 16

    setup = sheet.page_setup
    assert setup.orientation == "landscape" and int(setup.paperSize) == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert int(setup.fitToWidth) == 1 and int(setup.fitToHeight) == 0  # one page wide, as long as needed
    assert sheet.print_title_rows == "$1:$2"  # title and header repeated on every page
    assert sheet.auto_filter.ref == f"A2:{last}{2 + len(notice['rows'])}"
    assert sheet.freeze_panes == "A3"


def test_a_changed_number_in_the_xlsx_is_caught_and_an_untouched_one_passes(long_files, tmp_path):
    vault, passphrase = long_files["vault"], long_files["passphrase"]
    for fmt in ("xlsx", "csv"):
        clean = run_jz("verify", vault, "--export", long_files[fmt], "--json", passphrase=passphrase)
        assert clean.returncode == 0, clean.stdout + clean.stderr
    workbook = load_workbook(long_files["xlsx"])
    sheet = workbook["公示"]
    cell = next(c for c in sheet["F"][2:] if c.value == 100)
    cell.value = 100.01  # one hundredth, shown through the same 0.00 format
    changed = tmp_path / "changed.xlsx"
    workbook.save(changed)
    caught = run_jz("verify", vault, "--export", changed, "--json", passphrase=passphrase)
    assert caught.returncode == 3, caught.stdout + caught.stderr
    problems = json.loads(caught.stdout)["problems"]
    assert len(problems) == 1 and "100.01" in problems[0]["message"] and "100.00" in problems[0]["message"]


def test_a_workbook_opened_and_saved_again_in_libreoffice_still_checks(long_files, tmp_path):
    """A clerk opens the notice, looks, saves: types, formats, the hidden sheet and the page
    setup survive, and jz verify --export still reads the same text."""
    saved = soffice(long_files["xlsx"], "xlsx", tmp_path / "saved")
    checked = run_jz("verify", long_files["vault"], "--export", saved, "--json", passphrase=long_files["passphrase"])
    assert checked.returncode == 0, checked.stdout + checked.stderr
    workbook = load_workbook(saved)
    assert [s.sheet_state for s in workbook] == ["visible", "hidden"]
    sheet = workbook["公示"]
    assert sheet.print_title_rows == "$1:$2" and sheet.page_setup.orientation == "landscape"
    assert sheet["A3"].value == "0012" and sheet["F3"].number_format == "0.00"


@pytest.mark.parametrize("case", ["typed", "untyped", "empty"])
def test_what_is_written_reads_back_as_the_same_text(long_files, tmp_path, case):
    """Typed or not (a notice that does not say its kinds stays text), with rows or none, and a
    session name that reads as a formula in the title: the file reads back cell for cell."""
    data = published(long_files)
    notice = notice_files.Notice({**data["meta"], "session": "=HYPERLINK(1)"}, data["header"], data["rows"],
                                 [kind_of(h) for h in data["header"]])
    if case == "untyped":
        notice.kinds = []
    elif case == "empty":
        notice.rows = []
    for fmt in ("xlsx", "csv", "html", "json"):
        out = tmp_path / f"notice.{fmt}"
        notice_files.write(notice, fmt, out)
        back = notice_files.read_notice(out)
        assert (back.meta, back.header, back.rows) == (notice.meta, notice.header, notice.rows), fmt
    sheet = load_workbook(tmp_path / "notice.xlsx")["公示"]
    assert sheet["A1"].data_type == "s" and sheet["A1"].value.startswith("=HYPERLINK(1) ")
    numbers = [c for row in sheet.iter_rows(min_row=3) for c in row if c.data_type == "n" and c.value is not None]
    assert bool(numbers) == (case == "typed")


def test_a_csv_written_with_its_head_above_the_table_is_still_read(long_files, tmp_path):
    """Files published before the header came first keep their six ``#`` rows on top."""
    lines = list(csv.reader(long_files["csv"].read_text(encoding="utf-8-sig").splitlines()))
    assert lines[0] == published(long_files)["header"]
    blank = lines.index([])
    old = tmp_path / "old.csv"
    with old.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([*lines[blank + 1:], [], *lines[:blank]])
    assert notice_files.read_notice(old) == notice_files.read_notice(long_files["csv"])
    read = notice_files.read_notice(long_files["csv"])
    assert read.meta == published(long_files)["meta"] and read.rows == published(long_files)["rows"]


# ---------------------------------------------------------------------- printed by LibreOffice


def test_the_demo_xlsx_prints_on_one_a4_landscape_page_with_every_score(demo_files, tmp_path):
    notice = published(demo_files)
    pdf = soffice(demo_files["xlsx"], "pdf", tmp_path)
    assert page_count(pdf) == 1
    assert page_size(pdf) == (842, 595)  # A4 landscape
    text = pdf_text(pdf, 1)
    assert notice["meta"]["session"] in text and t("notice_title", lang=LANG) in text
    header_line = next(line for line in text.splitlines() if notice["header"][0] in line)
    assert in_order(header_line, notice["header"])  # on one line: no header broken mid-word
    kinds = [kind_of(h) for h in notice["header"]]
    for row in notice["rows"]:
        line = line_of(text, row[2])
        numbers = [cell for cell, kind in zip(row, kinds, strict=True) if kind != "text" and cell]
        assert numbers and all(re.fullmatch(r"\d+\.\d\d|\d+", n) for n in numbers)
        assert in_order(line, [row[0], row[2], row[3], *numbers]), (row, line)  # "86.00", never "86"
    for hidden in ("admin_fingerprint", "vault_id", "head_seq", notice["meta"]["vault_id"], notice["meta"]["head"]):
        assert hidden not in text  # the jz sheet is not printed
    assert "第 1 页，共 1 页" in text and notice["meta"]["admin_fingerprint"] in text


def test_sixty_candidates_print_on_two_pages_with_the_header_on_each(long_files, tmp_path):
    notice = published(long_files)
    pdf = soffice(long_files["xlsx"], "pdf", tmp_path)
    assert page_count(pdf) == 2
    pages = [pdf_text(pdf, 1), pdf_text(pdf, 2)]
    for number, text in enumerate(pages, start=1):
        assert notice["meta"]["session"] in text and t("notice_title", lang=LANG) in text, number
        header_line = next(line for line in text.splitlines() if notice["header"][0] in line)
        assert in_order(header_line, notice["header"]), number
        assert f"第 {number} 页，共 2 页" in text
        assert notice["meta"]["admin_fingerprint"] in text  # each page says where it came from, to be checked
        assert f"第 {notice['meta']['head_seq']} 号事件（链头 {notice['meta']['head'][:12]}）" in text
        assert "admin_fingerprint" not in text and "vault_id" not in text
    both = "\n".join(pages)
    written = notice["header"].index(t("stage_written", lang=LANG))
    for row in notice["rows"]:
        assert in_order(line_of(both, row[2]), [row[0], row[2], row[3], row[written]])
    assert sum(1 for row in notice["rows"] if row[2] in pages[1]) >= 10  # the second page holds rows, not a stub
    assert "100.00" in both and FORMULA_NAME in both  # the name printed as typed, never computed


def test_the_csv_opens_with_its_header_in_row_1_so_filter_and_sort_see_the_table(long_files, tmp_path):
    notice = published(long_files)
    converted = soffice(long_files["csv"], "xlsx", tmp_path, CSV_UTF8)
    sheet = load_workbook(converted).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == notice["header"]  # row 1: what Excel's and LibreOffice's filters take as the header
    # the current region a sort or filter takes ends at the first empty row: exactly the table
    end = next(n for n, row in enumerate(rows) if all(v in (None, "") for v in row))
    assert end == 1 + len(notice["rows"])
    table = rows[1:end]
    assert [row[2] for row in table] == [row[2] for row in notice["rows"]]
    written = notice["header"].index(t("stage_written", lang=LANG))
    values = [row[written] for row in table]
    assert all(isinstance(v, float | int) for v in values)  # numbers, so the sort is numeric
    assert sorted(values, reverse=True)[0] == 100
    assert [Decimal(str(v)) for v in values] == [Decimal(row[written]) for row in notice["rows"]]
    names = [row[3] for row in table]
    assert FORMULA_NAME not in names and 3 not in names  # defused: not computed, kept as text
    assert any(isinstance(n, str) and n.endswith(FORMULA_NAME) for n in names)
    meta = {row[0]: row[1] for row in rows[end:] if row[0]}
    assert meta["#vault_id"] == notice["meta"]["vault_id"]  # the head follows the table


def test_the_csv_prints_with_its_header_first(demo_files, tmp_path):
    """A CSV carries no layout (LibreOffice prints it portrait, a block of columns a page), but
    every block starts with the header row, and the numbers are numbers."""
    notice = published(demo_files)
    pdf = soffice(demo_files["csv"], "pdf", tmp_path, CSV_UTF8)
    pages = [pdf_text(pdf, n) for n in range(1, page_count(pdf) + 1)]
    labels: list[str] = []
    for text in pages:
        # LibreOffice's own page header (the file's name) and footer ("Page n") around row 1 ...
        lines = [line for line in text.splitlines() if line.strip() and line.strip() != "notice"]
        labels.append(lines[0].replace(" ", ""))
    assert "".join(labels) == "".join(notice["header"])  # ... and row 1, on top of every page, is the header
    both = "\n".join(pages)
    kinds = [kind_of(h) for h in notice["header"]]
    for row in notice["rows"]:
        assert re.search(rf"(?<![\w-]){re.escape(row[2])}(?![\w-])", both), row
        # without a number format a spreadsheet shows 86.00 as 86 and 78.70 as 78.7
        for cell, kind in zip(row, kinds, strict=True):
            if kind != "text" and cell:
                assert re.search(rf"(?<![\d.]){re.escape(f'{Decimal(cell).normalize():f}')}(?![\d.])", both), cell
