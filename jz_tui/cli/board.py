"""``jz board``, ``jz public`` and ``jz serve``: the live board in a terminal, its public
view from the command line, and the board in a browser on this machine."""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import socket
import sys
from pathlib import Path


from jz_tui import i18n
from jz_tui.cli.common import Misuse, emit, login
from jz_tui.cli.terminal import require_terminal
from jz_tui.display import text_table
from jz_tui.i18n import t
from jz_tui.rules.settings import rules_from
from jz_tui.services import public_view, ranking_table
from storage.errors import JzError
from storage.vault import Vault

LOOPBACK_NAMES = ("localhost",)
DEFAULT_PORT = 8000


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("board", help="the live board, read-only (the supervisor's SSH forced command)")
    p.add_argument("vault")
    p.add_argument("--user", help="the user the board opens for (the login screen asks the passphrase)")
    p.add_argument("--public", action="store_true", help="show the public view only (a projector in the hall)")
    p.set_defaults(handler=cmd_board)

    p = sub.add_parser("public", parents=[parent], help="the board's public view; freeze or release it")
    p.add_argument("vault")
    choice = p.add_mutually_exclusive_group()
    choice.add_argument("--freeze", action="store_true", help="freeze the public view (supervisor)")
    choice.add_argument("--release", action="store_true", help="release a frozen public view (supervisor)")
    p.set_defaults(handler=cmd_public)

    p = sub.add_parser("serve", help="the board in a browser with textual-serve, on this machine only")
    p.add_argument("vault")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="default: %(default)s")
    p.add_argument("--host", default="127.0.0.1", help="a loopback address only (127.0.0.1, ::1, localhost)")
    p.add_argument("--user", help="fill in the user name on the login screen")
    p.add_argument("--public", action="store_true", help="serve the public view only")
    p.add_argument("--app", action="store_true", help="serve the whole app (every role's screens), not the board")
    p.set_defaults(handler=cmd_serve)


# ---------------------------------------------------------------------- jz board


def cmd_board(args: argparse.Namespace) -> int:
    from jz_tui.apps.board_app import make_board_app  # noqa: PLC0415 - Textual loads only for the commands that need it

    path = Path(args.vault)
    Vault.open(path).close()  # a missing file or a non-vault: one plain sentence, before the screen opens
    require_terminal("board_needs_terminal", vault=str(path))
    app = make_board_app(path, user=args.user, public_only=args.public)
    app.run()
    return app.return_code or 0


# ---------------------------------------------------------------------- jz public


def public_payload(result: public_view.PublicResult) -> dict:
    """``jz public --json``: the public result, each value as the public view holds it."""
    return {
        "frozen_at": result.frozen_at,
        "posts": [
            {
                "code": post.code,
                "name": post.name,
                "complete": post.complete,
                "candidates": [
                    {
                        "code": row.code,
                        "name": row.name,
                        **{stage: None if value is None else str(value) for stage, value in row.stages},
                        "composite": None if row.composite is None else str(row.composite),
                        "rank": row.rank,
                        "status": row.status,
                        "flags": list(row.flags),
                        "appointment": row.appointment,
                    }
                    for row in post.rows
                ],
            }
            for post in result.posts
        ],
    }


def public_text(result: public_view.PublicResult) -> str:
    """``jz public`` in words: the public view's columns, aligned for a terminal."""
    columns = ranking_table.columns(ranking_table.PUBLIC_TEXT, rules_from(result.state.roster.settings), result.lang)
    lines = [t("public_frozen_line", seq=result.frozen_at) if result.frozen_at is not None else t("public_live_line")]
    numbers = {i for i, column in enumerate(columns) if column.kind != ranking_table.TEXT}
    for post in result.posts:
        lines.append(f"{post.code}  {post.name}" + ("" if post.complete else "  " + t("public_post_unfinished")))
        lines += text_table([column.header for column in columns],
                            [ranking_table.cells(columns, post, row) for row in post.rows], right=numbers, indent="  ")
    return "\n".join(lines)


def cmd_public(args: argparse.Namespace) -> int:
    session = login(args)
    session.require_role("admin", "supervisor", action="board")
    if args.freeze or args.release:
        public_view.freeze(session, frozen=args.freeze)
    result = public_view.public_result(session)
    emit(args, public_payload(result), lambda: public_text(result))
    return 0


# ---------------------------------------------------------------------- jz serve


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_port(host: str, port: int) -> None:
    """Refuse now, in words, rather than after textual-serve has printed its banner."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise JzError("serve_port_busy", host=host, port=port, reason=exc.strerror or str(exc)) from exc


def served_command(args: argparse.Namespace) -> str:
    """The command textual-serve starts for each browser: this interpreter, this jz, this vault."""
    vault = str(Path(args.vault).resolve())
    argv = [sys.executable, "-m", "jz_tui.cli", "--lang", i18n.language()]
    if args.app:
        argv += ["app", vault]
    else:
        argv += ["board", vault, *(["--public"] if args.public else [])]
    if args.user:
        argv += ["--user", args.user]
    return shlex.join(argv)


def cmd_serve(args: argparse.Namespace) -> int:
    if not is_loopback(args.host):
        raise Misuse("serve_not_loopback", host=args.host)
    if not 0 < args.port < 65536:
        raise Misuse("serve_port_busy", host=args.host, port=args.port, reason="1-65535")
    Vault.open(Path(args.vault)).close()
    host = "127.0.0.1" if args.host.lower() == "localhost" else args.host
    check_port(host, args.port)
    from textual_serve.server import Server  # noqa: PLC0415 - only this command needs it

    url_host = f"[{host}]" if ":" in host else host
    url = f"http://{url_host}:{args.port}/"
    print(t("serve_url", url=url), flush=True)
    print(t("serve_localhost_only", host=host, port=args.port), flush=True)
    server = Server(served_command(args), host=host, port=args.port, title=f"jz {Path(args.vault).name}",
                    public_url=url.rstrip("/"))
    server.serve()
    return 0
