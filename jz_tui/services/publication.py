"""The public notice (公示): the public result exported as xlsx, csv, html, json or a SQLite
database, each carrying the ledger head it was computed from, and a check that a published
file still matches.

The notice is the public view (``public_view.public_result``), never the jury's ranking:
a post not yet complete is listed in roster order, with no rank, target or flag, and
while the public view is frozen the notice is the state at the freeze. Every format holds
the same table, the notice columns of ``ranking_table``. The check re-folds the vault up
to the recorded head, rebuilds the table and compares every visible cell, so a single
changed cell in a published file is caught.
"""

from __future__ import annotations

from pathlib import Path

from jz_tui.display import shown
from jz_tui.i18n import t
from jz_tui.rules.settings import rules_from
from jz_tui.services import notice_files, ranking_table
from jz_tui.services.notice_files import FORMATS, META_KEYS, Notice, qr_text  # noqa: F401 - the notice's public names
from jz_tui.services.public_view import PublicResult, public_result, public_result_at
from jz_tui.services.session import Session
from storage.errors import JzError
from storage.keyring import KeyRing
from storage.projection import verified_state
from storage.vault import Vault


def build_notice(result: PublicResult, vault: Vault) -> Notice:
    """The public result as a notice: the notice's columns over the public view's rows, and the
    head of the state the public view shows (at the freeze, while frozen)."""
    state = result.state
    columns = ranking_table.columns(ranking_table.notice_keys(result.posts), rules_from(state.roster.settings),
                                    result.lang)
    meta = {
        "session": shown(state.session_name),
        "vault_id": vault.vault_id.hex(),
        "admin_fingerprint": vault.admin_fingerprint,
        "head_seq": str(state.seq),
        "head": state.head_hash.hex(),
        "lang": result.lang,
    }
    return Notice(meta, [column.header for column in columns], ranking_table.table(columns, result.posts),
                  [column.kind for column in columns], frozen_at=result.frozen_at)


# ---------------------------------------------------------------------- writing


def export(session: Session, fmt: str, out: str | Path, lang: str | None = None) -> tuple[Notice, PublicResult]:
    """Write the public result now (frozen or live) as a notice file; the result says which posts are unfinished."""
    if fmt not in FORMATS:
        raise JzError("export_format_unknown", format=fmt, formats=list(FORMATS))
    result = public_result(session, lang=lang)
    notice = build_notice(result, session.vault)
    notice_files.write(notice, fmt, Path(out))  # owner-only from the first byte, renamed over ``out`` once whole
    return notice, result


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
    expected = build_notice(public_result_at(vault, data_key, state, published.meta.get("lang", "zh")), vault)
    if expected.meta["head"] != published.meta["head"]:  # published while frozen, the head is the freeze's
        return [t("export_head_mismatch", seq=head_seq)]
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
