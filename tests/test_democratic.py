"""Democratic evaluation (民主测评) maths, pure: no vault, no screen (DESIGN.md §2.5)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jz_tui.rules.democratic import (
    Ballot,
    Reconciliation,
    discrepancies,
    normalise_marks,
    tally_post,
    valid_marks,
)
from jz_tui.rules.settings import rules_from, validate

DEFAULT = rules_from({})


def rules(**settings: object):
    """Rules with some settings changed, validated as ``jz config --set`` would."""
    return rules_from({key.replace("__", "."): validate(key.replace("__", "."), value)
                       for key, value in settings.items()})


def ballots(*texts: str, group: str = "") -> list[Ballot]:
    return [Ballot(text, group) for text in texts]


def one_candidate(satisfied: int = 0, basic: int = 0, dissatisfied: int = 0, blank: int = 0,
                  group: str = "") -> list[Ballot]:
    return [Ballot(mark, group) for mark, count in (("S", satisfied), ("B", basic), ("D", dissatisfied),
                                                    ("-", blank)) for _ in range(count)]


def test_score_is_weighted_sum_over_valid_marks_and_blanks_are_excluded():
    # columns: A-01 gets S S B D -, A-02 gets B B B B B, A-03 is left blank everywhere
    result = tally_post(["A-01", "A-02", "A-03"], ballots("SB-", "SB-", "BB-", "DB-", "-B-"), DEFAULT)
    first, second, third = result
    assert first.code == "A-01"
    assert first.counts == {"satisfied": 2, "basic": 1, "dissatisfied": 1, "blank": 1}
    assert first.score == Decimal("65.00")  # (2×100 + 60 + 0) / 4 valid marks, the blank not counted
    assert first.rate == Decimal("0.25") and first.rate_shown == "0.2500"
    assert second.score == Decimal("60.00") and second.rate == 0 and second.rate_shown == "0.0000"
    assert third.score is None and third.rate is None and third.rate_shown is None and not third.excluded
    assert third.counts["blank"] == 5
    for r in result:
        assert r.score is None or isinstance(r.score, Decimal)
        assert r.rate is None or isinstance(r.rate, Decimal)
    assert str(first.score) == "65.00"  # two places, always


def test_configured_values_change_the_score():
    custom = rules(democratic__values__satisfied=100, democratic__values__basic=80, democratic__values__dissatisfied=20)
    (result,) = tally_post(["A-01"], one_candidate(satisfied=1, basic=1, dissatisfied=1), custom)
    assert result.score == Decimal("66.67")  # 200 / 3, half-up


def test_denominator_ballots_cast_counts_blank_ballots():
    cast = one_candidate(satisfied=6, dissatisfied=3, blank=1)
    (by_marks,) = tally_post(["A-01"], cast, DEFAULT)
    (by_ballots,) = tally_post(["A-01"], cast, rules(democratic__denominator="ballots_cast"))
    assert by_marks.rate == Decimal(3) / Decimal(9) and by_marks.rate_shown == "0.3333" and by_marks.excluded
    assert by_ballots.rate == Decimal("0.3") and by_ballots.rate_shown == "0.3000" and not by_ballots.excluded
    assert by_marks.score == by_ballots.score == Decimal("66.67")  # the score never counts blanks


def test_exactly_thirty_percent_stays_eligible():
    (result,) = tally_post(["A-01"], one_candidate(satisfied=7, dissatisfied=3), DEFAULT)
    assert result.rate == Decimal("0.3")
    assert result.excluded is False
    (large,) = tally_post(["A-01"], one_candidate(satisfied=6000, basic=1000, dissatisfied=3000), DEFAULT)
    assert large.rate_shown == "0.3000" and large.excluded is False


def test_above_thirty_percent_by_one_mark_in_ten_thousand_is_excluded():
    (result,) = tally_post(["A-01"], one_candidate(satisfied=6999, dissatisfied=3001), DEFAULT)
    assert result.rate == Decimal("0.3001")
    assert result.rate_shown == "0.3001"
    assert result.excluded is True


def test_boundary_with_blanks_and_ballots_cast():
    # 3 dissatisfied of 10 ballots cast (one blank): 30% exactly by ballots, 33% by valid marks
    cast = one_candidate(satisfied=6, dissatisfied=3, blank=1)
    assert tally_post(["A-01"], cast, rules(democratic__denominator="ballots_cast"))[0].excluded is False
    assert tally_post(["A-01"], cast, DEFAULT)[0].excluded is True


def test_configured_threshold():
    cast = one_candidate(satisfied=3, dissatisfied=1)
    assert tally_post(["A-01"], cast, rules(democratic__dissatisfied_max="0.25"))[0].excluded is False
    assert tally_post(["A-01"], cast, rules(democratic__dissatisfied_max="0.2499"))[0].excluded is True


def test_score_rounds_half_up_not_to_even():
    # 85 S, 4 B, 71 D: (8500 + 240) / 160 = 54.625 exactly; half-up 54.63 (banker's rounding gives 54.62)
    (result,) = tally_post(["A-01"], one_candidate(satisfied=85, basic=4, dissatisfied=71), DEFAULT)
    assert result.score == Decimal("54.63")
    assert round(Decimal("54.625"), 2) == Decimal("54.62")  # what a bare round() would have done
    # 1 S and 159 D: 100 / 160 = 0.625 → 0.63
    (low,) = tally_post(["A-01"], one_candidate(satisfied=1, dissatisfied=159), DEFAULT)
    assert low.score == Decimal("0.63")


def test_weighted_score_rounds_half_up():
    two = rules(democratic__groups=[["L", 1], ["S", 1]])
    cast = one_candidate(satisfied=1, group="L") + one_candidate(satisfied=1, dissatisfied=15, group="S")
    (result,) = tally_post(["A-01"], cast, two)
    assert result.score == Decimal("53.13")  # (100 + 6.25) / 2 = 53.125


def test_decimals_setting_changes_the_places():
    (result,) = tally_post(["A-01"], one_candidate(satisfied=1, basic=1, dissatisfied=1),
                           rules(ranking__decimals=1))
    assert str(result.score) == "53.3"


GROUPS = rules(democratic__groups=[["领导", 3], ["员工", 7]])


def test_voter_groups_give_the_weighted_score_and_rate():
    cast = (one_candidate(satisfied=2, group="领导")
            + one_candidate(satisfied=1, basic=1, dissatisfied=2, group="员工"))
    (result,) = tally_post(["A-01"], cast, GROUPS)
    # 领导: 100, rate 0; 员工: 160 / 4 = 40, rate 0.5; weighted (3×100 + 7×40) / 10 = 58, rate 3.5 / 10 = 0.35
    assert result.score == Decimal("58.00")
    assert result.rate == Decimal("0.35") and result.excluded is True
    assert result.counts == {"satisfied": 3, "basic": 1, "dissatisfied": 2, "blank": 0}
    assert result.counts_by_group == {
        "领导": {"satisfied": 2, "basic": 0, "dissatisfied": 0, "blank": 0},
        "员工": {"satisfied": 1, "basic": 1, "dissatisfied": 2, "blank": 0},
    }
    # without groups the same ballots give the plain mean: (300 + 60) / 6 = 60
    (plain,) = tally_post(["A-01"], cast, DEFAULT)
    assert plain.score == Decimal("60.00") and plain.counts_by_group == {}


def test_a_group_without_valid_marks_is_left_out_of_the_weights():
    cast = one_candidate(blank=3, group="领导") + one_candidate(satisfied=1, dissatisfied=1, group="员工")
    (result,) = tally_post(["A-01"], cast, GROUPS)
    assert result.score == Decimal("50.00") and result.rate == Decimal("0.5")


def test_weighted_rate_exactly_at_the_threshold_stays_eligible():
    """Groups 3/3/4: rates 0/1, 1/7 and 9/14 weigh to exactly 42/140 = 30%; inexact division must not tip it."""
    three = rules(democratic__groups=[["L", 3], ["M", 3], ["S", 4]])
    cast = (one_candidate(satisfied=1, group="L") + one_candidate(satisfied=6, dissatisfied=1, group="M")
            + one_candidate(satisfied=5, dissatisfied=9, group="S"))
    (result,) = tally_post(["A-01"], cast, three)
    assert result.rate == Decimal("0.3")
    assert result.excluded is False
    assert result.rate_shown == "0.3000"
    # one more dissatisfied mark in S (10 of 15) is clearly above
    above = (one_candidate(satisfied=1, group="L") + one_candidate(satisfied=6, dissatisfied=1, group="M")
             + one_candidate(satisfied=5, dissatisfied=10, group="S"))
    assert tally_post(["A-01"], above, three)[0].excluded is True


def test_marks_and_their_checks():
    assert normalise_marks(" 1230 ") == "SBD-"
    assert normalise_marks("sbd-") == "SBD-"
    assert valid_marks("SBD-", 4) and not valid_marks("SBD", 4) and not valid_marks("SBDX", 4)


@pytest.mark.parametrize(("issued", "returned", "valid", "void", "problems"), [
    (10, 10, 9, 1, []),
    (10, 9, 9, 0, []),
    (10, 10, 8, 1, ["tally_returned_mismatch"]),
    (10, 11, 10, 1, ["tally_returned_over_issued"]),
    (10, 12, 10, 1, ["tally_returned_mismatch", "tally_returned_over_issued"]),
])
def test_reconciliation(issued, returned, valid, void, problems):
    assert Reconciliation(issued, returned, valid, void).problems == problems


def test_discrepancies_list_differences_and_missing_entries():
    first = {1: ("SB", ""), 2: ("DD", ""), 3: (None, ""), 4: ("SS", "")}
    second = {1: ("SB", ""), 2: ("DB", ""), 3: ("SS", ""), 5: ("SS", "")}
    assert discrepancies(first, second) == [2, 3, 4, 5]
    assert discrepancies(first, dict(first)) == []
