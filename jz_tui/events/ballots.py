"""The ballot box: boxes, their opening, paper-ballot entries, voting slips and the unsealing."""

from __future__ import annotations

from jz_tui.events.common import post_exists, rules_of
from jz_tui.rules.count import close_pending, codes_of
from jz_tui.rules.democratic import RECOMMENDATION, names_over, valid_marks
from storage import crypto
from storage.ballot_rows import slip_commitment
from storage.events import (
    boolean,
    declare,
    dict_of,
    hexstr,
    integer,
    list_of,
    name,
    obj,
    require,
    text,
)
from storage.ledger import Record
from storage.projection import SessionState
from storage.tally_state import Box, Entry, PostTally, Withdrawn

MAX_BALLOTS = 1_000_000  # issued or returned at one post: more is a typing error


def may_create_box(state: SessionState, posts: list[str], officers: list[str]) -> None:
    """Open posts not yet in a box, and enough tally users to open and close it (the service asks
    before it makes the box's keys)."""
    rules = rules_of(state)
    for post in posts:
        post_exists(state, post)
        require(state.roster.posts[post].open, "box_post_not_open", post=post)
        taken = state.tally.posts.get(post)
        require(taken is None, "box_post_taken", post=post, box=taken.box if taken else "-")
    for officer in officers:
        user = state.users.get(officer)
        require(user is not None and user.role == "tally" and officer not in state.removed,
                "box_not_an_officer", user=officer)
    needed = max(rules.shares_to_open, rules.officers_to_close)
    require(len(officers) >= needed, "box_too_few_officers", needed=needed, given=len(officers))


def _check_create(state: SessionState, record: Record) -> None:
    data = record.data
    require(data["id"] == f"BOX{len(state.tally.boxes) + 1}", "event_box_id")
    may_create_box(state, data["posts"], data["officers"])
    require(data["k"] == rules_of(state).shares_to_open, "event_box_k")
    require(sorted(data["shares"]) == sorted(data["officers"]) == sorted(data["hold_shares"]), "event_box_shares")
    require(data["hold_public_key"] != data["public_key"], "event_box_shares")


def _apply_create(state: SessionState, record: Record) -> None:
    d = record.data
    state.tally.boxes[d["id"]] = Box(d["id"], list(d["posts"]), d["seal_no"], list(d["officers"]), d["k"],
                                     d["public_key"], dict(d["shares"]), record.seq,
                                     hold_public_key=d["hold_public_key"], hold_shares=dict(d["hold_shares"]))
    for post in d["posts"]:
        state.tally.posts[post] = PostTally(post, d["id"])


declare("box.create", roles={"admin"},
        body=obj({"id": name, "posts": list_of(name, 1000, 1, unique=True), "seal_no": text(2000, empty=False),
                  "officers": list_of(name, 50, 1, unique=True), "k": integer(1, 9), "public_key": hexstr(32),
                  "shares": dict_of(name, hexstr(max_bytes=256), 50), "hold_public_key": hexstr(32),
                  "hold_shares": dict_of(name, hexstr(max_bytes=256), 50)}),
        check=_check_create, apply=_apply_create,
        doc="A sealed box for some open posts, its officers (tally users), k as the rules say, and two keys "
            "that exist only as k-of-n shares: the box key and the hold key kiosk copies wait under.")


def officer_tally(state: SessionState, actor: str, post: str) -> PostTally:
    """The post's tally, if ``actor`` is an officer of its box and it is not closed."""
    tally, box = state.tally.posts.get(post), state.tally.box_of(post)
    require(tally is not None and box is not None, "tally_no_box", post=post)
    assert tally is not None and box is not None
    require(actor in box.officers, "event_not_box_officer", user=actor, box=box.id)
    require(tally.closed is None, "tally_closed", post=post)
    return tally


def figures_possible(post: str, issued: int, returned: int) -> None:
    """More ballots cannot come back than were given out: a typing error, refused before it is recorded."""
    require(returned <= issued, "box_returned_over_issued", post=post, issued=issued, returned=returned)


def _check_open(state: SessionState, record: Record) -> None:
    data = record.data
    tally = officer_tally(state, record.actor, data["post"])
    require(tally.opened is None, "tally_already_open", post=data["post"])
    require(data["seal_intact"] or bool(data["note"].strip()), "tally_seal_note_needed")
    figures_possible(data["post"], data["issued"], data["returned"])


def _apply_open(state: SessionState, record: Record) -> None:
    tally = state.tally.posts[record.data["post"]]
    tally.opened = {**record.data, "by": record.actor, "seq": record.seq}
    tally.version += 1


declare("box.open", roles={"tally"},
        body=obj({"post": name, "seal_intact": boolean, "note": text(2000), "issued": integer(0, MAX_BALLOTS),
                  "returned": integer(0, MAX_BALLOTS)}),
        check=_check_open, apply=_apply_open,
        doc="An officer of the post's box opens it: the seal as found, ballots issued and returned.")


def recountable(state: SessionState, actor: str, post: str) -> PostTally:
    """The post's opening figures may still be corrected by ``actor``: an officer of its box, the box
    opened, no close waiting for signatures, and no ballot entered yet (nor one entered and withdrawn)."""
    tally = officer_tally(state, actor, post)
    require(tally.opened is not None, "tally_not_open", post=post)
    require(not close_pending(state, post), "tally_close_pending", post=post)
    require(not any(tally.entries.values()) and not tally.withdrawn, "box_recount_after_entries", post=post)
    return tally


def _check_recount(state: SessionState, record: Record) -> None:
    data = record.data
    tally = recountable(state, record.actor, data["post"])
    figures_possible(data["post"], data["issued"], data["returned"])
    opened = tally.opened or {}
    require((data["issued"], data["returned"]) != (opened.get("issued"), opened.get("returned")),
            "box_recount_same", post=data["post"])


def _apply_recount(state: SessionState, record: Record) -> None:
    d = record.data
    tally = state.tally.posts[d["post"]]
    assert tally.opened is not None
    tally.recounts.append({"issued": d["issued"], "returned": d["returned"], "reason": d["reason"],
                           "was": [tally.opened["issued"], tally.opened["returned"]], "by": record.actor,
                           "seq": record.seq})
    tally.opened = {**tally.opened, "issued": d["issued"], "returned": d["returned"]}
    tally.version += 1


declare("box.recount", roles={"tally"},
        body=obj({"post": name, "issued": integer(0, MAX_BALLOTS), "returned": integer(0, MAX_BALLOTS),
                  "reason": text(2000, empty=False)}),
        check=_check_recount, apply=_apply_recount,
        doc="An officer of the post's box corrects the ballots issued and returned recorded at the opening, "
            "with the reason, before any ballot of the post is entered; the opening stays in the ledger.")


def _check_entry(state: SessionState, record: Record) -> None:
    post = record.data["post"]
    tally = officer_tally(state, record.actor, post)
    require(tally.opened is not None, "tally_not_open", post=post)
    require(not close_pending(state, post), "tally_close_pending", post=post)
    following = len(tally.entries.get(record.actor, {})) + 1
    require(record.data["no"] <= following, "ballot_bad_number", no=record.data["no"], next=following)


def _check_enter(state: SessionState, record: Record) -> None:
    _check_entry(state, record)
    data = record.data
    count = state.roster.post_size(data["post"])
    rules = rules_of(state)
    if not valid_marks(data["marks"], count, rules.ballot):
        if rules.ballot == RECOMMENDATION and len(data["marks"]) == count:
            require(False, "ballot_recommendation_marks", post=data["post"], names=rules.names_per_ballot)
        require(False, "ballot_post_bad_marks", post=data["post"], given=len(data["marks"]), count=count)
    groups = rules.groups
    if groups:
        names = [group for group, _ in groups]
        require(data["group"] in names, "ballot_group_needed", groups=list(names))
    else:
        require(not data["group"], "ballot_no_groups")


def _apply_enter(state: SessionState, record: Record) -> None:
    d = record.data
    tally = state.tally.posts[d["post"]]
    tally.entries.setdefault(record.actor, {})[d["no"]] = Entry(d["marks"], d["group"], "", record.seq)
    tally.version += 1


def _apply_void(state: SessionState, record: Record) -> None:
    d = record.data
    tally = state.tally.posts[d["post"]]
    tally.entries.setdefault(record.actor, {})[d["no"]] = Entry(None, "", d["reason"], record.seq)
    tally.version += 1


declare("ballot.enter", roles={"tally"},
        body=obj({"post": name, "no": integer(1, MAX_BALLOTS), "marks": text(1000, empty=False), "group": text(100)}),
        check=_check_enter, apply=_apply_enter,
        doc="One paper ballot as an officer of the box read it (a mark per candidate), or a correction.")
declare("ballot.void", roles={"tally"},
        body=obj({"post": name, "no": integer(1, MAX_BALLOTS), "reason": text(2000, empty=False)}),
        check=_check_entry, apply=_apply_void, doc="One paper ballot recorded as void, with the reason.")


def _check_withdraw(state: SessionState, record: Record) -> None:
    data = record.data
    post = data["post"]
    tally = officer_tally(state, record.actor, post)
    require(data["officer"] == record.actor, "ballot_withdraw_not_own", no=data["no"], post=post)
    require(tally.opened is not None, "tally_not_open", post=post)
    require(not close_pending(state, post), "tally_close_pending", post=post)
    require(data["no"] in tally.entries.get(record.actor, {}), "ballot_withdraw_unknown", no=data["no"], post=post)


def _apply_withdraw(state: SessionState, record: Record) -> None:
    """The entry leaves the count; the officer's later entries move up one number, so that their
    numbers follow the paper stack again (the double count compares entries by number)."""
    d = record.data
    tally = state.tally.posts[d["post"]]
    mine = tally.entries[record.actor]
    tally.withdrawn.append(Withdrawn(record.actor, d["no"], mine[d["no"]], d["reason"], record.seq))
    tally.entries[record.actor] = {no if no < d["no"] else no - 1: entry
                                   for no, entry in sorted(mine.items()) if no != d["no"]}
    if not tally.entries[record.actor]:
        del tally.entries[record.actor]
    tally.version += 1


declare("ballot.withdraw", roles={"tally"},
        body=obj({"post": name, "officer": name, "no": integer(1, MAX_BALLOTS), "reason": text(2000, empty=False)}),
        check=_check_withdraw, apply=_apply_withdraw,
        doc="The officer who entered paper ballot no. N takes the entry out of the count (entered twice, "
            "say), with the reason, before the close is requested; it stays in the ledger, shown as withdrawn, "
            "and the officer's later entries move up one number.")


def sealed_box(state: SessionState, box_id: str) -> Box:
    box = state.tally.boxes.get(box_id)
    require(box is not None, "box_unknown", box=box_id)
    assert box is not None
    require(box.unsealed_seq is None, "box_already_unsealed", box=box_id)
    return box


def box_takes_votes(state: SessionState, box: Box) -> None:
    """No post of the box is closed, nor waits for its close's signatures: a kiosk ballot covers every
    post of its box and is sealed, so no judge could tell which closed post it would change."""
    for post in box.posts:
        tally = state.tally.posts.get(post)
        require(tally is None or tally.closed is None, "box_post_closed", box=box.id, post=post)
        require(not close_pending(state, post), "box_post_closing", box=box.id, post=post)


def _check_tokens(state: SessionState, record: Record) -> None:
    box = sealed_box(state, record.data["box"])
    box_takes_votes(state, box)
    require(not box.commitments.intersection(record.data["commitments"]), "event_token_reissued")


def _apply_tokens(state: SessionState, record: Record) -> None:
    state.tally.boxes[record.data["box"]].commitments.update(record.data["commitments"])


declare("tokens.issue", roles={"admin"},
        body=obj({"box": name, "commitments": list_of(hexstr(32), 10_000, 1, unique=True)}),
        check=_check_tokens, apply=_apply_tokens,
        doc="One-time voting slips for a box: a commitment to each, never what spends it.")


def _check_spend(state: SessionState, record: Record) -> None:
    box = sealed_box(state, record.data["box"])
    require(record.actor in box.officers, "event_not_box_officer", user=record.actor, box=box.id)
    require(not box.unseal_signed, "box_unsealing", box=box.id)
    box_takes_votes(state, box)
    token = record.data["token"]
    require(slip_commitment(token) in box.commitments, "token_unknown")
    require(token not in box.spent, "token_spent")


def _apply_spend(state: SessionState, record: Record) -> None:
    state.tally.boxes[record.data["box"]].spent.add(record.data["token"])


declare("token.spend", roles={"tally"}, body=obj({"box": name, "token": hexstr(32)}),
        check=_check_spend, apply=_apply_spend,
        doc="A slip spent at the kiosk by presenting what its printed code hashes to (its commitment's "
            "preimage); its ballot is held in the same transaction.")


def _check_mix(state: SessionState, record: Record) -> None:
    box = sealed_box(state, record.data["box"])
    require(box.unseal_signed, "event_unseal_unsigned", box=box.id, k=box.k)
    require(record.actor in box.officers, "event_not_box_officer", user=record.actor, box=box.id)


declare("box.mix", roles={"tally"}, body=obj({"box": name, "count": integer(0, MAX_BALLOTS)}),
        check=_check_mix,
        doc="At the unsealing, k officers present: the held ballots opened with the hold key and moved "
            "into the box in one shuffled batch.")


def _check_unseal(state: SessionState, record: Record) -> None:
    data = record.data
    box = sealed_box(state, data["box"])
    require(box.unseal_signed, "event_unseal_unsigned", box=box.id, k=box.k)
    require(record.actor in box.officers, "event_not_box_officer", user=record.actor, box=box.id)
    require(box_public_key(data["private_key"]) == box.public_key, "event_unseal_key")
    require(sorted(data["ballots"]) == sorted(box.posts), "event_unseal_posts")
    require(data["count"] == len(box.spent), "event_unseal_count", count=data["count"], spent=len(box.spent))
    for post, marks in data["ballots"].items():
        require(len(marks) == data["count"], "event_unseal_count", count=len(marks), spent=len(box.spent))
        count = len(codes_of(state, post))
        rules = rules_of(state)
        require(all(valid_marks(m, count, rules.ballot) for m in marks), "ballot_bad_marks", marks="-", count=count)
        # a kiosk takes no more names than the rules allow: a box bringing more was not filled by one
        require(not any(names_over(m, rules) for m in marks), "ballot_too_many_names", post=post,
                names=rules.names_per_ballot)
        require(state.tally.posts[post].closed is None, "tally_closed", post=post)


def box_public_key(private_hex: str) -> str:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    return crypto.box_public_bytes(X25519PrivateKey.from_private_bytes(bytes.fromhex(private_hex))).hex()


def _apply_unseal(state: SessionState, record: Record) -> None:
    box = state.tally.boxes[record.data["box"]]
    box.unsealed_seq = record.seq
    box.private_key = record.data["private_key"]
    for post, marks in record.data["ballots"].items():
        state.tally.posts[post].electronic = list(marks)
        state.tally.posts[post].version += 1


declare("box.unseal", roles={"tally"},
        body=obj({"box": name, "ballots": dict_of(name, list_of(text(1000), MAX_BALLOTS), 1000),
                  "count": integer(0, MAX_BALLOTS), "private_key": hexstr(32)}),
        check=_check_unseal, apply=_apply_unseal,
        doc="The electronic ballots of a box, counted once k officers signed its unsealing: one per slip "
            "spent, and the box key disclosed so that anyone with the file can recount them.")
