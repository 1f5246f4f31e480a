"""The insider's toolbox: a realistic session built through the services, and forged events
appended the way a user of the session with their own passphrase and write access would.

A forged event goes through ``Vault.append`` **without** a judge: it is chained, sealed under
the data key and signed with the insider's real key. The ``Identity`` in hand lives in the
insider's own process, so whatever role it carries is theirs to choose (:func:`as_role`: if
the write path ever asks that identity's role again, the insider still gets past it). What
they cannot change is the role the ledger gave them, and that is what every fold judges.

Events that the write path cannot produce at all (a signature of zeros, a body sealed
under some other key) are written with plain ``sqlite3``: the append-only triggers stop
UPDATE and DELETE, not INSERT.

The template session (``build_template``):

* users of conftest (admin, clerk, scorer, sup, e1, e2, t1, t2) plus t3 and t4 (tally);
* posts A (3 candidates), B (3), C (3); the default rubric (six items); tickets issued;
  written scores for everyone;
* A and B all checked in and drawn; C: C-01 and C-02 checked in, not drawn, C-03 not here;
* A-01: two sheets confirmed, announced (co-signed); A-02: two sheets confirmed, not
  announced; A-03: e1's sheet submitted, not confirmed; B-01..B-03 announced;
* BOX1 (A, B; officers t1, t2): A opened and counted by t1, not closed; B counted and
  closed. BOX2 (C; officers t3, t4): not opened.
"""

from __future__ import annotations

import dataclasses
import os
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

from conftest import PASSPHRASES, WEAK_KDF, make_test_vault

import jz_tui.events  # noqa: F401  (every kind declared)
from jz_tui.bench import synthetic
from jz_tui.services import ballots, checkin, draw, pending, sheets, tickets, written
from jz_tui.services.roster import import_roster
from jz_tui.services.session import Session
from storage import crypto, ledger
from storage.events import KINDS
from storage.projection import SessionState, verified_state
from storage.vault import Identity, Vault

EXTRA_PASS = "insider-extra-pass"
PASSES = {**PASSPHRASES, "t3": EXTRA_PASS, "t4": EXTRA_PASS}

# marks of the template's sheets (default rubric: 25, 20, 15, 15, 15, 10)
MARKS = {
    "e1": ["20", "18", "13", "12", "13", "9"],  # 85
    "e2": ["21", "17", "12", "12", "13", "8"],  # 83
}
BALLOTS_A = ["SSB", "SBD", "SSS", "BSD", "S-B"]
BALLOTS_B = ["SSS", "SBS", "BSB", "SDS"]
LEDGER_COLUMNS = "seq, kind, actor, prev_hash, hash, signature, body"


def as_role(identity: Identity, kind: str) -> Identity:
    """The insider's own identity, telling their own client a role that may emit ``kind``.

    Same name, same keys: the event is signed with their real key. Only the role the
    ledger gave them differs, and that is what the fold judges.
    """
    if identity.role in KINDS[kind].roles:
        return identity
    return dataclasses.replace(identity, role=sorted(KINDS[kind].roles)[0])


class Site:
    """An open vault with a session per user, and the insider's ways of writing to it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.vault = Vault.open(path)
        self._identities: dict[str, Identity] = {}
        self._sessions: dict[str, Session] = {}

    def identity(self, name: str) -> Identity:
        if name not in self._identities:
            self._identities[name] = self.vault.unlock(name, PASSES[name])
        return self._identities[name]

    def s(self, name: str) -> Session:
        """The user's session, refreshed."""
        if name not in self._sessions:
            self._sessions[name] = Session(self.vault, self.identity(name))
        session = self._sessions[name]
        session.refresh()
        return session

    @property
    def state(self) -> SessionState:
        return self.s("admin").state

    def head(self) -> int:
        return self.vault.head()[0]

    # ------------------------------------------------------------------ forging

    def forge(self, actor: str, kind: str, data: dict[str, Any]) -> int:
        """Append ``kind`` as ``actor`` would from their own client: no judge, real key."""
        record = self.vault.append(as_role(self.identity(actor), kind), kind, data)
        return record.seq

    def forge_raw(self, actor: str, kind: str, data: dict[str, Any], *, signature: bytes | None = None,
                  data_key: bytes | None = None, signer: Identity | None = None) -> int:
        """Insert a ledger row with plain sqlite3: chained and hashed as the vault would, the body
        sealed under ``data_key`` (default: the actor's current data key) and signed by ``signer``
        (default: the actor) unless ``signature`` is given as is."""
        who = signer or self.identity(actor)
        key = data_key if data_key is not None else self.identity(actor).data_key
        conn = sqlite3.connect(str(self.path), isolation_level=None, timeout=10)
        try:
            conn.execute("BEGIN IMMEDIATE")
            row = conn.execute("SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev = row[0] + 1, row[1]
            plaintext, _ = ledger.encode_envelope(data, ledger.now_iso())
            body = ledger.seal_body(key, self.vault.vault_id, seq, kind, plaintext)
            hash_ = ledger.event_hash(self.vault.vault_id, seq, kind, actor, prev, body)
            sig = signature if signature is not None else who.sign(ledger.signed_message(hash_))
            conn.execute(f"INSERT INTO ledger({LEDGER_COLUMNS}) VALUES (?,?,?,?,?,?,?)",
                         (seq, kind, actor, prev, hash_, sig, body))
            conn.execute("COMMIT")
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.close()
        return seq

    def backup(self, target: Path) -> Path:
        self.vault.backup(target)
        return target

    def close(self) -> None:
        self.vault.close()


def fresh_state(path: Path, user: str = "admin") -> SessionState:
    """The state a fresh process sees: a new connection, a new unlock, a full verified fold."""
    vault = Vault.open(path)
    try:
        identity = vault.unlock(user, PASSES[user])
        return verified_state(vault, identity.keyring)
    finally:
        vault.close()


def fresh_session_state(path: Path, user: str = "admin") -> SessionState:
    """The state a fresh ``Session`` (what every command logs into) folds."""
    vault = Vault.open(path)
    try:
        return Session(vault, vault.unlock(user, PASSES[user])).state
    finally:
        vault.close()


# ---------------------------------------------------------------------- the template


def build_template(path: Path, work: Path) -> Path:
    tv = make_test_vault(path)
    for name in ("t3", "t4"):
        tv.vault.add_user(tv.admin, name, "tally", EXTRA_PASS, kdf=WEAK_KDF)
    tv.vault.close()
    site = Site(path)
    try:
        admin = site.s("admin")
        roster = work / "insider-roster.csv"
        posts = [("A", "科长", "办公室", 3), ("B", "主任", "数据局", 3), ("C", "科员", "财政局", 3)]
        synthetic.write_csv(roster, synthetic.roster_rows(posts, seed=11))
        import_roster(admin, roster)
        tickets.issue(site.s("admin"))
        codes = sorted(site.state.roster.candidates)
        scores = work / "insider-written.csv"
        scores.write_text("准考证号,成绩\n" + "".join(f"{code},{70 + i}.5\n" for i, code in enumerate(codes)),
                          encoding="utf-8")
        written.import_written(site.s("admin"), scores)
        for code in ("A-01", "A-02", "A-03", "B-01", "B-02", "B-03", "C-01", "C-02"):
            assert checkin.check_in(site.s("clerk"), code).ok
        draw.draw(site.s("clerk"), "A")
        draw.draw(site.s("clerk"), "B")
        for code in ("A-01", "A-02", "B-01", "B-02", "B-03"):
            for examiner in ("e1", "e2"):
                sheets.submit(site.s(examiner), code, MARKS[examiner])
                sheets.confirm(site.s("scorer"), code, examiner)
        for code in ("A-01", "B-01", "B-02", "B-03"):
            action = sheets.announce(site.s("scorer"), code)
            pending.sign(site.s("sup"), action.id)
        sheets.submit(site.s("e1"), "A-03", MARKS["e1"])
        assert ballots.create_box(site.s("admin"), ["A", "B"], ["t1", "t2"], "SEAL-1").id == "BOX1"
        assert ballots.create_box(site.s("admin"), ["C"], ["t3", "t4"], "SEAL-2").id == "BOX2"
        for post, marks in (("A", BALLOTS_A), ("B", BALLOTS_B)):
            ballots.open_box(site.s("t1"), post, True, "", len(marks), len(marks))
            for text in marks:
                ballots.enter_ballot(site.s("t1"), post, text)
        action = ballots.request_close(site.s("t1"), "B")
        pending.sign(site.s("t2"), action.id)
        pending.sign(site.s("sup"), action.id)
        state = site.state
        assert state.tally.posts["B"].closed is not None
        assert not state.rejected, state.rejected
    finally:
        site.close()
    return path


def copy_vault(source: Path, target: Path) -> Path:
    """A copy of a closed vault file (the template): SQLite's backup API on a connection of our own."""
    src = sqlite3.connect(str(source))
    dest = sqlite3.connect(str(target))
    try:
        src.backup(dest)
    finally:
        dest.close()
        src.close()
    return target


# ---------------------------------------------------------------------- what a state shows

# a count's cache (PostTally.cache) is how a state was folded, not what it holds
_NOT_STATE = frozenset({"seq", "head_hash", "kinds", "rejected", "chain", "rules_cache", "cache"})


def digest(value: Any, *, seqs: bool = True, _key: str = "") -> Any:
    """Everything a folded state holds, as plain data (what it folded, not how far).

    ``seqs=False`` leaves out where in the ledger each thing happened and when (seqs become
    "there or not", times are dropped): states of two vaults whose ledgers differ only by
    events set aside can then be compared.
    """
    if isinstance(value, SessionState) or (hasattr(value, "__dict__") and not isinstance(value, type)):
        out = {}
        for key, item in vars(value).items():
            if key in _NOT_STATE or key.startswith("_"):
                continue
            if not seqs and (key == "at" or key.endswith("_at") or key == "seq" or key.endswith("_seq")):
                if key != "at":
                    out[key] = item is not None
                continue
            if not seqs and key == "refusals":
                out[key] = [reason for _, reason in item]
                continue
            out[key] = digest(item, seqs=seqs, _key=key)
        return out
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            name = key if isinstance(key, str) else repr(key)
            if not seqs and isinstance(key, str) and (key == "at" or key == "seq" or key.endswith("_seq")):
                out[name] = item is not None
                continue
            out[name] = digest(item, seqs=seqs, _key=name)
        return out
    if isinstance(value, (set, frozenset)):
        return sorted(repr(digest(item, seqs=seqs)) for item in value)
    if isinstance(value, (list, tuple)):
        return [digest(item, seqs=seqs) for item in value]
    return value


def altered_scores(record: dict[str, Any], value: str = "100.00") -> dict[str, Any]:
    """A tally close record whose every candidate scores ``value`` and nobody is excluded."""
    out = dict(record)
    out["candidates"] = [{**c, "score": value, "excluded": False, "rate": "0.00%", "rate_exact": "0"}
                         for c in record["candidates"]]
    return out


def bump(text: str, by: str = "1") -> str:
    return str(Decimal(text) + Decimal(by))


def random_key() -> bytes:
    return os.urandom(32)


def ticket_key_pair() -> tuple[str, str]:
    key = crypto.new_signing_key()
    return crypto.private_bytes(key).hex(), crypto.public_bytes(key).hex()


__all__ = ["BALLOTS_A", "MARKS", "PASSES", "Site", "altered_scores", "as_role", "build_template",
           "bump", "copy_vault", "digest", "fresh_session_state", "fresh_state", "random_key", "ticket_key_pair"]
