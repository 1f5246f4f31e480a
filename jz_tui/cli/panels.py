"""``jz panel set|replace|draw|show`` and ``jz recuse``: examiner panels (考官组) and recusals (回避)."""

from __future__ import annotations

import argparse

from jz_tui.cli.common import Misuse, emit, login
from jz_tui.i18n import join_list, t
from jz_tui.services import panels


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("panel", help="examiner panels")
    panel_sub = p.add_subparsers(dest="panel_command", metavar="ACTION", required=True)

    q = panel_sub.add_parser("set", parents=[parent], help="a panel and its chief (admin)")
    q.add_argument("vault")
    q.add_argument("--panel", required=True, help="the panel's (or room's) name, e.g. R1")
    q.add_argument("--posts", default="", help="the posts it scores, comma-separated (none: the session's one panel)")
    q.add_argument("--examiners", required=True, help="its members, comma-separated")
    q.add_argument("--chief", required=True, help="the chief examiner (one of the members)")
    q.set_defaults(handler=cmd_set)

    q = panel_sub.add_parser("replace", parents=[parent], help="replace a member mid-session (admin)")
    q.add_argument("vault")
    q.add_argument("--panel", required=True)
    q.add_argument("--examiner", required=True, help="the member replaced")
    q.add_argument("--by", required=True, help="the examiner who takes over")
    q.add_argument("--reason", required=True)
    q.set_defaults(handler=cmd_replace)

    q = panel_sub.add_parser("draw", parents=[parent], help="draw panels by lot (admin; rules: draw_panels)")
    q.add_argument("vault")
    q.add_argument("--panel", action="append", required=True, metavar="ID:POSTS:CHIEF:SIZE",
                   help="a panel to draw, e.g. R1:A,B:e1:5 (POSTS empty: the session's one panel)")
    q.add_argument("--pool", help="the examiners drawn from, comma-separated (default: all but the chiefs)")
    q.set_defaults(handler=cmd_draw)

    q = panel_sub.add_parser("show", parents=[parent], help="the panels as they stand")
    q.add_argument("vault")
    q.set_defaults(handler=cmd_show)

    p = sub.add_parser("recuse", parents=[parent], help="an examiner recuses from a candidate (a supervisor signs)")
    p.add_argument("vault")
    p.add_argument("--candidate", required=True, help="interview number (A01-3) or candidate code")
    p.add_argument("--examiner", help="the examiner who recuses (default: you, an examiner)")
    p.add_argument("--reason", required=True)
    p.set_defaults(handler=cmd_recuse)


def _names(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").replace("，", ",").split(",") if part.strip()]


def _spec(text: str) -> panels.PanelSpec:
    parts = text.split(":")
    if len(parts) != 4 or not parts[0].strip() or not parts[2].strip():
        raise Misuse("panel_spec_bad", value=text)
    try:
        size = int(parts[3])
    except ValueError:
        raise Misuse("panel_spec_bad", value=text) from None
    return panels.PanelSpec(parts[0].strip(), tuple(_names(parts[1])), parts[2].strip(), size)


def _line(panel: dict) -> str:
    posts = join_list(panel["posts"]) or t("panel_all_posts")
    members = join_list(panel["members"])
    text = t("panel_line", panel=panel["panel"], posts=posts, chief=panel["chief"], members=members)
    for r in panel["replaced"]:
        text += "\n  " + t("panel_replaced_line", examiner=r["examiner"], by=r["by"], reason=r["reason"])
    return text


def cmd_set(args: argparse.Namespace) -> int:
    session = login(args)
    panels.set_panel(session, args.panel, _names(args.posts), _names(args.examiners), args.chief)
    shown = next(p for p in panels.overview(session.state) if p["panel"] == args.panel.strip())
    emit(args, shown, t("panel_saved") + "\n" + _line(shown))
    return 0


def cmd_replace(args: argparse.Namespace) -> int:
    session = login(args)
    panels.replace(session, args.panel, args.examiner, args.by, args.reason)
    shown = next(p for p in panels.overview(session.state) if p["panel"] == args.panel.strip())
    emit(args, shown, _line(shown))
    return 0


def cmd_draw(args: argparse.Namespace) -> int:
    specs = [_spec(text) for text in args.panel]
    session = login(args)
    members = panels.draw(session, specs, _names(args.pool) if args.pool is not None else None)
    draw = session.state.scoring.panel_draw
    assert draw is not None
    shown = [p for p in panels.overview(session.state) if p["panel"] in members]
    emit(args, {"seed_hash": draw.seed_hash, "seed": draw.seed, "panels": shown},
         lambda: "\n".join([t("panel_drawn", seed=draw.seed or "", hash=draw.seed_hash), *map(_line, shown)]))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    session = login(args)
    shown = panels.overview(session.state)
    recused = panels.recusals(session.state)

    def text() -> str:
        lines = [_line(p) for p in shown] or [t("panel_none_set")]
        lines += [t("recusal_line", candidate=r["candidate"], examiner=r["examiner"], reason=r["reason"])
                  for r in recused]
        return "\n".join(lines)

    emit(args, {"panels": shown, "recused": recused}, text)
    return 0


def cmd_recuse(args: argparse.Namespace) -> int:
    session = login(args)
    action = panels.recuse(session, args.candidate, args.reason, args.examiner)
    emit(args, {"pending": action.id, **action.params},
         t("recuse_pending_created", id=action.id, examiner=action.params["examiner"],
           ref=panels.label(session.state, action.params["candidate"])))
    return 0
