"""How the printed forms are laid out (``jz_tui.services.pdf``), read back with poppler:

- CJK line breaking (禁则): no line begins with a closing or continuing mark (、，。）：…) nor
  ends with an opening one (（“), checked over random text by hypothesis;
- column headers are never broken inside a word (``岗位编/码``);
- the page count ``jz print`` reports is the number of pages written, and the last page of a
  long table holds rows along with the seal line and the notice period (never alone);
- the tally record marks every ledger signature with its event number, states the rule's own
  dissatisfaction threshold and lists every override; the blank ballot ends as a ballot.
"""

from __future__ import annotations

import json
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from _session_helpers import Hall, columns_to_ballots
from conftest import make_test_vault
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reportlab.pdfbase.pdfmetrics import stringWidth

from jz_tui import i18n
from jz_tui.i18n import t
from jz_tui.services import ballots, paper, pdf, pending
from jz_tui.services.paper import Form, Page, Table

COLUMNS = ["SSBD", "SBBB", "DDDS"]


def pdf_text(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *pages, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


# ---------------------------------------------------------------------- line breaking (禁则)

CJK = "岗位编码考生姓名单位综合成绩民主测评满意基本不满意率计票监督员签字会议公示期组织人事部门"
CLOSING = "、，。：；？！）》」』】…%"
OPENING = "（《「『【“"
LATIN = ["A01", "A01-04", "87.70", "30%", "word", "signed", " ", " ", "x"]


def _capped(text: str, most: int = 2) -> str:
    """At most ``most`` punctuation marks in a row (a longer run has no place to break at all)."""
    out, run = [], 0
    for ch in text:
        run = run + 1 if ch in CLOSING or ch in OPENING else 0
        if run <= most:
            out.append(ch)
    return "".join(out)


texts = st.lists(st.one_of(st.sampled_from(CJK), st.sampled_from(CJK), st.sampled_from(CLOSING),
                           st.sampled_from(OPENING), st.sampled_from(LATIN)), max_size=120).map(
    lambda parts: _capped("".join(parts)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, st.integers(min_value=60, max_value=400), st.sampled_from([8, 9.5, 11]))
def test_wrapped_lines_never_begin_with_a_closing_mark_nor_end_with_an_opening_one(text, width, size):
    font = pdf.font_name()
    lines = pdf.wrap_text(text, width, font, size)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing lost, nothing added
    for number, line in enumerate(lines):
        assert line and line == line.strip(), lines
        assert stringWidth(line, font, size) <= width, (line, width)
        if number:
            assert line[0] not in pdf.CANNOT_START, (number, lines)
        if number < len(lines) - 1:
            assert line[-1] not in pdf.CANNOT_END, (number, lines)


@settings(max_examples=150, deadline=None)
@given(texts.filter(str.strip), st.integers(min_value=60, max_value=300))
def test_reportlab_lays_out_the_lines_as_broken_and_breaks_them_no_further(text, width):
    style = pdf._styles()["cell"]
    paragraph = pdf.Text(text, style)
    paragraph.wrap(width, 10_000)
    laid_out = [" ".join(line[1]) if paragraph.blPara.kind == 0  # one style: (space left, words)
                else "".join(getattr(frag, "text", "") for frag in line.words).strip()
                for line in paragraph.blPara.lines]
    broken = pdf.wrap_text(text, width - pdf.SLACK, style.fontName, style.fontSize)
    assert [re.sub(" +", " ", line) for line in laid_out] == [re.sub(" +", " ", line) for line in broken]


def test_a_comma_takes_the_character_before_it_to_the_next_line():
    font = pdf.font_name()
    text = "计票人、监票人、监督员签字确认"
    width = stringWidth("计票人、监票人", font, 10) + 0.5  # the second 、 would begin the second line
    assert pdf.wrap_text(text, width, font, 10) == ["计票人、监票", "人、监督员签字", "确认"]
    text = "发出 4 张（其中电子票 0 张）"
    width = stringWidth("发出 4 张", font, 10) + 0.5  # （ would end the first line
    assert pdf.wrap_text(text, width, font, 10)[0] == "发出 4 张"
    width = stringWidth("发出 4 张（", font, 10) + 0.5
    assert pdf.wrap_text(text, width, font, 10)[0] == "发出 4 张"


def test_latin_words_break_at_spaces_and_cjk_anywhere_else():
    font = pdf.font_name()
    lines = pdf.wrap_text("Tally officer (t1) signed in the ledger, event 57", 100, font, 10)
    assert all(stringWidth(line, font, 10) <= 100 for line in lines)
    assert " ".join(lines) == "Tally officer (t1) signed in the ledger, event 57"


# ---------------------------------------------------------------------- a session to print


@pytest.fixture
def hall(tmp_path):
    """A01 interviewed, its tally closed after an override; A02 with 44 candidates (a long notice)."""
    tv = make_test_vault(tmp_path / "session.jz")
    h = Hall(tv, tmp_path, [("A01", 3), ("A02", 44)], settings={"democratic.dissatisfied_max": "0.25"})
    h.stage({code: "80.50" for code in h.codes("A01") + h.codes("A02")})
    for code, (first, second) in zip(h.codes("A01"), [("85.5", "90"), ("78", "80.5"), ("91", "92")], strict=True):
        h.interview(code, first, second)
    h.box(["A01"])
    h.paper("A01", columns_to_ballots(COLUMNS), issued=5, returned=5)  # five returned, four entered
    override = ballots.request_override(h.s("t1"), "A01", "一张选票遗失在会场外，经核实作废")
    pending.sign(h.s("sup"), override.id)
    h.override = h.state.pending[override.id]
    h.closed = h.close("A01")
    yield h
    tv.vault.close()


def ledger_seq(h: Hall, action_id: str, user: str) -> int:
    session = h.s("admin")
    for event in session.vault.events(0):
        if event.actor == user and event.kind in ("pending.create", "pending.sign"):
            data = session.record_of(event).data
            if data.get("id") == action_id:
                return event.seq
    raise AssertionError(f"no signature of {user} on {action_id}")


# ---------------------------------------------------------------------- the tally record


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_tally_record_marks_every_ledger_signature_with_its_event(hall, tmp_path, lang):
    i18n.set_language(lang)
    out = tmp_path / "tally.pdf"
    paper.write(hall.s("sup"), "tally", out, post="A01")
    text = re.sub(r"\s+", " ", pdf_text(out))
    for user in ("t1", "t2", "sup"):
        seq = ledger_seq(hall, hall.closed.id, user)
        pattern = (rf"（{user}）（已于账本第 {seq} 条签名）" if lang == "zh"
                   else rf"\({user}\) \(signed in the ledger, event {seq}\)")
        assert re.search(pattern, text), (user, seq, text)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_tally_record_states_the_rules_threshold_and_every_override(hall, tmp_path, lang):
    i18n.set_language(lang)
    out = tmp_path / "tally.pdf"
    paper.write(hall.s("t1"), "tally", out, post="A01")
    text = re.sub(r"\s+", "", pdf_text(out))
    assert "25%" in text and "30%" not in text  # the rule's own figure, not the default
    assert "0.25" not in text
    override = hall.override
    assert re.sub(r"\s+", "", override.reason) in text
    start, signed = ledger_seq(hall, override.id, "t1"), ledger_seq(hall, override.id, "sup")
    words = (f"t1（第{start}条）", f"sup（第{signed}条）") if lang == "zh" else (f"t1(event{start})",
                                                                             f"sup(event{signed})")
    for word in words:
        assert word in text, (word, text)
    assert re.search(r"(收回5张|returned5)", text) and re.search(r"(有效4张|valid4)", text)


def test_entries_withdrawn_are_printed_when_the_record_counts_them(hall):
    session = hall.s("sup")
    lines = paper.build(session, "tally", "A01").pages[0].lines
    assert not any("withdrawn" in line for line in lines)  # the record says nothing of withdrawals
    session.state.tally.posts["A01"].closed["withdrawn"] = 1  # a record that counts them
    lines = paper.build(session, "tally", "A01").pages[0].lines
    assert "Entries withdrawn: 1 (counted neither valid nor void)" in lines


def test_a_record_without_an_override_names_none(tmp_path):
    i18n.set_language("zh")
    tv = make_test_vault(tmp_path / "session.jz")
    h = Hall(tv, tmp_path, [("A01", 3)])
    h.democratic("A01", COLUMNS)
    out = tmp_path / "tally.pdf"
    paper.write(h.s("sup"), "tally", out, post="A01")
    text = re.sub(r"\s+", "", pdf_text(out))
    assert "放行" not in text and "30%" in text
    tv.vault.close()


# ---------------------------------------------------------------------- the blank ballot


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_blank_ballot_ends_as_a_ballot(hall, tmp_path, lang):
    i18n.set_language(lang)
    out = tmp_path / "ballot.pdf"
    paper.write(hall.s("admin"), "ballot", out, post="A01", count=2)
    text = pdf_text(out)
    assert t("paper_footer_blank") not in text.replace("\n", "")
    assert "空白表" not in text and "filled in by hand" not in text
    assert pdf_pages(out) == 2


# ---------------------------------------------------------------------- headers


def header_words(form: Form) -> set[str]:
    words = set()
    for page in form.pages:
        for block in page.blocks:
            if isinstance(block, Table):
                for header in block.header:
                    words.update(header.split())
    return words


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("form, user, options", [
    ("sheet", "scorer", {"post": "A01"}),
    ("ballot", "admin", {"post": "A01", "count": 1}),
    ("tally", "sup", {"post": "A01"}),
    ("summary", "scorer", {"post": "A01"}),
    ("summary", "scorer", {"candidate": "A01-01"}),
    ("notice", "admin", {}),
])
def test_no_column_header_is_broken_inside_a_word(hall, tmp_path, lang, form, user, options):
    i18n.set_language(lang)
    out = tmp_path / f"{form}.pdf"
    written = paper.write(hall.s(user), form, out, **options)
    text = pdf_text(out)
    words = header_words(written)
    assert words
    for word in words:
        assert word in text, (word, form)


def test_a_narrow_column_widens_or_shrinks_its_header_to_keep_it_whole(tmp_path):
    header = ["岗位编码", "岗位名称", "准考证号", "姓名", "单位", "笔试成绩", "面试成绩", "民主测评成绩", "综合成绩",
              "名次", "结果", "Dissatisfied", "拟任职情况"]
    rows = [["A01", "办公室科员", "A01-01", "张三", "区委办公室", "80.50", "87.75", "90.00", "85.10", "1", "考察对象",
             "-", ""]]
    form = Form("notice", "x", [Page("公示", [], [Table(header, rows, [1.1] + [1] * 12)])], landscape=True)
    out = tmp_path / "narrow.pdf"
    pdf.draw(form, out)
    text = pdf_text(out)
    for word in header:
        assert word in text, word


# ---------------------------------------------------------------------- pages


def long_form(rows: int) -> Form:
    table = Table(["岗位编码", "准考证号", "姓名", "单位", "综合成绩", "名次"],
                  [["A02", f"A02-{i:02d}", f"考生{i}", "区委办公室，区政府办公室、区人大办公室", "80.50", str(i)]
                   for i in range(1, rows + 1)], [1, 1.5, 1.2, 3, 1.2, 0.8])
    page = Page("测试会话 公示", [], [table, "公示期间，如对公示对象有异议，可向组织人事部门反映。"],
                ["组织人事部门（盖章）："], ["会议指纹：AAAA", "公示期：______年____月____日 至 ______年____月____日"],
                "JZ-TEST")
    return Form("notice", "公示", [page], landscape=True)


@pytest.mark.parametrize("rows", [1, 12, 14, 16, 18, 20, 45, 80])
def test_a_page_too_long_for_one_sheet_is_split_and_its_end_keeps_rows(tmp_path, rows):
    i18n.set_language("zh")
    out = tmp_path / "long.pdf"
    drawn = pdf.draw(long_form(rows), out)
    assert len(drawn.pages) == pdf_pages(out)
    last = pdf_text(out, pdf_pages(out))
    assert "组织人事部门（盖章）" in last and "公示期" in last
    assert re.search(r"A02-\d\d", last)  # at least one row beside the seal
    everything = pdf_text(out)
    assert all(f"A02-{i:02d}" in everything for i in range(1, rows + 1))
    if len(drawn.pages) > 1:
        for number in range(1, len(drawn.pages) + 1):
            page_text = re.sub(r"\s+", "", pdf_text(out, number))
            assert f"第{number}页，共{len(drawn.pages)}页" in page_text
            assert "岗位编码" in page_text  # the header on every page


@pytest.mark.parametrize("post", [None, "A01"])
def test_jz_print_reports_the_pages_it_writes_and_the_seal_is_never_alone(hall, jz, tmp_path, post):
    out = tmp_path / "notice.pdf"
    args = ["--post", post] if post else []
    result = jz("print", hall.tv.path, "--form", "notice", *args, "--out", out, "--json", user="admin",
                env={"JZ_LANG": "zh"})
    assert result.returncode == 0, result.stderr
    pages = pdf_pages(out)
    assert json.loads(result.stdout)["pages"] == pages
    if post is None:
        assert pages >= 2  # 47 rows on A4 landscape
    last = pdf_text(out, pages)
    assert "组织人事部门（盖章）" in last and "公示期" in last
    assert re.search(r"A0[12]-\d\d", last)

    plain = jz("print", hall.tv.path, "--form", "notice", *args, "--out", out, user="admin")
    assert plain.returncode == 0 and f"{pages} page(s)" in plain.stdout


def test_the_summary_of_a_long_post_reports_its_pages(hall, jz, tmp_path):
    out = tmp_path / "summary.pdf"
    result = jz("print", hall.tv.path, "--form", "summary", "--out", out, "--json", user="scorer")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["pages"] == pdf_pages(out)


def test_the_threshold_is_the_rules_figure_written_exactly():
    assert paper.rule_percent(Decimal("0.30")) == "30%"
    assert paper.rule_percent(Decimal("0.333")) == "33.3%"
    assert paper.rule_percent(Decimal("0.2525")) == "25.25%"
