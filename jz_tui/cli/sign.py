"""``jz sign VAULT ID | --list``: approve an action that needs several people."""

from __future__ import annotations

import argparse

from jz_tui.cli.common import Misuse, emit, login
from jz_tui.i18n import join_list, t
from jz_tui.services import pending, tally_secrecy
from storage.projection import PendingAction, SessionState


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("sign", parents=[parent], help="approve a pending action")
    p.add_argument("vault")
    p.add_argument("id", nargs="?", help="the pending action's id, e.g. P7K3Q")
    p.add_argument("--list", action="store_true", help="list what is pending")
    p.set_defaults(handler=cmd_sign)


def describe(action: PendingAction, state: SessionState | None = None, viewer: str = "",
             details: list[tuple[str, str]] | None = None) -> dict:
    """The action as JSON; ``details``: what it records in words (:func:`pending.details`), as
    the viewer may see them (computed from ``state`` when not given)."""
    params = action.params if state is None else tally_secrecy.withheld_params(state, viewer, action.action,
                                                                               action.params)
    if details is None and state is not None:
        details = pending.details(state, action, viewer)
    return {
        "id": action.id,
        "action": action.action,
        "params": params,
        "reason": action.reason,
        "created_by": action.created_by,
        "signatures": [{"user": u, "role": r} for u, r in action.signatures],
        "missing": action.missing(),
        "done": action.done,
        "details": [{"label": label, "value": value} for label, value in details or ()],
    }


def summary(action: PendingAction) -> str:
    missing = join_list(f"{t('role_' + role)}×{n}" for role, n in action.missing().items())
    return t("pending_line", id=action.id, action=t("action_" + action.action.replace(".", "_")),
             by=action.created_by, missing=missing or "-")


def text_block(action: PendingAction, details: list[tuple[str, str]]) -> list[str]:
    """What ``jz sign`` says of an action besides its summary line: the reason, then what it records."""
    return ["    " + line for line in [t("confirm_sign_reason", reason=action.reason or "-"),
                                        *pending.detail_lines(details)]]


def cmd_sign(args: argparse.Namespace) -> int:
    session = login(args)
    state = session.state
    if args.list:
        actions = pending.open_actions(state)
        mine = {a.id for a in pending.waiting_for(state, session.user, session.role)}
        payload, lines = [], []
        for a in actions:
            details = pending.details(state, a, session.user)
            payload.append({**describe(a, state, session.user, details), "you_can_sign": a.id in mine})
            lines += [("→ " if a.id in mine else "  ") + summary(a), *text_block(a, details)]
        emit(args, payload, "\n".join(lines or [t("pending_none")]))
        return 0
    if not args.id:
        raise Misuse("pending_id_needed")
    session.refresh()
    before = session.state.pending.get(args.id.strip().upper())
    # what was signed, as it stood when signed (once done, an announcement's own check says "already")
    details = pending.details(session.state, before, session.user) if before is not None else []
    action = pending.sign(session, args.id)
    done = "pending_signed_done" if action.done else "pending_signed_waiting"
    emit(args, describe(action, session.state, session.user, details),
         "\n".join([t(done, id=action.id, line=summary(action)), *text_block(action, details)]))
    return 0
