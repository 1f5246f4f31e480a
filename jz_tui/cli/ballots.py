"""``jz box``, ``jz ballot``, ``jz tally``, ``jz tokens``, ``jz vote``."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

from jz_tui.cli.common import Misuse, emit, login, read_passphrase
from jz_tui.cli.terminal import require_terminal
from jz_tui.display import text_table
from jz_tui.i18n import t
from jz_tui.rules.democratic import percent_text
from jz_tui.services import ballots, pending
from storage.errors import JzError
from storage.vault import Vault


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("box", help="ballot boxes")
    box_sub = p.add_subparsers(dest="box_command", metavar="ACTION", required=True)
    q = box_sub.add_parser("create", parents=[parent], help="a box for some posts (admin)")
    q.add_argument("vault")
    q.add_argument("--posts", required=True, metavar="P1,P2", help="the posts, comma-separated")
    q.add_argument("--officers", required=True, metavar="T1,T2[,T3]", help="the box's officers (tally users), comma-separated")
    q.add_argument("--seal", required=True, metavar="NO", help="the seal number")
    q.set_defaults(handler=cmd_box_create)
    q = box_sub.add_parser("open", parents=[parent], help="open a post's ballots at the tally (tally)")
    q.add_argument("vault")
    q.add_argument("--post", required=True)
    seal = q.add_mutually_exclusive_group(required=True)
    seal.add_argument("--seal-intact", action="store_true")
    seal.add_argument("--seal-broken", metavar="NOTE")
    q.add_argument("--issued", type=int, required=True)
    q.add_argument("--returned", type=int, required=True)
    q.set_defaults(handler=cmd_box_open)
    q = box_sub.add_parser("recount", parents=[parent],
                           help="correct the ballots issued and returned, before the first is entered (tally)")
    q.add_argument("vault")
    q.add_argument("--post", required=True)
    q.add_argument("--issued", type=int, required=True)
    q.add_argument("--returned", type=int, required=True)
    q.add_argument("--reason", required=True)
    q.set_defaults(handler=cmd_box_recount)
    q = box_sub.add_parser("unseal", parents=[parent], help="open the electronic ballots with k officers' shares")
    q.add_argument("vault")
    q.add_argument("--box", required=True)
    q.add_argument("--officers", required=True,
                   help="the officers unlocking shares; each one's passphrase from JZ_PASSPHRASE_<NAME> or a prompt")
    q.set_defaults(handler=cmd_box_unseal)

    p = sub.add_parser("ballot", help="paper ballots")
    ballot_sub = p.add_subparsers(dest="ballot_command", metavar="ACTION", required=True)
    q = ballot_sub.add_parser("enter", parents=[parent], help="one paper ballot (tally)")
    q.add_argument("vault")
    q.add_argument("--post", required=True)
    q.add_argument("--marks", required=True,
                   help="one of S/B/D per candidate in code order, 0 (or -) for a blank mark, e.g. SBD0S;"
                        " a wholly blank ballot: --marks 000; a recommendation: Y (or 1) named, 0 not, e.g. 0Y0")
    q.add_argument("--group", default="")
    q.add_argument("--no", type=int, help="correct this entry number instead of adding the next")
    q.set_defaults(handler=cmd_ballot_enter)
    q = ballot_sub.add_parser("void", parents=[parent], help="a void ballot, with the reason (tally)")
    q.add_argument("vault")
    q.add_argument("--post", required=True)
    q.add_argument("--reason", required=True)
    q.add_argument("--no", type=int)
    q.set_defaults(handler=cmd_ballot_void)
    q = ballot_sub.add_parser("withdraw", parents=[parent],
                              help="take one of your entries out of the count (entered twice), with the reason (tally)")
    q.add_argument("vault")
    q.add_argument("--post", required=True)
    q.add_argument("--no", type=int, required=True)
    q.add_argument("--reason", required=True)
    q.set_defaults(handler=cmd_ballot_withdraw)

    p = sub.add_parser("tally", help="the count")
    tally_sub = p.add_subparsers(dest="tally_command", metavar="ACTION", required=True)
    q = tally_sub.add_parser("show", parents=[parent], help="the running count (the box's officers only)")
    q.add_argument("vault")
    q.add_argument("--post", required=True)
    q.set_defaults(handler=cmd_tally_show)
    q = tally_sub.add_parser("close", parents=[parent], help="close the tally (officers and a supervisor sign)")
    q.add_argument("vault")
    q.add_argument("--post", required=True)
    q.set_defaults(handler=cmd_tally_close)
    q = tally_sub.add_parser("override", parents=[parent], help="ask a supervisor to allow a reconciliation gap")
    q.add_argument("vault")
    q.add_argument("--post", required=True)
    q.add_argument("--reason", required=True)
    q.set_defaults(handler=cmd_tally_override)

    p = sub.add_parser("tokens", parents=[parent], help="one-time voting slips with QR (admin)")
    p.add_argument("vault")
    p.add_argument("--box", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--out", required=True, metavar="DIR")
    p.set_defaults(handler=cmd_tokens)

    p = sub.add_parser("vote", parents=[parent], help="the voting kiosk: electronic sealed ballots (tally)")
    p.add_argument("vault")
    p.add_argument("--box", required=True)
    p.add_argument("--token", help="cast one ballot without the kiosk screen (scripts)")
    p.add_argument("--ballot", action="append", default=[], metavar="POST=MARKS")
    p.set_defaults(handler=cmd_vote)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]


def cmd_box_create(args: argparse.Namespace) -> int:
    session = login(args)
    box = ballots.create_box(session, _split(args.posts), _split(args.officers), args.seal)
    emit(args, {"box": box.id, "posts": box.posts, "officers": box.officers, "k": box.k},
         t("box_created", box=box.id, posts=list(box.posts), k=box.k, n=len(box.officers)))
    return 0


def cmd_box_open(args: argparse.Namespace) -> int:
    session = login(args)
    tally = ballots.open_box(session, args.post, args.seal_broken is None, args.seal_broken or "",
                             args.issued, args.returned)
    emit(args, {"post": tally.post, "opened": tally.opened}, t("box_opened", post=tally.post))
    return 0


def cmd_box_recount(args: argparse.Namespace) -> int:
    session = login(args)
    tally = ballots.recount_box(session, args.post, args.issued, args.returned, args.reason)
    assert tally.opened is not None
    emit(args, {"post": tally.post, "opened": tally.opened, "recounts": tally.recounts},
         t("box_recounted", post=tally.post, issued=tally.opened["issued"], returned=tally.opened["returned"]))
    return 0


def _officer_passphrase(name: str, args: argparse.Namespace) -> str:
    if name == args.user:
        return read_passphrase(args, name)
    variable = "JZ_PASSPHRASE_" + "".join(ch if ch.isalnum() else "_" for ch in name).upper()
    if variable in os.environ:
        return os.environ[variable]
    import getpass
    import sys

    if sys.stdin.isatty():
        return getpass.getpass(t("prompt_passphrase", user=name))
    raise JzError("passphrase_needed")


def cmd_box_unseal(args: argparse.Namespace) -> int:
    session = login(args)
    names = _split(args.officers)
    identities = [session.identity if n == session.user else session.vault.unlock(n, _officer_passphrase(n, args))
                  for n in names]
    result = ballots.unseal(session, args.box, identities)
    emit(args, {"box": args.box.upper(), "ballots": {p: len(m) for p, m in result.items()}},
         t("box_unsealed", box=args.box.upper(), count=max((len(m) for m in result.values()), default=0)))
    return 0


MARK_LETTERS = frozenset("SBD-0123sbdYy")  # Y: named, on a recommendation (民主推荐)
_OPTION = re.compile(r"--?[a-z][a-z-]*(=.*)?$")  # ``--user``: the next option, not a ballot


def spell_marks(argv: list[str]) -> list[str]:
    """``--marks`` takes the next word whatever it looks like, as getopt does.

    argparse reads a word starting with ``-`` as an option (``--marks -S``) and drops ``--``
    even as a value (``--marks=--``); both are ordinary ballots, so they are handed on as
    ``--marks=…`` with blank marks spelled ``0``, a spelling argparse keeps. A ``--marks``
    with no marks after it is refused with how to write a blank ballot.
    """
    spelled: list[str] = []
    words = iter(argv)
    for word in words:
        if word == "--marks":
            value = next(words, None)
            if value is None or not value or _OPTION.match(value) and not set(value) <= MARK_LETTERS:
                raise Misuse("ballot_marks_missing")  # nothing after it, or the next option
            bad = next((letter for letter in value if letter not in MARK_LETTERS), None)
            if bad is not None:  # a mark that is none of S/B/D/0: named, not taken for a missing one
                raise Misuse("ballot_mark_invalid", mark=bad, marks=value)
            word = "--marks=" + value
        if word.startswith("--marks="):
            word = "--marks=" + word.removeprefix("--marks=").replace("-", "0")
        spelled.append(word)
    return spelled


def cmd_ballot_enter(args: argparse.Namespace) -> int:
    session = login(args)
    number = ballots.enter_ballot(session, args.post, args.marks, args.group, args.no)
    emit(args, {"no": number}, t("ballot_entered", no=number))
    return 0


def cmd_ballot_void(args: argparse.Namespace) -> int:
    session = login(args)
    number = ballots.void_ballot(session, args.post, args.reason, args.no)
    emit(args, {"no": number}, t("ballot_voided", no=number))
    return 0


def cmd_ballot_withdraw(args: argparse.Namespace) -> int:
    session = login(args)
    number = ballots.withdraw_ballot(session, args.post, args.no, args.reason)
    emit(args, {"no": number}, t("ballot_withdrawn", no=number))
    return 0


def view_payload(v: ballots.TallyView) -> dict:
    return {
        "post": v.post, "codes": v.codes, "counters": v.counters, "discrepancies": v.discrepancies,
        "valid": len(v.ballots), "void": v.void, "closed": v.closed,
        "reconciliation": None if v.reconciliation is None else {
            "issued": v.reconciliation.issued, "returned": v.reconciliation.returned,
            "problems": v.reconciliation.problems},
        "candidates": [{"code": r.code, "counts": r.counts, "score": None if r.score is None else str(r.score),
                        "dissatisfied_rate": r.rate_shown, "excluded": r.excluded} for r in v.results],
        "withdrawn": [{"officer": officer, "no": no, "reason": reason} for officer, no, reason in v.withdrawn],
    }


def cmd_tally_show(args: argparse.Namespace) -> int:
    session = login(args)
    v = ballots.officer_view(session, args.post)
    recounts = list(session.state.tally.posts[v.post].recounts)

    def text() -> str:
        lines = [t("tally_header", post=v.post, valid=len(v.ballots), void=v.void)]
        for r in recounts:
            lines.append(t("tally_recount_line", was_issued=r["was"][0], issued=r["issued"], was_returned=r["was"][1],
                           returned=r["returned"], officer=r["by"], reason=r["reason"]))
        if v.discrepancies:
            lines.append(t("tally_discrepancy_list", numbers=list(v.discrepancies)))
        for officer, no, reason in v.withdrawn:
            lines.append(t("tally_withdrawn_line", officer=officer, no=no, reason=reason))
        candidates = session.state.roster.candidates
        recommendation = any("votes" in r.counts for r in v.results)
        if recommendation:  # votes and not named, no rate
            header = ["tally_ui_col_code", "tally_ui_col_name", "tally_ui_col_votes", "tally_ui_col_not_named",
                      "tally_ui_col_score"]
            counts = ("votes", "blank")
        else:  # the columns and the rate as the tally screen shows them
            header = ["tally_ui_col_code", "tally_ui_col_name", "tally_ui_col_s", "tally_ui_col_b", "tally_ui_col_d",
                      "tally_ui_col_blank", "tally_ui_col_score", "tally_ui_col_rate"]
            counts = ("satisfied", "basic", "dissatisfied", "blank")
        rows = []
        for r in v.results:
            candidate = candidates.get(r.code)
            rate = [] if recommendation else [percent_text(r.rate_shown) if r.rate_shown else ""]
            rows.append([r.code, candidate.name if candidate else "", *(r.counts.get(k, 0) for k in counts),
                         "" if r.score is None else r.score, *rate])
        lines += text_table([t(key) for key in header], rows, right=set(range(2, len(header))), indent="  ")
        return "\n".join(lines)

    payload = view_payload(v)
    payload["recounts"] = [{key: r[key] for key in ("issued", "returned", "was", "reason", "by")} for r in recounts]
    emit(args, payload, text)
    return 0


def cmd_tally_close(args: argparse.Namespace) -> int:
    session = login(args)
    action = ballots.request_close(session, args.post)
    lines = pending.detail_lines(pending.details(session.state, action, session.user))  # what the co-signers see
    emit(args, {"pending": action.id, "missing": action.missing(), "details": lines},
         "\n".join([t("tally_close_pending_created", id=action.id), *lines]))
    return 0


def cmd_tally_override(args: argparse.Namespace) -> int:
    session = login(args)
    action = ballots.request_override(session, args.post, args.reason)
    lines = pending.detail_lines(pending.details(session.state, action, session.user))
    emit(args, {"pending": action.id, "details": lines}, "\n".join([t("tally_override_pending", id=action.id), *lines]))
    return 0


def cmd_tokens(args: argparse.Namespace) -> int:
    session = login(args)
    codes, files = ballots.write_tokens(session, args.box, args.count, args.out)
    emit(args, {"count": len(codes), "files": [str(f) for f in files]},
         t("tokens_written", count=len(codes), out=args.out))
    return 0


def cmd_vote(args: argparse.Namespace) -> int:
    if args.token is None:  # the kiosk screen: the operator logs in on it
        if args.ballot:
            raise Misuse("vote_kiosk_needs_terminal")
        Vault.open(args.vault).close()  # a missing file or a non-vault: one plain sentence, before the screen
        require_terminal("vote_kiosk_needs_terminal")
        from jz_tui.apps.kiosk_app import run_kiosk  # noqa: PLC0415 - Textual loads only for the kiosk

        return run_kiosk(Path(args.vault), args.box, user=args.user)
    session = login(args)
    choices = {}
    for pair in args.ballot:
        post, sep, marks = pair.partition("=")
        if not sep:
            raise Misuse("config_bad_assignment", text=pair)
        choices[post.strip().upper()] = marks
    ballots.cast(session, args.box, args.token, choices)
    emit(args, {"ok": True}, t("vote_cast"))
    return 0
