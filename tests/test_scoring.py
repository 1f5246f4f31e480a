"""Interview aggregation as pure functions: both methods, the drop rule, half-up rounding."""

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from jz_tui.rules.scoring import aggregate, gymnastics, half_up, per_item


def test_half_up_at_the_boundary():
    assert half_up(D("84.625")) == D("84.63")
    assert round(D("84.625"), 2) == D("84.62")  # banker's rounding: why half_up exists
    assert half_up(D("84.624999")) == D("84.62")
    assert half_up(D("0.005")) == D("0.01")


def test_gymnastics_drops_one_high_and_one_low():
    result = gymnastics([D(v) for v in ("85", "90", "70", "88", "86")])
    assert result.dropped == (1, 2)
    assert result.result == D("86.33")  # (85 + 88 + 86) / 3 = 86.333…


def test_gymnastics_average_that_needs_half_up():
    # kept 84.5, 84.75, 84.625… use sheets whose kept mean is exactly 84.625
    totals = [D("99"), D("84.5"), D("84.75"), D("84.5"), D("84.75"), D("10")]
    result = gymnastics(totals)
    assert sorted(result.dropped) == [0, 5]
    assert result.result == D("84.63")


def test_fewer_than_five_sheets_drop_nothing():
    result = gymnastics([D("80"), D("90"), D("100"), D("70")])
    assert result.dropped == ()
    assert result.result == D("85.00")


def test_the_aggregate_says_whether_the_extremes_were_dropped():
    """The method line shown to the hall reads this: with too few sheets nothing was dropped."""
    four, five = [[D(v)] for v in ("80", "90", "100", "70")], [[D(v)] for v in ("80", "90", "100", "70", "85")]
    for method in ("gymnastics", "per_item"):
        assert aggregate(method, four, 5).extremes_dropped is False
        assert aggregate(method, five, 5).extremes_dropped is True
        assert aggregate(method, five, 6).extremes_dropped is False
    assert per_item(four).dropped_items == () and gymnastics([D(80)] * 5).extremes_dropped


def test_ties_at_the_top_and_bottom_drop_one_sheet_each():
    result = gymnastics([D("90"), D("90"), D("80"), D("70"), D("70")])
    assert len(result.dropped) == 2
    assert result.result == D("80.00")  # (90 + 80 + 70) / 3
    flat = gymnastics([D("80")] * 5)
    assert len(set(flat.dropped)) == 2 and flat.result == D("80.00")


def test_per_item_drops_within_each_item():
    sheets = [
        [D("20"), D("10")],
        [D("25"), D("6")],
        [D("15"), D("8")],
        [D("22"), D("9")],
        [D("18"), D("10")],
    ]
    result = per_item(sheets)
    # item 1 keeps 20, 22, 18 -> 20; item 2 keeps 8, 9, 10 (one 10 dropped) -> 9
    assert result.item_results == (D(20), D(9))
    assert result.result == D("29.00")
    assert aggregate("per_item", sheets, 5).result == result.result


marks = st.decimals(min_value=0, max_value=100, places=1, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(marks, min_size=1, max_size=9), st.randoms(use_true_random=False))
def test_gymnastics_lies_within_kept_sheets_and_ignores_order(totals, rng):
    result = gymnastics(totals)
    kept = [v for i, v in enumerate(totals) if i not in result.dropped]
    assert half_up(min(kept)) <= result.result <= half_up(max(kept))
    shuffled = list(totals)
    rng.shuffle(shuffled)
    assert gymnastics(shuffled).result == result.result


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=1, max_value=9).flatmap(
    lambda n: st.lists(st.lists(marks, min_size=3, max_size=3), min_size=n, max_size=n)),
    st.randoms(use_true_random=False))
def test_per_item_bounded_and_order_free(sheets, rng):
    result = per_item(sheets)
    # Trimming item by item can land below every sheet's total (so no bound by totals), but
    # each item's mean lies within that item's marks, and so the sum within their sums.
    for index, item_mean in enumerate(result.item_results):
        marks = [sheet[index] for sheet in sheets]
        assert min(marks) <= item_mean <= max(marks)
    low = sum((min(sheet[i] for sheet in sheets) for i in range(3)), D(0))
    high = sum((max(sheet[i] for sheet in sheets) for i in range(3)), D(0))
    assert half_up(low) <= result.result <= half_up(high)
    shuffled = list(sheets)
    rng.shuffle(shuffled)
    assert per_item(shuffled).result == result.result
