"""The public notice (公示): the ranking exported as xlsx, csv, html or json, each carrying
the ledger head it was computed from, and a check that a published file still matches.

Every format holds the same table: one row per candidate, the same cells as text. The
check re-folds the vault up to the recorded head, rebuilds the table and compares every
visible cell, so a single changed cell in a published file is caught.
"""

from __future__ import annotations

from pathlib import Path

from jz_tui import i18n
from jz_tui.display import shown
from jz_tui.i18n import t, t_or
from jz_tui.rules.ranking import rank
from jz_tui.rules.settings import rules_from
from jz_tui.services import notice_files
from jz_tui.services.notice_files import FORMATS, META_KEYS, Notice, qr_text  # noqa: F401 - the notice's public names
from jz_tui.services.roster import is_contract
from storage.errors import JzError
from storage.files import private_file
from storage.keyring import KeyRing
from storage.projection import SessionState, verified_state
from storage.vault import Vault

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
    notice_files.write(notice, fmt, private_file(out))  # owner-only before a byte is written
    return notice


def check_export(vault: Vault, data_key: bytes | KeyRing, path: str | Path) -> list[str]:
    """Differences between a published file and the vault at the head the file names."""
    published = notice_files.read_notice(path)
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
