"""Ballot box (tally): where each post stands, for its officers and for everyone else.

A tally officer works on one post of their boxes at a time (``[`` and ``]`` switch). The
table lists the post's candidates in code order with the ballot being typed and the
running count per candidate, which only the box's officers see; under it the double
count's discrepancies (and the entries withdrawn, with why), the reconciliation and what
still blocks the close. Until the first ballot is entered, ``f`` corrects the opening's figures.

Everyone else with this mode (the admin) sees the boxes and where each post stands,
never a count before the close.

The screen's work is split by what the officer does: the snapshots in
:mod:`screens.tally_snapshot`, paper entry in :mod:`screens.tally_entry`, opening, closing,
override and unsealing in :mod:`screens.tally_steps` (with the modals
:mod:`screens.open_box`, :mod:`screens.prompt`, :mod:`screens.unseal`).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets.data_table import ColumnKey

from jz_tui.i18n import t
from jz_tui.rules.democratic import KEY_TO_MARK, LETTER_KEYS, MARKS, NAMED, RECOMMENDATION, percent_text
from jz_tui.services import ballots
from jz_tui.services.session import Session

from .base import ModeScreen
from .data import LedgerActivity
from .printing import PRINT_BINDING, PrintsPaper
from .tally_entry import BallotEntry
from .tally_snapshot import PostCount, TallySnapshot, tally_snapshot
from .tally_steps import TallySteps
from .widgets import LiveTable, Plain, TablePanel, number


_OFFICER_ACTIONS = frozenset({"mark", "back", "store", "void", "correct_last", "correct_number", "cancel", "group",
                              "open_box", "close_tally", "override", "unseal", "post", "withdraw", "recount"})


def percent(rate: str | None) -> str:
    return "" if rate is None else percent_text(rate)


@dataclass(frozen=True)
class Corrections:
    """Beside an officer's snapshot: the entries withdrawn, and whether any ballot was entered yet."""

    withdrawn: tuple[tuple[str, int, str], ...] = ()  # (officer, number when withdrawn, reason)
    entered: bool = False  # some officer entered a ballot of the post (the opening's figures are final)
    recounts: tuple[str, ...] = ()  # the reasons the opening's figures were corrected, in ledger order


def corrections(session: Session, snapshot: TallySnapshot) -> Corrections:
    """Read with the snapshot (worker thread, session lock held); nothing for someone who sees no count."""
    if snapshot.current is None:
        return Corrections()
    post = snapshot.current.post
    tally = session.state.tally.posts[post]
    view = ballots.officer_view(session, post)
    return Corrections(view.withdrawn, any(tally.entries.values()) or bool(tally.withdrawn),
                       tuple(r["reason"] for r in tally.recounts))


class BallotsScreen(BallotEntry, TallySteps, PrintsPaper, ModeScreen):
    MODE = "ballots"
    _labelled: tuple[bool, int] | None = None  # the count columns' headings as last set (see _label_columns)
    CSS_PATH = "ballots.tcss"
    BINDINGS = [
        *(
            Binding(key, f"mark('{mark}')", f"tally_ui_key_{MARKS[mark]}", id=f"mark-{key}",
                    tooltip="tally_ui_tip_mark", show=False)
            for key, mark in (*KEY_TO_MARK.items(), *LETTER_KEYS.items())
        ),
        Binding("y", f"mark('{NAMED}')", "tally_ui_key_named", id="mark-y", tooltip="tally_ui_tip_mark",
                show=False),  # a recommendation (民主推荐): Y names the candidate (so does 1)
        Binding("backspace", "back", "tally_ui_key_back", id="back", tooltip="tally_ui_tip_back", show=False),
        Binding("enter", "store", "tally_ui_key_store", id="store", tooltip="tally_ui_tip_store",
                key_display="Enter"),
        Binding("v", "void", "tally_ui_key_void", id="void", tooltip="tally_ui_tip_void"),
        Binding("c", "correct_last", "tally_ui_key_correct", id="correct", tooltip="tally_ui_tip_correct"),
        Binding("n", "correct_number", "tally_ui_key_number", id="correct-number", tooltip="tally_ui_tip_number",
                show=False),
        Binding("escape", "cancel", "tally_ui_key_cancel", id="cancel", tooltip="tally_ui_tip_cancel", show=False),
        Binding("w", "withdraw", "tally_ui_key_withdraw", id="withdraw", tooltip="tally_ui_tip_withdraw",
                show=False),
        Binding("g", "group", "tally_ui_key_group", id="group", tooltip="tally_ui_tip_group"),
        Binding("o", "open_box", "tally_ui_key_open", id="open-box", tooltip="tally_ui_tip_open"),
        Binding("f", "recount", "tally_ui_key_recount", id="recount", tooltip="tally_ui_tip_recount"),
        Binding("x", "close_tally", "tally_ui_key_close", id="close-tally", tooltip="tally_ui_tip_close"),
        Binding("r", "override", "tally_ui_key_override", id="override", tooltip="tally_ui_tip_override"),
        Binding("u", "unseal", "tally_ui_key_unseal", id="unseal", tooltip="tally_ui_tip_unseal"),
        PRINT_BINDING,
        Binding("left_square_bracket", "post(-1)", "tally_ui_key_prev", id="post-prev", tooltip="tally_ui_tip_post",
                key_display="[", show=False),
        Binding("right_square_bracket", "post(1)", "tally_ui_key_next", id="post-next", tooltip="tally_ui_tip_post",
                key_display="]", show=False),
    ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._snapshot: TallySnapshot | None = None
        self._corrections = Corrections()
        self._post: str | None = None  # the post on screen (read by the load worker)

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
            yield Plain("", id="tally-withdrawn", classes="tally-line -hidden")
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

    def load(self, session: Session, activity: LedgerActivity) -> tuple[TallySnapshot, Corrections]:
        session.refresh()
        snapshot = tally_snapshot(session, self._post)
        return snapshot, corrections(session, snapshot)

    def show(self, loaded: tuple[TallySnapshot, Corrections]) -> None:
        snapshot, self._corrections = loaded
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
        # a withdrawal still queued moves the next number down by one when it is stored
        self._next_no = max(self._next_no, current.next_no - self._withdrawals_queued(current.post))
        if current.groups and self._group not in current.groups:
            self._group = current.groups[0]
        self._show_post(snapshot, current)
        self._show_ballot()
        self.refresh_bindings()

    def _label_columns(self, table: LiveTable, recommendation: bool, names: int) -> None:
        """A recommendation's post: its count columns are votes and not named, no rate; its keys Y and 0."""
        if self._labelled == (recommendation, names):
            return
        self._labelled = (recommendation, names)
        headings = {"s": "tally_ui_col_votes", "b": "", "d": "", "blank": "tally_ui_col_not_named", "rate": ""} \
            if recommendation else {"s": "tally_ui_col_s", "b": "tally_ui_col_b", "d": "tally_ui_col_d",
                                    "blank": "tally_ui_col_blank", "rate": "tally_ui_col_rate"}
        for key, heading in headings.items():
            column = table.columns.get(ColumnKey(key))
            if column is not None:
                column.label = Text(t(heading) if heading else "")
        table.refresh()
        self.query_one("#tally-legend", Plain).update(
            t("tally_ui_legend_recommend", names=names) if recommendation else t("tally_ui_legend"))

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
            recounts = self._corrections.recounts
            opening.update(t("tally_ui_opened_line", seal=seal, issued=issued, returned=returned)
                           + (t("tally_ui_recounted", count=len(recounts), reason=recounts[-1]) if recounts else ""))
        opening.set_class(p.opened is None and not p.closed, "-warning")
        opening.set_class(p.closed, "-ok")

        table = self.query_one("#tally-table", LiveTable)
        recommendation = p.ballot == RECOMMENDATION
        self._label_columns(table, recommendation, p.names)
        table.sync({
            line.code: [
                line.code,
                line.name + (t("tally_ui_withdrawn") if line.withdrawn else ""),
                self._mark_cell(i),
                number(line.counts[0]), "" if recommendation else number(line.counts[1]),
                "" if recommendation else number(line.counts[2]), number(line.counts[3]),
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

        withdrawn = self._corrections.withdrawn  # part of the double count: kept, shown with why
        items = t("app_list_separator").join(
            t("tally_ui_withdrawn_item", officer=officer, no=no, reason=reason) for officer, no, reason in withdrawn)
        shown_withdrawn = self.query_one("#tally-withdrawn", Plain)
        shown_withdrawn.update(t("tally_ui_withdrawn_count", count=len(withdrawn), items=items) if withdrawn else "")
        shown_withdrawn.set_class(not withdrawn, "-hidden")

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

    # ------------------------------------------------------------------ what the keys may do

    @property
    def _current(self) -> PostCount | None:
        return None if self._snapshot is None else self._snapshot.current

    def _note(self, text: str, kind: str = "") -> None:
        note = self.query_one("#tally-note", Plain)
        note.update(text)
        note.set_class(kind == "error", "-error")
        note.set_class(kind == "ok", "-ok")

    def _can_enter(self) -> bool:
        return self._entry_blocked() is None

    def _entry_blocked(self) -> str | None:
        """Why no ballot can be typed into the post now, or None."""
        current = self._current
        if current is None:
            return t("keys_loading")
        if current.closed:
            return t("keys_tally_closed", post=current.post)
        if current.close_pending:  # a requested close waits for signatures over what the signers saw
            return t("keys_tally_closing", post=current.post)
        if current.opened is None:
            return t("keys_tally_not_opened", post=current.post)
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action not in _OFFICER_ACTIONS:
            return True
        if self._snapshot is None or self._current is None:
            return False  # not an officer of a box: these keys are not theirs
        if self.why_not(action, parameters) is None:
            return True
        current = self._current
        if action == "close_tally" and current.problems and self._entry_blocked() is None:
            return None  # shown dimmed: the close is this post's next step, once its problem is solved
        return False  # not offered (nothing invites a key that cannot act); pressed, it says why

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """Why an officer's key cannot act on the post now, in one line (said on the note line)."""
        snapshot, current = self._snapshot, self._current
        if action not in _OFFICER_ACTIONS:
            return None
        if snapshot is None:
            return t("keys_loading")
        if current is None:
            return None  # someone who counts no box: the keys are not shown, and are not theirs
        entry = self._entry_blocked()
        if action in {"mark", "back", "store", "void", "correct_number", "cancel", "close_tally"}:
            if entry is None and action == "close_tally" and current.problems:
                return t("tally_ui_blocked", reason=current.problems[0])
            return entry
        if action == "correct_last":  # once there is a stored ballot to correct
            if entry is None and not (current.mine or self._jobs or current.post in self._last_stored):
                return t("tally_ui_nothing_to_correct")
            return entry
        if action == "withdraw":
            if entry is None and not (current.mine or self._jobs):
                return t("keys_tally_nothing_to_withdraw", post=current.post)
            return entry
        if action == "group":
            return entry or (None if current.groups else t("keys_tally_no_groups", post=current.post))
        if action == "recount":  # the opening's figures, until the first ballot is entered
            if entry is None and (self._corrections.entered or self._jobs):
                return t("keys_tally_recount_entered", post=current.post)
            return entry
        if action == "override":  # only while the reconciliation fails and nobody has overridden it
            if entry is not None:
                return entry
            if current.override:
                return t("keys_tally_override_signed", post=current.post)
            return None if current.unreconciled else t("keys_tally_reconciles", post=current.post)
        if action == "open_box":
            if current.closed:
                return t("keys_tally_closed", post=current.post)
            return None if current.opened is None else t("keys_tally_opened", post=current.post)
        if action == "unseal":
            if not current.slips:
                return t("keys_tally_no_slips", box=current.box)
            if current.unsealed:
                return t("keys_tally_unsealed", box=current.box)
            return t("keys_tally_closed", post=current.post) if current.closed else None
        if action == "post":
            return None if len(snapshot.posts) > 1 else t("keys_tally_one_post", post=current.post)
        return None

    def say_why(self, reason: str) -> None:
        """A key that cannot act answers on the panel's note line (where the officer looks)."""
        self._note(reason, "error")

    def _print_post(self) -> tuple[str, bool] | None:
        """The post the print key prints (an officer's post on screen, else the box row under the cursor), closed?"""
        snapshot = self._snapshot
        if snapshot is None:
            return None
        if snapshot.current is not None:
            return snapshot.current.post, snapshot.current.closed
        table = self.query_one("#tally-boxes", TablePanel).table
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        line = next((b for b in snapshot.boxes if b.post == row_key.value), None)
        return None if line is None else (line.post, line.status == "tally_ui_status_closed")

    def action_print_paper(self) -> None:
        """The tally record of the post once closed; blank ballots before."""
        target = self._print_post()
        if target is None:
            self._note(t("paper_ui_nothing"), "error")
            return
        post, closed = target
        self.print_paper("tally" if closed else "ballot", post=post)

    def paper_note(self, text: str, error: bool) -> None:
        self._note(text, "error" if error else "ok")

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
