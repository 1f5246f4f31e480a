"""What an app shows when something unexpected goes wrong: one readable sentence.

Textual's default prints a traceback with local variables, which in jz could hold a
passphrase, a key, a slip code or a ballot; every jz app mixes this in instead (a bare
traceback only with ``JZ_DEBUG=1``).
"""

from __future__ import annotations

import os
import traceback

from rich.console import Group
from rich.text import Text
from textual.worker import WorkerFailed

from jz_tui.i18n import t


def crash_report(error: BaseException | None) -> Group:
    """What the terminal shows after an unexpected error: plain words, no values."""
    if isinstance(error, WorkerFailed):  # name what went wrong in the worker, not the wrapper
        error = error.error
    kind = type(error).__name__ if error is not None else "?"
    parts: list[Text] = [Text(t("app_crashed", kind=kind), style="bold red")]
    if os.environ.get("JZ_DEBUG") and error is not None:
        parts.append(Text("".join(traceback.format_exception(error))))
    return Group(*parts)


class PlainCrashes:
    """Mixin for a Textual ``App``: a crash ends with :func:`crash_report`, not Textual's traceback."""

    _crash: BaseException | None = None

    def _handle_exception(self, error: Exception) -> None:
        self._crash = error
        super()._handle_exception(error)  # type: ignore[misc]

    def _fatal_error(self) -> None:
        self.bell()  # type: ignore[attr-defined]
        self._exit_renderables.append(crash_report(self._crash))  # type: ignore[attr-defined]
        self._close_messages_no_wait()  # type: ignore[attr-defined]
