"""The roster (admin): posts and candidates, search, corrections with a reason, withdrawals.

The search box uses :func:`jz_tui.services.checkin.search`, the check-in's own search: exam
number, name, pinyin initials or the last ID digits. Editing a candidate goes through
:func:`jz_tui.services.roster.edit_candidate` and withdrawing through
:func:`jz_tui.services.roster.withdraw_candidate`, the calls behind ``jz roster edit`` and
``jz roster withdraw``; both take a reason, and a refused change reopens its form with
what was typed and the reason it was refused. Career staff (事业编制) are marked as
appointed on contract (聘任制).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input, Select

from jz_tui.errors import JzError
from jz_tui.i18n import error_text, t
from jz_tui.services import checkin, roster
from jz_tui.services.session import Session

from .base import ModeScreen
from .data import LedgerActivity, SessionClosed
from .form import FormField, FormScreen
from .widgets import Plain, TablePanel, TypeAheadInput, number


@dataclass(frozen=True)
class PostRow:
    code: str
    name: str
    seats: int
    department: str
    open: bool
    candidates: int


@dataclass(frozen=True)
class CandidateRow:
    code: str
    name: str
    post: str
    unit: str
    establishment: str
    contract: bool
    status: str  # "", "checked_in", "absent", "withdrawn", "disqualified"
    fields: tuple[tuple[str, str], ...]  # the editable fields and their current values


@dataclass(frozen=True)
class RosterSnapshot:
    posts: tuple[PostRow, ...]
    candidates: tuple[CandidateRow, ...]
    query: str
    matches: frozenset[str] | None  # the codes the search found; None: no search


def status_of(candidate, roster_state) -> str:
    if candidate.withdrawn is not None:
        return "withdrawn"
    if candidate.disqualified is not None:
        return "disqualified"
    if candidate.code in roster_state.checkins:
        return "checked_in"
    if candidate.code in roster_state.absent:
        return "absent"
    return ""


STATUS_LABELS = {"withdrawn": "status_withdrawn", "disqualified": "roster_status_disqualified",
                 "checked_in": "status_checked_in", "absent": "status_absent"}


def roster_snapshot(session: Session, query: str) -> RosterSnapshot:
    state = session.state.roster
    posts = tuple(
        PostRow(p.code, p.name, p.seats, p.department, p.open, len(state.candidates_of(p.code)))
        for p in sorted(state.posts.values(), key=lambda p: p.code)
    )
    candidates = tuple(
        CandidateRow(c.code, c.name, c.post, c.unit, c.establishment, roster.is_contract(c), status_of(c, state),
                     tuple((f, str(getattr(c, f))) for f in roster.EDITABLE))
        for c in sorted(state.candidates.values(), key=lambda c: c.code)
    )
    matches = frozenset(c.code for c in checkin.search(state, query)) if query.strip() else None
    return RosterSnapshot(posts, candidates, query, matches)


class EditForm(FormScreen):
    """The edit form: choosing a field puts its current value in the value box."""

    def __init__(self, *args, current: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.current = current
        self.shown_field = next(f.value for f in self.fields if f.key == "field")

    def on_select_changed(self, event: Select.Changed) -> None:
        # only a real change of field: the form may reopen with a value the admin typed
        if event.select.id == "field-field" and isinstance(event.value, str) and event.value != self.shown_field:
            self.shown_field = event.value
            self.query_one("#field-value", Input).value = self.current.get(event.value, "")


class RosterScreen(ModeScreen):
    MODE = "roster"
    CSS_PATH = "roster.tcss"
    BINDINGS = [
        Binding("e", "edit", "key_roster_edit", id="roster-edit", tooltip="tip_roster_edit"),
        Binding("w", "withdraw", "key_roster_withdraw", id="roster-withdraw", tooltip="tip_roster_withdraw"),
        Binding("slash", "search", "key_roster_search", id="roster-search", tooltip="tip_roster_search",
                key_display="/"),
    ]

    class Changed(Message):
        """An edit or withdrawal finished; ``error`` is the refusal in words, or None."""

        def __init__(self, kind: str, code: str, values: dict[str, str], error: str | None) -> None:
            super().__init__()
            self.kind = kind
            self.code = code
            self.values = values
            self.error = error

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._query = ""  # read by the load worker; a str is replaced whole, never mutated
        self._candidates: dict[str, CandidateRow] = {}

    def compose_body(self) -> ComposeResult:
        yield TypeAheadInput(placeholder=t("roster_search_placeholder"), id="roster-query")
        yield TablePanel(
            t("roster_panel_posts"),
            [("code", t("checkin_col_post")), ("name", t("checkin_col_post_name")), ("seats", t("roster_col_seats")),
             ("department", t("roster_col_department")), ("open", t("roster_col_open")),
             ("candidates", t("roster_col_candidates"))],
            t("roster_posts_empty"),
            id="roster-posts",
        )
        yield TablePanel(
            t("roster_panel_candidates"),
            [("code", t("draw_col_code")), ("name", t("draw_col_name")), ("post", t("checkin_col_post")),
             ("unit", t("roster_col_unit")), ("establishment", t("roster_col_establishment")),
             ("contract", t("roster_col_contract")), ("status", t("roster_col_status"))],
            t("roster_candidates_empty"),
            id="roster-candidates",
        )
        yield Plain("", id="roster-message")

    def on_mount(self) -> None:
        self.query_one("#roster-candidates", TablePanel).table.focus()

    # ------------------------------------------------------------------ live body

    def load(self, session: Session, activity: LedgerActivity) -> RosterSnapshot:
        return roster_snapshot(session, self._query)

    def show(self, snapshot: RosterSnapshot) -> None:
        self._candidates = {c.code: c for c in snapshot.candidates}
        self.query_one("#roster-posts", TablePanel).show_rows({
            p.code: [p.code, p.name, number(p.seats), p.department,
                     t("roster_open_yes") if p.open else t("post_closed"), number(p.candidates)]
            for p in snapshot.posts
        })
        shown = [c for c in snapshot.candidates if snapshot.matches is None or c.code in snapshot.matches]
        panel = self.query_one("#roster-candidates", TablePanel)
        panel.show_rows({
            c.code: [c.code, c.name, c.post, c.unit, c.establishment, t("roster_contract") if c.contract else "",
                     t(STATUS_LABELS[c.status]) if c.status else ""]
            for c in shown
        }, sort_by="code")
        panel.border_subtitle = (t("roster_found", count=len(shown), total=len(snapshot.candidates))
                                 if snapshot.matches is not None else "")
        self.refresh_bindings()  # edit and withdraw are dimmed while no candidate is shown

    # ------------------------------------------------------------------ search

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "roster-query":
            self._query = event.value
            self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "roster-query":
            event.stop()
            self.query_one("#roster-candidates", TablePanel).table.focus()

    def action_search(self) -> None:
        self.query_one("#roster-query", Input).focus()

    # ------------------------------------------------------------------ edit and withdraw

    def _current(self) -> CandidateRow | None:
        table = self.query_one("#roster-candidates", TablePanel).table
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return self._candidates.get(row_key.value or "")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if self.why_not(action, parameters) is not None else True  # dimmed; pressed, says why

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        if action in ("edit", "withdraw") and not (self.is_mounted and self._current() is not None):
            return t("keys_no_candidate")
        return None

    def action_edit(self, values: dict[str, str] | None = None, error: str | None = None,
                    code: str | None = None) -> None:
        candidate = self._candidates.get(code) if code else self._current()
        if candidate is None:
            return
        current = dict(candidate.fields)
        field = (values or {}).get("field", roster.EDITABLE[0])
        fields = [
            FormField("field", t("roster_edit_field"), field,
                      choices=tuple((f, t("field_" + f)) for f in roster.EDITABLE)),
            FormField("value", t("roster_edit_value"), (values or {}).get("value", current.get(field, ""))),
            FormField("reason", t("roster_reason"), (values or {}).get("reason", "")),
        ]

        def answered(result: dict[str, str] | None) -> None:
            if result is not None:
                self._change("edit", candidate.code, result)

        self.app.push_screen(
            EditForm(t("roster_edit_title", code=candidate.code, name=candidate.name), [t("roster_edit_help")],
                     fields, error=error, focus="reason" if values else "field", current=current,
                     verb=t("verb_edit_candidate")),
            answered,
        )

    def action_withdraw(self, values: dict[str, str] | None = None, error: str | None = None,
                        code: str | None = None) -> None:
        candidate = self._candidates.get(code) if code else self._current()
        if candidate is None:
            return
        fields = [FormField("reason", t("roster_reason"), (values or {}).get("reason", ""))]

        def answered(result: dict[str, str] | None) -> None:
            if result is not None:
                self._change("withdraw", candidate.code, result)

        self.app.push_screen(
            FormScreen(t("roster_withdraw_title", code=candidate.code, name=candidate.name),
                       [t("roster_withdraw_help")], fields, error=error, verb=t("verb_withdraw_candidate")),
            answered,
        )

    @work(thread=True, group="roster-change")
    def _change(self, kind: str, code: str, values: dict[str, str]) -> None:
        def run(session: Session, _activity: LedgerActivity) -> None:
            if kind == "edit":
                roster.edit_candidate(session, code, {values["field"]: values["value"]}, values["reason"])
            else:
                roster.withdraw_candidate(session, code, values["reason"])

        try:
            self.context.shared.use(run)
        except SessionClosed:
            return
        except JzError as error:
            self.post_message(self.Changed(kind, code, values, error_text(error)))
            return
        self.post_message(self.Changed(kind, code, values, None))

    def on_roster_screen_changed(self, message: Changed) -> None:
        message.stop()
        label = self.query_one("#roster-message", Plain)
        if message.error is not None:
            label.update(message.error)
            label.set_class(True, "-error")
            label.set_class(False, "-ok")
            reopen = self.action_edit if message.kind == "edit" else self.action_withdraw
            reopen(message.values, message.error, message.code)  # what was typed, and why not
            return
        key = "candidate_edited" if message.kind == "edit" else "candidate_withdrawn"
        label.update(t(key, code=message.code))
        label.set_class(False, "-error")
        label.set_class(True, "-ok")
        self.reload()
