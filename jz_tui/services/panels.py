"""Examiner panels (考官组): set by hand or drawn by lot, a member replaced mid-session, a recusal.

The declarations (``jz_tui/events/panels.py``) judge every panel event on append and on every
replay; who is expected on a candidate is :func:`jz_tui.rules.interview.examiners`. A draw
works like the interview order's: the SHA-256 of a fresh seed is recorded with each panel's
posts, chief and size and the pool, then the seed is revealed with the members it deals, which
anyone can recompute (:func:`jz_tui.rules.interview.panels_from_seed`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from jz_tui.events.panels import drawn_panels
from jz_tui.rules.draw import seed_hash
from jz_tui.rules.interview import examiners, label, panel_of, pool
from jz_tui.services import pending
from jz_tui.services.config import current_rules
from jz_tui.services.session import Session
from jz_tui.services.sheets import resolve
from storage.errors import JzError
from storage.projection import PendingAction, SessionState
from storage.scoring_state import Panel

__all__ = ["PanelSpec", "draw", "examiners", "label", "overview", "panel_of", "recusals", "recuse", "replace",
           "set_panel"]


@dataclass(frozen=True)
class PanelSpec:
    """One panel of a draw: its id, the posts it scores (none: the session's one), its chief, its size."""

    panel: str
    posts: tuple[str, ...]
    chief: str
    size: int


def _posts(posts: list[str] | tuple[str, ...]) -> list[str]:
    return [p.strip().upper() for p in posts if p.strip()]


def set_panel(session: Session, panel: str, posts: list[str], members: list[str], chief: str) -> Panel:
    session.require_role("admin", action="panel.set")
    session.refresh()
    members = [m.strip() for m in members if m.strip()]
    chief = chief.strip()
    if chief and chief not in members:
        members = [chief, *members]
    session.append("panel.set", {"panel": panel.strip(), "posts": _posts(posts), "examiners": members,
                                 "chief": chief})
    return session.state.scoring.panels[panel.strip()]


def replace(session: Session, panel: str, examiner: str, by: str, reason: str) -> Panel:
    session.require_role("admin", action="panel.replace")
    session.refresh()
    if not reason.strip():
        raise JzError("reason_needed")
    session.append("panel.replace", {"panel": panel.strip(), "examiner": examiner.strip(), "by": by.strip(),
                                     "reason": reason.strip()})
    return session.state.scoring.panels[panel.strip()]


def draw(session: Session, specs: list[PanelSpec], drawn_from: list[str] | None = None) -> dict[str, list[str]]:
    """Commit to a seed, then reveal it with the members it deals; returns panel -> members
    (its chief first). ``drawn_from``: the pool (default: every examiner but the chiefs)."""
    session.require_role("admin", action="panel.commit")
    session.refresh()
    state = session.state
    if not current_rules(session).draw_panels:
        raise JzError("panel_draw_off")
    chiefs = [spec.chief.strip() for spec in specs]
    names = [n.strip() for n in drawn_from if n.strip()] if drawn_from is not None else \
        [n for n in pool(state) if n not in chiefs]
    body: dict[str, Any] = {
        "pool": names,
        "panels": [{"panel": spec.panel.strip(), "posts": _posts(spec.posts), "chief": spec.chief.strip(),
                    "size": spec.size} for spec in specs],
    }
    seed = secrets.token_hex(32)
    existing = state.scoring.panel_draw
    if existing is not None and existing.reveal_seq is None:
        body["supersedes"] = existing.commit_seq  # a commit whose reveal never happened: its seed is lost
    session.append("panel.commit", {"seed_hash": seed_hash(seed), **body})
    committed = session.state.scoring.panel_draw
    assert committed is not None
    members = drawn_panels(committed, seed)
    session.append("panel.reveal", {"seed": seed, "panels": members})
    return members


def recuse(session: Session, ref: str, reason: str, examiner: str | None = None) -> PendingAction:
    """回避: pending until a supervisor signs; an examiner for themselves, a scorer naming one."""
    session.require_role("examiner", "scorer", action="examiner.recuse")
    session.refresh()
    code = resolve(session.state, ref)
    who = (examiner or "").strip() or (session.user if session.role == "examiner" else "")
    if not who:
        raise JzError("recuse_examiner_needed")
    if not reason.strip():
        raise JzError("reason_needed")
    return pending.create(session, "examiner.recuse", {"candidate": code, "examiner": who, "reason": reason.strip()},
                          reason=reason.strip())


def overview(state: SessionState) -> list[dict[str, Any]]:
    """Every panel as it stands: posts, chief, members now, who was replaced by whom."""
    rules_panels = []
    for panel in sorted(state.scoring.panels.values(), key=lambda p: p.id):
        rules_panels.append({
            "panel": panel.id, "posts": list(panel.posts), "chief": panel.current_chief,
            "members": panel.current, "drawn": panel.drawn,
            "replaced": [{"examiner": r["examiner"], "by": r["by"], "reason": r["reason"]} for r in panel.replacements],
        })
    return rules_panels


def recusals(state: SessionState) -> list[dict[str, str]]:
    """The recusals in force, by candidate number (an examiner may see this list)."""
    return [{"candidate": label(state, code), "examiner": examiner, "reason": reason}
            for (code, examiner), reason in sorted(state.scoring.recused.items())]
