"""The public notice (公示): the ranking exported as xlsx, csv, html or json, each carrying
the ledger head it was computed from, and a check that a published file still matches.

Every format holds the same table: one row per candidate, the same cells as text. The
check re-folds the vault up to the recorded head, rebuilds the table and compares every
visible cell, so a single changed cell in a published file is caught.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from jz_tui import i18n
from jz_tui.display import shown
from jz_tui.i18n import t, t_or
from jz_tui.rules.ranking import rank
from jz_tui.rules.settings import rules_from
from jz_tui.services.roster import is_contract
from storage.errors import JzError
from storage.files import private_file
from storage.keyring import KeyRing
from storage.ledger import short_hash
from storage.projection import SessionState, verified_state
from storage.vault import Vault

FORMATS = ("xlsx", "csv", "html", "json")
META_KEYS = ("session", "vault_id", "admin_fingerprint", "head_seq", "head", "lang")


@dataclass
class Notice:
    meta: dict[str, str]
    header: list[str]
    rows: list[list[str]]


def build_notice(state: SessionState, vault: Vault, lang: str) -> Notice:
    rules = rules_from(state.roster.settings)
    stages = rules.active_stages
    header_keys = ["col_post", "col_post_name", "col_code", "col_name", "col_unit",
                   *[f"stage_{s}" for s in stages], "col_composite", "col_rank", "col_status", "col_appointment"]
    header = [t_or(k, k.removeprefix("stage_"), lang=lang) for k in header_keys]
    rankings = rank(state, rules)
    from_halls = any(row.halls for post in rankings for row in post.rows)
    if from_halls:  # results imported from other halls say where they came from
        header.append(t("col_halls", lang=lang))
    rows = []
    for post in rankings:
        for row in post.rows:
            candidate = state.roster.candidates[row.code]
            flags = " ".join(t("flag_" + f, lang=lang) for f in row.flags)
            status = t("rank_status_" + row.status, lang=lang) + (f" {flags}" if flags else "")
            rows.append([
                post.code, post.name, row.code, row.name, row.unit,
                *[_cell(row.stages.get(s)) for s in stages],
                _cell(row.composite), "" if row.rank is None else str(row.rank), status,
                _appointment(state, row.code, is_contract(candidate), lang),
                *([_halls_cell(row.halls, lang)] if from_halls else []),
            ])
    rows = [[shown(cell) for cell in row] for row in rows]  # names and notes come from the file
    meta = {
        "session": shown(state.session_name),
        "vault_id": vault.vault_id.hex(),
        "admin_fingerprint": vault.admin_fingerprint,
        "head_seq": str(state.seq),
        "head": state.head_hash.hex(),
        "lang": lang,
    }
    return Notice(meta, header, rows)


def _halls_cell(halls: dict[str, str], lang: str) -> str:
    return "; ".join(f"{t('stage_' + stage, lang=lang)} {hall}" for stage, hall in halls.items())


def _cell(value) -> str:
    return "" if value is None else str(value)


def _appointment(state: SessionState, code: str, contract: bool, lang: str) -> str:
    decision = state.inspection.decisions.get(code)
    if decision is None:
        return ""
    if decision["decision"] != "appoint":
        return t("decision_not_appoint", lang=lang)
    kind = t("appoint_contract", lang=lang) if decision.get("contract", contract) else t("appoint_regular", lang=lang)
    return t("appoint_text", lang=lang, kind=kind, start=decision["start"], end=decision["probation_end"])


# ---------------------------------------------------------------------- writing


def export(state: SessionState, vault: Vault, fmt: str, out: str | Path, lang: str | None = None) -> Notice:
    if fmt not in FORMATS:
        raise JzError("export_format_unknown", format=fmt, formats=", ".join(FORMATS))
    notice = build_notice(state, vault, lang or i18n.language())
    out = Path(out)
    {"xlsx": _write_xlsx, "csv": _write_csv, "html": _write_html, "json": _write_json}[fmt](notice, private_file(out))  # owner-only before a byte is written
    return notice


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


def check_export(vault: Vault, data_key: bytes | KeyRing, path: str | Path) -> list[str]:
    """Differences between a published file and the vault at the head the file names."""
    published = read_notice(path)
    if any(k not in published.meta for k in META_KEYS):
        return [t("export_no_meta")]
    if published.meta["vault_id"] != vault.vault_id.hex():
        return [t("verify_checkpoint_other_vault")]
    head_seq = int(published.meta["head_seq"])
    state = verified_state(vault, data_key, upto=head_seq)
    if state.seq != head_seq or state.head_hash.hex() != published.meta["head"]:
        return [t("export_head_mismatch", seq=head_seq)]
    expected = build_notice(state, vault, published.meta.get("lang", "zh"))
    problems = []
    if [h.strip() for h in published.header] != expected.header:
        problems.append(t("export_header_differs"))
    if len(published.rows) != len(expected.rows):
        problems.append(t("export_row_count", published=len(published.rows), expected=len(expected.rows)))
    for number, (got, want) in enumerate(zip(published.rows, expected.rows, strict=False), start=2):
        for column, (a, b) in enumerate(zip(got, want, strict=False)):
            if str(a).strip() != b:
                problems.append(t("export_cell_differs", row=number, column=expected.header[column],
                                  published=a, expected=b))
        if len(got) != len(want):
            problems.append(t("export_row_width", row=number))
    return problems
