"""The ``jz`` command: argument parsing, exit codes, and error reporting.

Each area of the domain registers its subcommands from its own module in this package;
this module only wires them together and turns refusals into one plain sentence on stderr
with exit 1 (2 for misuse, 3 for tampering found by ``verify``). Nothing imports it but the
``jz`` entry point (and ``python -m jz_tui.cli``).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys

from jz_tui import i18n
from jz_tui.cli.common import EXIT_MISUSE, EXIT_OK, EXIT_REFUSED, Misuse, common_options
from jz_tui.cli.helptext import ArgumentParser, localise_argparse
from jz_tui.i18n import t
from jz_tui.services.session import has_terminal_controls
from storage.errors import JzError


def build_parser() -> argparse.ArgumentParser:
    # each command group registers itself; the order here is the order of --help
    from jz_tui.cli import app, ballots, bench, board, hall, halls, panels, paper, ranking, readiness, scores, sign, vault  # noqa: PLC0415, E501

    localise_argparse()
    parser = ArgumentParser(
        prog="jz",
        description="jz: competitive selection on an encrypted, signed ledger.",
        epilog="jz VAULT opens the app for that vault.",
    )
    parser.add_argument("--lang", choices=i18n.LANGUAGES, help="zh or en (default: JZ_LANG or the locale)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    parent = common_options()
    for module in (vault, hall, scores, panels, ballots, halls, ranking, paper, board, sign, readiness, bench, app):
        module.register(sub, parent)
    return parser


GLOBAL_OPTIONS_WITH_VALUE = ("--lang",)


def _first_positional(argv: list[str]) -> int | None:
    """Index of the first argument that is neither an option nor a global option's value."""
    skip = False
    for index, arg in enumerate(argv):
        if skip:
            skip = False
        elif arg in GLOBAL_OPTIONS_WITH_VALUE:
            skip = True
        elif not arg.startswith("-"):
            return index
    return None


def _chosen_language(argv: list[str]) -> tuple[str | None, list[str]]:
    """``--lang`` as given on the command line (anywhere in it), read before anything is parsed:
    the help, the parser's own errors and every refusal are in that language (else JZ_LANG, else
    the locale). The arguments come back without it, so that it may follow a subcommand too."""
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv) and argv[index + 1] in i18n.LANGUAGES:
            return argv[index + 1], argv[:index] + argv[index + 2:]
        if arg.startswith("--lang=") and arg.removeprefix("--lang=") in i18n.LANGUAGES:
            return arg.removeprefix("--lang="), argv[:index] + argv[index + 1:]
        if arg == "--":
            break
    return None, argv


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    lang, argv = _chosen_language(argv)
    if lang:
        i18n.set_language(lang)
    parser = build_parser()
    from jz_tui.cli.ballots import spell_marks  # noqa: PLC0415 - registered by build_parser above

    try:
        argv = spell_marks(argv)
    except Misuse as error:
        print(i18n.error_text(error), file=sys.stderr)
        return error.exit_code
    commands = set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    position = _first_positional(argv)
    if position is not None and argv[position] not in commands and "app" in commands:
        argv.insert(position, "app")  # ``jz VAULT`` is ``jz app VAULT``
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    bad = _control_characters(args)
    if bad is not None:  # escape sequences, NUL, bidi overrides: refused before anything reads them
        print(t("argument_control_characters", option=bad), file=sys.stderr)
        return EXIT_MISUSE
    return run(args)


def _control_characters(args: argparse.Namespace) -> str | None:
    """The first option (or argument) whose value holds a control character, else None."""
    for name, value in vars(args).items():
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str) and has_terminal_controls(text):
                if name in ("vault", "file", "code", "query", "id", "target", "name"):
                    return name
                return "--import" if name == "import_file" else "--" + name.replace("_", "-")
    return None


def run(args: argparse.Namespace) -> int:
    try:
        return int(args.handler(args) or EXIT_OK)
    except JzError as error:
        print(i18n.error_text(error), file=sys.stderr)
        return error.exit_code
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        print(t("interrupted"), file=sys.stderr)
        return EXIT_REFUSED
    except OSError as error:  # a path that cannot be read or written: name it and the reason, no traceback
        print(t("file_error", path=error.filename or "", reason=error.strerror or type(error).__name__),
              file=sys.stderr)
        return EXIT_REFUSED
    except sqlite3.OperationalError as error:
        if os.environ.get("JZ_DEBUG"):
            raise
        # Never echo SQL or values: the message names only the kind of failure.
        key = "vault_disk_full" if "full" in str(error) or "disk" in str(error) else "vault_io_error"
        print(t(key), file=sys.stderr)
        return EXIT_REFUSED
    except Exception as error:  # a bug: say so plainly, without values that could be secret
        if os.environ.get("JZ_DEBUG"):
            raise
        print(t("internal_error", kind=type(error).__name__), file=sys.stderr)
        return EXIT_REFUSED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
