"""Resident ID numbers (GB 11643-1999): 17 digits, a birth date, and a check character."""

from __future__ import annotations

from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalise(text: str) -> str:
    """Trim, upper-case the final x, and turn full-width digits into ASCII."""
    return text.strip().translate(_FULL_WIDTH).upper()


_FULL_WIDTH = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789xX")


def problem(id_number: str) -> str | None:
    """None when valid, else the catalogue key of what is wrong."""
    if len(id_number) != 18 or not id_number[:17].isascii() or not id_number[:17].isdigit():
        return "id_bad_format"
    if id_number[17] not in "0123456789X":
        return "id_bad_format"
    try:
        date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return "id_bad_birth_date"
    if check_char(id_number[:17]) != id_number[17]:
        return "id_bad_checksum"
    return None
