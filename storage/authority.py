"""Who may emit which kind of event.

This table is the single statement of authority: the append path refuses an event
whose actor lacks the role, and ``verify`` refuses the same on replay, so an event
forged by a legitimate but unauthorised key is caught either way.
"""

from __future__ import annotations

ROLES: tuple[str, ...] = ("admin", "clerk", "examiner", "scorer", "tally", "supervisor")

_ALL = frozenset(ROLES)
_ADMIN = frozenset({"admin"})
_HALL = frozenset({"admin", "clerk"})
_SIGNERS = frozenset({"admin", "scorer", "tally", "supervisor"})

KIND_ROLES: dict[str, frozenset[str]] = {
    # the vault and its people
    "vault.init": _ADMIN,
    "user.add": _ADMIN,
    "user.passwd": _ALL,
    "vault.rekey": _ADMIN,
    # rules and roster
    "config.set": _ADMIN,
    "roster.import": _ADMIN,
    "candidate.edit": _ADMIN,
    "candidate.withdraw": _ADMIN,
    "candidate.disqualify": _ADMIN,
    "tickets.issue": _ADMIN,
    # the hall
    "checkin.accept": _HALL,
    "checkin.refuse": _HALL,
    "checkin.absent": _ADMIN,
    "draw.commit": _HALL,
    "draw.reveal": _HALL,
    # scores
    "written.import": _ADMIN,
    "sheet.submit": frozenset({"examiner"}),
    "sheet.withdraw": frozenset({"examiner"}),
    "sheet.confirm": frozenset({"scorer"}),
    "sheet.reject": frozenset({"scorer"}),
    # ballots
    "box.create": _ADMIN,
    "box.open": frozenset({"tally"}),
    "ballot.enter": frozenset({"tally"}),
    "ballot.void": frozenset({"tally"}),
    "tokens.issue": _ADMIN,
    "token.spend": frozenset({"tally"}),
    "box.mix": frozenset({"tally"}),
    "box.unseal": frozenset({"tally"}),
    # actions needing several signatures (announce, close a tally, undo a check-in, ...)
    "pending.create": frozenset({"admin", "clerk", "examiner", "scorer", "tally"}),
    "pending.sign": _SIGNERS,
    # after the ranking
    "publication.freeze": frozenset({"supervisor"}),
    "inspection.note": _ADMIN,
    # several halls
    "hall.add": _ADMIN,
    "hall.import": _ADMIN,
    "decision.record": _ADMIN,
}


def may_emit(role: str, kind: str) -> bool:
    return role in KIND_ROLES.get(kind, frozenset())
