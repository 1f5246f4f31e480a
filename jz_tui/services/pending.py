"""Actions that need several people: created pending, effective with the last signature.

Each action's kind (``jz_tui/events/pending.py``: :data:`ACTIONS`) says who may start it,
whose signatures it needs and what it does; ``jz sign`` and the pending-signatures panel
both go through :func:`sign`, and the declaration of ``pending.sign`` judges it.
"""

from __future__ import annotations

import secrets
from typing import Any

from jz_tui.events.pending import ACTIONS
from jz_tui.services.session import Session
from storage.errors import AuthorityError, JzError
from storage.projection import PendingAction, SessionState


_ID_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed by hand


def _new_id(state: SessionState) -> str:
    while True:
        candidate = "P" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(5))
        if candidate not in state.pending:
            return candidate


def create(session: Session, action: str, params: dict[str, Any], reason: str = "") -> PendingAction:
    rule = ACTIONS.get(action)
    if rule is None:
        raise JzError("pending_action_unknown", action=action)
    if session.role not in rule.starters:
        raise AuthorityError("not_authorised", user=session.user, role=session.role, kind=action)
    session.refresh()
    record = session.append(
        "pending.create",
        {
            "id": _new_id(session.state),
            "action": action,
            "params": params,
            "reason": reason,
        },
    )
    return session.state.pending[record.data["id"]]


def sign(session: Session, action_id: str) -> PendingAction:
    """Sign a pending action; the declaration of ``pending.sign`` says whether this user may."""
    session.refresh()
    key = action_id.strip().upper()
    if key not in session.state.pending:
        raise JzError("pending_unknown", id=action_id)
    session.append("pending.sign", {"id": key})
    return session.state.pending[key]


def waiting_for(state: SessionState, user: str, role: str) -> list[PendingAction]:
    """Actions this user could sign now, oldest first."""
    return [a for a in state.pending.values() if a.can_sign(user, role)]


def open_actions(state: SessionState) -> list[PendingAction]:
    return [a for a in state.pending.values() if not a.done]
