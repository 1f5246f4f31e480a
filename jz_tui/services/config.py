"""Changing the session's rules: validated here, recorded as ``config.set`` events."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

from jz_tui.rules import settings as rules
from jz_tui.services.session import Session
from storage.errors import JzError


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


def example_text() -> str:
    """The packaged defaults (``jz_tui/data/rules.toml``), every rule with its comment: what
    ``jz config VAULT --example`` prints, a rules file to copy and edit for ``--import``."""
    return rules.DEFAULTS_PATH.read_text(encoding="utf-8")


def load_toml(path: str | Path) -> dict[str, Any]:
    """A rules file (``rules.toml``) as flat settings, not yet validated."""
    try:
        with Path(path).open("rb") as fh:
            return rules.flatten(tomllib.load(fh, parse_float=Decimal))
    except FileNotFoundError as exc:  # say where a rules file comes from
        raise rules.RuleError("rules_file_missing", path=str(path), defaults=str(rules.DEFAULTS_PATH)) from exc
    except OSError as exc:
        raise rules.RuleError("file_unreadable", path=str(path)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise rules.RuleError("rule_toml_invalid", path=str(path), detail=str(exc)) from exc
    except UnicodeDecodeError as exc:  # TOML is UTF-8: this is some other file
        raise rules.RuleError("rule_toml_invalid", path=str(path), detail=exc.reason) from exc
    except (ValueError, RecursionError) as exc:
        # an integer of thousands of digits, or arrays nested a thousand deep: no rules file looks like that
        raise rules.RuleError("rule_toml_invalid", path=str(path), detail=type(exc).__name__) from exc


def import_file(session: Session, path: str | Path) -> dict[str, Any]:
    return change(session, load_toml(path))


def parse_assignments(pairs: list[str]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise JzError("config_bad_assignment", text=pair)
        changes[key.strip()] = rules.parse_cli_value(value)
    return changes
