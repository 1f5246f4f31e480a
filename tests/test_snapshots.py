"""What the login screen and each role's home screen look like at 80x24, in both languages.

The pictures are SVGs under tests/__snapshots__/; after an intended change of a screen,
regenerate them with ``pytest tests/test_snapshots.py --snapshot-update`` and look at
the report before committing. The app runs with a fixed clock and masked hashes,
fingerprints and event times, on a vault with fixed pending-action ids.
"""

from __future__ import annotations

import pytest
from _app_helpers import USER_OF_ROLE, log_in, make_app_vault, settle, stable_app

from jz_tui import i18n

SIZE = (80, 24)


@pytest.fixture(params=["zh", "en"])
def language(request, monkeypatch):
    monkeypatch.setenv("JZ_LANG", request.param)
    i18n.set_language(request.param)
    return request.param


@pytest.fixture
def vault_path(tmp_path, monkeypatch):
    return make_app_vault(tmp_path / "session.jz", monkeypatch)


def test_login_screen(snap_compare, vault_path, language):
    assert snap_compare(stable_app(vault_path), terminal_size=SIZE, run_before=settle)


@pytest.mark.parametrize("role", list(USER_OF_ROLE))
def test_home_screen(snap_compare, vault_path, language, role):
    async def logged_in(pilot):
        await log_in(pilot, USER_OF_ROLE[role])

    assert snap_compare(stable_app(vault_path), terminal_size=SIZE, run_before=logged_in)
