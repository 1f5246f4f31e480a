"""How far the session's preparation has come, step by step, for the admin's setup screen.

The steps are the order a session is prepared in (DESIGN.md §1): rules, users, roster,
tickets, written scores, boxes and tokens, then the readiness check. Each step's line is
a pure function of the folded state, so the hub shows the same facts the commands act on.
"""

from __future__ import annotations

from dataclasses import dataclass

from jz_tui.rules import settings as rules
from jz_tui.services import readiness
from storage.projection import SessionState

STEPS: tuple[str, ...] = ("rules", "users", "roster", "tickets", "written", "boxes", "check")


@dataclass(frozen=True)
class StepProgress:
    step: str
    done: bool
    message: str  # catalogue key of the one-line status
    params: tuple[tuple[str, object], ...] = ()


def changed_rules(state: SessionState) -> int:
    """How many rules differ from the defaults of ``jz_tui/data/rules.toml``."""
    current = rules.settings_from(state.roster.settings)
    defaults = rules.settings_from({})
    return sum(1 for key, value in current.items() if defaults.get(key) != value)


def progress(state: SessionState) -> tuple[StepProgress, ...]:
    roster = state.roster
    candidates = [c for c in roster.candidates.values() if c.withdrawn is None]
    by_role: dict[str, int] = {}
    for user in state.users.values():
        if user.name not in state.removed:
            by_role[user.role] = by_role.get(user.role, 0) + 1
    with_ticket = sum(1 for c in candidates if c.code in roster.ticket_nonces)
    written = state.scoring.stage_scores.get("written", {})
    with_written = sum(1 for c in candidates if c.code in written)
    posts = [code for code, post in roster.posts.items() if post.open]
    boxed = sum(1 for code in posts if code in state.tally.posts)
    return (
        StepProgress("rules", True, "setup_step_rules_status", (("changed", changed_rules(state)),)),
        StepProgress("users", all(by_role.get(role, 0) for role in readiness.needed_roles(rules.rules_of_state(state))),
                     "setup_step_users_status", (("users", sum(by_role.values())), ("roles", len(by_role)))),
        StepProgress("roster", bool(candidates), "setup_step_roster_status",
                     (("candidates", len(candidates)), ("posts", len(roster.posts)))),
        StepProgress("tickets", bool(candidates) and with_ticket == len(candidates), "setup_step_count_status",
                     (("done", with_ticket), ("total", len(candidates)))),
        StepProgress("written", bool(candidates) and with_written == len(candidates), "setup_step_count_status",
                     (("done", with_written), ("total", len(candidates)))),
        StepProgress("boxes", bool(posts) and boxed == len(posts), "setup_step_boxes_status",
                     (("boxes", len(state.tally.boxes)), ("done", boxed), ("total", len(posts)))),
        check_progress(state),
    )


def check_progress(state: SessionState) -> StepProgress:
    """The readiness check's line: done when nothing stops the session; how many stops and warnings."""
    found = readiness.problems(state)
    stops = readiness.stops(found)
    if not found:
        return StepProgress("check", True, "setup_step_check_ready")
    return StepProgress("check", stops == 0, "setup_step_check_problems",
                        (("stops", stops), ("warnings", len(found) - stops)))
