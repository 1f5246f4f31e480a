"""What every command shares: exit codes, passphrases, logging in, printing a result."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jz_tui.display import shown_json, shown_lines
from jz_tui.i18n import t
from jz_tui.services.session import Session, open_session, rejection_notice
from storage.errors import JzError

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
    """A new user's passphrase: ``JZ_NEW_PASSPHRASE`` or a prompt, asked twice; held to the floor
    every passphrase a person chooses meets (:func:`jz_tui.services.users.passphrase_problem`)."""
    from jz_tui.services.users import require_strong  # noqa: PLC0415 - the one floor, beside the users

    if "JZ_NEW_PASSPHRASE" in os.environ:
        value = os.environ["JZ_NEW_PASSPHRASE"]
    elif sys.stdin.isatty():
        value = getpass.getpass(t("prompt_new_passphrase", user=user))
        if getpass.getpass(t("prompt_new_passphrase_again", user=user)) != value:
            raise JzError("passphrase_mismatch")
    else:
        raise JzError("passphrase_needed")
    return require_strong(value, user)


def login(args: argparse.Namespace) -> Session:
    if not getattr(args, "user", None):
        raise Misuse("user_needed")
    session = open_session(args.vault, args.user, read_passphrase(args, args.user))
    notice = rejection_notice(session.state)
    if notice is not None:  # the command goes on with the verified state, which leaves the event out
        print(notice, file=sys.stderr)
    return session


# ---------------------------------------------------------------------- output


def emit(args: argparse.Namespace, payload: Any, text: str | Callable[[], str]) -> None:
    """``--json`` prints ``payload``; otherwise the human text."""
    if getattr(args, "json", False):
        print(shown_json(json.dumps(payload, ensure_ascii=False, indent=2, default=str)))
    else:  # what the file said reaches the terminal with its control characters escaped
        print(shown_lines(text() if callable(text) else text))


def common_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--user", help="the acting user")
    parent.add_argument("--passphrase-file", metavar="F", help="read the passphrase from F")
    parent.add_argument("--json", action="store_true", help="machine-readable output")
    return parent
