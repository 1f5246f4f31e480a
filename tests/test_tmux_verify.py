"""The installed ``jz verify`` in a real terminal (tmux, 80x24): its progress line, then the verdict.

Progress goes to a terminal only (never into a pipe or a log): this is where it can be seen.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from _tmux_helpers import SHELL_BACK, TmuxServer, t, terminal_env, then_report
from conftest import PASSPHRASES, jz_executable, make_test_vault


def test_verify_shows_each_pass_then_the_verdict(tmp_path: Path):
    test_vault = make_test_vault(tmp_path / "session.jz")
    for n in range(5):
        test_vault.vault.append(test_vault.admin, "config.set", {"changes": {"ranking.targets_per_post": n + 1}})
    events = test_vault.vault.head()[0]
    test_vault.vault.close()
    rc_file = tmp_path / "rc"
    command = then_report(shlex.join([*jz_executable(), "verify", str(test_vault.path), "--user", "admin"]),
                          rc_file, linger=60)
    tmux = TmuxServer()
    try:
        tmux.new_session("jz", command, env=terminal_env(JZ_PASSPHRASE=PASSPHRASES["admin"]))
        screen = tmux.wait_for("jz", SHELL_BACK)
        lines = screen.splitlines()
        chain = next(i for i, line in enumerate(lines) if t("verify_stage_chain") in line)
        contents = next(i for i, line in enumerate(lines) if t("verify_stage_contents") in line)
        assert chain < contents  # one line each, in order, each ended at its total
        assert lines[chain].rstrip().endswith(f"{events}/{events}")
        assert lines[contents].rstrip().endswith(f"{events}/{events}")
        assert t("verify_ok", events=events, head="").split(",")[0] in screen  # "Verified: N events"
        assert rc_file.read_text().strip() == "0"
    finally:
        tmux.kill()
