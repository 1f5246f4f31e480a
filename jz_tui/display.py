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
from collections.abc import Collection, Iterable, Sequence

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


# ---------------------------------------------------------------------- text tables


def cells(text: str) -> int:
    """How many terminal cells ``text`` takes (a Chinese character two), as the screens measure."""
    from rich.cells import cell_len  # noqa: PLC0415 - rich comes with Textual; only tables need it

    return cell_len(text)


def pad(text: str, width: int, *, right: bool = False) -> str:
    """``text`` filled with spaces to ``width`` cells, on the right (or on the left: a number)."""
    fill = " " * max(0, width - cells(text))
    return fill + text if right else text + fill


def text_table(header: Sequence[str], rows: Iterable[Sequence[object]], *, right: Collection[int] = (),
               indent: str = "", gap: str = "  ") -> list[str]:
    """The lines of a table for a terminal or a log: a header row, then ``rows``, every column
    starting at the same cell whatever the width of the names in it (padded by display width,
    not by characters). Columns in ``right`` (numbers) are aligned on the right; every cell is
    shown through :func:`shown`; trailing spaces are dropped."""
    table = [[shown(cell) for cell in header], *([shown("" if cell is None else cell) for cell in row] for row in rows)]
    widths = [max(cells(row[i]) for row in table if i < len(row)) for i in range(len(header))]
    return [(indent + gap.join(pad(cell, widths[i], right=i in right) for i, cell in enumerate(row))).rstrip()
            for row in table]


NO_LINE_START = "，。、；：？！）》」』”’,.;:?!)]}"


def wrapped(text: str, width: int) -> list[str]:
    """``text`` broken into lines of at most ``width`` cells: between Chinese characters anywhere,
    between Latin words only at spaces (a word longer than a line is cut)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for token in re.findall(r"[!-~]+ *| +|[^!-~ ] *", paragraph):  # a Latin word, or one other character
            if line and cells(line + token.rstrip()) > width:
                carried = ""
                if token[0] in NO_LINE_START and len(line.rstrip()) > 1:  # ）。， never start a line
                    line, carried = line.rstrip()[:-1], line.rstrip()[-1]
                lines.append(line.rstrip())
                line = carried + token.lstrip()
            else:
                line += token
            while cells(line.rstrip()) > width:  # one word longer than the column: cut it
                cut = next(i for i in range(len(line), 0, -1) if cells(line[:i]) <= width)
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line.rstrip())
    return lines
