"""Actions that need several people (pending.create, pending.sign) and what each action is.

An action's kind says who may start it, whose signatures it needs (roles, how many, and
from which box), what its parameters must be, and what it does. None of that comes from
the event's body: the body names the action and its parameters, and the parameters are
checked against the state when the action is started and again when its last signature
lands (a tally's close must equal the count of the ballots entered; an announcement the
aggregate of the confirmed sheets); the effect is then derived from the state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jz_tui.events.ballots import officer_tally, sealed_box
from jz_tui.events.common import candidate, rules_of
from jz_tui.events.panels import check_recuse, recusable, recuse
from jz_tui.events.scores import valid_items
from jz_tui.rules.count import close as close_tally
from jz_tui.rules.count import close_problems, close_record
from jz_tui.rules.interview import announcement, label
from jz_tui.rules.settings import UNROUNDED_PLACES
from storage.events import Spec, declare, json_value, list_of, name, obj, one_of, require, text, user_name
from storage.events import decimal as decimal_text
from storage.ledger import Record
from storage.projection import PendingAction, SessionState
from storage.scoring_state import CONFIRMED

Params = dict[str, Any]


@dataclass(frozen=True)
class Action:
    """One kind of action that needs several people."""

    starters: frozenset[str]  # roles that may start it
    params: Spec  # the typed parameters
    required: Callable[[SessionState, Params], dict[str, int]]  # role -> signatures needed, from the rules
    check: Callable[[SessionState, str, Params], None]  # preconditions (state, starter, params), at start
    effect: Callable[[SessionState, Params], None]  # what it does when the last signature lands
    restrict: Callable[[SessionState, Params], dict[str, list[str]]] = lambda state, params: {}
    creator_signs: bool = False  # starting it counts as the starter's signature
    # preconditions again at the last signature (default: the start's, less "no other one pending")
    at_completion: Callable[[SessionState, str, Params], None] | None = None


# Roles whose screens list the actions waiting for them (the admin oversees them all).
SIGNER_ROLES = frozenset({"admin", "scorer", "tally", "supervisor"})


def _fixed(**required: int) -> Callable[[SessionState, Params], dict[str, int]]:
    return lambda state, params: dict(required)


# ---------------------------------------------------------------------- checkin.undo


def _check_undo(state: SessionState, starter: str, params: Params) -> None:
    candidate(state, params["code"])
    require(params["code"] in state.roster.checkins, "checkin_not_checked_in", code=params["code"])


def _undo(state: SessionState, params: Params) -> None:
    state.roster.checkins.pop(params["code"], None)


# ---------------------------------------------------------------------- announce


def _check_announce(state: SessionState, starter: str, params: Params) -> None:
    _announceable(state, starter, params)
    code = params["candidate"]
    require(state.waiting_for("announce", code) is None, "announce_already_pending", ref=label(state, code))


def _announceable(state: SessionState, starter: str, params: Params) -> None:
    code = params["candidate"]
    candidate(state, code)
    require(code not in state.scoring.announced, "sheet_already_announced", ref=label(state, code))
    expected = announcement(state, code, rules_of(state))
    require(expected is not None, "announce_incomplete", ref=label(state, code), confirmed="-", expected="-")
    require(params == expected, "event_figures_differ", action="announce")


def _announce(state: SessionState, params: Params) -> None:
    derived = announcement(state, params["candidate"], rules_of(state))
    assert derived is not None  # checked at the last signature
    state.scoring.announced[params["candidate"]] = derived


_ANNOUNCE = obj({"candidate": name, "number": name, "method": one_of("gymnastics", "per_item"),
                 "sheets": list_of(obj({"examiner": name, "total": decimal_text(places=4)}), 99),
                 "dropped": list_of(name, 99), "extremes_dropped": json_value, "result": decimal_text(places=UNROUNDED_PLACES)})

# ---------------------------------------------------------------------- sheet.correct


def _check_correct(state: SessionState, starter: str, params: Params) -> None:
    require(params["examiner"] == starter, "event_correct_other")
    _correctable(state, starter, params)


def _correctable(state: SessionState, starter: str, params: Params) -> None:
    code = params["candidate"]
    candidate(state, code)
    sheet = state.scoring.sheets.get((code, params["examiner"]))
    require(sheet is not None and sheet.status == CONFIRMED, "sheet_not_confirmed", ref=label(state, code))
    require(code not in state.scoring.announced, "sheet_already_announced", ref=label(state, code))
    require(valid_items(rules_of(state), params["items"]), "event_sheet_marks", ref=label(state, code))


def _correct(state: SessionState, params: Params) -> None:
    sheet = state.scoring.sheets[(params["candidate"], params["examiner"])]
    sheet.history.append({"items": sheet.items, "status": CONFIRMED, "reason": params.get("reason", "")})
    sheet.items = list(params["items"])


# ---------------------------------------------------------------------- candidate.disqualify


def _check_disqualify(state: SessionState, starter: str, params: Params) -> None:
    target = candidate(state, params["code"])
    require(target.disqualified is None, "candidate_already_disqualified", code=target.code)


def _disqualify(state: SessionState, params: Params) -> None:
    state.roster.candidates[params["code"]].disqualified = params["reason"]


# ---------------------------------------------------------------------- tally.override and tally.close


def _check_override(state: SessionState, starter: str, params: Params) -> None:
    officer_tally(state, starter, params["post"])


def _override(state: SessionState, params: Params) -> None:
    tally = state.tally.posts[params["post"]]
    tally.override = params
    tally.version += 1


def _officers(state: SessionState, params: Params) -> dict[str, list[str]]:
    box = state.tally.box_of(params["post"])
    return {"tally": list(box.officers) if box else []}


def _close_required(state: SessionState, params: Params) -> dict[str, int]:
    return {"tally": rules_of(state).officers_to_close, "supervisor": 1}


def _check_close(state: SessionState, starter: str, params: Params) -> None:
    post = params["post"]
    officer_tally(state, starter, post)
    problems = close_problems(state, post)
    if problems:
        require(False, problems[0].key, **problems[0].params)
    require(params == close_record(state, post), "event_figures_differ", action="tally.close")


def _closable(state: SessionState, starter: str, params: Params) -> None:
    post = params["post"]
    tally = state.tally.posts.get(post)
    require(tally is not None and tally.closed is None, "tally_closed", post=post)
    require(params == close_record(state, post), "event_figures_differ", action="tally.close")


def _close(state: SessionState, params: Params) -> None:
    close_tally(state, params["post"])


# ---------------------------------------------------------------------- box.unseal


def _check_unseal(state: SessionState, starter: str, params: Params) -> None:
    box = sealed_box(state, params["box"])
    require(starter in box.officers, "event_not_box_officer", user=starter, box=box.id)
    require(not box.unseal_signed and state.waiting_for("box.unseal", box.id) is None, "box_unsealing", box=box.id)


def _still_sealed(state: SessionState, starter: str, params: Params) -> None:
    sealed_box(state, params["box"])


def _unseal_signed(state: SessionState, params: Params) -> None:
    state.tally.boxes[params["box"]].unseal_signed = True


def _box_officers(state: SessionState, params: Params) -> dict[str, list[str]]:
    box = state.tally.boxes.get(params["box"])
    return {"tally": list(box.officers) if box else []}


def _box_k(state: SessionState, params: Params) -> dict[str, int]:
    box = state.tally.boxes.get(params["box"])
    return {"tally": box.k if box else 1}


_CLOSE = obj({"post": name, "box": name, "seal_intact": json_value, "issued": json_value, "returned": json_value,
              "valid": json_value, "void": json_value, "electronic": json_value, "candidates": json_value},
             {"withdrawn": json_value, "ballot": json_value})

ACTIONS: dict[str, Action] = {
    "checkin.undo": Action(frozenset({"clerk", "admin"}), obj({"code": name}), _fixed(supervisor=1),
                           _check_undo, _undo),
    "announce": Action(frozenset({"scorer"}), _ANNOUNCE, _fixed(supervisor=1), _check_announce, _announce,
                       at_completion=_announceable),
    "sheet.correct": Action(frozenset({"examiner"}),
                            obj({"candidate": name, "examiner": name,
                                 "items": list_of(decimal_text(places=2), 50, 1)}),
                            _fixed(scorer=1, supervisor=1), _check_correct, _correct, at_completion=_correctable),
    "candidate.disqualify": Action(frozenset({"admin"}), obj({"code": name, "reason": text(2000, empty=False)}),
                                   _fixed(supervisor=1), _check_disqualify, _disqualify),
    "tally.override": Action(frozenset({"tally"}), obj({"post": name}), _fixed(supervisor=1),
                             _check_override, _override),
    "tally.close": Action(frozenset({"tally"}), _CLOSE, _close_required, _check_close, _close,
                          restrict=_officers, creator_signs=True, at_completion=_closable),
    # k officers of the box, each unlocking their own share at the unsealing: only then may the
    # held ballots be mixed in and the box be opened (box.mix, box.unseal)
    "box.unseal": Action(frozenset({"tally"}), obj({"box": name}), _box_k, _check_unseal, _unseal_signed,
                         restrict=_box_officers, creator_signs=True, at_completion=_still_sealed),
    # 回避: an examiner (or a scorer for them) with the reason, a supervisor co-signs; the examiner is
    # then neither expected on the candidate nor may score them (jz_tui/events/panels.py)
    "examiner.recuse": Action(frozenset({"examiner", "scorer"}),
                              obj({"candidate": name, "examiner": user_name, "reason": text(2000, empty=False)}),
                              _fixed(supervisor=1), check_recuse, recuse, at_completion=recusable),
}




# ---------------------------------------------------------------------- the two events


def subject_of(params: Params) -> str:
    """What an action is about, for finding the one waiting: a post, a candidate, or a check-in's code."""
    return str(params.get("post") or params.get("candidate") or params.get("code") or params.get("box") or "")


def _check_create(state: SessionState, record: Record) -> None:
    data = record.data
    action = ACTIONS[data["action"]]
    require(data["id"] not in state.pending, "event_pending_id_taken", id=data["id"])
    role = state.users[record.actor].role
    require(role in action.starters, "not_authorised", user=record.actor, role=role, kind=data["action"])
    action.params(data["params"], "params")
    action.check(state, record.actor, data["params"])
    if action.creator_signs and _completes(state, action, data["params"], [(record.actor, role)]):
        (action.at_completion or action.check)(state, record.actor, data["params"])


def _completes(state: SessionState, action: Action, params: Params, signatures: list[tuple[str, str]]) -> bool:
    required = action.required(state, params)
    return all(sum(1 for _, r in signatures if r == role) >= n for role, n in required.items())


def _apply_create(state: SessionState, record: Record) -> None:
    data = record.data
    action = ACTIONS[data["action"]]
    pending = PendingAction(
        data["id"], data["action"], data["params"], data["reason"], record.actor, record.seq,
        action.required(state, data["params"]), [], action.restrict(state, data["params"]),
    )
    role = state.users[record.actor].role
    if action.creator_signs and role in pending.required:
        pending.signatures.append((record.actor, role))  # starting it is their signature
    state.pending[pending.id] = pending
    state.waiting[(pending.action, subject_of(pending.params))] = pending.id
    if not pending.missing():
        _complete(state, pending, record.seq)


def _check_sign(state: SessionState, record: Record) -> None:
    pending = state.pending.get(record.data["id"])
    require(pending is not None, "pending_unknown", id=record.data["id"])
    assert pending is not None
    role = state.users[record.actor].role
    require(not pending.done, "pending_already_done", id=pending.id)
    require(record.actor != pending.created_by, "pending_own", id=pending.id)
    require(all(user != record.actor for user, _ in pending.signatures), "pending_already_signed", id=pending.id)
    require(pending.missing().get(role, 0) > 0, "pending_not_your_role", id=pending.id, role=role)
    require(pending.can_sign(record.actor, role), "pending_not_listed", id=pending.id, user=record.actor)
    missing = pending.missing()
    if missing == {role: 1}:  # this signature completes it: what it records must still hold
        action = ACTIONS[pending.action]
        (action.at_completion or action.check)(state, pending.created_by, pending.params)


def _apply_sign(state: SessionState, record: Record) -> None:
    pending = state.pending[record.data["id"]]
    pending.signatures.append((record.actor, state.users[record.actor].role))
    if not pending.missing():
        _complete(state, pending, record.seq)


def _complete(state: SessionState, pending: PendingAction, seq: int) -> None:
    pending.done_seq = seq
    ACTIONS[pending.action].effect(state, {**pending.params, "reason": pending.reason}
                                   if pending.action == "sheet.correct" else pending.params)


declare("pending.create", roles={"admin", "clerk", "examiner", "scorer", "tally"},
        body=obj({"id": name, "action": one_of(*ACTIONS), "params": json_value, "reason": text(2000)}),
        check=_check_create, apply=_apply_create,
        doc="An action started: who may start it and whose signatures it needs come from ACTIONS.")
# Any user may try to sign: whether their signature is one the action needs is its kind's to say.
declare("pending.sign", roles={"admin", "clerk", "examiner", "scorer", "tally", "supervisor"}, body=obj({"id": name}),
        check=_check_sign, apply=_apply_sign,
        doc="A signature on a pending action; the last one needed makes it take effect.")
