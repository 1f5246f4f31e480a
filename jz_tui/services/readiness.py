"""The readiness check: what would stop the session (or trouble it) before it starts.

A pure function of the folded state and the rules in force, like DOMjudge's config checker:
each :class:`Problem` is a sentence of the catalogue with the post, box, panel or user it is
about. ``stop`` problems keep the session from running as the rules say (a box nobody can
open, a post nobody can score, nobody to check candidates in); ``warn`` ones are worth a look
(a post with no candidate, a stage still without scores). ``jz check`` prints the same list,
the setup hub's last step shows it, and its progress line counts the stops.
"""

from __future__ import annotations

from dataclasses import dataclass

from jz_tui.events.scores import importable
from jz_tui.i18n import join_list, t
from jz_tui.rules.interview import panel_of, pool
from jz_tui.rules.settings import Rules, rules_of_state
from jz_tui.services import ballots
from jz_tui.services.ranking_table import stage_label
from storage.projection import SessionState

STOP, WARN = "stop", "warn"
SHOWN_CODES = 5  # candidates named in one sentence; the rest are counted


@dataclass(frozen=True)
class Problem:
    severity: str  # STOP or WARN
    key: str  # catalogue key of the sentence
    params: tuple[tuple[str, object], ...] = ()

    @property
    def stops(self) -> bool:
        return self.severity == STOP


def _problem(severity: str, key: str, **params: object) -> Problem:
    return Problem(severity, key, tuple(params.items()))


def _codes(codes: list[str]) -> dict[str, object]:
    """How many candidates, and the first few codes (:func:`text` joins them the language's way)."""
    return {"count": len(codes), "codes": tuple(codes[:SHOWN_CODES])}


def needed_roles(rules: Rules) -> tuple[str, ...]:
    """The roles a session with these rules cannot run without."""
    roles = ["clerk"]
    if "interview" in rules.active_stages:
        roles += ["examiner", "scorer"]
    if "democratic" in rules.active_stages:
        roles.append("tally")
    roles.append("supervisor")  # co-signs announcements, tallies and corrections
    return tuple(roles)


def problems(state: SessionState) -> tuple[Problem, ...]:
    """Every problem found, the stops first, each group in the order a session is prepared."""
    rules = rules_of_state(state)
    roster = state.roster
    active_users = {name: user.role for name, user in state.users.items() if name not in state.removed}
    candidates = [c for c in roster.candidates.values() if c.withdrawn is None and c.disqualified is None]
    candidates.sort(key=lambda c: c.order)
    posts_with_candidates = sorted({c.post for c in candidates})
    found: list[Problem] = []

    # people
    for role in needed_roles(rules):
        if role not in active_users.values():
            found.append(_problem(STOP, "ready_no_role", role=role))

    # the roster
    if not candidates:
        found.append(_problem(STOP, "ready_roster_empty"))
    for code, post in sorted(roster.posts.items()):
        if post.open and code not in posts_with_candidates:
            found.append(_problem(WARN, "ready_post_empty", post=code, name=post.name))

    # tickets
    no_ticket = [c.code for c in candidates if c.code not in roster.ticket_nonces]
    if no_ticket:
        found.append(_problem(STOP, "ready_no_ticket", **_codes(no_ticket)))

    # the stages: a tie-break on one that counts for nothing breaks no tie
    for stage in rules.tie_breaks:
        base = stage.partition(".")[0]
        if base not in rules.active_stages:
            found.append(_problem(WARN, "ready_tie_break_unweighted", stage=base))

    # imported stages (written ...)
    for stage in rules.active_stages:
        if importable(rules, stage):
            scores = state.scoring.stage_scores.get(stage, {})
            missing = [c.code for c in candidates if c.code not in scores]
            if missing:
                found.append(_problem(WARN, "ready_stage_missing", stage=stage, **_codes(missing)))

    # examiners and panels
    if "interview" in rules.active_stages:
        found += _examiner_problems(state, rules, posts_with_candidates)

    # boxes and their officers
    if "democratic" in rules.active_stages:
        found += _box_problems(state, rules, active_users, posts_with_candidates)

    return tuple([p for p in found if p.stops] + [p for p in found if not p.stops])


def _examiner_problems(state: SessionState, rules: Rules, posts: list[str]) -> list[Problem]:
    found: list[Problem] = []
    needed = rules.drop_when_at_least
    if rules.panels == "per_post":
        seen: set[str] = set()
        for post in posts:
            panel = panel_of(state, post, rules)
            if panel is None:
                found.append(_problem(STOP, "ready_post_no_panel", post=post))
            elif panel.id not in seen:
                seen.add(panel.id)
                members = [m for m in panel.current if m not in state.removed]
                if len(members) < needed:
                    found.append(_problem(STOP, "ready_panel_few", panel=panel.id, count=len(members),
                                          needed=needed))
        return found
    panel = panel_of(state, None, rules)
    if panel is not None:
        members = [m for m in panel.current if m not in state.removed]
        if len(members) < needed:
            found.append(_problem(STOP, "ready_panel_few", panel=panel.id, count=len(members), needed=needed))
    else:
        count = len(pool(state))
        if 0 < count < needed:  # none at all is said once, as a missing role
            found.append(_problem(STOP, "ready_examiners_few", count=count, needed=needed))
    return found


def _box_problems(state: SessionState, rules: Rules, active_users: dict[str, str], posts: list[str]
                  ) -> list[Problem]:
    found: list[Problem] = []
    tally = state.tally
    officers_needed = ballots.officers_needed(rules)
    tally_users = sum(1 for role in active_users.values() if role == "tally")
    if 0 < tally_users < officers_needed and any(post not in tally.posts for post in posts):
        found.append(_problem(STOP, "ready_tally_few", count=tally_users, needed=officers_needed,
                              k=rules.shares_to_open, close=rules.officers_to_close))
    for box in sorted(tally.boxes.values(), key=lambda b: b.created_seq):
        officers = [o for o in box.officers if active_users.get(o) == "tally"]
        if box.k > len(officers):
            found.append(_problem(STOP, "ready_box_k", box=box.id, k=box.k, count=len(officers)))
        if rules.officers_to_close > len(officers):
            found.append(_problem(STOP, "ready_box_close", box=box.id, close=rules.officers_to_close,
                                  count=len(officers)))
    for post in posts:
        if post not in tally.posts:
            found.append(_problem(STOP, "ready_post_no_box", post=post))
    return found


def stops(found: tuple[Problem, ...]) -> int:
    return sum(1 for p in found if p.stops)


def text(problem: Problem, lang: str | None = None) -> str:
    """The problem as a sentence in the language: stages by their names (``t`` names a role),
    the candidates named joined the language's way, with … when there are more."""
    params = dict(problem.params)
    if "stage" in params:
        params["stage"] = stage_label(str(params["stage"]), lang)
    if "codes" in params:
        codes = tuple(params["codes"])  # type: ignore[arg-type]
        params["codes"] = join_list(codes, lang) + \
            (" …" if int(params.get("count", 0)) > len(codes) else "")  # type: ignore[call-overload]
    return t(problem.key, lang=lang, **params)
