"""The public notice as files: writing it as xlsx, csv, html or json, and reading a
published file back (for ``jz export --check``). What the notice holds is
:func:`jz_tui.services.publication.build_notice`'s; this module only lays it out."""

from __future__ import annotations

import base64
import csv
import html
import io
import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from jz_tui.i18n import t
from storage.errors import JzError
from storage.ledger import short_hash

FORMATS = ("xlsx", "csv", "html", "json")
META_KEYS = ("session", "vault_id", "admin_fingerprint", "head_seq", "head", "lang")


@dataclass
class Notice:
    meta: dict[str, str]
    header: list[str]
    rows: list[list[str]]
    kinds: list[str] = field(default_factory=list)  # per column: "text", "score" or "rank" (ranking_table)


def write(notice: Notice, fmt: str, out: Path) -> None:
    {"xlsx": _write_xlsx, "csv": _write_csv, "html": _write_html, "json": _write_json}[fmt](notice, out)


def _write_json(notice: Notice, out: Path) -> None:
    out.write_text(json.dumps({"meta": notice.meta, "header": notice.header, "rows": notice.rows},
                              ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_csv(notice: Notice, out: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for key in META_KEYS:
        writer.writerow(["#" + key, notice.meta[key]])
    writer.writerow([])
    writer.writerow(notice.header)
    writer.writerows([[_defuse(cell) for cell in row] for row in notice.rows])
    out.write_text(buffer.getvalue(), encoding="utf-8-sig")  # with BOM: what Excel expects


def _write_xlsx(notice: Notice, out: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "公示"
    sheet.append(notice.header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in notice.rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            cell.data_type = "s"  # every cell as text, never a formula: a name may begin with "="
    meta = workbook.create_sheet("jz")
    for key in META_KEYS:
        meta.append([key, notice.meta[key]])
    workbook.save(out)


def _qr_data_uri(text: str) -> str:
    import qrcode

    buffer = io.BytesIO()
    qrcode.make(text, box_size=4, border=2).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def qr_text(meta: dict[str, str]) -> str:
    return f"JZ-NOTICE:{meta['admin_fingerprint'].replace(' ', '')}:{meta['head_seq']}:{meta['head']}"


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
<div>{e(t('notice_footer', lang=lang, fingerprint=notice.meta['admin_fingerprint'],
                 seq=notice.meta['head_seq'], head=short_hash(bytes.fromhex(notice.meta['head']))))}</div></footer>
</body></html>
""", encoding="utf-8")


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _defuse(cell: str) -> str:
    """A spreadsheet opening the CSV must not run a cell as a formula: quote it with an apostrophe."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


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
        if suffix == "json":
            data = json.loads(path.read_text(encoding="utf-8"))
            return Notice({k: str(v) for k, v in data["meta"].items()}, data["header"], data["rows"])
        if suffix == "csv":
            lines = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
            meta = {row[0][1:]: row[1] for row in lines if row and row[0].startswith("#") and len(row) > 1}
            table = [row for row in lines if row and not row[0].startswith("#")]
            return Notice(meta, table[0], [[_restore(cell) for cell in row] for row in table[1:]])
        if suffix == "xlsx":
            from openpyxl import load_workbook

            workbook = load_workbook(path, read_only=True)
            sheet_rows = [["" if v is None else str(v) for v in row] for row in workbook["公示"].iter_rows(values_only=True)]
            meta = {str(k): str(v) for k, v in workbook["jz"].iter_rows(values_only=True)}
            workbook.close()
            return Notice(meta, sheet_rows[0], sheet_rows[1:])
        if suffix in ("html", "htm"):
            parser = _TableParser()
            parser.feed(path.read_text(encoding="utf-8"))
            return Notice(parser.meta, parser.rows[0], parser.rows[1:])
    except (OSError, ValueError, KeyError, IndexError) as exc:
        raise JzError("export_unreadable", path=str(path)) from exc
    raise JzError("export_format_unknown", format=suffix, formats=", ".join(FORMATS))
