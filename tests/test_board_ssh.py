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

import os
import shlex
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from _board_helpers import build_board_session
from conftest import PASSPHRASES, jz_executable

from jz_tui import i18n

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def t(key: str, **params) -> str:
    return i18n.t(key, lang="en", **params)


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


class Tmux:
    """One tmux server on a private socket, one 80x24 session."""

    def __init__(self) -> None:
        self.socket = f"jz-ssh-{os.getpid()}-{uuid.uuid4().hex[:8]}"

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "board").stdout

    def alive(self) -> bool:
        return self.run("has-session", "-t", "board").returncode == 0

    def wait_for(self, *texts: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if all(text in screen for text in texts):
                return screen
            if time.monotonic() > deadline:
                pytest.fail(f"the SSH session never showed {texts!r}; it shows:\n{screen}")
            time.sleep(0.1)

    def kill(self) -> None:
        self.run("kill-server")


def test_a_supervisor_gets_the_board_through_sshd(tmp_path: Path):
    assert Path(SSHD).exists(), "openssh-server is not installed (.ci/run installs it)"
    assert shutil.which("tmux") and shutil.which("ssh"), "tmux and ssh are needed (.ci/run installs them)"
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

    sshd = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    tmux = Tmux()
    try:
        wait_for_port(port, sshd)
        ssh = shlex.join(["ssh", "-tt", "-F", "/dev/null", "-p", str(port), "-i", str(user_key),
                          "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                          "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                          "-o", "LogLevel=ERROR", "root@127.0.0.1"])
        started = tmux.run("new-session", "-d", "-x", "80", "-y", "24", "-s", "board",
                           "-e", "TERM=xterm-256color", ssh)
        assert started.returncode == 0, started.stderr

        # the login screen, inside the SSH session: the user is filled in, the passphrase asked
        # (the session's name replaces "opening ..." once the vault is open: only then does Enter log in)
        tmux.wait_for(t("login_passphrase"), t("login_title"), "测试会话", "sup")
        tmux.run("send-keys", "-t", "board", "-l", PASSPHRASES["sup"])
        tmux.run("send-keys", "-t", "board", "Enter")

        shown = tmux.wait_for("A01", t("rank_status_target"), t("board_view_jury"))
        assert "办公室综合科科长" in shown  # the post's name, in Chinese through ssh and tmux
        assert t("board_page_one", n=1, count=3) in shown
        assert "F8 " + t("mode_signatures") not in shown  # jz board: the board alone, no signatures mode

        tmux.run("send-keys", "-t", "board", "C-q")
        deadline = time.monotonic() + 20
        while tmux.alive():  # the app quits, ssh ends, and with it the tmux session
            assert time.monotonic() < deadline, f"the SSH session did not end:\n{tmux.screen()}"
            time.sleep(0.1)
    finally:
        tmux.kill()
        sshd.terminate()
        try:
            sshd.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sshd.kill()
            sshd.wait(timeout=10)
