"""Ranking and inspection targets (DESIGN.md §2.7, §5): a matrix of sessions built through
the real services, ranked by the pure function, and the ``jz ranking`` contract."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest

from jz_tui.rules import ranking
from jz_tui.rules.settings import rules_from, validate
from jz_tui.services import ballots, checkin, pending
from jz_tui.services.roster import request_disqualify, withdraw_candidate
from storage.errors import JzError
from tests._session_helpers import Hall

ALL_S = "S" * 10  # democratic 100.00, rate 0
S9_B1 = "S" * 9 + "B"  # 96.00
S8_B2 = "S" * 8 + "BB"  # 92.00
S9_D1 = "S" * 9 + "D"  # 90.00, rate 0.1000


def expected(weights: dict[str, str], scores: dict[str, str]) -> Decimal:
    """The composite by hand: Σ weight × score / Σ weight, half-up to 2 places."""
    total = sum((Decimal(weights[s]) * Decimal(scores[s]) for s in weights), Decimal(0))
    return (total / sum(Decimal(w) for w in weights.values())).quantize(Decimal("0.01"), ROUND_HALF_UP)


DEFAULT_WEIGHTS = {"written": "3", "interview": "3", "democratic": "4"}


def score(hall: Hall, post: str, rows: list[tuple[str, str, str | None]]) -> list[str]:
    """(written, interview, democratic column) per candidate of the post, in code order."""
    codes = hall.codes(post)
    assert len(codes) == len(rows)
    hall.stage({code: w for code, (w, _, _) in zip(codes, rows, strict=True)})
    for code, (_, interview, _) in zip(codes, rows, strict=True):
        hall.interview(code, interview)
    if rows[0][2] is not None:
        hall.democratic(post, [column for _, _, column in rows])
    return codes


def ranked(hall: Hall, post: str, rules=None) -> dict[str, ranking.Row]:
    (result,) = [p for p in ranking.rank(hall.state, rules) if p.code == post]
    return {row.code: row for row in result.rows}


def summary(rows: dict[str, ranking.Row]) -> dict[str, tuple]:
    return {code: (row.rank, row.status, row.flags) for code, row in rows.items()}


def rules_with(hall: Hall, **changes):
    settings = dict(hall.state.roster.settings)
    settings.update({k.replace("__", "."): validate(k.replace("__", "."), v) for k, v in changes.items()})
    return rules_from(settings)


# ---------------------------------------------------------------------- targets


def test_three_or_fewer_eligible_are_all_targets(test_vault, tmp_path):
    hall = Hall(test_vault, tmp_path, [("A", 3), ("B", 1)])
    a1, a2, a3 = score(hall, "A", [("60", "65", ALL_S), ("90", "88", S9_B1), ("75", "80", S8_B2)])
    (b1,) = score(hall, "B", [("70", "75", S9_D1)])
    rows = ranked(hall, "A")
    assert summary(rows) == {a2: (1, "target", []), a3: (2, "target", []), a1: (3, "target", [])}
    assert rows[a1].composite == Decimal("77.50")  # a low composite is still a target when ≤ 3 are eligible
    assert rows[a2].composite == Decimal("91.80")
    assert rows[a3].composite == Decimal("83.30")
    assert rows[a3].stages == {"written": Decimal("75.00"), "interview": Decimal("80.00"),
                               "democratic": Decimal("92.00")}
    assert rows[a3].dissatisfied_rate == 0
    assert list(rows) == [a2, a3, a1]  # rows come in rank order
    assert summary(ranked(hall, "B")) == {b1: (1, "target", [])}
    for row in rows.values():
        assert all(isinstance(v, Decimal) for v in row.stages.values())
        assert isinstance(row.composite, Decimal) and isinstance(row.dissatisfied_rate, Decimal)


def test_more_than_three_eligible_only_the_top_three_are_targets(test_vault, tmp_path):
    hall = Hall(test_vault, tmp_path, [("A", 5)])
    c = score(hall, "A", [("70", "70", ALL_S), ("90", "90", ALL_S), ("80", "80", ALL_S), ("60", "60", ALL_S),
                          ("85", "85", ALL_S)])
    assert summary(ranked(hall, "A")) == {
        c[1]: (1, "target", []), c[4]: (2, "target", []), c[2]: (3, "target", []),
        c[0]: (4, "eligible", []), c[3]: (5, "eligible", [])}
    # the number of targets is a rule
    two = ranked(hall, "A", rules_with(hall, ranking__targets_per_post=2))
    assert [code for code, row in two.items() if row.status == "target"] == [c[1], c[4]]
    five = ranked(hall, "A", rules_with(hall, ranking__targets_per_post=5))
    assert all(row.status == "target" for row in five.values())


def test_equal_composites_broken_by_the_interview_then_the_written(test_vault, tmp_path):
    hall = Hall(test_vault, tmp_path, [("A", 4)])
    x, y, z1, z2 = score(hall, "A", [
        ("80", "90", ALL_S),     # 24 + 27 + 40 = 91.00
        ("90", "80", ALL_S),     # 27 + 24 + 40 = 91.00: same composite, weaker interview
        ("80.01", "85", ALL_S),  # 89.503 → 89.50
        ("80", "85", ALL_S),     # 89.50: same composite and interview, weaker written
    ])
    rows = ranked(hall, "A")
    assert rows[x].composite == rows[y].composite == Decimal("91.00")
    assert rows[z1].composite == rows[z2].composite == Decimal("89.50")
    assert summary(rows) == {x: (1, "target", []), y: (2, "target", []), z1: (3, "target", []),
                             z2: (4, "eligible", [])}
    # another chain: the written exam first
    by_written = ranked(hall, "A", rules_with(hall, ranking__tie_breaks=["written"]))
    assert [(code, row.rank) for code, row in by_written.items()] == [(y, 1), (x, 2), (z1, 3), (z2, 4)]
    # no chain at all: the ties stand
    no_chain = ranked(hall, "A", rules_with(hall, ranking__tie_breaks=[]))
    assert summary(no_chain) == {x: (1, "target", ["tie"]), y: (1, "target", ["tie"]),
                                 z1: (3, "eligible", ["tie", "tie_at_cut"]), z2: (3, "eligible", ["tie", "tie_at_cut"])}


def test_a_tie_the_chain_cannot_break_shares_the_rank(test_vault, tmp_path):
    hall = Hall(test_vault, tmp_path, [("A", 3)])
    a1, a2, a3 = score(hall, "A", [("85", "85", ALL_S), ("80", "80", ALL_S), ("85", "85", ALL_S)])
    rows = ranked(hall, "A")
    assert summary(rows) == {a1: (1, "target", ["tie"]), a3: (1, "target", ["tie"]), a2: (3, "target", [])}
    assert [row.rank for row in rows.values()] == [1, 1, 3]
    # with two targets the tied pair both go; with one, the cut splits them and nobody is chosen silently
    assert summary(ranked(hall, "A", rules_with(hall, ranking__targets_per_post=2))) == {
        a1: (1, "target", ["tie"]), a3: (1, "target", ["tie"]), a2: (3, "eligible", [])}
    assert summary(ranked(hall, "A", rules_with(hall, ranking__targets_per_post=1))) == {
        a1: (1, "eligible", ["tie", "tie_at_cut"]), a3: (1, "eligible", ["tie", "tie_at_cut"]),
        a2: (3, "eligible", [])}


def test_a_tie_across_the_cut_is_flagged_and_neither_is_a_target(test_vault, tmp_path):
    hall = Hall(test_vault, tmp_path, [("A", 5)])
    c = score(hall, "A", [("90", "90", ALL_S), ("85", "85", ALL_S), ("88", "88", ALL_S), ("85", "85", ALL_S),
                          ("80", "80", ALL_S)])
    assert summary(ranked(hall, "A")) == {
        c[0]: (1, "target", []), c[2]: (2, "target", []),
        c[1]: (3, "eligible", ["tie", "tie_at_cut"]), c[3]: (3, "eligible", ["tie", "tie_at_cut"]),
        c[4]: (5, "eligible", [])}


# ---------------------------------------------------------------------- exclusions


def test_dissatisfaction_exactly_at_the_threshold_stays_and_just_above_is_excluded(test_vault, tmp_path):
    hall = Hall(test_vault, tmp_path, [("A", 3)])
    above = "D" * 7 + "S" * 16  # 7 of 23 valid marks: 30.43 %
    at = "D" * 6 + "-" * 3 + "S" * 14  # 6 of 20 valid marks: 30 % exactly
    clean = "S" * 23
    x, y, z = score(hall, "A", [("90", "90", above), ("80", "80", at), ("70", "70", clean)])
    rows = ranked(hall, "A")
    assert rows[x].status == "excluded_dissatisfaction" and rows[x].rank is None and rows[x].flags == []
    assert rows[x].stages["democratic"] == Decimal("69.57")  # 1600 / 23 = 69.565…, half-up
    assert rows[x].composite == Decimal("81.83")  # shown, though not ranked: 27 + 27 + 0.4 × 69.57
    assert rows[x].dissatisfied_rate > Decimal("0.30")
    assert rows[y].dissatisfied_rate == Decimal("0.3") and rows[y].stages["democratic"] == Decimal("70.00")
    assert (rows[y].status, rows[z].status) == ("target", "target")
    assert (rows[z].rank, rows[y].rank) == (1, 2)  # z: 21 + 21 + 40 = 82.00; y: 24 + 24 + 28 = 76.00
    payload = ranking.to_json(hall.state, ranking.rank(hall.state))
    by_code = {c["code"]: c for c in payload["posts"][0]["candidates"]}
    assert by_code[x]["dissatisfied_rate"] == "0.3043" and by_code[x]["rank"] is None
    assert by_code[y]["dissatisfied_rate"] == "0.3000" and by_code[y]["status"] == "target"
    # the threshold is a rule: at 0.2999 the candidate at 30 % is out too
    assert ranked(hall, "A", rules_with(hall, democratic__dissatisfied_max="0.2999"))[y].status == \
        "excluded_dissatisfaction"


def test_uncontested_post_below_the_interview_minimum(test_vault, tmp_path):
    hall = Hall(test_vault, tmp_path, [("A", 1), ("B", 1), ("C", 2), ("D", 2)])
    (a,) = score(hall, "A", [("95", "59.5", ALL_S)])
    (b,) = score(hall, "B", [("60", "60", ALL_S)])
    c1, c2 = score(hall, "C", [("95", "50", ALL_S), ("60", "70", ALL_S)])
    d1, d2 = score(hall, "D", [("95", "55", ALL_S), ("90", "90", ALL_S)])
    withdraw_candidate(hall.s("admin"), d2, "moved to another post")
    assert summary(ranked(hall, "A")) == {a: (None, "excluded_min_interview", [])}
    assert summary(ranked(hall, "B")) == {b: (1, "target", [])}  # exactly the minimum is enough
    assert summary(ranked(hall, "C")) == {c1: (1, "target", []), c2: (2, "target", [])}  # contested: no minimum
    # a withdrawal leaves D uncontested, and its last candidate below the minimum
    assert ranked(hall, "D")[d1].status == "excluded_min_interview"
    assert ranked(hall, "D")[d2].status == "withdrawn"
    assert ranked(hall, "A", rules_with(hall, interview__min_if_uncontested=55))[a].status == "target"


def test_absent_candidate_is_absent_and_not_ranked(test_vault, tmp_path):
    hall = Hall(test_vault, tmp_path, [("A", 4)])
    codes = hall.codes("A")
    for code in codes[:3]:
        assert checkin.check_in(hall.s("clerk"), code).ok
    assert checkin.mark_absent(hall.s("admin"), ["A"]) == [codes[3]]
    hall.stage({code: "80" for code in codes})
    for code, interview in zip(codes[:3], ("70", "80", "90"), strict=True):
        hall.interview(code, interview)
    hall.democratic("A", [ALL_S] * 4)
    rows = ranked(hall, "A")
    assert summary(rows) == {codes[2]: (1, "target", []), codes[1]: (2, "target", []),
                             codes[0]: (3, "target", []), codes[3]: (None, "absent", [])}
    assert rows[codes[3]].stages["interview"] is None and rows[codes[3]].composite is None


def test_missing_stage_is_incomplete(test_vault, tmp_path):
    hall = Hall(test_vault, tmp_path, [("A", 2)])
    a1, a2 = score(hall, "A", [("80", "80", None), ("70", "70", None)])
    rows = ranked(hall, "A")
    assert summary(rows) == {a1: (None, "incomplete", []), a2: (None, "incomplete", [])}
    assert rows[a1].stages["democratic"] is None and rows[a1].composite is None
    # a tally waiting for signatures counts for nothing yet
    hall.box(["A"])
    hall.paper("A", [ALL_S[:2]] * 3)
    ballots.request_close(hall.s("t1"), "A")
    assert ranked(hall, "A")[a1].status == "incomplete"


def test_disqualification_takes_effect_with_the_supervisor(test_vault, tmp_path):
    hall = Hall(test_vault, tmp_path, [("A", 4)])
    c = score(hall, "A", [("90", "90", ALL_S), ("85", "85", ALL_S), ("80", "80", ALL_S), ("75", "75", ALL_S)])
    action = request_disqualify(hall.s("admin"), c[0], "canvassing (拉票), confirmed by the committee")
    assert ranked(hall, "A")[c[0]].status == "target"  # pending: nothing changes yet
    with pytest.raises(JzError) as wrong_role:
        pending.sign(hall.s("scorer"), action.id)
    assert wrong_role.value.key == "pending_not_your_role"
    pending.sign(hall.s("sup"), action.id)
    rows = ranked(hall, "A")
    assert rows[c[0]].status == "disqualified" and rows[c[0]].rank is None
    assert rows[c[0]].reason == "canvassing (拉票), confirmed by the committee"
    assert {code: (row.rank, row.status) for code, row in rows.items()} == {
        c[1]: (1, "target"), c[2]: (2, "target"), c[3]: (3, "target"), c[0]: (None, "disqualified")}


def test_withdrawal_of_a_target_moves_the_next_one_up(test_vault, tmp_path):
    hall = Hall(test_vault, tmp_path, [("A", 4), ("B", 4)])
    rows4 = [("90", "90", ALL_S), ("85", "85", ALL_S), ("80", "80", ALL_S), ("75", "75", ALL_S)]
    a = score(hall, "A", rows4)
    b = score(hall, "B", rows4)
    assert ranked(hall, "A")[a[3]].status == "eligible"
    withdraw_candidate(hall.s("admin"), a[1], "took a post elsewhere")
    rows = ranked(hall, "A")
    assert summary(rows) == {a[0]: (1, "target", []), a[2]: (2, "target", []), a[3]: (3, "target", ["backfill"]),
                             a[1]: (None, "withdrawn", [])}
    assert rows[a[1]].reason == "took a post elsewhere"
    assert rows[a[1]].composite == Decimal("91.00")  # still shown
    # the withdrawal of a candidate who was not a target moves nobody up
    withdraw_candidate(hall.s("admin"), b[3], "personal reasons")
    assert summary(ranked(hall, "B")) == {b[0]: (1, "target", []), b[1]: (2, "target", []),
                                          b[2]: (3, "target", []), b[3]: (None, "withdrawn", [])}


# ---------------------------------------------------------------------- other rules


def test_weights_30_20_50_and_half_up_composites(test_vault, tmp_path):
    weights = {"written": "30", "interview": "20", "democratic": "50"}
    hall = Hall(test_vault, tmp_path, [("A", 4)], settings={f"stages.{k}": v for k, v in weights.items()})
    a1, a2, a3, a4 = score(hall, "A", [("81", "77", S8_B2), ("80.15", "85", S9_D1), ("99.99", "60", ALL_S),
                                       ("98", "98", "S" * 7 + "DDD")])
    rows = ranked(hall, "A")
    assert rows[a1].composite == Decimal("85.70") == expected(weights, {"written": "81", "interview": "77",
                                                                         "democratic": "92"})
    assert rows[a2].composite == Decimal("86.05")  # 24.045 + 17 + 45 = 86.045 → half-up 86.05 (not 86.04)
    assert rows[a3].composite == Decimal("92.00")  # 29.997 + 12 + 50 = 91.997
    assert rows[a4].composite == Decimal("84.00")  # 29.4 + 19.6 + 35
    assert [(code, row.rank, row.status) for code, row in rows.items()] == [
        (a3, 1, "target"), (a2, 2, "target"), (a1, 3, "target"), (a4, 4, "eligible")]
    # the same session under the default 3:3:4 weights ranks differently
    default = ranked(hall, "A", rules_with(hall, stages__written=3, stages__interview=3, stages__democratic=4))
    assert default[a2].composite == Decimal("85.55")  # 24.045 + 25.5 + 36 = 85.545 → 85.55
    assert default[a4].composite == Decimal("86.80")
    assert [code for code in default] == [a3, a4, a2, a1]
    # weights are normalised: 6/4/10 is 30/20/50
    scaled = ranked(hall, "A", rules_with(hall, stages__written=6, stages__interview=4, stages__democratic=10))
    assert {code: row.composite for code, row in scaled.items()} == {code: row.composite for code, row in rows.items()}


def test_two_stage_session_has_no_democratic_column(test_vault, tmp_path):
    hall = Hall(test_vault, tmp_path, [("A", 2)], settings={"stages.written": 60, "stages.interview": 40,
                                                             "stages.democratic": 0})
    a1, a2 = score(hall, "A", [("80", "90", None), ("90", "75", None)])
    rows = ranked(hall, "A")
    assert rows[a1].composite == Decimal("84.00") and rows[a2].composite == Decimal("84.00")
    assert summary(rows) == {a1: (1, "target", []), a2: (2, "target", [])}  # the interview breaks the tie
    assert "democratic" not in rows[a1].stages and rows[a1].dissatisfied_rate is None
    payload = ranking.to_json(hall.state, ranking.rank(hall.state))
    assert payload["posts"][0]["candidates"][0]["democratic"] is None


def test_another_stage_imported_by_the_cli_enters_the_composite(test_vault, tmp_path, jz):
    weights = {"written": "3", "interview": "3", "democratic": "2", "fitness": "2"}
    hall = Hall(test_vault, tmp_path, [("A", 2)], settings={f"stages.{k}": v for k, v in weights.items()})
    a1, a2 = score(hall, "A", [("80", "85", ALL_S), ("80", "85", ALL_S)])
    assert ranked(hall, "A")[a1].status == "incomplete"  # fitness still missing
    path = hall.csv_of({a1: "71", a2: "70.5"}, "fitness")
    wrong = jz("written", "import", hall.tv.path, path, "--stage", "stamina", user="admin")
    assert wrong.returncode == 1
    done = jz("written", "import", hall.tv.path, path, "--stage", "fitness", "--json", user="admin")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["count"] == 2
    rows = ranked(hall, "A")
    assert rows[a1].stages["fitness"] == Decimal("71.00")
    assert rows[a1].composite == Decimal("83.70") == expected(weights, {"written": "80", "interview": "85",
                                                                         "democratic": "100", "fitness": "71"})
    assert rows[a2].composite == Decimal("83.60")
    assert summary(rows) == {a1: (1, "target", []), a2: (2, "target", [])}
    assert hall.state.scoring.written[a1] == "80"  # the written exam is untouched
    payload = ranking.to_json(hall.state, ranking.rank(hall.state))
    assert payload["posts"][0]["candidates"][0]["fitness"] == "71.00"


# ---------------------------------------------------------------------- jz ranking


TWO_PLACES = re.compile(r"^\d{1,3}\.\d{2}$")
FOUR_PLACES = re.compile(r"^[01]\.\d{4}$")
KEYS = {"code", "name", "written", "interview", "democratic", "composite", "dissatisfied_rate", "rank", "status",
        "flags"}


def no_float(text: str):
    raise AssertionError(f"a JSON number with a fraction: {text} (scores are 2-decimal strings)")


def test_jz_ranking_json_and_csv_follow_the_contract(test_vault, tmp_path, jz):
    hall = Hall(test_vault, tmp_path, [("A", 4), ("B", 1), ("C", 2)])
    a = score(hall, "A", [("90", "90", ALL_S), ("85.5", "85", S9_B1), ("80", "80", S9_D1), ("75", "75", S8_B2)])
    (b,) = score(hall, "B", [("95", "55", ALL_S)])
    c = score(hall, "C", [("88", "88", None), ("77", "77", None)])
    withdraw_candidate(hall.s("admin"), a[1], "took a post elsewhere")

    result = jz("ranking", hall.tv.path, "--json", user="sup")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout, parse_float=no_float)
    assert set(payload) == {"head", "posts"}
    assert payload["head"] == hall.tv.vault.head()[1].hex()
    assert [p["code"] for p in payload["posts"]] == ["A", "B", "C"]
    assert payload["posts"][0]["name"] == "岗位A" and set(payload["posts"][0]) == {"code", "name", "candidates"}
    state = hall.state
    for post in payload["posts"]:
        for cand in post["candidates"]:
            assert set(cand) == KEYS
            assert cand["name"] == state.roster.candidates[cand["code"]].name
            for key in ("written", "interview", "democratic", "composite"):
                assert cand[key] is None or (isinstance(cand[key], str) and TWO_PLACES.match(cand[key])), cand
            assert cand["dissatisfied_rate"] is None or FOUR_PLACES.match(cand["dissatisfied_rate"])
            assert cand["rank"] is None or type(cand["rank"]) is int
            assert cand["status"] in ranking.STATUSES and isinstance(cand["flags"], list)
    by_code = {cand["code"]: cand for post in payload["posts"] for cand in post["candidates"]}
    post_of = {cand["code"]: post["code"] for post in payload["posts"] for cand in post["candidates"]}
    assert by_code[a[0]] == {"code": a[0], "name": state.roster.candidates[a[0]].name, "written": "90.00",
                             "interview": "90.00", "democratic": "100.00", "composite": "94.00",
                             "dissatisfied_rate": "0.0000", "rank": 1, "status": "target", "flags": []}
    assert by_code[a[1]]["written"] == "85.50" and by_code[a[1]]["status"] == "withdrawn"
    assert by_code[a[1]]["rank"] is None and by_code[a[1]]["composite"] == "89.55"
    assert by_code[a[2]]["dissatisfied_rate"] == "0.1000" and by_code[a[2]]["composite"] == "84.00"
    assert by_code[a[3]]["flags"] == ["backfill"] and by_code[a[3]]["rank"] == 3
    assert by_code[a[3]]["democratic"] == "92.00" and by_code[a[3]]["composite"] == "81.80"
    assert by_code[b]["status"] == "excluded_min_interview" and by_code[b]["interview"] == "55.00"
    assert by_code[c[0]]["status"] == "incomplete" and by_code[c[0]]["democratic"] is None
    assert by_code[c[0]]["composite"] is None and by_code[c[0]]["dissatisfied_rate"] is None
    # the CLI prints exactly what the pure function computes from the same state
    assert payload == json.loads(json.dumps(ranking.to_json(state, ranking.rank(state))))

    as_csv = jz("ranking", hall.tv.path, "--csv", user="admin")
    assert as_csv.returncode == 0, as_csv.stderr
    table = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert list(table[0]) == ["post", "code", "name", "written", "interview", "democratic", "composite",
                              "dissatisfied_rate", "rank", "status", "flags"]
    assert len(table) == len(by_code) == 7
    for row in table:
        cand = by_code[row["code"]]
        for key in ("name", "written", "interview", "democratic", "composite", "dissatisfied_rate", "status"):
            assert row[key] == (cand[key] or ""), (row, key)
        assert row["rank"] == ("" if cand["rank"] is None else str(cand["rank"]))
        assert row["flags"].split() == cand["flags"]
        assert row["post"] == post_of[row["code"]]
        if row["composite"]:
            assert Decimal(row["composite"]) == Decimal(cand["composite"])

    refused = jz("ranking", hall.tv.path, "--json", user="e1")
    assert refused.returncode == 1 and refused.stdout == ""  # examiners never see the ranking
