"""Setup step: the roster imported from the office's spreadsheet (admin), previewed first.

The same reading and validation as ``jz roster import`` (:func:`jz_tui.services.roster.preview_roster`),
then the same all-or-nothing append (:func:`jz_tui.services.roster.import_previewed`).
"""

from __future__ import annotations

from dataclasses import dataclass

from jz_tui.i18n import t
from jz_tui.services import roster, tabular
from jz_tui.services.session import Session

from .import_preview import ImportStepScreen


@dataclass(frozen=True)
class RosterNow:
    posts: int
    candidates: int


class RosterImportScreen(ImportStepScreen):
    STEP = "roster"
    WHAT = "roster"

    def load_state(self, session: Session) -> RosterNow:
        state = session.state.roster
        return RosterNow(len(state.posts), sum(1 for c in state.candidates.values() if c.withdrawn is None))

    def state_line(self, snapshot: RosterNow) -> str:
        return t("import_state_roster", posts=snapshot.posts, candidates=snapshot.candidates)

    def preview_file(self, session: Session, path: str) -> tabular.Preview:
        return roster.preview_roster(session, path)

    def import_file(self, session: Session, preview: tabular.Preview) -> str:
        body = roster.import_previewed(session, preview)
        return t("roster_imported", posts=len(body["posts"]), candidates=len(body["candidates"]))
