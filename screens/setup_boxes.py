"""PLACEHOLDER: replaced by the step's own screen (issue 23)."""

from __future__ import annotations

from textual.app import ComposeResult

from jz_tui.services.session import Session

from .data import LedgerActivity
from .setup_step import SetupStepScreen


class BoxesScreen(SetupStepScreen):
    STEP = "boxes"

    def compose_step(self) -> ComposeResult:
        yield from ()

    def load(self, session: Session, activity: LedgerActivity) -> None:
        return None

    def show(self, snapshot: None) -> None:
        pass
