"""The installed ``jz demo`` in a real terminal (tmux, 80x24): build, log in, change mode, quit.

This is the one test that sees what a person sees: the real console script, a real
pseudo-terminal, real key sequences, and the terminal handed back after ctrl+q. It needs
tmux (``.ci/run`` installs it) and fails, rather than skips, without it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from conftest import jz_executable

from jz_tui import i18n

DONE = "JZ-TEST-SHELL-BACK"


class Tmux:
    """One tmux server on a private socket, holding one 80x24 session."""

    def __init__(self) -> None:
        self.socket = f"jz-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"

    def run(self, *args: str) -> str:
        result = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10)
        return result.stdout

    def start(self, command: str, env: dict[str, str]) -> None:
        env_args = [arg for name, value in env.items() for arg in ("-e", f"{name}={value}")]
        self.run("new-session", "-d", "-x", "80", "-y", "24", "-s", "jz", *env_args, command)

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", "jz", *(["-l"] if literal else []), *keys)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "jz")

    def wait_for(self, *texts: str, timeout: float = 30.0) -> str:
        """Poll the screen until it shows every one of ``texts``; fail with the screen otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if all(text in screen for text in texts):
                return screen
            if time.monotonic() > deadline:
                pytest.fail(f"the terminal never showed {texts!r}; it shows:\n{screen}")
            time.sleep(0.1)

    def cursor_row(self) -> int:
        return int(self.run("display-message", "-p", "-t", "jz", "#{cursor_y}").strip() or -1)

    def wait_for_cursor_to_leave(self, row: int, timeout: float = 10.0) -> None:
        """Textual puts the terminal's cursor in the focused input: wait until focus moved on."""
        deadline = time.monotonic() + timeout
        while self.cursor_row() == row:
            if time.monotonic() > deadline:
                pytest.fail(f"the cursor stayed on row {row}:\n{self.screen()}")
            time.sleep(0.05)

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10)


def test_demo_builds_logs_in_changes_mode_and_quits(tmp_path: Path):
    vault = tmp_path / "demo.jz"
    rc_file = tmp_path / "rc"
    jz = shlex.join([*jz_executable(), "demo", str(vault)])
    # after the app: record its exit status, then prove the shell has the terminal back
    command = f"{jz}; echo $? > {shlex.quote(str(rc_file))}; echo {DONE}; sleep 60"
    env = {"JZ_LANG": "en", "TERM": "xterm-256color", "PATH": os.environ.get("PATH", "")}
    t = lambda key, **params: i18n.t(key, lang="en", **params)  # noqa: E731

    tmux = Tmux()
    try:
        tmux.start(command, env)
        # building derives 13 production key slots: allow a slow machine
        tmux.wait_for("supervisor-demo", t("demo_press_enter").rstrip("…")[:30], timeout=120)
        tmux.keys("Enter")

        tmux.wait_for(t("login_passphrase"), "2026年区直机关")
        tmux.keys("supervisor", literal=True)
        tmux.wait_for("supervisor ")
        user_row = tmux.cursor_row()
        tmux.keys("Enter")
        # keys typed before the focus moves still go to the user field, as in any form: look first
        tmux.wait_for_cursor_to_leave(user_row)
        tmux.keys("supervisor-demo", literal=True)
        tmux.keys("Enter")
        home = tmux.wait_for("F7 " + t("mode_board"), t("board_intro")[:20])
        assert "supervisor (supervisor)" in home

        tmux.keys("F8")
        signatures = tmux.wait_for(t("signatures_panel_waiting"), t("action_checkin_undo"))
        assert "supervisor 1" in signatures

        tmux.keys("C-q")
        back = tmux.wait_for(DONE)
        assert t("signatures_panel_waiting") not in back  # the app's screen is gone: the terminal is restored
        assert rc_file.read_text().strip() == "0"
    finally:
        tmux.kill()
