"""The frame every mode screen shares, and the one pattern for filling its body.

A mode screen (one per module in ``screens/``) subclasses :class:`ModeScreen` and
supplies three things:

- ``compose_body()``: the widgets of its body (the header, mode bar and footer are
  the shell's);
- ``load(session, activity)``: runs in a thread worker under the session lock and
  returns an immutable snapshot; the only place that reads the session;
- ``show(snapshot)``: runs on the UI thread inside ``app.batch_update()`` and puts the
  snapshot into the widgets.

Two questions the shell asks any mode screen: ``unsaved_input()`` (what would be lost by
quitting or logging out) and ``why_not(action, parameters)`` (why a key cannot act now, said
in one line when it is pressed).

The base class calls ``load`` whenever the screen becomes current and whenever the
ledger head moves while it is current, so a body stays live without doing anything else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, ClassVar

from textual import events, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.dom import DOMNode
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer
from textual.worker import get_current_worker

from jz_tui.i18n import t
from jz_tui.services.session import Session

from .data import LedgerActivity, LedgerHead, LedgerStatus, SessionClosed, SharedSession
from .widgets import Plain, role_label


def localise_bindings(node: DOMNode) -> None:
    """Turn the catalogue keys in a node's bindings into text in the user's language.

    ``BINDINGS`` are class attributes, evaluated at import, before ``--lang`` is parsed;
    so they hold catalogue keys, and each instance translates its own copy (Textual keeps
    it in ``_bindings``) before anything displays them.
    """
    key_map = node._bindings.key_to_bindings
    for key, bindings in key_map.items():
        key_map[key] = [
            replace(b, description=t(b.description) if b.description else "",
                    tooltip=t(b.tooltip) if b.tooltip else "")
            for b in bindings
        ]


@dataclass(frozen=True)
class ModeTab:
    """One of the role's modes, as the mode bar shows it."""

    mode: str
    key_display: str  # e.g. "F3"
    label: str  # in the user's language


@dataclass(frozen=True)
class ShellContext:
    """Everything a mode screen gets from the shell, handed down at construction."""

    shared: SharedSession
    session_name: str
    user: str
    role: str
    tabs: tuple[ModeTab, ...]
    clock: Callable[[], datetime]
    # snapshot tests show the same screen on every run: hashes, fingerprints and event times masked
    mask_volatile: bool = False

    def volatile(self, text: str) -> str:
        return "#" * len(text) if self.mask_volatile else text


class SessionHeader(Widget):
    """Two lines: the session and the clock; who is logged in and the ledger head."""

    head: reactive[LedgerHead | None] = reactive(None, init=False)

    def __init__(self, context: ShellContext) -> None:
        super().__init__()
        self.context = context

    def compose(self) -> ComposeResult:
        with Horizontal(classes="header-row"):
            yield Plain(self.context.session_name, id="header-session")
            yield Plain("", id="header-clock")
        with Horizontal(classes="header-row"):
            yield Plain(t("app_header_user", user=self.context.user, role=role_label(self.context.role)),
                        id="header-user")
            yield Plain("", id="header-head")

    def on_mount(self) -> None:
        self._tick()
        self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        self.query_one("#header-clock", Plain).update(self.context.clock().strftime("%H:%M:%S"))

    def watch_head(self, head: LedgerHead | None) -> None:
        text = "" if head is None else t("app_header_head", seq=head.seq, hash=self.context.volatile(head.short_hash))
        self.query_one("#header-head", Plain).update(text)


class ModeBar(Horizontal):
    """The role's modes with their keys; the current one highlighted; click to switch."""

    class Selected(Message):
        """The user clicked a mode; the app decides whether to switch."""

        def __init__(self, mode: str) -> None:
            super().__init__()
            self.mode = mode

    waiting: reactive[int] = reactive(0, init=False)  # pending actions waiting for this user's signature

    def __init__(self, tabs: tuple[ModeTab, ...], current: str) -> None:
        super().__init__()
        self.tabs = tabs
        self.current = current

    def compose(self) -> ComposeResult:
        for tab in self.tabs:
            label = Plain(self._text(tab), id=f"tab-{tab.mode}", classes="mode-tab")
            label.set_class(tab.mode == self.current, "-current")
            yield label

    def _text(self, tab: ModeTab) -> str:
        badge = f" ({self.waiting})" if tab.mode == "signatures" and self.waiting else ""
        return f" {tab.key_display} {tab.label}{badge}"

    def watch_waiting(self, waiting: int) -> None:
        for tab in self.tabs:
            if tab.mode == "signatures":
                self.query_one(f"#tab-{tab.mode}", Plain).update(self._text(tab))
                self.set_class(waiting > 0, "-waiting")

    def on_click(self, event: events.Click) -> None:
        widget = event.widget
        if widget is not None and widget.id and widget.id.startswith("tab-"):
            self.post_message(self.Selected(widget.id.removeprefix("tab-")))


class ModeScreen(Screen):
    """The shell's frame around one mode's body; see the module docstring."""

    MODE: ClassVar[str]  # the name the app registers this screen's mode under

    class Loaded(Message):
        """A snapshot for the body, from the load worker."""

        def __init__(self, snapshot: Any) -> None:
            super().__init__()
            self.snapshot = snapshot

    def __init__(self, context: ShellContext) -> None:
        super().__init__()
        localise_bindings(self)
        self.context = context

    def compose(self) -> ComposeResult:
        yield SessionHeader(self.context)
        yield ModeBar(self.context.tabs, self.MODE)
        with Vertical(id="body", classes=f"mode-body {self.MODE}-body"):
            yield from self.compose_body()
        yield Footer(compact=True)

    # ------------------------------------------------------------------ what a mode supplies

    # Every mode screen defines all three; the base has no body of its own to fall back on.

    def compose_body(self) -> ComposeResult:
        raise TypeError(f"{type(self).__name__} must define compose_body()")

    def load(self, session: Session, activity: LedgerActivity) -> Any:
        """Build the body's snapshot. Worker thread, session lock held: read only, no widgets."""
        raise TypeError(f"{type(self).__name__} must define load()")

    def show(self, snapshot: Any) -> None:
        """Put a snapshot into the body's widgets. UI thread, inside ``app.batch_update()``."""
        raise TypeError(f"{type(self).__name__} must define show()")

    # ------------------------------------------------------------------ what the shell asks

    def unsaved_input(self) -> list[str]:
        """What is typed here and not stored, one line each ("4 of 6 marks typed for A-3");
        none by default. The shell asks before quitting, switching mode or logging out over it."""
        return []

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """Why ``action`` cannot act now, in one line; None when it can (or is simply not this
        screen's). Called by the app when ``check_action`` refuses a key, so that the key answers."""
        return None

    # ------------------------------------------------------------------ keeping it live

    def on_mount(self) -> None:
        self.watch(self.app, "status", self._status_changed)

    def _status_changed(self, status: LedgerStatus | None) -> None:
        if status is None:
            return
        self.query_one(SessionHeader).head = status.head
        self.query_one(ModeBar).waiting = len(status.waiting)
        if self.is_current:
            self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, group="mode-body")
    def reload(self) -> None:
        try:
            snapshot = self.context.shared.use(self.load)
        except SessionClosed:
            return  # quitting
        if not get_current_worker().is_cancelled:
            self.post_message(self.Loaded(snapshot))

    def on_mode_screen_loaded(self, message: Loaded) -> None:
        message.stop()
        with self.app.batch_update():
            self.show(message.snapshot)
