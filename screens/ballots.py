"""Ballot box (tally): opening the sealed box, entering paper ballots, closing the tally."""

from __future__ import annotations

from .overview import OverviewScreen


class BallotsScreen(OverviewScreen):
    MODE = "ballots"
    INTRO = "ballots_intro"
    KINDS = ("box.create", "box.open", "ballot.enter", "ballot.void")
    PENDING_ACTIONS = frozenset({"tally.override"})
