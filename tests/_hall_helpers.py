"""Helpers for the hall tests (rules, roster, tickets, check-in, draw).

Every roster here is generated into a temporary directory from :mod:`jz_tui.bench.synthetic`:
nobody real, and no personal-data file is ever committed.
"""

from __future__ import annotations

import csv
import random
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import PASSPHRASES

from jz_tui.bench import synthetic
from jz_tui.rules.idcard import check_char
from jz_tui.services import roster
from jz_tui.services.session import Session

# (code, name, department, candidates)
DEMO_POSTS = [
    ("A01", "办公室综合科科长", "区委办公室", 5),
    ("A02", "财务科副科长", "区财政局", 4),
    ("B01", "信息中心主任", "区数据局", 3),
]

CN_HEADERS = ["岗位编码", "岗位名称", "职数", "所属部门", "姓名", "身份证号", "现单位", "编制"]
EN_HEADERS = ["post", "post name", "seats", "department", "name", "id number", "unit", "establishment"]


def session_of(tv, name: str) -> Session:
    """A session of user ``name`` on the test vault's open connection."""
    return Session(tv.vault, tv.vault.unlock(name, PASSPHRASES[name]))


def head(vault) -> tuple[int, bytes]:
    return vault.head()


def demo_rows(posts=DEMO_POSTS, seed: int = 7) -> list[dict[str, str]]:
    return synthetic.roster_rows(posts, seed=seed)


def write_csv(path: Path, headers: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, headers: list[str], rows: list[list[object]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def as_lists(rows: list[dict[str, str]]) -> list[list[str]]:
    """Dict rows (Chinese keys, as :mod:`jz_tui.bench.synthetic` makes them) as lists in CN_HEADERS order."""
    return [[row.get(key, "") for key in CN_HEADERS] for row in rows]


def import_demo_roster(session: Session, tmp_dir: Path, posts=DEMO_POSTS, seed: int = 7,
                       encoding: str = "utf-8") -> dict:
    """Write a synthetic roster CSV into ``tmp_dir`` and import it; returns the import body."""
    rows = demo_rows(posts, seed)
    path = Path(tmp_dir) / f"roster-{seed}.csv"
    synthetic.write_csv(path, rows, encoding=encoding)
    return roster.import_roster(session, path)


def id_with_check(rng: random.Random, wanted: str) -> str:
    """A made-up ID number whose (correct) check character is ``wanted``."""
    while True:
        number = synthetic.fake_id(rng)
        if number[-1] == wanted:
            return number


def with_wrong_check(number: str, wrong: str | None = None) -> str:
    """The same first 17 digits with a check character that is not the right one."""
    right = check_char(number[:17])
    if wrong is None:
        wrong = "0" if right != "0" else "1"
    assert wrong != right
    return number[:17] + wrong


def id_with_birth(rng: random.Random, birth: str) -> str:
    """An ID number with the given (possibly impossible) birth date and a correct check character."""
    first17 = "420106" + birth + f"{rng.randint(0, 999):03d}"
    return first17 + check_char(first17)


def zbar(png: Path) -> str:
    """Decode a QR code with a real decoder (zbar); dbus noise on stderr is ignored."""
    done = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, f"zbarimg could not read {png}"
    return done.stdout.strip()


def kinds(session: Session) -> dict[str, int]:
    session.refresh()
    return dict(session.state.kinds)


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def jz_here(capsys, monkeypatch):
    """The ``jz`` command run in this process (same parser, handlers and exit codes as the
    installed one, without a new interpreter's start-up): ``jz_here("config", path, user="admin")``.
    """
    from jz_tui.cli import main as cli

    def run(*args: object, user: str | None = None) -> Ran:
        argv = [str(a) for a in args]
        monkeypatch.delenv("JZ_PASSPHRASE", raising=False)
        if user is not None:
            argv += ["--user", user]
            monkeypatch.setenv("JZ_PASSPHRASE", PASSPHRASES[user])
        capsys.readouterr()
        code = cli.main(argv)
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return run
