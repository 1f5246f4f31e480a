"""Drawing a printed form (:class:`jz_tui.services.paper.Form`) as an A4 PDF with reportlab.

Chinese is set in a TrueType font with Chinese and Latin glyphs when the machine has one
(WenQuanYi Micro Hei, or another of :data:`EMBEDDABLE`), embedded as a subset: the paper
then prints the same on any computer. Without one it falls back to reportlab's built-in CID
font STSong-Light (Adobe-GB1), which the PDF only names: the computer that prints it must
supply a Chinese font. Either way the text stays extractable (``pdftotext`` reads it back). Tables are drawn with ruled cells; a cell
holding :data:`paper.BOX` becomes an empty square to tick. A record's QR code is drawn
as vectors (reportlab's QR widget), beside its fingerprint and ledger head.
"""

from __future__ import annotations

import os
import tempfile
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
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as RLTable

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


def embedded_font_path() -> Path | None:
    """The first Chinese TrueType font here, or None (``JZ_PDF_FONT`` names one explicitly)."""
    chosen = os.environ.get("JZ_PDF_FONT")
    candidates = [chosen] if chosen else list(EMBEDDABLE)
    return next((Path(c) for c in candidates if Path(c).is_file()), None)


def _font() -> str:
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
    font = _font()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=18, leading=24, alignment=1, spaceAfter=4 * mm),
        "line": ParagraphStyle("line", fontName=font, fontSize=11, leading=16),
        "text": ParagraphStyle("text", fontName=font, fontSize=10, leading=15, spaceBefore=2 * mm,
                               spaceAfter=2 * mm),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=9.5, leading=12),
        "head": ParagraphStyle("head", fontName=font, fontSize=9.5, leading=12, alignment=1),
        "small": ParagraphStyle("small", fontName=font, fontSize=8, leading=11, wordWrap="CJK"),
        "sign": ParagraphStyle("sign", fontName=font, fontSize=11, leading=16),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _box() -> Drawing:
    drawing = Drawing(5 * mm, 5 * mm)
    drawing.add(Rect(0, 0, 5 * mm, 5 * mm, strokeColor=colors.black, fillColor=None, strokeWidth=0.8))
    return drawing


def _table(table: Table, width: float, styles: dict[str, ParagraphStyle]) -> RLTable:
    total = sum(table.widths)
    widths = [width * w / total for w in table.widths]
    data = [[_p(h, styles["head"]) for h in table.header]]
    for row in table.rows:
        data.append([_box() if cell == BOX else _p(cell, styles["cell"]) for cell in row])
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
    cells = [_p(label + "  ________________", styles["sign"]) for label in labels]
    rows = [cells[i:i + 2] + [""] * (2 - len(cells[i:i + 2])) for i in range(0, len(cells), 2)]
    table = RLTable(rows, colWidths=[width / 2] * 2, rowHeights=[12 * mm] * len(rows))
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    return table


def _footer(page: Page, width: float, styles: dict[str, ParagraphStyle]) -> RLTable:
    text = [_p(line, styles["small"]) for line in page.footer]
    if not page.qr:
        return RLTable([[text]], colWidths=[width])
    table = RLTable([[_qr(page.qr), text]], colWidths=[QR_SIZE + 4 * mm, width - QR_SIZE - 4 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table


def _story(form: Form, width: float) -> list:
    styles = _styles()
    story: list = []
    for number, page in enumerate(form.pages):
        if number:
            story.append(PageBreak())
        story.append(_p(page.title, styles["title"]))
        story += [_p(line, styles["line"]) for line in page.lines]
        story.append(Spacer(1, 3 * mm))
        for block in page.blocks:
            story.append(_p(block, styles["text"]) if isinstance(block, str) else _table(block, width, styles))
        ending = []
        if page.signatures:
            ending += [Spacer(1, 4 * mm), _signatures(page.signatures, width, styles)]
        if page.footer or page.qr:
            ending += [Spacer(1, 5 * mm), _footer(page, width, styles)]
        story.append(KeepTogether(ending))
    return story


def draw(form: Form, out: Path) -> None:
    """Write the form into ``out`` (through a temporary file beside it, so a failure leaves no half PDF)."""
    size = landscape(A4) if form.landscape else A4
    out = Path(out)
    handle, temporary = tempfile.mkstemp(suffix=".pdf", dir=out.parent if str(out.parent) else ".")
    os.close(handle)
    try:
        document = SimpleDocTemplate(temporary, pagesize=size, leftMargin=MARGIN, rightMargin=MARGIN,
                                     topMargin=MARGIN, bottomMargin=MARGIN, title=form.title, author="jz",
                                     creator="jz", subject=form.kind)
        document.build(_story(form, size[0] - 2 * MARGIN))
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
