"""The frame of one preparation step, opened from the setup hub (F2) and part of its mode.

A step screen is a :class:`ModeScreen` (header, mode bar, footer, live ``load``/``show``)
with ``MODE = "setup"``, so it stays under F2; escape goes back to the hub. It has a
title line and one message line, where the outcome of the last action is said in plain
words (``say``), green when done, red when refused.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding

from jz_tui.i18n import t

from .base import ModeScreen
from .widgets import Plain


class SetupStepScreen(ModeScreen):
    MODE = "setup"
    CSS_PATH = "setup.tcss"
    STEP: ClassVar[str]  # the step's name in jz_tui.services.setup_progress.STEPS

    BINDINGS = [
        Binding("escape", "back", "key_setup_back", id="setup-back", tooltip="tip_setup_back"),
    ]

    def compose_body(self) -> ComposeResult:
        yield Plain(t(f"setup_step_{self.STEP}"), classes="step-title")
        yield Plain("", classes="step-message", id="step-message")
        yield from self.compose_step()

    def compose_step(self) -> ComposeResult:
        raise TypeError(f"{type(self).__name__} must define compose_step()")

    def say(self, text: str, *, error: bool = False) -> None:
        label = self.query_one("#step-message", Plain)
        label.update(text)
        label.set_class(error, "-error")
        label.set_class(not error and bool(text), "-ok")

    def action_back(self) -> None:
        self.app.pop_screen()
