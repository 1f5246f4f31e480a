"""The public notice as files: writing it as xlsx, csv, html, json or a SQLite database, and
reading a published file back (for ``jz verify --export``). What the notice holds is
:func:`jz_tui.services.publication.build_notice`'s; this module only lays it out.

Every format is written into a temporary file beside the target (owner-only from its first
byte) and renamed over it once complete: a reader finds the old file or the new one, never
half of one, and a failed write leaves the old file and no temporary one."""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import os
import re
import sqlite3
import tempfile
import unicodedata
from datetime import datetime, timezone
from decimal import Decimal
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from jz_tui.i18n import t
from jz_tui.rules.scoring import half_up
from storage.errors import JzError
from storage.ledger import short_hash

FORMATS = ("xlsx", "csv", "html", "json", "sqlite")
META_KEYS = ("session", "vault_id", "admin_fingerprint", "head_seq", "head", "lang")
SQLITE_SUFFIXES = ("db", "sqlite", "sqlite3")


@dataclass
class Notice:
    meta: dict[str, str]
    header: list[str]
    rows: list[list[str]]
    kinds: list[str] = field(default_factory=list)  # per column: "text", "score" or "rank" (ranking_table)
    frozen_at: int | None = None  # the seq the public view was frozen at, None when live


def write(notice: Notice, fmt: str, out: str | os.PathLike[str]) -> Path:
    """Write ``notice`` as ``fmt`` to ``out``, replacing it whole (see the module's docstring)."""
    writer = {"xlsx": _write_xlsx, "csv": _write_csv, "html": _write_html, "json": _write_json,
              "sqlite": _write_sqlite}[fmt]
    out = Path(out)
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)  # 0600
    os.close(fd)
    temporary = Path(name)
    try:
        writer(notice, temporary)
        os.replace(temporary, out)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return out


# ---------------------------------------------------------------------- the SQLite database


SQLITE_NOTICE_TABLE = "notice"
SQLITE_META_TABLE = "meta"


def _sqlite_cell(kind: str, text: str) -> object:
    """A score stays TEXT with its exact decimals ("87.70"): never REAL, which would round it
    and drop the trailing zero the notice shows. A rank is an INTEGER; an empty score or rank
    is NULL (missing, as a SQL tool expects); a text cell is the text."""
    if kind == "rank" and _INTEGER.fullmatch(text):
        return int(text)
    if kind in ("score", "rank") and text == "":
        return None
    return text


def _write_sqlite(notice: Notice, out: Path) -> None:
    """The notice as a plain SQLite database (sqlite-utils): a ``notice`` table with the
    notice's columns in its order, one row per notice row in order (rowid), and a ``meta``
    table of key/value text: the ledger head it was made from, whether the public view was
    frozen (``frozen_at``, empty when live) and when the file was written (``generated``)."""
    import sqlite_utils

    kinds = column_kinds(notice)
    db = sqlite_utils.Database(out)  # the empty owner-only file: SQLite makes a database of it
    try:
        db.conn.execute("PRAGMA journal_mode = DELETE")  # one file, no -wal beside it
        db[SQLITE_NOTICE_TABLE].create({column: (int if kind == "rank" else str)
                                        for column, kind in zip(notice.header, kinds, strict=True)})
        db[SQLITE_NOTICE_TABLE].insert_all(
            ({column: _sqlite_cell(kind, text) for column, kind, text in zip(notice.header, kinds, row, strict=True)}
             for row in notice.rows), batch_size=500)
        meta = {**{key: notice.meta[key] for key in META_KEYS},
                "frozen_at": "" if notice.frozen_at is None else str(notice.frozen_at),
                "generated": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        db[SQLITE_META_TABLE].insert_all(({"key": k, "value": v} for k, v in meta.items()), pk="key")
    finally:
        db.close()


def _read_sqlite(path: Path) -> Notice:
    """A published SQLite notice, opened read-only (nothing is created or changed beside it)."""
    import sqlite_utils

    connection = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        db = sqlite_utils.Database(connection)
        cursor = db.execute(f"SELECT * FROM [{SQLITE_NOTICE_TABLE}] ORDER BY rowid")
        header = [d[0] for d in cursor.description]
        rows = [["" if cell is None else str(cell) for cell in row] for row in cursor.fetchall()]
        meta = {str(k): "" if v is None else str(v)
                for k, v in db.execute(f"SELECT key, value FROM [{SQLITE_META_TABLE}]").fetchall()}
    finally:
        connection.close()
    return Notice(meta, header, rows)


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def _write_json(notice: Notice, out: Path) -> None:
    out.write_text(json.dumps({"meta": notice.meta, "header": notice.header, "rows": notice.rows},
                              ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_csv(notice: Notice, out: Path) -> None:
    """The table from the first line, so that a spreadsheet's filter and sort see the header
    row as the header; the ledger head follows after one empty line, as ``#key,value`` rows
    (outside the table: a spreadsheet's current region stops at the empty line)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(notice.header)
    writer.writerows([[_defuse(cell) for cell in row] for row in notice.rows])
    writer.writerow([])
    for key in META_KEYS:
        writer.writerow(["#" + key, notice.meta[key]])
    out.write_text(buffer.getvalue(), encoding="utf-8-sig")  # with BOM: what Excel expects


# ---------------------------------------------------------------------- the workbook a clerk opens

NOTICE_SHEET = "公示"
META_SHEET = "jz"
TITLE_ROW, HEADER_ROW = 1, 2  # the table starts on the header row; the title sits above it
MAX_WIDTH = 40  # a wider cell wraps
KINDS = ("text", "score", "rank")


def column_kinds(notice: Notice) -> list[str]:
    """What each column holds (``text``, ``score`` or ``rank``), from the notice's own column
    specification; a notice that does not say types nothing (every cell stays text)."""
    kinds = list(getattr(notice, "kinds", None) or [])
    if len(kinds) != len(notice.header) or any(k not in KINDS for k in kinds):
        return ["text"] * len(notice.header)
    return kinds


def typed_cell(kind: str, text: str) -> tuple[object, str]:
    """The value a spreadsheet cell holds and its number format: a score as a number shown with
    its own decimals ("87.70" is 87.7 shown as 0.00), a rank as an integer, an empty cell as a
    blank one, anything else as text (a code such as "0012", a name beginning with "=")."""
    if kind == "score" and _DECIMAL.fullmatch(text):
        decimals = len(text.partition(".")[2])
        return (Decimal(text) if decimals else int(text)), ("0." + "0" * decimals if decimals else "0")
    if kind == "rank" and _INTEGER.fullmatch(text):
        return int(text), "0"
    if text == "":
        return None, "@" if kind == "text" else "General"  # a blank cell, which a sort puts last
    return text, "@"


def cell_text(value: object, number_format: str) -> str:
    """A cell read back as the notice's text: a number through its number format (87.7 shown
    as 0.00 is "87.70"), so that the check compares what the clerk sees."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return str(value)
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)  # the shortest decimal it stores
    decimals = _FIXED.fullmatch(number_format or "")
    if decimals:
        return str(half_up(number, len(decimals.group(1) or "")))
    return str(number.quantize(Decimal(1))) if number == number.to_integral_value() else str(number)


_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_INTEGER = re.compile(r"[0-9]+")
_FIXED = re.compile(r"0(?:\.(0+))?")


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: a Chinese character counts two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _write_xlsx(notice: Notice, out: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    lang = notice.meta["lang"]
    kinds = column_kinds(notice)
    columns = max(1, len(notice.header))
    last = get_column_letter(columns)
    end_row = HEADER_ROW + len(notice.rows)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = NOTICE_SHEET

    title = sheet.cell(TITLE_ROW, 1, f"{notice.meta['session']} {t('notice_title', lang=lang)}")
    title.data_type = "s"  # the session name comes from the file: never a formula
    title.font = Font(bold=True, size=16)
    title.alignment = Alignment(horizontal="center", vertical="center")
    if columns > 1:
        sheet.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=columns)
    sheet.row_dimensions[TITLE_ROW].height = 30

    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for column, label in enumerate(notice.header, start=1):
        cell = sheet.cell(HEADER_ROW, column, label)
        cell.data_type = "s"
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E6E6E6")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
    for number, row in enumerate(notice.rows, start=HEADER_ROW + 1):
        for column, text in enumerate(row, start=1):
            kind = kinds[column - 1] if column <= len(kinds) else "text"
            value, number_format = typed_cell(kind, text)
            cell = sheet.cell(number, column)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # text, never a formula: a name may begin with "="
            cell.number_format = number_format  # "@": a code such as 0012 stays text when edited
            cell.border = border
            cell.alignment = Alignment(vertical="center", wrap_text=kind == "text",
                                       horizontal="right" if kind != "text" else None)

    for column in range(1, columns + 1):
        texts = [notice.header[column - 1] if column <= len(notice.header) else ""]
        texts += [row[column - 1] for row in notice.rows if column <= len(row)]
        widest = max(display_width(line) for text in texts for line in (text.splitlines() or [""]))
        sheet.column_dimensions[get_column_letter(column)].width = min(MAX_WIDTH, max(6, widest) + 3)

    sheet.freeze_panes = f"A{HEADER_ROW + 1}"  # a name, not sheet.cell(): that would make the row
    if notice.header:
        sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{max(end_row, HEADER_ROW)}"
    sheet.print_title_rows = f"{TITLE_ROW}:{HEADER_ROW}"  # title and header again on every page
    sheet.print_area = f"A{TITLE_ROW}:{last}{max(end_row, HEADER_ROW)}"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_setup.fitToWidth = 1  # one page wide ...
    sheet.page_setup.fitToHeight = 0  # ... and as many pages long as the rows need
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    # every printed page says where it came from (as the HTML notice's footer) and which page it is
    sheet.oddFooter.left.text = _footer_text(notice).replace("&", "&&")
    sheet.oddFooter.left.size = 7
    sheet.oddFooter.right.text = t("sheet_page_footer", lang=lang)
    sheet.oddFooter.right.size = 8

    meta = workbook.create_sheet(META_SHEET)  # for jz verify --export: kept, never printed
    for key in META_KEYS:
        meta.append([key, notice.meta[key]])
        for cell in meta[meta.max_row]:
            cell.data_type = "s"
    meta.sheet_state = "hidden"
    workbook.active = 0
    workbook.save(out)


def _qr_data_uri(text: str) -> str:
    import qrcode

    buffer = io.BytesIO()
    qrcode.make(text, box_size=4, border=2).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def qr_text(meta: dict[str, str]) -> str:
    return f"JZ-NOTICE:{meta['admin_fingerprint'].replace(' ', '')}:{meta['head_seq']}:{meta['head']}"


def _footer_text(notice: Notice) -> str:
    meta = notice.meta
    return t("notice_footer", lang=meta["lang"], fingerprint=meta["admin_fingerprint"], seq=meta["head_seq"],
             head=short_hash(bytes.fromhex(meta["head"])))


def _write_html(notice: Notice, out: Path) -> None:
    e = html.escape
    lang = notice.meta["lang"]
    head = "".join(f"<th>{e(h)}</th>" for h in notice.header)
    body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in notice.rows)
    meta = "".join(f'<meta name="jz-{k}" content="{e(v)}">' for k, v in notice.meta.items())
    out.write_text(f"""<!doctype html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">{meta}
<title>{e(notice.meta['session'])}</title>
<style>
@page {{ size: A4 landscape; margin: 12mm; }}
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }}
table {{ border-collapse: collapse; width: 100%; font-size: 10pt; }}
th, td {{ border: 1px solid #333; padding: 2px 4px; }} th {{ background: #eee; }}
footer {{ margin-top: 6mm; font-size: 9pt; display: flex; gap: 6mm; align-items: center; }}
</style></head><body>
<h1>{e(notice.meta['session'])} {e(t('notice_title', lang=lang))}</h1>
<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
<footer><img src="{_qr_data_uri(qr_text(notice.meta))}" alt="QR">
<div>{e(_footer_text(notice))}</div></footer>
</body></html>
""", encoding="utf-8")


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _defuse(cell: str) -> str:
    """A spreadsheet opening the CSV must not run a cell as a formula: quote it with an apostrophe."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


_META_KEY = re.compile(r"#[a-z_]+")


def _is_meta_row(row: list[str]) -> bool:
    """A ``#key,value`` row of the CSV (after the table; above it in files written before the
    header came first), also once a spreadsheet has padded it with empty cells."""
    return len(row) >= 2 and bool(_META_KEY.fullmatch(row[0])) and not any(cell.strip() for cell in row[2:])


def _restore(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


# ---------------------------------------------------------------------- reading back and checking


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "meta" and (attributes.get("name") or "").startswith("jz-"):
            self.meta[attributes["name"][3:]] = attributes.get("content") or ""
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self.rows:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def read_notice(path: str | Path) -> Notice:
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    try:
        if suffix in SQLITE_SUFFIXES or _is_sqlite(path):
            return _read_sqlite(path)
        if suffix == "json":
            data = json.loads(path.read_text(encoding="utf-8"))
            return Notice({k: str(v) for k, v in data["meta"].items()}, data["header"], data["rows"])
        if suffix == "csv":
            lines = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
            meta = {row[0][1:]: row[1] for row in lines if _is_meta_row(row)}
            table = [row for row in lines if any(cell.strip() for cell in row) and not _is_meta_row(row)]
            return Notice(meta, table[0], [[_restore(cell) for cell in row] for row in table[1:]])
        if suffix == "xlsx":
            from openpyxl import load_workbook

            workbook = load_workbook(path, read_only=True)
            sheet_rows = [[cell_text(cell.value, getattr(cell, "number_format", "General")) for cell in row]
                          for row in workbook[NOTICE_SHEET].iter_rows()]
            meta = {str(k): str(v) for k, v in workbook[META_SHEET].iter_rows(values_only=True)}
            workbook.close()
            # the table starts at its header, the first row with more than one cell: the title
            # above it (one cell, merged across) is not part of it; a file without a title neither
            start = next((n for n, row in enumerate(sheet_rows) if sum(1 for cell in row if cell) > 1), None)
            if start is None:
                raise ValueError("no table")
            while len(sheet_rows) > start + 1 and not any(sheet_rows[-1]):
                sheet_rows.pop()  # a spreadsheet may keep empty rows below the table
            return Notice(meta, sheet_rows[start], sheet_rows[start + 1:])
        if suffix in ("html", "htm"):
            parser = _TableParser()
            parser.feed(path.read_text(encoding="utf-8"))
            return Notice(parser.meta, parser.rows[0], parser.rows[1:])
    except (OSError, ValueError, KeyError, IndexError, sqlite3.Error) as exc:
        raise JzError("export_unreadable", path=str(path)) from exc
    raise JzError("export_format_unknown", format=suffix, formats=list(FORMATS))
