"""Writers and a launcher for the fault tests (kill -9 at random points of every kind of write).

A :class:`Writer` performs one kind of hall write through the real services, one call at
a time, resuming from whatever the ledger holds (so a killed writer's successor carries
on where it stopped). :func:`run` loops over it and writes ``seq hash kind`` for every
event a service call appended, only once that call has returned: those are the
acknowledged events. The test itself also uses a Writer for the write after each kill.

Each trial's writer is a fresh process. Starting a new interpreter and importing jz takes
longer than the writes being interrupted, so the test starts one *launcher* per kind
(``python _fault_helpers.py --launcher``): it imports everything once, opens no vault,
and forks a writer per trial on request; the test kills that writer with SIGKILL, and the
launcher reaps it and reports how it ended. ``python _fault_helpers.py VAULT KIND
PASSPHRASES_JSON`` runs one writer directly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TextIO

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # run as a script: the repository root holds jz_tui and storage
    sys.path.insert(0, str(HERE.parent))

from jz_tui.services import ballots, checkin, config, pending, sheets  # noqa: E402
from jz_tui.services.session import Session  # noqa: E402
from storage.ledger import Record  # noqa: E402
from storage.projection import SessionState  # noqa: E402,F401
from storage.scoring_state import CONFIRMED, SUBMITTED  # noqa: E402
from storage.vault import Vault  # noqa: E402

KINDS = ("checkin", "sheet", "ballot", "tally_close", "rules")

# Who acts for each kind (all of them unlock with the test passphrases of conftest).
ACTORS = {
    "checkin": ("clerk", "sup"),
    "sheet": ("e1", "e2", "scorer", "sup"),
    "ballot": ("t1", "t2"),
    "tally_close": ("t1", "t2", "sup"),
    "rules": ("admin",),
}

BALLOT_POST = "B00"
TARGET_VALUES = (2, 3, 4, 5)


class RecordingSession(Session):
    """A Session that remembers what it appended, so the caller can acknowledge it."""

    def __post_init__(self) -> None:
        self.appended: list[Record] = []
        super().__post_init__()

    def append(self, kind, data, **options):
        record = super().append(kind, data, **options)
        self.appended.append(record)
        return record


class Writer:
    """Sessions of the kind's actors on one open vault, and :meth:`step` to write once more."""

    def __init__(self, vault: Vault, kind: str, passphrases: dict[str, str]) -> None:
        self.vault = vault
        self.kind = kind
        self.sessions = {
            name: RecordingSession(vault, vault.unlock(name, passphrases[name]))
            for name in ACTORS[kind]
        }
        self.n = 0

    @property
    def state(self) -> SessionState:
        """The state the first actor's session folded (every session folds the same verified state)."""
        return next(iter(self.sessions.values())).state

    def s(self, name: str) -> RecordingSession:
        session = self.sessions[name]
        session.refresh()
        return session

    def take(self) -> list[Record]:
        """Everything appended since the last call, in seq order."""
        records = [r for s in self.sessions.values() for r in s.appended]
        for s in self.sessions.values():
            s.appended.clear()
        return sorted(records, key=lambda r: r.seq)

    def step(self) -> bool:
        """One service call of this kind; False when there is nothing left to do."""
        self.n += 1
        return getattr(self, "_" + self.kind)()

    # ------------------------------------------------------------------ the kinds

    def _checkin(self) -> bool:
        clerk = self.s("clerk")
        roster = clerk.state.roster
        undo = [a for a in clerk.state.pending.values() if a.action == "checkin.undo" and not a.done]
        if undo:  # the supervisor co-signs the undo the clerk asked for
            pending.sign(self.s("sup"), undo[0].id)
            return True
        waiting = sorted((c for c in roster.candidates if c not in roster.checkins),
                         key=lambda c: roster.candidates[c].order)
        if roster.checkins and (not waiting or self.n % 5 == 0):  # wrong person: undo, and they come back
            checkin.request_undo(clerk, next(iter(roster.checkins)), "wrong person")
        elif self.n % 7 == 0 and roster.checkins:  # a second scan of someone already in: a refusal, also written
            checkin.check_in(clerk, next(reversed(roster.checkins)), terminal="fault")
        elif self.n % 3 == 0:  # typed at the one input
            checkin.attempt(clerk, waiting[0], terminal="fault")
        else:
            checkin.check_in(clerk, waiting[0], terminal="fault", via="pick")
        return True

    def _sheet(self) -> bool:
        scorer = self.s("scorer")
        state = scorer.state
        for code in sorted(state.roster.candidates):
            if code in state.scoring.announced:
                continue
            for examiner in ("e1", "e2"):
                sheet = state.scoring.sheets.get((code, examiner))
                if sheet is None or sheet.status not in (SUBMITTED, CONFIRMED):  # none yet, or rejected
                    sheets.submit(self.s(examiner), code, total=str(60 + (len(code) + self.n) % 40))
                    return True
                if sheet.status == SUBMITTED:
                    if self.n % 4 == 0:
                        sheets.reject(scorer, code, examiner, "illegible")
                    else:
                        sheets.confirm(scorer, code, examiner)
                    return True
            waiting = [a for a in state.pending.values()
                       if a.action == "announce" and a.params.get("candidate") == code and not a.done]
            if waiting:
                pending.sign(self.s("sup"), waiting[0].id)
            else:
                sheets.announce(scorer, code)
            return True
        return False

    def _ballot(self) -> bool:
        officer = self.s("t1" if self.n % 2 else "t2")
        marks = "SBD-"[self.n % 4] + "SBD-"[(self.n // 4) % 4] + "SD"[self.n % 2]
        if self.n % 11 == 0:
            ballots.void_ballot(officer, BALLOT_POST, "marked twice")
        else:
            ballots.enter_ballot(officer, BALLOT_POST, marks)
        return True

    def _tally_close(self) -> bool:
        t1 = self.s("t1")
        state = t1.state
        for post, tally in sorted(state.tally.posts.items()):
            if tally.closed is not None:
                continue
            if tally.opened is None:
                ballots.open_box(t1, post, True, "", 1, 1)
                return True
            if not tally.entries.get("t1"):
                ballots.enter_ballot(t1, post, "S")
                return True
            waiting = [a for a in state.pending.values()
                       if a.action == "tally.close" and a.params.get("post") == post and not a.done]
            if not waiting:
                ballots.request_close(t1, post)
                return True
            (action,) = waiting
            signer = "t2" if all(user != "t2" for user, _ in action.signatures) else "sup"
            pending.sign(self.s(signer), action.id)
            return True
        return False

    def _rules(self) -> bool:
        admin = self.s("admin")
        value = TARGET_VALUES[self.n % len(TARGET_VALUES)]
        if value == admin.state.roster.settings.get("ranking.targets_per_post"):
            value = TARGET_VALUES[(self.n + 1) % len(TARGET_VALUES)]
        changes = {"ranking.targets_per_post": value}
        if self.n % 3 == 0:
            changes["democratic.dissatisfied_max"] = "0.25" if self.n % 2 else "0.30"
        config.change(admin, changes)
        return True


# Posts of each kind's hall: enough work that a writer never runs out within its trials.
POSTS = {
    "checkin": [(f"C{i:02d}", 5) for i in range(20)],  # check-ins are recycled through co-signed undos
    "sheet": [(f"S{i:03d}", 3) for i in range(80)],
    "ballot": [(BALLOT_POST, 3)],
    "tally_close": [(f"T{i:03d}", 1) for i in range(250)],
    "rules": [("R00", 3)],
}


def prepare(kind: str, tv, tmp_path: Path) -> None:
    """The hall a writer of ``kind`` needs, built through the services (in the test process)."""
    from _session_helpers import Hall  # noqa: PLC0415 - the child never builds a hall

    hall = Hall(tv, tmp_path, POSTS[kind])
    if kind == "ballot":
        hall.box([BALLOT_POST])
        ballots.open_box(hall.s("t1"), BALLOT_POST, True, "", 10**6, 10**6)
    elif kind == "tally_close":
        hall.box([code for code, _ in POSTS[kind]])


def run(path: str, kind: str, passphrases: dict[str, str], out: TextIO) -> None:
    """Write until killed; ``ready`` once logged in, then one line per acknowledged event."""
    vault = Vault.open(path)
    writer = Writer(vault, kind, passphrases)
    out.write("ready\n")
    out.flush()
    while writer.step():
        for record in writer.take():  # the service call returned: these are acknowledged
            out.write(f"{record.seq} {record.hash.hex()} {record.kind}\n")
        out.flush()
    out.write("done\n")  # nothing left to write (the hall was too small): the test says so
    out.flush()
    while True:
        time.sleep(1)


def launcher() -> None:
    """Serve JSON lines: ``{"start": [OUT, VAULT, KIND, PASSPHRASES]}`` forks a writer and
    answers its pid; ``{"reap": PID}`` waits for it and answers how it ended."""
    for line in sys.stdin:
        request = json.loads(line)
        if "start" in request:
            out_path, path, kind, passphrases = request["start"]
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:  # the writer: a process of its own, opening its own connection to the vault
                try:
                    with open(out_path, "a", encoding="ascii") as out:
                        run(path, kind, passphrases, out)
                except BaseException:  # noqa: BLE001 - on stderr for the test, which sees an exit, not a kill
                    import traceback  # noqa: PLC0415

                    traceback.print_exc()
                    sys.stderr.flush()
                finally:
                    os._exit(1)
            print(pid, flush=True)
        else:
            _, status = os.waitpid(int(request["reap"]), 0)
            how = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit {os.WEXITSTATUS(status)}"
            print(how, flush=True)


class Launcher:
    """The test's side of :func:`launcher`: one per kind, for all its trials."""

    def __init__(self, stderr_path: Path) -> None:
        self.stderr_path = stderr_path
        self._stderr = stderr_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--launcher"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, text=True, bufsize=1,
        )

    def _ask(self, request: dict) -> str:
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        assert answer, f"the launcher died: {self.stderr()}"
        return answer.strip()

    def start(self, out_path: Path, vault_path: Path, kind: str, passphrases: dict[str, str]) -> int:
        out_path.write_bytes(b"")  # there even if the writer is killed before it opens it
        return int(self._ask({"start": [str(out_path), str(vault_path), kind, passphrases]}))

    def reap(self, pid: int) -> str:
        """How the writer ended: ``signal 9`` when our SIGKILL got it, ``exit N`` if it stopped by itself."""
        return self._ask({"reap": pid})

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)
        self._stderr.close()


def main(argv: list[str]) -> None:
    if argv == ["--launcher"]:
        launcher()
    else:
        run(argv[0], argv[1], json.loads(argv[2]), sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
