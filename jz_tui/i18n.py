"""The one catalogue of user-facing text, in Simplified Chinese and English.

Messages live in ``jz_tui/messages/*.toml`` (one file per area, so that areas can grow
without touching each other); each key is a table with ``zh`` and ``en``. The language
is ``JZ_LANG`` (``zh`` or ``en``), else the locale (``zh_*`` → Chinese), else English.
"""

from __future__ import annotations

import os
import tomllib
from datetime import datetime
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from jz_tui.display import shown
from storage.errors import JzError

LANGUAGES = ("zh", "en")
MESSAGES_DIR = Path(__file__).with_name("messages")

_current: str | None = None


@cache
def catalogue() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(MESSAGES_DIR.glob("*.toml")):
        with path.open("rb") as fh:
            for key, entry in tomllib.load(fh).items():
                if key in merged:
                    raise ValueError(f"message key {key!r} defined twice ({path.name})")
                merged[key] = entry
    return merged


def detect_language(environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    chosen = env.get("JZ_LANG", "").strip().lower()
    if chosen[:2] in LANGUAGES:
        return chosen[:2]
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def language() -> str:
    global _current
    if _current is None:
        _current = detect_language()
    return _current


def set_language(lang: str) -> None:
    global _current
    if lang not in LANGUAGES:
        raise ValueError(lang)
    _current = lang


def t(key: str, /, lang: str | None = None, **params: object) -> str:
    """The message ``key`` in the current language, formatted with ``params``."""
    entry = catalogue().get(key)
    if entry is None:
        # A missing key is a bug the catalogue test catches; show the key rather than crash a hall.
        return key if not params else f"{key} {params}"
    lang = lang or language()
    text = entry[lang]
    if not params:
        return text
    # a parameter may come from the file (a name, a reason): shown with its control characters escaped
    return text.format_map(_Lenient({k: _param(k, v, lang) for k, v in params.items()}))


# Parameters that name a thing by its internal name (a role, an event kind, an action): shown
# by the name the catalogue gives it, in the message's language. Every refusal passes the
# internal name (``require_role(..., action="sheet.submit")``, ``role=session.role``) and this
# is the one place it becomes words; a name the catalogue does not hold (a kind a newer vault
# knows, an exception class) shows as it is.
NAMED_PARAMS = {"role": ("role_",), "kind": ("action_", "kind_"), "action": ("action_", "kind_")}
SEPARATORS = {"zh": "、", "en": ", "}


def internal_name(param: str, value: str, lang: str | None = None) -> str:
    """``value`` of the parameter ``param`` (a role, a kind, an action) in words, if the
    catalogue names it; else as given."""
    for prefix in NAMED_PARAMS.get(param, ()):
        key = prefix + value.replace(".", "_")
        if key in catalogue():
            return catalogue()[key][lang or language()]
    return value


def join_list(items: Iterable[object], lang: str | None = None) -> str:
    """Items of a list as one text, with the language's separator (``、`` / ``, ``)."""
    return SEPARATORS[lang or language()].join(shown(item) for item in items)


def _param(name: str, value: object, lang: str) -> object:
    if isinstance(value, (list, tuple, set, frozenset)):  # a list: joined the language's way
        return join_list(sorted(value) if isinstance(value, (set, frozenset)) else value, lang)
    if isinstance(value, str):
        return shown(internal_name(name, value, lang))
    return value


class _Lenient(dict):
    """Parameters for a message: one the caller did not give shows as "-" (a reason recorded by
    an older jz, or by a declaration that knows less than the screen that first wrote the
    message), never a crash in the hall."""

    def __missing__(self, key: str) -> str:
        return "-"


def t_or(key: str, fallback: str, /, lang: str | None = None) -> str:
    """The message ``key`` if the catalogue has it, else ``fallback`` (a configured stage, a kind
    a newer vault knows: a name the catalogue may not hold)."""
    return t(key, lang=lang) if key in catalogue() else fallback


def local_time(iso: str, with_date: bool = False) -> str:
    """A ledger timestamp (UTC) as the hall's wall-clock time."""
    try:
        moment = datetime.fromisoformat(iso).astimezone()
    except ValueError:
        return iso
    return moment.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S")


def error_text(error: JzError, lang: str | None = None) -> str:
    return t(error.key, lang=lang, **error.params)

