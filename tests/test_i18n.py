"""The catalogue: every message in both languages, with the same placeholders; every key used exists."""

from __future__ import annotations

import re
import string
import tomllib
from pathlib import Path

import pytest

from jz_tui.i18n import LANGUAGES, MESSAGES_DIR, catalogue, detect_language, t
import jz_tui.events  # noqa: F401  (declares the kinds)
from storage.events import KINDS as KIND_ROLES
from storage.events import ROLES

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = [ROOT / "jz_tui", ROOT / "screens", ROOT / "storage"]
# t("key") or t('key'), also with arguments after the key; not t(f"..."), t("prefix_" + x) or t(variable)
LITERAL_KEY = re.compile(r"""\bt\(\s*(["'])([A-Za-z0-9_]+)\1\s*[,)]""")
CATALOGUE_FILES = sorted(MESSAGES_DIR.glob("*.toml"))


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("path", CATALOGUE_FILES, ids=lambda p: p.name)
def test_every_message_has_both_languages_and_the_same_placeholders(path):
    with path.open("rb") as fh:
        entries = tomllib.load(fh)
    problems = []
    for key, entry in entries.items():
        if not isinstance(entry, dict):
            problems.append(f"{key}: not a table of languages")
            continue
        for lang in LANGUAGES:
            if not isinstance(entry.get(lang), str) or not entry[lang].strip():
                problems.append(f"{key}: no {lang} text")
        if all(isinstance(entry.get(lang), str) for lang in LANGUAGES):
            zh, en = placeholders(entry["zh"]), placeholders(entry["en"])
            if zh != en:
                problems.append(f"{key}: placeholders differ, zh {sorted(zh)} en {sorted(en)}")
    assert not problems, "\n".join(problems)


def test_every_literal_key_used_in_the_source_exists():
    known = catalogue()
    missing = []
    for directory in SOURCE_DIRS:
        for source in sorted(directory.rglob("*.py")):
            for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1):
                for _, key in LITERAL_KEY.findall(line):
                    if key not in known:
                        missing.append(f"{source.relative_to(ROOT)}:{number}: {key}")
    assert not missing, "keys used but not in the catalogue:\n" + "\n".join(missing)


def test_the_scan_finds_keys():
    """Guard the regex: it must see the common forms, or the test above proves nothing."""
    sample = 't("login_failed") t(\'key_help\') t( "a_b", x=1) t(f"no_{x}") t("role_" + role)'
    found = [key for _, key in LITERAL_KEY.findall(sample)]
    assert found == ["login_failed", "key_help", "a_b"]


# require(condition, "key", ...) and Rejected("key", ...): the reasons an event is refused or set aside
REFUSAL_KEY = re.compile(r"""\b(?:require\([^"'\n]*?,\s*|Rejected\(\s*)(["'])([a-z0-9_]+)\1""")


def test_every_refusal_of_an_event_has_a_message():
    used = set()
    for path in [*(ROOT / "jz_tui" / "events").glob("*.py"), ROOT / "storage" / "events.py"]:
        used.update(key for _, key in REFUSAL_KEY.findall(path.read_text(encoding="utf-8")))
    assert len(used) > 40  # the scan sees them: every declaration refuses something
    known = catalogue()
    assert sorted(key for key in used if key not in known) == []


def test_every_event_kind_and_role_has_a_name_on_screen():
    known = catalogue()
    assert [kind for kind in KIND_ROLES if "kind_" + kind.replace(".", "_") not in known] == []
    assert [role for role in ROLES if "role_" + role not in known] == []


def test_language_follows_jz_lang_then_the_locale():
    assert detect_language({"JZ_LANG": "zh"}) == "zh"
    assert detect_language({"JZ_LANG": "en", "LANG": "zh_CN.UTF-8"}) == "en"
    assert detect_language({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert detect_language({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}) == "en"
    assert detect_language({}) == "en"


def test_chinese_and_english_differ_where_it_matters():
    assert t("login_failed", lang="zh") != t("login_failed", lang="en")


def test_every_action_has_a_name():
    from jz_tui.events.pending import ACTIONS

    known = catalogue()
    assert [a for a in ACTIONS if "action_" + a.replace(".", "_") not in known] == []


# ---------------------------------------------------------------------- one language at a time

# What a Chinese message may hold in Latin letters, and why: a placeholder; what the user types or
# reads verbatim, quoted ("share", “stages”, `ssh -L`); an option (--marks) and a command (jz verify);
# an acronym or placeholder in capitals (PDF, QR, JZ_LANG, VAULT); a code, a key or a file name (A01-3,
# F1, draw_panels, ranking.composite, .csv); units; names of programs and formats; the keys printed
# on a keyboard that have no Chinese name in use (Esc, Tab, Ctrl). "Enter" is 回车 and "Space" 空格.
ALLOWED_IN_ZH = re.compile(
    r"\{[^}]*\}|%\(\w+\)[sr]"
    r"|\"[^\"]*\"|“[^”]*”|`[^`]*`"
    r"|--?[A-Za-z][\w-]*(?:[ =][A-Z][\w,\[\]]*)?"
    r"|\bjz\b(?: [a-z-]+)*"
    r"|\b[A-Z][A-Z0-9_<>\-]*\b"
    r"|\b\w+(?:\.\w+)+|\b\w*[0-9_/]\w*\b|\.[a-z]{2,5}\b"
    r"|\b(?:KiB|MiB|GiB|ms)\b"
    r"|\b(?:xlsx|csv|html|json|sqlite|SQLite|Datasette|Excel|WPS|LibreOffice|Argon2id|Textual|textual-serve"
    r"|tmux|ssh|localhost|zh|en)\b"
    r"|\b(?:Esc|Tab|Ctrl|Alt|Shift|PgUp|PgDn|Home|End)\b"
)


def english_in_chinese(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]{2,}", ALLOWED_IN_ZH.sub(" ", text))


def internal_names_in(text: str) -> list[str]:
    """Event kinds and action names (sheet.submit, box.open) a Chinese text shows as they are."""
    from jz_tui.events.pending import ACTIONS

    return sorted(name for name in {*KIND_ROLES, *ACTIONS} if "." in name
                  and re.search(r"(?<![\w.])" + re.escape(name) + r"(?![\w.])", text))


def test_the_english_scan_sees_english_and_lets_the_allowed_through():
    assert english_in_chinese("无权执行此操作（sheet submit）") == ["sheet", "submit"]
    assert english_in_chinese("用户“{user}”：按 Enter 存入") == ["Enter"]
    assert english_in_chinese("运行 jz verify --passphrase-file F，导出 PDF 或 .csv；规则 draw_panels、A01-3、F1，"
                              "Esc 取消，%(prog)s，值为 \"share\"，4 GiB") == []
    assert internal_names_in("无权执行此操作（sheet.submit）") == ["sheet.submit"]
    assert internal_names_in("规则 ranking.composite") == []


@pytest.mark.parametrize("path", CATALOGUE_FILES, ids=lambda p: p.name)
def test_a_chinese_message_has_no_english_word_and_no_internal_name(path):
    with path.open("rb") as fh:
        entries = tomllib.load(fh)
    problems = []
    for key, entry in entries.items():
        zh = entry.get("zh", "") if isinstance(entry, dict) else ""
        words, names = english_in_chinese(zh), internal_names_in(zh)
        if words or names:
            problems.append(f"{key}: {' '.join(words + names)} in {zh!r}")
    assert not problems, "\n".join(problems)
