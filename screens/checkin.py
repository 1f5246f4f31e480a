"""Check-in (clerk, admin): candidates arriving at the hall, and the interview-order draws."""

from __future__ import annotations

from .overview import OverviewScreen


class CheckinScreen(OverviewScreen):
    MODE = "checkin"
    INTRO = "checkin_intro"
    KINDS = ("checkin.accept", "checkin.refuse", "checkin.absent", "draw.commit", "draw.reveal")
    PENDING_ACTIONS = frozenset({"checkin.undo"})
