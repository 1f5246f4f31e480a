"""Projection of the scores: written scores, examiner sheets and their confirmations, announcements.

Data only: the declarations in jz_tui/events/scores.py say how each event changes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


SUBMITTED, CONFIRMED, REJECTED, WITHDRAWN = "submitted", "confirmed", "rejected", "withdrawn"


@dataclass
class Sheet:
    candidate: str
    examiner: str
    items: list[str]  # decimal strings, one per rubric item (one element: a total only)
    status: str
    submit_seq: int
    confirmed_by: str = ""
    reason: str = ""  # of a rejection, withdrawal or correction
    history: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Panel:
    """A panel of examiners (考官组): the whole session's (``posts`` empty) or some posts' (a room)."""

    id: str
    posts: list[str]
    members: list[str]  # as set or drawn, the chief (主考官) among them
    chief: str
    set_seq: int
    drawn: bool = False
    # examiners replaced mid-session, in order: {"examiner", "by", "reason", "seq"}
    replacements: list[dict[str, Any]] = field(default_factory=list)

    @property
    def current(self) -> list[str]:
        """The members now, every replacement made."""
        members = list(self.members)
        for r in self.replacements:
            if r["examiner"] in members:
                members[members.index(r["examiner"])] = r["by"]
        return members

    @property
    def current_chief(self) -> str:
        chief = self.chief
        for r in self.replacements:
            if r["examiner"] == chief:
                chief = r["by"]
        return chief


@dataclass
class PanelDraw:
    """A committed draw of panels: each panel's posts, chief and size, the pool drawn from."""

    seed_hash: str
    panels: list[dict[str, Any]]  # {"panel", "posts", "chief", "size"}
    pool: list[str]
    commit_seq: int
    seed: str | None = None
    reveal_seq: int | None = None


class ScoringState:
    def __init__(self) -> None:
        self.stage_scores: dict[str, dict[str, str]] = {}  # imported stages (written, ...) -> code -> score
        self.stage_subscores: dict[str, dict[str, dict[str, str]]] = {}  # stage -> code -> part (申论) -> score
        self.extra: dict[str, dict[str, str]] = {}  # post -> code -> 加试 score (a tie at the cut settled)
        self.sheets: dict[tuple[str, str], Sheet] = {}  # (candidate, examiner) -> sheet
        self._by_candidate: dict[str, dict[str, Sheet]] = {}  # the same sheets, by candidate: boards ask per row
        self.announced: dict[str, dict[str, Any]] = {}  # candidate -> the announcement as signed
        self.panels: dict[str, Panel] = {}  # panel id -> panel
        self.panel_of_post: dict[str, str] = {}  # post -> its panel's id (a session-wide panel has no posts)
        self.panel_draw: PanelDraw | None = None  # the last committed draw of panels
        self.recused: dict[tuple[str, str], str] = {}  # (candidate, examiner) -> the reason (回避, co-signed)

    def sheets_of(self, candidate: str) -> list[Sheet]:
        by_examiner = self._by_candidate.get(candidate, {})
        return [by_examiner[examiner] for examiner in sorted(by_examiner)]

    @property
    def written(self) -> dict[str, str]:
        return self.stage_scores.get("written", {})

    def put(self, sheet: Sheet) -> None:
        self.sheets[(sheet.candidate, sheet.examiner)] = sheet
        self._by_candidate.setdefault(sheet.candidate, {})[sheet.examiner] = sheet
