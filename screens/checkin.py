"""Check-in (clerk's home; the admin has it too): candidates arriving at the hall.

One input always has the focus, so a barcode scanner (which types the ticket's code and
Enter) works at any moment. Whatever arrives there, a scanned ticket, an exam number, a
name, pinyin initials or the last ID digits, goes through :func:`jz_tui.services.checkin.attempt`,
the same call as ``jz checkin``; every attempt gets a large coloured outcome. Several
matches open a pick list under the input (arrows, Enter; Esc cancels) while the focus
stays in the input. Per-post counts follow the ledger live, keyed by post.

Attempts run one after the other, in the order they were entered, in a thread worker
that drains a queue: two quick scans are never reordered and never lost.

Keys that do something else are control keys, since the input takes every printable
key: undo a check-in (a supervisor signs it), the interview-order draw, and for the
admin marking the missing absent at the cut-off.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from jz_tui.errors import JzError
from jz_tui.i18n import error_text, t
from jz_tui.services import checkin, roster
from jz_tui.services.checkin import Attempt, PostCount, RosterState
from jz_tui.services.session import Session

from .base import ModeScreen
from .confirm import ConfirmScreen
from .data import LedgerActivity, SessionClosed
from .draw import DrawScreen
from .form import ChoiceScreen, FormField, FormScreen
from .widgets import Plain, TablePanel, TypeAheadInput, number

# outcome -> the panel's colour (a CSS class); every other outcome is a refusal, in red
TONES = {checkin.SUCCESS: "-success", "already": "-warning", "several": "-choose", "undo": "-info",
         "marked": "-info", "idle": "-idle"}
ALL_TONES = ("-success", "-warning", "-choose", "-info", "-idle", "-refused")
ALL_POSTS = "*"  # the "every post" choice when marking absent


@dataclass(frozen=True)
class MatchRow:
    code: str
    label: str  # code, name, post, unit: enough to tell two people apart


@dataclass(frozen=True)
class OutcomeView:
    """What the outcome panel shows after one attempt (or another hall action)."""

    outcome: str  # checkin.SUCCESS, one of checkin.REFUSALS, "several", "undo", "marked", "error"
    head: str
    sentence: str
    detail: str = ""
    code: str = ""  # the candidate concerned, if known
    matches: tuple[MatchRow, ...] = ()

    @property
    def tone(self) -> str:
        return TONES.get(self.outcome, "-refused")


@dataclass(frozen=True)
class CheckinSnapshot:
    counts: tuple[PostCount, ...]


def head_text(outcome: str) -> str:
    return t("checkin_head_" + outcome)


def attempt_view(result: Attempt, roster_state: RosterState, typed: str) -> OutcomeView:
    """The panel for an attempt: headline, the CLI's sentence, and where the candidate belongs."""
    if result.outcome == "several":
        matches = tuple(MatchRow(c.code, _match_label(c, roster_state)) for c in result.matches)
        return OutcomeView("several", head_text("several"), t("checkin_several", count=len(matches)),
                           t("checkin_pick_help"), matches=matches)
    candidate = result.candidate
    if candidate is not None:
        post = roster_state.posts.get(candidate.post)
        detail = t("checkin_detail_post", post=candidate.post, name=post.name if post else "")
    else:
        detail = t("checkin_detail_typed", text=_shorten(typed.strip(), 48))
    return OutcomeView(result.outcome, head_text(result.outcome), checkin.outcome_text(result), detail,
                       candidate.code if candidate else "")


def _match_label(candidate, roster_state: RosterState) -> str:
    post = roster_state.posts.get(candidate.post)
    return "  ".join(part for part in (candidate.code, candidate.name, candidate.post,
                                       post.name if post else "", candidate.unit) if part)


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def error_view(error: JzError) -> OutcomeView:
    return OutcomeView("error", head_text("error"), error_text(error))


class PickList(OptionList, can_focus=False):
    """The candidates of an ambiguous search; driven from the input, which keeps the focus."""


class ScanInput(TypeAheadInput):
    """The one input of the hall: a keyboard-wedge scanner types a whole ticket and Enter
    in a burst, and the next ticket may follow at once.

    Enter runs in line with the characters (TypeAheadInput), and takes the text and clears
    the field in one step: the next ticket's first characters used to be taken into this one
    (two "forged" refusals for two good tickets).
    """

    class Scanned(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    async def action_submit(self) -> None:
        text, self.value = self.value, ""
        self.post_message(self.Scanned(text))


class CheckinScreen(ModeScreen):
    MODE = "checkin"
    CSS_PATH = "checkin.tcss"
    BINDINGS = [
        Binding("ctrl+z", "undo", "key_checkin_undo", id="checkin-undo", tooltip="tip_checkin_undo",
                key_display="^Z"),
        Binding("ctrl+o", "draw", "key_checkin_draw", id="checkin-draw", tooltip="tip_checkin_draw",
                key_display="^O"),
        Binding("ctrl+t", "absent", "key_checkin_absent", id="checkin-absent", tooltip="tip_checkin_absent",
                key_display="^T"),
        Binding("up", "pick_move(-1)", "key_pick_up", id="pick-up", tooltip="tip_pick_up", show=False),
        Binding("down", "pick_move(1)", "key_pick_down", id="pick-down", tooltip="tip_pick_down", show=False),
        Binding("escape", "pick_cancel", "key_pick_cancel", id="pick-cancel", tooltip="tip_pick_cancel"),
    ]

    class Attempted(Message):
        """One queued job finished: what the outcome panel shows."""

        def __init__(self, view: OutcomeView) -> None:
            super().__init__()
            self.view = view

    class UndoRefused(Message):
        def __init__(self, code: str, reason: str, error: str) -> None:
            super().__init__()
            self.code = code
            self.reason = reason
            self.error = error

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._jobs: deque[tuple[str, str]] = deque()  # ("attempt", typed text) or ("pick", code)
        self._runner: Worker | None = None
        self._picking = False
        self._last_code = ""  # the latest candidate an attempt named: the likely one to undo
        self._counts: tuple[PostCount, ...] = ()
        self.outcomes_shown = 0  # how many outcomes the panel has shown: what a test waits for

    # ------------------------------------------------------------------ layout

    def compose_body(self) -> ComposeResult:
        yield ScanInput(placeholder=t("checkin_placeholder"), id="checkin-input")
        with Vertical(id="outcome", classes="-idle"):
            yield Plain(head_text("idle"), id="outcome-head")
            yield Plain(t("checkin_idle"), id="outcome-text")
            yield Plain("", id="outcome-detail")
        with Vertical(id="picks"):
            yield PickList(id="pick-list")
        yield TablePanel(
            t("checkin_panel_counts"),
            [("post", t("checkin_col_post")), ("name", t("checkin_col_post_name")),
             ("expected", t("checkin_col_expected")), ("arrived", t("checkin_col_arrived")),
             ("missing", t("checkin_col_missing")), ("absent", t("checkin_col_absent"))],
            t("checkin_counts_empty"),
            id="counts",
        )

    def on_mount(self) -> None:
        self.query_one("#picks").border_title = t("checkin_pick_title")
        # the input is the only thing that takes the focus: a scan never lands elsewhere
        counts = self.query_one("#counts", TablePanel).table
        counts.can_focus = False
        counts.show_cursor = False
        self.query_one("#checkin-input", Input).focus()

    # ------------------------------------------------------------------ counts (live)

    def load(self, session: Session, activity: LedgerActivity) -> CheckinSnapshot:
        return CheckinSnapshot(tuple(checkin.counts(session.state.roster)))

    def show(self, snapshot: CheckinSnapshot) -> None:
        self._counts = snapshot.counts
        panel = self.query_one("#counts", TablePanel)
        panel.show_rows({
            row.post: [row.post, row.name, number(row.expected), number(row.arrived), number(row.missing),
                       number(row.absent)]
            for row in snapshot.counts
        })
        expected = sum(row.expected for row in snapshot.counts)
        arrived = sum(row.arrived for row in snapshot.counts)
        panel.border_subtitle = t("checkin_counts_total", arrived=arrived, expected=expected) if expected else ""

    # ------------------------------------------------------------------ the one input

    def on_scan_input_scanned(self, event: ScanInput.Scanned) -> None:
        event.stop()
        text = event.text
        if text.strip():
            self._close_picks()
            self._enqueue("attempt", text)
        elif self._picking:
            option = self.query_one(PickList).highlighted_option
            self._close_picks()
            if option is not None and option.id:
                self._enqueue("pick", option.id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()  # a click on a match
        if self._picking and event.option.id:
            self._close_picks()
            self._enqueue("pick", event.option.id)

    def _enqueue(self, kind: str, value: str) -> None:
        self._jobs.append((kind, value))
        if self._runner is None or self._runner.is_finished:
            self._runner = self._run_jobs()

    @work(thread=True, group="checkin-attempts")
    def _run_jobs(self) -> None:
        while self._jobs:
            kind, value = self._jobs.popleft()
            try:
                view = self.context.shared.use(lambda session, _activity: self._job(session, kind, value))
            except SessionClosed:
                return
            self.post_message(self.Attempted(view))

    @staticmethod
    def _job(session: Session, kind: str, value: str) -> OutcomeView:
        try:
            if kind == "attempt":
                result = checkin.attempt(session, value)
            else:
                result = checkin.check_in(session, value, via="pick")
        except JzError as error:
            return error_view(error)
        return attempt_view(result, session.state.roster, value)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # a job queued while the runner was finishing its loop: run it now
        if event.worker is self._runner and event.state == WorkerState.SUCCESS and self._jobs:
            self._runner = self._run_jobs()

    def on_checkin_screen_attempted(self, message: Attempted) -> None:
        message.stop()
        self.show_outcome(message.view)
        if message.view.outcome == "several":
            self._open_picks(message.view.matches)
        self.reload()  # the counts at once, without waiting for the next poll

    def show_outcome(self, view: OutcomeView) -> None:
        self.outcomes_shown += 1
        if view.code:
            self._last_code = view.code
        panel = self.query_one("#outcome", Vertical)
        with self.app.batch_update():
            for tone in ALL_TONES:
                panel.set_class(tone == view.tone, tone)
            self.query_one("#outcome-head", Plain).update(view.head)
            self.query_one("#outcome-text", Plain).update(view.sentence)
            self.query_one("#outcome-detail", Plain).update(view.detail)

    # ------------------------------------------------------------------ the pick list

    def _open_picks(self, matches: tuple[MatchRow, ...]) -> None:
        picks = self.query_one(PickList)
        picks.set_options(Option(Text(m.label), id=m.code) for m in matches)
        picks.highlighted = 0
        self._picking = True
        self.set_class(True, "-picking")
        self.refresh_bindings()

    def _close_picks(self) -> None:
        if self._picking:
            self._picking = False
            self.set_class(False, "-picking")
            self.query_one(PickList).clear_options()
            self.refresh_bindings()

    def action_pick_move(self, step: int) -> None:
        picks = self.query_one(PickList)
        picks.action_cursor_down() if step > 0 else picks.action_cursor_up()

    def action_pick_cancel(self) -> None:
        self._close_picks()
        self.show_outcome(OutcomeView("idle", head_text("idle"), t("checkin_idle")))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("pick_move", "pick_cancel"):
            return self._picking  # False: the key is not ours (and not shown) while no list is open
        if action == "absent":
            return self.context.role == "admin"
        return True

    # ------------------------------------------------------------------ undo a check-in

    def action_undo(self, code: str | None = None, reason: str = "", error: str | None = None) -> None:
        fields = [
            FormField("code", t("checkin_undo_code"), self._last_code if code is None else code),
            FormField("reason", t("checkin_undo_reason"), reason),
        ]

        def answered(values: dict[str, str] | None) -> None:
            if values is not None:
                self._request_undo(values["code"], values["reason"])

        self.app.push_screen(FormScreen(t("checkin_undo_title"), [t("checkin_undo_help")], fields, error=error,
                                        verb=t("verb_request_undo")), answered)

    @work(thread=True, group="checkin-undo")
    def _request_undo(self, code: str, reason: str) -> None:
        def run(session: Session, _activity: LedgerActivity) -> str:
            session.refresh()
            candidate = roster.find(session.state.roster, code)
            return checkin.request_undo(session, candidate.code, reason).id

        try:
            action_id = self.context.shared.use(run)
        except SessionClosed:
            return
        except JzError as error:
            self.post_message(self.UndoRefused(code, reason, error_text(error)))
            return
        self.post_message(self.Attempted(OutcomeView("undo", head_text("undo"),
                                                     t("checkin_undo_pending", id=action_id))))

    def on_checkin_screen_undo_refused(self, message: UndoRefused) -> None:
        message.stop()
        self.action_undo(message.code, message.reason, message.error)  # the same values, and why not

    # ------------------------------------------------------------------ the draw

    def action_draw(self) -> None:
        self.app.push_screen(DrawScreen(self.context))

    # ------------------------------------------------------------------ absent at the cut-off (admin)

    def action_absent(self) -> None:
        missing = [row for row in self._counts if row.missing > 0]
        if not missing:
            self.notify(t("checkin_nobody_missing"))
            return
        total = sum(row.missing for row in missing)
        choices = [(ALL_POSTS, t("checkin_absent_all", missing=total))]
        choices += [(row.post, t("checkin_absent_post", post=row.post, name=row.name, missing=row.missing))
                    for row in missing]

        def chosen(post: str | None) -> None:
            if post is None:
                return
            count = total if post == ALL_POSTS else next(r.missing for r in missing if r.post == post)
            scope = t("checkin_absent_scope_all") if post == ALL_POSTS else post
            self.app.push_screen(
                ConfirmScreen(t("checkin_absent_confirm_title"),
                              [t("checkin_absent_confirm_line", count=count, scope=scope),
                               t("checkin_absent_confirm_note")], verb=t("verb_mark_absent")),
                lambda yes: self._mark_absent(None if post == ALL_POSTS else post) if yes else None,
            )

        self.app.push_screen(ChoiceScreen(t("checkin_absent_choose"), choices), chosen)

    @work(thread=True, group="checkin-absent")
    def _mark_absent(self, post: str | None) -> None:
        try:
            codes = self.context.shared.use(
                lambda session, _activity: checkin.mark_absent(session, [post] if post else None))
        except SessionClosed:
            return
        except JzError as error:
            self.post_message(self.Attempted(error_view(error)))
            return
        self.post_message(self.Attempted(OutcomeView("marked", head_text("marked"),
                                                     t("checkin_marked_absent", count=len(codes)))))
