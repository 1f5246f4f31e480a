"""Setup step: the written-exam scores imported from the exam office's spreadsheet (admin),
previewed first.

The same reading and validation as ``jz written import`` (:func:`jz_tui.services.written.preview_written`),
then the same all-or-nothing append (:func:`jz_tui.services.written.import_previewed`). Scores
already imported are replaced only with a correction reason (``--correct REASON``), which
the preview takes into account.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input

from jz_tui.i18n import t
from jz_tui.services import tabular, written
from jz_tui.services.session import Session

from .import_preview import ImportStepScreen
from .widgets import Plain


@dataclass(frozen=True)
class WrittenNow:
    candidates: int
    scored: int


class WrittenImportScreen(ImportStepScreen):
    STEP = "written"
    WHAT = "written"
    _reason_previewed = ""  # the correction reason the shown preview was made with

    def compose_options(self) -> ComposeResult:
        with Horizontal(classes="import-field"):
            yield Plain(t("import_reason_label"), classes="import-label")
            yield Input(placeholder=t("import_reason_placeholder"), id="import-reason", compact=True)

    def _reason(self) -> str:
        return self.query_one("#import-reason", Input).value.strip()

    def load_state(self, session: Session) -> WrittenNow:
        state = session.state
        candidates = [c for c in state.roster.candidates.values() if c.withdrawn is None]
        scores = state.scoring.stage_scores.get("written", {})
        return WrittenNow(len(candidates), sum(1 for c in candidates if c.code in scores))

    def state_line(self, snapshot: WrittenNow) -> str:
        return t("import_state_written", scored=snapshot.scored, candidates=snapshot.candidates)

    def action_preview(self) -> None:
        self._reason_previewed = self._reason()
        super().action_preview()

    def preview_file(self, session: Session, path: str) -> tabular.Preview:
        return written.preview_written(session, path, self._reason_previewed)

    def import_file(self, session: Session, preview: tabular.Preview) -> str:
        scores = written.import_previewed(session, preview, self._reason_previewed)
        return t("written_imported", count=len(scores))
