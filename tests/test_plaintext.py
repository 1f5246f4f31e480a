"""Names, ID numbers and scores never reach the disk in plaintext: not the vault file,
not its WAL, not a backup — in UTF-8, GBK or GB18030.
"""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal

import pytest
from conftest import PASSPHRASES, make_test_vault

from storage.ledger import open_body

NAMES = ["王建国", "李秀英", "欧阳明辉", "张伟"]
ID_NUMBERS = ["110101199003071234", "44030519851212002X", "320102197706154417"]
SCORES = ["84.63", "91.27", "77.05", "68.49"]
SECRETS = NAMES + ID_NUMBERS + SCORES
ENCODINGS = ("utf-8", "gbk", "gb18030", "utf-16-le", "utf-16-be")


def encodings_of(text: str) -> set[bytes]:
    return {text.encode(enc) for enc in ENCODINGS}


def leaks(blob: bytes) -> list[tuple[str, bytes]]:
    return [(secret, enc) for secret in SECRETS for enc in encodings_of(secret) if enc in blob]


def write_secrets(tv) -> list:
    vault = tv.vault
    admin = tv.admin
    records = [
        vault.append(
            admin,
            "roster.import",
            {
                "candidates": [
                    {"code": f"A-{i:02d}", "name": name, "id_number": ID_NUMBERS[i % len(ID_NUMBERS)]}
                    for i, name in enumerate(NAMES)
                ]
            },
        ),
        vault.append(
            admin,
            "written.import",
            {"scores": [{"code": f"A-{i:02d}", "written": Decimal(score)} for i, score in enumerate(SCORES)]},
        ),
        vault.append(admin, "candidate.edit", {"code": "A-00", "name": NAMES[0], "note": f"{NAMES[0]} 身份证 {ID_NUMBERS[0]}"}),
    ]
    e1 = tv.identity("e1")
    records.append(vault.append(e1, "sheet.submit", {"candidate": "A-01", "total": Decimal(SCORES[1])}))
    return records


@pytest.fixture
def vault_with_secrets(tmp_path):
    tv = make_test_vault(tmp_path / "secret.jz")
    records = write_secrets(tv)
    yield tv, records
    tv.vault.close()


def test_the_secrets_were_really_written(vault_with_secrets):
    """The control: decrypting gives the names and scores back, exactly."""
    tv, records = vault_with_secrets
    data = b"".join(
        json.dumps(open_body(tv.admin.data_key, tv.vault.vault_id, event).data, ensure_ascii=False).encode()
        for event in tv.vault.events()
    )
    for secret in SECRETS:
        assert secret.encode("utf-8") in data, secret
    assert records[1].data["scores"][0]["written"] == "84.63"


def test_search_would_find_a_plaintext_string(vault_with_secrets):
    """The control for the search itself: the session name is, by design, plaintext in the header."""
    tv, _ = vault_with_secrets
    tv.vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert "测试会话".encode() in tv.path.read_bytes()
    for secret in SECRETS:
        for encoding in ENCODINGS:
            assert leaks(b"..." + secret.encode(encoding) + b"...") == [(secret, secret.encode(encoding))]


def test_wal_holds_no_plaintext(vault_with_secrets):
    tv, records = vault_with_secrets
    wal = tv.path.with_name(tv.path.name + "-wal")
    content = wal.read_bytes()  # the connection is still open: nothing was checkpointed away
    # the WAL really holds the events just written: their hashes are in it
    assert len(content) > 4096
    for record in records:
        assert record.hash in content
    assert leaks(content) == []


def test_main_file_holds_no_plaintext_after_checkpoint(vault_with_secrets):
    tv, records = vault_with_secrets
    busy, log, done = tv.vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    assert busy == 0 and log == done
    content = tv.path.read_bytes()
    for record in records:
        assert record.hash in content  # the events are now in the main file
    assert leaks(content) == []
    wal = tv.path.with_name(tv.path.name + "-wal")
    assert not wal.exists() or leaks(wal.read_bytes()) == []


def test_closed_vault_and_backup_hold_no_plaintext(vault_with_secrets, tmp_path):
    tv, records = vault_with_secrets
    copy = tmp_path / "copy.jz"
    tv.vault.backup(copy)
    tv.vault.close()
    for path in (tv.path, copy):
        content = path.read_bytes()
        assert records[-1].hash in content
        assert leaks(content) == []
    # a reader's side files (written while reading) hold nothing either
    conn = sqlite3.connect(copy)
    assert conn.execute("SELECT COUNT(*) FROM ledger").fetchone()[0] == records[-1].seq
    conn.close()
    for side in tmp_path.glob("*-wal"):
        assert leaks(side.read_bytes()) == []


def test_passphrases_are_not_in_the_file(vault_with_secrets):
    tv, _ = vault_with_secrets
    content = tv.path.with_name(tv.path.name + "-wal").read_bytes()
    tv.vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    content += tv.path.read_bytes()
    for passphrase in PASSPHRASES.values():
        assert passphrase.encode() not in content
