"""Whether a command that opens the app has a terminal to draw on.

Textual's terminal driver, started on a pipe or /dev/null, never gets a key and never
ends: it spins a core for hours (issue 12). So every command that opens a screen asks
here first and, without a terminal, does its non-interactive part or refuses in words.
"""

from __future__ import annotations

import os
import sys

from jz_tui.cli.common import Misuse

# textual-serve starts the app for each browser tab on pipes, with this driver: it draws
# into the pipe for the browser and ends with the tab, so it needs no terminal.
WEB_DRIVER = "textual.drivers.web_driver:WebDriver"


def on_terminal() -> bool:
    """Standard input and standard output are both terminals: someone can read and type."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def app_can_draw() -> bool:
    """The app has somewhere to draw and someone to read keys from: a terminal, or a browser tab."""
    return on_terminal() or os.environ.get("TEXTUAL_DRIVER") == WEB_DRIVER


def require_terminal(refusal: str, **params: object) -> None:
    """Refuse (exit 2, one sentence from the catalogue) when the app could not draw."""
    if not app_can_draw():
        raise Misuse(refusal, **params)
