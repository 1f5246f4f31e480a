"""The hall's announcement (亮分) view: one candidate's signed result, in large type.

Shown once a supervisor has co-signed the announcement: the interview number, every
sheet total (the dropped ones say so in words, not only by colour), and the result.
Built from the announcement exactly as it was signed (``state.scoring.announced``), so
the hall sees what the ledger holds, nothing recomputed on screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rich.align import Align
from rich.console import RenderableType
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.renderables.digits import DIGITS
from textual.renderables.digits import Digits as DigitsRenderable
from textual.screen import Screen
from textual.widgets import Digits, Footer

from jz_tui.i18n import t

from .base import localise_bindings
from .widgets import Plain

HIGH, LOW = "high", "low"


@dataclass(frozen=True)
class AnnouncedSheet:
    examiner: str
    total: str
    dropped: str  # "", HIGH or LOW


@dataclass(frozen=True)
class AnnouncementView:
    number: str
    method: str  # "gymnastics" or "per_item"
    sheets: tuple[AnnouncedSheet, ...]
    result: str
    extremes_dropped: bool = True  # False when there were too few sheets to drop any


def announcement_view(params: Mapping[str, Any]) -> AnnouncementView:
    """The view of a signed announcement (the params of the ``announce`` pending action).

    ``dropped`` lists the examiners of the dropped sheets as the aggregation dropped them:
    the highest first, then the lowest (:func:`jz_tui.rules.scoring.gymnastics`).
    ``extremes_dropped`` is the aggregation's own word on whether anything was dropped; an
    announcement signed before it was recorded says so through ``dropped`` (gymnastics) or
    is taken to have dropped (per item, the only claim such a ledger ever made).
    """
    dropped = list(params.get("dropped", ()))
    marks = dict(zip(dropped, (HIGH, LOW), strict=False))
    sheets = tuple(AnnouncedSheet(s["examiner"], s["total"], marks.get(s["examiner"], ""))
                   for s in params.get("sheets", ()))
    method = params.get("method", "")
    extremes_dropped = params.get("extremes_dropped", bool(dropped) or method == "per_item")
    return AnnouncementView(params.get("number", params.get("candidate", "")), method,
                            sheets, params.get("result", ""), bool(extremes_dropped))


def dropped_text(dropped: str) -> str:
    """What a sheet's mark says in words: dropped as the highest, as the lowest, or counted."""
    return {HIGH: t("announce_view_dropped_high"), LOW: t("announce_view_dropped_low")}.get(
        dropped, t("announce_view_counted"))


def method_text(method: str, extremes_dropped: bool) -> str:
    """The method line, true to the sheets at hand: with too few, nothing was dropped."""
    if method == "per_item":
        return t("announce_view_method_per_item" if extremes_dropped else "announce_view_method_per_item_all")
    return t("announce_view_method_gymnastics" if extremes_dropped else "announce_view_method_gymnastics_all")


class _PlainDigitsRenderable(DigitsRenderable):
    # Textual draws "." as "•", which is East-Asian ambiguous width (two cells in a CJK
    # terminal, shifting every digit after it); a plain full stop keeps the columns.
    REPLACEMENTS = str.maketrans({})


class HallDigits(Digits):
    """Large 3x3 digits whose decimal point is a plain full stop."""

    def render(self) -> RenderableType:
        digits = _PlainDigitsRenderable(self.value, self.rich_style)
        align = self.styles.text_align
        return Align(digits, align if align in ("left", "center", "right") else "left", self.rich_style)


def big(text: str, *, id: str | None = None, classes: str = "") -> Digits | Plain:
    """``text`` in large digits when the 3x3 font has every character of it, else in bold type."""
    if all(ch in DIGITS or ch == "." for ch in text):
        return HallDigits(text, id=id, classes=f"big {classes}".strip())
    return Plain(text, id=id, classes=f"big -plain {classes}".strip())


class AnnouncementScreen(Screen[None]):
    """Pushed over the scorer's screen; Escape returns to it."""

    CSS_PATH = "announcement.tcss"
    BINDINGS = [Binding("escape,q", "close", "key_close", id="announcement-close", tooltip="tip_close")]

    def __init__(self, view: AnnouncementView) -> None:
        super().__init__()
        localise_bindings(self)
        self.view = view

    def compose(self) -> ComposeResult:
        view = self.view
        with Vertical(id="announce-view"):
            yield Plain(t("announce_view_title", number=view.number), id="announce-title")
            with Horizontal(id="announce-head"):
                with Vertical(classes="announce-box", id="announce-number-box"):
                    yield Plain(t("announce_view_number"), classes="announce-caption")
                    yield big(view.number, id="announce-number")
                with Vertical(classes="announce-box", id="announce-result-box"):
                    yield Plain(t("announce_view_result"), classes="announce-caption")
                    yield big(view.result, id="announce-result")
            yield Plain(method_text(view.method, view.extremes_dropped), id="announce-method")
            with Grid(id="announce-sheets"):
                for position, sheet in enumerate(view.sheets, start=1):
                    with Vertical(classes="announce-sheet -dropped" if sheet.dropped else "announce-sheet"):
                        yield Plain(t("announce_view_examiner", n=position, examiner=sheet.examiner),
                                    classes="announce-examiner")
                        yield big(sheet.total, classes="announce-total")
                        yield Plain(dropped_text(sheet.dropped), classes="announce-mark")
        yield Footer(compact=True)

    def action_close(self) -> None:
        self.dismiss()
