"""Driving real terminals with tmux, for the tests that see what a person sees
(test_tmux_demo.py, test_board_ssh.py, test_e2e_tmux.py).

:class:`TmuxServer` is one tmux server on a private socket (a name of its own per test, so
tests never share a server or meet the user's), 80x24 unless told: start a session or a
window running a command, send keys or literal text, read the screen with
``capture-pane``, poll until it shows something (failing with what it shows instead),
and kill the server with its socket file. Windows are addressed by tmux target; a
subclass may map its own names to targets (:meth:`TmuxServer.target`).

tmux is needed (``.ci/run`` installs it): without it these tests fail, never skip.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from jz_tui import i18n

SHELL_BACK = "JZ-TEST-SHELL-BACK"  # printed by the shell once the app has handed the terminal back
WIDTH, HEIGHT = 80, 24


def t(key: str, **params) -> str:
    """The English text of a catalogue key: the terminals run with JZ_LANG=en."""
    return i18n.t(key, lang="en", **params)


def terminal_env(**extra: str) -> dict[str, str]:
    """The environment of a terminal's command: English, a colour terminal, this PATH and HOME."""
    return {"JZ_LANG": "en", "TERM": "xterm-256color", "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", "/tmp"), **extra}


def then_report(command: str, rc_file: Path, linger: int = 600) -> str:
    """``command``, then its exit status written to ``rc_file`` and :data:`SHELL_BACK` printed (the
    shell has the terminal back), then a pause so that the window stays to be read."""
    return f"{command}; echo $? > {shlex.quote(str(rc_file))}; echo {SHELL_BACK}; sleep {linger}"


class TmuxServer:
    """One tmux server on a private socket."""

    def __init__(self, prefix: str = "jz-test") -> None:
        assert shutil.which("tmux"), "tmux is needed (.ci/run installs it)"
        self.socket = f"{prefix}-{os.getpid()}-{uuid.uuid4().hex[:8]}"

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10)

    def target(self, name: str) -> str:
        """The tmux target of ``name`` (a session, or ``session:window``)."""
        return name

    # ------------------------------------------------------------------ starting

    @staticmethod
    def _env_args(env: dict[str, str] | None) -> list[str]:
        return [arg for key, value in (env or {}).items() for arg in ("-e", f"{key}={value}")]

    def new_session(self, session: str, command: str, *, env: dict[str, str] | None = None,
                    window: str | None = None, size: tuple[int, int] = (WIDTH, HEIGHT)) -> None:
        """A detached session of one window running ``command``."""
        named = ["-n", window] if window else []
        done = self.run("new-session", "-d", "-x", str(size[0]), "-y", str(size[1]), "-s", session, *named,
                        *self._env_args(env), command)
        assert done.returncode == 0, done.stderr

    def new_window(self, session: str, window: str, command: str, *, env: dict[str, str] | None = None) -> None:
        done = self.run("new-window", "-d", "-t", session, "-n", window, *self._env_args(env), command)
        assert done.returncode == 0, done.stderr

    # ------------------------------------------------------------------ keys

    def keys(self, name: str, *keys: str) -> None:
        """Key names as tmux knows them (``Enter``, ``C-q``, ``F8``, ``Down``)."""
        self.run("send-keys", "-t", self.target(name), *keys)

    def type(self, name: str, text: str) -> None:
        """Literal text, as typed."""
        self.run("send-keys", "-t", self.target(name), "-l", text)

    # ------------------------------------------------------------------ reading

    def screen(self, name: str, *, escapes: bool = False) -> str:
        """What the window shows; with ``escapes``, with its colours as SGR sequences."""
        return self.run("capture-pane", "-p", *(["-e"] if escapes else []), "-t", self.target(name)).stdout

    def display(self, name: str, format_: str) -> str:
        return self.run("display-message", "-p", "-t", self.target(name), format_).stdout.strip()

    def size(self, name: str) -> str:
        return self.display(name, "#{pane_width}x#{pane_height}")

    def cursor(self, name: str) -> tuple[int, int]:
        """Where the terminal's cursor is (Textual puts it in the focused input, if there is one)."""
        x, y = self.display(name, "#{cursor_x} #{cursor_y}").split()
        return int(x), int(y)

    def alive(self, name: str) -> bool:
        return self.run("has-session", "-t", self.target(name)).returncode == 0

    # ------------------------------------------------------------------ waiting

    def wait_until(self, name: str, test: Callable[[str], bool], what: str, timeout: float = 30.0) -> str:
        """Poll ``name``'s screen until ``test`` holds; fail with the screen otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen(name)
            if test(screen):
                return screen
            if time.monotonic() > deadline:
                pytest.fail(f"{name}'s terminal never showed {what}; it shows:\n{screen}")
            time.sleep(0.1)

    def wait_for(self, name: str, *texts: str, timeout: float = 30.0) -> str:
        """Poll ``name``'s screen until it shows every one of ``texts``."""
        return self.wait_until(name, lambda screen: all(text in screen for text in texts), repr(texts), timeout)

    # ------------------------------------------------------------------ ending

    def kill(self) -> None:
        """Kill the server and remove its socket file (tmux leaves that behind)."""
        path = self.run("display-message", "-p", "#{socket_path}").stdout.strip()  # empty once the server ended
        self.run("kill-server")
        default = Path(os.environ.get("TMUX_TMPDIR") or "/tmp") / f"tmux-{os.getuid()}" / self.socket
        Path(path or default).unlink(missing_ok=True)
