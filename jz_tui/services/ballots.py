"""The ballot box: creating it, counting paper ballots (with a double count), electronic
sealed ballots, reconciliation and the co-signed close.

The box's X25519 private key is split with Shamir's scheme the moment it is made; each
share is sealed (HPKE) to one tally officer's own key and the whole key is dropped. It
exists again only in the memory of the tally terminal where k officers unlock their
shares, long enough to open the electronic ballots.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from jz_tui.events.ballots import (  # noqa: F401  (box_takes_votes: the kiosk asks it when it loads a box)
    box_takes_votes,
    figures_possible,
    may_create_box,
    officer_tally,
    recountable,
)
from jz_tui.rules.count import (  # noqa: F401  (re-exported: the screens and the CLI read the count here)
    TallyView,
    close_pending,
    close_problems,
    close_record,
    codes_of,
    rules_for,
    view,
)
from jz_tui.rules.democratic import RECOMMENDATION, names_over, normalise_marks, valid_marks
from jz_tui.rules.settings import Rules
from jz_tui.services import pending
from jz_tui.services.config import current_rules
from jz_tui.services.session import Session
from storage import crypto, shamir
from storage.ballot_rows import SUITE, ballot_info, held_info, held_message, sealed_message, slip_commitment
from storage.errors import JzError
from storage.files import private_dir, private_file
from storage.projection import SessionState
from storage.tally_state import Box, PostTally
from storage.vault import Identity

TOKEN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
MAX_BALLOTS = 1_000_000  # issued or returned at one post: more is a typing error


def share_info(vault_id: bytes, box: str, officer: str, which: str = "box") -> bytes:
    """HPKE info of an officer's share of the box key (``box``) or of its hold key (``hold``)."""
    if which == "box":
        return crypto.frame("jz-box-share-v1", vault_id, box, officer)
    return crypto.frame("jz-hold-share-v1", vault_id, box, officer)


# ---------------------------------------------------------------------- the box


def create_box(session: Session, posts: list[str], officers: list[str], seal_no: str) -> Box:
    session.require_role("admin", action="box.create")
    session.refresh()
    state = session.state
    posts = [p.strip().upper() for p in posts if p.strip()]
    officers = [o.strip() for o in officers if o.strip()]
    if not posts:
        raise JzError("box_no_posts")
    may_create_box(state, posts, officers)  # the declaration's own precondition, before any key is made
    if len(set(officers)) != len(officers):
        raise JzError("box_officer_twice")
    if not seal_no.strip():
        raise JzError("box_seal_needed")
    k = current_rules(session).shares_to_open
    box_id = f"BOX{len(state.tally.boxes) + 1}"
    public, sealed = _split_new_key(session, box_id, officers, k, "box")
    hold_public, hold_sealed = _split_new_key(session, box_id, officers, k, "hold")
    session.append("box.create", {"id": box_id, "posts": posts, "seal_no": seal_no.strip(), "officers": officers,
                                  "k": k, "public_key": public, "shares": sealed,
                                  "hold_public_key": hold_public, "hold_shares": hold_sealed})
    return session.state.tally.boxes[box_id]


def _split_new_key(session: Session, box_id: str, officers: list[str], k: int, which: str) -> tuple[str, dict[str, str]]:
    """A new X25519 key that from the moment it is made exists only as k-of-n shares, each sealed
    to one officer's own key: (its public key, officer -> sealed share), both hex."""
    private = X25519PrivateKey.generate()
    shares = shamir.split(crypto.box_private_bytes(private), k, len(officers))
    sealed = {}
    for officer, (x, y) in zip(officers, shares, strict=True):
        recipient = X25519PublicKey.from_public_bytes(bytes.fromhex(session.state.users[officer].box_public_key))
        sealed[officer] = SUITE.encrypt(bytes([x]) + y, recipient,
                                        info=share_info(session.vault.vault_id, box_id, officer, which)).hex()
    public = crypto.box_public_bytes(private).hex()
    del private
    return public, sealed


def _officer_tally(session: Session, post: str) -> tuple[str, PostTally, Box]:
    """The post's tally, if this user is an officer of its box and it is still counting (the
    declarations' own precondition, asked before anything is typed in)."""
    session.require_role("tally", action="ballot.enter")
    session.refresh()
    post = post.strip().upper()
    tally = officer_tally(session.state, session.user, post)
    return post, tally, session.state.tally.boxes[tally.box]


def _entries_open(session: Session, post: str) -> tuple[str, PostTally, Box]:
    """An officer may enter ballots once the box is opened and until a close is requested."""
    post, tally, box = _officer_tally(session, post)
    if tally.opened is None:
        raise JzError("tally_not_open", post=post)
    if close_pending(session.state, post):  # the signers sign what they saw: no ballot after it
        raise JzError("tally_close_pending", post=post)
    return post, tally, box


def open_box(session: Session, post: str, seal_intact: bool, note: str, issued: int, returned: int) -> PostTally:
    post, tally, _ = _officer_tally(session, post)
    if issued < 0 or returned < 0:
        raise JzError("tally_negative")
    if issued > MAX_BALLOTS or returned > MAX_BALLOTS:
        raise JzError("tally_count_too_large", max=MAX_BALLOTS)
    session.append("box.open", {"post": post, "seal_intact": seal_intact, "note": note.strip(),
                                "issued": issued, "returned": returned})
    return session.state.tally.posts[post]


def recount_box(session: Session, post: str, issued: int, returned: int, reason: str) -> PostTally:
    """Correct the ballots issued and returned recorded at the opening (before any ballot is entered)."""
    session.require_role("tally", action="box.recount")
    session.refresh()
    post = post.strip().upper()
    recountable(session.state, session.user, post)  # the declaration's own precondition, first
    if issued < 0 or returned < 0:
        raise JzError("tally_negative")
    if issued > MAX_BALLOTS or returned > MAX_BALLOTS:
        raise JzError("tally_count_too_large", max=MAX_BALLOTS)
    figures_possible(post, issued, returned)
    if not reason.strip():
        raise JzError("reason_needed")
    session.append("box.recount", {"post": post, "issued": issued, "returned": returned, "reason": reason.strip()})
    return session.state.tally.posts[post]


def _entry_number(tally: PostTally, officer: str, number: int | None) -> int:
    """The officer's next entry number, or an earlier one being corrected (never one beyond the next)."""
    following = len(tally.entries.get(officer, {})) + 1
    if number is None:
        return following
    if not 1 <= number <= following:
        raise JzError("ballot_bad_number", no=number, next=following)
    return number


def enter_ballot(session: Session, post: str, marks: str, group: str = "", number: int | None = None) -> int:
    """Store one paper ballot as this officer's entry number ``number`` (default: the next)."""
    post, tally, _ = _entries_open(session, post)
    rules = current_rules(session)
    marks = normalise_marks(marks, rules.ballot)
    count = len(codes_of(session.state, post))
    if not valid_marks(marks, count, rules.ballot):
        if rules.ballot == RECOMMENDATION and len(marks) == count:
            raise JzError("ballot_recommendation_marks", post=post, names=rules.names_per_ballot)
        raise JzError("ballot_post_bad_marks", post=post, given=len(marks), count=count)
    group_names = [name for name, _ in rules.groups]
    if group_names and group not in group_names:
        raise JzError("ballot_group_needed", groups=list(group_names))
    if not group_names and group:
        raise JzError("ballot_no_groups")
    number = _entry_number(tally, session.user, number)
    session.append("ballot.enter", {"post": post, "no": number, "marks": marks, "group": group})
    return number


def void_ballot(session: Session, post: str, reason: str, number: int | None = None) -> int:
    post, tally, _ = _entries_open(session, post)
    if not reason.strip():
        raise JzError("reason_needed")
    number = _entry_number(tally, session.user, number)
    session.append("ballot.void", {"post": post, "no": number, "reason": reason.strip()})
    return number


def withdraw_ballot(session: Session, post: str, number: int, reason: str) -> int:
    """Take this officer's entry no. ``number`` out of the count (entered twice, say), with the reason.
    The officer's later entries move up one number; returns the number withdrawn."""
    post, tally, _ = _entries_open(session, post)
    if not reason.strip():
        raise JzError("reason_needed")
    if number not in tally.entries.get(session.user, {}):
        raise JzError("ballot_withdraw_unknown", no=number, post=post)
    session.append("ballot.withdraw", {"post": post, "officer": session.user, "no": number, "reason": reason.strip()})
    return number


# ---------------------------------------------------------------------- the count


def officer_view(session: Session, post: str) -> TallyView:
    """Counts before the close are for the box's tally officers only."""
    session.refresh()
    post = post.strip().upper()
    tally, box = session.state.tally.posts.get(post), session.state.tally.box_of(post)
    if box is None:  # no box, or the post was counted in another hall
        raise JzError("tally_no_box", post=post)
    if tally.closed is None and (session.role != "tally" or session.user not in box.officers):
        raise JzError("tally_counting", post=post)
    return view(session.state, post)


def request_override(session: Session, post: str, reason: str):
    post, tally, _ = _officer_tally(session, post)
    if not reason.strip():
        raise JzError("reason_needed")
    return pending.create(session, "tally.override", {"post": post}, reason=reason.strip())


def _close_params(session: Session, post: str) -> tuple[str, dict[str, Any]]:
    post, _, _ = _officer_tally(session, post)
    problems = close_problems(session.state, post)
    if problems:
        raise problems[0]
    return post, close_record(session.state, post)


def close_preview(session: Session, post: str) -> list[str]:
    """What closing the post's tally would record, in words and figures, as the co-signers will see it."""
    _, params = _close_params(session, post)
    return pending.detail_lines(pending.preview(session.state, "tally.close", params, session.user))


def override_preview(session: Session, post: str) -> list[str]:
    """What an override of the post's reconciliation would record (the problem it overrides)."""
    post, _, _ = _officer_tally(session, post)
    return pending.detail_lines(pending.preview(session.state, "tally.override", {"post": post}, session.user))


def unseal_preview(session: Session, box_id: str) -> list[str]:
    """What unsealing the box records (its posts, officers, slips spent), for the officers to confirm."""
    session.refresh()
    return pending.detail_lines(pending.preview(session.state, "box.unseal", {"box": box_id}, session.user))


def request_close(session: Session, post: str, seen: list[str] | None = None):
    """Create the close: it takes effect with the rules' number of officers and a supervisor.

    ``seen``: the :func:`close_preview` the officer confirmed; nothing is started if it changed."""
    post, params = _close_params(session, post)
    if seen is not None and pending.detail_lines(pending.preview(session.state, "tally.close", params,
                                                                 session.user)) != list(seen):
        raise JzError("sign_details_changed", id=post)
    return pending.create(session, "tally.close", params)


# ---------------------------------------------------------------------- electronic ballots


def token_hash(code: str) -> str:
    return hashlib.sha256(b"jz-token-v1\x00" + normalise_token(code).encode()).hexdigest()


def normalise_token(code: str) -> str:
    return "".join(ch for ch in code.strip().upper() if ch.isalnum())


def _unsealed_box(state: SessionState, box_id: str) -> Box:
    """A box whose electronic ballots are still sealed (tokens, votes and the unsealing need one)."""
    box = state.tally.boxes.get(box_id.strip().upper())
    if box is None:
        raise JzError("box_unknown", box=box_id)
    if box.unsealed_seq is not None:
        raise JzError("box_already_unsealed", box=box.id)
    return box


def issue_tokens(session: Session, box_id: str, count: int) -> list[str]:
    """Slips for a box: the printed codes are returned once; the ledger keeps only a commitment to each."""
    session.require_role("admin", action="tokens.issue")
    session.refresh()
    box = _unsealed_box(session.state, box_id)
    box_takes_votes(session.state, box)
    if not 1 <= count <= 10000:
        raise JzError("tokens_bad_count")
    codes = ["".join(secrets.choice(TOKEN_ALPHABET) for _ in range(12)) for _ in range(count)]
    session.append("tokens.issue", {"box": box.id, "commitments": sorted(slip_commitment(token_hash(c)) for c in codes)})
    return [f"{c[:4]}-{c[4:8]}-{c[8:]}" for c in codes]


def write_tokens(session: Session, box_id: str, count: int, out_dir: str | Path,
                 progress: Callable[[int, int], None] | None = None) -> tuple[list[str], list[Path]]:
    """Issue ``count`` slips for a box and write them into ``out_dir`` (``jz tokens``, and the
    setup screen): the codes and the files written. The directory is checked before anything
    is issued, so a refusal appends nothing."""
    from jz_tui.services.tickets import writable_dir

    writable_dir(out_dir)
    codes = issue_tokens(session, box_id, count)
    files = write_slips(codes, box_id.strip().upper(), out_dir, session.state.session_name, progress)
    return codes, files


def write_slips(codes: list[str], box: str, out_dir: str | Path, session_name: str,
                progress: Callable[[int, int], None] | None = None) -> list[Path]:
    """One PNG per slip (its QR holds only the code) and a printable sheet; no link to any person.
    ``progress(done, total)`` is told after each PNG."""
    import html

    import qrcode

    from jz_tui.i18n import t

    out = private_dir(out_dir)
    files, cards = [], []
    for index, code in enumerate(codes, start=1):
        png = out / f"slip-{index:04d}.png"
        qrcode.make(code, box_size=6, border=4).save(private_file(png))
        files.append(png)
        cards.append(f'<section class="slip"><img src="{png.name}" alt="QR"><p class="code">{html.escape(code)}</p>'
                     f'<p>{html.escape(t("slip_hint", box=box))}</p></section>')
        if progress is not None:
            progress(index, len(codes))
    sheet = private_file(out / "slips.html")
    sheet.write_text(
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
        f"<title>{html.escape(session_name)}</title><style>@page {{ size: A4; margin: 10mm; }}"
        " body { font-family: sans-serif; } .sheet { display: grid; grid-template-columns: repeat(3, 1fr);"
        " gap: 4mm; } .slip { border: 1px dashed #444; padding: 3mm; text-align: center; break-inside: avoid; }"
        " .slip img { width: 35mm; } .code { font: bold 12pt monospace; }</style></head><body>"
        f"<h1>{html.escape(session_name)}</h1><div class='sheet'>{''.join(cards)}</div></body></html>",
        encoding="utf-8",
    )
    return [*files, sheet]


def check_slip(state: SessionState, box_id: str, token: str) -> tuple[Box, str]:
    """The box and the slip's hash, if the slip may vote in that box now (the kiosk asks before marking)."""
    box = _unsealed_box(state, box_id)
    hashed = token_hash(token)
    if slip_commitment(hashed) not in box.commitments:
        raise JzError("token_unknown")
    if hashed in box.spent:
        raise JzError("token_spent")
    if box.unseal_signed:
        raise JzError("box_unsealing", box=box.id)
    box_takes_votes(state, box)  # a post closed, or closing: the box takes no more votes
    return box, hashed


def cast(session: Session, box_id: str, token: str, choices: dict[str, str]) -> None:
    """Seal one voter's ballot to the box key and spend the slip, in one transaction.

    The transaction that spends the slip must not hold anything the box key opens, or the
    file would pair each ballot with its spend (whose order is in the clear). So the sealed
    ballot is sealed once more, to the box's hold key (which, like the box key, exists only
    as k-of-n officer shares and is never disclosed), and held until the unsealing mixes the
    held ballots into the box in one shuffled batch.
    """
    session.require_role("tally", action="token.spend")
    session.refresh()
    state = session.state
    box, hashed = check_slip(state, box_id, token)
    ballot: dict[str, str] = {}
    unknown = sorted(set(choices) - set(box.posts))
    if unknown:
        raise JzError("ballot_post_not_in_box", post=unknown[0], box=box.id)
    rules = rules_for(state)
    for post in box.posts:
        marks = normalise_marks(choices.get(post, ""), rules.ballot)
        count = len(codes_of(state, post))
        if not valid_marks(marks, count, rules.ballot):
            if rules.ballot == RECOMMENDATION and len(marks) == count:
                raise JzError("ballot_recommendation_marks", post=post, names=rules.names_per_ballot)
            raise JzError("ballot_post_bad_marks", post=post, given=len(marks), count=count)
        if names_over(marks, rules):  # a kiosk is not a paper ballot: it takes no void vote
            raise JzError("ballot_too_many_names", post=post, names=rules.names_per_ballot)
        ballot[post] = marks
    vault_id = session.vault.vault_id
    public = X25519PublicKey.from_public_bytes(bytes.fromhex(box.public_key))
    sealed = SUITE.encrypt(crypto.canonical_json(ballot), public, info=ballot_info(vault_id, box.id))
    hold = X25519PublicKey.from_public_bytes(bytes.fromhex(box.hold_public_key))
    held = SUITE.encrypt(sealed, hold, info=held_info(vault_id, box.id))
    slot = secrets.token_bytes(16)
    signature = session.identity.sign(held_message(vault_id, box.id, slot, held))

    def store(conn, seq: int) -> None:
        spent = conn.execute("SELECT 1 FROM spent_tokens WHERE box = ? AND token = ?", (box.id, hashed)).fetchone()
        if spent:  # another kiosk spent it a moment ago
            raise JzError("token_spent")
        conn.execute("INSERT INTO spent_tokens(box, token) VALUES (?, ?)", (box.id, hashed))
        conn.execute("INSERT INTO held_ballots(box, slot, ciphertext, signer, signature) VALUES (?,?,?,?,?)",
                     (box.id, slot, held, session.user, signature))

    session.append("token.spend", {"box": box.id, "token": hashed}, within=store)


def unlock_share(vault_id: bytes, box: Box, officer: Identity, which: str = "box") -> tuple[int, bytes]:
    sealed = (box.shares if which == "box" else box.hold_shares).get(officer.name)
    if sealed is None:
        raise JzError("box_not_an_officer", user=officer.name)
    try:
        raw = SUITE.decrypt(bytes.fromhex(sealed), officer.box_key,
                            info=share_info(vault_id, box.id, officer.name, which))
    except InvalidTag as exc:
        raise JzError("box_share_unreadable", user=officer.name) from exc
    return raw[0], raw[1:]


def _rebuild(vault_id: bytes, box: Box, officers: list[Identity], which: str) -> X25519PrivateKey:
    """The box key or the hold key, rebuilt in memory from the officers' own shares."""
    shares = [unlock_share(vault_id, box, o, which) for o in officers]
    try:
        private = X25519PrivateKey.from_private_bytes(shamir.combine(shares))
    except (shamir.ShamirError, ValueError) as exc:
        raise JzError("box_key_not_rebuilt") from exc
    if crypto.box_public_bytes(private).hex() != (box.public_key if which == "box" else box.hold_public_key):
        raise JzError("box_key_not_rebuilt")
    return private


def _sign_unsealing(session: Session, box: Box, officers: list[Identity]) -> None:
    """The unsealing as one action: started by this session's officer, signed by each of the others."""
    state = session.state
    if box.unseal_signed:
        return  # signed already: an unsealing interrupted after the signatures goes on from here
    action = state.waiting_for("box.unseal", box.id)
    if action is None:
        action = pending.create(session, "box.unseal", {"box": box.id})
    for officer in officers:
        if not action.done and action.can_sign(officer.name, "tally"):
            session.append("pending.sign", {"id": action.id}, as_user=officer)
    if not session.state.tally.boxes[box.id].unseal_signed:
        raise JzError("event_unseal_unsigned", box=box.id, k=box.k)


def _mix(session: Session, box: Box, hold: X25519PrivateKey) -> int:
    """Move every held ballot of the box into it, in one transaction, each under a fresh random
    slot and written in slot order: the box's bytes grow in an order that has nothing to do with
    casting. Each held row must carry a kiosk officer's valid signature; the moved rows are
    signed by this session's officer. Returns how many were moved."""
    vault_id = session.vault.vault_id
    rows = session.vault.held_ballot_rows()
    rows = [r for r in rows if r[0] == box.id]
    if not rows:
        return 0
    keys = {name: session.state.users[name].public_key for name in box.officers if name in session.state.users}
    sealed = []
    for _box, slot, held, signer, signature in rows:
        if signer not in keys or not crypto.verify_signature(bytes.fromhex(keys[signer]), signature,
                                                           held_message(vault_id, box.id, slot, held)):
            raise JzError("box_held_not_signed", box=box.id, officer=signer)
        try:
            sealed.append(SUITE.decrypt(held, hold, info=held_info(vault_id, box.id)))
        except InvalidTag as exc:
            raise JzError("ballot_unopenable", box=box.id) from exc
    shuffled = sorted((secrets.token_bytes(16), ciphertext) for ciphertext in sealed)
    identity = session.identity

    def move(conn, seq: int) -> None:
        conn.executemany("DELETE FROM held_ballots WHERE box = ? AND slot = ?", [(box.id, r[1]) for r in rows])
        conn.executemany(
            "INSERT INTO sealed_ballots(box, slot, ciphertext, signer, signature) VALUES (?,?,?,?,?)",
            [(box.id, slot, ciphertext, identity.name, identity.sign(sealed_message(vault_id, box.id, slot, ciphertext)))
             for slot, ciphertext in shuffled])

    session.append("box.mix", {"box": box.id, "count": len(shuffled)}, within=move)
    return len(shuffled)


def open_box_ballots(vault, box: Box, private: X25519PrivateKey, officer_keys: dict[str, str]) -> dict[str, list[str]]:
    """Every sealed ballot of the box, its signature checked (an officer of the box), opened:
    post -> marks, sorted (no trace of any order)."""
    vault_id = vault.vault_id
    opened: dict[str, list[str]] = {post: [] for post in box.posts}
    for box_id, slot, ciphertext, signer, signature in vault.sealed_ballot_rows():
        if box_id != box.id:
            continue
        key = officer_keys.get(signer)
        if key is None or not crypto.verify_signature(bytes.fromhex(key), signature,
                                                      sealed_message(vault_id, box.id, slot, ciphertext)):
            raise JzError("box_ballot_not_signed", box=box.id)
        try:
            ballot = json.loads(SUITE.decrypt(ciphertext, private, info=ballot_info(vault_id, box.id)))
        except (InvalidTag, ValueError) as exc:
            raise JzError("ballot_unopenable", box=box.id) from exc
        for post in box.posts:
            opened[post].append(ballot[post])
    return {post: sorted(marks) for post, marks in opened.items()}


def unseal(session: Session, box_id: str, officers: list[Identity]) -> dict[str, list[str]]:
    """Open the electronic ballots with k officers of the box present, each unlocking their own share.

    In order: the officers sign the unsealing as one action; the hold key is rebuilt and the
    held ballots mixed into the box; the file and its WAL are rid of every held copy; the box
    key is rebuilt, every sealed ballot checked (signed by an officer of the box, one per slip
    spent) and opened; then ``box.unseal`` records the count and discloses the box key, so that
    anyone with the file can recount. The casting order stays as hidden as before: the held
    copies were under the hold key, which is never disclosed and is gone with them.
    """
    session.require_role("tally", action="box.unseal")
    session.refresh()
    box = _unsealed_box(session.state, box_id)
    distinct = list({o.name: o for o in officers}.values())
    for officer in distinct:
        if officer.name not in box.officers:
            raise JzError("box_not_an_officer", user=officer.name)
    if session.user not in {o.name for o in distinct}:
        distinct = [session.identity, *distinct]
    if len(distinct) < box.k:
        raise JzError("box_too_few_shares", k=box.k, given=len(distinct))
    vault_id = session.vault.vault_id
    hold = _rebuild(vault_id, box, distinct[: box.k], "hold")
    private = _rebuild(vault_id, box, distinct[: box.k], "box")
    _sign_unsealing(session, box, distinct)
    _mix(session, box, hold)
    del hold
    session.vault.forget_deleted()  # no held copy left in the file or its WAL before the key is disclosed
    box = session.state.tally.boxes[box.id]
    keys = {name: session.state.users[name].public_key for name in box.officers if name in session.state.users}
    result = open_box_ballots(session.vault, box, private, keys)
    counted = len(result[box.posts[0]]) if box.posts else 0
    if counted != len(box.spent):
        raise JzError("event_unseal_count", count=counted, spent=len(box.spent))
    session.append("box.unseal", {"box": box.id, "ballots": result, "count": counted,
                                  "private_key": crypto.box_private_bytes(private).hex()})
    del private
    return result


def open_sealed_ballot(ciphertext: bytes, private: X25519PrivateKey, vault_id: bytes, box: str) -> dict[str, Any]:
    """One sealed ballot, for tests and audits that hold the rebuilt key."""
    return json.loads(SUITE.decrypt(ciphertext, private, info=ballot_info(vault_id, box)))


# ---------------------------------------------------------------------- what setup shows of boxes


def box_state(state: SessionState, box: Box) -> str:
    """Where a box stands: ``unsealed``, ``closed`` (every post's tally), ``counting`` (a post
    opened) or ``ready``."""
    if box.unsealed_seq is not None:
        return "unsealed"
    tallies = [state.tally.posts.get(post) for post in box.posts]
    if tallies and all(tally is not None and tally.closed is not None for tally in tallies):
        return "closed"
    if any(tally is not None and tally.opened is not None for tally in tallies):
        return "counting"
    return "ready"


def officer_pool(state: SessionState) -> tuple[str, ...]:
    """The tally users still in the vault: who may be a box's officers."""
    return tuple(sorted(name for name, user in state.users.items()
                        if user.role == "tally" and name not in state.removed))


def officers_needed(rules: Rules) -> int:
    """Officers a box needs at least: k to open its electronic ballots, and those who close a tally."""
    return max(rules.shares_to_open, rules.officers_to_close)
