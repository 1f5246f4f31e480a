"""Interview aggregation, as pure functions: Decimal in, Decimal out, rounded half-up.

Two methods (DESIGN.md §2.3): *gymnastics* drops one highest and one lowest sheet total
and averages the rest; *per-item* drops one highest and one lowest mark within each
rubric item, averages each item, and sums. With fewer sheets than the rules'
``drop_when_at_least``, nothing is dropped. Ties at the top or bottom drop one sheet only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from jz_tui.rules.settings import UNROUNDED_PLACES

TWO_PLACES = 2


def half_up(value: Decimal, places: int = TWO_PLACES) -> Decimal:
    """Round half away from zero (Python's ``round`` rounds half to even: wrong here)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def rounded(value: Decimal, places: int | None) -> Decimal:
    """A stage's value at its places; None (weighted unrounded): carried to UNROUNDED_PLACES,
    written without the zeros that follow (85.005, not 85.005000000000)."""
    if places is not None:
        return half_up(value, places)
    carried = half_up(value, UNROUNDED_PLACES).normalize()
    return carried.quantize(Decimal(1)) if carried.as_tuple().exponent > 0 else carried


def half_up_exact(value: Fraction, places: int) -> Decimal:
    """An exact value rounded half away from zero, with no intermediate rounding at all."""
    scaled = abs(value) * 10 ** places
    whole = scaled.numerator // scaled.denominator
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    return (Decimal(whole) if value >= 0 else -Decimal(whole)).scaleb(-places).quantize(Decimal(1).scaleb(-places))


@dataclass(frozen=True)
class Aggregate:
    result: Decimal  # rounded to the rules' places
    totals: tuple[Decimal, ...]  # every sheet's total, in the order given
    dropped: tuple[int, ...]  # indexes into totals of the dropped sheets (gymnastics), else ()
    method: str
    item_results: tuple[Decimal, ...] = ()  # per-item averages (per-item method)
    dropped_items: tuple[tuple[int, int], ...] = ()  # per item: (index of high, index of low) dropped
    # Whether the highest and lowest were dropped at all: False with fewer sheets than the
    # rules' ``drop_when_at_least``. What the method line shows comes from here.
    extremes_dropped: bool = False


def _drop_extremes(values: Sequence[Decimal]) -> tuple[int, int]:
    """Indexes of one highest and one lowest value; the first of equal values is taken."""
    high = max(range(len(values)), key=lambda i: (values[i], -i))
    low = min(range(len(values)), key=lambda i: (values[i], i))
    if high == low:  # every value equal: still drop two different sheets
        low = next(i for i in range(len(values)) if i != high)
    return high, low


def _mean(values: Sequence[Decimal]) -> Decimal:
    return sum(values, Decimal(0)) / Decimal(len(values))


def gymnastics(totals: Sequence[Decimal], drop_when_at_least: int = 5, places: int | None = TWO_PLACES) -> Aggregate:
    if not totals:
        raise ValueError("no sheets to aggregate")
    totals = tuple(totals)
    if len(totals) < drop_when_at_least:
        return Aggregate(rounded(_mean(totals), places), totals, (), "gymnastics")
    high, low = _drop_extremes(totals)
    kept = [v for i, v in enumerate(totals) if i not in (high, low)]
    return Aggregate(rounded(_mean(kept), places), totals, (high, low), "gymnastics", extremes_dropped=True)


def per_item(sheets: Sequence[Sequence[Decimal]], drop_when_at_least: int = 5,
             places: int | None = TWO_PLACES) -> Aggregate:
    if not sheets:
        raise ValueError("no sheets to aggregate")
    width = len(sheets[0])
    if any(len(sheet) != width for sheet in sheets):
        raise ValueError("sheets differ in their number of items")
    drop = len(sheets) >= drop_when_at_least
    item_results, dropped_items = [], []
    for item in range(width):
        marks = [sheet[item] for sheet in sheets]
        if drop:
            high, low = _drop_extremes(marks)
            dropped_items.append((high, low))
            marks = [m for i, m in enumerate(marks) if i not in (high, low)]
        item_results.append(_mean(marks))
    totals = tuple(sum(sheet, Decimal(0)) for sheet in sheets)
    return Aggregate(rounded(sum(item_results, Decimal(0)), places), totals, (), "per_item",
                     tuple(item_results), tuple(dropped_items), extremes_dropped=drop)


def aggregate(method: str, sheets: Sequence[Sequence[Decimal]], drop_when_at_least: int,
              places: int | None = TWO_PLACES) -> Aggregate:
    """``sheets``: each sheet's item marks (a one-element list when the rules have no rubric)."""
    if method == "per_item":
        return per_item(sheets, drop_when_at_least, places)
    return gymnastics([sum(sheet, Decimal(0)) for sheet in sheets], drop_when_at_least, places)
