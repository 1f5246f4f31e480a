"""``jz sheet``, ``jz announce``, ``jz written import``."""

from __future__ import annotations

import argparse

from jz_tui.cli.common import emit, login
from jz_tui.cli.hall import report_refusal, where_read
from jz_tui.display import text_table
from jz_tui.i18n import t
from jz_tui.services import pending, sheets, tabular, written
from jz_tui.services.tabular import ImportRefused


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("sheet", help="interview sheets")
    sheet_sub = p.add_subparsers(dest="sheet_command", metavar="ACTION", required=True)

    q = sheet_sub.add_parser("submit", parents=[parent], help="submit your sheet (examiner)")
    _candidate_and_marks(q)
    q.set_defaults(handler=cmd_submit)
    q = sheet_sub.add_parser("withdraw", parents=[parent], help="withdraw your unconfirmed sheet (examiner)")
    q.add_argument("vault")
    q.add_argument("--candidate", required=True)
    q.add_argument("--reason", required=True)
    q.set_defaults(handler=cmd_withdraw)
    q = sheet_sub.add_parser("correct", parents=[parent],
                             help="correct a confirmed sheet (needs scorer and supervisor)")
    _candidate_and_marks(q)
    q.add_argument("--reason", required=True)
    q.set_defaults(handler=cmd_correct)
    for name, handler, text in (("confirm", cmd_confirm, "confirm a sheet (scorer)"),
                                ("reject", cmd_reject, "reject a sheet with a reason (scorer)")):
        q = sheet_sub.add_parser(name, parents=[parent], help=text)
        q.add_argument("vault")
        q.add_argument("--candidate", required=True)
        q.add_argument("--examiner", required=True)
        if name == "reject":
            q.add_argument("--reason", required=True)
        q.set_defaults(handler=handler)
    q = sheet_sub.add_parser("show", parents=[parent], help="sheets of a candidate you may see")
    q.add_argument("vault")
    q.add_argument("--candidate", required=True)
    q.add_argument("--examiner", help="one examiner's sheet (an examiner: only their own)")
    q.set_defaults(handler=cmd_show)

    p = sub.add_parser("announce", parents=[parent], help="announce a candidate's score (scorer; a supervisor signs)")
    p.add_argument("vault")
    p.add_argument("--candidate", required=True)
    p.set_defaults(handler=cmd_announce)

    p = sub.add_parser("written", help="written-exam scores")
    written_sub = p.add_subparsers(dest="written_command", metavar="ACTION", required=True)
    q = written_sub.add_parser("import", parents=[parent], help="import .csv or .xlsx (admin)")
    q.add_argument("vault")
    q.add_argument("file")
    q.add_argument("--correct", metavar="REASON", default="", help="allow replacing scores already imported")
    q.add_argument("--stage", default="written", help="another imported stage of the rules (e.g. fitness)")
    q.set_defaults(handler=cmd_written_import)

    p = sub.add_parser("extra", help="the extra stage that settles a tie at a post's cut")
    extra_sub = p.add_subparsers(dest="extra_command", metavar="ACTION", required=True)
    q = extra_sub.add_parser("import", parents=[parent], help="import the extra-stage scores of the tied candidates (admin)")
    q.add_argument("vault")
    q.add_argument("file")
    q.add_argument("--post", required=True)
    q.add_argument("--reason", required=True, help="the committee's decision to hold it")
    q.set_defaults(handler=cmd_extra_import)


def _candidate_and_marks(q: argparse.ArgumentParser) -> None:
    q.add_argument("vault")
    q.add_argument("--candidate", required=True, help="interview number (A01-3) or candidate code")
    marks = q.add_mutually_exclusive_group(required=True)
    marks.add_argument("--items", help="one mark per rubric item, comma-separated")
    marks.add_argument("--total", help="the total, when the rules have no rubric")


def _items(args: argparse.Namespace) -> list[str] | None:
    return [part for part in args.items.replace("，", ",").split(",")] if args.items else None


def _describe(session, sheet) -> dict:
    return {"candidate": sheets.label(session.state, sheet.candidate), "examiner": sheet.examiner,
            "items": sheet.items, "total": str(sheets.sheet_total(sheet.items)), "status": sheet.status,
            "confirmed_by": sheet.confirmed_by, "reason": sheet.reason}


def cmd_submit(args: argparse.Namespace) -> int:
    session = login(args)
    sheet = sheets.submit(session, args.candidate, _items(args), args.total)
    emit(args, _describe(session, sheet), t("sheet_submitted", ref=sheets.label(session.state, sheet.candidate),
                                           total=sheets.sheet_total(sheet.items)))
    return 0


def cmd_withdraw(args: argparse.Namespace) -> int:
    session = login(args)
    sheet = sheets.withdraw(session, args.candidate, args.reason)
    emit(args, _describe(session, sheet), t("sheet_withdrawn", ref=sheets.label(session.state, sheet.candidate)))
    return 0


def cmd_correct(args: argparse.Namespace) -> int:
    session = login(args)
    action = sheets.request_correction(session, args.candidate, _items(args), args.total, args.reason)
    emit(args, {"pending": action.id}, t("sheet_correction_pending", id=action.id))
    return 0


def cmd_confirm(args: argparse.Namespace) -> int:
    session = login(args)
    sheet = sheets.confirm(session, args.candidate, args.examiner)
    emit(args, _describe(session, sheet), t("sheet_confirmed", ref=sheets.label(session.state, sheet.candidate),
                                           examiner=sheet.examiner))
    return 0


def cmd_reject(args: argparse.Namespace) -> int:
    session = login(args)
    sheet = sheets.reject(session, args.candidate, args.examiner, args.reason)
    emit(args, _describe(session, sheet), t("sheet_rejected", ref=sheets.label(session.state, sheet.candidate),
                                           examiner=sheet.examiner))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    session = login(args)
    code = sheets.resolve(session.state, args.candidate)
    if args.examiner:
        found = sheets.sheet_of(session, code, args.examiner)
        shown = [found] if found else []
    else:
        shown = sheets.visible_sheets(session, code)
    payload = [_describe(session, s) for s in shown]
    emit(args, payload, lambda: "\n".join(text_table(
        [t("table_candidate"), t("table_examiner"), t("table_total"), t("table_status")],
        [(p["candidate"], p["examiner"], p["total"], t(sheets.status_word(s))) for p, s in zip(payload, shown, strict=True)],
        right={2})) if payload else t("sheet_none"))
    return 0


def cmd_announce(args: argparse.Namespace) -> int:
    session = login(args)
    action = sheets.announce(session, args.candidate)
    lines = pending.detail_lines(pending.details(session.state, action, session.user))  # what the co-signer will see
    emit(args, {"pending": action.id, **action.params, "details": lines},
         "\n".join([t("announce_pending", id=action.id, ref=action.params["number"], result=action.params["result"]),
                    *lines]))
    return 0


def cmd_written_import(args: argparse.Namespace) -> int:
    session = login(args)
    try:
        scores, table = written.import_written_table(session, args.file, args.correct, args.stage)
    except ImportRefused as refused:
        return report_refusal(args, refused)
    emit(args, {"ok": True, "count": len(scores), **where_read(table)},
         tabular.where_read(table) + "\n" + t("written_imported", count=len(scores)))
    return 0





def cmd_extra_import(args: argparse.Namespace) -> int:
    session = login(args)
    try:
        scores = written.import_extra(session, args.file, args.post, args.reason)
    except ImportRefused as refused:
        return report_refusal(args, refused)
    emit(args, {"ok": True, "post": args.post.strip().upper(), "count": len(scores)},
         t("extra_imported", post=args.post.strip().upper(), count=len(scores)))
    return 0
