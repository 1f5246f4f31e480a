"""``jz check``: the readiness check, what would stop the session before it starts."""

from __future__ import annotations

import argparse

from jz_tui.cli.common import EXIT_OK, EXIT_REFUSED, emit, login
from jz_tui.i18n import t
from jz_tui.services import readiness


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("check", parents=[parent],
                       help="what would stop the session before it starts (exit 1 if anything does)")
    p.add_argument("vault")
    p.set_defaults(handler=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    session = login(args)
    session.require_role("admin", "supervisor", action="check")
    found = readiness.problems(session.state)
    stops = readiness.stops(found)
    payload = {
        "ready": stops == 0,
        "problems": [{"severity": p.severity, "reason": p.key, "params": dict(p.params),
                      "message": readiness.text(p)} for p in found],
    }

    def text() -> str:
        lines = [f"  {'✗' if p.stops else '!'} {readiness.text(p)}" for p in found]
        lines.append(t("ready_all_clear") if not found
                     else t("ready_summary", stops=stops, warnings=len(found) - stops))
        return "\n".join(lines)

    emit(args, payload, text)
    return EXIT_REFUSED if stops else EXIT_OK
