"""After the count: the public view's freeze, inspection notes and decisions, and other halls'
results (hall.add registers a hall's admin key, hall.import records one of its signed exports)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from jz_tui.events.common import candidate
from storage import crypto
from storage.errors import JzError
from storage.events import boolean, declare, json_value, name, obj, one_of, require, text
from storage.halls_state import HallImport, PostClaim
from storage.ledger import Record
from storage.projection import SessionState
from storage.tally_state import PostTally

DIMENSIONS = ("德", "能", "勤", "绩", "廉")
DECISIONS = ("appoint", "not_appoint")
HALL_FORMAT = "jz-hall-export-v1"
# per exported post, codes only: who checked in at the hall and who was marked absent there
# (an export written before they travelled has neither: nobody checked in or absent)
ATTENDANCE = ("checked_in", "absent")

# ---------------------------------------------------------------------- the public view


def _check_freeze(state: SessionState, record: Record) -> None:
    frozen = state.inspection.public_frozen_at
    if record.data["frozen"]:
        require(frozen is None, "public_already_frozen", seq=frozen)
    else:
        require(frozen is not None, "public_not_frozen")


def _apply_freeze(state: SessionState, record: Record) -> None:
    state.inspection.public_frozen_at = record.seq - 1 if record.data["frozen"] else None


declare("publication.freeze", roles={"supervisor"}, body=obj({"frozen": boolean}),
        check=_check_freeze, apply=_apply_freeze,
        doc="A supervisor freezes the public view at the state before this event, or releases it.")

# ---------------------------------------------------------------------- inspection and decisions


def _check_note(state: SessionState, record: Record) -> None:
    candidate(state, record.data["code"])


def _apply_note(state: SessionState, record: Record) -> None:
    state.inspection.notes.setdefault(record.data["code"], {})[record.data["dimension"]] = record.data["note"]


declare("inspection.note", roles={"admin"},
        body=obj({"code": name, "dimension": one_of(*DIMENSIONS), "note": text(2000, empty=False)}),
        check=_check_note, apply=_apply_note, doc="A note on one of 德、能、勤、绩、廉 for a target.")


def _check_decision(state: SessionState, record: Record) -> None:
    code = record.data["code"]
    candidate(state, code)
    notes = state.inspection.notes.get(code, {})
    missing = [d for d in DIMENSIONS if d not in notes]
    require(not missing, "decision_notes_missing", code=code, missing=list(missing))
    appoint = record.data["decision"] == "appoint"
    require(appoint == ("start" in record.data) == ("probation_end" in record.data), "event_decision_dates")


def _apply_decision(state: SessionState, record: Record) -> None:
    state.inspection.decisions[record.data["code"]] = dict(record.data)


declare("decision.record", roles={"admin"},
        body=obj({"code": name, "decision": one_of(*DECISIONS), "note": text(2000)},
                 {"start": text(10), "probation_end": text(10), "contract": boolean}),
        check=_check_decision, apply=_apply_decision,
        doc="The committee's decision on an inspected target, with the probation when appointed.")

# ---------------------------------------------------------------------- other halls


def _check_hall_add(state: SessionState, record: Record) -> None:
    hall, fingerprint = record.data["name"], record.data["fingerprint"]
    require(hall not in state.halls.registered, "hall_exists", hall=hall)
    taken = state.halls.hall_of(fingerprint)
    require(taken is None, "hall_fingerprint_taken", hall=taken)
    if state.chain is not None:
        require(fingerprint != crypto.fingerprint(state.chain.admin_public_key), "hall_is_this_vault")


def _apply_hall_add(state: SessionState, record: Record) -> None:
    state.halls.registered[record.data["name"]] = record.data["fingerprint"]


declare("hall.add", roles={"admin"}, body=obj({"name": text(100, empty=False), "fingerprint": text(39)}),
        check=_check_hall_add, apply=_apply_hall_add, doc="A hall registered by its admin key's fingerprint.")


def signed_part(export: dict[str, Any]) -> bytes:
    return crypto.frame(HALL_FORMAT, crypto.canonical_json({k: v for k, v in export.items() if k != "signature"}))


def check_signature(payload: Any) -> None:
    """The export is as its hall signed it (no passphrase needed)."""
    try:
        public_key = bytes.fromhex(payload["hall"]["public_key"])
        signature = bytes.fromhex(payload["signature"])
        intact = crypto.verify_signature(public_key, signature, signed_part(payload))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise JzError("hall_export_altered") from exc
    if not intact or payload["hall"].get("fingerprint") != crypto.fingerprint(public_key):
        raise JzError("hall_export_altered")


def check_export(state: SessionState, hall: str | None, payload: Any) -> str:
    """An export may be recorded: intact, from a registered hall, this roster's posts and
    candidates, results that read as scores, check-in and absence lists of each post's own
    candidates that this vault's own desk does not contradict, not stale, not claimed by
    another hall, not scored here too. Returns the hall's name."""
    check_signature(payload)
    found = state.halls.hall_of(payload["hall"]["fingerprint"])
    require(found is not None, "hall_export_foreign", fingerprint=payload["hall"]["fingerprint"])
    require(hall is None or hall == found, "verify_hall_export", hall=hall)
    assert found is not None
    try:
        posts = _posts_of(state, payload)
        seq = int(payload["head"]["seq"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise JzError("hall_export_altered") from exc
    earlier = state.halls.imports.get(found)
    require(earlier is None or earlier.vault_id == payload["hall"]["vault_id"], "hall_export_other_vault", hall=found)
    held = [c.head_seq for p in posts if (c := state.halls.claimed.get(p)) is not None and c.hall == found]
    require(not held or seq != max(held), "hall_export_duplicate", hall=found, seq=seq)
    require(not held or seq > max(held), "hall_export_stale", hall=found, seq=seq, imported=max(held or [0]))
    for entry in payload["posts"]:
        post = entry["code"]
        other = state.halls.claimed.get(post)
        require(other is None or other.hall == found, "hall_post_claimed", post=post, hall=other.hall if other else "")
        require(not _scored_here(state, entry), "hall_post_scored_here", post=post)
        _attendance_agrees(state, entry)
    return found


def _posts_of(state: SessionState, payload: dict[str, Any]) -> list[str]:
    """The export's posts, each holding exactly this roster's candidates of that post."""
    posts = []
    for entry in payload["posts"]:
        post = entry["code"]
        require(post in state.roster.posts, "hall_export_roster", post=post)
        theirs = sorted(c["code"] for c in entry["candidates"])
        require(theirs == [c.code for c in state.roster.candidates_of(post)] and post not in posts,
                "hall_export_roster", post=post)
        require(_results_are_scores(entry), "hall_export_results", post=post)
        require(_attendance_is_the_posts(state, entry), "hall_export_attendance", post=post)
        posts.append(post)
    require(bool(posts), "hall_no_posts")
    return posts


def _results_are_scores(entry: dict[str, Any]) -> bool:
    """Every score the export brings for a post reads as a score (0 to 100, decimal), and its
    tally names exactly the post's candidates: what the ranking will compute with."""
    scores = [c["interview"]["result"] for c in entry["candidates"] if c.get("interview") is not None]
    tally = entry.get("tally")
    if tally is not None:
        if sorted(c["code"] for c in tally["candidates"]) != sorted(c["code"] for c in entry["candidates"]):
            return False
        counted = [c["score"] for c in tally["candidates"] if c.get("score") is not None]
        if _scored_by_votes(tally):  # 民主推荐, a point a vote: up to the ballots counted, not to 100
            valid = tally.get("valid")
            if isinstance(valid, bool) or not isinstance(valid, int) \
                    or not all(_is_decimal(score, Decimal(valid)) for score in counted):
                return False
        else:
            scores += counted
        if any(not _is_decimal(c.get("rate_exact"), Decimal(1)) for c in tally["candidates"]
               if c.get("rate_exact") is not None):
            return False
    return all(_is_decimal(score, Decimal(100)) for score in scores)


def attendance(entry: dict[str, Any], key: str) -> list[str]:
    """A post's check-in (``checked_in``) or absence (``absent``) list in an export."""
    return entry.get(key, [])


def _attendance_is_the_posts(state: SessionState, entry: dict[str, Any]) -> bool:
    """The post's check-in and absence lists name only its own candidates, each once, and
    nobody both checked in and absent (as the hall's desk keeps them). Someone the hall scored
    and then marked absent is absent there, and here too: the hall's ranking is mirrored."""
    ours = {c.code for c in state.roster.candidates_of(entry["code"])}
    lists = [attendance(entry, key) for key in ATTENDANCE]
    for codes in lists:
        if not isinstance(codes, list) or not all(isinstance(c, str) and c in ours for c in codes) \
                or len(set(codes)) != len(codes):
            return False
    checked_in, absent = (set(codes) for codes in lists)
    return not checked_in & absent


def _attendance_agrees(state: SessionState, entry: dict[str, Any]) -> None:
    """What the hall says of who came does not contradict this vault's own check-in desk."""
    roster = state.roster
    for code in attendance(entry, "absent"):
        require(code not in roster.checkins, "hall_attendance_conflict", code=code, post=entry["code"])
    for code in attendance(entry, "checked_in"):
        require(code not in roster.absent or code in roster.hall_absent, "hall_attendance_conflict",
                code=code, post=entry["code"])


def _scored_by_votes(tally: dict[str, Any]) -> bool:
    kind = tally.get("ballot")
    return isinstance(kind, dict) and kind.get("kind") == "recommendation" and kind.get("score") == "votes"


def _is_decimal(text: Any, high: Decimal) -> bool:
    try:
        value = Decimal(text) if isinstance(text, str) else None
    except InvalidOperation:
        return False
    return value is not None and value.is_finite() and Decimal(0) <= value <= high


def _scored_here(state: SessionState, entry: dict[str, Any]) -> bool:
    """This vault holds its own result of a stage the export brings for the post: two sources
    would compete for one score."""
    own_interview = any(c["code"] in state.scoring.announced and "hall" not in state.scoring.announced[c["code"]]
                        for c in entry["candidates"] if c.get("interview") is not None)
    tally = state.tally.posts.get(entry["code"])
    return own_interview or (entry.get("tally") is not None and tally is not None and tally.box != "")


def _check_hall_import(state: SessionState, record: Record) -> None:
    check_export(state, record.data["hall"], record.data["export"])


def _apply_hall_import(state: SessionState, record: Record) -> None:
    """Another hall's announcements, closed tallies and who came, as signed there, marked with the hall."""
    export: dict[str, Any] = record.data["export"]
    hall = record.data["hall"]
    head_seq = int(export["head"]["seq"])
    state.halls.imports[hall] = HallImport(export["hall"]["vault_id"], head_seq, export["head"]["hash"])
    for post in export["posts"]:
        state.halls.claimed[post["code"]] = PostClaim(hall, head_seq)
        _apply_attendance(state, hall, post)
        for entry in post["candidates"]:
            if entry.get("interview") is not None:
                state.scoring.announced[entry["code"]] = {**entry["interview"], "hall": hall}
        if post.get("tally") is not None:
            state.tally.posts[post["code"]] = PostTally(post["code"], "", closed={**post["tally"], "hall": hall})


def _apply_attendance(state: SessionState, hall: str, post: dict[str, Any]) -> None:
    """The hall's check-ins and absences of the post replace those of its earlier export; the
    absent join this vault's own (``roster.absent``), where the ranking and the board look."""
    roster = state.roster
    for member in roster.candidates_of(post["code"]):
        roster.hall_checkins.pop(member.code, None)
        if roster.hall_absent.pop(member.code, None) is not None:
            roster.absent.discard(member.code)
    for code in attendance(post, "checked_in"):
        roster.hall_checkins[code] = hall
    for code in attendance(post, "absent"):
        if code not in roster.absent:  # marked absent here too: this vault's own stays its own
            roster.absent.add(code)
            roster.hall_absent[code] = hall


declare("hall.import", roles={"admin"}, body=obj({"hall": text(100, empty=False), "export": json_value}),
        check=_check_hall_import, apply=_apply_hall_import,
        doc="A hall's signed export, checked whole and recorded whole.")
