"""``jz sign VAULT ID | --list``: approve an action that needs several people."""

from __future__ import annotations

import argparse

from jz_tui.cli.common import Misuse, emit, login
from jz_tui.i18n import t
from jz_tui.services import pending, tally_secrecy
from storage.projection import PendingAction, SessionState


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("sign", parents=[parent], help="approve a pending action / 会签")
    p.add_argument("vault")
    p.add_argument("id", nargs="?", help="the pending action's id, e.g. P7K3Q")
    p.add_argument("--list", action="store_true", help="list what is pending")
    p.set_defaults(handler=cmd_sign)


def describe(action: PendingAction, state: SessionState | None = None, viewer: str = "") -> dict:
    params = action.params if state is None else tally_secrecy.withheld_params(state, viewer, action.action,
                                                                               action.params)
    return {
        "id": action.id,
        "action": action.action,
        "params": params,
        "reason": action.reason,
        "created_by": action.created_by,
        "signatures": [{"user": u, "role": r} for u, r in action.signatures],
        "missing": action.missing(),
        "done": action.done,
    }


def summary(action: PendingAction) -> str:
    missing = ", ".join(f"{t('role_' + role)}×{n}" for role, n in action.missing().items())
    return t("pending_line", id=action.id, action=t("action_" + action.action.replace(".", "_")),
             by=action.created_by, missing=missing or "-")


def cmd_sign(args: argparse.Namespace) -> int:
    session = login(args)
    if args.list:
        actions = pending.open_actions(session.state)
        mine = {a.id for a in pending.waiting_for(session.state, session.user, session.role)}
        payload = [{**describe(a, session.state, session.user), "you_can_sign": a.id in mine} for a in actions]
        lines = [("→ " if a.id in mine else "  ") + summary(a) for a in actions] or [t("pending_none")]
        emit(args, payload, "\n".join(lines))
        return 0
    if not args.id:
        raise Misuse("pending_id_needed")
    action = pending.sign(session, args.id)
    key = "pending_signed_done" if action.done else "pending_signed_waiting"
    emit(args, describe(action, session.state, session.user), t(key, id=action.id, line=summary(action)))
    return 0
