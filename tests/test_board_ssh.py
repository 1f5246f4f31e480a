"""The board over SSH, as the README tells a supervisor to set it up, with OpenSSH alone.

A real ``sshd`` on 127.0.0.1 (a free high port, a throw-away host key, its own config:
no PAM, no passwords, ``AuthorizedKeysFile`` pointing at a file of this test) holds a
user key made here, whose ``authorized_keys`` line forces ``jz board VAULT --user sup``.
``ssh -tt`` runs inside tmux (80x24); the login screen asks for the passphrase inside the
SSH session, the test types it, reads the board through ``capture-pane`` and quits with
ctrl+q, which ends the SSH session. It needs openssh-server and tmux (``.ci/run``
installs both) and fails, rather than skips, without them.
"""

from __future__ import annotations

import shlex
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from _board_helpers import build_board_session
from _tmux_helpers import TmuxServer, t
from conftest import PASSPHRASES, jz_executable

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def keygen(path: Path) -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "jz-test", "-f", str(path)],
                   check=True, capture_output=True, timeout=30)
    return path.with_suffix(".pub").read_text().strip()


def wait_for_port(port: int, sshd: subprocess.Popen, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if sshd.poll() is not None:
            pytest.fail(f"sshd exited: {sshd.stderr.read() if sshd.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail("sshd never listened")
            time.sleep(0.05)


def test_a_supervisor_gets_the_board_through_sshd(tmp_path: Path):
    assert Path(SSHD).exists(), "openssh-server is not installed (.ci/run installs it)"
    assert shutil.which("ssh"), "ssh is needed (.ci/run installs it; tmux too)"
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege-separation directory

    vault = build_board_session(tmp_path / "hall.jz", tmp_path)
    host_key, user_key = tmp_path / "host_key", tmp_path / "user_key"
    keygen(host_key)
    public_key = keygen(user_key)
    board = shlex.join(["env", "JZ_LANG=en", *jz_executable(), "board", str(vault), "--user", "sup"])
    authorized = tmp_path / "authorized_keys"
    authorized.write_text(f'command="{board}",restrict,pty {public_key}\n')  # the README's line, verbatim in form
    port = free_port()
    config = tmp_path / "sshd_config"
    config.write_text("\n".join([
        f"Port {port}",
        "ListenAddress 127.0.0.1",
        f"HostKey {host_key}",
        f"PidFile {tmp_path / 'sshd.pid'}",
        f"AuthorizedKeysFile {authorized}",
        "StrictModes no",
        "UsePAM no",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PubkeyAuthentication yes",
        "PermitRootLogin prohibit-password",
        "LogLevel ERROR",
        "",
    ]))

    tmux = TmuxServer("jz-ssh")  # fails here without tmux, before sshd is started
    sshd = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port, sshd)
        ssh = shlex.join(["ssh", "-tt", "-F", "/dev/null", "-p", str(port), "-i", str(user_key),
                          "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                          "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                          "-o", "LogLevel=ERROR", "root@127.0.0.1"])
        tmux.new_session("board", ssh, env={"TERM": "xterm-256color"})

        # the login screen, inside the SSH session: the user is filled in, the passphrase asked
        # (the session's name replaces "opening ..." once the vault is open: only then does Enter log in)
        tmux.wait_for("board", t("login_passphrase"), t("login_title"), "测试会话", "sup")
        tmux.type("board", PASSPHRASES["sup"])
        tmux.keys("board", "Enter")

        shown = tmux.wait_for("board", "A01", t("rank_status_target"), t("board_view_jury"))
        assert "办公室综合科科长" in shown  # the post's name, in Chinese through ssh and tmux
        assert t("board_page_one", n=1, count=3) in shown
        assert "F8 " + t("mode_signatures") not in shown  # jz board: the board alone, no signatures mode

        tmux.keys("board", "C-q")
        deadline = time.monotonic() + 20
        while tmux.alive("board"):  # the app quits, ssh ends, and with it the tmux session
            assert time.monotonic() < deadline, f"the SSH session did not end:\n{tmux.screen('board')}"
            time.sleep(0.1)
    finally:
        tmux.kill()
        sshd.terminate()
        try:
            sshd.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sshd.kill()
            sshd.wait(timeout=10)
