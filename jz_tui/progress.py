"""One line of progress on a terminal, for anything that takes longer than a second
(``jz verify``, ``jz bench``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO


def progress_line(stream: TextIO, label: Callable[[str], str]) -> Callable[[str, int, int], None]:
    """``progress(stage, done, total)`` as one line on a terminal, rewritten in place and
    ended when the stage is done: for anything that takes longer than a second."""

    def show(stage: str, done: int, total: int) -> None:
        stream.write(f"\r  {label(stage)} {done:>{len(str(total))}}/{total}")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show
