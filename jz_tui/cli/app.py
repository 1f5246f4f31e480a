"""``jz app VAULT`` (also plain ``jz VAULT``) and ``jz demo [VAULT]``: the terminal app."""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from jz_tui.bench import demo
from jz_tui.cli.terminal import on_terminal, require_terminal
from jz_tui.i18n import t
from storage.errors import JzError
from storage.vault import Vault


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("app", help="the app: log in, then your role's screens")
    p.add_argument("vault")
    p.add_argument("--user", help="fill in the user name on the login screen")
    p.set_defaults(handler=cmd_app)

    p = sub.add_parser("demo", help="build a demo session and open the app (in a terminal)")
    p.add_argument("vault", nargs="?", help="default: a temporary directory, removed when the demo ends")
    p.add_argument("--no-open", action="store_true", help="build (or keep) the demo, do not open the app")
    p.add_argument("--rebuild", action="store_true", help="replace an existing demo vault without asking")
    p.set_defaults(handler=cmd_demo)


def run_app(path: Path, user: str | None = None) -> int:
    """Run the app on ``path`` until the user quits; the exit code (1 after a crash).
    Without a terminal to draw on it refuses (exit 2) rather than spin forever."""
    from jz_tui.apps.app import make_app  # noqa: PLC0415 - Textual loads only for the commands that need it

    Vault.open(path).close()  # a missing file or a non-vault: one plain sentence, before the screen opens
    require_terminal("app_needs_terminal", vault=str(path))
    app = make_app(path, user=user)
    app.run()
    return app.return_code or 0


def cmd_app(args: argparse.Namespace) -> int:
    return run_app(Path(args.vault), user=args.user)


# ---------------------------------------------------------------------- jz demo


def cmd_demo(args: argparse.Namespace) -> int:
    if args.vault is None:
        return demo_for_now(args)
    path = Path(args.vault)
    interactive = on_terminal()
    if path.exists():
        choice = "rebuild" if args.rebuild else (ask_existing(path) if interactive else "open")
        if choice == "quit":
            return 0
        if choice == "rebuild":
            if not demo.is_demo_vault(path):
                raise JzError("demo_not_a_demo", path=str(path))
            demo.remove_vault_files(path)
            build(path)
        else:
            print(t("demo_using_existing", path=str(path)))
    else:
        build(path)
    print_users()
    if args.no_open:
        return 0
    if not interactive:  # nobody to press Enter or log in: the demo is built, say how to open it
        print(t("demo_not_opened_no_terminal", path=str(path)))
        return 0
    input(t("demo_press_enter"))
    return run_app(path)


def demo_for_now(args: argparse.Namespace) -> int:
    """``jz demo`` with no path: the demo is built in a new temporary directory (owner-only),
    opened, and the directory removed when the app ends, so nothing is left behind in the
    working directory. ``jz demo PATH`` keeps it."""
    directory = Path(tempfile.mkdtemp(prefix="jz-demo-"))
    path = directory / demo.DEFAULT_PATH.name
    try:
        print(t("demo_temporary", path=str(path)))
        build(path)
        print_users()
        if args.no_open or not on_terminal():  # nobody to open it for: it goes now
            return 0
        input(t("demo_press_enter"))
        return run_app(path)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        print(t("demo_temporary_removed", path=str(directory)))


def build(path: Path) -> None:
    def say(line: str) -> None:
        print(line, flush=True)

    demo.build_demo(path, say=say)
    print(t("demo_built", path=str(path)))


def ask_existing(path: Path) -> str:
    answers = {t("demo_answer_open"): "open", t("demo_answer_rebuild"): "rebuild", t("demo_answer_quit"): "quit"}
    while True:
        try:
            reply = input(t("demo_exists_question", path=str(path))).strip().lower()
        except EOFError:
            return "quit"
        if reply in answers:
            return answers[reply]


def print_users() -> None:
    """The demo users and their passphrases, in a table that lines up in Chinese too."""
    console = Console()
    console.print(t("demo_users_title", session=demo.DEMO_SESSION), highlight=False)
    table = Table()
    table.add_column(t("demo_col_user"))
    table.add_column(t("demo_col_role"))
    table.add_column(t("demo_col_passphrase"))
    for user in demo.DEMO_USERS:
        table.add_row(user.name, t("role_" + user.role), user.passphrase)
    console.print(table)
