"""Reading a score typed by a person: Decimal only, with a clear reason for every refusal.

Used by examiner sheets and written-score imports alike, so ``８５``, ``85.``, ``NaN``,
``1e3`` and ``-0`` are judged the same way everywhere.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from storage.errors import JzError

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．－＋", "0123456789.-+")


def parse_mark(text: str, field: str, low: Decimal, high: Decimal, step: Decimal | None = None,
               places: int = 2) -> Decimal:
    """A mark within ``[low, high]``, a multiple of ``step``, at most ``places`` decimals.

    Plain decimal notation only: exponents, NaN and infinities are refused, full-width
    digits are read as digits, and negative zero is zero.
    """
    cleaned = text.strip().translate(_FULL_WIDTH)
    if not cleaned:
        raise JzError("mark_missing", field=field)
    body = cleaned.lstrip("+-")
    if not body or not all(ch.isdigit() or ch == "." for ch in body) or body.count(".") > 1 or body == ".":
        raise JzError("mark_not_number", field=field, value=text.strip())
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise JzError("mark_not_number", field=field, value=text.strip()) from exc
    if value == 0:
        value = Decimal(0).quantize(value) if value.as_tuple().exponent < 0 else Decimal(0)
    if -value.as_tuple().exponent > places:
        raise JzError("mark_too_precise", field=field, value=text.strip(), places=places)
    if value < low or value > high:
        raise JzError("mark_out_of_range", field=field, value=text.strip(), low=low, high=high)
    if step is not None and step > 0 and (value - low) % step != 0:
        raise JzError("mark_not_on_step", field=field, value=text.strip(), step=step)
    return value
