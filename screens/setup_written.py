"""Setup step: the written-exam scores imported from the exam office's spreadsheet (admin),
previewed first.

The same reading and validation as ``jz written import`` (:func:`jz_tui.services.written.preview_written`),
then the same all-or-nothing append (:func:`jz_tui.services.written.import_previewed`). Scores
already imported are replaced only with a correction reason (``--correct REASON``), which
the preview takes into account. When the rules name another stage imported from a file
(``--stage``, e.g. 适岗评价), a choice of the stage appears.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Select

from jz_tui.i18n import t
from jz_tui.services import tabular, written
from jz_tui.services.config import current_rules
from jz_tui.services.ranking_table import stage_label
from jz_tui.services.session import Session

from .import_preview import ImportStepScreen
from .widgets import Plain


@dataclass(frozen=True)
class WrittenNow:
    candidates: int
    scored: tuple[tuple[str, str, int], ...]  # (stage, its name, candidates with a score) of each imported stage


class WrittenImportScreen(ImportStepScreen):
    STEP = "written"
    WHAT = "written"
    _reason_previewed = ""  # the correction reason the shown preview was made with
    _stage_previewed = "written"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._stages: tuple[tuple[str, str, int], ...] = ()
        self._state: WrittenNow | None = None

    def compose_options(self) -> ComposeResult:
        with Horizontal(classes="import-field", id="import-stage-row"):
            yield Plain(t("import_stage_label"), classes="import-label")
            yield Select([], allow_blank=True, id="import-stage", compact=True)
        with Horizontal(classes="import-field"):
            yield Plain(t("import_reason_label"), classes="import-label")
            yield Input(placeholder=t("import_reason_placeholder"), id="import-reason", compact=True)

    def _reason(self) -> str:
        return self.query_one("#import-reason", Input).value.strip()

    def _stage(self) -> str:
        value = self.query_one("#import-stage", Select).value
        return value if isinstance(value, str) else "written"

    def load_state(self, session: Session) -> WrittenNow:
        state = session.state
        rules = current_rules(session)
        candidates = [c for c in state.roster.candidates.values() if c.withdrawn is None]
        scored = []
        for stage in written.importable_stages(session):
            scores = state.scoring.stage_scores.get(stage, {})
            scored.append((stage, stage_label(stage, rules=rules), sum(1 for c in candidates if c.code in scores)))
        return WrittenNow(len(candidates), tuple(scored))

    def state_line(self, snapshot: WrittenNow) -> str:
        self._state = snapshot
        stages = tuple((stage, name, count) for stage, name, count in snapshot.scored)
        if [s[:2] for s in stages] != [s[:2] for s in self._stages]:
            choice = self.query_one("#import-stage", Select)
            current = self._stage()
            choice.set_options([(name, stage) for stage, name, _ in stages])
            if any(stage == current for stage, _, _ in stages):
                choice.value = current
            elif stages:
                choice.value = "written" if any(s[0] == "written" for s in stages) else stages[0][0]
        self._stages = stages
        self.query_one("#import-stage-row").display = len(stages) > 1
        return self._stage_line()

    def _stage_line(self) -> str:
        snapshot = self._state
        if snapshot is None:
            return ""
        stage = self._stage()
        found = next(((name, count) for s, name, count in snapshot.scored if s == stage), None)
        if found is None:
            return t("import_state_written", scored=0, candidates=snapshot.candidates)
        if stage == "written":
            return t("import_state_written", scored=found[1], candidates=snapshot.candidates)
        return t("import_state_stage", stage=found[0], scored=found[1], candidates=snapshot.candidates)

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "import-stage":
            event.stop()
            self.query_one("#import-state", Plain).update(self._stage_line())
            self._preview = None  # previewed for another stage
            self.refresh_bindings()

    def action_preview(self) -> None:
        self._reason_previewed = self._reason()
        self._stage_previewed = self._stage()
        super().action_preview()

    def preview_file(self, session: Session, path: str) -> tabular.Preview:
        return written.preview_written(session, path, self._reason_previewed, self._stage_previewed)

    def import_file(self, session: Session, preview: tabular.Preview) -> str:
        scores = written.import_previewed(session, preview, self._reason_previewed, self._stage_previewed)
        return t("written_imported", count=len(scores))
