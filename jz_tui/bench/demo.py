"""``jz demo``: a realistic session to look around in, built step by step.

The demo is an ordered list of builder steps (:data:`DEMO_STEPS`), each a function of a
:class:`DemoContext` (the open vault and the unlocked demo users). A later issue that
adds a part of the domain (roster, check-ins, sheets, ballots ...) adds its own step at
the right place in the list, so the demo always shows every screen with something in it.

Every key slot uses the production KDF: the demo is what people try first, and a
weakened vault must never come out of a user-facing command.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from jz_tui.bench import synthetic
from jz_tui.i18n import t
from jz_tui.rules import ranking
from jz_tui.services import (
    ballots,
    checkin,
    config,
    draw,
    inspection,
    pending,
    roster,
    sheets,
    tabular,
    tickets,
)
from jz_tui.services.session import Session
from storage import crypto
from storage.errors import JzError
from storage.vault import Identity, Vault

DEMO_SESSION = "2026年区直机关中层干部竞争上岗（演示）"
DEFAULT_PATH = Path("jz-demo.jz")


@dataclass(frozen=True)
class DemoUser:
    name: str
    role: str
    passphrase: str


# One user per role, two tally officers (a tally closes with two of them), seven examiners.
DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "admin", "admin-demo"),
    DemoUser("clerk", "clerk", "clerk-demo"),
    DemoUser("scorer", "scorer", "scorer-demo"),
    DemoUser("tally1", "tally", "tally1-demo"),
    DemoUser("tally2", "tally", "tally2-demo"),
    DemoUser("supervisor", "supervisor", "supervisor-demo"),
    *(DemoUser(f"kg{n}", "examiner", f"kg{n}-examiner") for n in range(1, 8)),
)


@dataclass
class DemoContext:
    """What a builder step works with: the vault, and the demo users, unlocked on demand."""

    path: Path
    vault: Vault
    kdf: crypto.KdfParams
    say: Callable[[str], None]
    unlocked: dict[str, Identity] = field(default_factory=dict)  # user name -> identity
    _sessions: dict[str, Session] = field(default_factory=dict)

    def identity(self, user: str) -> Identity:
        # Unlocking costs one more KDF run per user: only the users a step acts as pay it.
        if user not in self.unlocked:
            demo_user = next(u for u in DEMO_USERS if u.name == user)
            self.unlocked[user] = self.vault.unlock(user, demo_user.passphrase)
        return self.unlocked[user]

    def session(self, user: str) -> Session:
        """A session acting as ``user`` (made once, kept for the later steps), up to date."""
        if user not in self._sessions:
            self._sessions[user] = Session(self.vault, self.identity(user))
        self._sessions[user].refresh()
        return self._sessions[user]


DemoStep = Callable[[DemoContext], None]


def add_users(ctx: DemoContext) -> None:
    """Every demo user but the admin, each with its own key slot."""
    admin = ctx.identity("admin")
    total = len(DEMO_USERS)
    for number, user in enumerate(DEMO_USERS, start=1):
        if user.role == "admin":
            continue
        started = time.perf_counter()
        ctx.vault.add_user(admin, user.name, user.role, user.passphrase, kdf=ctx.kdf)
        ctx.say(t("demo_slot_done", n=number, total=total, user=user.name, role=t("role_" + user.role),
                  seconds=f"{time.perf_counter() - started:.2f}"))


DEMO_POSTS = (  # code, name, department, candidates (0: a post closed to competition)
    ("A01", "办公室综合科科长", "区委办公室", 5),
    ("A02", "财务科副科长", "区财政局", 4),
    ("B01", "信息中心主任", "区数据局", 2),
    ("C01", "法规股股长", "区司法局", 3),
    ("D01", "机要科科长", "区委办公室", 0),
)


def import_roster(ctx: DemoContext) -> None:
    """Fourteen made-up candidates over four posts, and one post closed to competition."""
    rows = synthetic.roster_rows([p for p in DEMO_POSTS if p[3]], seed=2026)
    rows.append({**rows[0], "岗位编码": "D01", "岗位名称": "机要科科长", "姓名": "", "身份证号": "",
                 "现单位": "", "编制": "", "是否开放竞争": "否"})
    headers = list(rows[0]) + (["是否开放竞争"] if "是否开放竞争" not in rows[0] else [])
    table = tabular.Table(headers, [(n, [r.get(h, "") for h in headers]) for n, r in enumerate(rows, start=2)],
                          "demo")
    admin = ctx.session("admin")
    admin.append("roster.import", roster.parse_roster(table, admin.state.roster))
    ctx.say(t("demo_step_roster", count=len(admin.state.roster.candidates)))


def hall_morning(ctx: DemoContext) -> None:
    """Tickets issued (one reissued); a correction and a withdrawal; most candidates arrived,
    with an "already", a revoked and a forged scan; A01 and A02 drawn; written scores in."""
    admin, clerk = ctx.session("admin"), ctx.session("clerk")
    first_issue = tickets.issue(admin)
    payloads = tickets.issue(admin, reissue=["A02-04"])  # a lost ticket, reissued
    roster.edit_candidate(admin, "B01-01", {"unit": "区数据局信息中心"}, "报名表现单位填写有误，经本人确认更正")
    roster.withdraw_candidate(admin, "C01-03", "本人书面申请放弃")
    missing = {"B01-02", "C01-03"}
    for code, payload in payloads.items():
        if code not in missing:
            checkin.attempt(clerk, payload, terminal="demo-hall-1")
    checkin.attempt(clerk, payloads["A01-01"], terminal="demo-hall-2")  # a second scan: "already"
    checkin.attempt(clerk, first_issue["A02-04"], terminal="demo-hall-2")  # the old ticket: "revoked"
    altered = payloads["B01-01"][:-3] + ("AAA" if not payloads["B01-01"].endswith("AAA") else "BBB")
    checkin.attempt(clerk, altered, terminal="demo-hall-2")  # an altered code: "forged"
    for post in ("A01", "A02"):
        draw.draw(clerk, post)
    rng = random.Random(11)
    admin.refresh()
    admin.append("written.import", {"stage": "written", "scores": {
        code: str(Decimal(rng.randint(600, 920)) / 10) for code in sorted(admin.state.roster.candidates)}})
    ctx.say(t("demo_step_hall"))


def interviews(ctx: DemoContext) -> None:
    """Post A01 mid-interview: three announced, one waiting for the supervisor, one being scored."""
    rng = random.Random(7)
    examiners = [u.name for u in DEMO_USERS if u.role == "examiner"]
    scorer, supervisor = ctx.session("scorer"), ctx.session("supervisor")
    rubric = config.current_rules(scorer).rubric
    numbers = {code: n for code, n in scorer.state.roster.interview_numbers().items() if n.startswith("A01-")}
    order = sorted(numbers, key=lambda code: int(numbers[code].rsplit("-", 1)[1]))

    def marks() -> list[str]:
        # between 60% and 95% of each item's maximum, in steps of 0.5
        return [str(Decimal(rng.randint(int(top) * 12 // 10, int(top) * 19 // 10)) / 2) for _, top in rubric]

    for index, code in enumerate(order):
        number = numbers[code]
        writers = examiners if index < 4 else examiners[:3]
        for examiner in writers:
            sheets.submit(ctx.session(examiner), number, marks())
        if index < 4:
            for examiner in writers:
                sheets.confirm(scorer, number, examiner)
            action = sheets.announce(scorer, number)
            if index < 3:
                pending.sign(supervisor, action.id)
        else:
            sheets.confirm(scorer, number, examiners[0])
            sheets.reject(scorer, number, examiners[1], "第三项分值与评分细则不符，请核对")
            sheets.withdraw(ctx.session(examiners[2]), number, "合议后重新评分")
    a02_first = next(code for code, n in scorer.state.roster.interview_numbers().items() if n == "A02-1")
    for examiner in examiners[:2]:
        sheets.submit(ctx.session(examiner), scorer.state.roster.interview_numbers()[a02_first], marks())
    ctx.say(t("demo_step_interviews"))


def ballots_step(ctx: DemoContext) -> None:
    """A01's box counted and closed; A02 and B01's box being counted, with electronic ballots."""
    admin = ctx.session("admin")
    ballots.create_box(admin, ["A01"], ["tally1", "tally2"], "FT-2026-0001")
    ballots.create_box(admin, ["A02", "B01"], ["tally1", "tally2"], "FT-2026-0002")
    tally1, tally2, supervisor = ctx.session("tally1"), ctx.session("tally2"), ctx.session("supervisor")
    rng = random.Random(3)
    weights = {"A01-01": "SSSSSSB", "A01-02": "SSSSBBD", "A01-03": "SSSBBDD", "A01-04": "SSBBDDD",
               "A01-05": "SSSSSBD"}
    stack = ["".join(rng.choice(weights[code]) if rng.random() > 0.05 else "-" for code in sorted(weights))
             for _ in range(30)]
    ballots.open_box(tally1, "A01", True, "", 32, 31)
    for marks in stack:
        for officer in (tally1, tally2):
            ballots.enter_ballot(officer, "A01", marks)
    for officer in (tally1, tally2):
        ballots.void_ballot(officer, "A01", "一张选票未按规定填写（多处涂改）")
    action = ballots.request_close(tally1, "A01")
    pending.sign(tally2, action.id)
    pending.sign(supervisor, action.id)

    codes = ballots.issue_tokens(admin, "BOX2", 5)
    for code in codes[:3]:
        ballots.cast(tally1, "BOX2", code, {"A02": "".join(rng.choice("SSSB") for _ in range(4)),
                                           "B01": "".join(rng.choice("SSBD") for _ in range(2))})
    # three voters so far: their ballots stay held under the box's hold key until the unsealing
    ballots.open_box(tally1, "A02", True, "", 25, 25)
    for number in range(1, 9):
        marks = "".join(rng.choice("SSSBD") for _ in range(4))
        ballots.enter_ballot(tally1, "A02", marks)
        ballots.enter_ballot(tally2, "A02", marks if number != 6 else "DDDD")  # one ballot the two read differently
    ctx.say(t("demo_step_ballots"))


def complete_post(ctx: DemoContext) -> None:
    """Post C01 finished end to end: drawn, both interviews announced, the tally closed,
    the targets inspected and one appointed; B01's missing candidate marked absent."""
    rng = random.Random(19)
    examiners = [u.name for u in DEMO_USERS if u.role == "examiner"]
    clerk, scorer, supervisor = ctx.session("clerk"), ctx.session("scorer"), ctx.session("supervisor")
    admin, tally1, tally2 = ctx.session("admin"), ctx.session("tally1"), ctx.session("tally2")
    draw.draw(clerk, "C01")
    scorer.refresh()
    rubric = config.current_rules(scorer).rubric
    numbers = sorted(n for n in scorer.state.roster.interview_numbers().values() if n.startswith("C01-"))
    for number in numbers:
        for examiner in examiners:
            marks = [str(Decimal(rng.randint(int(top) * 14 // 10, int(top) * 19 // 10)) / 2) for _, top in rubric]
            sheets.submit(ctx.session(examiner), number, marks)
            sheets.confirm(scorer, number, examiner)
        pending.sign(supervisor, sheets.announce(scorer, number).id)
    ballots.create_box(admin, ["C01"], ["tally1", "tally2"], "FT-2026-0003")
    ballots.open_box(tally1, "C01", True, "", 20, 20)
    for _ in range(20):  # C01-03 withdrew but is still printed on the ballot
        ballots.enter_ballot(tally1, "C01", "".join(rng.choice("SSSSB") for _ in range(2)) + "-")
    close = ballots.request_close(tally1, "C01")
    pending.sign(tally2, close.id)
    pending.sign(supervisor, close.id)
    checkin.mark_absent(admin, ["B01"])
    for row in next(p for p in ranking.rank(admin.state) if p.code == "C01").rows:
        if row.status == "target":
            for dimension, note in zip(inspection.DIMENSIONS, ("政治立场坚定", "业务能力突出", "工作勤勉", "实绩明显",
                                                             "廉洁自律"), strict=True):
                inspection.add_note(admin, row.code, dimension, note)
    first = next(r for r in next(p for p in ranking.rank(admin.state) if p.code == "C01").rows if r.rank == 1)
    inspection.record_decision(admin, first.code, "appoint", date(2026, 12, 1), "领导小组研究决定")
    ctx.say(t("demo_step_complete"))


def request_checkin_undo(ctx: DemoContext) -> None:
    """A check-in undo waiting for the supervisor's signature, for the signatures panel."""
    checkin.request_undo(ctx.session("clerk"), "A02-03", "考生误持他人准考证签到，需撤销后重新核验")


DEMO_STEPS: list[DemoStep] = [
    add_users,
    import_roster,
    hall_morning,
    interviews,
    ballots_step,
    complete_post,
    request_checkin_undo,
]


def build_demo(path: Path, say: Callable[[str], None] = print, kdf: crypto.KdfParams = crypto.PRODUCTION_KDF) -> None:
    """Create the demo vault at ``path`` (which must not exist) and run every step.

    ``kdf`` is lowered only by tests, through this Python call; ``jz demo`` never passes it.
    """
    admin = next(u for u in DEMO_USERS if u.role == "admin")
    started = time.perf_counter()
    say(t("demo_building", path=str(path), total=len(DEMO_USERS)))
    vault, identity = Vault.create(path, DEMO_SESSION, admin.name, admin.passphrase, kdf=kdf)
    try:
        say(t("demo_slot_done", n=1, total=len(DEMO_USERS), user=admin.name, role=t("role_admin"),
              seconds=f"{time.perf_counter() - started:.2f}"))
        ctx = DemoContext(path, vault, kdf, say, {admin.name: identity})
        for step in DEMO_STEPS:
            step(ctx)
    except BaseException:
        vault.close()
        remove_vault_files(path)
        raise
    vault.close()


def is_demo_vault(path: Path) -> bool:
    try:
        vault = Vault.open(path)
    except JzError:
        return False
    try:
        return vault.session_name == DEMO_SESSION
    finally:
        vault.close()


def remove_vault_files(path: Path) -> None:
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        file.unlink(missing_ok=True)
