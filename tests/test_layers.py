"""Imports point one way (README, "How it is built"): screens -> jz_tui -> storage, and inside
jz_tui from the command line down to the rules. Read from the source, so a new module that
imports the wrong way fails here, not in review."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("jz_tui", "screens", "storage")

# What each room may import from the project (its own room always). "storage.errors" is the one
# storage module the rules and the shared helpers may use: the error type every layer raises.
MAY_IMPORT = {
    "storage": set(),
    "shared": {"storage.errors"},
    "rules": {"storage.errors"},
    "events": {"rules", "shared", "storage"},
    "services": {"events", "rules", "shared", "storage"},
    "screens": {"services", "rules", "shared"},
    "apps": {"screens", "services", "events", "rules", "shared", "storage"},
    "bench": {"apps", "services", "events", "rules", "shared", "storage"},
    "cli": {"apps", "bench", "services", "events", "rules", "shared", "storage"},
}


def room(module: str) -> str:
    """The room of a project module: storage, screens, or one of jz_tui's."""
    parts = module.split(".")
    if parts[0] in ("storage", "screens"):
        return parts[0]
    if len(parts) > 1 and parts[1] in ("cli", "apps", "events", "rules", "services", "bench"):
        return parts[1]
    return "shared"  # jz_tui itself, jz_tui.i18n, jz_tui.progress, jz_tui.errors


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def type_checking_lines(tree: ast.Module) -> set[int]:
    """Lines under ``if TYPE_CHECKING:``: annotations only, never run."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING":
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def project_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every project import that runs, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    skipped = type_checking_lines(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            names = [(node.lineno, f"{base}.{alias.name}" if _is_module(f"{base}.{alias.name}") else base)
                     for alias in node.names]
        else:
            continue
        found += [(line, name) for line, name in names if name.split(".")[0] in PACKAGES and line not in skipped]
    return found


def _is_module(dotted: str) -> bool:
    base = ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def wrong_way(path: Path) -> list[str]:
    mine = room(module_name(path))
    allowed = MAY_IMPORT[mine] | {mine}
    wrong = []
    for line, target in project_imports(path):
        if room(target) in allowed or (target == "storage.errors" and "storage.errors" in allowed):
            continue
        wrong.append(f"{path.relative_to(ROOT)}:{line} ({mine}) imports {target} ({room(target)})")
    return wrong


def test_every_import_points_the_right_way():
    assert len(sources()) > 60
    problems = [problem for path in sources() for problem in wrong_way(path)]
    assert problems == []


def test_nothing_but_the_command_line_imports_it():
    importers = [f"{path.relative_to(ROOT)}:{line}" for path in sources() if room(module_name(path)) != "cli"
                 for line, target in project_imports(path) if room(target) == "cli"]
    assert importers == []


def test_the_check_sees_a_wrong_import(tmp_path, monkeypatch):
    """A rules module importing a service, and a screen importing storage, are both caught."""
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    for relative, text in {
        "jz_tui/rules/bad.py": "from jz_tui.services import ballots\nfrom storage.errors import JzError\n",
        "screens/bad.py": "from storage.vault import Vault\n",
        "jz_tui/services/ok.py": "from ..rules import scoring\nfrom storage.vault import Vault\n",
        "storage/bad.py": "from jz_tui import i18n\n",
        "jz_tui/apps/bad.py": "from jz_tui.cli.common import Misuse\n",
    }.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert wrong_way(tmp_path / "jz_tui/rules/bad.py") == [
        "jz_tui/rules/bad.py:1 (rules) imports jz_tui.services (services)"]
    assert wrong_way(tmp_path / "screens/bad.py") == ["screens/bad.py:1 (screens) imports storage.vault (storage)"]
    assert wrong_way(tmp_path / "jz_tui/services/ok.py") == []
    assert wrong_way(tmp_path / "storage/bad.py") == ["storage/bad.py:1 (storage) imports jz_tui (shared)"]
    assert wrong_way(tmp_path / "jz_tui/apps/bad.py") == ["jz_tui/apps/bad.py:1 (apps) imports jz_tui.cli.common (cli)"]
