"""Paper entry on the tally screen: the ballot being typed, the store queue, corrections.

The entry panel is built for speed: the table lists the post's candidates in code order
(the ballot paper, names included), one key per candidate fills the current ballot left
to right (1 satisfied, 2 basically satisfied, 3 dissatisfied, 0 blank; on a recommendation,
1 or Y named, 0 not; Backspace goes back a mark), Enter stores it.

An entry typed twice is withdrawn with ``w`` (its number, then the reason): it stays in the
ledger, shown beside the double count, and the officer's later entries move up one number.

Stored ballots (and withdrawals) go through a queue drained by one thread worker at a time, with numbers
fixed on the UI thread at the moment Enter is pressed: the officer keeps typing while a
ballot is being written, and the ledger holds the ballots in the order they were typed.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.message import Message

from jz_tui.errors import JzError
from jz_tui.i18n import error_text, t
from jz_tui.rules.democratic import mark_name, typed_mark
from jz_tui.services import ballots
from jz_tui.services.session import Session

from .data import LedgerActivity, SessionClosed
from .prompt import PromptScreen
from .tally_snapshot import marks_text
from .widgets import LiveTable


def mark_label(mark: str) -> str:
    """A mark in words (满意 / satisfied ...), as the ballot paper says it."""
    return t(f"tally_ui_mark_{mark_name(mark)}")


@dataclass(frozen=True)
class Job:
    """One ballot to store: entered (marks) or void (reason), under a number fixed when typed."""

    post: str
    number: int
    marks: str | None
    group: str = ""
    reason: str = ""
    correcting: bool = False
    withdraw: bool = False  # take this officer's entry ``number`` out of the count (``reason`` says why)


class BallotEntry:
    """The entry panel's keys and the store queue, for :class:`screens.ballots.BallotsScreen`.

    A mixin: it works on the screen's ``_current`` (the post's count), ``_post``, ``_note``,
    ``_entry_blocked`` (why no ballot can be typed now) and ``reload``, and on its
    ``#tally-table`` and ``#tally-ballot``.
    """

    class Stored(Message):
        """The store worker finished one job: ``error`` is the refusal in words, or None."""

        def __init__(self, job: Job, error: str | None) -> None:
            super().__init__()
            self.job = job
            self.error = error

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._marks: list[str] = []  # the ballot being typed
        self._correcting: int | None = None  # the number being re-entered, if any
        self._next_no = 0
        self._group = ""
        self._jobs: deque[Job] = deque()  # typed, not yet stored; the head is being stored
        self._last_stored: dict[str, int] = {}  # post -> number last stored from this screen

    # ------------------------------------------------------------------ the ballot being typed

    def _mark_cell(self, index: int) -> Text:
        if index < len(self._marks):
            mark = self._marks[index]
            return Text(mark_label(mark), style="bold red" if mark == "D" else "")
        typing = self._entry_blocked() is None  # no cursor inviting a mark on a post closing or closed
        return Text("___", style="reverse") if typing and index == len(self._marks) else Text("")

    def _show_ballot(self) -> None:
        """The marks column, the cursor and the ballot's title: after every key."""
        current = self._current
        if current is None:
            return
        table = self.query_one("#tally-table", LiveTable)
        for index, line in enumerate(current.candidates):
            if line.code in table.rows:
                cell = self._mark_cell(index)
                if table.get_cell(line.code, "mark") != cell:
                    table.update_cell(line.code, "mark", cell, update_width=True)
        complete = len(self._marks) >= len(current.candidates)
        open_ = self._entry_blocked() is None
        table.show_cursor = not complete and open_
        if table.show_cursor and table.row_count:
            table.move_cursor(row=min(len(self._marks), table.row_count - 1))

        panel = self.query_one("#tally-ballot")
        group = t("tally_ui_group", group=self._group) if current.groups else ""
        if current.closed:
            title = t("tally_ui_ballot_closed")
        elif current.close_pending:  # the panel says the post is closing: it no longer invites a ballot
            title = t("tally_ui_ballot_closing")
        elif current.opened is None:
            title = t("tally_ui_ballot_idle")
        elif self._correcting is not None:
            old = dict(current.mine).get(self._correcting, "")
            title = t("tally_ui_correcting", no=self._correcting,
                      old=marks_text(old) if self._correcting in dict(current.mine) else "-") + group
        else:
            title = t("tally_ui_ballot_title", no=self._next_no) + group
        if complete and open_:
            title += t("tally_ui_complete")
        panel.border_title = Text(title)
        panel.set_class(self._correcting is not None, "-correcting")
        panel.set_class(complete and open_, "-complete")
        panel.set_class(current.close_pending or current.closed, "-closing")

    def unsaved_input(self) -> list[str]:
        """The ballot half typed, and ballots typed but still being stored (quitting would lose them)."""
        current, lines = self._current, []
        if current is not None and self._marks:
            number_ = self._correcting if self._correcting is not None else self._next_no
            lines.append(t("unsaved_ballot", post=current.post, no=number_, typed=len(self._marks),
                           total=len(current.candidates)))
        queued: dict[str, int] = {}
        for job in self._jobs:
            queued[job.post] = queued.get(job.post, 0) + 1
        lines += [t("unsaved_ballots_queued", post=post, count=count) for post, count in queued.items()]
        return lines

    def _reset_entry(self) -> None:
        self._marks = []
        self._correcting = None

    def action_mark(self, mark: str) -> None:
        current = self._current
        if current is None:
            return
        if len(self._marks) >= len(current.candidates):
            self.app.bell()  # the ballot is full: Enter stores it, Backspace corrects it
            self._note(t("keys_tally_ballot_full", count=len(current.candidates)), "error")
            return
        typed = typed_mark(mark, current.ballot)  # a recommendation: 1 or Y names, 0 does not
        if typed is None:
            self.app.bell()  # not a mark of this kind of ballot
            self._note(t("keys_tally_not_a_mark"), "error")
            return
        self._marks.append(typed)
        self._show_ballot()

    def action_back(self) -> None:
        if self._marks:
            self._marks.pop()
            self._show_ballot()

    def action_cancel(self) -> None:
        was_correcting = self._correcting is not None
        self._reset_entry()
        self._show_ballot()
        self._note(t("tally_ui_correction_cancelled") if was_correcting else "")

    def action_store(self) -> None:
        current = self._current
        if current is None:
            return
        if len(self._marks) < len(current.candidates):
            self.app.bell()
            self._note(t("tally_ui_incomplete", done=len(self._marks), total=len(current.candidates)), "error")
            return
        marks, correcting = "".join(self._marks), self._correcting is not None
        self._queue(Job(current.post, self._take_number(), marks, self._group, correcting=correcting))

    def _take_number(self) -> int:
        """The number of the ballot now leaving the entry panel; clears the panel for the next one."""
        if self._correcting is not None:
            number_ = self._correcting
        else:
            number_ = self._next_no
            self._next_no += 1
        self._reset_entry()
        self._show_ballot()
        return number_

    def action_void(self) -> None:
        current = self._current
        if current is None:
            return
        number_ = self._correcting if self._correcting is not None else self._next_no

        def answered(reason: str | None) -> None:
            if reason is not None and self._current is not None and self._current.post == current.post:
                correcting = self._correcting is not None
                self._queue(Job(current.post, self._take_number(), None, reason=reason, correcting=correcting))

        self.app.push_screen(PromptScreen(t("tally_ui_void_title", no=number_), t("tally_ui_void_label"),
                                          placeholder=t("tally_ui_void_placeholder")), answered)

    def action_correct_last(self) -> None:
        current = self._current
        if current is None:
            return
        last = self._last_stored.get(current.post, current.last_no)
        if last is None:
            self.app.bell()
            self._note(t("tally_ui_nothing_to_correct"), "error")
            return
        self._start_correction(last)

    def action_correct_number(self) -> None:
        current = self._current
        if current is None:
            return
        suggested = current.discrepancies[0] if current.discrepancies else self._last_stored.get(
            current.post, current.last_no)

        def answered(text: str | None) -> None:
            if text is None:
                return
            if not text.strip().isdigit() or int(text) < 1:
                self._note(t("tally_ui_bad_number", text=text), "error")
                return
            self._start_correction(int(text))

        self.app.push_screen(PromptScreen(t("tally_ui_number_title"), t("tally_ui_number_label"),
                                          value="" if suggested is None else str(suggested), integer=True), answered)

    def _start_correction(self, number_: int) -> None:
        current = self._current
        self._marks = []
        self._correcting = number_
        self._show_ballot()
        text = t("tally_ui_correct_hint", no=number_)
        if current is not None:
            for no, first, second in current.differing:
                if no == number_:
                    text = t("tally_ui_correct_differ", no=no, first=current.pair[0], a=first or "-",
                             second=current.pair[1], b=second or "-")
        self._note(text)

    def action_withdraw(self) -> None:
        """Withdraw one of this officer's entries (entered twice, say): its number, then the reason."""
        current = self._current
        if current is None:
            return
        post = current.post
        suggested = self._last_stored.get(post, current.last_no)

        def reason_for(number_: int) -> None:
            def answered(reason: str | None) -> None:
                if reason is None or self._current is None or self._current.post != post:
                    return
                if 1 <= number_ < self._next_no:  # the officer's later entries move up one: so does the next
                    self._next_no -= 1
                self._queue(Job(post, number_, None, reason=reason, withdraw=True))

            self.app.push_screen(PromptScreen(t("tally_ui_withdraw_title", no=number_), t("tally_ui_withdraw_label"),
                                              placeholder=t("tally_ui_withdraw_placeholder")), answered)

        def number_given(text: str | None) -> None:
            if text is None:
                return
            if not text.strip().isdigit() or int(text) < 1:
                self._note(t("tally_ui_bad_number", text=text), "error")
                return
            reason_for(int(text))

        self.app.push_screen(PromptScreen(t("tally_ui_withdraw_number_title"), t("tally_ui_number_label"),
                                          value="" if suggested is None else str(suggested), integer=True),
                             number_given)

    def _withdrawals_queued(self, post: str) -> int:
        return sum(1 for job in self._jobs if job.withdraw and job.post == post)

    def action_group(self) -> None:
        current = self._current
        if current is None or not current.groups:
            return
        groups = list(current.groups)
        self._group = groups[(groups.index(self._group) + 1) % len(groups)] if self._group in groups else groups[0]
        self._show_ballot()

    # ------------------------------------------------------------------ storing, in order

    def _queue(self, job: Job) -> None:
        self._jobs.append(job)
        if len(self._jobs) == 1:
            self._store(job)

    @work(thread=True, group="tally-store")
    def _store(self, job: Job) -> None:
        def run(session: Session, _activity: LedgerActivity) -> int:
            if job.withdraw:
                return ballots.withdraw_ballot(session, job.post, job.number, job.reason)
            if job.marks is None:
                return ballots.void_ballot(session, job.post, job.reason, job.number)
            return ballots.enter_ballot(session, job.post, job.marks, job.group, job.number)

        try:
            self.context.shared.use(run)
        except SessionClosed:
            return
        except JzError as error:
            self.post_message(self.Stored(job, error_text(error)))
        else:
            self.post_message(self.Stored(job, None))

    def on_ballot_entry_stored(self, message: Stored) -> None:
        job = message.job
        if self._jobs and self._jobs[0] == job:
            self._jobs.popleft()
        if message.error is not None and job.withdraw:
            self._jobs.clear()
            self._next_no = 0  # the next number comes back from the ledger with the reload
            self._note(t("tally_ui_not_withdrawn", no=job.number, reason=message.error), "error")
        elif message.error is not None:
            # Nothing typed is lost: the refused ballot comes back to the panel, under its number.
            self._jobs.clear()
            if job.post == self._post:
                self._marks = list(job.marks or "")
                self._correcting = job.number if job.correcting else None
                if not job.correcting:
                    self._next_no = job.number
                self._show_ballot()
            self._note(t("tally_ui_not_stored", no=job.number, reason=message.error), "error")
        else:
            if job.withdraw:
                self._last_stored.pop(job.post, None)
            else:
                self._last_stored[job.post] = job.number
            if job.withdraw:
                self._note(t("ballot_withdrawn", no=job.number), "ok")
            elif job.marks is None:
                self._note(t("ballot_voided", no=job.number), "ok")
            else:
                key = "tally_ui_corrected" if job.correcting else "tally_ui_stored"
                self._note(t(key, no=job.number, marks=marks_text(job.marks)), "ok")
            if self._jobs:
                self._store(self._jobs[0])
        self.reload()
