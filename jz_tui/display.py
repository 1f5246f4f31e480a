"""Text from the file, made harmless to show: the one place control characters are escaped.

Anything read from a vault, an export or a roster may have been written by someone else
(an insider with write access, a copied file edited): a user name, the ledger's actor
column, a reason, a note, a hall or terminal name. Shown as stored, a carriage return, an
ANSI escape or a bidi override can rewrite what a terminal, a log or a spreadsheet shows (a
failing ``jz verify`` drawn over with "Verified: ..."). Every such string is shown through
:func:`shown`: C0 and C1 controls, DEL, the bidi embeddings, overrides and isolates, and
the line and paragraph separators become visible escapes (``\\x1b``, ``\\u202e``).

:func:`t` escapes every message parameter with it; the commands' output (``emit``), the log,
the user list and the exports use it on what they print or write themselves.
"""

from __future__ import annotations

import re

# C0 (but see ``keep``), DEL, C1; bidi marks, embeddings, overrides and isolates; line and
# paragraph separators; the BOM / zero-width no-break space.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
_UNSAFE_BUT_LINES = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def shown(value: object) -> str:
    """``value`` as text, every control character escaped (newlines too: one value, one line)."""
    text = value if isinstance(value, str) else str(value)
    return _UNSAFE.sub(_escape, text)


def shown_lines(text: str) -> str:
    """A whole output of several lines: every control character escaped but the newline."""
    return _UNSAFE_BUT_LINES.sub(_escape, text)


def shown_json(text: str) -> str:
    """Dumped JSON (``ensure_ascii=False``) with every control character as a JSON ``\\u`` escape
    of four hex digits.

    ``json.dumps`` escapes C0 already but leaves DEL, C1 and bidi controls as they are; outside
    strings JSON is plain ASCII, so the result is the same data, safe to print.
    """
    return _UNSAFE_BUT_LINES.sub(_json_escape, text)  # a raw newline in dumped JSON is layout


def is_safe(text: str) -> bool:
    """No character :func:`shown` would escape."""
    return _UNSAFE.search(text) is None
