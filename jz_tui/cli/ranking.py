"""``jz ranking``: the ranking as DESIGN.md §5 fixes it (text, --json or --csv)."""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import date

from jz_tui.cli.common import emit, login
from jz_tui.display import shown, text_table
from jz_tui.i18n import join_list, t
from jz_tui.rules.democratic import percent_text
from jz_tui.rules.settings import rules_from
from jz_tui.rules import ranking
from jz_tui.services import inspection, publication
from storage.errors import JzError

VIEWERS = ("admin", "scorer", "supervisor")


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("ranking", parents=[parent], help="the ranking and inspection targets")
    p.add_argument("vault")
    p.add_argument("--csv", action="store_true")
    p.set_defaults(handler=cmd_ranking)

    p = sub.add_parser("export", parents=[parent], help="the public notice: xlsx, csv, html, json or sqlite")
    p.add_argument("vault")
    p.add_argument("--format", required=True, choices=publication.FORMATS)
    p.add_argument("--out", required=True, metavar="FILE")
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("inspect", parents=[parent], help="an inspection note on one of the five dimensions (admin)")
    p.add_argument("vault")
    p.add_argument("code")
    p.add_argument("--dimension", required=True, choices=inspection.DIMENSIONS)
    p.add_argument("--note", required=True)
    p.set_defaults(handler=cmd_inspect)

    p = sub.add_parser("decide", parents=[parent], help="the committee's decision on a target (admin)")
    p.add_argument("vault")
    p.add_argument("code")
    choice = p.add_mutually_exclusive_group(required=True)
    choice.add_argument("--appoint", action="store_true")
    choice.add_argument("--not-appoint", action="store_true")
    p.add_argument("--start", help="appointment date, YYYY-MM-DD (default today)")
    p.add_argument("--note", default="")
    p.set_defaults(handler=cmd_decide)


def cmd_ranking(args: argparse.Namespace) -> int:
    session = login(args)
    session.require_role(*VIEWERS, action="ranking")
    payload = ranking.to_json(session.state, ranking.rank(session.state))
    if args.csv:  # the --json shape as a table: every active stage, machine words for status and flags
        stages = rules_from(session.state.roster.settings).active_stages
        writer = csv.writer(sys.stdout)
        writer.writerow(["post", "code", "name", *stages, "composite", "dissatisfied_rate", "rank", "status", "flags"])
        for post in payload["posts"]:
            for c in post["candidates"]:
                writer.writerow([post["code"], c["code"], shown(c["name"]), *(c[stage] for stage in stages),
                                 c["composite"], c["dissatisfied_rate"], c["rank"], c["status"], " ".join(c["flags"])])
        return 0

    def text() -> str:
        lines = []
        header = [t("table_rank"), t("table_code"), t("table_name"), t("table_composite"), t("table_rate"),
                  t("table_status"), t("table_flags")]
        for post in payload["posts"]:
            lines.append(f"{post['code']}  {post['name']}")
            lines += text_table(header, [
                (c["rank"] or "-", c["code"], c["name"], c["composite"] or "-",
                 percent_text(c["dissatisfied_rate"]) if c["dissatisfied_rate"] else "",
                 t("rank_status_" + c["status"]), join_list(t("flag_" + f) for f in c["flags"]))
                for c in post["candidates"]], right={0, 3, 4}, indent="  ")
        return "\n".join(lines)

    emit(args, payload, text)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    session = login(args)
    session.require_role(*VIEWERS, action="export")
    notice, result = publication.export(session, args.format, args.out)
    if result.frozen_at is not None:
        print(t("export_frozen", seq=result.frozen_at), file=sys.stderr)
    if result.unfinished:  # said on stderr, so a script reading the JSON still gets it whole
        print(t("export_unfinished", posts=list(result.unfinished)), file=sys.stderr)
    emit(args, {"out": args.out, "rows": len(notice.rows), **notice.meta, "frozen_at": result.frozen_at,
                "complete": result.complete, "unfinished": result.unfinished},
         t("export_done", out=args.out, rows=len(notice.rows), fingerprint=notice.meta["admin_fingerprint"],
           seq=notice.meta["head_seq"]))
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    session = login(args)
    inspection.add_note(session, args.code, args.dimension, args.note)
    emit(args, {"ok": True}, t("inspection_noted", code=args.code, dimension=args.dimension))
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    session = login(args)
    try:
        start = date.fromisoformat(args.start) if args.start else None
    except ValueError as exc:
        raise JzError("date_invalid", value=args.start) from exc
    body = inspection.record_decision(session, args.code, "appoint" if args.appoint else "not_appoint", start,
                                      args.note)
    emit(args, body, t("decision_recorded", code=args.code))
    return 0
