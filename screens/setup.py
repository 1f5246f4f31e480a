"""Session setup (admin): the session file, its people, and what the ledger holds."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal

from jz_tui.i18n import t
from jz_tui.services.session import Session

from .base import ModeScreen
from .data import LedgerActivity, PendingRow, kind_counts, open_pending
from .widgets import (
    Plain,
    TablePanel,
    counts_panel,
    counts_rows,
    number,
    pending_panel,
    pending_rows,
    role_label,
)


@dataclass(frozen=True)
class SetupSnapshot:
    file_name: str
    created_at: str
    admin_fingerprint: str
    users: tuple[tuple[str, str, int], ...]  # (name, role, seq of the event that added them)
    counts: tuple[tuple[str, int, int], ...]
    pending: tuple[PendingRow, ...]


class SetupScreen(ModeScreen):
    MODE = "setup"
    CSS_PATH = "setup.tcss"

    def compose_body(self) -> ComposeResult:
        yield Plain("", id="setup-file", classes="intro")
        yield Plain("", id="setup-fingerprint", classes="intro")
        with Horizontal(classes="panel-row"):
            yield TablePanel(
                t("setup_panel_users"),
                [("name", t("app_col_user")), ("role", t("app_col_role")), ("seq", t("app_col_added"))],
                t("setup_users_none"),
                id="users",
            )
            yield counts_panel()
        yield pending_panel(t("app_panel_pending_all"), t("app_pending_none"), wide=True)

    def load(self, session: Session, activity: LedgerActivity) -> SetupSnapshot:
        vault, state = session.vault, session.state
        return SetupSnapshot(
            vault.path.name,
            vault.header["created_at"],
            vault.admin_fingerprint,
            tuple((u.name, u.role, u.added_seq) for u in state.users.values()),
            kind_counts(state, activity),
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
        self.query_one("#users", TablePanel).show_rows(
            {name: [name, role_label(role), number(seq)] for name, role, seq in snapshot.users}
        )
        self.query_one("#counts", TablePanel).show_rows(counts_rows(snapshot.counts))
        self.query_one("#pending", TablePanel).show_rows(pending_rows(snapshot.pending, wide=True))
