"""Reading the spreadsheets people actually bring: CSV in UTF-8 (with or without BOM) or
GBK/GB18030 as Excel and WPS write on Chinese Windows, and .xlsx.

The result is a header row and data rows of stripped strings, with their row numbers as
the user sees them in Excel or WPS. Offices put a merged title (…竞争上岗报名人员花名册) and
notes above the header and a 合计/备注 row below the data, and often a 说明 sheet before the
roster: given the headers it knows, :func:`read_table` finds the sheet and the row they are on.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from jz_tui.i18n import t
from storage.errors import JzError

MAX_BYTES = 50 * 1024 * 1024
HEADER_SEARCH_ROWS = 10  # non-empty rows looked through for the header: titles and notes sit above it
# a row whose first non-empty cell starts so is a total or a note below the data: the table ends there,
# and what follows it (signatures, 填表人, dates) is not read either
FOOTER = re.compile(r"(合计|总计|备注|说明|注：|注:|(total|note)s?\b)", re.IGNORECASE)
# how Excel writes a number too long for it (an ID number in a General column) into a CSV
SCIENTIFIC = re.compile(r"[+-]?\d+(\.\d+)?[eE][+-]?\d+")
EXCEL_DIGITS = 15  # significant digits Excel keeps of a number: the rest become zeros


@dataclass(frozen=True)
class RowProblem:
    row: int  # as the user sees it in the spreadsheet; the header is row 1
    field: str
    key: str  # catalogue key of the reason
    value: str = ""
    # the other parameters the reason's message needs (a mark's range, its decimals …)
    params: dict[str, str] = field(default_factory=dict, compare=False, repr=False)


class ImportRefused(JzError):
    """Every problem of an imported file at once; nothing was imported."""

    message_key = "import_refused"

    def __init__(self, problems: list[RowProblem], /, table: Table | None = None) -> None:
        super().__init__(self.message_key, count=len(problems))
        self.problems = problems
        self.table = table  # the table refused, to say which sheet and header row were read


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, cells)
    encoding: str
    header_row: int = 1  # spreadsheet row number of the headers
    sheet: str = ""  # the worksheet read, in a workbook
    footer_row: int | None = None  # the 合计/备注 row that ended the table: neither it nor what follows was read
    numeric: frozenset[tuple[int, int]] = frozenset()  # (row number, column) of workbook cells holding a number
    digest: str = ""  # SHA-256 of the file's bytes, as read: an import is of the file its preview validated


@dataclass(frozen=True)
class Preview:
    """What an import would do, read and validated against the session, with nothing written.

    ``body`` is the event body the import would append (None when refused); ``refused`` holds
    every problem by row. The file's digest is the table's: the import re-reads the file and
    goes ahead only if its bytes are the ones previewed.
    """

    path: str
    table: Table
    columns: dict[str, int]  # field -> column index, for each header recognised
    body: dict | None
    refused: ImportRefused | None
    count: int  # rows the import would record (candidates, scores)

    @property
    def digest(self) -> str:
        return self.table.digest

    @property
    def problems(self) -> list[RowProblem]:
        return self.refused.problems if self.refused is not None else []


def file_changed(preview: Preview, table: Table) -> None:
    """Refuse an import whose file is not, byte for byte, the one its preview read."""
    if table.digest != preview.digest:
        raise JzError("import_file_changed", path=str(preview.path))


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
        text = raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise JzError("table_encoding_unknown") from exc
    if _looks_misread(text):
        raise JzError("table_encoding_unknown")
    return text, "gb18030"


def _looks_misread(text: str) -> bool:
    """Latin-1 or Windows-1252 text (``Müller``) read as GB18030 (``M黮ler``): Chinese characters
    inside Latin words. Real GBK tables have their Chinese among Chinese, or next to a code
    (``IT部``), never between two Latin letters, and rarely mostly beside them."""
    wide = beside = 0
    for index, ch in enumerate(text):
        if ord(ch) < 0x250 or 0x1E00 <= ord(ch) <= 0x1EFF:  # Latin, with or without accents (pinyin)
            continue
        if 0xE000 <= ord(ch) <= 0xF8FF:  # private use: no real text has it
            return True
        wide += 1
        before = index > 0 and text[index - 1].isascii() and text[index - 1].isalpha()
        after = index + 1 < len(text) and text[index + 1].isascii() and text[index + 1].isalpha()
        if before and after:
            return True
        beside += before or after
    return wide > 0 and beside * 2 >= wide


def read_table(path: str | Path, aliases: dict[str, tuple[str, ...]] | None = None) -> Table:
    """The table of a .csv or .xlsx file. With the ``aliases`` of the headers expected (see
    :func:`map_headers`), the header is the row, among the first non-empty rows of any sheet,
    that holds most of them (the first such, on a tie); without, it is the first non-empty row."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path (typed on a screen)
        raise JzError("file_unreadable", path=str(path)) from exc
    if size > MAX_BYTES:
        raise JzError("table_too_large", path=str(path))
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv", ".txt", ".tsv"):
        raise JzError("table_unknown_format", path=str(path))
    try:
        raw = path.read_bytes()  # once: what is parsed is what the digest is of
    except OSError as exc:
        raise JzError("file_unreadable", path=str(path)) from exc
    if len(raw) > MAX_BYTES:
        raise JzError("table_too_large", path=str(path))
    if suffix == ".xlsx":
        sheets, encoding = _read_xlsx(raw, path), "xlsx"
    else:
        cells, encoding = _read_csv(raw, path)
        sheets = [("", cells)]
    table = _table_of(sheets, encoding, aliases)
    if not table.headers:
        raise JzError("table_empty", path=str(path))
    table.digest = hashlib.sha256(raw).hexdigest()
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


def _is_number(cell: object) -> bool:
    return isinstance(cell, (int, float, Decimal)) and not isinstance(cell, bool)


def _table_of(sheets: list[tuple[str, list[list[object]]]], encoding: str,
              aliases: dict[str, tuple[str, ...]] | None) -> Table:
    """The sheet and header row that hold most of the known headers (the first, on a tie), and the
    data rows below it up to a footer. Blank rows are skipped; row numbers stay the spreadsheet's."""
    best: tuple[int, int, int] | None = None  # (headers recognised, sheet index, row index)
    for sheet_index, (_, cells) in enumerate(sheets):
        found = _header_in(cells, aliases)
        if found is not None and (best is None or found[0] > best[0]):
            best = (found[0], sheet_index, found[1])
    if best is None:
        return Table([], [], encoding)
    _, sheet_index, header_index = best
    name, cells = sheets[sheet_index]
    rows: list[tuple[int, list[str]]] = []
    numeric: set[tuple[int, int]] = set()
    footer_row = None
    for index in range(header_index + 1, len(cells)):
        row = [_clean(c) for c in cells[index]]
        if not any(row):
            continue
        number = index + 1
        if FOOTER.match(next(c for c in row if c)):
            footer_row = number
            break
        rows.append((number, row))
        numeric.update((number, column) for column, c in enumerate(cells[index]) if _is_number(c))
    return Table([_clean(c) for c in cells[header_index]], rows, encoding, header_index + 1, name, footer_row,
                 frozenset(numeric))


def _header_in(cells: list[list[object]], aliases: dict[str, tuple[str, ...]] | None) -> tuple[int, int] | None:
    """(headers recognised, row index) of the likeliest header of one sheet; None for a blank sheet."""
    found: tuple[int, int] | None = None
    looked = 0
    for index, raw in enumerate(cells):
        row = [_clean(c) for c in raw]
        if not any(row):
            continue
        recognised = len(map_headers(row, aliases)[0]) if aliases else 0
        if found is None or recognised > found[0]:
            found = (recognised, index)
        looked += 1
        if looked == HEADER_SEARCH_ROWS or not aliases:
            break
    return found


def _read_csv(raw: bytes, path: Path) -> tuple[list[list[object]], str]:
    text, encoding = decode_csv_bytes(raw)
    if "\x00" in text:
        raise JzError("table_binary", path=str(path))
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    try:
        cells: list[list[object]] = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise JzError("table_malformed", path=str(path)) from exc
    return cells, encoding


def _read_xlsx(raw: bytes, path: Path) -> list[tuple[str, list[list[object]]]]:
    """Every worksheet's name and cells, in the workbook's order."""
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, SyntaxError, IndexError, TypeError) as exc:
        # SyntaxError: xml.etree's ParseError, for a part of the zip that is not XML
        raise JzError("table_malformed", path=str(path)) from exc
    try:
        # read-only sheets are parsed while iterated: a damaged part fails here, in any way openpyxl likes
        return [(sheet.title, [list(row) for row in sheet.iter_rows(values_only=True)])
                for sheet in workbook.worksheets]
    except Exception as exc:  # noqa: BLE001 - whatever the damage, the file is what is wrong
        raise JzError("table_malformed", path=str(path)) from exc
    finally:
        workbook.close()


def where_read(table: Table) -> str:
    """Which sheet and header row were read, and where a footer ended the table: one line for the output."""
    sheet = "".join(ch for ch in table.sheet if ch.isprintable())
    text = (t("table_read_sheet", sheet=sheet, row=table.header_row) if table.sheet
            else t("table_read_header", row=table.header_row))
    if table.footer_row is not None:
        text += " " + t("table_read_footer", row=table.footer_row)
    return text


def lost_as_number(table: Table, row_no: int, row: list[str], mapping: dict[str, int], field_name: str) -> bool:
    """Whether the cell holds a long number the spreadsheet kept as a number, which loses what an
    ID number needs (digits past the 15th, a final X): a number cell of a workbook, or in a CSV
    Excel's scientific notation (4.20106E+17) or digits past the 15th turned to zeros."""
    index = mapping.get(field_name)
    if index is None:
        return False
    if (row_no, index) in table.numeric:
        return True
    text = cell(row, mapping, field_name)
    return bool(SCIENTIFIC.fullmatch(text)) or (
        text.isascii() and text.isdigit() and len(text) > EXCEL_DIGITS and set(text[EXCEL_DIGITS:]) == {"0"})


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


@contextmanager
def naming(path: str | Path) -> Iterator[None]:
    """A table found empty only once parsed names its file, as one found empty on reading does."""
    try:
        yield
    except JzError as error:
        if error.key == "table_empty" and not error.params.get("path"):
            raise JzError("table_empty", path=str(path)) from error
        raise


WITHHELD = "***"
BIDI_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def has_control(text: str) -> bool:
    """Control characters (escape sequences, NUL, …) or bidi overrides: never part of a real value."""
    return any(unicodedata.category(ch) == "Cc" or ch in BIDI_OVERRIDES for ch in text)


def column_values(table: Table, mapping: dict[str, int], *fields: str) -> set[str]:
    """Every non-empty cell of these fields' columns: what a refusal must never repeat (names, IDs)."""
    return {value for _, row in table.rows for f in fields if (value := cell(row, mapping, f))}


def withheld(value: str, secrets: set[str], row: list[str] | None = None, table: Table | None = None) -> str:
    """``value`` as a refusal may echo it: :data:`WITHHELD` when it is, or holds, a name or an
    ID number (one of ``secrets``, or a run of 15 or more digits), or when it comes from a row
    whose cells are more or fewer than the headers (its columns have shifted: anything may be
    anywhere)."""
    text = value.strip()
    if not text:
        return value
    if row is not None and table is not None and len(row) != len(table.headers):
        return WITHHELD
    digits = "".join(ch if ch.isdigit() else " " for ch in text)
    if text in secrets or any(part in secrets for part in text.split()) or any(
            len(run) >= 15 for run in digits.split()):
        return WITHHELD
    return value


def cell(row: list[str], mapping: dict[str, int], field_name: str) -> str:
    index = mapping.get(field_name)
    if index is None or index >= len(row):
        return ""
    return row[index]
