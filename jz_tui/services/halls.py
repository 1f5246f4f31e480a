"""Several halls, one result: signed hall exports, and their import into the session's vault.

A hall (its own vault, examiners and tally officers) exports what it decided for some posts:
each candidate's announced interview result, with every sheet total and which were dropped,
and each post's closed tally with its counts. The file carries codes, never names or ID
numbers, and is signed by the hall's admin key; anyone can check it without a passphrase.
The central vault registers each hall's admin key fingerprint beforehand (``hall.add``) and
records an accepted export whole (``hall.import``), so ``jz verify`` can check it again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from jz_tui.i18n import t
from jz_tui.services.session import Session
from storage import crypto, ledger
from storage.errors import JzError
from storage.ledger import Record
from storage.projection import SessionState
from storage.verify import CONTENT_CHECKS, Problem

FORMAT = "jz-hall-export-v1"
MAX_EXPORT_BYTES = 20_000_000


def _signed_part(export: dict[str, Any]) -> bytes:
    return crypto.frame(FORMAT, crypto.canonical_json({k: v for k, v in export.items() if k != "signature"}))


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
        entries.append({
            "code": post,
            "candidates": [{"code": c.code, "interview": _own(state.scoring.announced.get(c.code))}
                           for c in state.roster.candidates_of(post)],
            "tally": closed,
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


def _own(announced: dict[str, Any] | None) -> dict[str, Any] | None:
    """This hall's own announcement (an imported one is another hall's to export)."""
    return None if announced is None or announced.get("hall") else announced


def write_export(payload: dict[str, Any], path: str | Path) -> Path:
    path = Path(path)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
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


def check_signature(payload: dict[str, Any]) -> None:
    """The export is as its hall signed it (no passphrase needed)."""
    try:
        public_key = bytes.fromhex(payload["hall"]["public_key"])
        signature = bytes.fromhex(payload["signature"])
        intact = crypto.verify_signature(public_key, signature, _signed_part(payload))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise JzError("hall_export_altered") from exc
    if not intact or payload["hall"].get("fingerprint") != crypto.fingerprint(public_key):
        raise JzError("hall_export_altered")


def import_export(session: Session, payload: dict[str, Any]) -> str:
    """Check an export against the registered halls and this roster, then record it whole."""
    session.require_role("admin", action="hall.import")
    session.refresh()
    check_signature(payload)
    state = session.state
    hall = state.halls.hall_of(payload["hall"]["fingerprint"])
    if hall is None:
        raise JzError("hall_export_foreign", fingerprint=payload["hall"]["fingerprint"])
    try:
        posts = _posts_of(state, payload)
        seq = int(payload["head"]["seq"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise JzError("hall_export_altered") from exc
    earlier = state.halls.imports.get(hall)
    if earlier is not None and earlier.vault_id != payload["hall"]["vault_id"]:
        raise JzError("hall_export_other_vault", hall=hall)
    held = [c.head_seq for p in posts if (c := state.halls.claimed.get(p)) is not None and c.hall == hall]
    if held and seq == max(held):
        raise JzError("hall_export_duplicate", hall=hall, seq=seq)
    if held and seq < max(held):
        raise JzError("hall_export_stale", hall=hall, seq=seq, imported=max(held))
    for entry in payload["posts"]:
        post = entry["code"]
        other = state.halls.claimed.get(post)
        if other is not None and other.hall != hall:
            raise JzError("hall_post_claimed", post=post, hall=other.hall)
        if _scored_here(state, entry):
            raise JzError("hall_post_scored_here", post=post)
    session.append("hall.import", {"hall": hall, "export": payload})
    return hall


def _posts_of(state: SessionState, payload: dict[str, Any]) -> list[str]:
    """The export's posts, each holding exactly this roster's candidates of that post."""
    posts = []
    for entry in payload["posts"]:
        post = entry["code"]
        if post not in state.roster.posts:
            raise JzError("hall_export_roster", post=post)
        theirs = sorted(c["code"] for c in entry["candidates"])
        if theirs != [c.code for c in state.roster.candidates_of(post)] or post in posts:
            raise JzError("hall_export_roster", post=post)
        if not _results_are_scores(entry):
            raise JzError("hall_export_results", post=post)
        posts.append(post)
    if not posts:
        raise JzError("hall_no_posts")
    return posts


def _results_are_scores(entry: dict[str, Any]) -> bool:
    """Every score the export brings for a post reads as a score (0 to 100, decimal), and its
    tally names exactly the post's candidates: what the ranking will compute with."""
    scores = [c["interview"]["result"] for c in entry["candidates"] if c.get("interview") is not None]
    tally = entry.get("tally")
    if tally is not None:
        if sorted(c["code"] for c in tally["candidates"]) != sorted(c["code"] for c in entry["candidates"]):
            return False
        scores += [c["score"] for c in tally["candidates"] if c.get("score") is not None]
        if any(not _is_decimal(c.get("rate_exact"), Decimal(1)) for c in tally["candidates"]
               if c.get("rate_exact") is not None):
            return False
    return all(_is_decimal(score, Decimal(100)) for score in scores)


def _is_decimal(text: Any, high: Decimal) -> bool:
    try:
        value = Decimal(text) if isinstance(text, str) else None
    except InvalidOperation:
        return False
    return value is not None and value.is_finite() and Decimal(0) <= value <= high


def _scored_here(state: SessionState, entry: dict[str, Any]) -> bool:
    """This vault holds its own result of a stage the export brings for the post: two sources
    would compete for one score."""
    own_interview = any(c["code"] in state.scoring.announced and "hall" not in state.scoring.announced[c["code"]]
                        for c in entry["candidates"] if c.get("interview") is not None)
    tally = state.tally.posts.get(entry["code"])
    return own_interview or (entry.get("tally") is not None and tally is not None and tally.box != "")


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
    return t("hall_line", hall=row.hall, posts=", ".join(row.posts), seq=row.head_seq, head=row.head_hash)


# ---------------------------------------------------------------------- verify


def check_imports(records: list[Record]) -> list[Problem]:
    """Every imported export is intact and came from a hall registered before it; part of
    ``jz verify`` with a passphrase."""
    registered: dict[str, str] = {}
    problems = []
    for record in records:
        if record.kind == "hall.add":
            registered.setdefault(record.data["name"], record.data["fingerprint"])
        elif record.kind == "hall.import":
            hall, payload = record.data.get("hall"), record.data.get("export")
            try:
                check_signature(payload)
                foreign = registered.get(hall) != payload["hall"]["fingerprint"]
            except (JzError, TypeError, KeyError):
                foreign = True
            if foreign:
                problems.append(Problem(record.seq, "verify_hall_export", {"hall": hall}))
    return problems


if check_imports not in CONTENT_CHECKS:
    CONTENT_CHECKS.append(check_imports)
