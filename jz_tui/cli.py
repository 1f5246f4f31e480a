"""The ``jz`` command: argument parsing, passphrases, exit codes, and error reporting.

Each area of the domain registers its subcommands from its own ``cli_*`` module; this
module only wires them together and turns refusals into one plain sentence on stderr
with exit 1 (2 for misuse, 3 for tampering found by ``verify``).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from storage.errors import JzError

from . import i18n
from .i18n import t
from .session import Session, has_terminal_controls, open_session

EXIT_OK, EXIT_REFUSED, EXIT_MISUSE, EXIT_TAMPERED = 0, 1, 2, 3


class Misuse(JzError):
    exit_code = EXIT_MISUSE


# ---------------------------------------------------------------------- passphrases


def read_passphrase(args: argparse.Namespace, user: str) -> str:
    """From ``--passphrase-file``, ``JZ_PASSPHRASE``, or a prompt, in that order."""
    if getattr(args, "passphrase_file", None):
        try:
            return Path(args.passphrase_file).read_text(encoding="utf-8").rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as exc:
            raise JzError("passphrase_file_unreadable", path=args.passphrase_file) from exc
    if "JZ_PASSPHRASE" in os.environ:
        return os.environ["JZ_PASSPHRASE"]
    if sys.stdin.isatty():
        return getpass.getpass(t("prompt_passphrase", user=user))
    raise JzError("passphrase_needed")


def read_new_passphrase(user: str) -> str:
    """A new user's passphrase: ``JZ_NEW_PASSPHRASE`` or a prompt, asked twice."""
    if "JZ_NEW_PASSPHRASE" in os.environ:
        value = os.environ["JZ_NEW_PASSPHRASE"]
    elif sys.stdin.isatty():
        value = getpass.getpass(t("prompt_new_passphrase", user=user))
        if getpass.getpass(t("prompt_new_passphrase_again", user=user)) != value:
            raise JzError("passphrase_mismatch")
    else:
        raise JzError("passphrase_needed")
    if not value:
        raise JzError("passphrase_empty")
    return value


def login(args: argparse.Namespace) -> Session:
    if not getattr(args, "user", None):
        raise Misuse("user_needed")
    return open_session(args.vault, args.user, read_passphrase(args, args.user))


# ---------------------------------------------------------------------- output


def emit(args: argparse.Namespace, payload: Any, text: str | Callable[[], str]) -> None:
    """``--json`` prints ``payload``; otherwise the human text."""
    if getattr(args, "json", False):
        print(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    else:
        print(text() if callable(text) else text)


# ---------------------------------------------------------------------- parser


def progress_line(stream: TextIO, label: Callable[[str], str]) -> Callable[[str, int, int], None]:
    """``progress(stage, done, total)`` as one line on a terminal, rewritten in place and
    ended when the stage is done: for anything that takes longer than a second."""

    def show(stage: str, done: int, total: int) -> None:
        stream.write(f"\r  {label(stage)} {done:>{len(str(total))}}/{total}")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show


def common_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--user", help="the acting user / 操作用户")
    parent.add_argument("--passphrase-file", metavar="F", help="read the passphrase from F")
    parent.add_argument("--json", action="store_true", help="machine-readable output")
    return parent


def build_parser() -> argparse.ArgumentParser:
    from . import cli_app, cli_ballots, cli_bench, cli_board, cli_hall, cli_ranking, cli_scores, cli_sign, cli_vault  # noqa: PLC0415 - registration order is the help order

    parser = argparse.ArgumentParser(
        prog="jz",
        description="jz — 竞争上岗 competitive selection, on an encrypted, signed ledger.",
        epilog="jz VAULT opens the app for that vault.",
    )
    parser.add_argument("--lang", choices=i18n.LANGUAGES, help="zh or en (default: JZ_LANG or the locale)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    parent = common_options()
    for module in (cli_vault, cli_hall, cli_scores, cli_ballots, cli_ranking, cli_board, cli_sign, cli_bench, cli_app):
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


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    from .cli_ballots import spell_marks  # noqa: PLC0415 - registered by build_parser above

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
    if args.lang:
        i18n.set_language(args.lang)
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
