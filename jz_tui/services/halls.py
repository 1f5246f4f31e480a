"""Several halls, one result: signed hall exports, and their import into the session's vault.

A hall (its own vault, examiners and tally officers) exports what it decided for some posts:
each candidate's announced interview result, with every sheet total and which were dropped,
each post's closed tally with its counts, and who checked in and who was marked absent there
(so the centre ranks a candidate absent at the hall absent, not incomplete). The file carries
codes, never names or ID numbers, and is signed by the hall's admin key (the lists with the
rest); anyone can check it without a passphrase. An export written before the lists
travelled has none and is imported as one where nobody checked in or was absent.
The central vault registers each hall's admin key fingerprint beforehand (``hall.add``) and
records an accepted export whole (``hall.import``), so ``jz verify`` can check it again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jz_tui.events.results import HALL_FORMAT, attendance, check_export, check_signature  # noqa: F401  (check_signature: re-exported)
from jz_tui.events.results import signed_part as _signed_part
from jz_tui.display import shown_json
from jz_tui.i18n import t
from jz_tui.services.session import Session
from storage import crypto, ledger
from storage.errors import JzError
from storage.files import private_file
from storage.projection import SessionState
from storage.roster_state import Candidate

FORMAT = HALL_FORMAT
MAX_EXPORT_BYTES = 20_000_000


def normalise_fingerprint(text: str) -> str:
    """32 hex digits, grouped or not (spaces, colons or dashes between them), as jz init prints them."""
    digits = "".join(ch for ch in text.lower() if ch not in " :-")
    if len(digits) != 32 or any(ch not in "0123456789abcdef" for ch in digits):
        raise JzError("hall_bad_fingerprint", value=text.strip())
    return " ".join(digits[i:i + 4] for i in range(0, 32, 4))


# ---------------------------------------------------------------------- in a hall


def export(session: Session, posts: list[str]) -> dict[str, Any]:
    """What this hall decided for ``posts``, signed by the exporting admin."""
    session.require_role("admin", action="hall.export")
    session.refresh()
    state = session.state
    codes = [p.strip().upper() for p in posts if p.strip()]
    if not codes:
        raise JzError("hall_no_posts")
    entries = []
    for post in codes:
        if post not in state.roster.posts:
            raise JzError("post_unknown", post=post)
        tally = state.tally.posts.get(post)
        closed = tally.closed if tally is not None and not (tally.closed or {}).get("hall") else None
        members = state.roster.candidates_of(post)
        entries.append({
            "code": post,
            "candidates": [{"code": c.code, "interview": _own(state.scoring.announced.get(c.code))}
                           for c in members],
            "tally": closed,
            **_own_attendance(state, members),
        })
    vault = session.vault
    seq, head = vault.head()
    body = {
        "format": FORMAT,
        "hall": {"vault_id": vault.vault_id.hex(), "session": state.session_name,
                 "admin": session.user, "public_key": session.identity.public_key.hex(),
                 "fingerprint": crypto.fingerprint(session.identity.public_key)},
        "head": {"seq": seq, "hash": head.hex()},
        "exported_at": ledger.now_iso(),
        "posts": entries,
    }
    return {**body, "signature": session.identity.sign(_signed_part(body)).hex()}


def _own_attendance(state: SessionState, members: list[Candidate]) -> dict[str, list[str]]:
    """Who checked in at this hall's desk and who was marked absent here (codes only; another
    hall's, imported here, is that hall's to export)."""
    roster = state.roster
    return {"checked_in": [c.code for c in members if c.code in roster.checkins],
            "absent": [c.code for c in members if c.code in roster.absent and c.code not in roster.hall_absent]}


def _own(announced: dict[str, Any] | None) -> dict[str, Any] | None:
    """This hall's own announcement (an imported one is another hall's to export)."""
    return None if announced is None or announced.get("hall") else announced


def absent_of(payload: dict[str, Any]) -> list[str]:
    """The codes an export marks absent, post by post (none in an export written before absence travelled)."""
    return [code for entry in payload["posts"] for code in attendance(entry, "absent")]


def write_export(payload: dict[str, Any], path: str | Path) -> Path:
    path = Path(path)
    # the same JSON, its control characters as \u escapes: a `cat` of the file does not drive the terminal
    text = shown_json(json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True))
    private_file(path).write_text(text + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------------- at the centre


def register(session: Session, name: str, fingerprint: str) -> str:
    session.require_role("admin", action="hall.add")
    session.refresh()
    name = name.strip()
    if not name:
        raise JzError("hall_name_needed")
    fingerprint = normalise_fingerprint(fingerprint)
    halls = session.state.halls
    if name in halls.registered:
        raise JzError("hall_exists", hall=name)
    if halls.hall_of(fingerprint) is not None:
        raise JzError("hall_fingerprint_taken", hall=halls.hall_of(fingerprint))
    if fingerprint == crypto.fingerprint(session.vault.admin_public_key):
        raise JzError("hall_is_this_vault")
    session.append("hall.add", {"name": name, "fingerprint": fingerprint})
    return fingerprint


def read_export(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_EXPORT_BYTES:
            raise JzError("hall_export_unreadable", path=str(path))
        payload = json.loads(path.read_text(encoding="utf-8"), parse_float=str)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise JzError("hall_export_unreadable", path=str(path)) from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise JzError("hall_export_unreadable", path=str(path))
    return payload


def import_export(session: Session, payload: dict[str, Any]) -> str:
    """Check an export against the registered halls and this roster, then record it whole."""
    session.require_role("admin", action="hall.import")
    session.refresh()
    hall = check_export(session.state, None, payload)
    session.append("hall.import", {"hall": hall, "export": payload})
    return hall


@dataclass(frozen=True)
class HallProgress:
    hall: str
    fingerprint: str
    posts: tuple[str, ...]  # imported, in code order
    head_seq: int | None
    head_hash: str


def progress(state: SessionState) -> tuple[HallProgress, ...]:
    """Each registered hall: the posts imported from it and the head its last export stood at."""
    rows = []
    for hall, fingerprint in state.halls.registered.items():
        imported = state.halls.imports.get(hall)
        posts = tuple(sorted(p for p, claim in state.halls.claimed.items() if claim.hall == hall))
        rows.append(HallProgress(hall, fingerprint, posts, imported.head_seq if imported else None,
                                 ledger.short_hash(bytes.fromhex(imported.head_hash)) if imported else ""))
    return tuple(rows)


def describe(row: HallProgress) -> str:
    """One hall's progress in words (the board, ``jz hall list``)."""
    if row.head_seq is None:
        return t("hall_line_waiting", hall=row.hall, fingerprint=row.fingerprint)
    return t("hall_line", hall=row.hall, posts=list(row.posts), seq=row.head_seq, head=row.head_hash)
