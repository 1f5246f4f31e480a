"""My sheets (examiner): the interview score sheets this examiner has submitted.

An examiner sees only counts and their own actions here, never another examiner's
sheet (DESIGN.md, rule 3).
"""

from __future__ import annotations

from .overview import OverviewScreen


class SheetsScreen(OverviewScreen):
    MODE = "sheets"
    INTRO = "sheets_intro"
    KINDS = ("sheet.submit", "sheet.withdraw", "sheet.confirm", "sheet.reject")
    PENDING_ACTIONS = frozenset({"sheet.correct"})
