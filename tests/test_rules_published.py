"""Rules as real sessions publish them (issue 22): each rule set through the installed ``jz``
(``jz config --set``), scores imported or scored as a hall would, and the ranking, the notice
and ``jz config --show`` read back. Every expected figure is worked out by hand in the test.

Names, ID numbers and the roster are synthetic, written into ``tmp_path``.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from jz_tui.rules.settings import rules_from
from jz_tui.services import notice_files, paper
from tests._session_helpers import Hall
from tests.conftest import make_test_vault


@pytest.fixture
def new_hall(tmp_path):
    opened = []

    def make(posts, settings=None, seats=None):
        tv = make_test_vault(tmp_path / f"r{len(opened)}.jz")
        opened.append(tv)
        return Hall(tv, tmp_path, posts, settings=settings, seats=seats)

    yield make
    for tv in opened:
        tv.vault.close()


def configure(jz, hall: Hall, *pairs: str) -> None:
    for pair in pairs:
        done = jz("config", hall.tv.path, "--set", pair, user="admin")
        assert done.returncode == 0, done.stderr


def import_stage(jz, hall: Hall, scores: dict[str, str], stage: str = "written", extra: dict | None = None):
    path = hall.tmp / f"{stage}-{len(scores)}-{abs(hash(tuple(scores.items())))}.csv"
    headers = ["准考证号", "成绩", *(extra or {})]
    lines = [",".join(headers)]
    for code, score in scores.items():
        lines.append(",".join([code, score, *(extra[h][code] for h in (extra or {}))]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return jz("written", "import", hall.tv.path, path, "--stage", stage, user="admin")


def ranking(jz, hall: Hall) -> dict[str, dict]:
    done = jz("ranking", hall.tv.path, "--json", user="admin")
    assert done.returncode == 0, done.stderr
    return {c["code"]: c for post in json.loads(done.stdout)["posts"] for c in post["candidates"]}


ONLY_WRITTEN = ("stages.interview=0", "stages.democratic=0")


# ---------------------------------------------------------------------- 1. targets per seat


def test_targets_count_per_seat_of_each_post(new_hall, jz):
    hall = new_hall([("A01", 8), ("A02", 5)], seats={"A01": 2})
    configure(jz, hall, *ONLY_WRITTEN, "ranking.targets_per_seat=3")  # "按1:3的比例确定考察人选"
    a01, a02 = hall.codes("A01"), hall.codes("A02")
    assert import_stage(jz, hall, {c: str(90 - i) for i, c in enumerate(a01 + a02)}).returncode == 0
    rows = ranking(jz, hall)
    assert [rows[c]["status"] for c in a01] == ["target"] * 6 + ["eligible"] * 2  # 2 seats × 3
    assert [rows[c]["status"] for c in a02] == ["target"] * 3 + ["eligible"] * 2  # 1 seat × 3
    shown = jz("config", hall.tv.path, "--show", "--json", user="admin")
    assert json.loads(shown.stdout)["ranking.targets_per_seat"] == 3


# ---------------------------------------------------------------------- 2. precision per stage


def test_each_stage_has_its_own_places_and_every_output_prints_the_composites(new_hall, jz, tmp_path):
    # "总成绩保留3位，面试成绩保留2位"
    hall = new_hall([("A01", 1)], settings={"interview.step": "0.01", "interview.min_if_uncontested": "0"})
    configure(jz, hall, "stages.democratic=0", "stages.written=1", "stages.interview=1", "ranking.decimals=3",
              "stage_decimals.interview=2")
    [code] = hall.codes("A01")
    assert import_stage(jz, hall, {code: "80.5"}).returncode == 0
    hall.interview(code, "85.67", "85.66")  # mean 85.665 -> 85.67 at 2 places (85.665 at 3)
    row = ranking(jz, hall)[code]
    assert row["interview"] == "85.67"
    assert row["composite"] == "83.085"  # (80.5 + 85.67) / 2 = 83.085; with the interview at 3 places 83.0825 -> 83.083
    out = tmp_path / "n.json"
    assert jz("export", hall.tv.path, "--format", "json", "--out", out, user="admin").returncode == 0
    notice = notice_files.read_notice(out)
    assert "83.085" in notice.rows[0] and "85.67" in notice.rows[0]


def test_a_stage_weighted_unrounded(new_hall, jz):
    hall = new_hall([("A01", 1)], settings={"interview.step": "0.01", "interview.min_if_uncontested": "0"})
    configure(jz, hall, "stages.democratic=0", "stages.written=1", "stages.interview=1", "ranking.decimals=2",
              'stage_decimals.interview="none"')
    [code] = hall.codes("A01")
    assert import_stage(jz, hall, {code: "80"}).returncode == 0
    hall.interview(code, "85.01", "85.00")  # mean 85.005: rounded first 85.01 -> 82.505 -> 82.51
    assert ranking(jz, hall)[code]["composite"] == "82.50"  # unrounded: (80 + 85.005) / 2 = 82.5025 -> 82.50


# ---------------------------------------------------------------------- 3. ties by the unrounded composite


def test_a_tie_is_broken_by_the_composite_before_rounding(new_hall, jz):
    hall = new_hall([("A01", 2)], settings={"interview.step": "0.01", "ranking.targets_per_post": 1})
    configure(jz, hall, "stages.democratic=0", "stages.written=3", "stages.interview=3", "stages.fitness=4")
    first, second = hall.codes("A01")
    # first: 3×80.52 + 3×84.50 + 4×81.25 = 820.06 -> 82.006; second: 3×80.36 + 3×84.00 + 4×81.75 = 820.08 -> 82.008
    assert import_stage(jz, hall, {first: "80.52", second: "80.36"}).returncode == 0
    assert import_stage(jz, hall, {first: "81.25", second: "81.75"}, stage="fitness").returncode == 0
    hall.interview(first, "84.5")
    hall.interview(second, "84")
    rows = ranking(jz, hall)
    assert rows[first]["composite"] == rows[second]["composite"] == "82.01"
    assert rows[first]["status"] == "target"  # today's chain: the interview decides, 84.50 > 84.00
    configure(jz, hall, "ranking.tie_break_unrounded=true")  # 以四舍五入前的总成绩排序
    rows = ranking(jz, hall)
    assert (rows[second]["rank"], rows[second]["status"]) == (1, "target")
    assert (rows[first]["rank"], rows[first]["status"]) == (2, "eligible")


# ---------------------------------------------------------------------- 4. another full mark


def test_a_written_paper_out_of_300_is_converted_inside_the_composite(new_hall, jz):
    # 笔试 out of 300: "笔试成绩÷3×60% + 面试×40%", computed at once, total to 3 places
    hall = new_hall([("A01", 2)])
    configure(jz, hall, "stages.democratic=0", "stages.interview=0", "stages.written=6", "stages.fitness=4",
              "ranking.decimals=3", "stage_decimals.written=2", "stage_decimals.fitness=2")
    one, two = hall.codes("A01")
    refused = import_stage(jz, hall, {one: "143.6", two: "301"})
    assert refused.returncode == 1  # out of 100 today: now out of the full mark, 301 still refused
    configure(jz, hall, "full_marks.written=300")
    assert import_stage(jz, hall, {one: "143.6", two: "300"}).returncode == 0
    assert import_stage(jz, hall, {one: "82.26", two: "50"}, stage="fitness").returncode == 0
    rows = ranking(jz, hall)
    # 143.6 ÷ 3 × 0.6 + 82.26 × 0.4 = 28.72 + 32.904 = 61.624 (converting first: 47.87 × 0.6 -> 61.626)
    assert rows[one]["composite"] == "61.624"
    assert rows[one]["written"] == "143.60"  # the paper's own figure, as published
    assert rows[two]["composite"] == "80.000"  # 100 × 0.6 + 50 × 0.4
    summary = paper.build(hall.s("admin"), "summary", post="A01")  # the paper says how the total was made
    assert any("out of 300" in line for line in summary.pages[0].lines)


# ---------------------------------------------------------------------- 5. added points, weighted sums


def test_added_points_are_capped_and_a_weighted_sum_is_not_rescaled(new_hall, jz):
    hall = new_hall([("A01", 3)])
    # "笔试×50%+面试×50%+加分（最高3分）"
    configure(jz, hall, "stages.democratic=0", "stages.interview=0", "stages.written=1", "stages.fitness=1",
              "added.bonus=3")
    a, b, c = hall.codes("A01")
    assert import_stage(jz, hall, {a: "80", b: "70", c: "90"}).returncode == 0
    assert import_stage(jz, hall, {a: "70", b: "80", c: "60"}, stage="fitness").returncode == 0
    assert import_stage(jz, hall, {a: "4", b: "1.5"}, stage="bonus").returncode == 0
    rows = ranking(jz, hall)
    assert rows[a]["composite"] == "78.00"  # 75 + min(4, 3)
    assert rows[b]["composite"] == "76.50"  # 75 + 1.5
    assert rows[c]["composite"] == "75.00"  # no 加分 imported: nothing added
    assert rows[a]["bonus"] == "4.00"
    summary = paper.build(hall.s("admin"), "summary", post="A01")
    assert any("at most 3" in line for line in summary.pages[0].lines)
    assert summary.pages[0].blocks[0].header[-3] == "bonus"  # the added stage has its column, before the total
    # "业绩（20分）+笔试×40%+面试×60%，满分120"
    configure(jz, hall, "added.bonus=0.01", "ranking.composite=sum", "stages.written=0.4", "stages.fitness=0.6",
              "stages.merit=1", "full_marks.merit=20", "as_is.merit=true")
    assert import_stage(jz, hall, {a: "18", b: "20", c: "12.5"}, stage="merit").returncode == 0
    rows = ranking(jz, hall)
    assert rows[a]["composite"] == "92.01"  # 18 + 32 + 42 + min(4, 0.01)
    assert rows[b]["composite"] == "96.01"  # 20 + 28 + 48 + 0.01
    assert rows[c]["composite"] == "84.50"  # 12.5 + 36 + 36


def test_a_stage_cannot_be_weighted_and_added(new_hall, jz):
    hall = new_hall([("A01", 1)])
    done = jz("config", hall.tv.path, "--set", "added.written=3", user="admin")
    assert done.returncode == 1 and "written" in done.stderr


# ---------------------------------------------------------------------- 7. interview pass line


def test_an_interview_below_the_pass_line_is_excluded_on_any_post(new_hall, jz, tmp_path):
    hall = new_hall([("A01", 3)], settings={"interview.step": "0.01"})
    configure(jz, hall, "stages.democratic=0", "interview.pass_line=60")  # "面试成绩不得低于60分"
    a, b, c = hall.codes("A01")
    assert import_stage(jz, hall, {a: "95", b: "80", c: "70"}).returncode == 0
    hall.interview(a, "59.99")
    hall.interview(b, "60")
    hall.interview(c, "75")
    rows = ranking(jz, hall)
    assert rows[a]["status"] == "excluded_interview_pass" and rows[a]["rank"] is None
    assert rows[b]["status"] == "target" and rows[c]["status"] == "target"  # exactly 60 passes
    out = tmp_path / "n.csv"
    assert jz("export", hall.tv.path, "--format", "csv", "--out", out, user="admin",
              env={"JZ_LANG": "zh"}).returncode == 0
    assert "面试未达合格线" in out.read_text(encoding="utf-8-sig")


# ---------------------------------------------------------------------- 9. sub-scores in the tie-break chain


def test_sub_scores_of_a_stage_break_a_tie(new_hall, jz):
    hall = new_hall([("A01", 2)], settings={"ranking.targets_per_post": 1})
    configure(jz, hall, *ONLY_WRITTEN, 'subscores.written=["行测", "申论"]', 'ranking.tie_breaks=["written.申论"]')
    a, b = hall.codes("A01")
    parts = {"行测": {a: "45", b: "40"}, "申论": {a: "35", b: "40"}}
    missing = import_stage(jz, hall, {a: "80", b: "80"})
    assert missing.returncode == 1 and "申论" in missing.stderr  # the rules name the columns: they must be there
    assert import_stage(jz, hall, {a: "80", b: "80"}, extra=parts).returncode == 0
    rows = ranking(jz, hall)
    assert rows[b]["status"] == "target" and rows[a]["status"] == "eligible"  # 申论 40 > 35
    assert rows[a]["composite"] == rows[b]["composite"] == "80.00"


def test_defaults_are_unchanged():
    rules = rules_from({})
    assert (rules.decimals, rules.targets_for(5), rules.tie_break_unrounded, rules.composite_kind) == (2, 3, False,
                                                                                                      "average")
    assert rules.pass_line == 0 and rules.places("interview") == 2 and rules.full_mark("written") == Decimal(100)
    assert rules.active_stages == ["written", "interview", "democratic"]


# ---------------------------------------------------------------------- 8. a tie settled by a 加试


def test_a_tie_at_the_cut_is_settled_by_an_extra_stage_and_nothing_else(new_hall, jz, tmp_path):
    from _insider_helpers import as_role

    hall = new_hall([("A01", 4)], settings={"ranking.targets_per_post": 2})
    configure(jz, hall, *ONLY_WRITTEN)
    a, b, c, d = hall.codes("A01")
    no_tie = jz("extra", "import", hall.tv.path, tmp_path / "none.csv", "--post", "A01", "--reason", "x",
                user="admin")
    assert no_tie.returncode == 1  # nothing to settle yet: not every score is in
    assert import_stage(jz, hall, {a: "90", b: "85", c: "85", d: "70"}).returncode == 0
    rows = ranking(jz, hall)
    assert "tie_at_cut" in rows[b]["flags"] and "tie_at_cut" in rows[c]["flags"]
    assert rows[b]["status"] == rows[c]["status"] == "eligible"  # never broken silently

    def extra_file(scores: dict[str, str]):
        path = tmp_path / f"extra-{len(scores)}.csv"
        path.write_text("准考证号,成绩\n" + "".join(f"{k},{v}\n" for k, v in scores.items()), encoding="utf-8")
        return path

    # a forger's 加试 naming someone not in the tie, appended raw with the admin's real key
    admin = hall.tv.vault.unlock("admin", "admin-pass")
    forged = hall.tv.vault.append(as_role(admin, "extra.import"), "extra.import",
                                  {"post": "A01", "scores": {b: "60", d: "100"}, "reason": "x"}).seq
    checked = jz("verify", hall.tv.path, "--json", user="admin")
    assert checked.returncode == 3 and str(forged) in checked.stdout
    assert "extra" not in ranking(jz, hall)[d]  # no output shows its effect
    hall.tv.vault.close()  # the forged vault is done with; the real 加试 on a fresh one
    hall = new_hall([("A01", 4)], settings={"ranking.targets_per_post": 2})
    configure(jz, hall, *ONLY_WRITTEN)
    assert import_stage(jz, hall, {a: "90", b: "85", c: "85", d: "70"}).returncode == 0

    partial = jz("extra", "import", hall.tv.path, extra_file({b: "70"}), "--post", "A01", "--reason", "领导小组决定",
                 user="admin")
    assert partial.returncode == 1  # every tied candidate, and no one else
    done = jz("extra", "import", hall.tv.path, extra_file({b: "70", c: "80"}), "--post", "A01",
              "--reason", "领导小组决定加试", user="admin")
    assert done.returncode == 0, done.stderr
    rows = ranking(jz, hall)
    assert (rows[a]["rank"], rows[c]["rank"], rows[b]["rank"]) == (1, 2, 3)
    assert rows[c]["status"] == "target" and rows[b]["status"] == "eligible"
    assert rows[c]["extra"] == "80.00" and "extra" in rows[c]["flags"]
    assert rows[c]["composite"] == rows[b]["composite"] == "85.00"  # the composite is the composite
    again = jz("extra", "import", hall.tv.path, extra_file({b: "90", c: "10"}), "--post", "A01", "--reason", "y",
               user="admin")
    assert again.returncode == 1  # recorded once
    out = tmp_path / "n.csv"
    assert jz("export", hall.tv.path, "--format", "csv", "--out", out, user="admin",
              env={"JZ_LANG": "zh"}).returncode == 0
    assert "经加试" in out.read_text(encoding="utf-8-sig")  # the notice says how the tie was settled
    assert jz("verify", hall.tv.path, user="admin").returncode == 0


def test_insider_scores_above_the_full_mark_or_parts_the_rules_do_not_name_are_set_aside(new_hall, jz):
    from _insider_helpers import as_role

    hall = new_hall([("A01", 2)])
    configure(jz, hall, *ONLY_WRITTEN, 'subscores.written=["申论"]')
    a, b = hall.codes("A01")
    admin = hall.tv.vault.unlock("admin", "admin-pass")
    over = hall.tv.vault.append(as_role(admin, "written.import"), "written.import",
                                {"stage": "written", "scores": {a: "150.00"}}).seq  # full mark 100
    part = hall.tv.vault.append(as_role(admin, "written.import"), "written.import",
                                {"stage": "written", "scores": {b: "80.00"},
                                 "subscores": {b: {"行测": "90.00"}}}).seq  # a part the rules do not name
    checked = jz("verify", hall.tv.path, "--json", user="admin")
    assert checked.returncode == 3
    seqs = {problem.get("seq") for problem in json.loads(checked.stdout)["problems"]}
    assert {over, part} <= seqs
    rows = ranking(jz, hall)
    assert rows[a]["written"] is None and rows[b]["written"] is None  # neither reaches any output
