"""Builders for sessions driven through the real services: a roster, imported stage scores,
announced interviews and closed tallies, each appended as the people in the hall would.

Rosters are synthetic (``jz_tui.bench.synthetic``) and written into the test's ``tmp_path``.
Interviews are scored by totals (the rubric is set to ``[]``) by the test vault's two
examiners, e1 and e2, so an interview score is the mean of the two totals.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from jz_tui.bench import synthetic
from jz_tui.services import ballots, config, pending, sheets, written
from jz_tui.services.roster import import_roster
from jz_tui.services.session import Session
from storage.projection import PendingAction
from tests.conftest import PASSPHRASES, WEAK_KDF

EXTRA_PASSPHRASE = "extra-pass"  # users added by a test


def columns_to_ballots(columns: list[str]) -> list[str]:
    """One string of marks per candidate (over the ballots) -> one string per ballot (over the candidates)."""
    assert len({len(c) for c in columns}) == 1, "every candidate needs a mark on every ballot"
    return ["".join(marks) for marks in zip(*columns, strict=True)]


def file_bytes(path: Path) -> bytes:
    """A file's bytes read by another process: opening a vault file from this process would
    drop the POSIX locks SQLite holds on it for our own connections."""
    return subprocess.run(["cat", str(path)], capture_output=True, check=False).stdout


class Hall:
    """A session on a test vault: ``posts`` is ``[(code, candidates), ...]``."""

    def __init__(self, tv: Any, tmp_path: Path, posts: list[tuple[str, int]],
                 settings: dict[str, Any] | None = None, seed: int = 7, seats: dict[str, int] | None = None) -> None:
        self.tv = tv
        self.tmp = tmp_path
        self._sessions: dict[str, Session] = {}
        self._files = 0
        config.change(self.s("admin"), {"interview.rubric": [], **(settings or {})})
        roster = tmp_path / "roster.csv"
        posts_spec = [(code, f"岗位{code}", "区委办公室", n) for code, n in posts]
        rows = synthetic.roster_rows(posts_spec, seed=seed)
        for row in rows:  # 职数: 1 unless the test says otherwise
            row["职数"] = str((seats or {}).get(row["岗位编码"], row["职数"]))
        synthetic.write_csv(roster, rows)
        import_roster(self.s("admin"), roster)

    # ------------------------------------------------------------------ people

    def add_user(self, name: str, role: str) -> None:
        self.tv.vault.add_user(self.tv.admin, name, role, EXTRA_PASSPHRASE, kdf=WEAK_KDF)

    def s(self, name: str) -> Session:
        """The (refreshed) session of a user."""
        session = self._sessions.get(name)
        if session is None:
            identity = self.tv.vault.unlock(name, PASSPHRASES.get(name, EXTRA_PASSPHRASE))
            session = self._sessions[name] = Session(self.tv.vault, identity)
        session.refresh()
        return session

    @property
    def state(self):
        return self.s("admin").state

    def codes(self, post: str) -> list[str]:
        return [c.code for c in self.state.roster.candidates_of(post)]

    # ------------------------------------------------------------------ stages

    def stage(self, scores: dict[str, str], stage: str = "written") -> Path:
        """Import scores of an imported stage (written, or another one named in the rules)."""
        path = self.csv_of(scores, stage)
        written.import_written(self.s("admin"), path, stage=stage)
        return path

    def csv_of(self, scores: dict[str, str], stage: str = "written") -> Path:
        self._files += 1
        path = self.tmp / f"{stage}-{self._files}.csv"
        lines = ["准考证号,成绩", *(f"{code},{score}" for code, score in scores.items())]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def interview(self, code: str, first: str, second: str | None = None) -> None:
        """Two examiners' totals, confirmed by the scorer, announced and co-signed."""
        for examiner, total in (("e1", first), ("e2", second or first)):
            sheets.submit(self.s(examiner), code, total=total)
            sheets.confirm(self.s("scorer"), code, examiner)
        action = sheets.announce(self.s("scorer"), code)
        pending.sign(self.s("sup"), action.id)

    def box(self, posts: list[str], officers: tuple[str, ...] = ("t1", "t2"), seal: str = "") -> str:
        return ballots.create_box(self.s("admin"), posts, list(officers), seal or f"SEAL-{'-'.join(posts)}").id

    def paper(self, post: str, marks: list[str], officer: str = "t1", voids: int = 0,
              issued: int | None = None, returned: int | None = None, groups: list[str] | None = None) -> None:
        """Open the post's box and enter its paper ballots (one officer's count)."""
        session = self.s(officer)
        count = len(marks) + voids
        ballots.open_box(session, post, True, "", count if issued is None else issued,
                         count if returned is None else returned)
        for index, text in enumerate(marks):
            ballots.enter_ballot(session, post, text, groups[index] if groups else "")
        for _ in range(voids):
            ballots.void_ballot(session, post, "marked twice")

    def close(self, post: str, officers: tuple[str, str] = ("t1", "t2")) -> PendingAction:
        action = ballots.request_close(self.s(officers[0]), post)
        pending.sign(self.s(officers[1]), action.id)
        pending.sign(self.s("sup"), action.id)
        return self.state.pending[action.id]

    def democratic(self, post: str, columns: list[str]) -> PendingAction:
        """A box for the post, its paper ballots (given per candidate), counted and closed."""
        self.box([post])
        self.paper(post, columns_to_ballots(columns))
        return self.close(post)
