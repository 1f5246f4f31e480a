"""Blank paper ballots, and every ballot an officer can type (issue 12, part 1).

A wholly blank ballot is an ordinary returned ballot: it is entered, counted in the
reconciliation, and adds no valid mark (or, if the rules say so, it is void). Every mark
string of length 1 to 4 over S, B, D, - and 0 is driven through the command line and
through the tally screen against posts of 1 to 4 candidates: never an internal error,
and every post's counts reconcile and match the ballots counted here independently.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path

import pytest
from _app_helpers import burst, log_in, wait_until
from _hall_helpers import jz_here  # noqa: F401 - fixture
from _session_helpers import Hall
from conftest import PASSPHRASES, make_test_vault
from textual import events

from jz_tui.apps.app import make_app
from jz_tui.services import ballots
from jz_tui.services.session import Session
from screens.ballots import BallotsScreen
from screens.widgets import Plain
from storage.vault import Vault

POSTS = [("P1", 1), ("P2", 2), ("P3", 3), ("P4", 4)]
ALPHABET = "SBD-0"
EVERY_BALLOT = ["".join(p) for size in range(1, 5) for p in itertools.product(ALPHABET, repeat=size)]
BOX = "BOX1"


def letters(text: str) -> str:
    """What an officer typed, as the marks stored: 0 is a blank mark."""
    return text.replace("0", "-")


def expected_counts(typed: list[str], size: int) -> list[dict[str, int]]:
    """Per candidate, how many S, B, D and blank marks the accepted ballots hold."""
    names = {"S": "satisfied", "B": "basic", "D": "dissatisfied", "-": "blank"}
    per_candidate = []
    for index in range(size):
        counted = Counter(names[letters(text)[index]] for text in typed)
        per_candidate.append({name: counted.get(name, 0) for name in names.values()})
    return per_candidate


def build_hall(path: Path, settings: dict | None = None, longer: list[str] = ()) -> Hall:
    """Posts of 1 to 4 candidates in one box counted by t1 and t2; each post opened with as many
    ballots returned as there are mark strings of its length, and those of ``longer`` that are longer."""
    tv = make_test_vault(path)
    hall = Hall(tv, path.parent, POSTS, settings=settings)
    assert hall.box([code for code, _ in POSTS]) == BOX
    for code, size in POSTS:
        count = len(ALPHABET) ** size + sum(len(text) > size for text in longer)
        ballots.open_box(hall.s("t1"), code, True, "", count, count)
    return hall


def fresh_state(path: Path):
    """The session as officer t1 reads it now, on a connection of its own."""
    vault = Vault.open(path)
    try:
        session = Session(vault, vault.unlock("t1", PASSPHRASES["t1"]))
        session.refresh()
        return session.state
    finally:
        vault.close()


def assert_reconciles(state, accepted: dict[str, list[str]]) -> None:
    """Each post's count reconciles and holds exactly the accepted ballots, and the tally may close."""
    for code, size in POSTS:
        view = ballots.view(state, code)
        assert view.reconciliation is not None and view.reconciliation.problems == [], code
        assert [r.counts for r in view.results] == expected_counts(accepted[code], size), code
        assert ballots.close_problems(state, code) == [], code


def test_a_wholly_blank_ballot_is_entered_and_counted(tmp_path, jz_here):  # noqa: F811
    hall = build_hall(tmp_path / "hall.jz")
    hall.tv.vault.close()
    path = tmp_path / "hall.jz"
    for spelling in (["--marks=--"], ["--marks", "--"], ["--marks", "00"], ["--marks=0-"]):
        ran = jz_here("ballot", "enter", path, "--post", "P2", *spelling, user="t1")
        assert (ran.returncode, ran.stderr) == (0, ""), spelling
    ran = jz_here("tally", "show", path, "--post", "P2", "--json", user="t1")
    assert '"valid": 4' in ran.stdout and '"void": 0' in ran.stdout
    assert '"blank": 4' in ran.stdout and '"satisfied": 0' in ran.stdout


def test_the_installed_jz_enters_a_wholly_blank_ballot(tmp_path, jz):
    """The same spellings through the console script a hall runs, in a process of its own."""
    build_hall(tmp_path / "hall.jz").tv.vault.close()
    path = tmp_path / "hall.jz"
    for spelling in (["--marks=--"], ["--marks", "--"], ["--marks", "00"]):
        ran = jz("ballot", "enter", path, "--post", "P2", *spelling, user="t1")
        assert (ran.returncode, ran.stderr) == (0, ""), spelling
    ran = jz("ballot", "enter", path, "--post", "P2", "--marks", user="t1")
    assert ran.returncode == 2 and "--marks 000" in ran.stderr
    shown = json.loads(jz("tally", "show", path, "--post", "P2", "--json", user="t1").stdout)
    assert (shown["valid"], shown["void"]) == (3, 0)
    assert [c["counts"]["blank"] for c in shown["candidates"]] == [3, 3]


def test_marks_without_a_value_say_how_to_enter_a_blank_ballot(tmp_path, jz_here):  # noqa: F811
    hall = build_hall(tmp_path / "hall.jz")
    hall.tv.vault.close()
    path = tmp_path / "hall.jz"
    for args in (["--marks"], ["--marks", "--no", "1"], ["--marks", ""]):
        ran = jz_here("ballot", "enter", path, "--post", "P2", *args, user="t1")
        assert ran.returncode == 2, args
        assert "--marks 000" in ran.stderr and "Internal error" not in ran.stderr


def test_help_says_how_to_write_a_blank_ballot(capsys):
    from jz_tui.cli import main as cli

    with pytest.raises(SystemExit):
        cli.main(["ballot", "enter", "--help"])
    assert "--marks 000" in capsys.readouterr().out


def test_blank_ballots_are_void_when_the_rules_say_so(tmp_path):
    hall = build_hall(tmp_path / "hall.jz", settings={"democratic.blank_ballot": "void"})
    officer = hall.s("t1")
    typed = ["--", "00", "S-", "0B", "DS"]
    for text in typed:
        ballots.enter_ballot(officer, "P2", text)
    view = ballots.view(hall.s("t1").state, "P2")
    assert (view.reconciliation.valid, view.reconciliation.void) == (3, 2)
    assert [r.counts for r in view.results] == expected_counts(["S-", "0B", "DS"], 2)


def test_every_typed_ballot_through_the_command_line(tmp_path, jz_here):  # noqa: F811
    hall = build_hall(tmp_path / "hall.jz")
    hall.tv.vault.close()
    path = tmp_path / "hall.jz"
    size_of = dict(POSTS)
    accepted: dict[str, list[str]] = {code: [] for code in size_of}
    for index, text in enumerate(EVERY_BALLOT):
        for code, size in POSTS:
            if len(text) != size and (index + size) % 5:  # every wrong length is tried on some post
                continue
            spelling = [f"--marks={text}"] if index % 2 else ["--marks", text]
            ran = jz_here("ballot", "enter", path, "--post", code, *spelling, user="t1")
            assert "Internal error" not in ran.stderr, (code, text)
            if len(text) == size:
                assert (ran.returncode, ran.stderr) == (0, ""), (code, text)
                accepted[code].append(text)
            else:
                assert ran.returncode == 1 and f"The ballot for post {code} is not valid" in ran.stderr, (code, text)
    assert {code: len(texts) for code, texts in accepted.items()} == {c: len(ALPHABET) ** n for c, n in POSTS}
    assert_reconciles(fresh_state(path), accepted)


# what the tally screen is given for each typed character
SCREEN_KEYS = {"S": "s", "B": "b", "D": "d", "-": "minus", "0": "0"}


def note_of(screen: BallotsScreen) -> str:
    return str(screen.query_one("#tally-note", Plain).content)


# Of the strings of a wrong length, the screen is given the first and last two of each length:
# enough to see a short ballot refused and let go, and a long one stop at the last candidate.
WRONG_LENGTH_SAMPLE = [text for size in range(1, 5)
                       for text in [b for b in EVERY_BALLOT if len(b) == size][:2] + [b for b in EVERY_BALLOT
                                                                                      if len(b) == size][-2:]]


async def test_every_typed_ballot_through_the_tally_screen(tmp_path):
    """Every string of each post's length typed as an officer types, fast, and is stored; a short
    one is refused and let go; a long one stops at the last candidate (its extra keys do nothing)."""
    path = tmp_path / "hall.jz"
    build_hall(path, longer=WRONG_LENGTH_SAMPLE).tv.vault.close()
    app = make_app(path)
    accepted: dict[str, list[str]] = {code: [] for code, _ in POSTS}
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "t1")
        screen = app.screen
        assert isinstance(screen, BallotsScreen)
        for code, size in POSTS:
            await wait_until(pilot, lambda c=code: screen._current is not None and screen._current.post == c)
            longer = [text for text in WRONG_LENGTH_SAMPLE if len(text) > size]
            for text in [b for b in EVERY_BALLOT if len(b) == size] + longer:
                for key in (SCREEN_KEYS[ch] for ch in text):
                    app.post_message(events.Key(key, "-" if key == "minus" else key))
                burst(app, "enter")
                accepted[code].append(text[:size])
            # the last ballot's note is on screen, so the refusals below are not overwritten by it
            await wait_until(pilot, lambda c=code: not screen._jobs and screen._last_stored.get(c) == len(accepted[c])
                             and f"Ballot {len(accepted[c])} stored" in note_of(screen), timeout=120)
            for text in (b for b in WRONG_LENGTH_SAMPLE if len(b) < size):
                await pilot.press(*(SCREEN_KEYS[ch] for ch in text), "enter")
                assert "not complete" in note_of(screen)
                await pilot.press("escape")
                assert screen._marks == []
            await pilot.press("right_square_bracket")
    assert_reconciles(fresh_state(path), accepted)
