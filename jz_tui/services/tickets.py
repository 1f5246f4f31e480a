"""Admission tickets: a QR code holding a compact payload signed by the admin who issued it.

Payload: ``JZ1:<base32(vault id ‖ nonce ‖ candidate code)>:<base32(Ed25519 signature)>``.
Base32 keeps the code in the QR alphanumeric alphabet (denser than bytes, and what a
keyboard-wedge scanner types reliably). The signature is made with the issuing admin's own
signing key (under a ticket domain of its own), which only that admin's passphrase unwraps:
no ticket key is ever written into a body, which every user of the session can read. The
``tickets.issue`` event records the nonce of each candidate's current ticket; the fold records
which admins' public keys vouch for it. Verification needs only those public keys and the
current nonces: it works offline, for any clerk (one added later too), refuses another
session's code, an altered code, a ticket signed by anyone but an admin who issued it, and a
ticket that was reissued (its nonce revoked).
"""

from __future__ import annotations

import base64
import errno
import html
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jz_tui.i18n import t
from jz_tui.services.roster import withheld
from jz_tui.services.session import Session
from storage import crypto
from storage.errors import JzError
from storage.files import private_dir, private_file
from storage.roster_state import RosterState

PREFIX = "JZ1"
SIGNATURE_DOMAIN = b"jz-ticket-v1\x00"
NONCE_BYTES = 8
VAULT_ID_BYTES = 16


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


def _unb32(text: str) -> bytes:
    return base64.b32decode(text + "=" * (-len(text) % 8))


def encode_payload(sign: Callable[[bytes], bytes], vault_id: bytes, nonce: bytes, code: str) -> str:
    """The ticket of ``code``, signed by ``sign`` (the issuing admin's ``Identity.sign``)."""
    body = vault_id + nonce + code.encode("utf-8")
    return f"{PREFIX}:{_b32(body)}:{_b32(sign(SIGNATURE_DOMAIN + body))}"


@dataclass(frozen=True)
class TicketCheck:
    outcome: str  # "valid", "not_a_ticket", "forged", "other_session", "revoked", "unknown"
    code: str = ""


def looks_like_ticket(text: str) -> bool:
    return text.strip().upper().startswith(PREFIX + ":")


def check_payload(text: str, vault_id: bytes, roster: RosterState) -> TicketCheck:
    parts = text.strip().upper().split(":")
    if len(parts) != 3 or parts[0] != PREFIX:
        return TicketCheck("not_a_ticket")
    try:
        body, signature = _unb32(parts[1]), _unb32(parts[2])
        code = body[VAULT_ID_BYTES + NONCE_BYTES:].decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return TicketCheck("forged")
    if _b32(body) != parts[1] or _b32(signature) != parts[2]:
        # base32's last character carries unused bits: only the one spelling we issue is a ticket
        return TicketCheck("forged")
    if len(body) <= VAULT_ID_BYTES + NONCE_BYTES:
        return TicketCheck("forged")
    if body[:VAULT_ID_BYTES] != vault_id:
        return TicketCheck("other_session", code)
    keys = roster.ticket_keys.get(code, ())
    if not any(crypto.verify_signature(bytes.fromhex(key), signature, SIGNATURE_DOMAIN + body) for key in keys):
        return TicketCheck("forged", code)
    if code not in roster.candidates:
        return TicketCheck("unknown", code)
    nonce = body[VAULT_ID_BYTES:VAULT_ID_BYTES + NONCE_BYTES].hex()
    if roster.ticket_nonces.get(code) != nonce:
        return TicketCheck("revoked", code)
    return TicketCheck("valid", code)


# ---------------------------------------------------------------------- issuing


def issue(session: Session, reissue: list[str] | None = None) -> dict[str, str]:
    """Give every candidate without a ticket a nonce (and ``reissue`` ones a new one).

    Returns candidate code -> payload for every candidate holding a current ticket.
    """
    session.require_role("admin", action="tickets.issue")
    session.refresh()
    roster = session.state.roster
    if not roster.candidates:
        raise JzError("tickets_no_roster")
    for code in reissue or []:
        if code not in roster.candidates:
            raise JzError("candidate_unknown", code=withheld(roster, code))
    wanted = [c for c in roster.candidates if c not in roster.ticket_nonces or c in (reissue or [])]
    nonces = {code: os.urandom(NONCE_BYTES).hex() for code in wanted}
    mine = session.identity.public_key.hex()
    for code, nonce in roster.ticket_nonces.items():  # issued by another admin: vouched for by this one too
        if code not in nonces and mine not in roster.ticket_keys.get(code, ()):
            nonces[code] = nonce
    if nonces:
        session.append("tickets.issue", {"nonces": nonces})
    return current_payloads(session)


def current_payloads(session: Session) -> dict[str, str]:
    """The current ticket of every candidate this admin has issued or vouched for."""
    roster = session.state.roster
    mine = session.identity.public_key.hex()
    return {
        code: encode_payload(session.identity.sign, session.vault.vault_id, bytes.fromhex(nonce), code)
        for code, nonce in sorted(roster.ticket_nonces.items()) if mine in roster.ticket_keys.get(code, ())
    }


def write_tickets(session: Session, out_dir: str | Path, hall: str = "", when: str = "",
                  reissue: list[str] | None = None,
                  progress: Callable[[int, int], None] | None = None) -> list[Path]:
    """One PNG per candidate and a printable A4 HTML sheet; returns the files written.
    ``progress(done, total)`` is told after each PNG (a screen shows it)."""
    import qrcode

    out = writable_dir(out_dir)  # before issuing: a refused command appends nothing
    payloads = issue(session, reissue)
    roster = session.state.roster
    written: list[Path] = []
    cards: list[str] = []
    for code, payload in payloads.items():
        candidate = roster.candidates[code]
        post = roster.posts.get(candidate.post)
        image = qrcode.make(payload, error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=6, border=4)
        png = out / f"{_safe_name(code)}.png"
        image.save(private_file(png))
        written.append(png)
        if progress is not None:
            progress(len(written), len(payloads))
        cards.append(_card_html(candidate.name, post.name if post else candidate.post, code, hall, when, png.name))
    sheet = out / "tickets.html"
    private_file(sheet).write_text(_sheet_html(session.state.session_name, cards), encoding="utf-8")
    written.append(sheet)
    return written


def writable_dir(path: str | Path) -> Path:
    """``path`` as a directory this process can write into (made if missing), or an OSError."""
    out = private_dir(path)  # made owner-only if missing; an existing one keeps its mode
    if not os.access(out, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(out))
    return out


def _safe_name(code: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in code)


def _card_html(name: str, post: str, code: str, hall: str, when: str, png: str) -> str:
    e = html.escape
    return (
        '<section class="ticket">'
        f'<h2>{e(t("ticket_title"))}</h2>'
        f'<img src="{e(png)}" alt="QR">'
        f'<dl><dt>{e(t("ticket_name"))}</dt><dd>{e(name)}</dd>'
        f'<dt>{e(t("ticket_post"))}</dt><dd>{e(post)}</dd>'
        f'<dt>{e(t("ticket_code"))}</dt><dd class="code">{e(code)}</dd>'
        f'<dt>{e(t("ticket_hall"))}</dt><dd>{e(hall)}</dd>'
        f'<dt>{e(t("ticket_time"))}</dt><dd>{e(when)}</dd></dl>'
        "</section>"
    )


def _sheet_html(session_name: str, cards: list[str]) -> str:
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(session_name)}</title>
<style>
@page {{ size: A4; margin: 12mm; }}
body {{ font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif; margin: 0; }}
h1 {{ font-size: 14pt; text-align: center; }}
.sheet {{ display: grid; grid-template-columns: 1fr 1fr; gap: 6mm; }}
.ticket {{ border: 1px dashed #444; padding: 4mm; break-inside: avoid; height: 80mm; box-sizing: border-box; }}
.ticket h2 {{ font-size: 12pt; margin: 0 0 2mm; text-align: center; }}
.ticket img {{ float: right; width: 38mm; height: 38mm; }}
.ticket dl {{ display: grid; grid-template-columns: auto 1fr; gap: 1mm 3mm; font-size: 11pt; margin: 0; }}
.ticket dt {{ color: #555; }} .ticket dd {{ margin: 0; }} .code {{ font-family: monospace; font-weight: bold; }}
</style></head>
<body><h1>{html.escape(session_name)}</h1>
<div class="sheet">
{chr(10).join(cards)}
</div></body></html>
"""
