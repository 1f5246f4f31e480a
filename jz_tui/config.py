"""Changing the session's rules: validated here, recorded as ``config.set`` events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from storage.errors import JzError

from . import rules
from .session import Session


def current_settings(session: Session) -> dict[str, Any]:
    return rules.settings_from(session.state.roster.settings)


def current_rules(session: Session) -> rules.Rules:
    return rules.rules_from(session.state.roster.settings)


def change(session: Session, changes: dict[str, Any]) -> dict[str, Any]:
    """Validate all changes against the settings in force, then append them as one event."""
    session.require_role("admin", action="config.set")
    session.refresh()
    if not changes:
        raise JzError("config_nothing")
    clean = rules.validate_changes(changes, current_settings(session))
    session.append("config.set", {"changes": clean})
    return clean


def import_file(session: Session, path: str | Path) -> dict[str, Any]:
    return change(session, rules.load_toml(path))


def parse_assignments(pairs: list[str]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise JzError("config_bad_assignment", text=pair)
        changes[key.strip()] = rules.parse_cli_value(value)
    return changes
