"""A crawler that tries to break the screens: every binding, garbage in every input, tiny terminals.

:class:`Crawler` starts from a root screen (a mode's screen, the kiosk, the login) and, on
it and on every screen that one of its steps pushes (a dialog, the draw screen, the
announcement), up to ``MAX_DEPTH`` levels deep:

1. shrinks the terminal to 40x12 and restores 80x24;
2. presses every key bound on the screen and, on a screen that is not modal, on the app
   (``ctrl+q`` excepted: the tests press it last); a key the focused input would take as
   text is pressed a second time with nothing focused, so that the binding runs too. A
   binding that a step enables (a post with a count going on, a sheet waiting for the
   scorer) is pressed again once enabled;
3. pastes garbage (:func:`garbage_for`) into every input and presses Enter;
4. moves the cursor of every table (:data:`TABLE_KEYS`), which changes what the screen's
   bindings act on (and may enable more of them).

After every step the app must still be running with no exception recorded. A step that
closes the screen being crawled (a dialog answered, a form submitted) is followed by
reaching the screen again from its root, replaying the steps that opened it; when that
no longer opens a screen of the same kind (the action it led to is done), the crawl of
that screen stops there. The help screen and the command palette are crawled once, the
app's mode keys pressed from the first screen only (they do the same from every screen).

A root may also be crawled in a state that its keys reach only by going round (the tally's
next post): a ``seek`` step presses a key until a label shows a text.
"""

from __future__ import annotations

import asyncio
import contextlib
import unicodedata
from dataclasses import dataclass, field

from textual import events
from textual.app import App
from textual.command import CommandPalette
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key, key_to_character
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Input
from textual.worker import WorkerCancelled, WorkerFailed

from screens.help import HelpScreen

SIZE = (80, 24)
SMALL = (40, 12)
MAX_DEPTH = 2  # a mode screen (0), what it pushes (1), what that pushes (2)
SKIP_ACTIONS = frozenset({"quit", "log_out"})  # ctrl+q ends the app: the tests press it last, on purpose; ctrl+l logs out
SKIP_KEYS = frozenset({"super+c"})  # Textual's macOS alias of ctrl+c (copy), pressed as ctrl+c
EVERY_SCREEN = frozenset({"app.focus_next", "app.focus_previous", "screen.copy_text", "help_quit"})  # Textual's
ONCE_ACTIONS = ("open_mode",)  # the app's mode keys do the same from every screen: pressed on the first one
ONCE = (HelpScreen, CommandPalette)  # the same from every screen: crawled the first time only
# Rows in several states (a screen starts on the current row: look above it too; the last but one is
# often still to do). ctrl+home/ctrl+end move a table's cursor, home/end do not.
TABLE_KEYS = ("up", "up", "ctrl+end", "up", "ctrl+home", "enter")
SEEK_PRESSES = 8
MAX_STEPS = 250  # per screen: a guard against a screen whose keys keep enabling each other

# One line (an Input keeps only the first line of a paste). The worst comes first, so that a field
# with a maximum length (a slip code: 40) still gets NUL, escape sequences, a bidi override and emoji.
_NASTY = (
    "\x00\x1b[2J\x1b]0;pwned\x07\u202e\u2066😀👨\u200d👩\u200d👧\u200d👦\x7f\x01\x08\x9b6n"  # NUL, ESC/OSC/CSI, bidi, emoji
    "\x1b[31m\x1bP+q\x1b\\evil\u2069\u202d\u200f\u200b\ufeff🇨🇳\ufe0f\u0301"  # DCS, zero widths, BOM, flag
    "[bold red]x[/] [link=file:///etc/passwd]y[/link] {0} {name} %s %(x)s ../../etc"  # markup, format specs
    "张三·—①\t"  # ambiguous-width characters, a tab
)
LONG = (_NASTY * 100)[:10_000]  # 10,000 characters
HUGE = "9" * 40  # a number too big for anything: an integer field takes it
PLAUSIBLE = "1"  # so that a form may go through, and what follows it is crawled too


def garbage_for(field: Input) -> tuple[str, ...]:
    """What is pasted into ``field``, each followed by Enter."""
    return (LONG, HUGE, PLAUSIBLE) if field.type in ("integer", "number") else (LONG, PLAUSIBLE)


# A step: ("key", key) | ("blurkey", key): with nothing focused | ("table", index, key) | ("paste", index, text)
# | ("seek", key, selector, text): press key until the widget at selector shows text (a state of the root)
Step = tuple[str, ...]


def describe(path: tuple[Step, ...]) -> str:
    def one(step: Step) -> str:
        kind = step[0]
        if kind == "paste":
            return f"paste#{step[1]}[{len(step[2])} chars]+enter"
        if kind == "table":
            return f"table#{step[1]}:{step[2]}"
        if kind == "seek":
            return f"{step[1]} until {step[3]}"
        return ("(nothing focused) " if kind == "blurkey" else "") + step[1]

    return " > ".join(one(step) for step in path) or "(root)"


def shown(widget: Widget) -> str:
    """The text a label shows."""
    return str(getattr(widget, "content", ""))


@dataclass
class Crawler:
    pilot: Pilot
    label: str
    mode: str | None = None  # the root is this mode's screen (JzApp) ...
    root: Screen | None = None  # ... or this screen (the kiosk, the login)
    done: list[str] = field(default_factory=list)  # one line per step: for the test to assert on, and to read
    crawled: set[type] = field(default_factory=set)  # the kinds of screen crawled (shared between crawlers)
    pressed_once: set[str] = field(default_factory=set)  # keys of ONCE_ACTIONS pressed (shared between crawlers)

    @property
    def app(self) -> App:
        return self.pilot.app

    # ------------------------------------------------------------------ steps

    def busy(self) -> bool:
        """A worker not finished, or a message waiting on the app or the current screen."""
        app = self.app
        if any(not worker.is_finished for worker in app.workers):
            return True
        return any(node._message_queue.qsize() for node in (app, *app.screen.walk_children(with_self=True)))

    async def settle(self) -> None:
        """Until the app has been quiet twice running: what a step set off (a key handled by the
        app, then the focused widget, then a message to the screen, a worker, the message it
        posts ...) has all happened.

        Not ``pilot.pause()``: it waits for the whole process to be idle, which the ledger poll
        (every 0.1 s) seldom lets it be, and costs a tenth of a second or more per step.
        """
        quiet = 0
        for _ in range(500):
            for worker in list(self.app.workers):
                with contextlib.suppress(WorkerCancelled, WorkerFailed):  # a failure is the app's to report
                    await worker.wait()
            await self.pilot._wait_for_screen()
            await asyncio.sleep(0.01)  # a frame: refreshes, and what waits for one (call_after_refresh)
            quiet = 0 if self.busy() else quiet + 1
            if quiet == 2:
                return
        raise AssertionError(f"{self.label}: the app never settles")

    async def press(self, key: str) -> None:
        """One key, as ``pilot.press`` sends it, without its two waits for idle (settle() waits once)."""
        if len(key) == 1 and not key.isalnum():
            key = _character_to_key(key)
        try:
            char: str | None = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
        except KeyError:
            char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(self.app)
        self.app._driver.send_message(event)
        await self.settle()

    def check(self, where: str) -> None:
        app = self.app
        assert app._exception is None, f"{self.label}: {where}: the app crashed: {app._exception!r}"
        assert app.is_running and app.return_code is None, f"{self.label}: {where}: the app is no longer running"

    async def run_step(self, step: Step) -> None:
        kind, screen = step[0], self.app.screen
        if kind in ("paste", "table"):
            widgets = list(screen.query(Input if kind == "paste" else DataTable))
            index = int(step[1])
            if index >= len(widgets) or not widgets[index].focusable:
                return  # gone or hidden in the state the screen is in now
            widgets[index].focus()
            await self.settle()
            if kind == "table":
                await self.press(step[2])
                return
            self.app.post_message(events.Paste(step[2]))
            # Enter once what the paste started is done, as a person's would be: Textual's command
            # palette runs the command highlighted *before* the search if Enter beats the search.
            await self.settle()
            await self.press("enter")
            return
        if kind == "seek":
            for _ in range(SEEK_PRESSES):
                if step[3] in shown(screen.query_one(step[2])):
                    return
                await self.press(step[1])
            raise AssertionError(f"{self.label}: {describe((step,))}: never shown")
        if kind == "blurkey":
            screen.set_focus(None)
            await self.settle()
        await self.press(step[1])

    async def step(self, path: tuple[Step, ...], step: Step) -> None:
        where = describe((*path, step))
        await self.run_step(step)
        self.check(where)
        self.done.append(where)

    async def resize(self, path: tuple[Step, ...]) -> None:
        for size in (SMALL, SIZE):
            await self.pilot.resize_terminal(*size)
            await self.settle()
            assert self.app.size == size, f"{self.label}: {describe(path)}: the terminal is {self.app.size}"
            self.check(f"{describe(path)} > resize {size[0]}x{size[1]}")
        self.done.append(f"{describe(path)} > resize")

    # ------------------------------------------------------------------ getting back

    async def pop_above(self, screen: Screen) -> None:
        """Close what is above ``screen``: Escape first, as a person would; pop_screen if Escape does nothing."""
        for _ in range(8):
            if screen not in self.app.screen_stack or self.app.screen is screen:
                return
            top = self.app.screen
            await self.press("escape")
            self.check(f"escape from {type(top).__name__}")
            if self.app.screen is top:
                await self.app.pop_screen()
                await self.settle()
        raise AssertionError(f"{self.label}: cannot get back to {type(screen).__name__}")

    async def go_root(self) -> Screen:
        """Back to the root screen, with nothing above it."""
        app = self.app
        if self.mode is None:
            assert self.root is not None
            await self.pop_above(self.root)
            assert app.screen is self.root, f"{self.label}: the root screen is gone"
            return self.root
        await self.pop_above(app.screen_stack[0])
        if app.current_mode != self.mode:
            await app.switch_mode(self.mode)
            await self.settle()
            await self.pop_above(app.screen_stack[0])
        return app.screen

    async def reach(self, path: tuple[Step, ...], kind: type[Screen], depth: int) -> Screen | None:
        """The screen ``path`` leads to from the root, or None when that is not one of ``kind`` any more.

        At ``depth`` 0 the path only puts the root in a state (the next post, say).
        """
        root = await self.go_root()
        for number, step in enumerate(path):
            await self.run_step(step)
            self.check(f"replaying {describe(path[:number + 1])}")
        screen = self.app.screen
        if depth == 0:
            return screen if screen is root else None
        return screen if isinstance(screen, kind) and screen is not root else None

    async def back_to(self, screen: Screen, path: tuple[Step, ...], depth: int) -> Screen | None:
        if self.app.screen is screen:
            return screen
        if screen in self.app.screen_stack:
            await self.pop_above(screen)
            if self.app.screen is screen:
                return screen
        return await self.reach(path, type(screen), depth)

    # ------------------------------------------------------------------ the crawl

    def bindings(self, screen: Screen, depth: int) -> dict[str, bool]:
        """Every key bound on the screen (and the app, under a screen that is not modal): enabled?

        Textual's keys of every screen (tab, shift+tab, ctrl+c) only on the root: they do the same everywhere.
        """
        app = self.app
        namespaces = [(screen, screen._bindings)] + ([] if screen.is_modal else [(app, app._bindings)])
        keys: dict[str, bool] = {}
        for namespace, bindings in namespaces:
            for key, binding in bindings:
                if binding.action in SKIP_ACTIONS or key in SKIP_KEYS or key in keys:
                    continue
                if binding.action in EVERY_SCREEN and depth > 0:
                    continue
                if binding.action.startswith(ONCE_ACTIONS) and key in self.pressed_once:
                    continue
                state = app._check_action_state(binding.action, namespace)
                if namespace is app and state is False:
                    continue  # another role's mode: not a key of this app at all
                keys[key] = bool(state)
        return keys

    def key_steps(self, screen: Screen, keys: list[str]) -> list[Step]:
        steps: list[Step] = []
        focused = screen.focused
        for key in keys:
            steps.append(("key", key))
            if focused is not None and focused.check_consume_key(key, key_to_character(key)):
                steps.append(("blurkey", key))
        return steps

    async def crawl(self, path: tuple[Step, ...] = (), depth: int = 0) -> None:
        """Crawl the current screen, which ``path`` leads to from the root (at ``depth`` 0: the root itself)."""
        screen = self.app.screen
        kind = type(screen)
        once = next((k for k in ONCE if isinstance(screen, k)), None)
        if once is not None:
            if once in self.crawled:
                return
            self.crawled.add(once)
        self.crawled.add(kind)
        await self.resize(path)
        bound = self.bindings(screen, depth)
        self.pressed_once.update(key for key, binding in self.app._bindings if binding.action.startswith(ONCE_ACTIONS))
        enabled_pressed: set[str] = set()
        queue = self.key_steps(screen, list(bound))
        # garbage before the tables: moving a table's cursor may take the inputs away (a sheet already sent)
        queue += [("paste", str(index), text) for index, field_ in enumerate(screen.query(Input))
                  for text in garbage_for(field_)]
        queue += [("table", str(index), key) for index in range(len(screen.query(DataTable))) for key in TABLE_KEYS]
        for _ in range(MAX_STEPS):
            if not queue:
                break
            step = queue.pop(0)
            current = await self.back_to(screen, path, depth)
            if current is None:
                self.done.append(f"{describe(path)}: closed for good, {kind.__name__} crawled this far")
                return
            screen = current
            if step[0] in ("key", "blurkey") and self.bindings(screen, depth).get(step[1]):
                enabled_pressed.add(step[1])
            await self.step(path, step)
            top = self.app.screen
            if top is screen:
                # what this step enabled gets pressed too, first: it acts on the new state
                fresh = [key for key, on in self.bindings(screen, depth).items() if on and key not in enabled_pressed
                         and ("key", key) not in queue]
                queue[:0] = self.key_steps(screen, fresh)
            elif depth < MAX_DEPTH and screen in self.app.screen_stack:
                await self.crawl((*path, step), depth + 1)  # something new on top of this screen
