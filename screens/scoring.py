"""Scoring (scorer): confirm examiners' sheets as they arrive, see the aggregate, announce.

Sheets arrive live: the sheets of the selected candidate are a live table keyed by
(candidate, examiner), updated in place as other terminals submit. The scorer confirms
or rejects (with a reason) each one through :mod:`jz_tui.services.sheets`, which refuses anyone
confirming their own entry. Once every expected sheet is confirmed,
:func:`jz_tui.services.sheets.progress` gives the aggregate: the totals, which were dropped, the
result. Announcing (亮分) creates a pending action; once a supervisor has signed it, the
announcement view (:mod:`screens.announcement`) shows it to the hall.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable

from jz_tui.errors import JzError
from jz_tui.i18n import error_text, t
from jz_tui.rules.scoring import half_up
from jz_tui.services import pending, sheets
from jz_tui.services.config import current_rules
from jz_tui.services.session import Session
from jz_tui.services.sheets import CONFIRMED, SUBMITTED, Sheet

from .announcement import HIGH, LOW, AnnouncementScreen, AnnouncementView, announcement_view, method_text
from .base import ModeScreen
from .confirm import ConfirmScreen
from .data import LedgerActivity, SessionClosed
from .printing import PRINT_BINDING, PrintsPaper
from .reason import ReasonScreen
from .widgets import Cell, Plain, TablePanel

# Where a candidate stands (catalogue ``scorer_state_<state>``), in the order work comes.
TO_CONFIRM, OPEN, WAITING, COMPLETE, SIGNING, ANNOUNCED, ABSENT, LEFT = (
    "to_confirm", "open", "waiting", "complete", "signing", "announced", "absent", "left")


@dataclass(frozen=True)
class SheetLine:
    examiner: str
    items: tuple[str, ...]
    total: str
    status: str
    confirmed_by: str
    reason: str
    dropped: str  # HIGH / LOW (gymnastics), the number of items dropped (per item), or ""


@dataclass(frozen=True)
class ItemLine:
    """One rubric item under the per-item method: its average, and whose marks were dropped."""

    name: str
    mean: str
    high: str
    low: str


@dataclass(frozen=True)
class AggregateView:
    method: str
    result: str
    items: tuple[ItemLine, ...]  # per-item method only
    extremes_dropped: bool  # as the aggregation decided: False with too few sheets


@dataclass(frozen=True)
class CandidateView:
    code: str
    label: str  # the interview number, else the code
    state: str
    confirmed: int
    expected: int
    sheets: tuple[SheetLine, ...]
    waiting_for: tuple[str, ...]  # expected examiners without a live sheet
    aggregate: AggregateView | None
    signing: str  # id of the pending announcement, or ""
    announced: AnnouncementView | None
    panel: tuple[str, ...] = ()  # (panel, its chief) when a panel is set for the candidate's post


@dataclass(frozen=True)
class Scoring:
    candidates: tuple[CandidateView, ...]

    def find(self, code: str | None) -> CandidateView | None:
        return next((c for c in self.candidates if c.code == code), None)


def listed_codes(state, grouped: dict[str, list[Sheet]]) -> list[str]:
    """Per post: the draw order, then the absent, then anyone else with sheets."""
    roster = state.roster
    codes: list[str] = []
    for post in roster.posts:
        draw = roster.draws.get(post)
        drawn = list(draw.order) if draw is not None else []
        rest = [c.code for c in roster.candidates_of(post) if c.code not in drawn]
        codes += drawn + [c for c in rest if c in roster.absent] + [
            c for c in rest if c not in roster.absent and c in grouped]
    return codes


def candidate_view(state, rules, code: str, own: list[Sheet], signing: dict[str, str]) -> CandidateView:
    status = sheets.progress(state, code, rules, own)
    expected = sheets.examiners(state, code, rules)  # the candidate's panel, less recusals and replacements
    live = {s.examiner for s in own if s.status in (SUBMITTED, CONFIRMED)}
    aggregate, dropped = None, {}
    if status.aggregate is not None:
        agg = status.aggregate
        items: tuple[ItemLine, ...] = ()
        if agg.dropped:
            dropped = {status.order[agg.dropped[0]]: HIGH, status.order[agg.dropped[1]]: LOW}
        if agg.method == "per_item":
            names = [name for name, _ in rules.rubric] or [t("field_total")]
            pairs = agg.dropped_items or ((None, None),) * len(agg.item_results)
            items = tuple(
                ItemLine(name, str(half_up(mean)), status.order[hi] if hi is not None else "",
                         status.order[lo] if lo is not None else "")
                for name, mean, (hi, lo) in zip(names, agg.item_results, pairs, strict=False))
            for line in items:
                for examiner in (line.high, line.low):
                    if examiner:
                        dropped[examiner] = str(int(dropped.get(examiner, "0")) + 1)
        aggregate = AggregateView(agg.method, str(agg.result), items, agg.extremes_dropped)
    announced = state.scoring.announced.get(code)
    candidate = state.roster.candidates[code]
    if status.absent:
        word = ABSENT
    elif announced is not None:
        word = ANNOUNCED
    elif candidate.withdrawn is not None:
        word = LEFT
    elif code in signing:
        word = SIGNING
    elif status.complete:
        word = COMPLETE
    elif any(s.status == SUBMITTED for s in own):
        word = TO_CONFIRM
    elif status.submitted:
        word = OPEN
    else:
        word = WAITING
    lines = tuple(
        SheetLine(s.examiner, tuple(s.items), str(sheets.sheet_total(s.items)), s.status, s.confirmed_by, s.reason,
                  dropped.get(s.examiner, "") if s.status == CONFIRMED else "")
        for s in own)
    return CandidateView(
        code, sheets.label(state, code), word, status.confirmed, status.expected, lines,
        tuple(e for e in expected if e not in live), aggregate, signing.get(code, ""),
        announcement_view(announced) if announced else None,
        (panel.id, panel.current_chief) if (panel := sheets.panel_of(state, candidate.post, rules)) else (),
    )


class ScoringScreen(PrintsPaper, ModeScreen):
    MODE = "scoring"
    CSS_PATH = "scoring.tcss"
    BINDINGS = [
        Binding("c", "confirm", "key_sheet_confirm", id="sheet-confirm", tooltip="tip_sheet_confirm"),
        Binding("r", "reject", "key_sheet_reject", id="sheet-reject", tooltip="tip_sheet_reject"),
        Binding("a", "announce", "key_announce", id="announce", tooltip="tip_announce"),
        Binding("v", "view", "key_announce_view", id="announce-view", tooltip="tip_announce_view"),
        PRINT_BINDING,
    ]

    class Done(Message):
        """An action's worker finished: ``text`` to say, or ``error`` (a refusal, in words)."""

        def __init__(self, text: str | None, error: str | None) -> None:
            super().__init__()
            self.text, self.error = text, error

    class Previewed(Message):
        """What an announcement would record, in words (or why it cannot be started), to confirm."""

        def __init__(self, code: str, label: str, lines: list[str] | None, error: str | None) -> None:
            super().__init__()
            self.code, self.label, self.lines, self.error = code, label, lines, error

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.snapshot: Scoring | None = None
        self._selected: str | None = None  # candidate code
        self._announcing: set[str] = set()  # announced from here: shown to the hall once signed

    def compose_body(self) -> ComposeResult:
        with Horizontal(classes="panel-row"):
            yield TablePanel(
                t("scorer_panel_candidates"),
                [("number", t("scorer_col_number")), ("count", t("scorer_col_confirmed")),
                 ("state", t("scorer_col_state"))],
                t("scorer_no_candidates"), id="score-candidates",
            )
            with Vertical(id="score-right"):
                yield TablePanel(
                    t("scorer_panel_sheets"),
                    [("examiner", t("scorer_col_examiner")), ("total", t("scorer_col_total")),
                     ("state", t("scorer_col_sheet")), ("note", t("scorer_col_note"))],
                    t("scorer_no_sheets"), id="score-sheets",
                )
                with Vertical(id="score-result"):
                    yield Plain("", id="result-progress")
                    yield Plain("", id="result-method")
                    yield Vertical(id="result-items")
                    yield Plain("", id="result-line")

    @property
    def candidates_table(self) -> DataTable:
        return self.query_one("#score-candidates", TablePanel).table

    @property
    def sheets_table(self) -> DataTable:
        return self.query_one("#score-sheets", TablePanel).table

    # ------------------------------------------------------------------ loading

    def load(self, session: Session, activity: LedgerActivity) -> Scoring:
        state = session.state
        rules = current_rules(session)
        grouped: dict[str, list[Sheet]] = {}
        for (code, _examiner), sheet in state.scoring.sheets.items():
            grouped.setdefault(code, []).append(sheet)
        for own in grouped.values():
            own.sort(key=lambda s: s.examiner)
        signing = {a.params.get("candidate"): a.id for a in pending.open_actions(state) if a.action == "announce"}
        return Scoring(tuple(candidate_view(state, rules, code, grouped.get(code, []), signing)
                             for code in listed_codes(state, grouped)))

    # ------------------------------------------------------------------ showing

    def show(self, snapshot: Scoring) -> None:
        self.snapshot = snapshot
        self.query_one("#score-candidates", TablePanel).show_rows({
            c.code: [c.label, Text(f"{c.confirmed}/{c.expected}", justify="right"), t(f"scorer_state_{c.state}")]
            for c in snapshot.candidates
        })
        if snapshot.find(self._selected) is None:
            first = (next((c for c in snapshot.candidates if c.state == TO_CONFIRM), None)
                     or next((c for c in snapshot.candidates if c.state in (WAITING, OPEN, COMPLETE, SIGNING)), None)
                     or (snapshot.candidates[0] if snapshot.candidates else None))
            self._selected = first.code if first else None
            if first is not None:
                self.candidates_table.move_cursor(row=self.candidates_table.get_row_index(first.code))
        self._show_candidate()
        self._show_signed_announcements(snapshot)

    def _show_candidate(self) -> None:
        candidate = self.snapshot.find(self._selected) if self.snapshot else None
        panel = self.query_one("#score-sheets", TablePanel)
        panel.border_title = (t("scorer_sheets_of", number=candidate.label) if candidate
                              else t("scorer_panel_sheets"))
        if candidate is not None and candidate.panel:  # the panel (考官组) scoring this candidate, and its chief
            panel.border_title = t("scorer_sheets_of_panel", number=candidate.label, panel=candidate.panel[0],
                                   chief=candidate.panel[1])
        rows: dict[str, list[Cell]] = {}
        for line in candidate.sheets if candidate else ():
            rows[f"{candidate.code}\t{line.examiner}"] = [
                line.examiner, Text(line.total, justify="right"), t(f"scorer_sheet_{line.status}"), self._note(line)]
        panel.show_rows(rows)
        self._show_result(candidate)
        self.refresh_bindings()

    @staticmethod
    def _note(line: SheetLine) -> str:
        if line.dropped in (HIGH, LOW):
            return t(f"scorer_dropped_{line.dropped}")
        if line.dropped:
            return t("scorer_dropped_items", count=line.dropped)
        if line.status == CONFIRMED:
            return t("scorer_confirmed_by", user=line.confirmed_by)
        return line.reason  # of a rejection or a withdrawal: free text, last

    def _show_result(self, candidate: CandidateView | None) -> None:
        self._fill_result(candidate)
        for line in self.query("#score-result > Plain").results(Plain):
            line.display = bool(str(line.content))

    def _fill_result(self, candidate: CandidateView | None) -> None:
        box = self.query_one("#score-result", Vertical)
        box.border_title = t("scorer_panel_result")
        progress = self.query_one("#result-progress", Plain)
        method = self.query_one("#result-method", Plain)
        result = self.query_one("#result-line", Plain)
        holder = self.query_one("#result-items", Vertical)
        holder.remove_children()
        method.update("")
        result.update("")
        for state in (ABSENT, COMPLETE, ANNOUNCED, SIGNING):
            box.set_class(candidate is not None and candidate.state == state, f"-{state}")
        if candidate is None:
            progress.update(t("scorer_no_candidates"))
            return
        if candidate.state == ABSENT:
            progress.update(t("scorer_absent"))
            return
        if candidate.state == LEFT:
            progress.update(t("scorer_left"))
            return
        if candidate.aggregate is None and candidate.announced is None:
            waiting = t("app_list_separator").join(candidate.waiting_for) or "-"
            progress.update(t("scorer_progress", confirmed=candidate.confirmed, expected=candidate.expected,
                              waiting=waiting))
            return
        if candidate.announced is not None:
            progress.update(t("scorer_announced_hint"))
            method.update(method_text(candidate.announced.method, candidate.announced.extremes_dropped))
            result.update(t("scorer_result", result=candidate.announced.result))
            return
        agg = candidate.aggregate
        progress.update(t("scorer_signing", id=candidate.signing) if candidate.signing else t("scorer_complete"))
        method.update(method_text(agg.method, agg.extremes_dropped))
        for item in agg.items:
            line = (t("scorer_item_line", name=item.name, mean=item.mean, high=item.high or "-", low=item.low or "-")
                    if agg.extremes_dropped else t("scorer_item_line_all", name=item.name, mean=item.mean))
            holder.mount(Plain(line, classes="result-item"))
        result.update(t("scorer_result", result=agg.result))

    def _show_signed_announcements(self, snapshot: Scoring) -> None:
        """An announcement asked for here is shown to the hall as soon as a supervisor has signed it."""
        for code in list(self._announcing):
            candidate = snapshot.find(code)
            if candidate is None or candidate.announced is None:
                continue
            if self.is_current:  # not over a dialog; the next reload tries again
                self._announcing.discard(code)
                self.app.push_screen(AnnouncementScreen(candidate.announced))

    # ------------------------------------------------------------------ moving

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table is self.candidates_table and event.row_key.value != self._selected:
            self._selected = event.row_key.value
            self._show_candidate()
        elif event.data_table is self.sheets_table:
            self.refresh_bindings()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table is self.sheets_table:
            self.action_confirm()
        elif event.data_table is self.candidates_table:
            self.sheets_table.focus()

    def _candidate(self) -> CandidateView | None:
        return self.snapshot.find(self._selected) if self.snapshot else None

    def _sheet(self) -> SheetLine | None:
        """The sheet under the cursor of the sheets table."""
        candidate, table = self._candidate(), self.sheets_table
        if candidate is None or not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return next((s for s in candidate.sheets if f"{candidate.code}\t{s.examiner}" == row_key.value), None)

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # None: dimmed in the footer; pressed, the key says why (why_not)
        return None if self.why_not(action, parameters) is not None else True

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """Why a key of this screen cannot act on the candidate or sheet under the cursor."""
        if action not in ("confirm", "reject", "announce", "view"):
            return None
        candidate = self._candidate()
        if candidate is None:
            return t("keys_no_candidate")
        number = candidate.label
        if action in ("confirm", "reject"):
            sheet = self._sheet()
            if sheet is None:
                return t("keys_no_sheet", number=number)
            if sheet.status != SUBMITTED:
                return t("keys_sheet_not_waiting", examiner=sheet.examiner, number=number,
                         state=t(f"scorer_sheet_{sheet.status}"))
            return None
        if action == "view":
            return None if candidate.announced is not None else t("keys_view_not_announced", number=number)
        if candidate.state == COMPLETE and candidate.aggregate is not None:
            return None
        if candidate.state == SIGNING:
            return t("keys_announce_signing", number=number, id=candidate.signing)
        if candidate.state == ANNOUNCED:
            return t("keys_announce_done", number=number)
        if candidate.state in (ABSENT, LEFT):
            return t(f"keys_announce_{candidate.state}", number=number)
        return t("keys_announce_incomplete", number=number, expected=candidate.expected,
                 confirmed=candidate.confirmed, missing=max(candidate.expected - candidate.confirmed, 0))

    def action_confirm(self) -> None:
        candidate, sheet = self._candidate(), self._sheet()
        if candidate is None or sheet is None or sheet.status != SUBMITTED:
            return
        code, label, examiner = candidate.code, candidate.label, sheet.examiner
        lines = [t("scorer_sheet_marks", marks=" ".join(sheet.items)), t("scorer_sheet_total", total=sheet.total)]

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self.run_action(lambda s: (sheets.confirm(s, code, examiner),
                                           t("sheet_confirmed", ref=label, examiner=examiner))[1])

        self.app.push_screen(ConfirmScreen(t("scorer_confirm_title", examiner=examiner, number=label), lines,
                                           verb=t("verb_confirm_sheet")), answered)

    def action_reject(self) -> None:
        candidate, sheet = self._candidate(), self._sheet()
        if candidate is None or sheet is None or sheet.status != SUBMITTED:
            return
        code, label, examiner = candidate.code, candidate.label, sheet.examiner

        def answered(reason: str | None) -> None:
            if reason:
                self.run_action(lambda s: (sheets.reject(s, code, examiner, reason),
                                           t("sheet_rejected", ref=label, examiner=examiner))[1])

        self.app.push_screen(ReasonScreen(t("scorer_reject_title", examiner=examiner, number=label),
                                          [t("scorer_sheet_total", total=sheet.total)], verb=t("verb_reject")),
                             answered)

    def action_announce(self) -> None:
        candidate = self._candidate()
        if candidate is None or candidate.state != COMPLETE or candidate.aggregate is None:
            return
        self.preview_announcement(candidate.code, candidate.label)

    @work(thread=True, exclusive=True, group="scoring-preview")
    def preview_announcement(self, code: str, label: str) -> None:
        """The announcement's details as the supervisor will see them, read off the UI thread."""
        try:
            lines = self.context.shared.use(lambda session, _activity: sheets.announce_preview(session, code))
        except SessionClosed:
            return
        except JzError as error:
            self.post_message(self.Previewed(code, label, None, error_text(error)))
        else:
            self.post_message(self.Previewed(code, label, lines, None))

    def on_scoring_screen_previewed(self, message: Previewed) -> None:
        if message.error is not None or message.lines is None:
            self.notify(message.error or "", severity="error", markup=False)
            return
        code, seen = message.code, message.lines

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self._announcing.add(code)

                def announce(session: Session) -> str:
                    action = sheets.announce(session, code, seen=seen)
                    return t("announce_pending", id=action.id, ref=action.params["number"],
                             result=action.params["result"])

                self.run_action(announce)

        self.app.push_screen(ConfirmScreen(t("scorer_announce_title", number=message.label),
                                           [t("scorer_announce_needs")], seen, verb=t("verb_announce")), answered)

    def action_view(self) -> None:
        candidate = self._candidate()
        if candidate is not None and candidate.announced is not None:
            self.app.push_screen(AnnouncementScreen(candidate.announced))

    def action_print_paper(self) -> None:
        """The candidate's interview summary once announced, else a blank score sheet with their number."""
        candidate = self._candidate()
        if candidate is None:
            self.paper_note(t("paper_ui_nothing"), True)
            return
        self.print_paper("summary" if candidate.announced is not None else "sheet", candidate=candidate.code)

    @work(thread=True, exclusive=True, group="scoring-action")
    def run_action(self, action: Callable[[Session], str]) -> None:
        try:
            text = self.context.shared.use(lambda session, _activity: action(session))
        except SessionClosed:
            return
        except JzError as error:
            self.post_message(self.Done(None, error_text(error)))
        else:
            self.post_message(self.Done(text, None))

    def on_scoring_screen_done(self, message: Done) -> None:
        if message.error is not None:
            self.notify(message.error, severity="error", markup=False)
        else:
            self.notify(message.text or "", markup=False)
        self.reload()
