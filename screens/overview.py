"""A mode body made of what the ledger already records for that mode.

Each mode names the event kinds and pending actions that belong to it; the body shows
how many of those events the session holds (and how many are this user's), the open
pending actions among them, and this user's latest actions. A later issue that gives a
mode its real work (check-in, sheets, ballots ...) replaces ``compose_body``, ``load``
and ``show`` in that mode's module, or subclasses :class:`ModeScreen` directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Horizontal

from jz_tui.i18n import t
from jz_tui.services.session import Session

from .base import ModeScreen
from .data import ActivityRow, LedgerActivity, PendingRow, kind_counts, open_pending
from .widgets import (
    Plain,
    TablePanel,
    activity_panel,
    activity_rows,
    counts_panel,
    counts_rows,
    pending_panel,
    pending_rows,
)


@dataclass(frozen=True)
class Overview:
    counts: tuple[tuple[str, int, int], ...]
    pending: tuple[PendingRow, ...]
    activity: tuple[ActivityRow, ...]


class OverviewScreen(ModeScreen):
    """A mode's facts so far: its events, its open pending actions, my latest actions."""

    INTRO: ClassVar[str]  # catalogue key: one line saying what this mode is for
    KINDS: ClassVar[tuple[str, ...] | None]  # the event kinds of this mode, in order; None: every kind seen
    PENDING_ACTIONS: ClassVar[frozenset[str] | None]  # the pending actions of this mode; None: all
    EVERYONE: ClassVar[bool] = False  # the latest actions of everyone, rather than this user's

    def compose_body(self) -> ComposeResult:
        yield Plain(t(self.INTRO), classes="intro")
        with Horizontal(classes="panel-row"):
            yield counts_panel()
            yield pending_panel(t("app_panel_pending_mode"), t("app_pending_none"))
        if self.EVERYONE:
            yield activity_panel(t("app_panel_latest"), t("app_activity_none"), with_actor=True)
        else:
            yield activity_panel(t("app_panel_my_activity"), t("app_activity_none"), with_actor=False)

    def load(self, session: Session, activity: LedgerActivity) -> Overview:
        state = session.state
        return Overview(
            kind_counts(state, activity, self.KINDS),
            open_pending(state, self.PENDING_ACTIONS),
            activity.everyone(session) if self.EVERYONE else activity.mine(session),
        )

    def show(self, snapshot: Overview) -> None:
        self.query_one("#counts", TablePanel).show_rows(counts_rows(snapshot.counts))
        self.query_one("#pending", TablePanel).show_rows(pending_rows(snapshot.pending))
        self.query_one("#activity", TablePanel).show_rows(
            activity_rows(snapshot.activity, with_actor=self.EVERYONE, mask_time=self.context.mask_volatile),
            sort_by="seq", reverse=True,
        )
