"""A vault for the tally and kiosk screen tests: the synthetic roster of three posts
(A01 with 5 candidates, A02 with 4, B01 with 3), one ballot box for A01 and B01 counted
by t1 and t2 (k = 2), and readers of what the ledger holds afterwards.

The roster is generated with a fixed seed, so names and codes are the same on every run
(the snapshot tests depend on it).
"""

from __future__ import annotations

from pathlib import Path

from _hall_helpers import import_demo_roster
from conftest import PASSPHRASES, make_test_vault

from jz_tui.services import ballots
from jz_tui.services.session import Session
from storage.ledger import Record
from storage.vault import Vault

BOX = "BOX1"
POSTS = ("A01", "B01")


def make_ballot_vault(path: Path, *, opened: int | None = None, slips: int = 0) -> tuple[Path, list[str]]:
    """The roster and the box; ``opened``: post A01 opened by t1 with that many issued and returned.

    Returns the path and the codes of ``slips`` voting slips issued for the box.
    """
    tv = make_test_vault(path)
    try:
        admin = Session(tv.vault, tv.admin)
        import_demo_roster(admin, path.parent)
        box = ballots.create_box(admin, list(POSTS), ["t1", "t2"], "S-0001")
        assert box.id == BOX
        codes = ballots.issue_tokens(admin, BOX, slips) if slips else []
        if opened is not None:
            ballots.open_box(officer(tv.vault, "t1"), "A01", True, "", opened, opened)
    finally:
        tv.vault.close()
    return path, codes


def officer(vault: Vault, name: str) -> Session:
    return Session(vault, vault.unlock(name, PASSPHRASES[name]))


def records(path: Path, kinds: tuple[str, ...]) -> list[Record]:
    """The ledger's events of those kinds, decrypted, in ledger order (read on a connection of our own)."""
    vault = Vault.open(path)
    try:
        key = vault.unlock("admin", PASSPHRASES["admin"]).data_key
        return [r for r in vault.records(key) if r.kind in kinds]
    finally:
        vault.close()


def sealed_count(path: Path, box: str = BOX) -> int:
    """The electronic ballots stored for the box: held for a kiosk officer, or already mixed in."""
    vault = Vault.open(path)
    try:
        held = sum(1 for row in vault.held_ballot_rows() if row[0] == box)
        return held + len(vault.sealed_ballots(box))
    finally:
        vault.close()
