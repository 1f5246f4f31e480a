"""``jz --help`` in the chosen language: every help text, and argparse's own words, from the catalogue.

The help strings stay English in ``jz_tui/cli/*.py`` and are looked up in
``jz_tui/messages/cli_help.toml`` by that English text when the help is printed, as gettext
looks up a msgid; argparse's own words (``usage:``, ``options``, its errors) go through the
same table, by replacing the ``_`` argparse calls them with. A help text the catalogue lacks
prints as written (the catalogue test lists any such text, see tests/test_one_language.py).
"""

from __future__ import annotations

import argparse
import gettext
from functools import cache

from jz_tui.display import cells, wrapped
from jz_tui.i18n import catalogue, language

HELP_PREFIXES = ("clihelp_", "argparse_")


@cache
def _by_english() -> dict[str, str]:
    return {entry["en"]: key for key, entry in catalogue().items() if key.startswith(HELP_PREFIXES)}


def help_text(text: str | None) -> str | None:
    """``text`` (a help string as written, or argparse's own) in the current language."""
    if not text:
        return text
    key = _by_english().get(text)
    return text if key is None else catalogue()[key][language()]


def known(text: str) -> bool:
    return text in _by_english()


def _argparse_gettext(message: str) -> str:
    translated = help_text(message)
    return gettext.gettext(message) if translated == message else translated  # type: ignore[return-value]


class HelpFormatter(argparse.HelpFormatter):
    """Help texts translated when printed; a positional argument shown as ``VAULT``, like the
    other placeholders, not as a lower-case English word."""

    def _format_action(self, action: argparse.Action) -> str:
        key = "clihelp_opt_" + action.dest
        if not action.help and action.option_strings and key in catalogue():
            action.help = catalogue()[key]["en"]  # an option's usual help, by its name (then translated)
            try:
                return super()._format_action(action)
            finally:
                action.help = None
        return super()._format_action(action)

    def _expand_help(self, action: argparse.Action) -> str:
        original = action.help
        action.help = help_text(original)
        try:
            return super()._expand_help(action)
        finally:
            action.help = original

    def add_text(self, text: str | None) -> None:
        super().add_text(help_text(text) if text is not argparse.SUPPRESS else text)

    def _format_usage(self, usage, actions, groups, prefix) -> str:
        shown_prefix = help_text("usage: ") if prefix is None else prefix
        extra = cells(shown_prefix) - len(shown_prefix)  # "用法：" is three characters but six cells wide
        if extra <= 0:
            return super()._format_usage(usage, actions, groups, prefix)
        self._width -= extra  # lines as much shorter as the prefix is wider
        try:
            text = super()._format_usage(usage, actions, groups, prefix)
        finally:
            self._width += extra
        first, *rest = text.split("\n")
        return "\n".join([first, *((" " * extra + line) if line.strip() else line for line in rest)])

    def _split_lines(self, text: str, width: int) -> list[str]:
        # argparse counts characters; a Chinese character takes two cells of the terminal
        return wrapped(" ".join(text.split()), width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in wrapped(" ".join(text.split()), width - len(indent)))

    def start_section(self, heading: str | None) -> None:
        self._headings = [*getattr(self, "_headings", []), heading]
        super().start_section(heading)

    def format_help(self) -> str:
        text = super().format_help()
        colon = help_text(":")
        for heading in getattr(self, "_headings", []):  # argparse puts an ASCII colon after each heading
            if heading:
                text = text.replace(f"{heading}:\n", f"{heading}{colon}\n")
        return text

    def _get_default_metavar_for_positional(self, action: argparse.Action) -> str:
        return action.dest.upper()


class ArgumentParser(argparse.ArgumentParser):
    """jz's parser: its subcommands' parsers are of this class too (``add_subparsers`` makes
    them of the parser's own class), so each prints its help through :class:`HelpFormatter`."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # argparse lists what is missing with ", "
        super().error(message.replace(", ", help_text(", ") or ", "))


def localise_argparse() -> None:
    """argparse's own words through the catalogue, from now on in this process (``jz`` is one
    command; an English catalogue text is the word argparse would print anyway)."""
    argparse._ = _argparse_gettext  # type: ignore[attr-defined]
