"""One language at a time: a refusal names roles and actions in words, lists are joined the
language's way, a bad ballot mark is named as such, and a candidate is named as the user knows them."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from conftest import PASSPHRASES
from _scores_helpers import build_hall

import jz_tui.events  # noqa: F401  (declares the kinds)
from jz_tui import i18n
from jz_tui.cli.main import main
from jz_tui.i18n import ballot_marks_text, catalogue, join_list, t
from storage.events import KINDS

ROOT = Path(__file__).resolve().parent.parent


def run(capsys, monkeypatch, *argv: str, user: str | None = None) -> tuple[int, str, str]:
    if user is not None:
        monkeypatch.setenv("JZ_PASSPHRASE", PASSPHRASES[user])
        argv = (*argv, "--user", user)
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def hall(tmp_path):
    built = build_hall(tmp_path / "hall.jz", tmp_path)
    built.close()
    return built


def test_a_refusal_names_the_role_and_the_action_in_the_chosen_language(hall, capsys, monkeypatch):
    code, _, err = run(capsys, monkeypatch, "--lang", "zh", "sheet", "confirm", str(hall.path),
                       "--candidate", "A-1", "--examiner", "e2", user="e1")
    assert code == 1
    assert "（面试考官）" in err and "确认评分表" in err
    assert "examiner" not in err and "sheet.confirm" not in err
    i18n.set_language("en")
    code, _, err = run(capsys, monkeypatch, "--lang", "en", "sheet", "confirm", str(hall.path),
                       "--candidate", "A-1", "--examiner", "e2", user="e1")
    assert "(examiner)" in err and "confirm a sheet" in err and "sheet.confirm" not in err


def test_a_refusal_about_an_interview_number_names_that_number(hall, capsys, monkeypatch):
    """The scorer asked about A-1: the refusal says A-1, not the candidate's code (A-0x)."""
    code, _, err = run(capsys, monkeypatch, "sheet", "confirm", str(hall.path),
                       "--candidate", "A-1", "--examiner", "e2", user="scorer")
    assert code == 1
    assert "A-1" in err
    assert not re.search(r"A-0\d", err), err


@pytest.mark.parametrize("marks", ["X", "SXD", "s1q"])
def test_a_bad_mark_is_named_not_taken_for_a_missing_one(marks, hall, capsys, monkeypatch):
    code, _, err = run(capsys, monkeypatch, "--lang", "zh", "ballot", "enter", str(hall.path), "--post", "A",
                       "--marks", marks, user="t1")
    assert code == 2
    bad = next(letter for letter in marks if letter.upper() not in "SBD0123-Y")
    assert err.strip() == t("ballot_mark_invalid", lang="zh", mark=bad, marks=marks)
    assert t("ballot_marks_missing", lang="zh") not in err


@pytest.mark.parametrize("argv", [["--marks"], ["--marks", "--user", "t1"]])
def test_no_marks_is_still_missing(argv, hall, capsys, monkeypatch):
    code, _, err = run(capsys, monkeypatch, "ballot", "enter", str(hall.path), "--post", "A", *argv)
    assert code == 2 and err.strip() == t("ballot_marks_missing")


def test_lists_are_joined_with_the_languages_own_separator():
    assert join_list(["A", "B", "C"], lang="zh") == "A、B、C"
    assert join_list(["A", "B", "C"], lang="en") == "A, B, C"
    # a list given as a parameter: the message's language joins it
    assert t("role_unknown", lang="zh", role="x", roles=["admin", "clerk"]).endswith("admin、clerk。")
    assert "admin, clerk" in t("role_unknown", lang="en", role="x", roles=["admin", "clerk"])
    assert ballot_marks_text("SB-D", lang="zh") == "满意、基本满意、弃权、不满意"
    assert ballot_marks_text("SB-D", lang="en") == "satisfied, basic, blank, dissatisfied"


def test_no_list_is_joined_by_hand_for_a_message():
    """A list handed to a message is a list: the catalogue joins it (", ".join(...) in a t() or
    an error's parameters would put the English comma in a Chinese sentence)."""
    hand_joined = re.compile(r"""=\s*["'](?:, |，|、|,)["']\.join\(""")
    found = []
    for directory in ("jz_tui", "storage"):
        for source in sorted((ROOT / directory).rglob("*.py")):
            for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1):
                if hand_joined.search(line) and source.name != "errors.py":  # an error's repr, for a developer
                    found.append(f"{source.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


# every name a refusal is given: require_role(..., action="x"), kind="x" in an AuthorityError
ACTION_LITERAL = re.compile(r"""\b(?:action|kind)=["']([a-z_.]+)["']""")


def test_every_action_and_kind_a_refusal_names_has_words():
    names = set(KINDS)
    for directory in ("jz_tui", "storage"):
        for source in sorted((ROOT / directory).rglob("*.py")):
            text = source.read_text(encoding="utf-8")
            if "require_role" in text or "AuthorityError" in text or "not_authorised" in text:
                names.update(ACTION_LITERAL.findall(text))
    names -= {"store_true", "append", "store_false", "count"}  # argparse's actions
    assert len(names) > 40
    known = catalogue()
    nameless = sorted(n for n in names if "action_" + n.replace(".", "_") not in known)
    assert nameless == []


def test_named_parameters_are_translated_once_and_unknown_names_kept():
    assert t("not_authorised", lang="zh", user="u", role="scorer", kind="sheet.submit") == \
        "用户“u”（计分员）无权执行此操作（提交评分表）。"
    # already in words (a caller translated it): unchanged
    assert t("not_authorised", lang="zh", user="u", role="计分员", kind="提交评分表") == \
        "用户“u”（计分员）无权执行此操作（提交评分表）。"
    # a kind a newer vault knows: shown as it is
    assert "future.kind" in t("event_kind_unknown", lang="zh", kind="future.kind")


# ---------------------------------------------------------------------- --help in the chosen language

# What may stay in Latin letters in a Chinese help: the placeholders (VAULT, USER), options
# (--user), choices typed as they are ({zh,en}, admin), jz and its subcommands, formats and
# file types (PDF, .csv), a rules key (draw_panels), a code (A01-3, R1:A,B:e1:5).
ALLOWED_IN_ZH = re.compile(
    r"--?[A-Za-z][\w-]*(?:[ =][A-Z][\w,\[\]]*)?"  # an option, with its placeholder
    r"|\{[^}]*\}"  # choices
    r"|\b[A-Z][A-Z0-9_<>\-]*\b"  # a placeholder, an acronym, JZ_LANG
    r"|\bjz\b(?: [a-z-]+)*"  # the command and a subcommand
    r"|\b\w*[0-9_.:/,]\w*\b"  # a code, a key, a file name, an address
    r"|\b(?:xlsx|csv|html|json|sqlite|localhost|textual-serve|zh|en|e\.g\.)\b"
)


def _help_of(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as stop:
        main([*argv, "--help"])
    assert stop.value.code == 0
    return capsys.readouterr().out


@cache
def _subcommands() -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(argv) for argv in _walk_subcommands())


def subcommands() -> list[list[str]]:
    return [list(argv) for argv in _subcommands()]


def _walk_subcommands() -> list[list[str]]:
    """Every command and subcommand of jz, as argv."""
    from jz_tui.cli.main import build_parser

    found: list[list[str]] = []

    def walk(parser, path):
        for action in parser._actions:
            if action.choices and hasattr(action, "_name_parser_map"):
                for name, child in action._name_parser_map.items():
                    found.append([*path, name])
                    walk(child, [*path, name])

    walk(build_parser(), [])
    return found


def english_left(text: str) -> list[str]:
    """Words of two or more Latin letters that are none of the allowed kinds (a subcommand's
    name, typed as it is, is allowed)."""
    commands = {word for argv in subcommands() for word in argv}
    rest = ALLOWED_IN_ZH.sub(" ", text)
    return [word for word in re.findall(r"[A-Za-z]{2,}", rest) if word not in commands]


@pytest.mark.parametrize("argv", [[], ["user", "add"], ["ballot", "enter"], ["print"], ["export"], ["sheet", "submit"]])
def test_help_in_chinese_has_no_english_sentence(argv, capsys, monkeypatch):
    monkeypatch.setenv("JZ_LANG", "zh")
    i18n.set_language("zh")
    text = _help_of(capsys, *argv)
    assert "用法：" in text and "显示本帮助并退出" in text
    assert english_left(text) == [], text


def test_help_follows_lang_over_the_environment(capsys, monkeypatch):
    monkeypatch.setenv("JZ_LANG", "en")
    text = _help_of(capsys, "--lang", "zh", "user", "add")
    assert "用法：" in text and "usage:" not in text


def test_help_in_english_is_the_english_text(capsys):
    text = _help_of(capsys, "user", "add")
    assert "usage: jz user add" in text and "show this help message and exit" in text and "the acting user" in text
    assert not re.search(r"[\u4e00-\u9fff]", text)


def test_every_help_text_of_every_command_is_in_the_catalogue():
    from jz_tui.cli.helptext import known
    from jz_tui.cli.main import build_parser

    missing = []
    parsers = {(): build_parser()}
    for argv in subcommands():
        parent = parsers[tuple(argv[:-1])]
        sub = next(a for a in parent._actions if hasattr(a, "_name_parser_map"))
        parsers[tuple(argv)] = sub._name_parser_map[argv[-1]]
    for argv, parser in parsers.items():
        for text in (parser.description, parser.epilog):
            if text and not known(text):
                missing.append(f"jz {' '.join(argv)}: {text}")
        for action in parser._actions:
            for help_ in [action.help, *(c.help for c in getattr(action, "_choices_actions", []))]:
                if help_ and help_ != "==SUPPRESS==" and not known(help_):
                    missing.append(f"jz {' '.join(argv)} {'/'.join(action.option_strings)}: {help_}")
    assert missing == []


def test_every_command_has_a_chinese_help_without_english(capsys, monkeypatch):
    monkeypatch.setenv("JZ_LANG", "zh")
    i18n.set_language("zh")
    problems = {}
    for argv in subcommands():
        left = english_left(_help_of(capsys, *argv))
        if left:
            problems[" ".join(argv)] = left
    assert problems == {}
