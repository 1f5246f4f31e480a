"""Session setup (admin): the preparation steps in order, each opened on its own screen.

The hub lists the steps a session is prepared in (rules, users, roster, tickets, written
scores, boxes and tokens, the readiness check) with one line of progress each, computed
by :mod:`jz_tui.services.setup_progress`; Enter or the step's number opens it. Below
stand the session file's facts and every action waiting for signatures.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable

from jz_tui.i18n import t
from jz_tui.services import setup_progress
from jz_tui.services.session import Session

from .base import ModeScreen
from .data import LedgerActivity, PendingRow, open_pending
from .setup_boxes import BoxesScreen
from .setup_check import ReadinessScreen
from .setup_roster import RosterImportScreen
from .setup_rules import RulesScreen
from .setup_step import SetupStepScreen
from .setup_tickets import TicketsScreen
from .setup_users import UsersScreen
from .setup_written import WrittenImportScreen
from .widgets import Plain, TablePanel, pending_panel, pending_rows

STEP_SCREENS: dict[str, type[SetupStepScreen]] = {
    "rules": RulesScreen,
    "users": UsersScreen,
    "roster": RosterImportScreen,
    "tickets": TicketsScreen,
    "written": WrittenImportScreen,
    "boxes": BoxesScreen,
    "check": ReadinessScreen,
}


@dataclass(frozen=True)
class SetupSnapshot:
    file_name: str
    created_at: str
    admin_fingerprint: str
    steps: tuple[setup_progress.StepProgress, ...]
    pending: tuple[PendingRow, ...]


class SetupScreen(ModeScreen):
    MODE = "setup"
    CSS_PATH = "setup.tcss"

    BINDINGS = [
        Binding("enter", "open_step", "key_setup_open", id="setup-open", tooltip="tip_setup_open"),
        *(
            Binding(str(number), f"open_step('{step}')", f"setup_step_{step}", id=f"setup-step-{step}",
                    tooltip="tip_setup_open", show=False)
            for number, step in enumerate(setup_progress.STEPS, start=1)
        ),
    ]

    def compose_body(self) -> ComposeResult:
        yield Plain("", id="setup-file", classes="intro")
        yield Plain("", id="setup-fingerprint", classes="intro")
        yield TablePanel(
            t("setup_panel_steps"),
            [("number", "#"), ("step", t("setup_col_step")), ("status", t("setup_col_status"))],
            "",
            id="steps",
        )
        yield pending_panel(t("app_panel_pending_all"), t("app_pending_none"), wide=True)

    def load(self, session: Session, activity: LedgerActivity) -> SetupSnapshot:
        vault, state = session.vault, session.state
        return SetupSnapshot(
            vault.path.name,
            vault.header["created_at"],
            vault.admin_fingerprint,
            setup_progress.progress(state),
            open_pending(state),
        )

    def show(self, snapshot: SetupSnapshot) -> None:
        volatile = self.context.volatile
        self.query_one("#setup-file", Plain).update(
            t("setup_file", file=snapshot.file_name, created=volatile(snapshot.created_at[:16].replace("T", " ")))
        )
        self.query_one("#setup-fingerprint", Plain).update(
            t("setup_fingerprint", fingerprint=volatile(snapshot.admin_fingerprint))
        )
        rows = {}
        for number, step in enumerate(snapshot.steps, start=1):
            mark = "✓" if step.done else " "
            rows[step.step] = [f"{number}{mark}", t(f"setup_step_{step.step}"), t(step.message, **dict(step.params))]
        self.query_one("#steps", TablePanel).show_rows(rows)
        self.query_one("#pending", TablePanel).show_rows(pending_rows(snapshot.pending, wide=True))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.parent is not None and event.data_table.parent.id == "steps":
            event.stop()
            self.action_open_step(str(event.row_key.value))

    def action_open_step(self, step: str | None = None) -> None:
        if step is None:
            table = self.query_one("#steps", TablePanel).table
            if table.row_count == 0:
                return
            step = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        self.app.push_screen(STEP_SCREENS[step](self.context))
