"""The board (supervisor, admin): the ranking of every post, live, read-only.

Per post: each candidate's stage scores, composite, rank and status (a word, coloured;
never a colour alone), flags as words, a bar chart of the composites, how far each
stage has come, and the committee's decisions. What a view shows is decided by
:mod:`jz_tui.services.public_view` (jury view: everything; public view: only what has been
made public, frozen while a supervisor keeps it frozen); this module only lays it out.

Layout: as many post panels as the terminal holds (one at 80x24, four at 160x48, more
columns when a panel is wide), paged with PgUp/PgDn or the arrows, or rotated on a
timer. Rows are keyed by candidate code and updated in place, so a live change moves
neither the cursor nor the scroll position.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.events import Resize
from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget

from jz_tui.errors import JzError
from jz_tui.i18n import error_text, t
from jz_tui.rules.settings import Rules, rules_from
from jz_tui.services import halls, public_view, ranking_table
from jz_tui.services.public_view import JURY, PUBLIC, BoardPost, BoardRow, PublicSource, StageProgress
from jz_tui.services.session import Session, may_emit

from .base import ModeScreen, ShellContext
from .confirm import ConfirmScreen
from .data import LedgerActivity, SessionClosed
from .printing import PRINT_BINDING, PrintsPaper
from .widgets import Cell, LiveTable, Plain

ROTATE_SECONDS = 8.0  # auto-rotate: a new page of posts this often
PANEL_MIN_WIDTH = 80  # a post panel needs this many columns; more panels side by side when there is room
PANEL_MIN_HEIGHT = 20  # and this many rows
WIDE_PANEL = 110  # from this width on, a panel also shows each candidate's code and unit
MAX_COLUMNS, MAX_ROWS = 3, 2
CHROME_ROWS = 5  # the screen's rows that are not the grid of posts
NAME_CELLS = 10  # the widest name the bar chart labels (display cells)
STATUS_STYLES = {  # status -> component class of the post panel (colours live in board.tcss)
    "target": "board--target",
    "eligible": "board--eligible",
    "in_progress": "board--pending",
    "incomplete": "board--pending",
}
EXCLUDED = "board--excluded"


@dataclass(frozen=True)
class Layout:
    columns: int
    rows: int
    wide: bool

    @property
    def slots(self) -> int:
        return self.columns * self.rows


def layout_for(size: Size) -> Layout:
    """How many post panels fit in a body of ``size``, and whether they are wide."""
    columns = max(1, min(MAX_COLUMNS, size.width // PANEL_MIN_WIDTH))
    rows = max(1, min(MAX_ROWS, size.height // PANEL_MIN_HEIGHT))
    return Layout(columns, rows, size.width // columns >= WIDE_PANEL)


@dataclass(frozen=True)
class BoardSnapshot:
    view: str
    page: int  # the page shown (clamped to the posts there are)
    pages: int
    slots: int
    post_count: int
    frozen_at: int | None  # the public view's freeze, whichever view is shown
    rules: Rules  # the columns follow them: the active stages, and each stage's name
    posts: tuple[BoardPost, ...]  # the posts of this page, at most ``slots``
    halls: tuple[str, ...] = ()  # each registered hall's progress, in words


# ---------------------------------------------------------------------- wording


def score_text(value: Decimal | None) -> str:
    return ranking_table.score_text(value) or "-"


def status_words(row: BoardRow) -> str:
    return ranking_table.status_text(row)


def progress_text(item: StageProgress, rules: Rules | None = None) -> str:
    label = ranking_table.stage_label(item.stage, rules=rules)
    if item.tally is not None:
        return t("board_progress_tally", stage=label, state=t("board_tally_" + item.tally))
    if item.stage == "interview":
        if item.sheets is not None:
            return t("board_progress_interview_jury", stage=label, done=item.done, of=item.of,
                     confirmed=item.sheets[0], expected=item.sheets[1])
        return t("board_progress_interview", stage=label, done=item.done, of=item.of)
    return t("board_progress_imported", stage=label, done=item.done, of=item.of)


# ---------------------------------------------------------------------- widgets


class CompositeBars(Widget, can_focus=False):
    """A horizontal bar per candidate with a composite, in table order.

    Bars are runs of spaces on a coloured background (block characters are of ambiguous
    width in CJK terminals); the value is written after each bar, so the length is never
    the only carrier of the number. The axis starts at ``baseline``, said in the title.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"bars--target", "bars--other", "bars--label"}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._bars: tuple[tuple[str, Decimal, bool], ...] = ()
        self._baseline = Decimal(0)

    def set_bars(self, bars: tuple[tuple[str, Decimal, bool], ...]) -> None:
        """(name, composite, is target) per candidate; redraws only when something changed."""
        if bars == self._bars:
            return
        resized = len(bars) != len(self._bars)
        self._bars = bars
        low = min((value for _, value, _ in bars), default=Decimal(0))
        self._baseline = max(Decimal(0), Decimal(int(low) // 10 * 10 - 10))
        self.set_class(not bars, "-empty")
        self.refresh(layout=resized)

    @property
    def baseline(self) -> Decimal:
        return self._baseline

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._bars)

    def render(self) -> Text:
        width = self.content_size.width
        label_width = min(NAME_CELLS, max((cell_len(name) for name, _, _ in self._bars), default=0))
        value_width = 7
        room = max(1, width - label_width - value_width - 2)
        span = Decimal(100) - self._baseline or Decimal(1)
        target_style = self.get_component_rich_style("bars--target")
        other_style = self.get_component_rich_style("bars--other")
        label_style = self.get_component_rich_style("bars--label")
        text = Text(no_wrap=True, overflow="crop")
        for index, (name, value, target) in enumerate(self._bars):
            if index:
                text.append("\n")
            label = Text(name, style=label_style)
            label.truncate(label_width, overflow="crop")
            label.pad_right(label_width - label.cell_len)
            text.append_text(label)
            text.append(" ")
            length = int((value - self._baseline) * room / span) if value > self._baseline else 0
            length = max(1, min(room, length))
            text.append(" " * length, style=target_style if target else other_style)
            text.append(f" {value}")
        return text


class PostPanel(Vertical):
    """One post: title, stage progress, the candidates' table, composite bars, notes."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "board--target", "board--eligible", "board--pending", "board--excluded", "board--strong",
    }

    def __init__(self, slot: int, rules: Rules, wide: bool) -> None:
        super().__init__(id=f"post-{slot}", classes="post-panel -vacant")
        self.slot = slot
        self.rules = rules
        self.wide = wide
        self.post_code: str | None = None
        self.spec = self._spec()  # once per panel: its rules and width are fixed, and cells() runs per row per poll

    def _spec(self) -> list[ranking_table.Column]:
        """The ranking row's columns (``ranking_table.BOARD``); code and unit only on a wide panel."""
        narrow = () if self.wide else ("code", "unit")
        return ranking_table.columns([key for key in ranking_table.BOARD if key not in narrow], self.rules)

    def columns(self) -> list[tuple[str, str]]:
        return [(column.key.replace(":", "-"), column.header) for column in self.spec]

    def compose(self) -> ComposeResult:
        yield Plain("", classes="post-progress")
        yield LiveTable(self.columns(), id=f"table-{self.slot}")
        yield Plain("", classes="post-notes")
        with Vertical(classes="post-chart"):  # what is left of the panel; clipped when a post is long
            yield Plain("", classes="bars-title")
            yield CompositeBars(classes="post-bars")

    def on_mount(self) -> None:
        # the status colours stay on the cursor row too (the word is there either way)
        self.table.cursor_foreground_priority = "renderable"

    @property
    def table(self) -> LiveTable:
        return self.query_one(LiveTable)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name, partial=True)

    def status_cell(self, row: BoardRow) -> Text:
        return Text(status_words(row), style=self._style(STATUS_STYLES.get(row.status, EXCLUDED)))

    def cells(self, post: BoardPost, row: BoardRow) -> list[Cell]:
        strong = self._style("board--strong")
        cells: list[Cell] = []
        for column in self.spec:
            text = column.cell(post, row)
            if column.key == "status":
                cells.append(self.status_cell(row))
            elif column.stage == "interview" and not text and row.sheets is not None:  # jury: sheets so far
                cells.append(Text(f"{row.sheets[0]}/{row.sheets[1]}", style=self._style("board--pending"),
                                  justify="right"))
            elif column.kind != ranking_table.TEXT:
                style = strong if column.key in ("rank", "composite") else ""
                cells.append(Text(text or ("" if column.kind == ranking_table.RANK else "-"), style=style,
                                  justify="right"))
            else:
                cells.append(Text(text, style=strong if column.key == "name" and row.target else ""))
        return cells

    def _order(self, codes: list[str]) -> None:
        """Rows in the order of ``codes`` (the ranking's), moved in place, only when it changed.

        ``DataTable.sort`` hands its key function the cells, not the row key; the cells of
        a row are the very objects this panel stored, so the first one identifies its row.
        """
        table = self.table
        current = sorted((key.value for key in table.rows), key=lambda code: table.get_row_index(code))
        if current == codes:
            return
        position = {id(table.get_row(code)[0]): index for index, code in enumerate(codes)}
        table.sort(key=lambda cells: position[id(cells[0])])

    def show_post(self, post: BoardPost | None, view: str) -> None:
        """Put one post in the panel (None: nothing in this slot on this page)."""
        self.set_class(post is None, "-vacant")
        if post is None:
            self.post_code = None
            return
        if post.code != self.post_code:  # another post in this slot: start at its top
            self.post_code = post.code
            self.table.move_cursor(row=0, animate=False)
        self.border_title = f"{post.code} {post.name}"
        self.border_subtitle = t("board_post_final") if post.complete else t("board_post_running")
        self.set_class(post.complete, "-complete")
        self.query_one(".post-progress", Plain).update("  ".join(progress_text(p, self.rules) for p in post.progress))
        self.table.sync({row.code: self.cells(post, row) for row in post.rows})
        self._order([row.code for row in post.rows])
        bars = tuple((row.name, row.composite, row.target) for row in post.rows if row.composite is not None)
        chart = self.query_one(CompositeBars)
        chart.set_bars(bars)
        self.query_one(".bars-title", Plain).update(
            t("board_bars_title", baseline=chart.baseline) if bars else t("board_bars_none"))
        notes = [t("board_note_appointment", name=row.name, text=row.appointment) for row in post.rows
                 if row.appointment]
        if view == JURY:
            notes += [t("board_note_reason", name=row.name, status=ranking_table.status_word(row.status),
                        reason=row.reason) for row in post.rows if row.reason]
        note_widget = self.query_one(".post-notes", Plain)
        note_widget.update("\n".join(notes))
        note_widget.set_class(not notes, "-empty")


# ---------------------------------------------------------------------- the screen


class BoardScreen(PrintsPaper, ModeScreen):
    MODE = "board"
    CSS_PATH = "board.tcss"
    BINDINGS = [
        # priority: the tables would otherwise take these keys for scrolling sideways or by pages
        Binding("pagedown", "page(1)", "board_key_next", id="board-next", tooltip="board_tip_next",
                key_display="PgDn", priority=True),
        Binding("pageup", "page(-1)", "board_key_previous", id="board-previous", tooltip="board_tip_previous",
                key_display="PgUp", priority=True),
        Binding("right", "page(1)", "board_key_next", id="board-next-arrow", tooltip="board_tip_next",
                key_display="Right", priority=True, show=False),
        Binding("left", "page(-1)", "board_key_previous", id="board-previous-arrow",
                tooltip="board_tip_previous", key_display="Left", priority=True, show=False),
        Binding("v", "toggle_view", "board_key_view", id="board-view", tooltip="board_tip_view"),
        Binding("r", "toggle_rotate", "board_key_rotate", id="board-rotate", tooltip="board_tip_rotate"),
        Binding("z", "freeze", "board_key_freeze", id="board-freeze", tooltip="board_tip_freeze"),
        PRINT_BINDING,
    ]

    class Frozen(Message):
        """The freeze worker finished: ``error`` is the refusal, in words, or None."""

        def __init__(self, frozen: bool, error: str | None) -> None:
            super().__init__()
            self.frozen = frozen
            self.error = error

    def __init__(self, context: ShellContext, *, public_only: bool = False) -> None:
        super().__init__(context)
        self.public_only = public_only  # `jz board --public`: the projector in the hall shows nothing else
        self.view = PUBLIC if public_only else JURY
        self.page = 0
        self.board_layout: Layout | None = None
        self.rules: Rules | None = None
        self._built: tuple[Layout, Rules] | None = None
        self._frozen_at: int | None = None
        self._source = PublicSource()  # used by the load worker only
        self._rotate_timer = None

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="board-status"):
            yield Plain(t("board_intro"), id="board-intro")
            yield Plain("", id="board-view-label")
            yield Plain("", id="board-page")
            yield Plain("", id="board-rotating")
        yield Plain("", id="board-halls")
        yield Grid(id="board-grid")
        yield Plain(t("board_no_posts"), id="board-empty")

    def on_mount(self) -> None:
        super().on_mount()
        self._rotate_timer = self.set_interval(ROTATE_SECONDS, self._rotate, pause=True)
        self._show_labels()

    # ------------------------------------------------------------------ layout

    def on_resize(self, event: Resize) -> None:
        # the grid gets the screen less the header (2), mode bar, status line and footer (1 each)
        self.board_layout = layout_for(Size(event.size.width, max(1, event.size.height - CHROME_ROWS)))
        self._ensure_panels()

    def _ensure_panels(self) -> None:
        if self.board_layout is None or self.rules is None:
            return
        wanted = (self.board_layout, self.rules)
        if wanted != self._built:
            self._built = wanted
            self.call_later(self._rebuild, self.board_layout, self.rules)

    async def _rebuild(self, layout: Layout, rules: Rules) -> None:
        grid = self.query_one("#board-grid", Grid)
        await grid.remove_children()
        for name in list(grid.classes):
            if name.startswith("-grid-"):
                grid.remove_class(name)
        grid.add_class(f"-grid-{layout.columns}x{layout.rows}")
        await grid.mount_all([PostPanel(slot, rules, layout.wide) for slot in range(layout.slots)])
        self.reload()

    def panels(self) -> list[PostPanel]:
        return list(self.query(PostPanel))

    # ------------------------------------------------------------------ loading and showing

    def load(self, session: Session, activity: LedgerActivity) -> BoardSnapshot:
        view, page, slots = self.view, self.page, (self.board_layout.slots if self.board_layout else 1)
        state = self._source.state(session) if view == PUBLIC else session.state
        rules = rules_from(state.roster.settings)
        codes = public_view.post_codes(state)
        pages = max(1, -(-len(codes) // slots))
        page %= pages
        shown = codes[page * slots:(page + 1) * slots]
        if view == PUBLIC:  # the public result, as every notice and ``jz public`` have it
            posts = public_view.public_result_of(state, public_view.frozen_at(session.state), posts=shown).posts
        else:
            posts = tuple(public_view.board_posts(state, public=False, posts=shown, rules=rules))
        return BoardSnapshot(view, page, pages, slots, len(codes), public_view.frozen_at(session.state),
                             rules, tuple(posts),
                             tuple(halls.describe(row) for row in halls.progress(session.state)))

    def show(self, snapshot: BoardSnapshot) -> None:
        self._frozen_at = snapshot.frozen_at
        if snapshot.rules != self.rules:
            self.rules = snapshot.rules
            self._ensure_panels()
        panels = self.panels()
        if snapshot.view != self.view or len(panels) != snapshot.slots or self._built != (self.board_layout, self.rules):
            self._show_labels()
            return  # a load for the current view or layout is on its way
        self.page = snapshot.page
        for index, panel in enumerate(panels):
            panel.show_post(snapshot.posts[index] if index < len(snapshot.posts) else None, snapshot.view)
        self.set_class(snapshot.post_count == 0, "-no-posts")
        hall_line = self.query_one("#board-halls", Plain)
        hall_line.update(t("hall_board_title") + ": " + "; ".join(snapshot.halls) if snapshot.halls else "")
        hall_line.set_class(bool(snapshot.halls), "-shown")
        self._show_labels(snapshot)
        self.refresh_bindings()

    def _show_labels(self, snapshot: BoardSnapshot | None = None) -> None:
        public = self.view == PUBLIC
        frozen = public and self._frozen_at is not None
        view_text = t("board_view_public") if public else t("board_view_jury")
        if frozen:
            view_text = t("board_view_frozen", seq=self._frozen_at)
        elif self._frozen_at is not None:  # the jury view is live; say that the public one is not
            view_text = t("board_view_jury_frozen", seq=self._frozen_at)
        label = self.query_one("#board-view-label", Plain)
        label.update(view_text)
        label.set_class(public, "-public")
        label.set_class(self._frozen_at is not None, "-frozen")
        if snapshot is not None and snapshot.post_count:
            first = snapshot.page * snapshot.slots + 1
            last = min(snapshot.post_count, first + snapshot.slots - 1)
            page_text = (t("board_page_one", n=first, count=snapshot.post_count) if first == last
                         else t("board_page_many", first=first, last=last, count=snapshot.post_count))
            self.query_one("#board-page", Plain).update(page_text)
        rotating_label = self.query_one("#board-rotating", Plain)
        rotating_label.update(t("board_rotating", seconds=int(ROTATE_SECONDS)) if self.rotating else "")
        rotating_label.set_class(not self.rotating, "-empty")

    # ------------------------------------------------------------------ keys

    @property
    def rotating(self) -> bool:
        return self.has_class("-rotating")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_view":
            return not self.public_only
        if action == "freeze":
            return may_emit(self.context.role, "publication.freeze")
        return True

    def action_page(self, step: int) -> None:
        self.page += step  # the load worker wraps it around
        self.reload()

    def _rotate(self) -> None:
        if self.is_current:
            self.action_page(1)

    def action_toggle_rotate(self) -> None:
        self.set_class(not self.rotating, "-rotating")
        if self._rotate_timer is not None:
            if self.rotating:
                self._rotate_timer.reset()
                self._rotate_timer.resume()
            else:
                self._rotate_timer.pause()
        self._show_labels()

    def action_toggle_view(self) -> None:
        if self.public_only:
            return
        self.view = JURY if self.view == PUBLIC else PUBLIC
        self.set_class(self.view == PUBLIC, "-public")
        self._show_labels()
        self.reload()

    def action_print_paper(self) -> None:
        """The public notice in the public view; the score summary of every post in the jury view."""
        self.print_paper("notice" if self.view == PUBLIC else "summary")

    def action_freeze(self) -> None:
        freezing = self._frozen_at is None
        title = t("board_confirm_freeze") if freezing else t("board_confirm_release")
        lines = [t("board_confirm_freeze_line") if freezing else t("board_confirm_release_line")]

        def answered(approved: bool | None) -> None:
            if approved:
                self.set_freeze(freezing)

        verb = t("verb_freeze") if freezing else t("verb_release")
        self.app.push_screen(ConfirmScreen(title, lines, verb=verb), answered)

    @work(thread=True, exclusive=True, group="board-freeze")
    def set_freeze(self, frozen: bool) -> None:
        try:
            self.context.shared.use(lambda session, _activity: public_view.freeze(session, frozen))
        except SessionClosed:
            return
        except JzError as error:
            self.post_message(self.Frozen(frozen, error_text(error)))
        else:
            self.post_message(self.Frozen(frozen, None))

    def on_board_screen_frozen(self, message: Frozen) -> None:
        if message.error is not None:
            self.notify(message.error, severity="error", markup=False)
        else:
            self.notify(t("board_frozen_done") if message.frozen else t("board_released_done"))
        self.reload()
