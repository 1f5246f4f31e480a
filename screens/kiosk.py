"""The voting kiosk (``jz vote VAULT --box BOX``): one voter at a time, with a one-time slip.

The voter scans or types the slip's code; the slip is checked before anything else
(``ballots.check_slip``: a spent or unknown slip is refused at once). Then every
candidate of every post of the box gets one key, left to right (1 satisfied,
2 basically satisfied, 3 dissatisfied, 0 blank; Backspace goes back), Enter asks for
confirmation, and ``ballots.cast`` seals the ballot and spends the slip in a worker.
Afterwards the screen is reset for the next voter: no mark, no slip code, nothing of the
previous ballot stays on screen or in this screen's memory.

The kiosk runs under a tally officer's login (casting is a tally action); the voter
never sees anything but this screen. Quitting asks for that officer's passphrase
(:class:`KioskQuitScreen`), so a voter at the kiosk cannot end it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input

from jz_tui.display import shown
from jz_tui.errors import AuthError, JzError
from jz_tui.i18n import error_text, t
from jz_tui.rules.democratic import EVALUATION, KEY_TO_MARK, MARKS, NAMED, RECOMMENDATION, mark_name, typed_mark
from jz_tui.services import ballots
from jz_tui.services.session import Session

from .base import localise_bindings
from .confirm import ConfirmScreen
from .data import LedgerActivity, SessionClosed, SharedSession
from .widgets import LiveTable, Plain, TypeAheadInput

THANKS_SECONDS = 8.0  # how long "your ballot is cast" stays for the voter who cast it
# Refusals after which the slip is no good any more: back to the slip prompt.
SLIP_REFUSALS = frozenset({"token_spent", "token_unknown", "box_unknown", "box_already_unsealed", "box_post_closed",
                           "box_post_closing"})


@dataclass(frozen=True)
class KioskPost:
    code: str
    name: str
    candidates: tuple[tuple[str, str], ...]  # (code, name) in code order, as the paper ballot lists them


@dataclass(frozen=True)
class KioskBox:
    session_name: str
    box: str
    posts: tuple[KioskPost, ...]
    ballot: str = "evaluation"  # or "recommendation" (民主推荐): 1 or Y names a candidate, 0 does not
    names: int = 1  # a recommendation's most names per post


def load_box(session: Session, box_id: str) -> KioskBox:
    """What the kiosk shows: the box's posts and their candidates. Refuses a box that takes no votes."""
    session.require_role("tally", action="token.spend")
    session.refresh()
    state = session.state
    box = state.tally.boxes.get(box_id.strip().upper())
    if box is None:
        raise JzError("box_unknown", box=box_id)
    if box.unsealed_seq is not None:
        raise JzError("box_already_unsealed", box=box.id)
    ballots.box_takes_votes(state, box)  # a post of the box closed (or closing): refused here, naming it
    roster = state.roster
    posts = tuple(
        KioskPost(post, roster.posts[post].name if post in roster.posts else "",
                  tuple((code, roster.candidates[code].name if code in roster.candidates else "")
                        for code in ballots.codes_of(state, post)))
        for post in box.posts
    )
    rules = ballots.rules_for(state)
    return KioskBox(shown(session.vault.session_name), box.id, posts,  # the file's text, escaped
                    rules.ballot, rules.names_per_ballot)


def mark_word(mark: str) -> str:
    return t(f"tally_ui_mark_{mark_name(mark)}")


class KioskScreen(Screen):
    CSS_PATH = "kiosk.tcss"
    BINDINGS = [
        *(
            Binding(key, f"mark('{mark}')", f"tally_ui_key_{MARKS[mark]}", id=f"kiosk-mark-{key}",
                    tooltip="kiosk_tip_mark", show=False)
            for key, mark in KEY_TO_MARK.items()
        ),
        Binding("y", f"mark('{NAMED}')", "tally_ui_key_named", id="kiosk-mark-y", tooltip="kiosk_tip_mark",
                show=False),  # a recommendation: Y names the candidate (so does 1)
        Binding("backspace", "back", "tally_ui_key_back", id="kiosk-back", tooltip="kiosk_tip_back", show=False),
        Binding("enter", "confirm", "kiosk_key_confirm", id="kiosk-confirm", tooltip="kiosk_tip_confirm",
                key_display="Enter"),
        Binding("escape", "cancel", "kiosk_key_cancel", id="kiosk-cancel", tooltip="kiosk_tip_cancel",
                key_display="Esc"),
    ]

    class Loaded(Message):
        def __init__(self, box: KioskBox | None, problem: str | None) -> None:
            super().__init__()
            self.box = box
            self.problem = problem

    class SlipChecked(Message):
        def __init__(self, code: str, problem: str | None) -> None:
            super().__init__()
            self.code = code
            self.problem = problem

    class Cast(Message):
        def __init__(self, problem: str | None, slip_refused: bool) -> None:
            super().__init__()
            self.problem = problem
            self.slip_refused = slip_refused

    def __init__(self, shared: SharedSession, box_id: str) -> None:
        super().__init__()
        localise_bindings(self)
        self.shared = shared
        self.box_id = box_id
        self.box: KioskBox | None = None
        self._slots: list[tuple[str, str]] = []  # (post, candidate code) in the order the keys fill them
        self._marks: list[str] = []
        self._token: str | None = None  # the slip of the voter at the kiosk, only while they vote
        self._thanks_timer = None

    def compose(self) -> ComposeResult:
        with Vertical(id="kiosk-head"):
            yield Plain("", id="kiosk-session")
            yield Plain(t("kiosk_title", box=self.box_id.upper()), id="kiosk-box")
        with Vertical(id="kiosk-slip-stage"):
            yield Plain(t("kiosk_slip_prompt"), classes="kiosk-prompt")
            yield TypeAheadInput(id="kiosk-slip", placeholder=t("kiosk_slip_placeholder"), max_length=40)
        with Vertical(id="kiosk-ballot-stage"):
            yield Plain(t("kiosk_mark_prompt"), classes="kiosk-prompt")
            table = LiveTable([("post", t("kiosk_col_post")), ("code", t("kiosk_col_code")),
                               ("name", t("kiosk_col_name")), ("choice", t("kiosk_col_choice"))], id="kiosk-table")
            table.can_focus = False  # the keys mark the ballot
            yield table
            yield Plain("", id="kiosk-progress")
        yield Plain("", id="kiosk-message")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.set_class(True, "-loading")
        self.load()

    # ------------------------------------------------------------------ the box

    @work(thread=True, exclusive=True, group="kiosk-load")
    def load(self) -> None:
        try:
            box = self.shared.use(lambda session, _activity: load_box(session, self.box_id))
        except SessionClosed:
            return
        except JzError as error:
            self.post_message(self.Loaded(None, error_text(error)))
        else:
            self.post_message(self.Loaded(box, None))

    def on_kiosk_screen_loaded(self, message: Loaded) -> None:
        self.set_class(False, "-loading")
        if message.box is None:
            self.set_class(True, "-broken")
            self._say(message.problem or "", "error")
            self.query_one("#kiosk-slip", Input).disabled = True
            return
        self.box = message.box
        self.query_one("#kiosk-session", Plain).update(message.box.session_name)
        if message.box.ballot == RECOMMENDATION:  # 民主推荐: the keys name candidates
            self.query_one("#kiosk-ballot-stage .kiosk-prompt", Plain).update(
                t("kiosk_mark_prompt_recommend", names=message.box.names))
        self._slots = [(post.code, code) for post in message.box.posts for code, _ in post.candidates]
        rows = {}
        for post in message.box.posts:
            for code, name in post.candidates:
                rows[f"{post.code}/{code}"] = [f"{post.code} {post.name}", code, name, Text("")]
        with self.app.batch_update():
            self.query_one("#kiosk-table", LiveTable).sync(rows)
        self._to_slip_stage()

    # ------------------------------------------------------------------ stage 1: the slip

    def _to_slip_stage(self) -> None:
        """Ready for the next voter: nothing of the previous ballot is left."""
        self._token = None
        self._marks = []
        self._show_marks()
        self.set_class(False, "-marking")
        self.set_class(False, "-busy")
        slip = self.query_one("#kiosk-slip", Input)
        slip.value = ""
        slip.disabled = False
        slip.focus()
        self.refresh_bindings()

    @on(Input.Submitted, "#kiosk-slip")
    def _slip_entered(self, event: Input.Submitted) -> None:
        event.stop()
        code = event.value.strip()
        if not code or self.box is None or self.has_class("-busy"):
            return
        event.input.value = ""
        event.input.disabled = True
        if self._thanks_timer is not None:  # the previous voter's "thank you" goes
            self._thanks_timer.stop()
        self.set_class(True, "-busy")
        self._say(t("kiosk_checking"))
        self.check_slip(code)

    @work(thread=True, exclusive=True, group="kiosk-slip")
    def check_slip(self, code: str) -> None:
        def check(session: Session, _activity: LedgerActivity) -> None:
            session.refresh()
            ballots.check_slip(session.state, self.box_id, code)

        try:
            self.shared.use(check)
        except SessionClosed:
            return
        except JzError as error:
            self.post_message(self.SlipChecked(code, error_text(error)))
        else:
            self.post_message(self.SlipChecked(code, None))

    def on_kiosk_screen_slip_checked(self, message: SlipChecked) -> None:
        self.set_class(False, "-busy")
        slip = self.query_one("#kiosk-slip", Input)
        if message.problem is not None:
            self._say(message.problem, "error")
            slip.disabled = False
            slip.focus()
            return
        self._token = message.code
        self._marks = []
        slip.disabled = True
        self.set_class(True, "-marking")
        self.set_focus(None)
        self._say("")
        self._show_marks()
        self.refresh_bindings()

    # ------------------------------------------------------------------ stage 2: marking

    def _marking(self) -> bool:
        return self._token is not None and not self.has_class("-busy")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"mark", "back", "confirm", "cancel"}:
            return self._marking()
        return True

    def action_mark(self, mark: str) -> None:
        typed = typed_mark(mark, self.box.ballot if self.box is not None else EVALUATION)
        if len(self._marks) >= len(self._slots) or typed is None:
            self.app.bell()
            return
        post = self._slots[len(self._marks)][0]
        if typed == NAMED and self.box is not None and self._named(post) >= self.box.names:
            self.app.bell()  # as many named on this post as the rules allow: a kiosk takes no void ballot
            self._say(t("kiosk_too_many_names", post=post, names=self.box.names), "error")
            return
        self._marks.append(typed)
        self._show_marks()

    def _named(self, post: str) -> int:
        return sum(1 for (p, _code), mark in zip(self._slots, self._marks, strict=False) if p == post and mark == NAMED)

    def action_back(self) -> None:
        if self._marks:
            self._marks.pop()
            self._show_marks()

    def action_cancel(self) -> None:
        self._say(t("kiosk_cancelled"))
        self._to_slip_stage()

    def _show_marks(self) -> None:
        table = self.query_one("#kiosk-table", LiveTable)
        for index, (post, code) in enumerate(self._slots):
            key = f"{post}/{code}"
            if key not in table.rows:
                continue
            if index < len(self._marks):
                cell = Text(mark_word(self._marks[index]))
            elif index == len(self._marks) and self._token is not None:
                cell = Text("___", style="reverse")
            else:
                cell = Text("")
            if table.get_cell(key, "choice") != cell:
                table.update_cell(key, "choice", cell, update_width=True)
        complete = bool(self._slots) and len(self._marks) >= len(self._slots)
        table.show_cursor = self._token is not None and not complete
        if table.row_count:
            table.move_cursor(row=min(len(self._marks), table.row_count - 1))
        self.query_one("#kiosk-progress", Plain).update(
            t("kiosk_progress_done") if complete else t("kiosk_progress", done=len(self._marks), total=len(self._slots))
        )
        self.query_one("#kiosk-progress", Plain).set_class(complete, "-complete")

    def action_confirm(self) -> None:
        if self.box is None or self._token is None:
            return
        if len(self._marks) < len(self._slots):
            self.app.bell()
            self._say(t("kiosk_incomplete", left=len(self._slots) - len(self._marks)), "error")
            return
        choices = self._choices()
        lines = []
        for post in self.box.posts:
            marks = choices[post.code]
            if self.box.ballot == RECOMMENDATION:
                named = [name for (code, name), mark in zip(post.candidates, marks, strict=True) if mark == NAMED]
                lines.append(t("kiosk_confirm_recommend", post=post.code, name=post.name, count=len(named),
                               names=t("app_list_separator").join(named) or "-"))
                continue
            lines.append(t("kiosk_confirm_post", post=post.code, name=post.name, s=marks.count("S"),
                           b=marks.count("B"), d=marks.count("D"), blank=marks.count("-")))
        lines.append(t("kiosk_confirm_hint"))

        def answered(yes: bool | None) -> None:
            if yes and self._token is not None:
                self.set_class(True, "-busy")
                self.refresh_bindings()
                self._say(t("kiosk_casting"))
                self.cast(self._token, self._choices())

        self.app.push_screen(ConfirmScreen(t("kiosk_confirm_title"), lines, verb=t("verb_cast")), answered)

    def _choices(self) -> dict[str, str]:
        choices: dict[str, str] = {}
        for (post, _code), mark in zip(self._slots, self._marks, strict=True):
            choices[post] = choices.get(post, "") + mark
        return choices

    @work(thread=True, exclusive=True, group="kiosk-cast")
    def cast(self, token: str, choices: dict[str, str]) -> None:
        try:
            self.shared.use(lambda session, _activity: ballots.cast(session, self.box_id, token, choices))
        except SessionClosed:
            return
        except JzError as error:
            self.post_message(self.Cast(error_text(error), error.key in SLIP_REFUSALS))
        else:
            self.post_message(self.Cast(None, False))

    def on_kiosk_screen_cast(self, message: Cast) -> None:
        self.set_class(False, "-busy")
        if message.problem is None:
            self._to_slip_stage()
            self._say(t("vote_cast"), "ok")
            if self._thanks_timer is not None:
                self._thanks_timer.stop()
            self._thanks_timer = self.set_timer(THANKS_SECONDS, lambda: self._say(""))
            return
        self._say(message.problem, "error")
        if message.slip_refused:
            self._to_slip_stage()
        self.refresh_bindings()

    def _say(self, text: str, kind: str = "") -> None:
        message = self.query_one("#kiosk-message", Plain)
        message.update(text)
        message.set_class(kind == "error", "-error")
        message.set_class(kind == "ok", "-ok")


# ---------------------------------------------------------------------- quitting


def operator_passphrase_ok(session: Session, passphrase: str) -> bool:
    """Whether ``passphrase`` unlocks the key slot of the officer running the kiosk: the same
    check as their login (:meth:`storage.vault.Vault.unlock`). Blocking (the KDF): call from a worker."""
    try:
        session.vault.unlock(session.user, passphrase)
    except AuthError:
        return False
    return True


class KioskQuitScreen(ModalScreen[bool]):
    """Quitting the kiosk: dismissed with True once the operating officer's passphrase is checked.

    A wrong passphrase is refused in words and the kiosk stays; Escape goes back to it.
    """

    CSS_PATH = "kiosk.tcss"
    BINDINGS = [Binding("escape", "cancel", "key_no", id="kiosk-quit-cancel", tooltip="tip_no")]

    class Checked(Message):
        def __init__(self, ok: bool, problem: str | None) -> None:
            super().__init__()
            self.ok = ok
            self.problem = problem

    def __init__(self, shared: SharedSession) -> None:
        super().__init__()
        localise_bindings(self)
        self.shared = shared

    def compose(self) -> ComposeResult:
        with Vertical(id="kiosk-quit"):
            yield Plain(t("kiosk_quit_title"), id="kiosk-quit-title")
            yield Plain(t("kiosk_quit_who", user=self.shared.user), classes="kiosk-quit-label")
            yield TypeAheadInput(id="kiosk-quit-passphrase", password=True)
            yield Plain("", id="kiosk-quit-problem")
            yield Plain(t("kiosk_quit_hint"), id="kiosk-quit-hint")

    def on_mount(self) -> None:
        self.query_one("#kiosk-quit-passphrase", Input).focus()

    @on(Input.Submitted, "#kiosk-quit-passphrase")
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        passphrase = event.value
        if not passphrase or self.has_class("-checking"):
            return
        event.input.value = ""
        event.input.disabled = True
        self.set_class(True, "-checking")
        self._problem(t("kiosk_quit_checking"))
        self.check(passphrase)

    @work(thread=True, exclusive=True, group="kiosk-quit")
    def check(self, passphrase: str) -> None:
        try:
            ok = self.shared.use(lambda session, _activity: operator_passphrase_ok(session, passphrase))
        except SessionClosed:
            return
        except JzError as error:
            self.post_message(self.Checked(False, error_text(error)))
        else:
            self.post_message(self.Checked(ok, None if ok else t("kiosk_quit_refused")))

    def on_kiosk_quit_screen_checked(self, message: Checked) -> None:
        self.set_class(False, "-checking")
        if message.ok:
            self.dismiss(True)
            return
        self._problem(message.problem or "", error=True)
        passphrase = self.query_one("#kiosk-quit-passphrase", Input)
        passphrase.disabled = False
        passphrase.focus()

    def _problem(self, text: str, *, error: bool = False) -> None:
        problem = self.query_one("#kiosk-quit-problem", Plain)
        problem.update(text)
        problem.set_class(error, "-error")

    def action_cancel(self) -> None:
        self.dismiss(False)
