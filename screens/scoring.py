"""Scoring (scorer): confirming examiner sheets, computing and announcing results."""

from __future__ import annotations

from .overview import OverviewScreen


class ScoringScreen(OverviewScreen):
    MODE = "scoring"
    INTRO = "scoring_intro"
    KINDS = ("written.import", "sheet.submit", "sheet.confirm", "sheet.reject")
    PENDING_ACTIONS = frozenset({"announce", "sheet.correct"})
