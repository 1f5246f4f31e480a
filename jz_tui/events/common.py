"""What several declarations read: the rules in force, and the candidate or post an event names."""

from __future__ import annotations

from jz_tui.rules.settings import Rules, rules_of_state
from storage.events import require
from storage.projection import SessionState
from storage.roster_state import Candidate


def rules_of(state: SessionState) -> Rules:
    """The rules in force, built once per change of the settings (a fold asks for every sheet)."""
    return rules_of_state(state)


def candidate(state: SessionState, code: str) -> Candidate:
    found = state.roster.candidates.get(code)
    require(found is not None, "candidate_unknown", code=code)
    assert found is not None
    return found


def post_exists(state: SessionState, post: str) -> None:
    require(post in state.roster.posts, "post_unknown", post=post)
