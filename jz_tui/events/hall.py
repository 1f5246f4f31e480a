"""The hall: the rules, the roster, tickets, check-in and the drawn interview order."""

from __future__ import annotations

from jz_tui.events.common import candidate, post_exists
from jz_tui.rules import idcard
from jz_tui.rules.draw import order_from_seed, seed_hash
from jz_tui.rules.settings import BALLOT_SHAPE_KEYS, RuleError, settings_from, validate_changes
from storage.events import (
    boolean,
    declare,
    dict_of,
    hexstr,
    integer,
    json_value,
    list_of,
    name,
    obj,
    one_of,
    require,
    text,
)
from storage.ledger import Record
from storage.projection import SessionState
from storage.roster_state import Candidate, CheckIn, Draw, Post

_HALL = {"admin", "clerk"}
ESTABLISHMENTS = ("行政", "参公", "事业", "")

# ---------------------------------------------------------------------- rules


def _check_config(state: SessionState, record: Record) -> None:
    changes = record.data["changes"]
    require(bool(changes), "config_nothing")
    current = settings_from(state.roster.settings)
    try:
        clean = validate_changes(changes, current)
    except RuleError as error:
        require(False, error.key, **error.params)
    require(clean == changes, "event_config_not_canonical")
    ballot_shape_fixed(state, clean, current)
    panels_fixed(state, clean, current)


PANEL_KEYS = ("interview.panels", "interview.draw_panels")


def panels_fixed(state: SessionState, clean: dict, current: dict) -> None:
    """How examiners are grouped is fixed once a panel is set or a sheet is submitted: who is
    expected on a candidate must not change under the sheets already there."""
    if not (state.scoring.panels or state.scoring.sheets):
        return
    for key in PANEL_KEYS:
        if key in clean and clean[key] != current.get(key):
            require(False, "rule_panels_after_scoring", rule=key)


def ballot_shape_fixed(state: SessionState, clean: dict, current: dict) -> None:
    """What a ballot looks like (evaluation or recommendation, how many names) is fixed once a box
    exists: ballots may have been printed, cast at the kiosk or entered to it."""
    if not state.tally.boxes:
        return
    for key in BALLOT_SHAPE_KEYS:
        if key in clean and clean[key] != current.get(key):
            require(False, "rule_ballot_after_box", rule=key, box=next(iter(state.tally.boxes)))


def _apply_config(state: SessionState, record: Record) -> None:
    state.roster.settings.update(record.data["changes"])
    state.roster.rules_cache = None


declare("config.set", roles={"admin"}, body=obj({"changes": dict_of(text(100), json_value, 200)}),
        check=_check_config, apply=_apply_config,
        doc="Rules changed; every value as `jz config` validates it against the rules in force.")

# ---------------------------------------------------------------------- roster

_POST = obj({"code": name, "name": text(200, empty=False), "seats": integer(1, 10_000),
             "department": text(200), "open": boolean})
_CANDIDATE = obj({"code": name, "post": name, "name": text(40, empty=False), "id_number": text(18),
                  "unit": text(200), "establishment": one_of(*ESTABLISHMENTS), "department": text(200),
                  "exam_no": text(64)})


def _check_roster(state: SessionState, record: Record) -> None:
    roster = state.roster
    posts = {p["code"]: p for p in record.data["posts"]}
    require(len(posts) == len(record.data["posts"]), "event_roster_duplicate")
    require(not any(code in roster.posts for code in posts), "event_roster_duplicate")
    require(bool(posts) or bool(record.data["candidates"]), "table_empty", path="")
    ids = {c.id_number for c in roster.candidates.values() if c.id_number}
    codes = set(roster.candidates)
    for c in record.data["candidates"]:
        post = posts.get(c["post"]) or (roster.posts[c["post"]].__dict__ if c["post"] in roster.posts else None)
        require(post is not None, "post_unknown", post=c["post"])
        require(bool(post["open"]), "roster_post_closed", value=c["post"])
        require(c["code"] not in codes, "roster_duplicate_code", value=c["code"])
        codes.add(c["code"])
        if c["id_number"]:
            require(not idcard.problem(c["id_number"]), "event_roster_id")
            require(c["id_number"] not in ids, "event_roster_id")
            ids.add(c["id_number"])


def _apply_roster(state: SessionState, record: Record) -> None:
    roster = state.roster
    for post in record.data["posts"]:
        roster.posts[post["code"]] = Post(post["code"], post["name"], post["seats"], post["department"], post["open"])
    for c in record.data["candidates"]:
        roster.candidates[c["code"]] = Candidate(
            c["code"], c["post"], c["name"], c["id_number"], c["unit"], c["establishment"],
            c["department"], c["exam_no"], len(roster.candidates),
        )
    roster.roster_changed()


declare("roster.import", roles={"admin"},
        body=obj({"posts": list_of(_POST, 10_000), "candidates": list_of(_CANDIDATE, 100_000)}),
        check=_check_roster, apply=_apply_roster,
        doc="Posts and candidates, all or nothing; codes and ID numbers unique, candidates on open posts.")

EDITABLE = ("name", "id_number", "unit", "establishment")


def _check_edit(state: SessionState, record: Record) -> None:
    target = candidate(state, record.data["code"])
    changes = record.data["changes"]
    require(bool(changes), "config_nothing")
    if "id_number" in changes:
        require(not idcard.problem(changes["id_number"]), "event_roster_id")
        require(all(c.id_number != changes["id_number"] for c in state.roster.candidates.values()
                    if c.code != target.code), "event_roster_id")


def _apply_edit(state: SessionState, record: Record) -> None:
    target = state.roster.candidates[record.data["code"]]
    for key, value in record.data["changes"].items():
        setattr(target, key, value)
    target.edits.append({"seq": record.seq, "by": record.actor, **record.data})


declare("candidate.edit", roles={"admin"},
        body=obj({"code": name, "reason": text(2000, empty=False),
                  "changes": obj({}, {"name": text(40, empty=False), "id_number": text(18, empty=False),
                                      "unit": text(2000, empty=False), "establishment": one_of(*ESTABLISHMENTS)})}),
        check=_check_edit, apply=_apply_edit, doc="A candidate's details corrected, with a reason.")


def _check_withdraw(state: SessionState, record: Record) -> None:
    target = candidate(state, record.data["code"])
    require(target.withdrawn is None, "candidate_already_withdrawn", code=target.code)


def _apply_withdraw(state: SessionState, record: Record) -> None:
    target = state.roster.candidates[record.data["code"]]
    target.withdrawn = record.data["reason"]
    target.withdrawn_seq = record.seq


declare("candidate.withdraw", roles={"admin"}, body=obj({"code": name, "reason": text(2000, empty=False)}),
        check=_check_withdraw, apply=_apply_withdraw, doc="A candidate withdrew; the next one moves up.")

# ---------------------------------------------------------------------- tickets and check-in


def _check_tickets(state: SessionState, record: Record) -> None:
    require(bool(record.data["nonces"]), "tickets_no_roster")
    for code in record.data["nonces"]:
        candidate(state, code)


def _apply_tickets(state: SessionState, record: Record) -> None:
    roster = state.roster
    issuer = state.users[record.actor].public_key  # the judge has found the actor an admin
    for code, nonce in record.data["nonces"].items():
        roster.ticket_nonces[code] = nonce  # a new nonce revokes the ticket before it
        keys = roster.ticket_keys.setdefault(code, [])
        if issuer not in keys:  # an admin who issued (or vouched for) a ticket of this candidate
            keys.append(issuer)


declare("tickets.issue", roles={"admin"},
        body=obj({"nonces": dict_of(name, hexstr(8))}),
        check=_check_tickets, apply=_apply_tickets,
        doc="Admission tickets: a nonce per candidate, signed by the issuing admin's own key (no ticket key in "
            "the body: every user reads it).")


def may_check_in(state: SessionState, code: str) -> None:
    """Nobody checks in twice, nor after withdrawing or being marked absent (codes only: a
    refusal may reach a log)."""
    target = candidate(state, code)
    require(target.withdrawn is None, "event_checkin_withdrawn", code=code)
    earlier = state.roster.checkins.get(code)
    require(earlier is None, "event_checkin_already", code=code, seq=earlier.seq if earlier else "-")
    require(code not in state.roster.absent, "event_checkin_absent", code=code)


def _check_checkin(state: SessionState, record: Record) -> None:
    may_check_in(state, record.data["code"])


def _apply_checkin(state: SessionState, record: Record) -> None:
    code = record.data["code"]
    state.roster.checkins[code] = CheckIn(record.at, record.actor, record.data["terminal"], record.seq)


declare("checkin.accept", roles=_HALL,
        body=obj({"code": name, "terminal": text(100), "via": one_of("pick", "ticket", "search")}),
        check=_check_checkin, apply=_apply_checkin, doc="A candidate checked in at the hall.")

REFUSALS = ("not_found", "unknown", "withdrawn", "already", "absent", "forged", "other_session", "revoked")


def _apply_refuse(state: SessionState, record: Record) -> None:
    state.roster.refusals.append((record.seq, record.data["reason"]))


declare("checkin.refuse", roles=_HALL,
        body=obj({"reason": one_of(*REFUSALS), "input": text(200), "terminal": text(100), "code": text(64)}),
        apply=_apply_refuse, doc="A check-in refused at the desk (what was typed or scanned, and why).")


def _check_absent(state: SessionState, record: Record) -> None:
    for code in record.data["codes"]:
        target = candidate(state, code)
        earlier = state.roster.checkins.get(code)
        require(earlier is None, "event_checkin_already", code=code, seq=earlier.seq if earlier else "-")
        require(target.withdrawn is None, "event_checkin_withdrawn", code=code)
        hall = state.roster.hall_checkins.get(code)
        require(hall is None, "absent_checked_in_at_hall", code=code, hall=hall or "-")


def _apply_absent(state: SessionState, record: Record) -> None:
    state.roster.absent.update(record.data["codes"])


declare("checkin.absent", roles={"admin"}, body=obj({"codes": list_of(name, 100_000, 1, unique=True)}),
        check=_check_absent, apply=_apply_absent, doc="At the cut-off: those not checked in are absent.")

# ---------------------------------------------------------------------- the draw


def eligible_for_draw(state: SessionState, post: str) -> list[str]:
    """The post's candidates checked in and not withdrawn, in code order."""
    roster = state.roster
    return sorted(c.code for c in roster.candidates_of(post) if c.code in roster.checkins and c.withdrawn is None)


def _check_commit(state: SessionState, record: Record) -> None:
    post = record.data["post"]
    post_exists(state, post)
    existing = state.roster.draws.get(post)
    require(existing is None or existing.reveal_seq is None, "verify_draw_redrawn")
    require(record.data.get("supersedes") == (existing.commit_seq if existing else None), "event_draw_supersedes")
    require(record.data["candidates"] == eligible_for_draw(state, post), "verify_draw_candidates")
    require(bool(record.data["candidates"]), "draw_nobody_checked_in", post=post)


def _apply_commit(state: SessionState, record: Record) -> None:
    data = record.data
    state.roster.draws[data["post"]] = Draw(data["post"], data["seed_hash"], list(data["candidates"]), record.seq)


declare("draw.commit", roles=_HALL,
        body=obj({"post": name, "seed_hash": hexstr(32), "candidates": list_of(name, 10_000, unique=True)},
                 {"supersedes": integer(1)}),
        check=_check_commit, apply=_apply_commit,
        doc="The hash of the draw's seed, and exactly the post's candidates checked in now.")


def _check_reveal(state: SessionState, record: Record) -> None:
    draw = state.roster.draws.get(record.data["post"])
    require(draw is not None, "verify_draw_no_commit")
    assert draw is not None
    seed = record.data["seed"]
    require(seed_hash(seed) == draw.seed_hash, "verify_draw_seed")
    require(record.data["order"] == order_from_seed(seed, draw.candidates), "verify_draw_order")
    require(draw.reveal_seq is None, "verify_draw_redrawn")


def _apply_reveal(state: SessionState, record: Record) -> None:
    draw = state.roster.draws[record.data["post"]]
    draw.seed = record.data["seed"]
    draw.order = list(record.data["order"])
    draw.reveal_seq = record.seq
    state.roster.forget_numbers()


declare("draw.reveal", roles=_HALL,
        body=obj({"post": name, "seed": hexstr(32), "order": list_of(name, 10_000, unique=True)}),
        check=_check_reveal, apply=_apply_reveal,
        doc="The seed, and the order anyone can recompute from it (SHA-256 of seed and code).")
