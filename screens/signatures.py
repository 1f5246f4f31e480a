"""Pending signatures (admin, scorer, tally, supervisor): approve actions that need you.

The same mechanism as ``jz sign``: :func:`jz_tui.services.pending.sign`, here behind a
confirmation that shows what the signature approves, in words and figures
(:func:`jz_tui.services.pending.details`, the lines ``jz sign --list`` prints). Approving
appends one ``pending.sign`` event, refused if what the action records changed since it was
shown; the action takes effect with its last required signature.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from jz_tui.errors import JzError
from jz_tui.i18n import error_text, t
from jz_tui.services import pending
from jz_tui.services.session import Session

from .base import ModeScreen
from .confirm import ConfirmScreen
from .data import LedgerActivity, PendingRow, SessionClosed, ledger_status, open_pending
from .widgets import Plain, TablePanel, action_label, missing_text, pending_panel, pending_rows


@dataclass(frozen=True)
class SignaturesSnapshot:
    waiting: tuple[PendingRow, ...]  # this user can sign these now
    others: tuple[PendingRow, ...]  # open, but not for this user to sign (started or signed by them, other roles)
    details: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # id -> what it records (waiting ones)


class SignaturesScreen(ModeScreen):
    MODE = "signatures"
    CSS_PATH = "signatures.tcss"
    BINDINGS = [Binding("a", "approve", "key_approve", id="approve", tooltip="tip_approve")]

    class Details(Message):
        """What a pending action records was read: ``lines`` to confirm, or ``error`` in words."""

        def __init__(self, row: PendingRow, lines: list[tuple[str, str]] | None, error: str | None) -> None:
            super().__init__()
            self.row = row
            self.lines = lines
            self.error = error

    class Signed(Message):
        """The sign worker finished: ``error`` is the refusal, in words, or None."""

        def __init__(self, action_id: str, done: bool, error: str | None) -> None:
            super().__init__()
            self.action_id = action_id
            self.done = done
            self.error = error

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._waiting: dict[str, PendingRow] = {}
        self._details: dict[str, list[tuple[str, str]]] = {}  # read with the rows; a signature checks them again

    def compose_body(self) -> ComposeResult:
        yield Plain(t("signatures_intro"), classes="intro")
        yield pending_panel(t("signatures_panel_waiting"), t("signatures_none"), wide=True, id="waiting")
        yield pending_panel(t("signatures_panel_others"), t("app_pending_none"), wide=True, id="others")

    def load(self, session: Session, activity: LedgerActivity) -> SignaturesSnapshot:
        waiting = ledger_status(session).waiting
        mine = {row.id for row in waiting}
        state = session.state
        details = {row.id: pending.details(state, state.pending[row.id], session.user) for row in waiting}
        return SignaturesSnapshot(waiting, tuple(row for row in open_pending(state) if row.id not in mine), details)

    def show(self, snapshot: SignaturesSnapshot) -> None:
        self._waiting = {row.id: row for row in snapshot.waiting}
        self._details = snapshot.details
        self.query_one("#waiting", TablePanel).show_rows(pending_rows(snapshot.waiting, wide=True))
        self.query_one("#others", TablePanel).show_rows(pending_rows(snapshot.others, wide=True))
        self.refresh_bindings()  # "approve" is dimmed while nothing waits

    # ------------------------------------------------------------------ approving

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "approve":
            return True if self._waiting else None  # None: shown dimmed while nothing waits; pressed, says why
        return True

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        return t("keys_nothing_to_sign") if action == "approve" and not self._waiting else None

    def action_approve(self) -> None:
        table = self.query_one("#waiting", TablePanel).table
        if table.row_count:
            row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
            if row_key.value in self._waiting:
                self.confirm_and_sign(self._waiting[row_key.value])

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table is self.query_one("#waiting", TablePanel).table and event.row_key.value in self._waiting:
            self.confirm_and_sign(self._waiting[event.row_key.value])

    def confirm_and_sign(self, row: PendingRow) -> None:
        """Read what the action records, ask for confirmation showing it, then sign in a worker
        (which refuses it if it no longer waits, or if what it records changed meanwhile)."""
        lines = self._details.get(row.id)
        if lines is not None and self._waiting.get(row.id) == row:
            self.on_signatures_screen_details(self.Details(row, lines, None))
        else:  # not read with the rows yet (the palette asks before this screen has loaded)
            self.read_details(row)

    @work(thread=True, exclusive=True, group="sign-details")
    def read_details(self, row: PendingRow) -> None:
        try:
            lines = self.context.shared.use(lambda session, _activity: pending.details_of(session, row.id))
        except SessionClosed:
            return
        except JzError as error:
            self.post_message(self.Details(row, None, error_text(error)))
        else:
            self.post_message(self.Details(row, lines, None))

    def on_signatures_screen_details(self, message: Details) -> None:
        if message.error is not None or message.lines is None:
            self.notify(message.error or "", severity="error", markup=False)
            return
        row, seen = message.row, message.lines
        head = [
            t("confirm_sign_action", action=action_label(row.action)),
            t("confirm_sign_by", by=row.created_by),
            t("confirm_sign_reason", reason=row.reason or "-"),
            t("confirm_sign_needs", needs=missing_text(row)),
        ]

        def answered(approved: bool | None) -> None:
            if approved:
                self.sign(row.id, seen)

        self.app.push_screen(ConfirmScreen(t("confirm_sign_title", id=row.id), head, pending.detail_lines(seen),
                                           t("sign_details_title"), verb=t("verb_sign")), answered)

    @work(thread=True, exclusive=True, group="sign")
    def sign(self, action_id: str, seen: list[tuple[str, str]] | None = None) -> None:
        try:
            action = self.context.shared.use(lambda session, _activity: pending.sign(session, action_id, seen))
        except SessionClosed:
            return
        except JzError as error:
            self.post_message(self.Signed(action_id, False, error_text(error)))
        else:
            self.post_message(self.Signed(action.id, action.done, None))

    def on_signatures_screen_signed(self, message: Signed) -> None:
        if message.error is not None:
            self.notify(message.error, severity="error", markup=False)
        else:
            key = "signatures_signed_done" if message.done else "signatures_signed_waiting"
            self.notify(t(key, id=message.action_id), markup=False)
        self.reload()
