"""Every command that opens the app ends by itself when stdin or stdout is not a terminal.

Textual's terminal driver on a pipe or /dev/null never ends and spins a core (issue 12).
Each command runs as the installed ``jz`` in a real process, stdin from /dev/null (or a
pseudo-terminal) and stdout into a pipe (or a pseudo-terminal), under a timeout: a
command that opened the app anyway would hang there and fail on the timeout. The demo
builds its vault, prints the users and exits 0; the others refuse in one sentence, exit 2.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import threading
from pathlib import Path

import pytest
from conftest import WEAK_KDF, jz_executable, make_test_vault

from jz_tui import i18n
from jz_tui.bench import demo
from jz_tui.cli.board import served_command

TIMEOUT = 60  # far more than any of these needs; only a command stuck in the app reaches it
SUPERVISOR = next(user.name for user in demo.DEMO_USERS if user.role == "supervisor")


def t(key: str, **params) -> str:
    return i18n.t(key, lang="en", **params)


def run(argv: list[str], *, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``argv`` in a real process, stderr captured, killed after TIMEOUT seconds."""
    full_env = {**os.environ, "JZ_LANG": "en"} if env is None else env
    full_env.pop("TEXTUAL_DRIVER", None)  # as from a shell: no textual-serve around
    full_env.pop("JZ_PASSPHRASE", None)
    return subprocess.run(argv, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, text=True,
                          env=full_env, timeout=TIMEOUT)


def jz(*args: object, **kwargs) -> subprocess.CompletedProcess:
    return run([*jz_executable(), *map(str, args)], **kwargs)


class PseudoTerminal:
    """A real terminal (a pty) for one side of a command; what the command writes to it is read
    all along, so a command writing to it never blocks on a full buffer."""

    def __enter__(self) -> PseudoTerminal:
        self.master, self.slave = os.openpty()
        self.chunks: list[bytes] = []
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()
        return self

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # EIO: every writer has closed the terminal
                return
            if not chunk:
                return
            self.chunks.append(chunk)

    def __exit__(self, *exc) -> None:
        os.close(self.slave)
        self.reader.join(timeout=10)
        os.close(self.master)


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    tv = make_test_vault(tmp_path / "hall.jz")
    tv.vault.close()
    return tv.path


@pytest.fixture
def existing_demo(tmp_path: Path) -> Path:
    path = tmp_path / "existing" / "demo.jz"
    path.parent.mkdir()
    demo.build_demo(path, say=lambda line: None, kdf=WEAK_KDF)
    return path


def assert_demo_printed_without_opening(result: subprocess.CompletedProcess, path: Path) -> None:
    assert result.returncode == 0, result.stderr
    assert demo.is_demo_vault(path)
    assert SUPERVISOR in result.stdout and f"{SUPERVISOR}-demo" in result.stdout  # the users table
    assert result.stdout.rstrip().endswith(t("demo_not_opened_no_terminal", path=str(path)))


# ---------------------------------------------------------------------- the app and the board refuse


@pytest.mark.parametrize("command", [[], ["app"]], ids=["jz VAULT", "jz app VAULT"])
def test_the_app_refuses_without_a_terminal(vault: Path, command: list[str]):
    result = jz(*command, vault)
    assert result.returncode == 2
    assert result.stderr.strip() == t("app_needs_terminal", vault=str(vault))
    assert result.stdout == ""  # not one escape sequence of a screen


def test_the_app_refusal_is_in_chinese_too(vault: Path):
    result = jz("--lang", "zh", "app", vault)
    assert result.returncode == 2
    assert result.stderr.strip() == i18n.t("app_needs_terminal", lang="zh", vault=str(vault))


def test_the_board_refuses_without_a_terminal(vault: Path):
    result = jz("board", vault, "--user", "supervisor")
    assert result.returncode == 2
    assert result.stderr.strip() == t("board_needs_terminal", vault=str(vault))
    assert result.stdout == ""


def test_the_kiosk_refuses_without_a_terminal(vault: Path):
    result = jz("vote", vault, "--box", "B")
    assert result.returncode == 2
    assert result.stderr.strip() == t("vote_kiosk_needs_terminal")
    assert result.stdout == ""


def test_the_serve_child_refuses_outside_textual_serve(vault: Path):
    """The very command ``jz serve`` has textual-serve run per browser tab, run from a shell:
    without textual-serve's web driver it has no browser to draw for, so it refuses."""
    args = argparse.Namespace(vault=str(vault), app=False, public=False, user="supervisor")
    argv = shlex.split(served_command(args))
    lang = argv[argv.index("--lang") + 1]
    result = run(argv)
    assert result.returncode == 2
    assert result.stderr.strip() == i18n.t("board_needs_terminal", lang=lang, vault=str(vault.resolve()))


def test_the_served_whole_app_refuses_outside_textual_serve(vault: Path):
    args = argparse.Namespace(vault=str(vault), app=True, public=False, user=None)
    argv = shlex.split(served_command(args))
    lang = argv[argv.index("--lang") + 1]
    result = run(argv)
    assert result.returncode == 2
    assert result.stderr.strip() == i18n.t("app_needs_terminal", lang=lang, vault=str(vault.resolve()))


# ---------------------------------------------------------------------- the demo builds, prints, ends


def test_demo_builds_prints_the_users_and_ends(tmp_path: Path):
    path = tmp_path / "demo.jz"
    result = jz("demo", path)  # a fresh demo: real Argon2id, some seconds
    assert "Traceback" not in result.stderr
    assert t("demo_built", path=str(path)) in result.stdout
    assert_demo_printed_without_opening(result, path)


def test_demo_on_an_existing_demo_vault_prints_the_users_and_ends(existing_demo: Path):
    before = existing_demo.stat().st_size
    result = jz("demo", existing_demo)
    assert t("demo_using_existing", path=str(existing_demo)) in result.stdout
    assert_demo_printed_without_opening(result, existing_demo)
    assert existing_demo.stat().st_size == before  # opened, not rebuilt


# ---------------------------------------------------------------------- one side a terminal, the other not


def test_demo_piped_into_cat_from_a_terminal_builds_and_ends(tmp_path: Path):
    """``jz demo x.jz | cat`` typed in a terminal: stdin is the terminal, stdout a pipe."""
    path = tmp_path / "demo.jz"
    with PseudoTerminal() as terminal:
        result = jz("demo", path, stdin=terminal.slave)
    assert t("demo_built", path=str(path)) in result.stdout
    assert_demo_printed_without_opening(result, path)


def test_the_app_with_stdout_a_terminal_and_stdin_not_refuses(vault: Path):
    """``jz app VAULT < /dev/null`` in a terminal: the screen could draw but never get a key."""
    with PseudoTerminal() as terminal:
        result = jz("app", vault, stdout=terminal.slave)
    assert result.returncode == 2
    assert result.stderr.strip() == t("app_needs_terminal", vault=str(vault))
    assert b"\x1b[?1049h" not in b"".join(terminal.chunks)  # the screen never took the terminal


def test_the_board_with_stdin_a_terminal_and_stdout_a_pipe_refuses(vault: Path):
    with PseudoTerminal() as terminal:
        result = jz("board", vault, "--user", "supervisor", stdin=terminal.slave)
    assert result.returncode == 2
    assert result.stderr.strip() == t("board_needs_terminal", vault=str(vault))


def test_demo_with_stdout_a_terminal_and_stdin_not_ends(existing_demo: Path):
    with PseudoTerminal() as terminal:
        result = jz("demo", existing_demo, stdout=terminal.slave)
    assert result.returncode == 0, result.stderr  # the terminal is read to its end on leaving the block
    printed = b"".join(terminal.chunks).decode("utf-8", "replace")
    assert f"{SUPERVISOR}-demo" in printed
    assert b"\x1b[?1049h" not in b"".join(terminal.chunks)
