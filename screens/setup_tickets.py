"""Setup step: admission tickets (admin).

How many candidates hold a ticket; then the tickets written into a folder (``tickets/``
beside the session file by default) with the hall and the time printed on them, through
:func:`jz_tui.services.tickets.write_tickets`, the same call as ``jz tickets``: one PNG per
candidate and a printable ``tickets.html``. Candidates ticked in the reissue list get a new
ticket and their old one is revoked (``--reissue``). A progress bar follows the writing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Input, ProgressBar, SelectionList

from jz_tui.errors import JzError
from jz_tui.i18n import error_text, t
from jz_tui.services import tickets
from jz_tui.services.session import Session

from .confirm import ConfirmScreen
from .data import LedgerActivity, SessionClosed
from .setup_step import SetupStepScreen
from .widgets import Plain


@dataclass(frozen=True)
class TicketsSnapshot:
    folder: str  # the session file's folder
    candidates: int
    with_ticket: int
    holders: tuple[tuple[str, str], ...]  # (code, name) of each candidate holding a ticket, for a reissue


def tickets_snapshot(session: Session) -> TicketsSnapshot:
    roster = session.state.roster
    current = [c for c in sorted(roster.candidates.values(), key=lambda c: c.code) if c.withdrawn is None]
    holders = tuple((c.code, c.name) for c in current if c.code in roster.ticket_nonces)
    return TicketsSnapshot(str(session.vault.path.resolve().parent), len(current), len(holders), holders)


class TicketsScreen(SetupStepScreen):
    STEP = "tickets"
    CSS_PATH = ["setup.tcss", "setup_tickets.tcss"]
    BINDINGS = [
        *SetupStepScreen.BINDINGS,
        Binding("w", "write", "key_tickets_write", id="tickets-write", tooltip="tip_tickets_write"),
    ]

    class Progress(Message):
        def __init__(self, done: int, total: int) -> None:
            super().__init__()
            self.done = done
            self.total = total

    class Written(Message):
        def __init__(self, count: int, out: str, error: str | None) -> None:
            super().__init__()
            self.count = count
            self.out = out
            self.error = error

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._snapshot: TicketsSnapshot | None = None
        self._holders: tuple[tuple[str, str], ...] = ()
        self._writing = False

    def compose_step(self) -> ComposeResult:
        yield Plain(t("tickets_intro"), classes="intro")
        yield Plain("", id="tickets-state", classes="tickets-line")
        for key in ("out", "hall", "time"):
            with Horizontal(classes="tickets-field"):
                yield Plain(t(f"tickets_{key}_label"), classes="tickets-label")
                yield Input(placeholder=t(f"tickets_{key}_placeholder"), id=f"tickets-{key}", compact=True)
        reissue = SelectionList[str](id="tickets-reissue")
        reissue.border_title = t("tickets_reissue_title")
        yield reissue
        with Horizontal(id="tickets-bottom"):
            yield ProgressBar(id="tickets-progress", show_eta=False)
            yield Button(t("tickets_button"), id="tickets-button", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#tickets-out", Input).focus()

    def load(self, session: Session, activity: LedgerActivity) -> TicketsSnapshot:
        return tickets_snapshot(session)

    def show(self, snapshot: TicketsSnapshot) -> None:
        self._snapshot = snapshot
        out = self.query_one("#tickets-out", Input)
        if not out.value:
            out.value = str(Path(snapshot.folder) / "tickets")
        self.query_one("#tickets-state", Plain).update(
            t("tickets_state", done=snapshot.with_ticket, total=snapshot.candidates))
        if snapshot.holders != self._holders:
            self._holders = snapshot.holders
            chosen = set(self.query_one("#tickets-reissue", SelectionList).selected)
            reissue = self.query_one("#tickets-reissue", SelectionList)
            reissue.clear_options()
            reissue.add_options([(f"{code}  {name}", code, code in chosen) for code, name in snapshot.holders])
        self.set_class(not snapshot.holders, "-no-holders")

    # ------------------------------------------------------------------ writing

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_write()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "tickets-button":
            event.stop()
            self.action_write()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "write" and self.is_mounted and isinstance(self.focused, Input):
            return False  # the key types a w; Enter writes from a field
        return True

    def action_write(self) -> None:
        snapshot = self._snapshot
        if snapshot is None or self._writing:
            return
        out = self.query_one("#tickets-out", Input).value.strip()
        if not out:
            self.say(t("tickets_out_needed"), error=True)
            return
        path = Path(out).expanduser()
        if not path.is_absolute():
            path = Path(snapshot.folder) / path
        hall = self.query_one("#tickets-hall", Input).value.strip()
        when = self.query_one("#tickets-time", Input).value.strip()
        reissue = list(self.query_one("#tickets-reissue", SelectionList).selected)
        lines = [t("tickets_confirm_new", count=snapshot.candidates - snapshot.with_ticket),
                 t("tickets_confirm_hall", hall=hall or "-", time=when or "-")]
        if reissue:
            lines.append(t("tickets_confirm_reissue", codes=reissue))

        def answered(yes: bool | None) -> None:
            if yes:
                self._writing = True
                bar = self.query_one("#tickets-progress", ProgressBar)
                bar.update(total=None, progress=0)
                self.add_class("-started")
                self.say(t("tickets_writing"))
                self._write(str(path), hall, when, reissue)

        self.app.push_screen(ConfirmScreen(t("tickets_confirm_title", out=str(path) + os.sep), lines,
                                           verb=t("tickets_verb")), answered)

    @work(thread=True, exclusive=True, group="tickets-write")
    def _write(self, out: str, hall: str, when: str, reissue: list[str]) -> None:
        def progress(done: int, total: int) -> None:
            self.post_message(self.Progress(done, total))

        try:
            files = self.context.shared.use(
                lambda session, _activity: tickets.write_tickets(session, out, hall, when, reissue, progress))
        except SessionClosed:
            return
        except JzError as error:
            self.post_message(self.Written(0, out, error_text(error)))
            return
        except (OSError, ValueError) as error:  # ValueError: a NUL in the folder typed
            self.post_message(self.Written(0, out, t("file_error", path=getattr(error, "filename", None) or out,
                                                     reason=getattr(error, "strerror", None) or str(error))))
            return
        self.post_message(self.Written(len(files) - 1, out, None))

    def on_tickets_screen_progress(self, message: Progress) -> None:
        message.stop()
        self.query_one("#tickets-progress", ProgressBar).update(total=message.total, progress=message.done)
        self.say(t("tickets_progress", done=message.done, total=message.total))

    def on_tickets_screen_written(self, message: Written) -> None:
        message.stop()
        self._writing = False
        if message.error is not None:
            self.say(message.error, error=True)
        else:
            self.query_one("#tickets-reissue", SelectionList).deselect_all()
            self.say(t("tickets_written", count=message.count, out=message.out))
        self.reload()
