"""Actions that need several people: created pending, effective with the last signature.

Each action's kind (``jz_tui/events/pending.py``: :data:`ACTIONS`) says who may start it,
whose signatures it needs and what it does; ``jz sign`` and the pending-signatures panel
both go through :func:`sign`, and the declaration of ``pending.sign`` judges it. What a
signature approves, in words and figures, is :func:`details` (for the signatures screen's
confirmation, ``jz sign --list`` and its ``--json`` alike).
"""

from __future__ import annotations

import secrets
from typing import Any

from jz_tui.events.pending import ACTIONS
from jz_tui.i18n import t
from jz_tui.rules import pending_details
from jz_tui.services import tally_secrecy
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


def sign(session: Session, action_id: str, seen: list[tuple[str, str]] | None = None) -> PendingAction:
    """Sign a pending action; the declaration of ``pending.sign`` says whether this user may.

    ``seen``: the :func:`details` the signer was shown; when what the action records has
    changed since (another signature, a sheet corrected), nothing is signed."""
    session.refresh()
    key = action_id.strip().upper()
    if key not in session.state.pending:
        raise JzError("pending_unknown", id=action_id)
    if seen is not None and details(session.state, session.state.pending[key], session.user) != list(seen):
        raise JzError("sign_details_changed", id=key)
    session.append("pending.sign", {"id": key})
    return session.state.pending[key]


def waiting_for(state: SessionState, user: str, role: str) -> list[PendingAction]:
    """Actions this user could sign now, oldest first."""
    return [a for a in state.pending.values() if a.can_sign(user, role)]


def open_actions(state: SessionState) -> list[PendingAction]:
    return [a for a in state.pending.values() if not a.done]


def details(state: SessionState, action: PendingAction, viewer: str) -> list[tuple[str, str]]:
    """What ``action`` will record, as (label, value) lines in words, as ``viewer`` may see them
    (:func:`preview` of its kind and parameters)."""
    return preview(state, action.action, action.params, viewer)


def preview(state: SessionState, action: str, params: dict[str, Any], viewer: str) -> list[tuple[str, str]]:
    """What an action of kind ``action`` with ``params`` would record, as (label, value) lines in
    words, as ``viewer`` may see them: for a confirmation before it is started, too.

    The lines are :func:`jz_tui.rules.pending_details.details`; a post's partial counts are
    :data:`~jz_tui.services.tally_secrecy.WITHHELD` for a viewer who may not see them (the same
    rule as :func:`~jz_tui.services.tally_secrecy.withheld_params`), and an examiner sees
    candidates by interview number only."""
    user = state.users.get(viewer)
    names = user is None or user.role != "examiner"
    shown: list[tuple[str, str]] = []
    for line in pending_details.details(state, action, params, names=names):
        figures, label, value = dict(line.params), line.label, line.value
        if line.secret and not tally_secrecy.may_see_count(state, viewer, line.counts_of):
            figures.update({name: tally_secrecy.WITHHELD for name in line.secret}, withheld=tally_secrecy.WITHHELD)
            label, value = line.withheld_label or label, line.withheld or value
            if line.withheld_label and shown and shown[-1] == (t(label, **figures), t(value, **figures)):
                continue  # every candidate's counts withheld alike: said once
        shown.append((t(label, **figures), t(value, **figures)))
    return shown


def details_of(session: Session, action_id: str) -> list[tuple[str, str]]:
    """:func:`details` of the action ``action_id`` for this session's user, from the ledger as it is now."""
    session.refresh()
    action = session.state.pending.get(action_id.strip().upper())
    if action is None:
        raise JzError("pending_unknown", id=action_id)
    return details(session.state, action, session.user)


def detail_lines(lines: list[tuple[str, str]]) -> list[str]:
    """The lines of :func:`details`, one "label: value" each."""
    return [t("sign_detail_line", label=label, value=value) for label, value in lines]
