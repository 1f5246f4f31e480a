"""Files and directories jz writes: owner-only (0600, 0700) whatever the umask.

The vault and its -wal and -shm (SQLite gives them the main file's mode), backups,
checkpoints, exports, printed forms, hall exports, tickets and slips all go through here.
A file is made owner-only before anything is written into it, so no reader ever finds it
open; a file written over keeps no wider mode than 0600. A directory that already exists is
the user's and keeps its mode; only the ones made here are 0700. Sharing a vault between OS
accounts is done on purpose, afterwards (README: a group and ``chmod 0660``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: str | os.PathLike[str]) -> Path:
    """``path`` as a directory, made (with any missing parents) 0700 if it does not exist."""
    path = Path(path)
    missing = []
    here = path
    while not here.exists() and here != here.parent:
        missing.append(here)
        here = here.parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, DIR_MODE)
        except FileExistsError:
            continue  # made meanwhile by someone else: theirs
        os.chmod(directory, DIR_MODE)  # mkdir's mode is masked by the umask
    if not path.is_dir():
        os.mkdir(path, DIR_MODE)  # raises what a plain mkdir would (a file in the way)
    return path


def _open_fd(path: str | os.PathLike[str], exclusive: bool) -> int:
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # the umask may have taken bits away; an old file may have had more
    except PermissionError:
        pass  # another account's file we may write: its owner chose its mode
    return fd


def private_file(path: str | os.PathLike[str], exclusive: bool = False) -> Path:
    """``path`` made (or emptied) owner-only, for a library that then writes it by name (SQLite,
    Pillow, openpyxl keep the mode of the file they open). ``exclusive``: FileExistsError if it exists."""
    os.close(_open_fd(path, exclusive))
    return Path(path)


def open_private(path: str | os.PathLike[str], mode: str = "w", encoding: str | None = None,
                 newline: str | None = None) -> IO:
    """``open(path, mode)`` for writing ("w" or "wb"), the file owner-only."""
    fd = _open_fd(path, exclusive=False)
    return os.fdopen(fd, mode, encoding=encoding, newline=newline)


def write_private_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    with open_private(path, "w", encoding=encoding) as fh:
        fh.write(text)
    return Path(path)


def write_private_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    with open_private(path, "wb") as fh:
        fh.write(data)
    return Path(path)
