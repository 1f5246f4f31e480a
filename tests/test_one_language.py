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
from jz_tui.i18n import catalogue, join_list, t
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


def test_no_list_is_joined_by_hand_for_a_message():
    """A list handed to a message is a list: the catalogue joins it (", ".join(...) in a t() or
    an error's parameters would put the English comma in a Chinese sentence)."""
    hand_joined = re.compile(r"""[=:]\s*["'](?:, |，|、|,)["']\.join\(""")
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


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_command_has_a_help_in_one_language_within_80_columns(capsys, monkeypatch, lang):
    from jz_tui.display import cells

    monkeypatch.setenv("JZ_LANG", lang)
    monkeypatch.setenv("COLUMNS", "80")
    i18n.set_language(lang)
    problems = {}
    for argv in [[], *subcommands()]:
        text = _help_of(capsys, *argv)
        # English: no Chinese but in the choices a value is typed as ({德,能,勤,绩,廉})
        left = english_left(text) if lang == "zh" else re.findall(r"[\u4e00-\u9fff]+", re.sub(r"\{[^}]*\}", "", text))
        wide = [line for line in text.splitlines() if cells(line) > 80]
        if left or wide:
            problems[" ".join(argv)] = left + wide
    assert problems == {}


# ---------------------------------------------------------------------- 80×24: footers and the F1 help

from _app_helpers import MODE_KEYS, MODES_OF_ROLE, USER_OF_ROLE, log_in, make_app_vault, settle  # noqa: E402
from _scores_helpers import screen_text  # noqa: E402
from textual.widgets import DataTable  # noqa: E402
from textual.widgets._footer import FooterKey  # noqa: E402

from jz_tui.apps.app import make_app  # noqa: E402
from jz_tui.display import cells  # noqa: E402
from screens.help import HelpScreen, wrapped  # noqa: E402


@pytest.fixture
def app_vault(tmp_path, monkeypatch):
    return make_app_vault(tmp_path / "app.jz", monkeypatch)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("role", list(USER_OF_ROLE))
async def test_every_footer_of_every_mode_fits_80_columns(app_vault, role, lang):
    i18n.set_language(lang)
    app = make_app(app_vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, USER_OF_ROLE[role])
        for mode in MODES_OF_ROLE[role]:
            await pilot.press(MODE_KEYS[mode])
            await settle(pilot)
            keys = list(app.screen.query(FooterKey))
            assert keys, mode
            cut = [f"{key.key_display} {key.description}" for key in keys
                   if key.region.width == 0 or key.region.right > 80]
            assert cut == [], f"{role} {mode}: the footer cuts {cut}"
            last = keys[-1]
            assert f"{last.key_display} {last.description}" in screen_text(app.export_screenshot())


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_the_f1_help_names_keys_in_the_language_and_wraps_what_is_long(app_vault, lang):
    i18n.set_language(lang)
    app = make_app(app_vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, USER_OF_ROLE["supervisor"])  # the board: PgDn, arrows
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        keys = [row.key for row in app.screen.rows]
        assert not {"Right", "Left", "right", "left", "enter", "escape", "esc"} & set(keys), keys
        if lang == "zh":
            assert not any(re.search(r"[A-Za-z]{2,}", key) and key not in ("PgUp", "PgDn", "Esc", "Tab")
                           for key in keys), keys
        table = app.screen.query_one(DataTable)
        width = table.ordered_columns[2].width
        assert table.region.right <= 80
        for index, row in enumerate(app.screen.rows):  # every explanation whole, in lines its column holds
            cell = table.get_row_at(index)[2].plain
            assert all(cells(line) <= width for line in cell.splitlines())
            assert re.sub(r"\s", "", cell) == re.sub(r"\s", "", row.explanation)
            assert table.rows[table.ordered_rows[index].key].height == len(cell.splitlines())
        shown = screen_text(app.export_screenshot())
        for line in table.get_row_at(0)[2].plain.splitlines():  # and the first is on the screen
            assert line in shown


def test_wrapping_keeps_every_character_and_fits_the_width():
    zh = "按页翻看各岗位的计分表，超过一屏时自动轮播，监督员可以冻结公开视图。"
    lines = wrapped(zh, 10)
    assert "".join(lines) == zh and all(cells(line) <= 10 for line in lines)
    en = "Pages through the posts' score tables, rotating when they do not fit one screen"
    lines = wrapped(en, 20)
    assert " ".join(lines) == en and all(cells(line) <= 20 for line in lines)


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_the_draw_screen_shows_its_text_whole_at_80_columns(app_vault, lang):
    from screens.draw import DrawScreen
    from screens.widgets import Plain

    i18n.set_language(lang)
    app = make_app(app_vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, USER_OF_ROLE["clerk"])
        await pilot.press("ctrl+o")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, DrawScreen)
        shown = re.sub(r"\s+", "", screen_text(app.export_screenshot()))
        for label in app.screen.query(Plain):  # the intro, the outcome, the seed hash and the seed
            if not label.region.height:
                continue  # a table's "nothing here" while it has rows
            text = str(label.render())
            assert re.sub(r"\s+", "", text) in shown, text
        assert re.sub(r"\s+", "", t("draw_intro")) in shown


def test_the_installed_jz_prints_its_help_in_the_language_of_jz_lang(jz):
    zh = jz("user", "add", "--help", env={"JZ_LANG": "zh", "COLUMNS": "80"})
    assert zh.returncode == 0 and "用法：jz user add" in zh.stdout and english_left(zh.stdout) == []
    en = jz("user", "add", "--help", env={"JZ_LANG": "en", "COLUMNS": "80"})
    assert en.returncode == 0 and "usage: jz user add" in en.stdout and "show this help message and exit" in en.stdout
    assert jz("--help", env={"JZ_LANG": "en"}).stdout.count("jz: competitive selection") == 1
    refused = jz("user", "add", "x", "--lang", "zh")  # a misuse in the language asked for
    assert refused.returncode == 2 and "错误：缺少以下参数" in refused.stderr


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_the_tally_footer_with_a_box_open_fits_80_columns(tmp_path, lang):
    """The tally screen of an opened post has the most keys of any: every one whole at 80×24."""
    from _ballot_screen_helpers import make_ballot_vault

    i18n.set_language(lang)
    path, _ = make_ballot_vault(tmp_path / "box.jz", opened=20)
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "t1")
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        keys = list(app.screen.query(FooterKey))
        assert len(keys) >= 7
        assert [f"{k.key_display} {k.description}" for k in keys if k.region.width == 0 or k.region.right > 80] == []
        assert keys[0].key_display == i18n.t("keycap_enter")  # 回车 / Enter, as the footer names it
