"""The installed ``jz demo`` in a real terminal (tmux, 80x24): build, log in, change mode, quit.

This is the one test that sees what a person sees: the real console script, a real
pseudo-terminal, real key sequences, and the terminal handed back after ctrl+q. It needs
tmux (``.ci/run`` installs it) and fails, rather than skips, without it.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from _tmux_helpers import SHELL_BACK, TmuxServer, t, terminal_env, then_report
from conftest import jz_executable


def test_demo_builds_logs_in_changes_mode_and_quits(tmp_path: Path):
    vault = tmp_path / "demo.jz"
    rc_file = tmp_path / "rc"
    # after the app: record its exit status, then prove the shell has the terminal back
    command = then_report(shlex.join([*jz_executable(), "demo", str(vault)]), rc_file, linger=60)

    tmux = TmuxServer()
    try:
        tmux.new_session("jz", command, env=terminal_env())
        # building derives 13 production key slots: allow a slow machine
        tmux.wait_for("jz", "supervisor-demo", t("demo_press_enter").rstrip("…")[:30], timeout=120)
        tmux.keys("jz", "Enter")

        tmux.wait_for("jz", t("login_passphrase"), "2026年区直机关")
        # user, Enter, passphrase, Enter, typed ahead: each key lands where it was meant to
        tmux.type("jz", "supervisor")
        tmux.keys("jz", "Enter")
        tmux.type("jz", "supervisor-demo")
        tmux.keys("jz", "Enter")
        home = tmux.wait_for("jz", "F7 " + t("mode_board"), t("board_intro")[:20])
        assert "supervisor (supervisor)" in home

        tmux.keys("jz", "F8")
        signatures = tmux.wait_for("jz", t("signatures_panel_waiting"), t("action_checkin_undo"))
        assert "supervisor 1" in signatures

        tmux.keys("jz", "C-q")
        back = tmux.wait_for("jz", SHELL_BACK)
        assert t("signatures_panel_waiting") not in back  # the app's screen is gone: the terminal is restored
        assert rc_file.read_text().strip() == "0"
    finally:
        tmux.kill()
