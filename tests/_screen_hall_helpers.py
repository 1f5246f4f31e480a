"""A hall vault for the check-in and roster screen tests: nine made-up candidates with
tickets issued, and readers of what the ledger holds afterwards.

The people are fixed (and nobody real), so the pictures of the snapshot tests are the
same on every run: 李晓梅 and 刘晓敏 both match "晓" (a pick list), 张伟 and 陈静 share the
last four ID digits, 赵磊 is career staff (on contract).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from _hall_helpers import CN_HEADERS, write_csv
from conftest import PASSPHRASES, make_test_vault

from jz_tui.bench import synthetic
from jz_tui.rules.idcard import check_char
from jz_tui.services import roster, tickets
from jz_tui.services.session import Session
from storage.ledger import Record, open_body
from storage.vault import Vault

# name, post, establishment
PEOPLE = [
    ("王建国", "A01", "行政"), ("李晓梅", "A01", "行政"), ("刘晓敏", "A01", "参公"), ("欧阳明辉", "A01", "行政"),
    ("张伟", "A02", "行政"), ("陈静", "A02", "行政"), ("周杰", "A02", "参公"),
    ("赵磊", "B01", "事业"), ("孙悦", "B01", "行政"),
]
POST_NAMES = {"A01": "办公室综合科科长", "A02": "财务科副科长", "B01": "信息中心主任"}


@dataclass(frozen=True)
class Hall:
    path: Path
    codes: dict[str, str]  # name -> candidate code
    ids: dict[str, str]  # name -> ID number
    payloads: dict[str, str]  # candidate code -> ticket payload


def _same_suffix(rng: random.Random, first: str) -> str:
    while True:
        first17 = f"420106{rng.randint(1966, 1996)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{first[14:17]}"
        second = first17 + check_char(first17)
        if second[-4:] == first[-4:] and second != first:
            return second


def make_hall(directory: Path) -> Hall:
    rng = random.Random(2026)
    ids = [synthetic.fake_id(rng) for _ in PEOPLE]
    ids[5] = _same_suffix(rng, ids[4])  # 张伟 and 陈静
    assert len({i[-6:] for i in ids}) == len(ids) and len({i[-4:] for i in ids}) == len(ids) - 1
    data = [[post, POST_NAMES[post], "1", "区委组织部", name, number, "区人社局", establishment]
            for (name, post, establishment), number in zip(PEOPLE, ids, strict=True)]
    path = directory / "hall.jz"
    tv = make_test_vault(path)
    try:
        admin = Session(tv.vault, tv.admin)
        roster.import_roster(admin, write_csv(directory / "roster.csv", CN_HEADERS, data))
        payloads = tickets.issue(admin)
        codes = {c.name: c.code for c in admin.state.roster.candidates.values()}
    finally:
        tv.vault.close()
    return Hall(path, codes, dict(zip([p[0] for p in PEOPLE], ids, strict=True)), payloads)


def ledger(path: Path, user: str = "admin") -> list[Record]:
    """Every event of the vault, decrypted (a separate connection: the app may hold its own)."""
    vault = Vault.open(path)
    try:
        identity = vault.unlock(user, PASSPHRASES[user])
        return [open_body(identity.data_key, vault.vault_id, event) for event in vault.events()]
    finally:
        vault.close()


def of_kind(records: list[Record], kind: str) -> list[Record]:
    return [r for r in records if r.kind == kind]
