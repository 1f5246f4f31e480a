"""``jz config``, ``jz roster``, ``jz tickets``, ``jz checkin``, ``jz draw``."""

from __future__ import annotations

import argparse
import json
import sys

from jz_tui.cli.common import EXIT_REFUSED, Misuse, emit, login
from jz_tui.display import text_table
from jz_tui.i18n import t
from jz_tui.rules import settings as rules
from jz_tui.services import checkin, config, draw, roster, tabular, tickets
from jz_tui.services.tabular import ImportRefused
from storage.errors import JzError


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("config", parents=[parent], help="the session's rules")
    p.add_argument("vault")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--import", dest="import_file", metavar="RULES.toml")
    p.add_argument("--show", action="store_true")
    p.add_argument("--example", action="store_true",
                   help="print the default rules, commented, as a rules file (no passphrase needed)")
    p.set_defaults(handler=cmd_config)

    p = sub.add_parser("roster", help="candidates and posts")
    roster_sub = p.add_subparsers(dest="roster_command", metavar="ACTION", required=True)
    q = roster_sub.add_parser("import", parents=[parent], help="import a .csv or .xlsx roster (admin)")
    q.add_argument("vault")
    q.add_argument("file")
    q.set_defaults(handler=cmd_roster_import)
    q = roster_sub.add_parser("list", parents=[parent], help="posts and candidates")
    q.add_argument("vault")
    q.set_defaults(handler=cmd_roster_list)
    q = roster_sub.add_parser("edit", parents=[parent], help="correct a candidate, with a reason (admin)")
    q.add_argument("vault")
    q.add_argument("code")
    q.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", required=True)
    q.add_argument("--reason", required=True)
    q.set_defaults(handler=cmd_roster_edit)
    q = roster_sub.add_parser("withdraw", parents=[parent], help="mark a candidate withdrawn (admin)")
    q.add_argument("vault")
    q.add_argument("code")
    q.add_argument("--reason", required=True)
    q.set_defaults(handler=cmd_roster_withdraw)

    q = roster_sub.add_parser("disqualify", parents=[parent], help="disqualify, with the reason (admin; a supervisor signs)")
    q.add_argument("vault")
    q.add_argument("code")
    q.add_argument("--reason", required=True)
    q.set_defaults(handler=cmd_roster_disqualify)

    p = sub.add_parser("tickets", parents=[parent], help="admission tickets with signed QR")
    p.add_argument("vault")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--hall", default="", help="the hall, printed on each ticket")
    p.add_argument("--time", default="", help="the time, printed on each ticket")
    p.add_argument("--reissue", action="append", default=[], metavar="CODE", help="revoke and reissue")
    p.set_defaults(handler=cmd_tickets)

    p = sub.add_parser("checkin", parents=[parent], help="check a candidate in")
    p.add_argument("vault")
    p.add_argument("query", nargs="?", help="scanned code, exam number, name, pinyin initials, ID digits")
    p.add_argument("--terminal", help="name of this terminal (default: host/tty)")
    p.add_argument("--counts", action="store_true", help="per-post expected / arrived / missing")
    p.add_argument("--mark-absent", action="store_true", help="mark everyone missing as absent (admin)")
    p.add_argument("--post", action="append", default=[], help="limit --mark-absent to these posts")
    p.add_argument("--undo", action="store_true", help="request undoing a check-in (needs a supervisor)")
    p.add_argument("--reason", default="")
    p.set_defaults(handler=cmd_checkin)

    p = sub.add_parser("draw", parents=[parent], help="draw the interview order")
    p.add_argument("vault")
    p.add_argument("--post", required=True)
    p.set_defaults(handler=cmd_draw)


# ---------------------------------------------------------------------- config


def cmd_config(args: argparse.Namespace) -> int:
    if args.example:  # the packaged defaults, to redirect into a rules file: nothing of the vault is read
        sys.stdout.write(config.example_text())
        return 0
    session = login(args)
    if args.import_file or args.set:
        # one command, one event: a refused --set must not leave the --import appended
        changes = config.load_toml(args.import_file) if args.import_file else {}
        changes.update(config.parse_assignments(args.set))
        config.change(session, changes)
    if args.show or not (args.set or args.import_file):
        settings = config.current_settings(session)
        emit(args, settings, lambda: "\n".join(f"{k} = {json.dumps(v, ensure_ascii=False)}"
                                               for k, v in sorted(settings.items())))
    else:
        emit(args, {"ok": True}, t("config_saved"))
    return 0


# ---------------------------------------------------------------------- roster


def cmd_roster_import(args: argparse.Namespace) -> int:
    session = login(args)
    try:
        body, table = roster.import_roster_table(session, args.file)
    except ImportRefused as refused:
        return report_refusal(args, refused)
    emit(args, {"ok": True, "posts": len(body["posts"]), "candidates": len(body["candidates"]),
                "codes": [c["code"] for c in body["candidates"]], **where_read(table)},
         tabular.where_read(table) + "\n"
         + t("roster_imported", posts=len(body["posts"]), candidates=len(body["candidates"])))
    return 0


def where_read(table: tabular.Table) -> dict[str, object]:
    """The sheet, header row and footer row an import read, for ``--json``."""
    return {"sheet": table.sheet, "header_row": table.header_row, "footer_row": table.footer_row}


def report_refusal(args: argparse.Namespace, refused: ImportRefused) -> int:
    """Every problem of a refused import, one line each with its row and field; the first line
    also says which sheet and header row were read, as a header found in the wrong place explains
    a "column is missing"."""
    first = t(refused.message_key, count=len(refused.problems))
    if refused.table is not None:
        first += " " + tabular.where_read(refused.table)
    lines = [first]
    for p in refused.problems:
        field = t("field_" + p.field)
        reason = t(p.key, **{**p.params, "value": printable(p.value), "field": field})
        lines.append(t("row_problem", row=p.row, field=field, reason=reason))
    if args.json:
        print(json.dumps({"ok": False, "problems": [{"row": p.row, "field": p.field, "key": p.key, "value": p.value}
                                                    for p in refused.problems]}, ensure_ascii=False))
    print("\n".join(lines), file=sys.stderr)
    return EXIT_REFUSED


def printable(text: str, limit: int = 60) -> str:
    """A cell's text as it may be shown in a message: control characters escaped, long text cut."""
    shown = "".join(ch if ch.isprintable() or ch == " " else ascii(ch)[1:-1] for ch in text)
    return shown if len(shown) <= limit else shown[:limit - 1] + "…"


def cmd_roster_list(args: argparse.Namespace) -> int:
    session = login(args)
    session.require_role("admin", "clerk", "supervisor", action="roster.list")
    state = session.state.roster
    payload = [
        {"code": p.code, "name": p.name, "seats": p.seats, "open": p.open,
         "candidates": [{"code": c.code, "name": c.name, "unit": c.unit, "establishment": c.establishment,
                         "withdrawn": c.withdrawn, "checked_in": c.code in state.checkins,
                         "absent": c.code in state.absent, "contract": roster.is_contract(c)}
                        for c in state.candidates_of(p.code)]}
        for p in state.posts.values()
    ]

    def status(c: dict) -> str:
        return t("status_withdrawn") if c["withdrawn"] is not None else (
            t("status_checked_in") if c["checked_in"] else (t("status_absent") if c["absent"] else ""))

    def text() -> str:
        lines = []
        header = [t("table_code"), t("table_name"), t("table_unit"), t("table_establishment"), t("table_status")]
        for post in payload:
            mark = "" if post["open"] else f" [{t('post_closed')}]"
            lines.append(f"{post['code']}  {post['name']}{mark}")
            lines += text_table(header, [(c["code"], c["name"], c["unit"], c["establishment"], status(c))
                                         for c in post["candidates"]], indent="    ")
        return "\n".join(lines)

    emit(args, payload, text)
    return 0


def cmd_roster_edit(args: argparse.Namespace) -> int:
    session = login(args)
    changes = {}
    for pair in args.set:
        field, sep, value = pair.partition("=")
        if not sep:
            raise Misuse("config_bad_assignment", text=pair)
        changes[field.strip()] = value
    candidate = roster.edit_candidate(session, args.code, changes, args.reason)
    emit(args, {"ok": True, "code": candidate.code}, t("candidate_edited", code=candidate.code))
    return 0


def cmd_roster_withdraw(args: argparse.Namespace) -> int:
    session = login(args)
    candidate = roster.withdraw_candidate(session, args.code, args.reason)
    emit(args, {"ok": True, "code": candidate.code}, t("candidate_withdrawn", code=candidate.code))
    return 0


def cmd_roster_disqualify(args: argparse.Namespace) -> int:
    session = login(args)
    action = roster.request_disqualify(session, args.code, args.reason)
    emit(args, {"pending": action.id}, t("candidate_disqualify_pending", id=action.id))
    return 0


# ---------------------------------------------------------------------- tickets, check-in, draw


def cmd_tickets(args: argparse.Namespace) -> int:
    session = login(args)
    files = tickets.write_tickets(session, args.out, args.hall, args.time, args.reissue)
    emit(args, {"ok": True, "files": [str(f) for f in files]},
         t("tickets_written", count=len(files) - 1, out=args.out))
    return 0


def cmd_checkin(args: argparse.Namespace) -> int:
    session = login(args)
    if args.counts:
        rows = checkin.counts(session.state.roster)
        emit(args, [{"post": r.post, "name": r.name, "expected": r.expected, "arrived": r.arrived,
                     "absent": r.absent, "missing": r.missing} for r in rows],
             lambda: "\n".join(text_table(
                 [t("table_post"), t("table_post_name"), t("table_expected"), t("table_arrived"), t("table_missing"),
                  t("table_absent")],
                 [(r.post, r.name, r.expected, r.arrived, r.missing, r.absent) for r in rows], right={2, 3, 4, 5})))
        return 0
    if args.mark_absent:
        codes = checkin.mark_absent(session, [p.upper() for p in args.post])
        emit(args, {"ok": True, "absent": codes}, t("checkin_marked_absent", count=len(codes)))
        return 0
    if not args.query:
        raise Misuse("checkin_query_needed")
    if args.undo:
        matches = checkin.search(session.state.roster, args.query)
        if len(matches) != 1:
            raise JzError("checkin_undo_needs_one", query=roster.withheld(session.state.roster, args.query))
        action = checkin.request_undo(session, matches[0].code, args.reason)
        emit(args, {"ok": True, "pending": action.id}, t("checkin_undo_pending", id=action.id))
        return 0
    result = checkin.attempt(session, args.query, args.terminal)
    payload = {
        "outcome": result.outcome,
        "code": result.candidate.code if result.candidate else None,
        "previous": ({"at": result.previous.at, "by": result.previous.by, "terminal": result.previous.terminal}
                     if result.previous else None),
        "matches": [{"code": c.code, "name": c.name, "post": c.post} for c in result.matches],
    }
    message = checkin.outcome_text(result)
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    if result.ok:
        if not args.json:
            print(message)
        return 0
    print(message, file=sys.stderr)
    return EXIT_REFUSED


def cmd_draw(args: argparse.Namespace) -> int:
    session = login(args)
    order = draw.draw(session, args.post)
    post = args.post.strip().upper()
    record = session.state.roster.draws[post]
    numbers = session.state.roster.interview_numbers()
    candidates = session.state.roster.candidates
    emit(args, {"post": post, "seed_hash": record.seed_hash, "seed": record.seed,
                "order": [{"number": numbers[c], "code": c} for c in order]},
         lambda: "\n".join([t("draw_done", post=post, seed_hash=record.seed_hash[:16], seed=record.seed[:16]),
                            *text_table([t("table_number"), t("table_code"), t("table_name")],
                                        [(numbers[c], c, candidates[c].name if c in candidates else "")
                                         for c in order], indent="  ")]))
    return 0
