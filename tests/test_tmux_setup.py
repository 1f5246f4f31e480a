"""The admin's setup hub and logging out in a real terminal (tmux, 80x24), with the installed ``jz``:
F2's steps open by their number, Esc comes back, ctrl+l hands the terminal to the next person
without restarting the app, and ctrl+q gives the shell back."""

from __future__ import annotations

import shlex
from pathlib import Path

from _app_helpers import make_app_vault
from _tmux_helpers import SHELL_BACK, TmuxServer, t, terminal_env, then_report
from conftest import PASSPHRASES, jz_executable


def log_in(tmux: TmuxServer, user: str) -> None:
    tmux.wait_for("jz", t("login_passphrase"))
    tmux.type("jz", user)
    tmux.keys("jz", "Enter")
    tmux.type("jz", PASSPHRASES[user])
    tmux.keys("jz", "Enter")


def test_setup_steps_and_log_out_in_a_real_terminal(tmp_path: Path, monkeypatch):
    vault = make_app_vault(tmp_path / "hall.jz", monkeypatch)  # 3 candidates, no tickets yet
    rc_file = tmp_path / "rc"
    command = then_report(shlex.join([*jz_executable(), str(vault)]), rc_file, linger=60)

    tmux = TmuxServer()
    try:
        tmux.new_session("jz", command, env=terminal_env())
        log_in(tmux, "admin")
        hub = tmux.wait_for("jz", t("setup_panel_steps"), t("setup_step_check"))
        assert t("setup_step_roster_status", candidates=3, posts=2) in hub

        tmux.keys("jz", "7")  # the readiness check, by its number
        check = tmux.wait_for("jz", t("setup_step_check"), "3 candidates have no ticket")
        assert t("ready_all_clear") not in check
        tmux.keys("jz", "Escape")
        tmux.wait_for("jz", t("setup_panel_steps"))

        tmux.keys("jz", "C-l")  # nothing typed: straight back to the login, the app still running
        log_in(tmux, "clerk")
        clerk = tmux.wait_for("jz", "F3 " + t("mode_checkin"))
        assert "F2 " + t("mode_setup") not in clerk  # the admin's modes left with the admin
        assert "clerk (" in clerk

        tmux.keys("jz", "C-q")
        tmux.wait_for("jz", SHELL_BACK)
        assert rc_file.read_text().strip() == "0"
    finally:
        tmux.kill()
