"""``jz print`` and the print key: each form as an A4 PDF, read back with poppler (``pdftotext``
finds the words and figures, ``pdftoppm`` renders every page) and zbar (the QR says the head)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from _app_helpers import log_in, settle, wait_until
from _session_helpers import Hall
from conftest import make_test_vault
from PIL import Image

from jz_tui.apps.app import make_app
from jz_tui.rules.ranking import rank
from jz_tui.services import public_view, publication
from screens.ballots import BallotsScreen
from screens.widgets import Plain

A4_POINTS = (595, 842)
RUBRIC = [["综合分析能力", 25], ["计划组织协调能力", 20], ["应变能力", 15], ["人际沟通能力", 15], ["言语表达能力", 15],
          ["举止仪表", 10]]
COLUMNS = ["SSBD", "SBBB", "DDDS"]  # A01's three candidates over four paper ballots


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def page_sizes(path: Path) -> list[tuple[int, int]]:
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "9999", str(path)], capture_output=True, text=True,
                          check=True).stdout
    return [(round(float(w)), round(float(h))) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]


def render(path: Path, resolution: int = 100) -> list[Path]:
    """Every page as a PNG, each with ink on it."""
    prefix = path.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(resolution), str(path), str(prefix)], check=True)
    pngs = sorted(path.parent.glob(prefix.name + "-*.png"))
    for png in pngs:
        with Image.open(png) as image:
            dark = sum(image.convert("L").point(lambda v: 255 if v < 128 else 0).histogram()[255:])
            assert dark > 500, f"{png.name} is blank"
    return pngs


def qr_of(png: Path) -> str:
    result = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True)
    assert result.returncode == 0, f"no QR code found in {png.name}"
    return result.stdout.strip()


@pytest.fixture
def hall(tmp_path):
    """Two posts: A01 interviewed and its tally closed; A02 with a box opened, still counting."""
    tv = make_test_vault(tmp_path / "session.jz")
    h = Hall(tv, tmp_path, [("A01", 3), ("A02", 2)])
    h.stage({code: "80.50" for code in h.codes("A01") + h.codes("A02")})
    for code, (first, second) in zip(h.codes("A01"), [("85.5", "90"), ("78", "80.5"), ("91", "92")], strict=True):
        h.interview(code, first, second)
    h.democratic("A01", COLUMNS)
    h.box(["A02"])
    h.paper("A02", ["SB", "BB"])
    yield h
    tv.vault.close()


def head_of(h: Hall) -> str:
    return h.state.head_hash.hex()


def names_of(h: Hall) -> list[str]:
    return [c.name for c in h.state.roster.candidates.values()]


# ---------------------------------------------------------------------- ballots


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ballots_one_page_per_voter_with_the_roster_and_nothing_recorded(hall, jz, tmp_path, lang):
    out = tmp_path / f"ballot-{lang}.pdf"
    result = jz("print", hall.tv.path, "--form", "ballot", "--post", "A01", "--count", "3", "--out", out,
                user="t1", env={"JZ_LANG": lang})
    assert result.returncode == 0, result.stderr
    assert page_sizes(out) == [A4_POINTS] * 3
    text = pdf_text(out)
    words = (["民主测评票", "满意", "基本满意", "不满意", "测试会话", "岗位A01"] if lang == "zh"
             else ["Democratic-evaluation ballot", "Satisfied", "Basically", "Dissatisfied", "测试会话"])
    for word in words:
        assert text.count(word) >= 3, word  # on every page
    for candidate in hall.state.roster.candidates_of("A01"):
        assert text.count(candidate.code) == 3 and candidate.name in text
    positions = [text.index(code) for code in hall.codes("A01")]
    assert positions == sorted(positions)  # code order: the order the tally enters the marks in
    assert not any(code in text for code in hall.codes("A02"))
    for recorded in ("80.50", "87.75", "65.00", "25.00%", head_of(hall)[:12]):
        assert recorded not in text  # printed before the vote: no score, no count, no head
    assert len(render(out, 50)) == 3


def test_ballots_default_to_the_number_issued_at_the_box(hall, jz, tmp_path):
    out = tmp_path / "ballot.pdf"
    result = jz("print", hall.tv.path, "--form", "ballot", "--post", "A01", "--out", out, user="admin")
    assert result.returncode == 0, result.stderr
    assert len(page_sizes(out)) == len(COLUMNS[0])  # four issued when A01's box was opened


# ---------------------------------------------------------------------- score sheets


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sheets_hold_the_rubric_and_the_number_never_a_name(tmp_path, jz, lang):
    tv = make_test_vault(tmp_path / "session.jz")
    h = Hall(tv, tmp_path, [("A01", 3), ("A02", 2)], settings={"interview.rubric": RUBRIC})
    a01, a02, names = h.codes("A01"), h.codes("A02"), names_of(h)
    tv.vault.close()
    out = tmp_path / "sheet.pdf"
    result = jz("print", tv.path, "--form", "sheet", "--post", "A01", "--out", out, user="scorer",
                env={"JZ_LANG": lang})
    assert result.returncode == 0, result.stderr
    text = pdf_text(out)
    assert len(page_sizes(out)) == 3
    for item, top in RUBRIC:
        assert re.search(rf"{item}\s+{top}\b", text), item
    assert re.search(r"(合计|Total)\s+100\b", text)
    for code in a01:
        assert code in text
    for name in names:
        assert name not in text
    assert ("考官签字" in text and "计分员签字" in text) if lang == "zh" else (
        "Examiner's signature" in text and "Scorer's signature" in text)
    render(out, 50)

    one = tmp_path / "one.pdf"
    result = jz("print", tv.path, "--form", "sheet", "--candidate", a02[1], "--out", one, user="admin")
    assert result.returncode == 0, result.stderr
    assert len(page_sizes(one)) == 1 and a02[1] in pdf_text(one)


# ---------------------------------------------------------------------- records with the head


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_tally_record_holds_the_closed_figures_the_signers_and_the_head(hall, jz, tmp_path, lang):
    out = tmp_path / "tally.pdf"
    result = jz("print", hall.tv.path, "--form", "tally", "--post", "A01", "--out", out, user="sup",
                env={"JZ_LANG": lang})
    assert result.returncode == 0, result.stderr
    text = pdf_text(out)
    closed = hall.state.tally.posts["A01"].closed
    for entry in closed["candidates"]:
        c = entry["counts"]
        figures = [c["satisfied"], c["basic"], c["dissatisfied"], c["blank"], entry["score"]]
        assert re.search(rf"{entry['code']}\s+\S+\s+" + r"\s+".join(map(str, figures)), text), entry["code"]
    assert "测试会话" in text and "SEAL-A01" in text
    assert re.search(r"(发出|Issued) 4", text)
    for officer in ("t1", "t2", "sup"):
        assert f"({officer})" in text or f"（{officer}）" in text
    head = head_of(hall)
    assert head in text.replace("\n", "")
    assert hall.tv.vault.admin_fingerprint in text
    [png] = render(out)
    assert head in qr_of(png)
    verified = jz("verify", hall.tv.path, user="admin")
    assert verified.returncode == 0 and head[:12] in verified.stdout + verified.stderr


def test_the_summary_and_the_notice_carry_the_ranking_and_the_head(hall, jz, tmp_path):
    summary = tmp_path / "summary.pdf"
    result = jz("print", hall.tv.path, "--form", "summary", "--post", "A01", "--out", summary, user="scorer")
    assert result.returncode == 0, result.stderr
    text = pdf_text(summary)
    [a01] = [post for post in rank(hall.state) if post.code == "A01"]
    for row in a01.rows:
        assert re.search(rf"{row.code}\s+{row.name}.*{row.composite}", text), row.code
    assert "A02-01" not in text
    head = head_of(hall)
    [png] = render(summary)
    assert head in qr_of(png) and head in text

    notice = tmp_path / "notice.pdf"
    result = jz("print", hall.tv.path, "--form", "notice", "--out", notice, user="admin", env={"JZ_LANG": "zh"})
    assert result.returncode == 0, result.stderr
    text = pdf_text(notice)
    published = publication.build_notice(public_view.public_result_of(hall.state, lang="zh"), hall.tv.vault)
    for row in published.rows:
        assert all(cell in text for cell in row if cell and len(cell) < 8), row  # long cells may wrap in a column
    assert "公示" in text and head in text
    [png] = render(notice)
    assert qr_of(png) == publication.qr_text(published.meta)

    interview = tmp_path / "interview.pdf"
    code = hall.codes("A01")[0]
    result = jz("print", hall.tv.path, "--form", "summary", "--candidate", code, "--out", interview, user="sup")
    assert result.returncode == 0, result.stderr
    text = pdf_text(interview)
    assert re.search(r"e1\s+85\.5", text) and re.search(r"e2\s+90\b", text) and "87.75" in text


# ---------------------------------------------------------------------- refusals


@pytest.mark.parametrize("args, user, words", [
    (["--form", "summary"], "clerk", "may not print the score summary"),
    (["--form", "ballot", "--post", "A01"], "e1", "may not print"),
    (["--form", "notice"], "t1", "may not print the public notice"),
    (["--form", "tally", "--post", "A02"], "sup", "not closed"),
    (["--form", "tally", "--post", "A09"], "admin", "no post A09"),
    (["--form", "ballot"], "admin", "needs a post"),
    (["--form", "ballot", "--post", "A01", "--count", "0"], "admin", "between 1 and"),
    (["--form", "summary", "--candidate", "A02-01"], "admin", "not announced"),
])
def test_refusals_exit_1_with_one_sentence_and_write_nothing(hall, jz, tmp_path, args, user, words):
    out = tmp_path / "refused.pdf"
    result = jz("print", hall.tv.path, *args, "--out", out, user=user)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], result.stderr
    assert not out.exists()


def test_an_officer_prints_a_draft_record_of_a_tally_still_counting(hall, jz, tmp_path):
    out = tmp_path / "draft.pdf"
    result = jz("print", hall.tv.path, "--form", "tally", "--post", "A02", "--out", out, user="t1")
    assert result.returncode == 0, result.stderr
    text = pdf_text(out)
    assert "DRAFT" in text and re.search(r"Issued 2", text)


# ---------------------------------------------------------------------- the print key


async def test_the_print_key_on_the_tally_screen_writes_the_record_beside_the_vault(hall):
    a02 = hall.codes("A02")
    hall.tv.vault.close()
    path = hall.tv.path
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "t1")
        screen = app.screen
        assert isinstance(screen, BallotsScreen)
        await wait_until(pilot, lambda: screen._current is not None and screen._current.post == "A01")
        await pilot.press("p")
        prints = path.parent / "prints"
        await wait_until(pilot, lambda: any(prints.glob("tally-A01-*.pdf")), timeout=20)
        await settle(pilot)
        [written] = prints.glob("tally-A01-*.pdf")
        assert str(written) in str(screen.query_one("#tally-note", Plain).content).replace("\n", "")
        assert "Democratic-evaluation tally record" in pdf_text(written)

        await pilot.press("right_square_bracket")  # A02, still counting: blank ballots
        await wait_until(pilot, lambda: screen._current is not None and screen._current.post == "A02")
        await pilot.press("p")
        await wait_until(pilot, lambda: any(prints.glob("ballot-A02-*.pdf")), timeout=20)
        [ballot] = prints.glob("ballot-A02-*.pdf")
        assert "80.50" not in pdf_text(ballot) and a02[0] in pdf_text(ballot)


def fonts_of(path: Path) -> list[tuple[str, bool]]:
    """(font name, embedded) for each font of the PDF, as pdffonts lists them."""
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    return [(line.split()[0], line.split()[-5] == "yes") for line in lines]


def test_chinese_is_embedded_when_the_machine_has_a_font(hall, jz, tmp_path):
    """.ci/run installs WenQuanYi Micro Hei: the forms then carry their own glyphs, and print the
    same on a computer without any Chinese font."""
    out = tmp_path / "ballot.pdf"
    assert jz("print", hall.tv.path, "--form", "ballot", "--post", "A01", "--out", out, user="admin").returncode == 0
    assert any(embedded and "WenQuanYi" in name for name, embedded in fonts_of(out)), fonts_of(out)
    assert "测试会话" in pdf_text(out)


def test_without_a_chinese_font_the_built_in_one_is_named(hall, jz, tmp_path):
    out = tmp_path / "ballot.pdf"
    ran = jz("print", hall.tv.path, "--form", "ballot", "--post", "A01", "--out", out, user="admin",
             env={"JZ_PDF_FONT": str(tmp_path / "no-such-font.ttf")})
    assert ran.returncode == 0, ran.stderr
    assert ("STSong-Light", False) in fonts_of(out)  # named, not embedded: the reader supplies the glyphs
    assert "测试会话" in pdf_text(out)  # still text, still extractable


async def test_the_print_key_on_the_board_is_listed_under_f1_and_writes_the_summary(hall):
    from screens.board import BoardScreen
    from screens.help import HelpScreen

    hall.tv.vault.close()
    path = hall.tv.path
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "sup")
        assert isinstance(app.screen, BoardScreen)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert any(row.key == "p" and row.action == "Print" for row in app.screen.rows)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("p")
        prints = path.parent / "prints"
        await wait_until(pilot, lambda: any(prints.glob("*.pdf")), timeout=20)
        [written] = prints.glob("*.pdf")
        assert "Score summary" in pdf_text(written)
