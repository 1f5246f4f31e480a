"""Examiner panels (考官组): who scores which posts, drawn by lot when the rules say so, an
examiner replaced mid-session, and what a recusal (回避) checks.

A panel is the session's one (``interview.panels = "one"``: no posts) or a room's
(``"per_post"``: the posts it scores). Only an admin sets, draws or changes one. Once a sheet
exists for a post's candidate its panel is no longer set again: a member taken ill is replaced
(``panel.replace``), and stays expected only where their sheet was already confirmed
(``jz_tui.rules.interview.examiners``).
"""

from __future__ import annotations

from typing import Any

from jz_tui.events.common import candidate, post_exists, rules_of
from jz_tui.rules.draw import seed_hash
from jz_tui.rules.interview import examiners, label, panels_from_seed
from storage.events import declare, dict_of, hexstr, integer, list_of, name, obj, require, text, user_name
from storage.ledger import Record
from storage.projection import SessionState
from storage.scoring_state import Panel, PanelDraw

_ADMIN = {"admin"}
_MEMBERS = list_of(user_name, 99, 1, unique=True)


def _is_examiner(state: SessionState, user: str) -> bool:
    found = state.users.get(user)
    return found is not None and found.role == "examiner" and user not in state.removed


def _examiner(state: SessionState, user: str) -> None:
    require(_is_examiner(state, user), "panel_not_examiner", examiner=user)


def _posts_free(state: SessionState, panel: str, posts: list[str]) -> None:
    """The posts may get this panel: the rules' kind of panel, posts that exist and no other panel
    has, and nobody has scored a candidate of them (nor, for the session's panel, anyone)."""
    rules = rules_of(state)
    if rules.panels == "per_post":
        require(bool(posts), "panel_posts_needed")
        for post in posts:
            post_exists(state, post)
            owner = state.scoring.panel_of_post.get(post)
            require(owner in (None, panel), "panel_post_taken", post=post, panel=owner or "-")
    else:
        require(not posts, "panel_posts_one")
        require(all(other == panel for other, p in state.scoring.panels.items() if not p.posts), "panel_one_only")
    existing = state.scoring.panels.get(panel)
    affected = set(posts) | set(existing.posts if existing else ())
    for code, _ in state.scoring.sheets:
        target = state.roster.candidates.get(code)
        if not posts or (target is not None and target.post in affected):
            require(False, "panel_in_use", panel=panel)


def _place(state: SessionState, panel: Panel) -> None:
    previous = state.scoring.panels.get(panel.id)
    for post in previous.posts if previous else ():
        state.scoring.panel_of_post.pop(post, None)
    state.scoring.panels[panel.id] = panel
    for post in panel.posts:
        state.scoring.panel_of_post[post] = panel.id


# ---------------------------------------------------------------------- panel.set


def _check_set(state: SessionState, record: Record) -> None:
    data = record.data
    require(not rules_of(state).draw_panels, "panel_must_be_drawn")
    existing = state.scoring.panels.get(data["panel"])
    require(existing is None or not existing.drawn, "panel_must_be_drawn")
    _posts_free(state, data["panel"], data["posts"])
    for member in data["examiners"]:
        _examiner(state, member)
    require(data["chief"] in data["examiners"], "panel_chief_not_member", examiner=data["chief"])


def _apply_set(state: SessionState, record: Record) -> None:
    data = record.data
    _place(state, Panel(data["panel"], list(data["posts"]), list(data["examiners"]), data["chief"], record.seq))


declare("panel.set", roles=_ADMIN,
        body=obj({"panel": name, "posts": list_of(name, 10_000, unique=True), "examiners": _MEMBERS,
                  "chief": user_name}),
        check=_check_set, apply=_apply_set,
        doc="A panel of examiners with its chief (主考官): the session's one, or some posts' (a room); "
            "never once a sheet of its candidates exists, nor when the rules draw panels.")

# ---------------------------------------------------------------------- panel.replace


def _check_replace(state: SessionState, record: Record) -> None:
    data = record.data
    panel = state.scoring.panels.get(data["panel"])
    require(panel is not None, "panel_unknown", panel=data["panel"])
    assert panel is not None
    require(data["examiner"] in panel.current, "panel_not_member", examiner=data["examiner"], panel=panel.id)
    _examiner(state, data["by"])
    require(data["by"] not in panel.current, "panel_already_member", examiner=data["by"], panel=panel.id)


def _apply_replace(state: SessionState, record: Record) -> None:
    data = record.data
    state.scoring.panels[data["panel"]].replacements.append(
        {"examiner": data["examiner"], "by": data["by"], "reason": data["reason"], "seq": record.seq})


declare("panel.replace", roles=_ADMIN,
        body=obj({"panel": name, "examiner": user_name, "by": user_name, "reason": text(2000, empty=False)}),
        check=_check_replace, apply=_apply_replace,
        doc="A member replaced mid-session (taken ill): expected from now on only where their sheet was "
            "confirmed; the replacement everywhere else.")

# ---------------------------------------------------------------------- the draw of panels

_SPEC = obj({"panel": name, "posts": list_of(name, 10_000, unique=True), "chief": user_name,
             "size": integer(1, 99)})


def _check_commit(state: SessionState, record: Record) -> None:
    data = record.data
    require(rules_of(state).draw_panels, "panel_draw_off")
    existing = state.scoring.panel_draw
    unrevealed = existing if existing is not None and existing.reveal_seq is None else None
    require(data.get("supersedes") == (unrevealed.commit_seq if unrevealed else None), "event_draw_supersedes")
    require(bool(data["panels"]), "panel_draw_empty")
    ids = [p["panel"] for p in data["panels"]]
    require(len(set(ids)) == len(ids), "panel_draw_duplicate")
    chiefs = [p["chief"] for p in data["panels"]]
    require(len(set(chiefs)) == len(chiefs), "panel_draw_duplicate")
    posts = [post for p in data["panels"] for post in p["posts"]]
    require(len(set(posts)) == len(posts), "panel_draw_duplicate")
    if rules_of(state).panels != "per_post":
        require(len(data["panels"]) == 1, "panel_one_only")
    for spec in data["panels"]:
        require(spec["panel"] not in state.scoring.panels, "panel_exists", panel=spec["panel"])
        _posts_free(state, spec["panel"], spec["posts"])
        _examiner(state, spec["chief"])
    for member in data["pool"]:
        _examiner(state, member)
        require(member not in chiefs, "panel_pool_chief", examiner=member)
    needed = sum(spec["size"] - 1 for spec in data["panels"])
    require(needed <= len(data["pool"]), "panel_pool_small", needed=needed, pool=len(data["pool"]))


def _apply_commit(state: SessionState, record: Record) -> None:
    data = record.data
    state.scoring.panel_draw = PanelDraw(data["seed_hash"], [dict(p) for p in data["panels"]], list(data["pool"]),
                                         record.seq)


declare("panel.commit", roles=_ADMIN,
        body=obj({"seed_hash": hexstr(32), "pool": list_of(user_name, 999, 0, unique=True),
                  "panels": list_of(_SPEC, 999, 1)}, {"supersedes": integer(1)}),
        check=_check_commit, apply=_apply_commit,
        doc="The hash of the panel draw's seed, with each panel's posts, chief and size and the pool of "
            "examiners the other members are drawn from.")


def drawn_panels(draw: PanelDraw, seed: str) -> dict[str, list[str]]:
    """What a revealed seed deals out (see :func:`jz_tui.rules.interview.panels_from_seed`)."""
    return panels_from_seed(seed, draw.pool, draw.panels)


def _check_reveal(state: SessionState, record: Record) -> None:
    draw = state.scoring.panel_draw
    require(draw is not None and draw.reveal_seq is None, "panel_draw_no_commit")
    assert draw is not None
    seed = record.data["seed"]
    require(seed_hash(seed) == draw.seed_hash, "verify_draw_seed")
    try:
        expected: dict[str, Any] = drawn_panels(draw, seed)
    except ValueError:
        expected = {}
    require(record.data["panels"] == expected, "panel_draw_members")
    for spec in draw.panels:  # nothing was scored on these posts between the commit and the reveal
        _posts_free(state, spec["panel"], spec["posts"])


def _apply_reveal(state: SessionState, record: Record) -> None:
    draw = state.scoring.panel_draw
    assert draw is not None
    draw.seed, draw.reveal_seq = record.data["seed"], record.seq
    for spec in draw.panels:
        members = list(record.data["panels"][spec["panel"]])
        _place(state, Panel(spec["panel"], list(spec["posts"]), members, spec["chief"], record.seq, drawn=True))


declare("panel.reveal", roles=_ADMIN,
        body=obj({"seed": hexstr(32), "panels": dict_of(name, _MEMBERS, 999)}),
        check=_check_reveal, apply=_apply_reveal,
        doc="The panel draw's seed and the members it deals to each panel (anyone can recompute them).")

# ---------------------------------------------------------------------- a recusal (回避): pending.py's action


def recusable(state: SessionState, starter: str, params: dict[str, Any]) -> None:
    """An examiner expected on a candidate still being scored may recuse from them, with a reason;
    an examiner starts it only for themselves (a scorer for any examiner)."""
    code, examiner = params["candidate"], params["examiner"]
    candidate(state, code)
    starter_user = state.users.get(starter)
    require(starter_user is None or starter_user.role != "examiner" or examiner == starter, "recuse_other")
    require(code not in state.scoring.announced, "sheet_already_announced", ref=label(state, code))
    require((code, examiner) not in state.scoring.recused, "sheet_recused", ref=label(state, code), examiner=examiner)
    require(examiner in examiners(state, code), "sheet_not_on_panel", ref=label(state, code), examiner=examiner)


def check_recuse(state: SessionState, starter: str, params: dict[str, Any]) -> None:
    recusable(state, starter, params)
    waiting = any(not a.done and a.action == "examiner.recuse" and a.params.get("candidate") == params["candidate"]
                  and a.params.get("examiner") == params["examiner"] for a in state.pending.values())
    require(not waiting, "recuse_pending", ref=label(state, params["candidate"]), examiner=params["examiner"])


def recuse(state: SessionState, params: dict[str, Any]) -> None:
    state.scoring.recused[(params["candidate"], params["examiner"])] = params["reason"]
