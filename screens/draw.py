"""The interview-order draw (clerk, admin), opened from the check-in screen.

Pick a post, confirm, and :func:`jz_tui.services.draw.draw` (the same call as ``jz draw``) runs
in a worker: it records the SHA-256 of a fresh seed, orders the checked-in candidates
from the seed, then records the seed. The screen shows each post's draw state, and for
the highlighted post the seed hash, the seed and the order with interview numbers
(``A01-1`` ...), which is what examiners will see.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from jz_tui.errors import JzError
from jz_tui.i18n import error_text, t
from jz_tui.services import draw
from jz_tui.services.session import Session

from .base import ModeScreen
from .confirm import ConfirmScreen
from .data import LedgerActivity, SessionClosed
from .widgets import Plain, TablePanel, number

NOT_DRAWN, COMMITTED, DRAWN = "none", "committed", "drawn"


@dataclass(frozen=True)
class PostDraw:
    post: str
    name: str
    checked_in: int  # who would be drawn now (or was, once drawn)
    state: str  # NOT_DRAWN, COMMITTED (a seed hash without its reveal) or DRAWN
    seed_hash: str = ""
    seed: str = ""
    order: tuple[tuple[str, str, str], ...] = ()  # (interview number, code, name)


@dataclass(frozen=True)
class DrawSnapshot:
    posts: tuple[PostDraw, ...]


def draw_snapshot(session: Session) -> DrawSnapshot:
    state = session.state
    roster_state = state.roster
    numbers = roster_state.interview_numbers()
    posts = []
    for code, post in sorted(roster_state.posts.items()):
        if not post.open:
            continue
        record = roster_state.draws.get(code)
        if record is None:
            posts.append(PostDraw(code, post.name, len(draw.eligible_for_draw(state, code)), NOT_DRAWN))
        elif record.reveal_seq is None:
            posts.append(PostDraw(code, post.name, len(record.candidates), COMMITTED, record.seed_hash))
        else:
            order = tuple((numbers.get(c, ""), c, roster_state.candidates[c].name if c in roster_state.candidates
                           else "") for c in record.order)
            posts.append(PostDraw(code, post.name, len(record.order), DRAWN, record.seed_hash, record.seed or "",
                                  order))
    return DrawSnapshot(tuple(posts))


class DrawScreen(ModeScreen):
    MODE = "checkin"  # opened from the check-in mode, and part of it
    CSS_PATH = "draw.tcss"
    BINDINGS = [
        Binding("d", "draw", "key_draw_run", id="draw-run", tooltip="tip_draw_run"),
        Binding("escape", "back", "key_draw_back", id="draw-back", tooltip="tip_draw_back"),
    ]

    class Drawn(Message):
        """The draw worker finished: ``error`` is the refusal in words, or None."""

        def __init__(self, post: str, count: int, error: str | None) -> None:
            super().__init__()
            self.post = post
            self.count = count
            self.error = error

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._posts: dict[str, PostDraw] = {}
        self._selected: str | None = None

    def compose_body(self) -> ComposeResult:
        yield Plain(t("draw_intro"), classes="intro")
        yield Plain("", id="draw-message")
        yield TablePanel(
            t("draw_panel_posts"),
            [("post", t("checkin_col_post")), ("name", t("checkin_col_post_name")),
             ("count", t("draw_col_checked_in")), ("state", t("draw_col_state"))],
            t("draw_posts_empty"),
            id="draw-posts",
        )
        yield Plain("", id="draw-seed-hash", classes="seed-line")
        yield Plain("", id="draw-seed", classes="seed-line")
        yield TablePanel(
            t("draw_panel_order"),
            [("number", t("draw_col_number")), ("code", t("draw_col_code")), ("name", t("draw_col_name"))],
            t("draw_order_empty"),
            id="draw-order",
        )

    def on_mount(self) -> None:
        self.query_one("#draw-posts", TablePanel).table.focus()

    def load(self, session: Session, activity: LedgerActivity) -> DrawSnapshot:
        return draw_snapshot(session)

    def show(self, snapshot: DrawSnapshot) -> None:
        self._posts = {p.post: p for p in snapshot.posts}
        self.query_one("#draw-posts", TablePanel).show_rows({
            p.post: [p.post, p.name, number(p.checked_in), t("draw_state_" + p.state)] for p in snapshot.posts
        })
        self._show_selected()
        self.refresh_bindings()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table is self.query_one("#draw-posts", TablePanel).table:
            self._selected = event.row_key.value
            self._show_selected()
            self.refresh_bindings()

    def _show_selected(self) -> None:
        chosen = self._posts.get(self._selected or "")
        if chosen is None and self._posts:
            chosen = next(iter(self._posts.values()))
        volatile = self.context.volatile
        hash_line = seed_line = ""
        if chosen is not None and chosen.seed_hash:
            hash_line = t("draw_seed_hash", hash=volatile(chosen.seed_hash))
            seed_line = (t("draw_seed", seed=volatile(chosen.seed)) if chosen.seed
                         else t("draw_seed_missing"))
        self.query_one("#draw-seed-hash", Plain).update(hash_line)
        self.query_one("#draw-seed", Plain).update(seed_line)
        order = self.query_one("#draw-order", TablePanel)
        order.border_title = t("draw_panel_order_of", post=chosen.post) if chosen else t("draw_panel_order")
        order.show_rows({code: [num, code, name] for num, code, name in (chosen.order if chosen else ())})

    # ------------------------------------------------------------------ drawing

    def _current(self) -> PostDraw | None:
        table = self.query_one("#draw-posts", TablePanel).table
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return self._posts.get(row_key.value or "")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "draw":
            current = self._current() if self.is_mounted else None
            return True if current is not None and current.state != DRAWN else None  # dimmed once drawn
        return True

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        current = self._current() if self.is_mounted else None
        if action == "draw" and current is not None and current.state == DRAWN:
            return t("draw_already_done", post=current.post)
        return None

    def say_why(self, reason: str) -> None:
        self._say(reason, error=True)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table is self.query_one("#draw-posts", TablePanel).table:
            self.action_draw()

    def action_draw(self) -> None:
        current = self._current()
        if current is None:
            return
        if current.state == DRAWN:
            self._say(t("draw_already_done", post=current.post), error=True)
            return
        lines = [t("draw_confirm_who", count=current.checked_in), t("draw_confirm_how")]

        def answered(yes: bool | None) -> None:
            if yes:
                self._draw(current.post)

        self.app.push_screen(ConfirmScreen(t("draw_confirm_title", post=current.post, name=current.name), lines,
                                           verb=t("verb_draw")), answered)

    @work(thread=True, exclusive=True, group="draw-run")
    def _draw(self, post: str) -> None:
        try:
            order = self.context.shared.use(lambda session, _activity: draw.draw(session, post))
        except SessionClosed:
            return
        except JzError as error:
            self.post_message(self.Drawn(post, 0, error_text(error)))
            return
        self.post_message(self.Drawn(post, len(order), None))

    def on_draw_screen_drawn(self, message: Drawn) -> None:
        message.stop()
        if message.error is not None:
            self._say(message.error, error=True)
        else:
            self._say(t("draw_done_screen", post=message.post, count=message.count), error=False)
        self.reload()

    def _say(self, text: str, *, error: bool) -> None:
        label = self.query_one("#draw-message", Plain)
        label.update(text)
        label.set_class(error, "-error")
        label.set_class(not error, "-ok")

    def action_back(self) -> None:
        self.app.pop_screen()
