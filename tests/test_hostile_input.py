"""Hostile and broken input: every importer and every command's arguments (issue 8).

Two levels. The pure functions (``parse_mark``, ``decode_csv_bytes``/``read_table``,
``parse_roster``, ``parse_written``, ``rules.validate``/``load_toml``) take many generated
examples; the ``jz`` command takes the generated arguments in this process (the installed
command's parser, handlers and exit codes, without an interpreter start per example) and a
representative handful as the installed console script.

Each case must either do the right thing or be refused: exit 1 (2 for misuse), a plain
sentence on stderr naming the row and field (or the file, or the option), no traceback, no
"internal error", never a candidate's name or ID number (DESIGN.md §4), and nothing appended
(the ledger head unchanged). One exception, by design: a check-in attempt that fails is
recorded as one ``checkin.refuse`` event (the hall's audit of unknown and forged tickets).

Everyone here is synthetic (``jz_tui.bench.synthetic``); every file is generated into a
temporary directory.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import string
import tempfile
import time
import zipfile
from contextlib import redirect_stderr, redirect_stdout
from decimal import Decimal
from pathlib import Path

import pytest
from _hostile_helpers import CONTROL, EMOJI, HOSTILE_WORDS, RUBRIC_ITEMS, assert_plain_refusal, build_arena, run_jz
from conftest import make_test_vault
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from jz_tui import i18n
from jz_tui.bench import synthetic
from jz_tui.cli import hall as cli_hall
from jz_tui.rules import idcard
from jz_tui.rules import settings as rules
from jz_tui.rules.marks import parse_mark
from jz_tui.services import config, roster, tabular, written
from jz_tui.services.session import Session
from storage.crypto import canonical_json
from storage.errors import JzError
from storage.roster_state import RosterState

FEW = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
SOME = settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
MANY = settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))

MARK_KEYS = {"mark_missing", "mark_not_number", "mark_too_precise", "mark_out_of_range", "mark_not_on_step"}

CN = ["岗位编码", "岗位名称", "职数", "所属部门", "姓名", "身份证号", "现单位", "编制"]
EN = ["post", "post name", "seats", "department", "name", "id number", "unit", "establishment"]
NAME, ID = 4, 5  # their columns in CN / EN


@pytest.fixture(scope="module")
def arena(tmp_path_factory):
    built = build_arena(tmp_path_factory.mktemp("arena"))
    yield built
    built.tv.vault.close()


def secrets_of(arena) -> list[str]:
    return arena.names + arena.ids


def placeholders(key: str) -> set[str]:
    entry = i18n.catalogue().get(key)
    assert entry is not None, f"no message for {key}"
    return {name for lang in ("zh", "en") for _, name, _, _ in string.Formatter().parse(entry[lang]) if name}


def rendered(error: JzError) -> str:
    """The refusal's sentence in both languages; every placeholder of its message has a value."""
    missing = placeholders(error.key) - set(error.params)
    assert not missing, f"{error.key} lacks {missing}"
    i18n.error_text(error, lang="zh")
    return i18n.error_text(error, lang="en")


def refusal_lines(refused: tabular.ImportRefused) -> tuple[str, dict]:
    """What ``jz roster|written import`` prints for a refused file: stderr, and the --json payload."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        assert cli_hall.report_refusal(argparse.Namespace(json=True), refused) == 1
    text = err.getvalue()
    lines = text.rstrip("\n").split("\n")
    assert len(lines) == 1 + len(refused.problems)
    for problem, line in zip(refused.problems, lines[1:], strict=True):
        assert line.startswith(f"  row {problem.row}, "), line
        assert placeholders(problem.key) <= {"value", "field", *problem.params}, problem
        assert i18n.t("field_" + problem.field) != "field_" + problem.field, f"field {problem.field} has no name"
    return text, json.loads(out.getvalue())


def no_secret(text: str, secrets) -> None:
    leaked = [s for s in secrets if s and s in text]
    assert not leaked, f"a name or ID number is repeated: {text[-400:]}"


# ====================================================================== marks (parse_mark)

ACCEPTED_MARKS = [("85", "85"), ("８５", "85"), ("８５．５", "85.5"), ("-0", "0"), ("-0.00", "0.00"),
                  (" 85 ", "85"), ("85.", "85"), (".5", "0.5"), ("+85", "85"), ("100.00", "100.00"),
                  ("0085", "85"), ("٨٥", "85"), ("\u300085\u3000", "85"), ("0", "0")]
REFUSED_MARKS = [("NaN", "mark_not_number"), ("nan", "mark_not_number"), ("Infinity", "mark_not_number"),
                 ("-inf", "mark_not_number"), ("1e3", "mark_not_number"), ("1E3", "mark_not_number"),
                 ("1_000", "mark_not_number"), ("0x10", "mark_not_number"), ("85.5.5", "mark_not_number"),
                 ("²", "mark_not_number"), ("½", "mark_not_number"), ("85,5", "mark_not_number"),
                 ("８５％", "mark_not_number"), ("+-5", "mark_not_number"), ("85😀", "mark_not_number"),
                 ("8\x005", "mark_not_number"), ("-1", "mark_out_of_range"), ("－５", "mark_out_of_range"),
                 ("100.01", "mark_out_of_range"), ("1" + "0" * 40, "mark_out_of_range"),
                 ("100.001", "mark_too_precise"), ("0." + "0" * 40, "mark_too_precise"),
                 ("", "mark_missing"), ("   ", "mark_missing")]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED_MARKS)
def test_marks_people_type_are_read_as_decimals(text, expected):
    value = parse_mark(text, "score", Decimal(0), Decimal(100))
    assert isinstance(value, Decimal) and str(value) == expected


@pytest.mark.parametrize(("text", "key"), REFUSED_MARKS)
def test_marks_that_are_not_plain_numbers_in_range_are_refused(text, key):
    with pytest.raises(JzError) as refused:
        parse_mark(text, "score", Decimal(0), Decimal(100))
    assert refused.value.key == key
    assert "score" in rendered(refused.value)


mark_text = st.one_of(
    st.sampled_from([t for t, _ in ACCEPTED_MARKS + REFUSED_MARKS] + HOSTILE_WORDS),
    st.text(alphabet="0123456789.+-eE_xX ０１２３４５６７８９．－＋٨٥²½ \t\u3000😀NaInfy", max_size=14),
    st.text(max_size=20),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(repr),
)


@MANY
@given(text=mark_text, top=st.sampled_from([Decimal(100), Decimal(25), Decimal("9.5")]),
       step=st.sampled_from([None, Decimal("0.5"), Decimal("0.01")]))
def test_any_mark_is_a_decimal_in_range_or_a_named_refusal(text, top, step):
    try:
        value = parse_mark(text, "综合分析", Decimal(0), top, step)
    except JzError as error:
        assert error.key in MARK_KEYS
        assert "综合分析" in rendered(error)
        return
    assert value.is_finite() and Decimal(0) <= value <= top
    assert value.as_tuple().exponent >= -2 and not value.is_signed()
    assert parse_mark(str(value), "x", Decimal(0), top, step) == value  # what is stored reads back the same


@SOME
@given(value=st.decimals(min_value=0, max_value=100, places=2),
       form=st.sampled_from(["plain", "full_width", "spaced", "plus"]))
def test_every_mark_in_range_reads_back_in_any_form(value, form):
    text = str(value)
    if form == "full_width":
        text = text.translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
    elif form == "spaced":
        text = f"  {text}\u3000"
    elif form == "plus":
        text = "+" + text
    assert parse_mark(text, "score", Decimal(0), Decimal(100)) == value


# ====================================================================== bytes -> table


@SOME
@example(data=b"", suffix=".csv")
@example(data=b"\xff\xfe", suffix=".csv")
@example(data=b"PK\x03\x04" + b"\x00" * 40, suffix=".xlsx")
@example(data="岗位编码,姓名\n".encode("utf-16-le"), suffix=".csv")
@given(data=st.one_of(st.binary(max_size=2000), st.text(max_size=300).map(lambda s: s.encode("utf-8", "replace"))),
       suffix=st.sampled_from([".csv", ".xlsx", ".tsv", ".txt", ".xls", ""]))
def test_any_bytes_read_as_a_table_or_refused(data, suffix):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"f{suffix}"
        path.write_bytes(data)
        try:
            table = tabular.read_table(path)
        except JzError as error:
            assert error.key.startswith("table_") or error.key == "file_unreadable", error.key
            rendered(error)
            return
    assert table.headers and all(isinstance(h, str) for h in table.headers)
    assert all("\x00" not in c for _, row in table.rows for c in row)
    assert [n for n, _ in table.rows] == sorted({n for n, _ in table.rows})


table_cells = st.lists(st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]),
                                        max_size=8), min_size=1, max_size=4), min_size=1, max_size=6)


@SOME
@given(cells=table_cells, encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
def test_a_table_in_a_supported_encoding_reads_back_exactly(cells, encoding):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(cells)
    try:
        raw = buffer.getvalue().encode(encoding)
    except UnicodeEncodeError:
        assume(False)
    assume("\x00" not in buffer.getvalue())
    try:
        text, _ = tabular.decode_csv_bytes(raw)
    except JzError as error:
        # GB18030 text that reads as Latin letters around Chinese ones is refused, never misread
        assert encoding == "gb18030" and error.key == "table_encoding_unknown"
        return
    assert text.replace("\r\n", "\n") == buffer.getvalue().replace("\r\n", "\n")


LATIN_NAMES = ["Müller", "José", "Renée", "François", "Søren", "Zoë", "Ångström", "Núñez", "Çelik", "Øyvind",
               "Björk", "Sánchez", "Jürgen", "Mañana", "Ludwiga Strauß", "Anaïs", "Chloé", "Ève"]


@SOME
@given(names=st.lists(st.sampled_from(LATIN_NAMES), min_size=1, max_size=6),
       encoding=st.sampled_from(["latin-1", "cp1252"]))
def test_latin1_tables_are_refused_or_read_exactly_never_misread(names, encoding):
    rows = [["post", "name", "unit"], *[["A01", n, "Hauptstraße"] for n in names]]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    try:
        text, _ = tabular.decode_csv_bytes(buffer.getvalue().encode(encoding))
    except JzError as error:
        assert error.key == "table_encoding_unknown"
        return
    assert text == buffer.getvalue()


# ====================================================================== parse_roster, pure

HOSTILE_CELLS = ["", " ", "\x1b[31m红\x1b[0m", "a\x00b", "\u202e行政", "张\u200b三", "😀", "👩‍👩‍👧", "𠀀𠀁", "a" * 300,
                 "中" * 45, "NaN", "-1", "0", "1e3", "８５", "是", "否", "maybe", "行政", "事业", "合同工", "=1+1",
                 "@SUM(A1)", '"', "'", "{value}", "{0}", "%s", "\t", "\r\n", "A01", "S01", "B01", "1.5", "١٢", "x",
                 "ｙｅｓ", "closed", CONTROL, EMOJI]

mutation = st.one_of(
    st.tuples(st.just("set"), st.integers(0, 9), st.integers(0, 7), st.sampled_from(HOSTILE_CELLS)),
    st.tuples(st.just("truncate"), st.integers(0, 9), st.integers(0, 8)),
    st.tuples(st.just("extend"), st.integers(0, 9), st.sampled_from(HOSTILE_CELLS)),
    st.tuples(st.just("shift_right"), st.integers(0, 9), st.integers(1, 3)),
    st.tuples(st.just("shift_left"), st.integers(0, 9), st.integers(1, 3)),
    st.tuples(st.just("copy"), st.integers(0, 9), st.integers(0, 9), st.integers(0, 7)),
    st.tuples(st.just("duplicate"), st.integers(0, 9)),
    st.tuples(st.just("blank"), st.integers(0, 9)),
)
header_mutation = st.one_of(
    st.tuples(st.just("drop"), st.integers(0, 7)),
    st.tuples(st.just("duplicate"), st.integers(0, 7)),
    st.tuples(st.just("rename"), st.integers(0, 7), st.sampled_from(HOSTILE_CELLS + ["身份证号码", "name", "ID"])),
    st.tuples(st.just("extra"), st.sampled_from(["是否开放竞争", "准考证号", "备注", "open", "exam no", "😀"])),
)


def mutate(rows: list[list[str]], plan) -> list[list[str]]:
    rows = [list(r) for r in rows]
    for step in plan:
        if not rows:
            break
        kind, index = step[0], step[1] % len(rows)
        row = rows[index]
        if kind == "set" and row:
            row[step[2] % len(row)] = step[3]
        elif kind == "truncate":
            del row[step[2]:]
        elif kind == "extend":
            row.append(step[2])
        elif kind == "shift_right":
            row[NAME:NAME] = ["x"] * step[2]
        elif kind == "shift_left":
            del row[NAME:NAME + step[2]]
        elif kind == "copy" and row:
            source = rows[step[2] % len(rows)]
            if source:
                row[step[3] % len(row)] = source[NAME if step[3] % 2 else ID % len(source)] if len(source) > ID else ""
        elif kind == "duplicate":
            rows.append(list(row))
        elif kind == "blank":
            rows[index] = ["" for _ in row]
    return rows


def mutate_headers(headers: list[str], rows: list[list[str]], plan) -> list[str]:
    headers = list(headers)
    for step in plan:
        if step[0] == "drop" and headers:
            index = step[1] % len(headers)
            del headers[index]
            for row in rows:
                if index < len(row):
                    del row[index]
        elif step[0] == "duplicate" and headers:
            headers.append(headers[step[1] % len(headers)])
        elif step[0] == "rename" and headers:
            headers[step[1] % len(headers)] = step[2]
        elif step[0] == "extra":
            headers.append(step[1])
    return headers


def synthetic_rows(seed: int, count: int) -> list[list[str]]:
    posts = [("A01", "科长", "区委办公室", count // 2 + 1), ("C01", "主任", "区数据局", count - count // 2)]
    return [[r[h] for h in CN] for r in synthetic.roster_rows(posts, seed=seed)][:count]


def check_roster_body(body: dict, existing: RosterState) -> None:
    codes = [c["code"] for c in body["candidates"]]
    assert len(codes) == len(set(codes)) and not set(codes) & set(existing.candidates)
    for c in body["candidates"]:
        assert c["name"] and len(c["name"]) <= 40 and c["name"].isprintable()
        assert idcard.problem(c["id_number"]) is None
        assert c["establishment"] in set(roster.ESTABLISHMENTS.values())
        for key in ("unit", "department", "exam_no", "post"):
            assert not tabular.has_control(c[key]) and len(c[key]) <= roster.MAX_TEXT
    for p in body["posts"]:
        assert p["code"] not in existing.posts and p["seats"] >= 1
    canonical_json(body)  # it can be appended as it is


@MANY
@given(seed=st.integers(0, 10**6), count=st.integers(0, 7), english=st.booleans(),
       plan=st.lists(mutation, max_size=5), header_plan=st.lists(header_mutation, max_size=2),
       on_existing=st.booleans())
def test_any_roster_table_imports_whole_or_is_refused_row_by_row(arena, seed, count, english, plan, header_plan,
                                                                  on_existing):
    clean = synthetic_rows(seed, count)
    rows = mutate(clean, plan)
    headers = mutate_headers(EN if english else CN, rows, header_plan)
    table = tabular.Table(headers, [(n, r) for n, r in enumerate(rows, start=2)], "utf-8")
    existing = arena.session("admin").state.roster if on_existing else RosterState()
    # the people in this file (a name still in its column, or anywhere in a row whose columns shifted)
    # and in the vault: a name copied over a deleted row's is no longer anyone's, as far as any program can know
    mapping, _ = tabular.map_headers(headers, roster.HEADER_ALIASES)
    present = {c for _, row in table.rows for c in (row if len(row) != len(headers) else
                                                      [tabular.cell(row, mapping, "name"),
                                                       tabular.cell(row, mapping, "id_number")])}
    secrets = ({c for row in clean for c in (row[NAME], row[ID])} & present) | \
        ({v for c in existing.candidates.values() for v in (c.name, c.id_number)})
    try:
        body = roster.parse_roster(table, existing)
    except roster.RosterRefused as refused:
        assert refused.problems
        assert {p.row for p in refused.problems} <= {1} | {n for n, _ in table.rows}
        assert all(p.field in roster.HEADER_ALIASES for p in refused.problems)
        text, payload = refusal_lines(refused)
        no_secret(text, secrets)
        no_secret(json.dumps(payload, ensure_ascii=False), secrets)
        return
    except JzError as error:
        assert error.key == "table_empty"
        rendered(error)
        return
    check_roster_body(body, existing)


# ====================================================================== parse_written, pure

SCORES = [s for s, _ in ACCEPTED_MARKS + REFUSED_MARKS] + ["85", "60.5", "100", "0", "99.99"] + HOSTILE_CELLS


@MANY
@given(data=st.data(), by_id=st.booleans(), correcting=st.booleans(), english=st.booleans(),
       plan=st.lists(mutation, max_size=4))
def test_any_written_table_imports_whole_or_is_refused_row_by_row(arena, data, by_id, correcting, english, plan):
    state = arena.session("admin").state
    candidates = list(state.roster.candidates.values())
    chosen = data.draw(st.lists(st.sampled_from(candidates), max_size=6))
    headers = (["id number", "name", "written"] if english else ["身份证号", "姓名", "笔试成绩"]) if by_id else \
        (["exam no", "name", "score"] if english else ["准考证号", "姓名", "成绩"])
    rows = [[c.id_number if by_id else c.code, c.name, data.draw(st.sampled_from(SCORES))] for c in chosen]
    rows += data.draw(st.lists(st.lists(st.sampled_from(HOSTILE_CELLS + ["A01-01", "Z-99"]), max_size=4), max_size=2))
    rows = mutate(rows, [(k, i, *rest) for k, i, *rest in plan if k not in ("shift_right", "shift_left")])
    headers = headers + data.draw(st.lists(st.sampled_from(["成绩", "score", "准考证", "备注", "😀", ""]), max_size=1))
    table = tabular.Table(headers, [(n, r) for n, r in enumerate(rows, start=2)], "utf-8")
    existing = state.scoring.stage_scores.get("written", {})
    try:
        scores = written.parse_written(table, state.roster, existing, correcting)
    except written.WrittenRefused as refused:
        assert {p.row for p in refused.problems} <= {1} | {n for n, _ in table.rows}
        assert all(p.field in written.HEADER_ALIASES for p in refused.problems)
        text, payload = refusal_lines(refused)
        no_secret(text, secrets_of(arena))
        no_secret(json.dumps(payload, ensure_ascii=False), secrets_of(arena))
        return
    except JzError as error:
        assert error.key == "table_empty"
        return
    for code, score in scores.items():
        assert code in state.roster.candidates and (correcting or code not in existing)
        value = Decimal(score)
        assert value.is_finite() and 0 <= value <= 100 and value.as_tuple().exponent >= -2 and not value.is_signed()


# ====================================================================== rules (config --set / --import)

RULE_KEYS = [*rules.VALIDATORS, "stages.written", "stages.fitness", "stages.适岗评价", "stages.", "stages.a b",
             "stages.😀", "", " ", "interview", "interview.method.x", "a" * 300, "democratic.values", "stages.x.y",
             "ranking.tie_breaks "]
toml_scalar = st.one_of(
    st.integers(min_value=-10**40, max_value=10**40), st.booleans(), st.text(max_size=12),
    st.decimals(allow_nan=True, allow_infinity=True), st.sampled_from(HOSTILE_WORDS[:60]),
    st.sampled_from([Decimal("1E-999999"), Decimal("1E+999999"), Decimal("-0"), Decimal("sNaN"), 10**4000]),
)
toml_value = st.recursive(toml_scalar, lambda inner: st.lists(inner, max_size=4), max_leaves=8)


@SOME
@example(key="interview.rubric", value=[["综合分析", 25], ["综合分析", 15]])
@example(key="stages.written", value=Decimal("1E-999999"))
@example(key="democratic.groups", value=[["leaders", Decimal("sNaN")]])
@given(key=st.sampled_from(RULE_KEYS), value=toml_value)
def test_any_setting_is_validated_to_a_canonical_value_or_refused_by_key(key, value):
    try:
        clean = rules.validate(key, value)
    except rules.RuleError as error:
        rendered(error)
        return
    canonical_json(clean)  # JSON-safe: no float, no Decimal left
    assert rules.validate(key, clean) == clean  # the stored form validates to itself on replay


@SOME
@given(changes=st.dictionaries(st.sampled_from(RULE_KEYS), toml_value, max_size=4))
def test_any_set_of_changes_is_refused_or_gives_usable_rules(changes):
    try:
        clean = rules.validate_changes(changes, rules.settings_from({}))
    except rules.RuleError as error:
        rendered(error)
        return
    interpreted = rules.rules_from(clean)
    assert interpreted.active_stages and all(w >= 0 for w in interpreted.stages.values())


@SOME
@example(raw=b"a = " + b"[" * 5000 + b"]" * 5000)
@example(raw=b"[interview]\nmethod = 'gymnastics'\n" + "é".encode("latin-1"))
@example(raw=b"x = " + b"9" * 5000)
@example(raw="[stages]\nwritten = 3\n".encode("utf-16"))
@given(raw=st.one_of(st.binary(max_size=400),
                     st.text(alphabet="[]=.\"' \n#abcdefgst0123456789,{}", max_size=80).map(str.encode)))
def test_any_rules_file_loads_or_is_refused(raw):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rules.toml"
        path.write_bytes(raw)
        try:
            loaded = config.load_toml(path)
        except rules.RuleError as error:
            assert error.key == "rule_toml_invalid"
            rendered(error)
            return
    assert isinstance(loaded, dict)


@pytest.mark.parametrize("assignment", ["ranking.decimals=" + "9" * 5000, "interview.rubric=" + "[" * 3000,
                                        "stages.written=nan", "stages.written=1e999999", "interview.method=",
                                        "=3", "stages.written", "interview.rubric=[['a', -1]]",
                                        "ranking.tie_breaks=['nothing']", "stages.written=0"],
                         ids=lambda a: a[:30])
def test_hostile_assignments_are_refused_by_config(arena, assignment):
    before = arena.head()
    ran = run_jz(["config", arena.path, "--set", assignment, "--set", "stages.interview=0",
                  "--set", "stages.democratic=0"], user="admin")
    assert_plain_refusal(ran, secrets_of(arena))
    assert arena.head() == before


# ====================================================================== hostile files through `jz`


def roster_csv(rows: list[list[str]], headers=CN) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([headers, *rows])
    return buffer.getvalue()


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def workbook_with(part: str, data: bytes | None) -> bytes:
    """A real workbook with one of its parts replaced (or removed, when ``data`` is None)."""
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes([CN, *synthetic_rows(3, 2)]))) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    if data is None:
        del members[part]
    else:
        members[part] = data
    return zipped(members)


def hostile_roster_files() -> dict[str, tuple[str, bytes]]:
    """name -> (suffix, bytes): each one refused, never imported."""
    good = synthetic_rows(21, 4)
    text = roster_csv(good)
    bad_row = [list(r) for r in good]
    bad_row[2][ID] = bad_row[2][ID][:-1] + ("0" if bad_row[2][ID][-1] != "0" else "1")
    return {
        "empty": (".csv", b""),
        "blank_lines": (".csv", b"\n\n \n,,,\n"),
        "header_only": (".csv", roster_csv([]).encode()),
        "unbalanced_quote": (".csv", text.replace(good[1][NAME], '"' + good[1][NAME]).encode()),
        "nul_byte": (".csv", text.replace(good[0][NAME], good[0][NAME][:1] + "\x00").encode()),
        "ragged_short": (".csv", "\n".join(",".join(r[:3]) for r in [CN, *good]).encode()),
        "ragged_long": (".csv", text.replace("\n", ",x,y,😀\n", 2).replace(good[0][ID], "").encode()),
        "huge_field": (".csv", text.replace(good[0][NAME], "中" * 200_000).encode()),
        "long_unit": (".csv", text.replace(good[1][6], "区" * 500).encode()),
        "control_in_unit": (".csv", text.replace(good[1][6], "\x1b[2J\x1b[31m区委\x07").encode()),
        "bidi_in_post": (".csv", text.replace("A01", "\u202eA01", 1).encode()),
        "zero_width_in_name": (".csv", text.replace(good[0][NAME], good[0][NAME][0] + "\u200b" + good[0][NAME][1:]).encode()),
        "duplicated_header": (".csv", roster_csv(good, [*CN[:5], "身份证号码", *CN[6:], "身份证号"]).encode()),
        "only_headers_unknown": (".csv", roster_csv(good, ["a", "b", "c", "d", "e", "f", "g", "h"]).encode()),
        "no_header_row": (".csv", "\n".join(",".join(r) for r in good).encode()),
        "bad_id_check_digit": (".csv", roster_csv(bad_row).encode()),
        "utf16_no_bom": (".csv", text.encode("utf-16-le")),
        "utf16be_no_bom": (".csv", text.encode("utf-16-be")),
        "latin1": (".csv", roster_csv([["A01", "Leiter", "1", "Amt", "Müller", good[0][ID], "Straße", "civil"]],
                                      EN).encode("latin-1")),
        "random_bytes": (".csv", random.Random(5).randbytes(4000)),
        "random_xlsx": (".xlsx", random.Random(6).randbytes(4000)),
        "zip_not_a_workbook": (".xlsx", zipped({"hello.txt": b"hi", "data.csv": text.encode()})),
        "empty_zip": (".xlsx", zipped({})),
        "truncated_xlsx": (".xlsx", xlsx_bytes([CN, *good])[:1500]),
        "xlsx_sheet_not_xml": (".xlsx", workbook_with("xl/worksheets/sheet1.xml", b"<garbage")),
        "xlsx_sheet_missing": (".xlsx", workbook_with("xl/worksheets/sheet1.xml", None)),
        "xlsx_styles_random": (".xlsx", workbook_with("xl/styles.xml", random.Random(7).randbytes(300))),
        "xlsx_content_types_not_xml": (".xlsx", workbook_with("[Content_Types].xml", b"\x00\x01")),
        "xlsx_header_only": (".xlsx", xlsx_bytes([CN])),
        "xlsx_empty_sheet": (".xlsx", xlsx_bytes([])),
        "xlsx_numeric_id": (".xlsx", xlsx_bytes([CN, [*good[0][:ID], int(good[0][ID][:17]) * 10, *good[0][ID + 1:]]])),
        "xls_suffix": (".xls", text.encode()),
    }


@pytest.fixture(scope="module")
def roster_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-rosters")
    files = {}
    for name, (suffix, data) in hostile_roster_files().items():
        files[name] = folder / f"{name}{suffix}"
        files[name].write_bytes(data)
    return files


@pytest.mark.parametrize("name", list(hostile_roster_files()))
def test_hostile_roster_files_are_refused_and_append_nothing(arena, roster_files, name):
    secrets = secrets_of(arena) + [c for r in synthetic_rows(21, 4) for c in (r[NAME], r[ID])]
    before = arena.head()
    ran = run_jz(["roster", "import", arena.path, roster_files[name]], user="admin")
    assert_plain_refusal(ran, secrets, codes=(1,))
    assert arena.head() == before
    first = ran.err.splitlines()[0]
    assert "row" in ran.err or str(roster_files[name]) in first or "encoding" in first, ran.err


def test_refusals_name_the_row_and_field(arena, roster_files):
    cases = {"bad_id_check_digit": "row 4, ID number", "control_in_unit": "row 3, unit: contains control",
             "long_unit": "row 3, unit: is longer than 200", "bidi_in_post": "row 2, post code: contains control",
             "zero_width_in_name": "row 2, name", "duplicated_header": "row 1, ID number",
             "only_headers_unknown": "row 1, post code", "huge_field": "damaged"}
    for name, expected in cases.items():
        ran = run_jz(["roster", "import", arena.path, roster_files[name]], user="admin")
        assert expected in ran.err, (name, ran.err)


GOOD_ODDITIES = {
    "emoji_name": lambda rows: rows[0].__setitem__(NAME, "王😀"),
    "astral_cjk_name": lambda rows: rows[0].__setitem__(NAME, "𠀀𠀁"),
    "emoji_unit": lambda rows: rows[1].__setitem__(6, "区委办公室🏛️"),
    "full_width_id": lambda rows: rows[1].__setitem__(ID, rows[1][ID].translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))),
    "spaces_everywhere": lambda rows: rows.__setitem__(0, [f"  {c}\u3000" for c in rows[0]]),
    "lower_case_x": lambda rows: rows.__setitem__(2, rows[2][:ID] + [rows[2][ID].lower()] + rows[2][ID + 1:]),
}


@pytest.mark.parametrize("oddity", list(GOOD_ODDITIES))
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_odd_but_valid_rosters_import_exactly(tmp_path, oddity, suffix):
    tv = make_test_vault(tmp_path / "odd.jz", users=False)
    try:
        rows = synthetic_rows(31, 3)
        GOOD_ODDITIES[oddity](rows)
        path = tmp_path / f"roster{suffix}"
        if suffix == ".csv":
            path.write_text(roster_csv(rows), encoding="utf-8")
        else:
            path.write_bytes(xlsx_bytes([CN, *rows]))
        before = tv.vault.head()
        ran = run_jz(["roster", "import", tv.path, path, "--json"], user="admin")
        assert ran.code == 0, ran.err
        assert tv.vault.head()[0] == before[0] + 1
        state = Session(tv.vault, tv.vault.unlock("admin", "admin-pass")).state.roster
        imported = sorted((c.name, c.id_number, c.unit) for c in state.candidates.values())
        expected = sorted((r[NAME].strip(), idcard.normalise(r[ID]), r[6].replace("\u3000", " ").strip()) for r in rows)
        assert imported == expected
    finally:
        tv.vault.close()


def written_files(arena) -> dict[str, tuple[str, bytes]]:
    state = arena.session("admin").state
    codes = ["A01-03", "A01-04", "A02-01"]
    ids = {code: state.roster.candidates[code].id_number for code in codes}
    names = {code: state.roster.candidates[code].name for code in codes}

    def csv_of(rows, headers=("准考证号", "成绩")) -> bytes:
        return roster_csv([list(r) for r in rows], list(headers)).encode()

    return {
        **{f"score_{label}": (".csv", csv_of([("A01-03", "85"), ("A01-04", score)])) for label, score in (
            ("NaN", "NaN"), ("nan", "nan"), ("Infinity", "Infinity"), ("1e3", "1e3"), ("minus_1", "-1"),
            ("100.001", "100.001"), ("1_000", "1_000"), ("0x10", "0x10"), ("empty", ""), ("emoji", "85😀"),
            ("control", "8\x1b[2J5"), ("huge", "9" * 5000), ("percent", "85%"))},
        "unknown_exam_no": (".csv", csv_of([("A01-03", "85"), ("Z-99", "70")])),
        "unknown_id": (".csv", csv_of([(ids["A01-03"][:-4] + "0000", "85")], ("身份证号", "笔试成绩"))),
        "name_in_exam_no_column": (".csv", csv_of([(names["A01-04"], "85")])),
        "id_in_exam_no_column": (".csv", csv_of([(ids["A01-04"], "85")])),
        "name_in_score_column": (".csv", csv_of([("A01-04", names["A01-04"])])),
        "already_imported": (".csv", csv_of([("A01-01", "90")])),
        "same_candidate_twice": (".csv", csv_of([("A01-03", "85"), (ids["A01-03"], "80")], ("准考证号", "成绩"))
                                 .replace(ids["A01-03"].encode(), b"A01-03")),
        "duplicated_score_header": (".csv", csv_of([("A01-03", "85", "86")], ("准考证号", "成绩", "笔试成绩"))),
        "no_score_column": (".csv", csv_of([("A01-03",)], ("准考证号",))),
        "header_only": (".csv", csv_of([])),
        "empty": (".csv", b""),
        "utf16_no_bom": (".csv", csv_of([("A01-03", "85")]).decode().encode("utf-16-le")),
        "random_xlsx": (".xlsx", random.Random(8).randbytes(3000)),
        "zip_not_a_workbook": (".xlsx", zipped({"a.txt": b"a"})),
        "xlsx_nan_float": (".xlsx", xlsx_bytes([["准考证号", "成绩"], ["A01-03", float("nan")]])),
        "xlsx_inf_float": (".xlsx", xlsx_bytes([["准考证号", "成绩"], ["A01-03", float("inf")]])),
        "xlsx_formula_error": (".xlsx", xlsx_bytes([["准考证号", "成绩"], ["A01-03", "#DIV/0!"]])),
        "xlsx_negative_zero_and_nan": (".xlsx", xlsx_bytes([["准考证号", "成绩"], ["A01-03", -0.0], ["A01-04", "NaN"]])),
    }


@pytest.mark.parametrize("name", [
    "score_NaN", "score_nan", "score_Infinity", "score_1e3", "score_minus_1", "score_100.001", "score_1_000",
    "score_0x10", "score_empty", "score_emoji", "score_control", "score_huge", "score_percent", "unknown_exam_no",
    "unknown_id", "name_in_exam_no_column", "id_in_exam_no_column", "name_in_score_column", "already_imported",
    "same_candidate_twice", "duplicated_score_header", "no_score_column", "header_only", "empty", "utf16_no_bom",
    "random_xlsx", "zip_not_a_workbook", "xlsx_nan_float", "xlsx_inf_float", "xlsx_formula_error",
    "xlsx_negative_zero_and_nan"])
def test_hostile_written_files_are_refused_and_append_nothing(arena, tmp_path, name):
    suffix, data = written_files(arena)[name]
    path = tmp_path / f"{name}{suffix}"
    path.write_bytes(data)
    before = arena.head()
    ran = run_jz(["written", "import", arena.path, path], user="admin")
    assert_plain_refusal(ran, secrets_of(arena), codes=(1,))
    assert arena.head() == before
    if name.startswith("score_"):
        assert "row 3, score:" in ran.err and "row 2" not in ran.err, ran.err
    if name == "score_control":
        assert "\x1b" not in ran.err  # a cell's escape sequence never reaches the terminal


@pytest.mark.parametrize(("score", "stored"), [("８５", "85"), ("８５．５", "85.5"), ("-0", "0"), (" 85 ", "85"),
                                               ("85.", "85"), (".5", "0.5"), ("100", "100")])
def test_odd_but_valid_scores_import_as_decimals(tmp_path, score, stored):
    tv = make_test_vault(tmp_path / "w.jz", users=False)
    try:
        path = tmp_path / "roster.csv"
        path.write_text(roster_csv(synthetic_rows(41, 2)), encoding="utf-8")
        assert run_jz(["roster", "import", tv.path, path], user="admin").code == 0
        scores = tmp_path / "written.csv"
        scores.write_text(f"准考证号,成绩\nA01-01,{score}\n", encoding="utf-8")
        ran = run_jz(["written", "import", tv.path, scores], user="admin")
        assert ran.code == 0, ran.err
        state = Session(tv.vault, tv.vault.unlock("admin", "admin-pass")).state
        assert state.scoring.stage_scores["written"] == {"A01-01": stored}
    finally:
        tv.vault.close()


def test_a_fifty_thousand_row_roster_with_one_bad_row_is_refused_naming_it(arena, tmp_path):
    rng = random.Random(50)
    rows, used = [], set()
    for index in range(50_000):
        number = synthetic.fake_id(rng)
        while number in used:
            number = synthetic.fake_id(rng)
        used.add(number)
        rows.append([f"P{index % 500:03d}", "岗位", "1", "区委办公室", "张三", number, "区人社局", "行政"])
    rows[49_000][7] = "合同工"  # spreadsheet row 49,002
    path = tmp_path / "big.csv"
    path.write_text(roster_csv(rows), encoding="utf-8")
    before = arena.head()
    started = time.perf_counter()
    ran = run_jz(["roster", "import", arena.path, path], user="admin")
    elapsed = time.perf_counter() - started
    assert_plain_refusal(ran, codes=(1,))
    assert ran.err.splitlines()[1:] == ["  row 49002, establishment: “合同工” is not a known establishment type"] \
        or "row 49002, establishment" in ran.err, ran.err[:500]
    assert arena.head() == before
    assert elapsed < 30, elapsed


def test_config_import_of_hostile_files(arena, tmp_path):
    files = {
        "binary.toml": random.Random(9).randbytes(500),
        "utf16.toml": "[stages]\nwritten = 3\n".encode("utf-16"),
        "deep.toml": b"a = " + b"[" * 5000 + b"]" * 5000,
        "long_int.toml": b"[ranking]\ndecimals = " + b"9" * 5000 + b"\n",
        "nan.toml": b"[stages]\nwritten = nan\n",
        "inf.toml": b"[democratic]\ndissatisfied_max = inf\n",
        "unknown.toml": "[面试]\n方法 = '体操'\n".encode(),
        "duplicate_item.toml": b"[interview]\nrubric = [['a', 25], ['a', 15]]\n",
        "empty.toml": b"",
        "directory": None,
    }
    for name, data in files.items():
        path = tmp_path / name
        if data is None:
            path.mkdir()
        else:
            path.write_bytes(data)
        before = arena.head()
        ran = run_jz(["config", arena.path, "--import", path], user="admin")
        assert_plain_refusal(ran, codes=(1,))
        assert arena.head() == before, name


# ====================================================================== command arguments

# no letters, digits, spaces, separators or characters of the synthetic names: never a valid code or query
GARBAGE = st.characters(codec="utf-8", exclude_categories=["Cs", "Zs", "Zl", "Zp", "Nd", "Lu", "Ll"],
                        exclude_characters=",，=\t\n\r -" + synthetic.SURNAMES + synthetic.GIVEN)
hostile_text = st.one_of(
    st.sampled_from(HOSTILE_WORDS),
    st.tuples(st.sampled_from(["", "A01", "A01-01", "e1", "BOX1", "t1", "S"]), st.text(GARBAGE, min_size=1, max_size=6))
    .map("".join),
    st.text(GARBAGE, min_size=1, max_size=40),
)
blank_text = st.sampled_from(["", " ", "\u3000", "\t", "  \t "])
bad_int = st.one_of(st.integers(max_value=-1), st.integers(min_value=10**7, max_value=10**30),
                    st.sampled_from(["nan", "inf", "1e3", "", "x", "0x10", "٣x", "-0x1"]))
bad_name = st.one_of(st.sampled_from(["", " ", "a b", "a" * 65, "e1", "admin", "\u3000"]),
                     st.text(st.characters(codec="utf-8", categories=["Cc", "Zs"]), min_size=1, max_size=5))
KNOWN = {"A01", "A02", "B01", "S01", "A01-01", "A01-02", "A01-03", "A01-04", "A02-01", "A02-02", "A02-03",
         "B01-01", "B01-02", "BOX1", "e1", "e2", "t1", "t2", "admin", "sup", "scorer", "clerk"}


def not_known(value) -> bool:
    return str(value).strip().upper() not in KNOWN and str(value).strip() not in KNOWN


# (id, user, argv with {h} where the hostile value goes, its strategy, what else is allowed)
V = "{V}"
COMMANDS = [
    ("config-set-whole", "admin", ["config", V, "--set", "{h}"], hostile_text),
    ("config-set-value", "admin", ["config", V, "--set", "interview.method={h}"], hostile_text),
    ("config-set-key", "admin", ["config", V, "--set", "{h}=3"], hostile_text),
    ("config-import-path", "admin", ["config", V, "--import", "/nonexistent/{h}"], hostile_text),
    ("roster-edit-code", "admin", ["roster", "edit", V, "{h}", "--set", "unit=x", "--reason", "r"], hostile_text),
    ("roster-edit-field", "admin", ["roster", "edit", V, "A01-01", "--set", "{h}", "--reason", "r"], hostile_text),
    ("roster-edit-id", "admin", ["roster", "edit", V, "A01-01", "--set", "id_number={h}", "--reason", "r"],
     hostile_text),
    ("roster-edit-establishment", "admin",
     ["roster", "edit", V, "A01-01", "--set", "establishment={h}", "--reason", "r"], hostile_text),
    ("roster-edit-name", "admin", ["roster", "edit", V, "A01-01", "--set", "name={h}", "--reason", "r"],
     st.sampled_from(["", " ", "张" * 41, "张\u200b三", "\u202e张三", "张\x1b[2J三", "\ufeff张三"])),
    ("roster-edit-reason", "admin", ["roster", "edit", V, "A01-01", "--set", "unit=x", "--reason", "{h}"],
     blank_text),
    ("roster-withdraw", "admin", ["roster", "withdraw", V, "{h}", "--reason", "r"], hostile_text),
    ("roster-withdraw-reason", "admin", ["roster", "withdraw", V, "A01-04", "--reason", "{h}"], blank_text),
    ("roster-disqualify", "admin", ["roster", "disqualify", V, "{h}", "--reason", "r"], hostile_text),
    ("roster-disqualify-reason", "admin", ["roster", "disqualify", V, "A01-04", "--reason", "{h}"], blank_text),
    ("tickets-reissue", "admin", ["tickets", V, "--out", "{T}/tickets", "--reissue", "{h}"], hostile_text),
    ("checkin-query", "clerk", ["checkin", V, "{h}"], hostile_text, {"checkin.refuse"}),
    ("checkin-undo", "clerk", ["checkin", V, "{h}", "--undo", "--reason", "r"], hostile_text),
    ("checkin-undo-reason", "clerk", ["checkin", V, "A01-01", "--undo", "--reason", "{h}"], blank_text),
    ("checkin-absent-post", "admin", ["checkin", V, "--mark-absent", "--post", "{h}"], hostile_text),
    ("draw-post", "clerk", ["draw", V, "--post", "{h}"], hostile_text),
    ("sheet-submit-candidate", "e1", ["sheet", "submit", V, "--candidate", "{h}", "--items", ",".join(RUBRIC_ITEMS)],
     hostile_text),
    ("sheet-submit-items", "e1", ["sheet", "submit", V, "--candidate", "A01-02", "--items", "{h}"], hostile_text),
    ("sheet-submit-item-counts", "e1", ["sheet", "submit", V, "--candidate", "A01-02", "--items", "{h}"],
     st.lists(st.sampled_from(["5", "10", "8.5", "0"]), max_size=12).filter(lambda x: len(x) != 6).map(",".join)),
    ("sheet-submit-one-bad-item", "e1", ["sheet", "submit", V, "--candidate", "A01-02", "--items", "{h}"],
     st.tuples(st.integers(0, 5), st.sampled_from([s for s, _ in REFUSED_MARKS] + ["26", "25.5", "9.99"]))
     .map(lambda p: ",".join(p[1] if i == p[0] else x for i, x in enumerate(["26", *RUBRIC_ITEMS[1:]]
                                                                            if p[0] != 0 else RUBRIC_ITEMS)))),
    ("sheet-submit-total", "e1", ["sheet", "submit", V, "--candidate", "A01-02", "--total", "{h}"], hostile_text),
    ("sheet-withdraw", "e1", ["sheet", "withdraw", V, "--candidate", "{h}", "--reason", "r"], hostile_text),
    ("sheet-withdraw-reason", "e1", ["sheet", "withdraw", V, "--candidate", "A01-01", "--reason", "{h}"],
     blank_text),
    ("sheet-correct-items", "e2", ["sheet", "correct", V, "--candidate", "A01-01", "--items", "{h}",
                                   "--reason", "r"], hostile_text),
    ("sheet-confirm-examiner", "scorer", ["sheet", "confirm", V, "--candidate", "A01-01", "--examiner", "{h}"],
     hostile_text),
    ("sheet-confirm-candidate", "scorer", ["sheet", "confirm", V, "--candidate", "{h}", "--examiner", "e1"],
     hostile_text),
    ("sheet-reject-reason", "scorer", ["sheet", "reject", V, "--candidate", "A01-01", "--examiner", "e1",
                                       "--reason", "{h}"], blank_text),
    ("sheet-show", "scorer", ["sheet", "show", V, "--candidate", "{h}"], hostile_text),
    ("announce", "scorer", ["announce", V, "--candidate", "{h}"], hostile_text),
    ("written-stage", "admin", ["written", "import", V, "{T}/written.csv", "--stage", "{h}"], hostile_text),
    ("box-create-posts", "admin", ["box", "create", V, "--posts", "{h}", "--officers", "t1,t2", "--seal", "S"],
     hostile_text),
    ("box-create-officers", "admin", ["box", "create", V, "--posts", "B01", "--officers", "{h}", "--seal", "S"],
     hostile_text),
    ("box-create-seal", "admin", ["box", "create", V, "--posts", "B01", "--officers", "t1,t2", "--seal", "{h}"],
     blank_text),
    ("box-open-post", "t1", ["box", "open", V, "--post", "{h}", "--seal-intact", "--issued", "5", "--returned", "5"],
     hostile_text),
    ("box-open-issued", "t1", ["box", "open", V, "--post", "A02", "--seal-intact", "--issued", "{h}",
                               "--returned", "5"], bad_int),
    ("box-open-returned", "t1", ["box", "open", V, "--post", "A02", "--seal-intact", "--issued", "5",
                                 "--returned", "{h}"], bad_int),
    ("box-open-note", "t1", ["box", "open", V, "--post", "A02", "--seal-broken", "{h}", "--issued", "5",
                             "--returned", "5"], blank_text),
    ("box-unseal-box", "t1", ["box", "unseal", V, "--box", "{h}", "--officers", "t1"], hostile_text),
    ("box-unseal-officers", "t1", ["box", "unseal", V, "--box", "BOX1", "--officers", "{h}"], hostile_text),
    ("ballot-enter-marks", "t1", ["ballot", "enter", V, "--post", "A01", "--marks", "{h}"], hostile_text),
    ("ballot-enter-post", "t1", ["ballot", "enter", V, "--post", "{h}", "--marks", "SSSS"], hostile_text),
    ("ballot-enter-no", "t1", ["ballot", "enter", V, "--post", "A01", "--marks", "SSSS", "--no", "{h}"],
     st.one_of(bad_int, st.integers(3, 10**6), st.just(0))),
    ("ballot-enter-group", "t1", ["ballot", "enter", V, "--post", "A01", "--marks", "SSSS", "--group", "{h}"],
     hostile_text.filter(lambda h: h.strip() != "")),
    ("ballot-void-reason", "t1", ["ballot", "void", V, "--post", "A01", "--reason", "{h}"], blank_text),
    ("ballot-void-no", "t1", ["ballot", "void", V, "--post", "A01", "--reason", "r", "--no", "{h}"],
     st.one_of(bad_int, st.integers(3, 10**6), st.just(0))),
    ("ballot-withdraw-no", "t1", ["ballot", "withdraw", V, "--post", "A01", "--no", "{h}", "--reason", "r"],
     st.one_of(bad_int, st.integers(3, 10**6), st.just(0))),
    ("ballot-withdraw-reason", "t1", ["ballot", "withdraw", V, "--post", "A01", "--no", "1", "--reason", "{h}"],
     blank_text),
    ("box-recount-issued", "t1", ["box", "recount", V, "--post", "A02", "--issued", "{h}", "--returned", "5",
                                  "--reason", "r"], bad_int),
    ("box-recount-post", "t1", ["box", "recount", V, "--post", "{h}", "--issued", "5", "--returned", "5",
                                "--reason", "r"], hostile_text),
    ("extra-post", "admin", ["extra", "import", V, "{T}/written.csv", "--post", "{h}", "--reason", "r"], hostile_text),
    ("extra-reason", "admin", ["extra", "import", V, "{T}/written.csv", "--post", "A01", "--reason", "{h}"],
     blank_text),
    ("recuse-candidate", "e1", ["recuse", V, "--candidate", "{h}", "--reason", "r"], hostile_text),
    ("recuse-reason", "e1", ["recuse", V, "--candidate", "A01-02", "--reason", "{h}"], blank_text),
    ("panel-set-examiners", "admin", ["panel", "set", V, "--panel", "R1", "--examiners", "{h}", "--chief", "e1"],
     hostile_text),
    ("panel-set-chief", "admin", ["panel", "set", V, "--panel", "R1", "--examiners", "e1,e2", "--chief", "{h}"],
     hostile_text),
    ("panel-replace-by", "admin", ["panel", "replace", V, "--panel", "R1", "--examiner", "e1", "--by", "{h}",
                                   "--reason", "r"], hostile_text),
    ("tally-show", "t1", ["tally", "show", V, "--post", "{h}"], hostile_text),
    ("tally-close", "t1", ["tally", "close", V, "--post", "{h}"], hostile_text),
    ("tally-override", "t1", ["tally", "override", V, "--post", "{h}", "--reason", "r"], hostile_text),
    ("tally-override-reason", "t1", ["tally", "override", V, "--post", "A01", "--reason", "{h}"], blank_text),
    ("tokens-box", "admin", ["tokens", V, "--box", "{h}", "--count", "2", "--out", "{T}/slips"], hostile_text),
    ("tokens-count", "admin", ["tokens", V, "--box", "BOX1", "--count", "{h}", "--out", "{T}/slips"],
     st.one_of(bad_int, st.just(0), st.integers(10_001, 10**9))),
    ("vote-token", "t1", ["vote", V, "--box", "BOX1", "--token", "{h}", "--ballot", "A01=SSSS",
                          "--ballot", "A02=SSS"], hostile_text),
    ("vote-marks", "t1", ["vote", V, "--box", "BOX1", "--token", "{TOKEN}", "--ballot", "A01={h}",
                          "--ballot", "A02=SSS"], hostile_text),
    ("vote-ballot", "t1", ["vote", V, "--box", "BOX1", "--token", "{TOKEN}", "--ballot", "{h}"], hostile_text),
    ("vote-box", "t1", ["vote", V, "--box", "{h}", "--token", "{TOKEN}"], hostile_text),
    ("export-format", "admin", ["export", V, "--format", "{h}", "--out", "{T}/notice"], hostile_text),
    ("inspect-code", "admin", ["inspect", V, "{h}", "--dimension", "德", "--note", "n"], hostile_text),
    ("inspect-dimension", "admin", ["inspect", V, "A01-01", "--dimension", "{h}", "--note", "n"], hostile_text),
    ("inspect-note", "admin", ["inspect", V, "A01-01", "--dimension", "德", "--note", "{h}"], blank_text),
    ("decide-code", "admin", ["decide", V, "{h}", "--appoint"], hostile_text),
    ("decide-start", "admin", ["decide", V, "A01-01", "--appoint", "--start", "{h}"], hostile_text),
    ("sign-id", "sup", ["sign", V, "{h}"], hostile_text),
    ("log-after", "admin", ["log", V, "--after", "{h}"],
     st.one_of(st.integers(max_value=-1), st.integers(min_value=2**63), st.sampled_from(["nan", "1e3", "x"]))),
    ("user-add-name", "admin", ["user", "add", V, "{h}", "--role", "clerk"], bad_name),
    ("user-add-role", "admin", ["user", "add", V, "newone", "--role", "{h}"], hostile_text),
    ("acting-user", None, ["ranking", V, "--user", "{h}"], hostile_text),
    ("passphrase-file", "admin", ["ranking", V, "--passphrase-file", "{T}/{h}"], hostile_text),
    ("vault-path", "admin", ["roster", "list", "{T}/{h}"], hostile_text),
    ("serve-host", None, ["serve", V, "--host", "{h}"], hostile_text),
    ("serve-port", None, ["serve", V, "--port", "{h}"], st.one_of(bad_int, st.just(0), st.integers(65536, 10**9))),
    ("bench-scale", None, ["bench", "--scale", "{h}"],
     st.one_of(st.sampled_from(["nan", "inf", "-inf", "0", "-0", "-1", "21", "1e9", "", "x"]),
               st.floats(max_value=0), st.floats(min_value=20.001))),
    ("board-vault", None, ["board", "{T}/{h}"], hostile_text),
    ("app-vault", None, ["app", "{T}/{h}"], hostile_text),
    ("demo-rebuild", None, ["demo", V, "--rebuild", "--no-open"], st.just("")),
    ("init-admin", None, ["init", "{T}/new-{n}.jz", "--session", "s", "--admin", "{h}"], bad_name),
    ("init-existing", None, ["init", V, "--session", "{h}", "--admin", "x"], hostile_text),
    ("hall-add-fingerprint", "admin", ["hall", "add", V, "east", "--fingerprint", "{h}"], hostile_text),
    ("hall-export-posts", "admin", ["hall", "export", V, "--posts", "{h}", "--out", "{T}/hall-{n}.json"],
     hostile_text),
    ("hall-import-file", "admin", ["hall", "import", V, "{T}/{h}"], hostile_text),
    ("check-vault", "admin", ["check", "{T}/{h}"], hostile_text),
    ("check-user", None, ["check", V, "--user", "{h}"], hostile_text),
    ("print-form", "admin", ["print", V, "--form", "{h}", "--out", "{T}/print-{n}.pdf"], hostile_text),
    ("print-post", "admin", ["print", V, "--form", "tally", "--post", "{h}", "--out", "{T}/print-{n}.pdf"],
     hostile_text),
]


def _argv(template: list[str], value, arena, n: int) -> list[str]:
    filled = []
    for part in template:
        part = part.replace("{V}", str(arena.path)).replace("{T}", str(arena.tmp)).replace("{n}", str(n))
        part = part.replace("{TOKEN}", arena.tokens[0])
        filled.append(part.replace("{h}", str(value)))
    return filled


def test_every_subcommand_has_hostile_cases():
    from jz_tui.cli import main as cli

    parser = cli.build_parser()
    commands = set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    covered = {entry[2][0] for entry in COMMANDS}
    assert commands - covered <= {"verify", "backup", "ranking", "public", "rekey"}, commands - covered


_counter = iter(range(10**9))


@pytest.mark.parametrize("entry", COMMANDS, ids=[c[0] for c in COMMANDS])
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_hostile_arguments_are_refused_and_append_nothing(arena, entry, data):
    name, user, template, strategy, *allowed = entry
    allowed_kinds = allowed[0] if allowed else set()
    value = data.draw(strategy.filter(not_known), label="value")
    argv = _argv(template, value, arena, next(_counter))
    before, kinds_before = arena.head(), arena.kinds() if allowed_kinds else None
    env = {"JZ_NEW_PASSPHRASE": "new-pass-2026", **({"JZ_PASSPHRASE": "admin-pass"} if user is None else {})}
    ran = run_jz(argv, user=user, env=env)
    assert_plain_refusal(ran, secrets_of(arena))
    if arena.head() != before:
        added = {k: n - kinds_before.get(k, 0) for k, n in arena.kinds().items() if n != kinds_before.get(k, 0)}
        assert set(added) <= allowed_kinds and sum(added.values()) == 1, (name, value, added)


@pytest.mark.parametrize(("user", "argv"), [
    ("admin", ["verify", "{V}", "--checkpoint", "{T}/random.bin"]),
    ("admin", ["verify", "{V}", "--checkpoint", "/nonexistent/cp.json"]),
    ("admin", ["verify", "{V}", "--export", "{T}/random.bin"]),
    ("admin", ["verify", "{V}", "--export", "{T}/random.json"]),
    ("admin", ["verify", "{V}", "--export", "{T}/random.db"]),
    (None, ["verify", "{T}/random.bin"]),
    ("admin", ["backup", "{V}", "{V}"]),
    ("admin", ["backup", "{V}", "/nonexistent/dir/copy.jz"]),
    ("admin", ["backup", "{V}", "{T}/" + "b" * 300]),
    ("admin", ["backup", "{V}", "{T}"]),
    ("admin", ["export", "{V}", "--format", "json", "--out", "{T}"]),
    ("admin", ["export", "{V}", "--format", "xlsx", "--out", "/nonexistent/dir/n.xlsx"]),
    ("admin", ["export", "{V}", "--format", "csv", "--out", "{T}/" + "e" * 300]),
    ("admin", ["export", "{V}", "--format", "sqlite", "--out", "{T}"]),
    ("admin", ["export", "{V}", "--format", "sqlite", "--out", "/nonexistent/dir/n.db"]),
    ("admin", ["tickets", "{V}", "--out", "{T}/random.bin"]),
    ("admin", ["tokens", "{V}", "--box", "BOX1", "--count", "2", "--out", "{T}/random.bin"]),
    ("clerk", ["public", "{V}", "--freeze"]),
    ("clerk", ["ranking", "{V}"]),
    ("admin", ["ranking", "{V}", "--passphrase-file", "{T}/random.bin"]),
    ("admin", ["ranking", "{V}", "--passphrase-file", "{T}"]),
    ("admin", ["roster", "import", "{V}", "{T}"]),
    ("admin", ["roster", "import", "{V}", "/nonexistent.csv"]),
    ("admin", ["roster", "import", "{V}", "{V}"]),
    ("admin", ["config", "{V}", "--set", "a=\x1b[2J"]),
    ("admin", ["config", "{V}", "--import", "{T}/no-rules.toml"]),
    ("admin", ["roster", "edit", "{V}", "A01-01", "--set", "unit=x", "--reason", "ok\x00"]),
    ("admin", ["roster", "edit", "{V}", "A01-01", "--set", "unit=x", "--reason", "\u202egnorw"]),
    (None, ["vote", "{V}", "--box", "BOX1"]),
    (None, ["demo", "/nonexistent/dir/demo.jz", "--no-open"]),
    ("admin", ["user", "passwd", "{V}"]),
])
def test_hostile_paths_files_and_people_are_refused(arena, user, argv):
    random_bin = arena.tmp / "random.bin"
    if not random_bin.exists():
        random_bin.write_bytes(random.Random(3).randbytes(3000))
        (arena.tmp / "random.json").write_bytes(b"\xff\xfe{]")
        (arena.tmp / "random.db").write_bytes(b"SQLite format 3\x00" + random.Random(4).randbytes(3000))
    before = arena.head()
    env = {"JZ_NEW_PASSPHRASE": ""} if argv[:2] == ["user", "passwd"] else {}
    ran = run_jz(_argv(argv, "", arena, 0), user=user, env=env)
    if ran.code == 3:  # verify reports a checkpoint it cannot read as a problem, on stdout
        assert argv[0] == "verify" and "✗" in ran.out and "Traceback" not in ran.err + ran.out
    else:
        assert_plain_refusal(ran, secrets_of(arena))
    assert arena.head() == before
    assert not os.path.exists(arena.tmp / ("b" * 300))


def test_names_and_id_numbers_typed_as_references_are_not_repeated(arena):
    """A clerk may type a name or an ID number where a code belongs: the refusal never repeats it."""
    state = arena.session("admin").state.roster
    person = state.candidates["A01-04"]
    for value in (person.name, person.id_number, person.id_number[-6:] + "x" + person.id_number):
        for user, argv in (("admin", ["roster", "edit", "{V}", value, "--set", "unit=x", "--reason", "r"]),
                           ("admin", ["roster", "withdraw", "{V}", value, "--reason", "r"]),
                           ("admin", ["tickets", "{V}", "--out", "{T}/t2", "--reissue", value]),
                           ("e1", ["sheet", "show", "{V}", "--candidate", value]),
                           ("scorer", ["announce", "{V}", "--candidate", value]),
                           ("admin", ["inspect", "{V}", value, "--dimension", "德", "--note", "n"]),
                           ("admin", ["decide", "{V}", value, "--appoint"])):
            before = arena.head()
            ran = run_jz(_argv(argv, "", arena, 0), user=user)
            assert_plain_refusal(ran, secrets_of(arena))
            assert arena.head() == before


# ====================================================================== the installed command


def test_installed_jz_refuses_hostile_input_plainly(arena, tmp_path, jz, roster_files):
    """A representative handful through the console script itself: a real process, a real exit code."""
    nan_scores = tmp_path / "nan.csv"
    nan_scores.write_text("准考证号,成绩\nA01-03,NaN\nA01-04,８５\n", encoding="utf-8")
    binary_rules = tmp_path / "rules.toml"
    binary_rules.write_bytes(random.Random(11).randbytes(300))
    cases = [
        ("admin", ["roster", "import", arena.path, roster_files["random_xlsx"]], 1),
        ("admin", ["roster", "import", arena.path, roster_files["zip_not_a_workbook"]], 1),
        ("admin", ["roster", "import", arena.path, roster_files["utf16_no_bom"]], 1),
        ("admin", ["roster", "import", arena.path, roster_files["control_in_unit"]], 1),
        ("admin", ["written", "import", arena.path, nan_scores], 1),
        ("admin", ["config", arena.path, "--import", binary_rules], 1),
        ("e1", ["sheet", "submit", arena.path, "--candidate", "A01-02", "--items", "NaN,1e3,８５,-0,x,😀"], 1),
        ("t1", ["ballot", "enter", arena.path, "--post", "A01", "--marks", "SSSS", "--no", "-1"], 1),
        ("t1", ["box", "open", arena.path, "--post", "A02", "--seal-intact", "--issued", "-5", "--returned", "5"], 1),
        ("admin", ["tokens", arena.path, "--box", "BOX1", "--count", "99999999999", "--out", tmp_path / "s"], 1),
        ("clerk", ["draw", arena.path, "--post", "\x1b[2J"], 2),
        (None, ["bench", "--scale", "nan"], 2),
        ("admin", ["log", arena.path, "--after", "99999999999999999999"], 2),
    ]
    for user, argv, code in cases:
        before = arena.head()
        done = jz(*argv, user=user)
        assert_plain_refusal(done, secrets_of(arena), codes=(code,))
        assert arena.head() == before, argv
    assert "row 2, score" in jz("written", "import", arena.path, nan_scores, user="admin").stderr
