"""Ballot box (tally): opening the sealed box, entering paper ballots, the double count,
reconciliation, the close, and opening the electronic ballots.

A tally officer works on one post of their boxes at a time (``[`` and ``]`` switch). The
entry panel is built for speed: the table lists the post's candidates in code order (the
ballot paper, names included), one key per candidate fills the current ballot left to
right (1 satisfied, 2 basically satisfied, 3 dissatisfied, 0 blank; Backspace goes back
a mark), Enter stores it. The same table carries the running count per candidate, which
only the box's officers see (``ballots.officer_view`` refuses everyone else).

Stored ballots go through a queue drained by one thread worker at a time, with numbers
fixed on the UI thread at the moment Enter is pressed: the officer keeps typing while a
ballot is being written, and the ledger holds the ballots in the order they were typed.

Everyone else with this mode (the admin) sees the boxes and where each post stands,
never a count before the close.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from decimal import Decimal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, RadioButton, RadioSet

from jz_tui import ballots
from jz_tui.democratic import KEY_TO_MARK, LETTER_KEYS, MARKS
from jz_tui.i18n import error_text, t
from jz_tui.session import Session
from storage.errors import AuthError, JzError
from storage.vault import Identity

from .base import ModeScreen, localise_bindings
from .confirm import ConfirmScreen
from .data import LedgerActivity, SessionClosed, SharedSession
from .widgets import LiveTable, Plain, TablePanel, TypeAheadInput, number

MARK_KEYS = {mark: key for key, mark in KEY_TO_MARK.items()}  # "S" -> "1"


def mark_label(mark: str) -> str:
    """A mark in words (满意 / satisfied ...), as the ballot paper says it."""
    return t(f"tally_ui_mark_{MARKS[mark]}")


def marks_text(marks: str | None) -> str:
    """A stored entry as letters (``S B D - S``), or "void"."""
    return t("tally_ui_void_entry") if marks is None else " ".join(marks)


def percent(rate: str | None) -> str:
    """A rate kept to 4 places (``0.3000``) as a percentage with 2 (``30.00%``): the same digits."""
    return "" if rate is None else f"{Decimal(rate) * 100:.2f}%"


# ---------------------------------------------------------------------- snapshots


@dataclass(frozen=True)
class CandidateLine:
    code: str
    name: str
    withdrawn: bool
    counts: tuple[int, int, int, int]  # satisfied, basic, dissatisfied, blank
    score: str | None
    rate: str | None  # 4 places
    excluded: bool


@dataclass(frozen=True)
class PostCount:
    """One post as its tally officer sees it."""

    post: str
    post_name: str
    box: str
    seal_no: str
    opened: tuple[bool, str, int, int] | None  # seal intact, note, issued, returned
    closed: bool
    close_pending: bool  # a close was requested and waits for signatures
    candidates: tuple[CandidateLine, ...]
    groups: tuple[str, ...]
    next_no: int  # the number this officer's next new ballot gets
    mine: tuple[tuple[int, str | None], ...]  # this officer's entries: (number, marks or None for void)
    last_no: int | None  # this officer's latest stored entry
    pair: tuple[str, ...]  # the two officers whose entries are compared
    discrepancies: tuple[int, ...]
    differing: tuple[tuple[int, str, str], ...]  # (number, first's entry, second's entry) for the first few
    valid: int  # valid ballots in the count (paper and electronic)
    void: int
    reconciliation: tuple[int, int, int, int] | None  # issued, returned, valid (paper), void
    problems: tuple[str, ...]  # why it cannot close now, in words
    unreconciled: bool  # the reconciliation fails (a supervisor's override would let it close)
    override: bool
    slips: int  # electronic voting slips issued for the box
    cast: int
    unsealed: bool
    electronic: int  # electronic ballots counted
    k: int
    officers: tuple[str, ...]


@dataclass(frozen=True)
class BoxLine:
    """One post of a box, for someone who may not see its count."""

    post: str
    post_name: str
    box: str
    seal_no: str
    officers: str
    status: str  # catalogue key
    slips: str  # "cast/issued", or "" without slips


@dataclass(frozen=True)
class TallySnapshot:
    officer: bool  # this user counts some box
    posts: tuple[tuple[str, str], ...]  # (post, name) of this officer's boxes
    current: PostCount | None
    boxes: tuple[BoxLine, ...]  # for everyone else


@dataclass(frozen=True)
class Job:
    """One ballot to store: entered (marks) or void (reason), under a number fixed when typed."""

    post: str
    number: int
    marks: str | None
    group: str = ""
    reason: str = ""
    correcting: bool = False


@dataclass(frozen=True)
class OpenForm:
    seal_intact: bool
    note: str
    issued: int
    returned: int


def _post_count(session: Session, post: str) -> PostCount:
    view = ballots.officer_view(session, post)  # refuses anyone but the box's officers before the close
    state = session.state
    tally = state.tally.posts[post]
    box = state.tally.boxes[tally.box]
    rules = ballots.rules_for(state)
    roster = {c.code: c for c in state.roster.candidates_of(post)}
    lines = tuple(
        CandidateLine(
            r.code, roster[r.code].name if r.code in roster else "", bool(r.code in roster and roster[r.code].withdrawn),
            (r.counts["satisfied"], r.counts["basic"], r.counts["dissatisfied"], r.counts["blank"]),
            None if r.score is None else str(r.score), r.rate_shown, r.excluded,
        )
        for r in view.results
    )
    mine = tally.entries.get(session.user, {})
    pair = tuple(view.counters[:2])
    differing = ()
    if len(pair) == 2:
        first, second = tally.entries[pair[0]], tally.entries[pair[1]]

        def shown(entries, no):
            return "" if no not in entries else marks_text(entries[no].marks)

        differing = tuple((no, shown(first, no), shown(second, no)) for no in view.discrepancies[:20])
    recon = view.reconciliation
    problems = () if tally.closed is not None else tuple(error_text(e) for e in ballots.close_problems(state, post))
    opened = tally.opened
    return PostCount(
        post=post,
        post_name=state.roster.posts[post].name if post in state.roster.posts else "",
        box=box.id,
        seal_no=box.seal_no,
        opened=None if opened is None else (bool(opened["seal_intact"]), str(opened.get("note", "")),
                                            int(opened["issued"]), int(opened["returned"])),
        closed=view.closed,
        close_pending=ballots.close_pending(state, post),
        candidates=lines,
        groups=tuple(name for name, _ in rules.groups),
        next_no=max(mine, default=0) + 1,
        mine=tuple((no, e.marks) for no, e in sorted(mine.items())),
        last_no=max(mine.items(), key=lambda item: item[1].seq)[0] if mine else None,
        pair=pair,
        discrepancies=tuple(view.discrepancies),
        differing=differing,
        valid=len(view.ballots),
        void=view.void,
        reconciliation=None if recon is None else (recon.issued, recon.returned, recon.valid, recon.void),
        problems=problems,
        unreconciled=bool(recon and recon.problems),
        override=tally.override is not None,
        slips=len(box.token_hashes),
        cast=len(box.spent),
        unsealed=box.unsealed_seq is not None,
        electronic=len(tally.electronic),
        k=box.k,
        officers=tuple(box.officers),
    )


def _box_lines(session: Session) -> tuple[BoxLine, ...]:
    state = session.state
    lines = []
    for box in state.tally.boxes.values():
        for post in box.posts:
            tally = state.tally.posts[post]
            if tally.closed is not None:
                status = "tally_ui_status_closed"
            elif ballots.close_pending(state, post):
                status = "tally_ui_status_signing"
            elif tally.opened is not None:
                status = "tally_ui_status_counting"
            else:
                status = "tally_ui_status_sealed"
            lines.append(BoxLine(
                post, state.roster.posts[post].name if post in state.roster.posts else "", box.id, box.seal_no,
                ", ".join(box.officers), status,
                f"{len(box.spent)}/{len(box.token_hashes)}" if box.token_hashes else "",
            ))
    return tuple(lines)


# ---------------------------------------------------------------------- the screen


class BallotsScreen(ModeScreen):
    MODE = "ballots"
    CSS_PATH = "ballots.tcss"
    BINDINGS = [
        *(
            Binding(key, f"mark('{mark}')", f"tally_ui_key_{MARKS[mark]}", id=f"mark-{key}",
                    tooltip="tally_ui_tip_mark", show=False)
            for key, mark in (*KEY_TO_MARK.items(), *LETTER_KEYS.items())
        ),
        Binding("backspace", "back", "tally_ui_key_back", id="back", tooltip="tally_ui_tip_back", show=False),
        Binding("enter", "store", "tally_ui_key_store", id="store", tooltip="tally_ui_tip_store",
                key_display="Enter"),
        Binding("v", "void", "tally_ui_key_void", id="void", tooltip="tally_ui_tip_void"),
        Binding("c", "correct_last", "tally_ui_key_correct", id="correct", tooltip="tally_ui_tip_correct"),
        Binding("n", "correct_number", "tally_ui_key_number", id="correct-number", tooltip="tally_ui_tip_number",
                show=False),
        Binding("escape", "cancel", "tally_ui_key_cancel", id="cancel", tooltip="tally_ui_tip_cancel", show=False),
        Binding("g", "group", "tally_ui_key_group", id="group", tooltip="tally_ui_tip_group"),
        Binding("o", "open_box", "tally_ui_key_open", id="open-box", tooltip="tally_ui_tip_open"),
        Binding("x", "close_tally", "tally_ui_key_close", id="close-tally", tooltip="tally_ui_tip_close"),
        Binding("r", "override", "tally_ui_key_override", id="override", tooltip="tally_ui_tip_override"),
        Binding("u", "unseal", "tally_ui_key_unseal", id="unseal", tooltip="tally_ui_tip_unseal"),
        Binding("left_square_bracket", "post(-1)", "tally_ui_key_prev", id="post-prev", tooltip="tally_ui_tip_post",
                key_display="[", show=False),
        Binding("right_square_bracket", "post(1)", "tally_ui_key_next", id="post-next", tooltip="tally_ui_tip_post",
                key_display="]", show=False),
    ]

    class Stored(Message):
        """The store worker finished one job: ``error`` is the refusal in words, or None."""

        def __init__(self, job: Job, error: str | None) -> None:
            super().__init__()
            self.job = job
            self.error = error

    class Done(Message):
        """Another worker (open, close, override, unseal) finished: what to say, and whether it was refused."""

        def __init__(self, text: str, error: bool, retry: object = None) -> None:
            super().__init__()
            self.text = text
            self.error = error
            self.retry = retry  # the form to show again after a refusal

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._snapshot: TallySnapshot | None = None
        self._post: str | None = None  # the post on screen (read by the load worker)
        self._marks: list[str] = []  # the ballot being typed
        self._correcting: int | None = None  # the number being re-entered, if any
        self._next_no = 0
        self._group = ""
        self._jobs: deque[Job] = deque()  # typed, not yet stored; the head is being stored
        self._last_stored: dict[str, int] = {}  # post -> number last stored from this screen

    # ------------------------------------------------------------------ layout

    def compose_body(self) -> ComposeResult:
        with Vertical(id="tally-officer"):
            yield Plain("", id="tally-post", classes="tally-line")
            yield Plain("", id="tally-opening", classes="tally-line")
            with Vertical(id="tally-ballot"):
                table = LiveTable([
                    ("code", t("tally_ui_col_code")), ("name", t("tally_ui_col_name")),
                    ("mark", t("tally_ui_col_this")),
                    ("s", t("tally_ui_col_s")), ("b", t("tally_ui_col_b")), ("d", t("tally_ui_col_d")),
                    ("blank", t("tally_ui_col_blank")),
                    ("score", t("tally_ui_col_score")), ("rate", t("tally_ui_col_rate")),
                ], id="tally-table")
                table.can_focus = False  # the keys belong to the ballot, not to the table
                yield table
                yield Plain(t("tally_ui_legend"), id="tally-legend", classes="tally-line")
            yield Plain("", id="tally-note", classes="tally-line")
            yield Plain("", id="tally-double", classes="tally-line")
            yield Plain("", id="tally-reconcile", classes="tally-line")
            yield Plain("", id="tally-blocked", classes="tally-line")
            yield Plain("", id="tally-electronic", classes="tally-line")
        with Vertical(id="tally-others"):
            yield Plain(t("tally_ui_others_intro"), classes="intro")
            yield TablePanel(
                t("tally_ui_panel_boxes"),
                [("post", t("tally_ui_col_post")), ("box", t("tally_ui_col_box")), ("seal", t("tally_ui_col_seal")),
                 ("status", t("tally_ui_col_status")), ("slips", t("tally_ui_col_slips")),
                 ("officers", t("tally_ui_col_officers"))],
                t("tally_ui_no_boxes"),
                id="tally-boxes",
            )

    def on_mount(self) -> None:  # ModeScreen.on_mount runs too (Textual calls each class's handler)
        self.query_one("#tally-ballot").border_title = Text(t("tally_ui_ballot_title", no=""))

    # ------------------------------------------------------------------ loading

    def load(self, session: Session, activity: LedgerActivity) -> TallySnapshot:
        session.refresh()
        state = session.state
        mine = [
            (post, state.roster.posts[post].name if post in state.roster.posts else "")
            for box in state.tally.boxes.values() if session.role == "tally" and session.user in box.officers
            for post in box.posts
        ]
        if not mine:
            return TallySnapshot(False, (), None, _box_lines(session))
        wanted = self._post if self._post in {p for p, _ in mine} else mine[0][0]
        return TallySnapshot(True, tuple(mine), _post_count(session, wanted), ())

    def show(self, snapshot: TallySnapshot) -> None:
        self._snapshot = snapshot
        self.query_one("#body").set_class(snapshot.officer, "-officer")
        boxes = self.query_one("#tally-boxes", TablePanel).table
        boxes.can_focus = not snapshot.officer
        if snapshot.officer and self.focused is boxes:
            self.set_focus(None)  # an officer's keys are the ballot's: no table may take Enter
        if not snapshot.officer:
            self.query_one("#tally-boxes", TablePanel).show_rows({
                line.post: [f"{line.post} {line.post_name}", line.box, line.seal_no, t(line.status), line.slips,
                            line.officers]
                for line in snapshot.boxes
            })
            self.refresh_bindings()
            return
        current = snapshot.current
        assert current is not None
        if current.post != self._post:  # first load, or the post changed
            self._post = current.post
            self._reset_entry()
            self._next_no = 0
        self._next_no = max(self._next_no, current.next_no)
        if current.groups and self._group not in current.groups:
            self._group = current.groups[0]
        self._show_post(snapshot, current)
        self._show_ballot()
        self.refresh_bindings()

    def _show_post(self, snapshot: TallySnapshot, p: PostCount) -> None:
        index = [post for post, _ in snapshot.posts].index(p.post) + 1
        self.query_one("#tally-post", Plain).update(t(
            "tally_ui_post_line", post=p.post, name=p.post_name, index=index, count=len(snapshot.posts), box=p.box,
            seal=p.seal_no,
        ) + (t("tally_ui_post_keys") if len(snapshot.posts) > 1 else ""))
        opening = self.query_one("#tally-opening", Plain)
        if p.closed:
            opening.update(t("tally_ui_closed_line"))
        elif p.opened is None:
            opening.update(t("tally_ui_not_opened"))
        else:
            intact, note, issued, returned = p.opened
            seal = t("tally_ui_seal_intact") if intact else t("tally_ui_seal_broken", note=note)
            opening.update(t("tally_ui_opened_line", seal=seal, issued=issued, returned=returned))
        opening.set_class(p.opened is None and not p.closed, "-warning")
        opening.set_class(p.closed, "-ok")

        self.query_one("#tally-table", LiveTable).sync({
            line.code: [
                line.code,
                line.name + (t("tally_ui_withdrawn") if line.withdrawn else ""),
                self._mark_cell(i),
                number(line.counts[0]), number(line.counts[1]), number(line.counts[2]), number(line.counts[3]),
                Text(line.score or "", justify="right"),
                Text(percent(line.rate), justify="right", style="bold red" if line.excluded else ""),
            ]
            for i, line in enumerate(p.candidates)
        })

        double = self.query_one("#tally-double", Plain)
        if len(p.pair) < 2:
            double.update(t("tally_ui_single_count", officer=p.pair[0]) if p.pair else "")
        elif p.discrepancies:
            shown = p.discrepancies[:12]
            more = len(p.discrepancies) - len(shown)
            numbers = t("app_list_separator").join(map(str, shown)) + (t("tally_ui_more", count=more) if more else "")
            double.update(t("tally_ui_differ", first=p.pair[0], second=p.pair[1], numbers=numbers))
        else:
            double.update(t("tally_ui_agree", first=p.pair[0], second=p.pair[1]))
        double.set_class(bool(p.discrepancies), "-error")
        double.set_class(len(p.pair) == 2 and not p.discrepancies, "-ok")

        reconcile = self.query_one("#tally-reconcile", Plain)
        if p.reconciliation is None:
            reconcile.update("")
        else:
            issued, returned, valid, void = p.reconciliation
            reconcile.update(t("tally_ui_reconcile", issued=issued, returned=returned, valid=valid, void=void,
                               electronic=p.electronic)
                             + (t("tally_ui_override_signed") if p.override else ""))

        blocked = self.query_one("#tally-blocked", Plain)
        if p.closed or p.opened is None:  # not opened: the line above says so
            blocked.update("")
        elif p.problems:
            blocked.update(t("tally_ui_blocked", reason=p.problems[0]))
        else:
            blocked.update(t("tally_ui_can_close"))
        blocked.set_class(bool(p.problems) and not p.closed and p.opened is not None, "-error")
        blocked.set_class(not p.problems and not p.closed, "-ok")

        electronic = self.query_one("#tally-electronic", Plain)
        if not p.slips:
            electronic.update("")
        elif p.unsealed:
            electronic.update(t("tally_ui_electronic_open", count=p.electronic, slips=p.slips))
        else:
            electronic.update(t("tally_ui_electronic_sealed", cast=p.cast, slips=p.slips, k=p.k,
                                n=len(p.officers)))
        electronic.set_class(not p.slips, "-hidden")

    # ------------------------------------------------------------------ the ballot being typed

    @property
    def _current(self) -> PostCount | None:
        return None if self._snapshot is None else self._snapshot.current

    def _mark_cell(self, index: int) -> Text:
        if index < len(self._marks):
            mark = self._marks[index]
            return Text(mark_label(mark), style="bold red" if mark == "D" else "")
        current = self._current
        typing = current is not None and current.opened is not None and not current.closed
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
        table.show_cursor = not complete and current.opened is not None and not current.closed
        if table.show_cursor and table.row_count:
            table.move_cursor(row=min(len(self._marks), table.row_count - 1))

        panel = self.query_one("#tally-ballot")
        group = t("tally_ui_group", group=self._group) if current.groups else ""
        if current.closed or current.opened is None:
            title = t("tally_ui_ballot_idle")
        elif self._correcting is not None:
            old = dict(current.mine).get(self._correcting, "")
            title = t("tally_ui_correcting", no=self._correcting,
                      old=marks_text(old) if self._correcting in dict(current.mine) else "-") + group
        else:
            title = t("tally_ui_ballot_title", no=self._next_no) + group
        if complete and current.opened is not None and not current.closed:
            title += t("tally_ui_complete")
        panel.border_title = Text(title)
        panel.set_class(self._correcting is not None, "-correcting")
        panel.set_class(complete, "-complete")

    def _reset_entry(self) -> None:
        self._marks = []
        self._correcting = None

    def _note(self, text: str, kind: str = "") -> None:
        note = self.query_one("#tally-note", Plain)
        note.update(text)
        note.set_class(kind == "error", "-error")
        note.set_class(kind == "ok", "-ok")

    def _can_enter(self) -> bool:
        # a requested close waits for signatures over what the signers saw: no more entries
        current = self._current
        return current is not None and current.opened is not None and not current.closed and not current.close_pending

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        snapshot, current = self._snapshot, self._current
        if action in {"mark", "back", "store", "void", "correct_last", "correct_number", "cancel", "group",
                      "open_box", "close_tally", "override", "unseal", "post"}:
            if snapshot is None or current is None:
                return False
        else:
            return True
        assert current is not None and snapshot is not None
        if action in {"mark", "back", "store", "void", "correct_last", "correct_number", "cancel"}:
            return self._can_enter()
        if action == "group":
            return self._can_enter() and bool(current.groups)
        if action == "open_box":
            return current.opened is None and not current.closed
        if action == "close_tally":  # once requested, the close waits for signatures: not offered again
            return self._can_enter()
        if action == "override":  # offered only while the reconciliation fails and nobody has overridden it
            return self._can_enter() and current.unreconciled and not current.override
        if action == "unseal":
            return bool(current.slips) and not current.unsealed and not current.closed
        if action == "post":
            return len(snapshot.posts) > 1
        return True

    def action_mark(self, mark: str) -> None:
        current = self._current
        if current is None or len(self._marks) >= len(current.candidates):
            self.app.bell()  # the ballot is full: Enter stores it, Backspace corrects it
            return
        self._marks.append(mark)
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

    def action_group(self) -> None:
        current = self._current
        if current is None or not current.groups:
            return
        groups = list(current.groups)
        self._group = groups[(groups.index(self._group) + 1) % len(groups)] if self._group in groups else groups[0]
        self._show_ballot()

    def action_post(self, step: int) -> None:
        snapshot = self._snapshot
        if snapshot is None or not snapshot.posts:
            return
        posts = [post for post, _ in snapshot.posts]
        index = posts.index(self._post) if self._post in posts else 0
        self._post = posts[(index + step) % len(posts)]
        self._reset_entry()
        self._next_no = 0
        self._note("")
        self.reload()

    # ------------------------------------------------------------------ storing, in order

    def _queue(self, job: Job) -> None:
        self._jobs.append(job)
        if len(self._jobs) == 1:
            self._store(job)

    @work(thread=True, group="tally-store")
    def _store(self, job: Job) -> None:
        def run(session: Session, _activity: LedgerActivity) -> int:
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

    def on_ballots_screen_stored(self, message: Stored) -> None:
        job = message.job
        if self._jobs and self._jobs[0] == job:
            self._jobs.popleft()
        if message.error is not None:
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
            self._last_stored[job.post] = job.number
            if job.marks is None:
                self._note(t("ballot_voided", no=job.number), "ok")
            else:
                key = "tally_ui_corrected" if job.correcting else "tally_ui_stored"
                self._note(t(key, no=job.number, marks=marks_text(job.marks)), "ok")
            if self._jobs:
                self._store(self._jobs[0])
        self.reload()

    # ------------------------------------------------------------------ opening, closing, override, unseal

    def action_open_box(self, form: OpenForm | None = None, problem: str = "") -> None:
        current = self._current
        if current is None:
            return
        post = current.post

        def answered(result: OpenForm | None) -> None:
            if result is not None:
                self._open(post, result)

        title = t("tally_ui_open_title", post=post, box=current.box, seal=current.seal_no)
        self.app.push_screen(OpenBoxScreen(title, form, problem), answered)

    @work(thread=True, group="tally-action")
    def _open(self, post: str, form: OpenForm) -> None:
        try:
            self.context.shared.use(lambda session, _: ballots.open_box(
                session, post, form.seal_intact, form.note, form.issued, form.returned))
        except SessionClosed:
            return
        except JzError as error:
            self.post_message(self.Done(error_text(error), True, retry=form))
        else:
            self.post_message(self.Done(t("box_opened", post=post), False))

    def action_close_tally(self) -> None:
        current = self._current
        if current is None:
            return
        post = current.post
        lines = [t("tally_ui_close_counts", valid=current.valid, void=current.void)]
        if current.problems:
            lines.append(t("tally_ui_blocked", reason=current.problems[0]))
        lines.append(t("tally_ui_close_who"))

        def answered(yes: bool | None) -> None:
            if yes:
                self._request(post, None)

        self.app.push_screen(ConfirmScreen(t("tally_ui_close_title", post=post), lines), answered)

    def action_override(self) -> None:
        current = self._current
        if current is None:
            return
        post = current.post

        def answered(reason: str | None) -> None:
            if reason is not None:
                self._request(post, reason)

        self.app.push_screen(PromptScreen(t("tally_ui_override_title", post=post), t("tally_ui_override_label")),
                             answered)

    @work(thread=True, group="tally-action")
    def _request(self, post: str, override_reason: str | None) -> None:
        """The close (``override_reason`` None) or an override, created pending."""
        try:
            if override_reason is None:
                action = self.context.shared.use(lambda session, _: ballots.request_close(session, post))
                text = t("tally_close_pending_created", id=action.id)
            else:
                action = self.context.shared.use(
                    lambda session, _: ballots.request_override(session, post, override_reason))
                text = t("tally_override_pending", id=action.id)
        except SessionClosed:
            return
        except JzError as error:
            self.post_message(self.Done(error_text(error), True))
        else:
            self.post_message(self.Done(text, False))

    def action_unseal(self) -> None:
        current = self._current
        if current is None:
            return
        box = current.box
        others = [name for name in current.officers if name != self.context.user]
        screen = UnsealScreen(self.context.shared, box, self.context.user, others, current.k - 1)

        def answered(identities: list[Identity] | None) -> None:
            if identities is not None:
                self._unseal(box, identities)

        self.app.push_screen(screen, answered)

    @work(thread=True, group="tally-action")
    def _unseal(self, box: str, identities: list[Identity]) -> None:
        try:
            opened = self.context.shared.use(
                lambda session, _: ballots.unseal(session, box, [session.identity, *identities]))
        except SessionClosed:
            return
        except JzError as error:
            self.post_message(self.Done(error_text(error), True))
        else:
            count = max((len(m) for m in opened.values()), default=0)
            self.post_message(self.Done(t("box_unsealed", box=box, count=count), False))
        finally:
            identities.clear()  # the other officers' keys leave this terminal's memory with the box key

    def on_ballots_screen_done(self, message: Done) -> None:
        self._note(message.text, "error" if message.error else "ok")
        if isinstance(message.retry, OpenForm):
            self.action_open_box(message.retry, message.text)
        self.reload()


# ---------------------------------------------------------------------- modals


class PromptScreen(ModalScreen[str | None]):
    """One line of text (a reason, a ballot number): Enter gives it, Escape gives None."""

    CSS_PATH = "ballots.tcss"
    BINDINGS = [Binding("escape", "cancel", "key_no", id="prompt-cancel", tooltip="tip_no")]

    def __init__(self, title: str, label: str, *, value: str = "", placeholder: str = "",
                 integer: bool = False) -> None:
        super().__init__()
        localise_bindings(self)
        self.title_text = title
        self.label = label
        self.value = value
        self.placeholder = placeholder
        self.integer = integer

    def compose(self) -> ComposeResult:
        with Vertical(classes="tally-modal"):
            yield Plain(self.title_text, classes="modal-title")
            yield Plain(self.label, classes="modal-label")
            yield TypeAheadInput(self.value, placeholder=self.placeholder, type="integer" if self.integer else "text",
                        id="prompt-input", max_length=200)
            yield Plain(t("tally_ui_prompt_hint"), classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#prompt-input", Input).focus()

    @on(Input.Submitted, "#prompt-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class OpenBoxScreen(ModalScreen[OpenForm | None]):
    """Opening a post's ballots: the seal (intact, or broken with a note), issued, returned."""

    CSS_PATH = "ballots.tcss"
    BINDINGS = [Binding("escape", "cancel", "key_no", id="open-cancel", tooltip="tip_no")]

    def __init__(self, title: str, form: OpenForm | None = None, problem: str = "") -> None:
        super().__init__()
        localise_bindings(self)
        self.title_text = title
        self.form = form
        self.problem = problem

    def compose(self) -> ComposeResult:
        form = self.form
        with Vertical(classes="tally-modal", id="open-box"):
            yield Plain(self.title_text, classes="modal-title")
            with RadioSet(id="open-seal"):
                yield RadioButton(t("tally_ui_seal_intact_choice"), value=form is None or form.seal_intact,
                                  id="seal-intact")
                yield RadioButton(t("tally_ui_seal_broken_choice"), value=form is not None and not form.seal_intact,
                                  id="seal-broken")
            yield Plain(t("tally_ui_open_note"), classes="modal-label")
            yield TypeAheadInput(form.note if form else "", id="open-note", max_length=200)
            with Horizontal(classes="modal-row"):
                with Vertical():
                    yield Plain(t("tally_ui_open_issued"), classes="modal-label")
                    yield TypeAheadInput(str(form.issued) if form else "", type="integer", id="open-issued")
                with Vertical():
                    yield Plain(t("tally_ui_open_returned"), classes="modal-label")
                    yield TypeAheadInput(str(form.returned) if form else "", type="integer", id="open-returned")
            yield Plain(self.problem, id="open-problem", classes="modal-problem")
            with Horizontal(classes="modal-buttons"):
                yield Button(t("tally_ui_open_submit"), id="open-submit", variant="primary", compact=True)
                yield Button(t("tally_ui_cancel_esc"), id="open-cancel-button", compact=True)

    def on_mount(self) -> None:
        self.query_one("#open-problem", Plain).set_class(bool(self.problem), "-shown")
        self.query_one("#open-seal", RadioSet).focus()

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "open-returned":
            self._submit()
        else:
            self.focus_next()

    @on(Button.Pressed, "#open-submit")
    def _submit(self) -> None:
        values = {}
        for field_id in ("open-issued", "open-returned"):
            text = self.query_one(f"#{field_id}", Input).value.strip()
            try:
                values[field_id] = int(text)
            except ValueError:
                problem = self.query_one("#open-problem", Plain)
                problem.update(t("tally_ui_open_number_needed"))
                problem.set_class(True, "-shown")
                self.query_one(f"#{field_id}", Input).focus()
                return
        intact = self.query_one("#open-seal", RadioSet).pressed_index != 1
        self.dismiss(OpenForm(intact, self.query_one("#open-note", Input).value, values["open-issued"],
                              values["open-returned"]))

    @on(Button.Pressed, "#open-cancel-button")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class UnsealScreen(ModalScreen[list[Identity] | None]):
    """The other officers type their passphrases in turn; each is checked (KDF) in a worker.

    Dismissed with the unlocked identities once ``needed`` of them are in; the logged-in
    officer counts already. Nothing typed is kept: the passphrase field is emptied after
    every attempt.
    """

    CSS_PATH = "ballots.tcss"
    BINDINGS = [Binding("escape", "cancel", "key_no", id="unseal-cancel", tooltip="tip_no")]

    class Unlocked(Message):
        def __init__(self, identity: Identity | None, problem: str | None) -> None:
            super().__init__()
            self.identity = identity
            self.problem = problem

    def __init__(self, shared: SharedSession, box: str, me: str, others: list[str], needed: int) -> None:
        super().__init__()
        localise_bindings(self)
        self.shared = shared
        self.box = box
        self.me = me
        self.others = others
        self.needed = needed
        self.unlocked: list[Identity] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="tally-modal", id="unseal"):
            yield Plain(t("tally_ui_unseal_title", box=self.box, k=self.needed + 1), classes="modal-title")
            yield Plain("", id="unseal-who", classes="modal-label")
            yield Plain(t("tally_ui_unseal_user"), classes="modal-label")
            yield TypeAheadInput(self._next_officer(), id="unseal-user", max_length=64)
            yield Plain(t("tally_ui_unseal_passphrase"), classes="modal-label")
            yield TypeAheadInput(id="unseal-passphrase", password=True)
            yield Plain("", id="unseal-problem", classes="modal-problem")
            yield Plain(t("tally_ui_unseal_hint"), classes="modal-hint")

    def on_mount(self) -> None:
        self._show_who()
        if self.needed <= 0:
            self.call_after_refresh(self.dismiss, [])
            return
        self.query_one("#unseal-user" if not self._next_officer() else "#unseal-passphrase", Input).focus()

    def _next_officer(self) -> str:
        done = {i.name for i in self.unlocked}
        return next((name for name in self.others if name not in done), "")

    def _show_who(self) -> None:
        done = [self.me, *(i.name for i in self.unlocked)]
        self.query_one("#unseal-who", Plain).update(t(
            "tally_ui_unseal_done", names=t("app_list_separator").join(done), have=len(done), k=self.needed + 1))

    @on(Input.Submitted, "#unseal-user")
    def _to_passphrase(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#unseal-passphrase", Input).focus()

    @on(Input.Submitted, "#unseal-passphrase")
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        name = self.query_one("#unseal-user", Input).value.strip()
        passphrase = event.value
        event.input.value = ""
        problem = ""
        if name not in self.others:
            problem = t("box_not_an_officer", user=name)
        elif name in {i.name for i in self.unlocked}:
            problem = t("tally_ui_unseal_already", user=name)
        if problem:
            self._problem(problem)
            return
        self.set_class(True, "-checking")
        event.input.disabled = True
        self._unlock(name, passphrase)

    @work(thread=True, exclusive=True, group="unseal-unlock")
    def _unlock(self, name: str, passphrase: str) -> None:
        try:
            identity = self.shared.use(lambda session, _: session.vault.unlock(name, passphrase))
        except SessionClosed:
            return
        except AuthError:
            self.post_message(self.Unlocked(None, t("login_failed")))
        except JzError as error:
            self.post_message(self.Unlocked(None, error_text(error)))
        else:
            self.post_message(self.Unlocked(identity, None))

    def on_unseal_screen_unlocked(self, message: Unlocked) -> None:
        self.set_class(False, "-checking")
        passphrase = self.query_one("#unseal-passphrase", Input)
        passphrase.disabled = False
        if message.identity is None:
            self._problem(message.problem or "")
            passphrase.focus()
            return
        self.unlocked.append(message.identity)
        self._problem("")
        self._show_who()
        if len(self.unlocked) >= self.needed:
            self.dismiss(self.unlocked)
            return
        user = self.query_one("#unseal-user", Input)
        user.value = self._next_officer()
        (passphrase if user.value else user).focus()

    def _problem(self, text: str) -> None:
        problem = self.query_one("#unseal-problem", Plain)
        problem.update(text)
        problem.set_class(bool(text), "-shown")

    def action_cancel(self) -> None:
        self.unlocked.clear()
        self.dismiss(None)
