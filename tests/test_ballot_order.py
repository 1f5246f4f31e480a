"""The file does not keep the order in which electronic ballots were cast (issue 12, part 4).

SQLite writes each new cell at the top of its page's free space, so a table filled one
ballot per cast keeps the casting order in its bytes, and a WAL frame that holds a ballot
and its slip's spend pairs the two. Here 30 ballots are cast through the kiosk service,
and the raw bytes of the file and its WAL are read as an attacker with the box key would:
where each ballot sits must not follow the casting order, and no transaction may both
spend a slip and store a ballot the box key opens.
"""

from __future__ import annotations

import struct

from _session_helpers import Hall, file_bytes
from conftest import make_test_vault

from jz_tui.services import ballots

VOTERS = 30
RUNS = 10


def spearman(xs: list[int], ys: list[int]) -> float:
    """Rank correlation of two sequences of distinct numbers."""

    def ranks(values: list[int]) -> list[int]:
        ranked = [0] * len(values)
        for rank, index in enumerate(sorted(range(len(values)), key=values.__getitem__)):
            ranked[index] = rank
        return ranked

    n = len(xs)
    return 1 - 6 * sum((a - b) ** 2 for a, b in zip(ranks(xs), ranks(ys))) / (n * (n * n - 1))


def order_within_pages(raw: bytes, start: int, stride: int, ciphertexts: list[bytes]) -> float:
    """How far the order in which SQLite laid the ballots down follows the casting order: per
    page, the rank correlation of casting order with writing order (a page fills from its end
    towards its start, so a later cell sits lower), averaged over the ballots.

    ``start`` and ``stride`` locate the pages: 0 and the page size in the file; the first
    frame's page and a frame's size in a WAL.
    """
    pages: dict[int, list[tuple[int, int]]] = {}
    for cast_index, ct in enumerate(ciphertexts):
        offset = raw.find(ct)
        assert offset >= 0, "every ballot is in these bytes"
        page, within = divmod(offset - start, stride)
        assert within + len(ct) <= stride, "a ballot lies within one page"
        pages.setdefault(page, []).append((cast_index, -within))
    shared = [cells for cells in pages.values() if len(cells) > 1]
    assert sum(map(len, shared)) >= len(ciphertexts) // 2, "ballots share pages: there is an order to measure"
    return sum(len(cells) * spearman(*zip(*cells)) for cells in shared) / sum(map(len, shared))


def wal_transactions(wal: bytes) -> list[bytes]:
    """The WAL's frames grouped into transactions, oldest first (a commit frame records the
    database size). One generation only: a WAL restarted after a checkpoint would hold older
    frames after newer ones."""
    (page_size,) = struct.unpack(">I", wal[8:12])
    salts = wal[16:24]
    transactions, current = [], b""
    for start in range(32, len(wal) - 24 - page_size + 1, 24 + page_size):
        assert wal[start + 8:start + 16] == salts, "the WAL was restarted: frames are out of order"
        (size_after_commit,) = struct.unpack(">I", wal[start + 4:start + 8])
        current += wal[start + 24:start + 24 + page_size]
        if size_after_commit:
            transactions.append(current)
            current = b""
    return transactions


def first_written(transactions: list[bytes], needles: list[bytes]) -> list[set[int]]:
    """Per transaction, which needles it writes for the first time (a page image also carries
    whatever earlier transactions left on that page)."""
    seen: set[int] = set()
    new = []
    for tx in transactions:
        here = {i for i, needle in enumerate(needles) if i not in seen and needle in tx}
        seen |= here
        new.append(here)
    return new


def cast_and_mix(hall: Hall) -> tuple[list[bytes], list[bytes]]:
    """30 voters at t1's kiosk, then the kiosk closes. Returns the sealed ballots (what the box
    key opens) in casting order, and the hashes of the slips' spend events."""
    box_id = hall.box(["A"], officers=("t1", "t2"))
    codes = ballots.issue_tokens(hall.s("admin"), box_id, VOTERS)
    kiosk = hall.s("t1")
    vault_id = hall.tv.vault.vault_id
    in_casting_order = []
    for index, code in enumerate(codes):
        seen = {row[1] for row in hall.tv.vault.held_ballot_rows()}
        ballots.cast(kiosk, box_id, code, {"A": "SBD-"[index % 4] * 3})
        (new,) = [row for row in hall.tv.vault.held_ballot_rows() if row[1] not in seen]
        # what only the kiosk officer can do: take the held ballot out of its outer seal
        in_casting_order.append(ballots.SUITE.decrypt(new[2], kiosk.identity.box_key,
                                                      info=ballots.held_info(vault_id, box_id, "t1")))
    assert ballots.mix_held(kiosk, box_id) == VOTERS
    spends = [e.hash for e in hall.tv.vault.events() if e.kind == "token.spend"]
    assert len(spends) == VOTERS
    return in_casting_order, spends


def one_run(tmp_path, seed: int) -> tuple[float, float]:
    """One session's 30 votes: the rank correlations of the ballots' places in the WAL, and in
    the file once the vault is closed (checkpointed), with the casting order; the WAL's
    transactions checked."""
    tmp_path.mkdir()
    tv = make_test_vault(tmp_path / "session.jz")
    try:
        sealed, spends = cast_and_mix(Hall(tv, tmp_path, [("A", 3)], seed=seed))
        wal = file_bytes(tv.path.with_name(tv.path.name + "-wal"))  # read while open: the last close removes it
    finally:
        tv.vault.close()
    transactions = wal_transactions(wal)
    stores, spends_in = first_written(transactions, sealed), first_written(transactions, spends)
    assert set().union(*stores) == set(range(VOTERS)) == set().union(*spends_in)  # all in this WAL
    assert not [i for i, (a, b) in enumerate(zip(stores, spends_in)) if a and b], "a transaction spends and stores"

    (page_size,) = struct.unpack(">I", wal[8:12])
    in_wal = order_within_pages(wal, 32 + 24, 24 + page_size, sealed)
    in_file = order_within_pages(file_bytes(tv.path), 0, page_size, sealed)
    return in_wal, in_file


def test_stored_order_is_not_casting_order_and_no_transaction_pairs_a_ballot_with_its_spend(tmp_path):
    rhos = [one_run(tmp_path / f"run{seed}", seed) for seed in range(RUNS)]
    # Ballots laid down in casting order measure 1 (the test below). Random orders measured
    # |rho| 0.16 on average over 20 runs (at most 0.48), so a mean over 10 runs above 0.3
    # happens about once in 10,000.
    assert all(abs(a) < 0.8 and abs(b) < 0.8 for a, b in rhos), rhos
    assert sum(abs(a) + abs(b) for a, b in rhos) / (2 * RUNS) < 0.3, rhos


def test_the_measure_sees_casting_order_where_there_is_one():
    """Cells laid down one per cast from each page's end, in casting order, measure 1."""
    page_size, cells = 512, [bytes([i + 1]) * 40 for i in range(VOTERS)]
    pages = [cells[i:i + 10] for i in range(0, VOTERS, 10)]
    raw = b"".join(b"\0" * (page_size - 400) + b"".join(reversed(page)) for page in pages)
    assert order_within_pages(raw, 0, page_size, cells) == 1
    assert order_within_pages(b"".join(b"\0" * (page_size - 400) + b"".join(page) for page in pages),
                              0, page_size, cells) == -1
