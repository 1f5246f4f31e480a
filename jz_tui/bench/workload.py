"""The standard workload of DESIGN.md §6, built through the real services.

100 posts, 1,000 candidates, 7 examiners (7,000 sheets, confirmed and announced), 300
paper ballots per post, tallies closed and co-signed: a whole session's ledger, for
``jz bench`` to open, fold, rank and verify. ``scale`` shrinks or grows the counts.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from jz_tui.bench import synthetic
from jz_tui.services import ballots, checkin, config, draw, pending, roster, sheets, tabular
from jz_tui.services.session import Session
from storage import crypto
from storage.vault import Vault

EXAMINERS = tuple(f"kg{n}" for n in range(1, 8))
USERS = (("clerk", "clerk"), ("scorer", "scorer"), ("supervisor", "supervisor"), ("tally1", "tally"),
         ("tally2", "tally"), *((name, "examiner") for name in EXAMINERS))
PASSPHRASE = "bench-passphrase"


@dataclass(frozen=True)
class Workload:
    path: Path
    posts: int
    candidates: int
    events: int


def build(path: Path, scale: float = 1.0, progress: Callable[[str, int, int], None] | None = None,
          kdf: crypto.KdfParams = crypto.PRODUCTION_KDF) -> Workload:
    """Build the workload at ``path``; ``progress(stage, done, total)`` is called as it goes."""
    report = progress or (lambda stage, done, total: None)
    posts = max(2, round(100 * scale))
    per_post = 10
    ballots_per_post = max(10, round(300 * scale))
    rng = random.Random(6)

    vault, admin_identity = Vault.create(path, "bench", "admin", PASSPHRASE, kdf=kdf)
    for number, (name, role) in enumerate(USERS, start=1):
        vault.add_user(admin_identity, name, role, PASSPHRASE, kdf=kdf)
        report("users", number, len(USERS))
    sessions = {name: Session(vault, vault.unlock(name, PASSPHRASE)) for name, _ in USERS}
    admin = Session(vault, admin_identity)
    config.change(admin, {"interview.rubric": []})  # examiners give totals: one mark per sheet

    codes = [(f"P{i:03d}", f"岗位{i}", "部门", per_post) for i in range(posts)]
    rows = synthetic.roster_rows(codes, seed=6)
    headers = list(rows[0])
    table = tabular.Table(headers, [(n, [r[h] for h in headers]) for n, r in enumerate(rows, start=2)], "bench")
    admin.append("roster.import", roster.parse_roster(table, admin.state.roster))
    admin.append("written.import", {"stage": "written", "scores": {
        c: str(Decimal(rng.randint(550, 950)) / 10) for c in admin.state.roster.candidates}})

    clerk, scorer, supervisor = sessions["clerk"], sessions["scorer"], sessions["supervisor"]
    tally1, tally2 = sessions["tally1"], sessions["tally2"]
    all_codes = sorted(admin.state.roster.candidates)
    for done, code in enumerate(all_codes, start=1):
        checkin.check_in(clerk, code, terminal="bench")
        if done % 50 == 0 or done == len(all_codes):
            report("check-in", done, len(all_codes))
    for done, (post, *_rest) in enumerate(codes, start=1):
        draw.draw(clerk, post)
        report("draw", done, len(codes))

    numbers = clerk.state.roster.interview_numbers()
    for done, code in enumerate(all_codes, start=1):
        number = numbers[code]
        for examiner in EXAMINERS:
            sheets.submit(sessions[examiner], number, total=str(Decimal(rng.randint(120, 190)) / 2))
            sheets.confirm(scorer, number, examiner)
        pending.sign(supervisor, sheets.announce(scorer, number).id)
        report("interviews", done, len(all_codes))

    for done, (post, *_rest) in enumerate(codes, start=1):
        ballots.create_box(admin, [post], ["tally1", "tally2"], f"S-{post}")
        ballots.open_box(tally1, post, True, "", ballots_per_post, ballots_per_post)
        for _ in range(ballots_per_post):
            ballots.enter_ballot(tally1, post, "".join(rng.choice("SSSSBBD-") for _ in range(per_post)))
        close = ballots.request_close(tally1, post)
        pending.sign(tally2, close.id)
        pending.sign(supervisor, close.id)
        report("ballots", done, len(codes))

    events = vault.head()[0]
    vault.close()
    return Workload(path, posts, len(all_codes), events)
