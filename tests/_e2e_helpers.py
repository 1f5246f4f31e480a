"""Helpers for the end-to-end test in real terminals (tests/test_e2e_tmux.py).

:func:`build_hall` makes the vault the way an organisation department would before the
hall opens: the users (weak-KDF key slots, through the Python API as the test fixtures
do, since ``jz init`` with the production KDF is slow), then what the admin does by
command with the installed ``jz``: the rules, a synthetic roster, the written scores, the
ballot box. :class:`Terminals` is one private tmux server (:mod:`_tmux_helpers`) holding
one 80x24 window per person, each running the installed ``jz VAULT --user NAME``, and reads
where the focus is from the colours on screen.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from _tmux_helpers import TmuxServer, terminal_env, then_report
from conftest import PASSPHRASES, WEAK_KDF, jz_executable, make_test_vault
from rich.cells import cell_len

from jz_tui.bench import synthetic

SESSION = "端到端测试会话"
POST = ("A01", "办公室综合科科长", "区委办公室")
CANDIDATES = 4
PASSWORDS = {**PASSPHRASES, "e3": "e3-pass"}
RUBRIC = (("综合分析", 60), ("言语表达", 40))
SEAL = "S-2026-07"


# ---------------------------------------------------------------------- the vault before the hall


@dataclass(frozen=True)
class Hall:
    path: Path
    codes: tuple[str, ...]  # candidate codes, in roster order
    names: dict[str, str]  # code -> name


def jz_run(*args: object, user: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """The installed ``jz`` in its own process; ``user``'s passphrase through JZ_PASSPHRASE."""
    env = {**os.environ, "JZ_LANG": "en"}
    env.pop("JZ_PASSPHRASE", None)
    argv = [*jz_executable(), *map(str, args)]
    if user is not None:
        argv += ["--user", user]
        env["JZ_PASSPHRASE"] = PASSWORDS[user]
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout)


def jz_ok(*args: object, user: str | None = "admin") -> str:
    done = jz_run(*args, user=user)
    assert done.returncode == 0, f"jz {' '.join(map(str, args))} exited {done.returncode}:\n{done.stderr}"
    return done.stdout


def build_hall(directory: Path, written: tuple[str, ...]) -> Hall:
    """Users through the API (weak KDF), then rules, roster, written scores and the box by command."""
    path = directory / "hall.jz"
    tv = make_test_vault(path, session=SESSION)
    try:
        tv.vault.add_user(tv.admin, "e3", "examiner", PASSWORDS["e3"], kdf=WEAK_KDF)
    finally:
        tv.vault.close()

    rubric = "[" + ", ".join(f'["{name}", {top}]' for name, top in RUBRIC) + "]"
    jz_ok("config", path, "--set", f"interview.rubric={rubric}")

    rows = synthetic.roster_rows([(*POST, CANDIDATES)], seed=2026)
    roster_csv = directory / "roster.csv"
    synthetic.write_csv(roster_csv, rows)
    jz_ok("roster", "import", path, roster_csv)
    codes = tuple(f"{POST[0]}-{n:02d}" for n in range(1, CANDIDATES + 1))  # POST-NN, in roster order
    names = {code: row["姓名"] for code, row in zip(codes, rows, strict=True)}

    written_csv = directory / "written.csv"
    written_csv.write_text("code,score\n" + "".join(f"{c},{s}\n" for c, s in zip(codes, written, strict=True)),
                           encoding="utf-8")
    jz_ok("written", "import", path, written_csv)
    jz_ok("box", "create", path, "--posts", POST[0], "--officers", "t1,t2", "--seal", SEAL)
    return Hall(path, codes, names)


# ---------------------------------------------------------------------- the terminals

SGR = re.compile(r"\x1b\[([0-9;:]*)m")


def styled_cells(line: str) -> list[tuple[str, str]]:
    """One line of ``capture-pane -e`` as (character, foreground) cells; wide characters take two."""
    cells: list[tuple[str, str]] = []
    foreground, position = "", 0

    def add(text: str) -> None:
        for ch in text:
            cells.extend([(ch, foreground)] * cell_len(ch))

    for match in SGR.finditer(line):
        add(line[position:match.start()])
        position = match.end()
        params = match.group(1).split(";") if match.group(1) else ["0"]
        index = 0
        while index < len(params):
            code = params[index]
            if code in ("0", "39"):
                foreground = ""
            elif code == "38" and index + 1 < len(params):
                width = 3 if params[index + 1] == "5" else 5
                foreground = ";".join(params[index:index + width])
                index += width - 1
            elif code == "48" and index + 1 < len(params):
                index += (3 if params[index + 1] == "5" else 5) - 1
            elif code.isdigit() and (30 <= int(code) <= 37 or 90 <= int(code) <= 97):
                foreground = code
            index += 1
    add(line[position:])
    return cells


class Terminals(TmuxServer):
    """One tmux server on a private socket; one 80x24 window per person, named after the user."""

    def __init__(self, tmp_path: Path) -> None:
        super().__init__("jz-e2e")
        self.tmp_path = tmp_path
        self.windows: list[str] = []
        # how the focus shows, learnt from screens where it is known (learn_input_focus, learn_panel_focus)
        self.input_focus = ""  # the colour of the frame of an input that has it
        self.panel_focus = ""  # the colour of the border of a panel whose table or form has it

    def rc_file(self, name: str) -> Path:
        return self.tmp_path / f"rc-{name}"

    def open(self, name: str, vault: Path) -> None:
        """A window running ``jz VAULT --user NAME``; afterwards its exit status goes to a file."""
        command = then_report(shlex.join([*jz_executable(), str(vault), "--user", name]), self.rc_file(name))
        if not self.windows:
            self.new_session("hall", command, window=name, env=terminal_env())
        else:
            self.new_window("hall", name, command, env=terminal_env())
        self.windows.append(name)

    def target(self, name: str) -> str:
        return f"hall:{name}"

    def styled_screen(self, name: str) -> list[list[tuple[str, str]]]:
        """The screen as rows of (character, foreground colour) cells."""
        return [styled_cells(line) for line in self.screen(name, escapes=True).splitlines()]

    def border_colour(self, name: str, title: str) -> str | None:
        """The colour of the top border of the panel titled ``title`` (the corner left of its title)."""
        for row in self.styled_screen(name):
            line = "".join(ch for ch, _ in row)
            start = line.find(f"─ {title} ")
            if start > 0:
                corner = line.rfind("╭", 0, start)
                return row[corner][1] if corner >= 0 else None
        return None

    def wait_focus(self, name: str, title: str, timeout: float = 15.0) -> None:
        """Wait until the panel titled ``title`` is drawn in the focus colour (its table or form has the focus)."""
        deadline = time.monotonic() + timeout
        while self.border_colour(name, title) != self.panel_focus:
            if time.monotonic() > deadline:
                pytest.fail(f"{name}: the panel {title!r} never took the focus:\n{self.screen(name)}")
            time.sleep(0.05)

    def input_colour(self, name: str, label: str) -> str | None:
        """The colour of the frame of the input under the line showing ``label`` (its left edge, in
        the label's column: inputs side by side each have their own label)."""
        rows = self.styled_screen(name)
        for index, row in enumerate(rows[:-1]):
            line = "".join(ch for ch, _ in row)
            start = line.find(label)
            if start >= 0:
                below = rows[index + 1]
                edge = next((i for i in range(max(0, start - 1), len(below)) if below[i][0] == "▊"), None)
                return below[edge][1] if edge is not None else None
        return None

    def learn_input_focus(self, name: str, focused: str, other: str) -> None:
        """Learn the focus colour of inputs from a screen where the input under ``focused`` has the
        focus and the one under ``other`` has not (waiting until the two differ)."""
        self.wait_until(name, lambda _: self.input_colour(name, focused) != self.input_colour(name, other),
                        f"the field of {focused!r} focused")
        self.input_focus = self.input_colour(name, focused) or ""
        assert self.input_focus

    def learn_panel_focus(self, name: str, focused: str, other: str) -> None:
        """Learn the focus colour of panels from a screen where the panel titled ``focused`` holds the
        focus and the panel titled ``other`` does not (waiting until the two differ)."""
        self.wait_until(name, lambda _: self.border_colour(name, focused) != self.border_colour(name, other),
                        f"the panel {focused!r} focused")
        self.panel_focus = self.border_colour(name, focused) or ""
        assert self.panel_focus

    def wait_input(self, name: str, label: str, timeout: float = 15.0) -> None:
        """Wait until the input under ``label`` has the focus (its frame in the focus colour).

        Keys typed before the focus has moved still go to the field that had it, as in any form:
        a person looks before typing, and so does this test. (The terminal's cursor is no sure
        sign: a field focused as it is mounted leaves the cursor where it was.)
        """
        deadline = time.monotonic() + timeout
        while self.input_colour(name, label) != self.input_focus:
            if time.monotonic() > deadline:
                pytest.fail(f"{name}: the field of {label!r} never took the focus:\n{self.screen(name)}")
            time.sleep(0.05)
