"""Shared fixtures.

Test vaults use weak Argon2id parameters so that the suite stays quick; they are made
here, through the Python API, and never through any user-facing option.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from jz_tui import i18n
import jz_tui.events  # noqa: F401  (every event kind declared before a test folds a ledger)
from storage.crypto import KdfParams
from storage.vault import Identity, Vault

WEAK_KDF = KdfParams(memory_kib=64, iterations=1, lanes=1)
PASSPHRASES = {
    "admin": "admin-pass",
    "clerk": "clerk-pass",
    "scorer": "scorer-pass",
    "sup": "sup-pass",
    "e1": "e1-pass",
    "e2": "e2-pass",
    "t1": "t1-pass",
    "t2": "t2-pass",
}
ROLES_OF = {"clerk": "clerk", "scorer": "scorer", "sup": "supervisor", "e1": "examiner", "e2": "examiner",
            "t1": "tally", "t2": "tally"}


@pytest.fixture(autouse=True)
def english(monkeypatch):
    """Tests read English messages unless they ask otherwise."""
    monkeypatch.setenv("JZ_LANG", "en")
    i18n.set_language("en")
    yield


@dataclass
class TestVault:
    path: Path
    vault: Vault
    admin: Identity

    def identity(self, name: str) -> Identity:
        return self.vault.unlock(name, PASSPHRASES[name])


def make_test_vault(path: Path, users: bool = True, session: str = "测试会话") -> TestVault:
    vault, admin = Vault.create(path, session, "admin", PASSPHRASES["admin"], kdf=WEAK_KDF)
    if users:
        for name, role in ROLES_OF.items():
            vault.add_user(admin, name, role, PASSPHRASES[name], kdf=WEAK_KDF)
    return TestVault(path, vault, admin)


@pytest.fixture
def test_vault(tmp_path) -> TestVault:
    tv = make_test_vault(tmp_path / "session.jz")
    yield tv
    tv.vault.close()


def jz_executable() -> list[str]:
    """The installed ``jz`` console script (falls back to the module in a dev checkout)."""
    exe = shutil.which("jz", path=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    return [exe] if exe else [sys.executable, "-m", "jz_tui.cli"]


@pytest.fixture
def jz():
    """Run the installed ``jz`` in a real process: ``jz("verify", path, user="admin")``."""

    def run(*args: str, user: str | None = None, env: dict[str, str] | None = None, input: str | None = None,
            timeout: float = 60):
        full_env = {**os.environ, "JZ_LANG": "en"}
        full_env.pop("JZ_PASSPHRASE", None)
        argv = [*jz_executable(), *map(str, args)]
        if user is not None:
            argv += ["--user", user]
            full_env["JZ_PASSPHRASE"] = PASSPHRASES[user]
        full_env.update(env or {})
        return subprocess.run(argv, capture_output=True, text=True, env=full_env, input=input, timeout=timeout)

    return run
