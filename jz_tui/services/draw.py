"""The interview order, drawn by lot per post, verifiably.

Before the draw the SHA-256 of a fresh random seed is recorded with the list of
checked-in candidates; then the order is computed from the seed and the seed revealed.
Anyone can recompute it: sort the candidates by SHA-256(seed ‖ code). The declarations of
``draw.commit`` and ``draw.reveal`` (jz_tui/events/hall.py) check every draw, on append and
on every replay, ``jz verify``'s included.
"""

from __future__ import annotations

import secrets

from jz_tui.events.hall import eligible_for_draw
from jz_tui.rules.draw import order_from_seed, seed_hash
from jz_tui.services.session import Session
from storage.errors import JzError

__all__ = ["draw", "eligible_for_draw", "order_from_seed", "seed_hash"]


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
