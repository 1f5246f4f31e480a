"""Drawing a printed form (:class:`jz_tui.services.paper.Form`) as an A4 PDF with reportlab.

Chinese is set in a TrueType font with Chinese and Latin glyphs when the machine has one
(WenQuanYi Micro Hei, or another of :data:`EMBEDDABLE`), embedded as a subset: the paper
then prints the same on any computer. Without one it falls back to reportlab's built-in CID
font STSong-Light (Adobe-GB1), which the PDF only names: the computer that prints it must
supply a Chinese font. Either way the text stays extractable (``pdftotext`` reads it back).

Text is broken into lines here (:func:`wrap_text`), by the rules of Chinese typesetting (禁则):
a line never begins with a closing or continuing mark (、，。）：…) nor ends with an opening
one (（“); Latin words break only at spaces. Tables are drawn with ruled cells; a column
header is never broken inside a word: a narrow column is widened (from the others' spare
width) or, when the page is too narrow for every header, the header row set smaller. A cell
holding :data:`paper.BOX` becomes an empty square to tick. A record's QR code is drawn as
vectors (reportlab's QR widget), beside its fingerprint and ledger head.

Every page of a form is laid out to fit one sheet (:func:`paginate`): a page too long is
split at its longest table, the header repeated and each sheet numbered, its signatures,
seal and footer on the last sheet together with at least one row. The form drawn is the
paginated one, so the number of pages said is the number printed.
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Frame, PageBreak, Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as RLTable

from jz_tui.i18n import t
from jz_tui.services.paper import BOX, Form, Page, Table

BUILT_IN_FONT = "STSong-Light"
EMBEDDED_FONT = "jz-cjk"
# TrueType fonts with both Chinese and Latin glyphs (reportlab embeds TrueType outlines only)
EMBEDDABLE = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "C:/Windows/Fonts/simsun.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
)
MARGIN = 15 * mm
QR_SIZE = 40 * mm
FRAME_PADDING = 6  # reportlab's default padding inside the page's frame, on each side
CELL_PADDING = 6  # reportlab's default padding inside a table cell, left and right
HEAD_SIZES = (9.5, 9, 8.5, 8, 7.5, 7, 6.5)  # a header row is set smaller only when its words need it
SLACK = 0.5  # points left free on a wrapped line: reportlab never breaks it again

# 禁则: marks that never begin a line (closing brackets and quotes, pauses and stops, small
# kana, iteration and prolonged marks, and their Latin kin) and marks that never end one
CANNOT_START = frozenset(
    "、，。．・：；？！）］｝〕〉》」』】〙〗〟’”»›ゝゞヽヾーァィゥェォッャュョヮヵヶぁぃぅぇぉっゃゅょゎゕゖ々〻"
    "‐゠–〜～…‥,.:;?!)]}%‰℃°′″"
)
CANNOT_END = frozenset("（［｛〔〈《「『【〘〖〝‘“«‹([{")


# ---------------------------------------------------------------------- fonts


def embedded_font_path() -> Path | None:
    """The first Chinese TrueType font here, or None (``JZ_PDF_FONT`` names one explicitly)."""
    chosen = os.environ.get("JZ_PDF_FONT")
    candidates = [chosen] if chosen else list(EMBEDDABLE)
    return next((Path(c) for c in candidates if Path(c).is_file()), None)


def font_name() -> str:
    """The font the forms are set in, registered with reportlab."""
    registered = pdfmetrics.getRegisteredFontNames()
    path = embedded_font_path()
    if path is None:
        if BUILT_IN_FONT not in registered:
            pdfmetrics.registerFont(UnicodeCIDFont(BUILT_IN_FONT))
        return BUILT_IN_FONT
    name = f"{EMBEDDED_FONT}-{path.stem}"
    if name not in registered:
        pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=0))
    return name


def _styles() -> dict[str, ParagraphStyle]:
    font = font_name()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=18, leading=24, alignment=1, spaceAfter=4 * mm),
        "line": ParagraphStyle("line", fontName=font, fontSize=11, leading=16),
        "text": ParagraphStyle("text", fontName=font, fontSize=10, leading=15, spaceBefore=2 * mm,
                               spaceAfter=2 * mm),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=9.5, leading=12),
        "head": ParagraphStyle("head", fontName=font, fontSize=9.5, leading=12, alignment=1),
        "small": ParagraphStyle("small", fontName=font, fontSize=8, leading=11),
        "sign": ParagraphStyle("sign", fontName=font, fontSize=11, leading=16),
    }


# ---------------------------------------------------------------------- breaking lines (禁则)


_OTHER_SPACE = re.compile(r"[^\S\n]")


def _wide(ch: str) -> bool:
    """A character set on its own (Chinese, Japanese, full-width marks): a line may break beside it."""
    return unicodedata.east_asian_width(ch) in ("W", "F")


class _Breaks:
    """Where one line of text (no newline) may break: between CJK characters, at spaces, never
    inside a Latin word, never before a mark of :data:`CANNOT_START` nor after one of
    :data:`CANNOT_END` (``words``: only at spaces, for a header)."""

    def __init__(self, text: str, font: str, size: float, words: bool = False) -> None:
        self.text, self.words = text, words
        n = len(text)
        self.prefix = [0.0] * (n + 1)
        for i, ch in enumerate(text):
            self.prefix[i + 1] = self.prefix[i] + pdfmetrics.stringWidth(ch, font, size)
        # the end of the text before i without its trailing spaces; the first non-space from i
        self.before = [0] * (n + 1)
        for i in range(1, n + 1):
            self.before[i] = i if text[i - 1] != " " else self.before[i - 1]
        self.after = [n] * (n + 1)
        for i in range(n - 1, -1, -1):
            self.after[i] = i if text[i] != " " else self.after[i + 1]

    def width(self, start: int, end: int) -> float:
        """The width of text[start:end] without its trailing spaces (``start`` is not a space)."""
        return self.prefix[max(start, self.before[end])] - self.prefix[start]

    def kinsoku(self, i: int) -> bool:
        """Whether a line may end before i and the next begin after the spaces there."""
        left, right = self.before[i], self.after[i]
        return (0 < left and right < len(self.text) and self.text[left - 1] not in CANNOT_END
                and self.text[right] not in CANNOT_START)

    def allowed(self, i: int) -> bool:
        """Whether the text may break before i."""
        a, b = self.text[i - 1], self.text[i]
        if a == " " or b == " ":
            return self.kinsoku(i)
        return not self.words and (_wide(a) or _wide(b)) and self.kinsoku(i)


def wrap_text(text: str, width: float, font: str, size: float, words: bool = False) -> list[str]:
    """``text`` broken into lines no wider than ``width`` points (newlines kept), by 禁则.

    A line breaks at the last place allowed that fits; a word wider than the line (a long
    code, a run of marks) is broken where 禁则 still allows it, else where it must."""
    lines: list[str] = []
    for part in _OTHER_SPACE.sub(" ", text).split("\n"):  # a tab is a space, as reportlab sets it
        lines += _wrap_one(part, width, font, size, words) or [""]
    return lines if any(lines) else []


def _wrap_one(text: str, width: float, font: str, size: float, words: bool) -> list[str]:
    breaks = _Breaks(text, font, size, words)
    n, lines, start = len(text), [], 0
    while True:
        start = breaks.after[start]
        if start >= n:
            return lines
        if breaks.width(start, n) <= width:
            lines.append(text[start:n].rstrip())
            return lines
        best = forced = fits = None
        for i in range(start + 1, n):
            if breaks.width(start, i) > width:
                break
            fits = i
            if breaks.allowed(i):
                best = i
            elif text[i - 1] != " " and text[i] != " " and breaks.kinsoku(i):
                forced = i  # inside a word: only when no break allowed fits
        cut = best or forced or fits or start + 1
        lines.append(text[start:cut].rstrip())
        start = cut


def widest_unit(text: str, font: str, size: float, words: bool = False) -> float:
    """The width of the widest piece of ``text`` no line break may cut (a word, a mark with
    the character it holds on to)."""
    widest = 0.0
    for part in _OTHER_SPACE.sub(" ", text).split("\n"):
        breaks = _Breaks(part, font, size, words)
        start = breaks.after[0]
        for i in range(start + 1, len(part) + 1):
            if i == len(part) or breaks.allowed(i):
                if start < len(part):
                    widest = max(widest, breaks.width(start, i))
                start = breaks.after[i] if i < len(part) else i
    return widest


class Text(Paragraph):
    """A paragraph broken into lines by :func:`wrap_text` at the width it is laid out in."""

    def __init__(self, text: str | None, style: ParagraphStyle, bulletText: str | None = None,  # noqa: N803
                 frags: list | None = None, words: bool = False, **kwargs) -> None:
        self.plain = None if frags is not None else (text or "")
        self.words = words
        self._laid_out_at: float | None = None
        super().__init__(self._markup([self.plain]) if self.plain is not None else text, style,
                         bulletText=bulletText, frags=frags, **kwargs)

    @staticmethod
    def _markup(lines: list[str]) -> str:
        return "<br/>".join(escape(line) for line in lines)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        if self.plain is not None and self._laid_out_at != availWidth:
            lines = wrap_text(self.plain, availWidth - SLACK, self.style.fontName, self.style.fontSize,
                              self.words)
            plain, words = self.plain, self.words
            super().__init__(self._markup(lines), self.style)
            self.plain, self.words, self._laid_out_at = plain, words, availWidth
        return super().wrap(availWidth, availHeight)


# ---------------------------------------------------------------------- tables


@dataclasses.dataclass
class _Part(Table):
    """A table's rows on one sheet, in the columns and header size of the whole table."""

    head_size: float = 0


def _box() -> Drawing:
    drawing = Drawing(5 * mm, 5 * mm)
    drawing.add(Rect(0, 0, 5 * mm, 5 * mm, strokeColor=colors.black, fillColor=None, strokeWidth=0.8))
    return drawing


def column_widths(table: Table, width: float, font: str, cell_size: float = 9.5) -> tuple[list[float], float]:
    """The columns' widths in points and the header's font size.

    The columns keep the table's proportions where every header word fits whole (and, when
    there is room, every code or figure of the rows); a column too narrow is widened, the
    others giving from their spare width; only when the page is too narrow for that is the
    header row set smaller."""
    total = sum(table.widths)
    share = [width * w / total for w in table.widths]
    if isinstance(table, _Part) and table.head_size:
        return share, table.head_size
    pad = 2 * CELL_PADDING + SLACK + 0.5
    body = []
    for i, part in enumerate(share):
        cells = [row[i] for row in table.rows if i < len(row)]
        need = max((5 * mm if cell == BOX else widest_unit(cell, font, cell_size) for cell in cells), default=0)
        body.append(min(need + pad, 2 * part))

    def header(size: float) -> list[float]:
        return [widest_unit(h, font, size, words=True) + pad for h in table.header]

    for with_body in (True, False):
        for size in HEAD_SIZES:
            need = [max(h, b) if with_body else h for h, b in zip(header(size), body, strict=True)]
            if sum(need) <= width:
                return _fill(share, need, width), size
    return share, HEAD_SIZES[-1]


def _fill(share: list[float], need: list[float], width: float) -> list[float]:
    """``share`` rescaled to ``width``, every column at least its ``need`` (their sum fits)."""
    fixed: dict[int, float] = {}
    while True:
        free = [i for i in range(len(share)) if i not in fixed]
        room = width - sum(fixed.values())
        if not free or sum(share[i] for i in free) <= 0:
            spare = (width - sum(need)) / len(need)
            return [n + spare for n in need]
        scale = room / sum(share[i] for i in free)
        short = [i for i in free if share[i] * scale < need[i]]
        if not short:
            return [fixed.get(i, share[i] * scale) for i in range(len(share))]
        for i in short:
            fixed[i] = need[i]


def _table(table: Table, width: float, styles: dict[str, ParagraphStyle]) -> RLTable:
    widths, size = column_widths(table, width, styles["cell"].fontName)
    head = ParagraphStyle("head-fitted", parent=styles["head"], fontSize=size, leading=size + 2.5)
    data = [[Text(h, head, words=True) for h in table.header]]
    for row in table.rows:
        data.append([_box() if cell == BOX else Text(cell, styles["cell"]) for cell in row])
    heights = [None] + [table.height or None] * len(table.rows)
    result = RLTable(data, colWidths=widths, rowHeights=heights, repeatRows=1)
    result.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return result


def _qr(text: str) -> Drawing:
    widget = QrCodeWidget(text, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(QR_SIZE, QR_SIZE, transform=[QR_SIZE / (x1 - x0), 0, 0, QR_SIZE / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def _signatures(labels: list[str], width: float, styles: dict[str, ParagraphStyle]) -> RLTable:
    cells = [Text(label + "  ________________", styles["sign"]) for label in labels]
    rows = [cells[i:i + 2] + [""] * (2 - len(cells[i:i + 2])) for i in range(0, len(cells), 2)]
    table = RLTable(rows, colWidths=[width / 2] * 2)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                               ("TOPPADDING", (0, 0), (-1, -1), 12 * mm - styles["sign"].leading)]))
    return table


def _footer(page: Page, width: float, styles: dict[str, ParagraphStyle]) -> RLTable:
    text = [Text(line, styles["small"]) for line in page.footer]
    if not page.qr:
        return RLTable([[text]], colWidths=[width])
    table = RLTable([[_qr(page.qr), text]], colWidths=[QR_SIZE + 4 * mm, width - QR_SIZE - 4 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table


# ---------------------------------------------------------------------- pages


def _size(form: Form) -> tuple[float, float]:
    return landscape(A4) if form.landscape else A4


def _frame(size: tuple[float, float]) -> Frame:
    """The frame of a page, as :class:`SimpleDocTemplate` makes it."""
    return Frame(MARGIN, MARGIN, size[0] - 2 * MARGIN, size[1] - 2 * MARGIN)


def _flowables(page: Page, width: float, styles: dict[str, ParagraphStyle]) -> list:
    story: list = [Text(page.title, styles["title"])]
    story += [Text(line, styles["line"]) for line in page.lines]
    story.append(Spacer(1, 3 * mm))
    for block in page.blocks:
        story.append(Text(block, styles["text"]) if isinstance(block, str) else _table(block, width, styles))
    if page.signatures:
        story += [Spacer(1, 4 * mm), _signatures(page.signatures, width, styles)]
    if page.footer or page.qr:
        story += [Spacer(1, 5 * mm), _footer(page, width, styles)]
    return story


class _Layout:
    def __init__(self, form: Form) -> None:
        self.size = _size(form)
        self.width = self.size[0] - 2 * MARGIN - 2 * FRAME_PADDING
        self.styles = _styles()

    def fits(self, page: Page) -> bool:
        """Whether the page, drawn from the top of a sheet, ends on that sheet."""
        frame, canvas = _frame(self.size), Canvas(io.BytesIO(), pagesize=self.size)
        return all(frame.add(flowable, canvas) for flowable in _flowables(page, self.width, self.styles))

    def split(self, page: Page) -> list[Page]:
        """The page as sheets: itself when it fits, else its longest table's rows over several,
        the last with at least one row, the signatures and the footer."""
        if self.fits(page):
            return [page]
        tables = [i for i, block in enumerate(page.blocks) if isinstance(block, Table)]
        if not tables:
            return [page]
        at = max(tables, key=lambda i: len(page.blocks[i].rows))
        table = page.blocks[at]
        rows = table.rows
        if len(rows) < 2:
            return [page]
        widths, head_size = column_widths(table, self.width, self.styles["cell"].fontName)
        whole = _Part(table.header, rows, widths, table.height, head_size)

        def sheet(first: int, end: int, number: int = 99, count: int = 99, last: bool | None = None) -> Page:
            last = end == len(rows) if last is None else last
            blocks = [*(page.blocks[:at] if first == 0 else []), dataclasses.replace(whole, rows=rows[first:end]),
                      *(page.blocks[at + 1:] if last else [])]
            return Page(page.title, [*page.lines, t("paper_page", page=number, pages=count)], blocks,
                        page.signatures if last else [], page.footer if last else [], page.qr if last else "")

        cuts, first = [], 0
        while len(rows) - first > 1:
            rest, start = len(rows) - first, first
            guess = cuts[-1] - (cuts[-2] if len(cuts) > 1 else 0) if cuts else 1  # as many as the sheet before
            most = _most(lambda k: self.fits(sheet(start, start + k, last=False)), rest, guess)
            if most >= rest:  # the rest fits on a sheet: with the ending too?
                if self.fits(sheet(first, len(rows))):
                    break
                most = rest - 1  # one row at least goes with the ending
            first += max(most, 1)
            cuts.append(first)
        if cuts:  # the last sheet takes rows from the one before, up to half of theirs, while they fit
            before = cuts[-2] if len(cuts) > 1 else 0
            low, high = max(before + 1, (before + len(rows) + 1) // 2), cuts[-1]
            while low < high:
                middle = (low + high) // 2
                if self.fits(sheet(middle, len(rows), 99, 99)):
                    high = middle
                else:
                    low = middle + 1
            cuts[-1] = low
        bounds = [0, *cuts, len(rows)]
        return [sheet(a, b, number, len(bounds) - 1)
                for number, (a, b) in enumerate(zip(bounds, bounds[1:]), start=1)]


def _most(fits, limit: int, guess: int) -> int:
    """The largest k <= ``limit`` with ``fits(k)`` (0 if none; ``fits`` is true up to some k, then
    false), probed from ``guess`` upwards in growing steps, then halved."""
    low, high = 0, limit + 1  # fits(low) holds (or low is 0), fits(high) does not (or high is past the limit)
    probe, step, growing = min(max(guess, 1), limit), 1, True
    while high - low > 1:
        if fits(probe):
            low = probe
        else:
            high, growing = probe, False
        if growing:
            probe, step = min(low + step, limit + 1), step * 2
            if probe > limit:
                return low
        else:
            probe = (low + high) // 2
    return low


def paginate(form: Form) -> Form:
    """The form with every page laid out to fit one sheet (see the module's notes)."""
    layout = _Layout(form)
    done: dict[int, list[Page]] = {}  # the copies of a ballot are one page, laid out once
    pages: list[Page] = []
    for page in form.pages:
        if id(page) not in done:
            done[id(page)] = layout.split(page)
        pages += done[id(page)]
    return dataclasses.replace(form, pages=pages)


def _story(form: Form, layout: _Layout) -> Iterator:
    for number, page in enumerate(form.pages):
        if number:
            yield PageBreak()
        yield from _flowables(page, layout.width, layout.styles)


def draw(form: Form, out: Path) -> Form:
    """Write the form into ``out`` (through a temporary file beside it, so a failure leaves no
    half PDF); the form as drawn, one page a sheet, is returned."""
    form = paginate(form)
    layout = _Layout(form)
    out = Path(out)
    handle, temporary = tempfile.mkstemp(suffix=".pdf", dir=out.parent if str(out.parent) else ".")
    os.close(handle)
    try:
        document = SimpleDocTemplate(temporary, pagesize=layout.size, leftMargin=MARGIN, rightMargin=MARGIN,
                                     topMargin=MARGIN, bottomMargin=MARGIN, title=form.title, author="jz",
                                     creator="jz", subject=form.kind)
        document.build(list(_story(form, layout)))
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return form
