"""Reading the spreadsheets people actually bring: CSV in UTF-8 (with or without BOM) or
GBK/GB18030 as Excel and WPS write on Chinese Windows, and .xlsx.

The result is a header row and data rows of stripped strings, with their row numbers as
the user sees them in the spreadsheet (the header is row 1).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from storage.errors import JzError

MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class RowProblem:
    row: int  # as the user sees it in the spreadsheet; the header is row 1
    field: str
    key: str  # catalogue key of the reason
    value: str = ""


class ImportRefused(JzError):
    """Every problem of an imported file at once; nothing was imported."""

    message_key = "import_refused"

    def __init__(self, problems: list[RowProblem], /) -> None:
        super().__init__(self.message_key, count=len(problems))
        self.problems = problems


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, cells)
    encoding: str


def decode_csv_bytes(raw: bytes) -> tuple[str, str]:
    """Detect the encoding: BOM, then strict UTF-8, then GB18030 (a superset of GBK).

    Strict UTF-8 almost never accepts GBK text (its lead bytes 0x81–0xFE are followed by
    bytes that break UTF-8's continuation rules), so the order decides correctly.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise JzError("table_encoding_unknown") from exc


def read_table(path: str | Path) -> Table:
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise JzError("file_unreadable", path=str(path)) from exc
    if size > MAX_BYTES:
        raise JzError("table_too_large", path=str(path))
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        table = _read_xlsx(path)
    elif suffix in (".csv", ".txt", ".tsv"):
        table = _read_csv(path)
    else:
        raise JzError("table_unknown_format", path=str(path))
    if not table.headers:
        raise JzError("table_empty", path=str(path))
    return table


def _clean(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, (Decimal, float)):
        # openpyxl yields floats for numeric cells: go through repr, which is the shortest
        # string that round-trips, so 85.5 stays "85.5" and never "85.500000001".
        text = repr(cell) if isinstance(cell, float) else str(cell)
        return text[:-2] if text.endswith(".0") else text
    return str(cell).replace("\u3000", " ").strip()


def _rows_from(cells: list[list[object]]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    headers: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    for number, raw in enumerate(cells, start=1):
        row = [_clean(c) for c in raw]
        if not headers:
            if any(row):
                headers = row
            continue
        if any(row):
            rows.append((number, row))
    return headers, rows


def _read_csv(path: Path) -> Table:
    text, encoding = decode_csv_bytes(path.read_bytes())
    if "\x00" in text:
        raise JzError("table_binary", path=str(path))
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    try:
        cells = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise JzError("table_malformed", path=str(path)) from exc
    headers, rows = _rows_from(cells)
    return Table(headers, rows, encoding)


def _read_xlsx(path: Path) -> Table:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise JzError("table_malformed", path=str(path)) from exc
    try:
        sheet = workbook.worksheets[0]
        cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    headers, rows = _rows_from(cells)
    return Table(headers, rows, "xlsx")


def map_headers(
    headers: list[str], aliases: dict[str, tuple[str, ...]]
) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Field -> column index, by any alias (Chinese or English, case and spaces ignored).

    Returns the mapping and the duplicated columns as ``(field, header)``: two columns meaning the same.
    """
    lookup = {}
    for field_name, names in aliases.items():
        for name in names:
            lookup[_header_key(name)] = field_name
    mapping: dict[str, int] = {}
    duplicates: list[tuple[str, str]] = []
    for index, header in enumerate(headers):
        field_name = lookup.get(_header_key(header))
        if field_name is None:
            continue
        if field_name in mapping:
            duplicates.append((field_name, header))
        else:
            mapping[field_name] = index
    return mapping, duplicates


def _header_key(text: str) -> str:
    return "".join(text.split()).lower().replace("_", "").replace("（", "(").replace("）", ")")


def cell(row: list[str], mapping: dict[str, int], field_name: str) -> str:
    index = mapping.get(field_name)
    if index is None or index >= len(row):
        return ""
    return row[index]
