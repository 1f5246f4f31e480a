"""The commands' tables line up under Chinese names: columns padded by display width (a Chinese
character takes two cells), a header row in the chosen language, rates as percentages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import WEAK_KDF
from rich.cells import cell_len

from jz_tui import i18n
from jz_tui.bench import demo
from jz_tui.cli.main import main
from jz_tui.display import text_table
from jz_tui.services.roster import edit_candidate
from jz_tui.services.session import Session
from storage.vault import Vault

# names of one, two, four and five characters beside the demo's three-character ones
NEW_NAMES = {"A01-01": "欧阳建国", "A01-02": "王五", "A01-03": "司马相如之", "A01-04": "李"}
CHINESE_USERS = ("王五", "欧阳建国", "司马")
PASS = {"admin": "admin-demo", "tally1": "tally1-demo", "kg1": "kg1-demo"}


@pytest.fixture(scope="module")
def vault(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tables") / "demo.jz"
    demo.build_demo(path, say=lambda line: None, kdf=WEAK_KDF)
    v = Vault.open(path)
    try:
        admin = v.unlock("admin", PASS["admin"])
        for name in CHINESE_USERS:
            v.add_user(admin, name, "examiner", f"{name} 的口令 2026 ok", kdf=WEAK_KDF)
        session = Session(v, admin)
        for code, name in NEW_NAMES.items():
            edit_candidate(session, code, {"name": name}, reason="test names of other lengths")
    finally:
        v.close()
    return path


def run(capsys, monkeypatch, lang: str, user: str, *argv: str) -> list[str]:
    monkeypatch.setenv("JZ_PASSPHRASE", PASS[user])
    i18n.set_language(lang)
    assert main([*argv, "--user", user, "--lang", lang]) == 0
    return capsys.readouterr().out.splitlines()


def spans(line: str) -> list[tuple[int, int]]:
    """The cells of a table line (separated by two spaces or more), as [start, end) in display columns."""
    found = []
    for match in re.finditer(r"\S+(?: \S+)*", line):
        start = cell_len(line[:match.start()])
        found.append((start, start + cell_len(match.group())))
    return found


def assert_aligned(lines: list[str], align: str) -> None:
    """Every line's k-th cell starts (``l``) or ends (``r``) where the header's does, for the
    first ``len(align)`` columns."""
    header = spans(lines[0])
    assert len(header) >= len(align), lines[0]
    for line in lines[1:]:
        for k, ((start, end), (h_start, h_end)) in enumerate(zip(spans(line)[:len(align)], header)):
            if align[k] == "l":
                assert start == h_start, f"column {k} of {line!r} starts at {start}, the header's at {h_start}"
            else:
                assert end == h_end, f"column {k} of {line!r} ends at {end}, the header's at {h_end}"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_user_list_lines_up_under_chinese_names(vault, capsys, monkeypatch, lang):
    lines = run(capsys, monkeypatch, lang, "admin", "user", "list", str(vault))
    assert lines[0].split()[0] == i18n.t("table_user", lang=lang)
    assert {line.split()[0] for line in lines[1:]} >= set(CHINESE_USERS)
    if lang == "en":  # "Key fingerprint" is one heading of two words: spans() keeps it whole
        assert "Key fingerprint" in lines[0]
    assert_aligned(lines, "lll")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_tally_show_lines_up_with_headers_and_percentages(vault, capsys, monkeypatch, lang):
    lines = run(capsys, monkeypatch, lang, "tally1", "tally", "show", str(vault), "--post", "A01")
    table = [line for line in lines if line.startswith("  ")]
    assert table[0].split()[:2] == [i18n.t("tally_ui_col_code", lang=lang), i18n.t("tally_ui_col_name", lang=lang)]
    assert any(name in "".join(table) for name in NEW_NAMES.values())
    rates = [line.split()[-1] for line in table[1:]]
    assert all(re.fullmatch(r"\d+\.\d\d%", rate) for rate in rates), rates  # as the tally screen shows them
    assert_aligned(table, "ll" + "r" * 6)


def test_roster_list_lines_up(vault, capsys, monkeypatch):
    lines = run(capsys, monkeypatch, "zh", "admin", "roster", "list", str(vault))
    start = lines.index(next(line for line in lines if line.split()[:2] == ["编号", "姓名"]))
    table = [lines[start]]
    for line in lines[start + 1:]:
        if not line.startswith("    "):
            break
        table.append(line)
    assert {"欧阳建国", "王五", "司马相如之", "李"} <= {line.split()[1] for line in table[1:]}
    assert_aligned(table, "lllll")


def test_checkin_counts_line_up(vault, capsys, monkeypatch):
    lines = run(capsys, monkeypatch, "zh", "admin", "checkin", str(vault), "--counts")
    assert lines[0].split() == ["岗位", "岗位名称", "应到", "已到", "未到", "缺考"]
    assert_aligned(lines, "llrrrr")


def test_ranking_lines_up_with_rates_as_percentages(vault, capsys, monkeypatch):
    lines = run(capsys, monkeypatch, "zh", "admin", "ranking", str(vault))
    table = [line for line in lines if line.startswith("  ")][:6]  # post A01: the header and its five
    assert table[0].split()[:5] == ["名次", "编号", "姓名", "综合成绩", "不满意率"]
    assert all(re.fullmatch(r"\d+\.\d\d%", line.split()[4]) for line in table[1:])
    assert_aligned(table, "rllrr")  # rank, code, name, composite, rate (the status and notes after them)


def test_the_helper_pads_by_display_width():
    lines = text_table(["名", "x"], [["欧阳建国", "1"], ["李", "22"]], right={1})
    assert [cell_len(line) for line in lines] == [12, 12, 12]
    assert lines[1] == "欧阳建国   1"
    assert lines[2] == "李        22"


def test_hall_list_lines_up(vault, capsys, monkeypatch, tmp_path):
    copy = tmp_path / "halls.jz"
    copy.write_bytes(vault.read_bytes())
    fingerprints = [u["fingerprint"] for u in json.loads("\n".join(
        run(capsys, monkeypatch, "en", "admin", "user", "list", str(copy), "--json")))][1:3]
    for name, fingerprint in zip(("东区第一考场", "西区"), fingerprints, strict=True):
        run(capsys, monkeypatch, "zh", "admin", "hall", "add", str(copy), name, "--fingerprint", fingerprint)
    lines = run(capsys, monkeypatch, "zh", "admin", "hall", "list", str(copy))
    assert lines[0].split() == ["考场", "已导入岗位", "账本位置", "公钥指纹"]
    assert [line.split()[0] for line in lines[1:]] == ["东区第一考场", "西区"]
    assert_aligned(lines, "ll")
    assert len({cell_len(line) for line in lines[1:]}) == 1  # the fingerprints end in the same column
