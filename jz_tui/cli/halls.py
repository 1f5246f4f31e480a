"""``jz hall add|export|import|list``: several halls' signed results merged into one session."""

from __future__ import annotations

import argparse

from jz_tui.cli.common import emit, login
from jz_tui.display import text_table
from jz_tui.i18n import join_list, t
from jz_tui.services import halls


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("hall", help="several halls: signed exports and their import")
    hall_sub = p.add_subparsers(dest="hall_command", metavar="ACTION", required=True)
    q = hall_sub.add_parser("add", parents=[parent], help="register a hall by its admin key fingerprint (admin)")
    q.add_argument("vault")
    q.add_argument("name")
    q.add_argument("--fingerprint", required=True, help="the hall's admin key fingerprint, as jz init printed it")
    q.set_defaults(handler=cmd_add)
    q = hall_sub.add_parser("export", parents=[parent], help="this hall's results, check-ins and absences for some posts, signed (admin)")
    q.add_argument("vault")
    q.add_argument("--posts", required=True, metavar="P1,P2", help="the posts, comma-separated")
    q.add_argument("--out", required=True, metavar="FILE")
    q.set_defaults(handler=cmd_export)
    q = hall_sub.add_parser("import", parents=[parent], help="check and record a hall's export (admin)")
    q.add_argument("vault")
    q.add_argument("file")
    q.set_defaults(handler=cmd_import)
    q = hall_sub.add_parser("list", parents=[parent], help="the registered halls and what came from each")
    q.add_argument("vault")
    q.set_defaults(handler=cmd_list)


def cmd_add(args: argparse.Namespace) -> int:
    fingerprint = halls.register(login(args), args.name, args.fingerprint)
    emit(args, {"hall": args.name.strip(), "fingerprint": fingerprint},
         t("hall_added", hall=args.name.strip(), fingerprint=fingerprint))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    session = login(args)
    payload = halls.export(session, args.posts.replace("，", ",").split(","))
    path = halls.write_export(payload, args.out)
    posts = [p["code"] for p in payload["posts"]]
    absent = halls.absent_of(payload)
    emit(args, {"file": str(path), "posts": posts, "head": payload["head"],
                "fingerprint": payload["hall"]["fingerprint"], "absent": absent},
         "\n".join([t("hall_exported", file=str(path), posts=list(posts), seq=payload["head"]["seq"],
                       fingerprint=payload["hall"]["fingerprint"]),
                     *([t("hall_export_absent", codes=list(absent))] if absent else [])]))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    session = login(args)
    payload = halls.read_export(args.file)
    hall = halls.import_export(session, payload)
    posts = [p["code"] for p in payload["posts"]]
    absent = halls.absent_of(payload)
    emit(args, {"hall": hall, "posts": posts, "head": payload["head"], "absent": absent},
         "\n".join([t("hall_imported", hall=hall, posts=list(posts), seq=payload["head"]["seq"]),
                     *([t("hall_imported_absent", hall=hall, codes=list(absent))] if absent else [])]))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    session = login(args)
    rows = halls.progress(session.state)
    emit(args, [{"hall": r.hall, "fingerprint": r.fingerprint, "posts": list(r.posts), "head_seq": r.head_seq,
                 "head": r.head_hash} for r in rows],
         lambda: "\n".join(text_table(
             [t("table_hall"), t("table_posts"), t("table_head"), t("table_fingerprint")],
             [(r.hall, join_list(r.posts) if r.posts else t("table_hall_waiting"),
               "" if r.head_seq is None else f"{r.head_seq} {r.head_hash}", r.fingerprint) for r in rows]))
         if rows else t("hall_none"))
    return 0
