"""The interview order, drawn by lot per post, verifiably.

Before the draw the SHA-256 of a fresh random seed is recorded with the list of
checked-in candidates; then the order is computed from the seed and the seed revealed.
Anyone can recompute it: sort the candidates by SHA-256(seed ‖ code). ``jz verify``
does so for every draw (see :func:`check_draws`).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from jz_tui.services.session import Session
from storage.errors import JzError
from storage.ledger import Record
from storage.projection import SessionState
from storage.verify import CONTENT_CHECKS, Problem


def seed_hash(seed_hex: str) -> str:
    return hashlib.sha256(bytes.fromhex(seed_hex)).hexdigest()


def order_from_seed(seed_hex: str, codes: Iterable[str]) -> list[str]:
    seed = bytes.fromhex(seed_hex)
    return sorted(codes, key=lambda code: (hashlib.sha256(seed + code.encode("utf-8")).digest(), code))


def eligible_for_draw(state: SessionState, post: str) -> list[str]:
    """The post's candidates checked in and not withdrawn, in code order."""
    roster = state.roster
    return sorted(c.code for c in roster.candidates_of(post) if c.code in roster.checkins and c.withdrawn is None)


def draw(session: Session, post: str) -> list[str]:
    """Commit to a seed, then reveal it with the order; returns the order (candidate codes)."""
    session.require_role("clerk", "admin", action="draw.commit")
    session.refresh()
    roster = session.state.roster
    post = post.strip().upper()
    if post not in roster.posts:
        raise JzError("post_unknown", post=post)
    existing = roster.draws.get(post)
    if existing is not None and existing.reveal_seq is not None:
        raise JzError("draw_already_done", post=post)
    codes = eligible_for_draw(session.state, post)
    if not codes:
        raise JzError("draw_nobody_checked_in", post=post)
    seed = secrets.token_hex(32)
    if existing is None:
        session.append("draw.commit", {"post": post, "seed_hash": seed_hash(seed), "candidates": codes})
    else:
        # A commit whose reveal never happened (a crash in between): its seed is lost, so
        # a fresh commit supersedes it; both stay in the ledger for anyone to see.
        session.append("draw.commit", {"post": post, "seed_hash": seed_hash(seed), "candidates": codes,
                                       "supersedes": existing.commit_seq})
    order = order_from_seed(seed, codes)
    session.append("draw.reveal", {"post": post, "seed": seed, "order": order})
    return order


def check_draws(records: list[Record]) -> list[Problem]:
    """Recompute every draw from its revealed seed; part of ``jz verify``.

    Also checks that a draw orders exactly the post's candidates checked in at that
    moment, so nobody can be left out of (or slipped into) the order.
    """
    commits: dict[str, Record] = {}
    revealed: set[str] = set()
    problems: list[Problem] = []
    state = SessionState()
    for record in records:
        if record.kind == "draw.commit":
            if record.data["post"] in revealed:  # a post's order is drawn once: no seed shopping
                problems.append(Problem(record.seq, "verify_draw_redrawn"))
                continue
            if sorted(record.data["candidates"]) != eligible_for_draw(state, record.data["post"]):
                problems.append(Problem(record.seq, "verify_draw_candidates"))
            commits[record.data["post"]] = record
        elif record.kind == "draw.reveal":
            commit = commits.get(record.data["post"])
            if commit is None:
                problems.append(Problem(record.seq, "verify_draw_no_commit"))
                continue
            seed = record.data["seed"]
            if seed_hash(seed) != commit.data["seed_hash"]:
                problems.append(Problem(record.seq, "verify_draw_seed"))
            elif record.data["order"] != order_from_seed(seed, commit.data["candidates"]):
                problems.append(Problem(record.seq, "verify_draw_order"))
            revealed.add(record.data["post"])
        state.apply(record)
    return problems


if check_draws not in CONTENT_CHECKS:
    CONTENT_CHECKS.append(check_draws)
