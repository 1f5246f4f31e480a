"""Setup step: ballot boxes, their officers, and the kiosk's one-time slips (admin).

The boxes (posts, officers, seal, how many officers open it, slips issued and used, where
the count stands) and the posts not yet in a box. ``n`` makes a box: its posts and its
officers ticked in two lists, the seal number typed, then
:func:`jz_tui.services.ballots.create_box`, the same call as ``jz box create``. ``t`` issues
slips for the highlighted box and writes them into a folder through
:func:`jz_tui.services.ballots.write_tokens`, the same call as ``jz tokens``. A refusal is
said on the message line and nothing is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, SelectionList

from jz_tui.errors import JzError
from jz_tui.i18n import error_text, join_list, t
from jz_tui.services import ballots
from jz_tui.services.config import current_rules
from jz_tui.services.session import Session

from .base import localise_bindings
from .data import LedgerActivity, SessionClosed
from .form import FormField, FormScreen
from .setup_step import SetupStepScreen
from .widgets import Plain, TablePanel


@dataclass(frozen=True)
class BoxRow:
    id: str
    posts: tuple[str, ...]
    officers: tuple[str, ...]
    seal: str
    k: int
    slips: int
    used: int
    state: str  # catalogue suffix: boxes_state_<state>


@dataclass(frozen=True)
class BoxesSnapshot:
    folder: str
    boxes: tuple[BoxRow, ...]
    posts: tuple[tuple[str, str, str], ...]  # every open post: (code, name, its box or "")
    officers: tuple[str, ...]  # the tally users, who may be a box's officers
    k: int  # officers who open a box's electronic ballots (tally.shares_to_open)
    needed: int  # officers a box needs at least

    @property
    def unboxed(self) -> tuple[str, ...]:
        return tuple(code for code, _, box in self.posts if not box)


def boxes_snapshot(session: Session) -> BoxesSnapshot:
    state = session.state
    rules = current_rules(session)
    rows = tuple(
        BoxRow(box.id, tuple(box.posts), tuple(box.officers), box.seal_no, box.k, len(box.commitments),
               len(box.spent), ballots.box_state(state, box))
        for box in state.tally.boxes.values()
    )
    posts = tuple((code, post.name, state.tally.posts[code].box if code in state.tally.posts else "")
                  for code, post in sorted(state.roster.posts.items()) if post.open)
    return BoxesSnapshot(str(session.vault.path.resolve().parent), rows, posts, ballots.officer_pool(state),
                         rules.shares_to_open, ballots.officers_needed(rules))


@dataclass(frozen=True)
class NewBox:
    posts: tuple[str, ...]
    officers: tuple[str, ...]
    seal: str


class NewBoxScreen(ModalScreen[NewBox | None]):
    """The posts and officers of a new box ticked, its seal number typed; nothing is checked
    here: the service says what is wrong."""

    CSS_PATH = "setup_boxes.tcss"
    BINDINGS = [Binding("escape", "cancel", "key_form_cancel", id="box-cancel", tooltip="tip_form_cancel")]

    def __init__(self, snapshot: BoxesSnapshot) -> None:
        super().__init__()
        localise_bindings(self)
        self.snapshot = snapshot

    def compose(self) -> ComposeResult:
        snapshot = self.snapshot
        with Vertical(id="box-form"):
            yield Plain(t("boxes_new_title"), id="box-form-title")
            yield Plain(t("boxes_new_hint", k=snapshot.k, needed=snapshot.needed), classes="box-form-line")
            with Horizontal(id="box-lists"):
                posts = SelectionList[str](
                    *((Text(f"{code} {name}" + (f" ({box})" if box else "")), code, False)
                      for code, name, box in snapshot.posts), id="box-posts")
                posts.border_title = t("boxes_new_posts")
                yield posts
                officers = SelectionList[str](*((Text(name), name, False) for name in snapshot.officers),
                                              id="box-officers")
                officers.border_title = t("boxes_new_officers")
                yield officers
            with Horizontal(classes="box-form-field"):
                yield Plain(t("boxes_new_seal"), classes="box-form-label")
                yield Input(placeholder=t("boxes_new_seal_placeholder"), id="box-seal", compact=True)
            with Horizontal(id="box-form-buttons"):
                yield Button(t("boxes_new_create"), id="box-create", variant="primary", compact=True)
                yield Button(t("form_cancel"), id="box-cancel-button", compact=True)

    def on_mount(self) -> None:
        self.query_one("#box-posts", SelectionList).focus()

    def _chosen(self) -> NewBox:
        return NewBox(tuple(self.query_one("#box-posts", SelectionList).selected),
                      tuple(self.query_one("#box-officers", SelectionList).selected),
                      self.query_one("#box-seal", Input).value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(self._chosen())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(self._chosen() if event.button.id == "box-create" else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class BoxesScreen(SetupStepScreen):
    STEP = "boxes"
    CSS_PATH = ["setup.tcss", "setup_boxes.tcss"]
    BINDINGS = [
        *SetupStepScreen.BINDINGS,
        Binding("n", "new_box", "key_boxes_new", id="boxes-new", tooltip="tip_boxes_new"),
        Binding("t", "tokens", "key_boxes_tokens", id="boxes-tokens", tooltip="tip_boxes_tokens"),
    ]

    class Done(Message):
        """A worker finished: the sentence to say, and whether it is a refusal."""

        def __init__(self, text: str, error: bool) -> None:
            super().__init__()
            self.text = text
            self.error = error

    class Progress(Message):
        """Slips written so far (a thousand slips take a while)."""

        def __init__(self, box: str, done: int, total: int) -> None:
            super().__init__()
            self.box = box
            self.done = done
            self.total = total

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._snapshot: BoxesSnapshot | None = None

    def compose_step(self) -> ComposeResult:
        yield Plain(t("boxes_intro"), classes="intro")
        yield TablePanel(
            t("boxes_panel"),
            [("box", t("boxes_col_box")), ("posts", t("boxes_col_posts")), ("officers", t("boxes_col_officers")),
             ("seal", t("boxes_col_seal")), ("k", t("boxes_col_k")), ("slips", t("boxes_col_slips")),
             ("state", t("boxes_col_state"))],
            t("boxes_none"),
            id="boxes",
        )
        yield Plain("", id="boxes-unboxed", classes="boxes-line")

    def on_mount(self) -> None:
        self.query_one("#boxes", TablePanel).table.focus()

    def load(self, session: Session, activity: LedgerActivity) -> BoxesSnapshot:
        return boxes_snapshot(session)

    def show(self, snapshot: BoxesSnapshot) -> None:
        self._snapshot = snapshot
        self.query_one("#boxes", TablePanel).show_rows({
            box.id: [box.id, join_list(box.posts), join_list(box.officers), box.seal,
                     t("boxes_k_of_n", k=box.k, n=len(box.officers)), t("boxes_slips", slips=box.slips,
                                                                        used=box.used),
                     t(f"boxes_state_{box.state}")]
            for box in snapshot.boxes
        })
        unboxed = snapshot.unboxed
        self.query_one("#boxes-unboxed", Plain).update(
            t("boxes_unboxed", posts=list(unboxed)) if unboxed else t("boxes_all_boxed"))
        self.refresh_bindings()

    def _current_box(self) -> BoxRow | None:
        snapshot = self._snapshot
        table = self.query_one("#boxes", TablePanel).table
        if snapshot is None or not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((box for box in snapshot.boxes if box.id == key), None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "tokens" and self.is_mounted:
            return True if self._current_box() is not None else None
        return True

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        if action == "tokens" and self._current_box() is None:
            return t("boxes_tokens_no_box")
        return None

    def say_why(self, reason: str) -> None:
        self.say(reason, error=True)

    # ------------------------------------------------------------------ a new box

    def action_new_box(self) -> None:
        if self._snapshot is None:
            return

        def chosen(new: NewBox | None) -> None:
            if new is not None:
                self._create(new)

        self.app.push_screen(NewBoxScreen(self._snapshot), chosen)

    @work(thread=True, exclusive=True, group="boxes-write")
    def _create(self, new: NewBox) -> None:
        try:
            box = self.context.shared.use(lambda session, _activity: ballots.create_box(
                session, list(new.posts), list(new.officers), new.seal))
        except SessionClosed:
            return
        except JzError as error:
            self.post_message(self.Done(error_text(error), True))
            return
        self.post_message(self.Done(t("box_created", box=box.id, posts=list(box.posts), k=box.k,
                                      n=len(box.officers)), False))

    # ------------------------------------------------------------------ slips

    def action_tokens(self) -> None:
        box, snapshot = self._current_box(), self._snapshot
        if box is None or snapshot is None:
            self.say(t("boxes_tokens_no_box"), error=True)
            return
        fields = [FormField("count", t("boxes_tokens_count"), placeholder="60"),
                  FormField("out", t("boxes_tokens_out"), str(Path(snapshot.folder) / f"slips-{box.id}"))]

        def filled(values: dict[str, str] | None) -> None:
            if values is None:
                return
            try:
                count = int(values["count"].strip())
            except ValueError:
                self.say(t("tokens_bad_count"), error=True)
                return
            out = Path(values["out"].strip() or f"slips-{box.id}").expanduser()
            if not out.is_absolute():
                out = Path(snapshot.folder) / out
            self.say(t("boxes_tokens_writing", box=box.id))
            self._tokens(box.id, count, str(out))

        self.app.push_screen(FormScreen(t("boxes_tokens_title", box=box.id), [t("boxes_tokens_hint")], fields),
                             filled)

    @work(thread=True, exclusive=True, group="boxes-write")
    def _tokens(self, box: str, count: int, out: str) -> None:
        def progress(done: int, total: int) -> None:
            if done % 20 == 0 or done == total:
                self.post_message(self.Progress(box, done, total))

        try:
            codes, _files = self.context.shared.use(
                lambda session, _activity: ballots.write_tokens(session, box, count, out, progress))
        except SessionClosed:
            return
        except JzError as error:
            self.post_message(self.Done(error_text(error), True))
            return
        except (OSError, ValueError) as error:  # ValueError: a NUL in the folder typed
            self.post_message(self.Done(t("file_error", path=getattr(error, "filename", None) or out,
                                          reason=getattr(error, "strerror", None) or str(error)), True))
            return
        self.post_message(self.Done(t("tokens_written", count=len(codes), out=out), False))

    def on_boxes_screen_progress(self, message: Progress) -> None:
        message.stop()
        self.say(t("boxes_tokens_progress", box=message.box, done=message.done, total=message.total))

    def on_boxes_screen_done(self, message: Done) -> None:
        message.stop()
        self.say(message.text, error=message.error)
        self.reload()
