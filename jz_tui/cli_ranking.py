"""``jz ranking``: the ranking as DESIGN.md §5 fixes it (text, --json or --csv)."""

from __future__ import annotations

import argparse
import csv
import sys

from . import ranking
from .cli import emit, login
from .i18n import t

VIEWERS = ("admin", "scorer", "supervisor")


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("ranking", parents=[parent], help="the ranking and inspection targets / 排名")
    p.add_argument("vault")
    p.add_argument("--csv", action="store_true")
    p.set_defaults(handler=cmd_ranking)


def cmd_ranking(args: argparse.Namespace) -> int:
    session = login(args)
    session.require_role(*VIEWERS, action="ranking")
    payload = ranking.to_json(session.state, ranking.rank(session.state))
    if args.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(["post", "code", "name", "written", "interview", "democratic", "composite",
                         "dissatisfied_rate", "rank", "status", "flags"])
        for post in payload["posts"]:
            for c in post["candidates"]:
                writer.writerow([post["code"], c["code"], c["name"], c["written"], c["interview"], c["democratic"],
                                 c["composite"], c["dissatisfied_rate"], c["rank"], c["status"], " ".join(c["flags"])])
        return 0

    def text() -> str:
        lines = []
        for post in payload["posts"]:
            lines.append(f"{post['code']}  {post['name']}")
            for c in post["candidates"]:
                flags = " ".join(t("flag_" + f) for f in c["flags"])
                lines.append(f"  {c['rank'] or '-':>3}  {c['code']:<10} {c['composite'] or '-':>7}  "
                             f"{t('rank_status_' + c['status'])} {flags}")
        return "\n".join(lines)

    emit(args, payload, text)
    return 0
