"""Helpers for the hostile-input tests: a vault far enough along that most commands reach
their validation, hostile strings, and checks on what a refusal may say.

Every person here is synthetic (:mod:`jz_tui.bench.synthetic`) and every file is written into a
temporary directory; nothing that looks like personal data is committed.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from conftest import PASSPHRASES, TestVault, make_test_vault

from jz_tui import i18n
from jz_tui.bench import synthetic
from jz_tui.cli import main as cli
from jz_tui.services import ballots, checkin, draw, pending, roster, sheets, written
from jz_tui.services.session import Session

POSTS = [("A01", "办公室综合科科长", "区委办公室", 4), ("A02", "财务科副科长", "区财政局", 3),
         ("B01", "信息中心主任", "区数据局", 2)]
RUBRIC_ITEMS = ["20", "18", "13", "12", "13", "9"]  # one per item of the default rubric: 85

# Text a hostile user (or a broken spreadsheet) produces.
CONTROL = "".join(chr(c) for c in range(1, 32) if c not in (10, 13)) + "\x7f\u200b\u202e\ufeff"
EMOJI = "😀👩‍👩‍👧🏳️‍🌈🇨🇳"
HOSTILE_WORDS = [
    "", " ", "\t", "　", "-", "--", "'", '"', "\\", "%s", "{}", "{0}", "{field}", "%(x)s", "${HOME}",
    "NaN", "nan", "Infinity", "-inf", "1e3", "1E400", "0x10", "1_000", "８５", "８５．５", "-0", "-1", "100.001",
    " 85 ", "85.", ".5", "٨٥", "²", "½", "Ⅻ", "null", "None", "true", "[]", "{}", "<script>", "'; DROP TABLE x; --",
    "a" * 5000, "中" * 3000, EMOJI, CONTROL, "A01\x00", "\u202eA01", "A01\n", "ＡＯ１", "a01", "A 01",
    "../../etc/passwd", "/", "~", "COM1", "*", "?", "%", "_",
]


@dataclass
class Arena:
    """A vault with a roster, a closed post, a draw, sheets, written scores, a box, an open
    tally, tokens and a pending action: what the commands need to reach their checks."""

    tv: TestVault
    tmp: Path
    names: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    pending_id: str = ""
    box_id: str = ""
    tokens: list[str] = field(default_factory=list)
    _watcher: Session | None = None

    @property
    def path(self) -> Path:
        return self.tv.path

    def session(self, user: str) -> Session:
        return Session(self.tv.vault, self.tv.vault.unlock(user, PASSPHRASES[user]))

    def head(self) -> tuple[int, bytes]:
        return self.tv.vault.head()

    def kinds(self) -> dict[str, int]:
        """How many events of each kind the ledger holds now."""
        if self._watcher is None:
            self._watcher = self.session("admin")
        self._watcher.refresh()
        return dict(self._watcher.state.kinds)


def build_arena(tmp: Path) -> Arena:
    tv = make_test_vault(tmp / "arena.jz")
    arena = Arena(tv, tmp)
    admin = arena.session("admin")
    rows = synthetic.roster_rows(POSTS, seed=11)
    synthetic.write_csv(tmp / "roster.csv", rows)
    roster.import_roster(admin, tmp / "roster.csv")
    closed = tmp / "closed.csv"
    closed.write_text("岗位编码,岗位名称,姓名,身份证号,编制,是否开放竞争\nS01,保密岗位,,,,否\n", encoding="utf-8")
    roster.import_roster(admin, closed)
    arena.names = [r["姓名"] for r in rows]
    arena.ids = [r["身份证号"] for r in rows]

    clerk = arena.session("clerk")
    for code in ("A01-01", "A01-02", "A01-03"):
        assert checkin.check_in(clerk, code).ok
    draw.draw(clerk, "A01")

    e1 = arena.session("e1")
    number = e1.state.roster.interview_numbers()["A01-01"]
    sheets.submit(e1, number, RUBRIC_ITEMS)
    sheets.submit(arena.session("e2"), number, RUBRIC_ITEMS)
    sheets.confirm(arena.session("scorer"), number, "e2")

    scores = tmp / "written.csv"
    scores.write_text("准考证号,成绩\nA01-01,80\nA01-02,75.5\n", encoding="utf-8")
    written.import_written(admin, scores)

    arena.box_id = ballots.create_box(admin, ["A01", "A02"], ["t1", "t2"], "SEAL-1").id  # B01 has no box
    t1 = arena.session("t1")
    ballots.open_box(t1, "A01", True, "", 10, 10)
    ballots.enter_ballot(t1, "A01", "SBD-")
    arena.tokens = ballots.issue_tokens(admin, arena.box_id, 3)
    arena.pending_id = roster.request_disqualify(admin, "A02-03", "canvassing").id
    assert arena.pending_id in arena.session("sup").state.pending
    return arena


# ---------------------------------------------------------------------- running jz in this process


@dataclass
class Ran:
    code: int
    out: str
    err: str


def run_jz(argv: list[str], user: str | None = None, env: dict[str, str] | None = None) -> Ran:
    """``jz`` in this process (the installed command's parser, handlers and exit codes),
    with argparse's ``SystemExit`` turned into its exit code."""
    argv = [str(a) for a in argv]
    saved = {k: os.environ.get(k) for k in ("JZ_PASSPHRASE", "JZ_NEW_PASSPHRASE", "JZ_LANG", *(env or {}))}
    os.environ.pop("JZ_PASSPHRASE", None)
    os.environ.pop("JZ_NEW_PASSPHRASE", None)
    os.environ["JZ_LANG"] = "en"
    if user is not None:
        argv += ["--user", user]
        os.environ["JZ_PASSPHRASE"] = PASSPHRASES.get(user, "no-such-pass")
    os.environ.update(env or {})
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(argv)
            except SystemExit as exc:  # argparse: misuse
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        i18n.set_language("en")
    return Ran(code, out.getvalue(), err.getvalue())


# ---------------------------------------------------------------------- what a refusal may say


def assert_plain_refusal(ran, secrets: list[str] = (), codes: tuple[int, ...] = (1, 2)) -> None:
    """Exit 1 or 2, a plain sentence on stderr, no traceback, no internal error, no secret."""
    code = getattr(ran, "code", getattr(ran, "returncode", None))
    err = ran.err if hasattr(ran, "err") else ran.stderr
    assert code in codes, (code, err[-2000:])
    assert err.strip(), "a refusal says why on stderr"
    assert "Traceback" not in err, err[-2000:]
    assert "Internal error" not in err and "内部错误" not in err, err[-2000:]
    leaked = [s for s in secrets if s and s in err]
    assert not leaked, f"the refusal repeats a name or ID number: {err[-500:]}"


def problem_keys(ran) -> set[str]:
    """The problem keys of a refused import run with ``--json``."""
    return {p["key"] for p in json.loads(ran.out)["problems"]}
