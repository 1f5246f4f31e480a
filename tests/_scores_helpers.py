"""A hall for the scoring screens' tests: five examiners, post A drawn, post B absent.

Everything is addressed by interview number (``A-1`` ...), never by candidate code, so
that the pictures do not depend on how the lots fell. Pending-action ids are fixed.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from conftest import PASSPHRASES, WEAK_KDF, make_test_vault

from jz_tui.bench import synthetic
from jz_tui.services import checkin, draw, pending, sheets
from jz_tui.services.roster import import_roster
from jz_tui.services.session import Session
from storage.vault import Vault

EXAMINERS = ("e1", "e2", "e3", "e4", "e5")
EXTRA_PASS = "exam-pass"  # e3..e5 (conftest knows e1, e2)

# One sheet per examiner: totals 85, 86, 100, 65, 83.5 -> drop 100 (e3) and 65 (e4) -> 84.83
MARKS = {
    "e1": ["20", "18", "13", "12", "13", "9"],
    "e2": ["21", "18", "13", "12", "13", "9"],
    "e3": ["25", "20", "15", "15", "15", "10"],
    "e4": ["15", "12", "10", "10", "10", "8"],
    "e5": ["19.5", "17", "13", "12", "13", "9"],
}
RESULT = "84.83"
ANNOUNCE_ID = "PANN2X"


@dataclass
class Hall:
    path: Path
    vault: Vault
    sessions: dict[str, Session] = field(default_factory=dict)
    closed: bool = False

    def session(self, name: str) -> Session:
        if name not in self.sessions:
            passphrase = PASSPHRASES.get(name, EXTRA_PASS)
            self.sessions[name] = Session(self.vault, self.vault.unlock(name, passphrase))
        session = self.sessions[name]
        session.refresh()
        return session

    def roster(self):
        return self.session("admin").state.roster

    def submit(self, number: str, *examiners: str) -> None:
        for examiner in examiners:
            sheets.submit(self.session(examiner), number, MARKS[examiner])

    def confirm(self, number: str, *examiners: str) -> None:
        for examiner in examiners:
            sheets.confirm(self.session("scorer"), number, examiner)

    def complete(self, number: str) -> None:
        self.submit(number, *EXAMINERS)
        self.confirm(number, *EXAMINERS)

    def announce(self, number: str, monkeypatch, action_id: str = ANNOUNCE_ID, sign: bool = True) -> None:
        with monkeypatch.context() as patch:
            patch.setattr(pending, "_new_id", lambda state: action_id)
            sheets.announce(self.session("scorer"), number)
        if sign:
            pending.sign(self.session("sup"), action_id)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.vault.close()


def build_hall(path: Path, tmp_dir: Path) -> Hall:
    """Users of conftest plus e3..e5; post A (3 candidates) checked in and drawn, post B's one absent."""
    tv = make_test_vault(path)
    for name in EXAMINERS[2:]:
        tv.vault.add_user(tv.admin, name, "examiner", EXTRA_PASS, kdf=WEAK_KDF)
    hall = Hall(path, tv.vault)
    roster_csv = Path(tmp_dir) / "roster.csv"
    posts = [("A", "科长", "办公室", 3), ("B", "主任", "数据局", 1)]
    synthetic.write_csv(roster_csv, synthetic.roster_rows(posts))
    import_roster(hall.session("admin"), roster_csv)
    for code in ("A-01", "A-02", "A-03"):
        assert checkin.check_in(hall.session("clerk"), code).ok
    draw.draw(hall.session("clerk"), "A")
    checkin.mark_absent(hall.session("admin"), ["B"])
    return hall


def screen_text(svg: str) -> str:
    """The characters of an exported screenshot, tags dropped, entities decoded, in document order."""
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


def events(path: Path, kind: str) -> list:
    """The decrypted events of ``kind`` in the vault at ``path`` (read as the admin)."""
    vault = Vault.open(path)
    try:
        identity = vault.unlock("admin", PASSPHRASES["admin"])
        return [record for record in vault.records(identity.data_key) if record.kind == kind]
    finally:
        vault.close()
