"""Partial counts are seen by the box's officers only (DESIGN.md §2.6): the one place that decides.

Until a post's tally is closed and co-signed, its paper ballots' marks (``ballot.enter``), its
electronic ballots once unsealed (``box.unseal``) and the figures of a close still waiting for
signatures (``pending.create`` of ``tally.close``) are the officers' to read. Anything else that
shows event bodies (``jz log``, human and ``--json``; ``jz sign --list``) passes them through
:func:`withheld_body` / :func:`withheld_params` with the viewer's name, and shows
:data:`WITHHELD` in their place. The ranking, the exports, the printed forms, the board and the
hall exports read only closed tallies (``storage.projection``'s ``tally.closed``).
"""

from __future__ import annotations

from typing import Any

from storage.projection import SessionState

WITHHELD = "(withheld until the tally is closed)"  # the same in both languages: it is data, in JSON too

# the figures of a close that waits for signatures: what the officers counted
_CLOSE_FIGURES = ("valid", "void", "electronic", "candidates")


def may_see_count(state: SessionState, viewer: str, post: Any) -> bool:
    """``viewer`` may see ``post``'s marks and counts now: the tally is closed, or they are an
    officer of its box (a tally user the box names)."""
    tally = state.tally.posts.get(post) if isinstance(post, str) else None
    if tally is not None and tally.closed is not None:
        return True
    box = state.tally.box_of(post) if isinstance(post, str) else None
    user = state.users.get(viewer)
    return box is not None and viewer in box.officers and user is not None and user.role == "tally"


def withheld_body(state: SessionState, viewer: str, kind: str, data: Any, placeholder: str = WITHHELD) -> Any:
    """``data`` (an event's body) as ``viewer`` may see it: partial counts replaced by ``placeholder``."""
    if not isinstance(data, dict):
        return data
    if kind == "ballot.enter" and "marks" in data and not may_see_count(state, viewer, data.get("post")):
        return {**data, "marks": placeholder}
    if kind == "box.unseal" and isinstance(data.get("ballots"), dict):
        ballots = {post: marks if may_see_count(state, viewer, post) else placeholder
                   for post, marks in data["ballots"].items()}
        return {**data, "ballots": ballots}
    if kind == "pending.create" and isinstance(data.get("params"), dict):
        return {**data, "params": withheld_params(state, viewer, data.get("action"), data["params"], placeholder)}
    return data


def withheld_params(state: SessionState, viewer: str, action: Any, params: Any,
                    placeholder: str = WITHHELD) -> Any:
    """A pending action's parameters as ``viewer`` may see them (a close's figures withheld)."""
    if action != "tally.close" or not isinstance(params, dict) or may_see_count(state, viewer, params.get("post")):
        return params
    return {key: placeholder if key in _CLOSE_FIGURES else value for key, value in params.items()}
