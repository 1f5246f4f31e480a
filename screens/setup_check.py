"""The readiness check (admin, the setup hub's last step): what would stop the session.

Each problem :func:`jz_tui.services.readiness.problems` finds is one row, a plain sentence
naming the post, box, panel or role, the ones that stop the session first; none at all and
the screen says ready, in green. The list is live: fix something in another step (or
another terminal) and it goes. ``jz check`` prints the same list.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import VerticalScroll

from jz_tui.i18n import t
from jz_tui.services import readiness
from jz_tui.services.session import Session

from .data import LedgerActivity
from .setup_step import SetupStepScreen
from .widgets import Plain


@dataclass(frozen=True)
class CheckSnapshot:
    problems: tuple[tuple[bool, str], ...]  # (stops, the sentence)
    stops: int


class ReadinessScreen(SetupStepScreen):
    STEP = "check"
    CSS_PATH = ["setup.tcss", "setup_check.tcss"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple[tuple[bool, str], ...] | None = None

    def compose_step(self) -> ComposeResult:
        yield Plain(t("ready_intro"), classes="intro")
        yield Plain("", id="ready-verdict")
        yield VerticalScroll(id="ready-problems")  # one wrapped sentence each: they are long

    def on_mount(self) -> None:
        self.query_one("#ready-problems", VerticalScroll).focus()

    def load(self, session: Session, activity: LedgerActivity) -> CheckSnapshot:
        found = readiness.problems(session.state)
        return CheckSnapshot(tuple((p.stops, readiness.text(p)) for p in found), readiness.stops(found))

    def show(self, snapshot: CheckSnapshot) -> None:
        stops = snapshot.stops
        verdict = self.query_one("#ready-verdict", Plain)
        verdict.update(t("ready_all_clear") if not snapshot.problems else
                       t("ready_summary", stops=stops, warnings=len(snapshot.problems) - stops))
        verdict.set_class(stops == 0, "-ready")
        verdict.set_class(stops > 0, "-stopped")
        if snapshot.problems == self._shown:
            return  # unchanged: the list keeps its scroll position
        self._shown = snapshot.problems
        listing = self.query_one("#ready-problems", VerticalScroll)
        listing.remove_children()
        listing.mount_all(
            Plain(f"{t('ready_severity_stop') if stop else t('ready_severity_warn')}  {sentence}",
                  classes="problem -stop" if stop else "problem -warn")
            for stop, sentence in snapshot.problems
        )
