"""The board (supervisor, admin): the whole session at a glance, read-only and live.

Until the ranking exists, the board shows every kind of event recorded so far, every
open pending action, and the latest events of everyone.
"""

from __future__ import annotations

from .overview import OverviewScreen


class BoardScreen(OverviewScreen):
    MODE = "board"
    INTRO = "board_intro"
    KINDS = None
    PENDING_ACTIONS = None
    EVERYONE = True
