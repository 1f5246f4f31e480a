"""``jz print``: the forms a clerk prints on A4 and people sign (score sheet, ballot, tally
record, score summary, public notice), as one PDF each; see :mod:`jz_tui.services.paper`."""

from __future__ import annotations

import argparse

from jz_tui.cli.common import emit, login
from jz_tui.i18n import t
from jz_tui.services import paper
from storage.ledger import short_hash


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("print", parents=[parent], help="a printable form as an A4 PDF")
    p.add_argument("vault")
    p.add_argument("--form", required=True, choices=paper.FORMS)
    p.add_argument("--post", help="the post (ballot, sheet, tally; summary and notice: one post only)")
    p.add_argument("--candidate", help="a candidate's code or interview number (sheet; summary: the interview)")
    p.add_argument("--count", type=int, help="ballots: copies (default: the number issued at the box, else 1)")
    p.add_argument("--out", required=True, metavar="FILE.pdf")
    p.set_defaults(handler=cmd_print)


def cmd_print(args: argparse.Namespace) -> int:
    session = login(args)
    try:
        form = paper.write(session, args.form, args.out, post=args.post, candidate=args.candidate, count=args.count)
    finally:
        session.close()
    state = session.state
    payload = {"out": args.out, "form": form.kind, "pages": len(form.pages), "head": form.head or None,
               "head_seq": state.seq if form.head else None}

    def text() -> str:
        lines = [t("paper_done", out=args.out, form=t("paper_form_" + args.form), pages=len(form.pages))]
        if form.head:
            lines.append(t("paper_done_head", seq=state.seq, short=short_hash(state.head_hash),
                           fingerprint=session.vault.admin_fingerprint))
        return "\n".join(lines)

    emit(args, payload, text)
    return 0
