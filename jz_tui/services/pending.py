"""Actions that need several people: created pending, effective with the last signature.

The table :data:`ACTIONS` says who may start each action and whose signatures it needs;
``jz sign`` and the pending-signatures panel both go through :func:`sign`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jz_tui.services.session import Session
from storage.errors import AuthorityError, JzError
from storage.projection import PendingAction, SessionState


@dataclass(frozen=True)
class ActionRule:
    starters: frozenset[str]
    # roles and counts of signatures needed; a callable lets a count come from the rules
    required: Callable[[SessionState], dict[str, int]]
    creator_signs: bool = False  # starting the action counts as the starter's signature


def _fixed(**required: int) -> Callable[[SessionState], dict[str, int]]:
    return lambda state: dict(required)


def _tally_close(state: SessionState) -> dict[str, int]:
    from jz_tui.rules.settings import rules_from

    return {"tally": rules_from(state.roster.settings).officers_to_close, "supervisor": 1}


ACTIONS: dict[str, ActionRule] = {
    "checkin.undo": ActionRule(frozenset({"clerk", "admin"}), _fixed(supervisor=1)),
    "announce": ActionRule(frozenset({"scorer"}), _fixed(supervisor=1)),
    "sheet.correct": ActionRule(frozenset({"examiner"}), _fixed(scorer=1, supervisor=1)),
    "candidate.disqualify": ActionRule(frozenset({"admin"}), _fixed(supervisor=1)),
    "tally.override": ActionRule(frozenset({"tally"}), _fixed(supervisor=1)),
    "tally.close": ActionRule(frozenset({"tally"}), _tally_close, creator_signs=True),
}


_ID_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed by hand


def _new_id(state: SessionState) -> str:
    while True:
        candidate = "P" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(5))
        if candidate not in state.pending:
            return candidate


def create(session: Session, action: str, params: dict[str, Any], reason: str = "",
           restrict: dict[str, list[str]] | None = None) -> PendingAction:
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
            "required": rule.required(session.state),
            "restrict": restrict or {},
            "creator_signs": rule.creator_signs,
        },
    )
    return session.state.pending[record.data["id"]]


def sign(session: Session, action_id: str) -> PendingAction:
    session.refresh()
    action = session.state.pending.get(action_id.strip().upper())
    if action is None:
        raise JzError("pending_unknown", id=action_id)
    if action.done:
        raise JzError("pending_already_done", id=action.id)
    if session.user == action.created_by:
        raise JzError("pending_own", id=action.id)
    if any(user == session.user for user, _ in action.signatures):
        raise JzError("pending_already_signed", id=action.id)
    if action.missing().get(session.role, 0) <= 0:
        raise JzError("pending_not_your_role", id=action.id, role=session.role)
    if not action.can_sign(session.user, session.role):  # e.g. a tally officer of another box
        raise JzError("pending_not_listed", id=action.id, user=session.user)
    session.append("pending.sign", {"id": action.id})
    return session.state.pending[action.id]


def waiting_for(state: SessionState, user: str, role: str) -> list[PendingAction]:
    """Actions this user could sign now, oldest first."""
    return [a for a in state.pending.values() if a.can_sign(user, role)]


def open_actions(state: SessionState) -> list[PendingAction]:
    return [a for a in state.pending.values() if not a.done]
