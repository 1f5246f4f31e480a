"""The README works as written (issue 23.6).

:func:`test_the_readme_tour_runs_as_written` reads the code block under "## A short tour" in
README.md and runs every command line of it, in order, with the installed ``jz`` in a shell
(the loops are the shell's), in a fresh directory holding the files the tour names
(``roster.xlsx``, ``written.csv``, ``加试.csv``: generated here from synthetic people, never
committed). Each line must exit 0 and say what it is there for (:data:`FACTS`).

What a reader types but a test cannot know beforehand comes from the output of an earlier
line, as the reader would copy it (:data:`SUBSTITUTED`): the text a scanner reads from a
ticket's QR code (decoded from the PNG ``jz tickets`` wrote, with zbarimg), the code on a
voting slip (likewise, from ``jz tokens``), the ID of a pending action (printed by the line
that started it), the hall's admin fingerprint (printed by ``jz init hall1.jz``). Passphrases come from the environment, as the tour says they may:
``JZ_PASSPHRASE`` for the ``--user`` of the line, ``JZ_NEW_PASSPHRASE`` for a new one,
``JZ_PASSPHRASE_<USER>`` for the officers of ``jz box unseal``.

Two lines are not run, and the README says so on the line (:data:`NOT_RUN`): the voting
kiosk (a full-screen app waiting for voters) and ``jz bench`` (minutes of work).

The other tests here hold the smaller promises of the issue: ``jz config --example`` prints
the defaults as a rules file that imports; a missing rules file says where the defaults are;
``jz demo`` with no path leaves nothing in the working directory.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shlex
import shutil
import subprocess
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import jz_executable

from jz_tui.bench import synthetic
from jz_tui.i18n import t
from jz_tui.rules import settings as rules
from jz_tui.services import notice_files

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PASSPHRASE = "tour-pass-1"  # every user of the tour
NEW_PASSPHRASE = "tour-pass-2"  # what ``jz user passwd`` changes to
TICKET_PLACEHOLDER = "'JZ1:…'"
PENDING_PLACEHOLDER = "P7K3Q"
SLIP_PLACEHOLDER = "XXXX-XXXX-XXXX"
FINGERPRINT_PLACEHOLDER = '"3f2a 9c1e …"'
SUBSTITUTED = {  # placeholder in the README -> where the reader copies the real value from
    TICKET_PLACEHOLDER: "the text a scanner reads from the first ticket's QR code (tickets/A01-01.png)",
    PENDING_PLACEHOLDER: "the pending action's ID printed by the last line that started one",
    SLIP_PLACEHOLDER: "the code on the first voting slip (slips/slip-0001.png, read as a scanner does)",
    FINGERPRINT_PLACEHOLDER: "the admin key fingerprint printed by jz init hall1.jz",
}
NOT_RUN_MARK = "(not run by the tour test"
NOT_RUN = {  # the lines the README marks, and why
    "jz vote": "the kiosk is a full-screen app that waits for voters at a terminal",
    "jz bench": "the benchmark takes minutes",
}
POST = "A01"


# ---------------------------------------------------------------------- the tour, read from the README


def tour_lines(text: str) -> list[str]:
    """The command lines of the code block under "## A short tour" (comment-only lines left out)."""
    section = text.split("\n## A short tour\n", 1)[1]
    block = section.split("\n```\n", 1)[1].split("\n```", 1)[0]
    return [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def tokens(line: str) -> list[str]:
    """The line as the shell splits it, its comment left out (``;`` a token of its own)."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    return list(lexer)


def words(line: str) -> list[str]:
    """The words of the ``jz`` command of the line (for a loop: the one inside it)."""
    command = tokens(line)
    if command[0] == "for":
        command = command[command.index("do") + 1:]
    return command[:command.index(";")] if ";" in command else command


def user_of(line: str) -> str | None:
    command = words(line)
    for flag in ("--user", "--admin"):
        if flag in command:
            return command[command.index(flag) + 1]
    return None


# ---------------------------------------------------------------------- the files the tour names


def write_inputs(folder: Path) -> list[dict[str, str]]:
    """roster.xlsx (post A01: two candidates, A02: one), written.csv (the same score for both
    A01 candidates, so that the tour's tie at the cut is real), 加试.csv (that settles it)."""
    from openpyxl import Workbook

    rows = synthetic.roster_rows([(POST, "办公室综合科科长", "区委办公室", 2), ("A02", "财务科科长", "区财政局", 1)],
                                 seed=23)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "名册"
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    for cell in sheet["F"]:  # 身份证号 as text, as a careful clerk types it
        cell.number_format = "@"
    workbook.save(folder / "roster.xlsx")
    with (folder / "written.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["准考证号", "姓名", "笔试成绩"])
        writer.writerows([["A01-01", rows[0]["姓名"], "86.5"], ["A01-02", rows[1]["姓名"], "86.5"],
                          ["A02-01", rows[2]["姓名"], "78"]])
    with (folder / "加试.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["准考证号", "姓名", "成绩"])
        writer.writerows([["A01-01", rows[0]["姓名"], "88"], ["A01-02", rows[1]["姓名"], "81"]])
    return rows


def jz_on_path(folder: Path) -> Path:
    """A directory holding ``jz``: the installed command (or the module, in a bare checkout)."""
    bin_dir = folder / ".bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "jz"
    wrapper.write_text("#!/bin/sh\nexec " + shlex.join(jz_executable()) + ' "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    return bin_dir


def qr_text(png: Path) -> str:
    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbarimg (package zbar-tools) reads the ticket as a scanner does; .ci/run installs it"
    done = subprocess.run([zbarimg, "--raw", "-q", str(png)], capture_output=True, text=True, check=True)
    return done.stdout.strip()


# ---------------------------------------------------------------------- what each line must say

PENDING_ID = re.compile(r"\((P[0-9A-Z]{4,})\)")
FINGERPRINT = re.compile(r"[0-9a-f]{4}(?: [0-9a-f]{4}){3,}")


def loop_values(line: str) -> list[str]:
    """The values a ``for x in a b c; do`` line runs over (none when the line is no loop)."""
    command = tokens(line)
    return command[3:command.index(";")] if command[0] == "for" else []


def fact_user_add(line: str, out: str, tour: "Tour") -> bool:
    names = loop_values(line) or [words(line)[4]]
    return all(re.search(rf"\b{name}\b.*{FINGERPRINT.pattern}", out) for name in names)


def fact_config(line: str, out: str, tour: "Tour") -> bool:
    if "--example" in words(line):  # redirected into rules.toml: a rules file with every stage
        return tomllib.loads((tour.folder / "rules.toml").read_text(encoding="utf-8"))["stages"] == {
            "written": 3, "interview": 3, "democratic": 4}
    return t("config_saved") in out


def fact_checkin(line: str, out: str, tour: "Tour") -> bool:
    if "--counts" in words(line):  # A01: 2 expected, 2 arrived, 0 missing
        return re.search(r"^A01\b\D*\b2\b\D*\b2\b\D*\b0\b", out, re.M) is not None
    code = "A01-01" if TICKET_PLACEHOLDER in line else words(line)[3]  # the ticket: the first candidate's
    return t("checkin_checked_in", code=code, name=tour.names[code]) in out


def fact_sign(line: str, out: str, tour: "Tour") -> bool:
    if "--list" in words(line):  # the recusal just started waits for this supervisor
        return re.search(rf"→ {tour.pending}\b", out) is not None
    return tour.pending in out


def fact_sheet_submit(line: str, out: str, tour: "Tour") -> bool:
    command = words(line)
    total = sum(Decimal(item) for item in command[command.index("--items") + 1].split(","))
    return re.search(rf"{command[command.index('--candidate') + 1]}\D.*\b{total}\b", out) is not None


def fact_sheet_confirm(line: str, out: str, tour: "Tour") -> bool:
    candidate = words(line)[words(line).index("--candidate") + 1]
    return all(t("sheet_confirmed", examiner=e, ref=candidate) in out for e in loop_values(line))


def fact_ranking(line: str, out: str, tour: "Tour") -> bool:
    """Every score of A01 is in: ranked, and its two equal composites tie at the one target's cut."""
    post = next(p for p in json.loads(out)["posts"] if p["code"] == POST)
    return ([c["rank"] for c in post["candidates"]] == [1, 1]
            and all("tie_at_cut" in c["flags"] for c in post["candidates"]))


def fact_public(line: str, out: str, tour: "Tour") -> bool:
    """The tie settled by the 加试: one target, the other not, and the notice says why."""
    extra = t("flag_extra")
    return (out.count(extra) == 2 and f"{t('rank_status_target')} {extra}" in out
            and f"{t('rank_status_eligible')} {extra}" in out)


def fact_export(line: str, out: str, tour: "Tour") -> bool:
    """The notice file: three rows (A01 ranked, A02 in progress), made at hall1's head."""
    notice = notice_files.read_notice(tour.folder / words(line)[words(line).index("--out") + 1])
    return len(notice.rows) == 3 and notice.meta["admin_fingerprint"] == tour.fingerprint


def fact_verify(line: str, out: str, tour: "Tour") -> bool:
    checked = re.search(r"\b\d+\b", out) is not None and tour.fingerprint in out and "✗" not in out
    if "--write-checkpoint" in words(line):
        return checked and json.loads((tour.folder / "head.json").read_text(encoding="utf-8"))["seq"] > 0
    return checked


def written_file(name: str):
    return lambda line, out, tour: (tour.folder / name).stat().st_size > 0


FACTS = {  # the command (its first words) -> what its output shows, besides exit 0
    "jz init": lambda line, out, tour: FINGERPRINT.search(out) is not None,
    "jz user add": fact_user_add,
    "jz user passwd": lambda line, out, tour: t("passwd_done", user="kg1") in out,
    "jz user list": lambda line, out, tour: all(re.search(rf"^{u} ", out, re.M) for u in (
        "renshi", "kg1", "kg2", "kg3", "kg4", "qiandao", "jifen", "jp1", "jp2", "jp3", "jiandu")),
    "jz config": fact_config,
    "jz roster import": lambda line, out, tour: t("roster_imported", posts=2, candidates=3) in out,
    "jz tickets": lambda line, out, tour: t("tickets_written", count=3, out="tickets/") in out,
    "jz checkin": fact_checkin,
    "jz draw": lambda line, out, tour: all(re.search(rf"{n}\s+A01-0\d", out) for n in ("A01-1", "A01-2")),
    "jz written import": lambda line, out, tour: t("written_imported", count=3) in out,
    "jz panel set": lambda line, out, tour: re.search(r"R1\b.*\bkg1\b.*\bkg2\b.*\bkg3\b", out) is not None,
    "jz panel replace": lambda line, out, tour: t("panel_replaced_line", examiner="kg3", by="kg4",
                                                  reason="病假") in out,
    "jz recuse": lambda line, out, tour: tour.pending in out and "kg2" in out and "A01-2" in out,
    "jz sign": fact_sign,
    "jz sheet submit": fact_sheet_submit,
    "jz sheet confirm": fact_sheet_confirm,
    "jz announce": lambda line, out, tour: t("announce_pending", id=tour.pending, ref=words(line)[4],
                                             result="87.00") in out,
    "jz box create": lambda line, out, tour: "BOX1" in out and "A01" in out,
    "jz box open": lambda line, out, tour: t("box_opened", post="A01") in out,
    "jz box recount": lambda line, out, tour: t("box_recounted", post="A01", issued=5, returned=3) in out,
    "jz ballot enter": lambda line, out, tour: t("ballot_entered", no=tour.count("ballot enter")) in out,
    "jz ballot withdraw": lambda line, out, tour: t("ballot_withdrawn", no=4) in out,
    "jz tokens": lambda line, out, tour: t("tokens_written", count=5, out="slips/") in out,
    "jz vote": lambda line, out, tour: t("vote_cast") in out,
    "jz box unseal": lambda line, out, tour: t("box_unsealed", box="BOX1", count=1) in out,
    "jz tally close": lambda line, out, tour: t("tally_close_pending_created", id=tour.pending) in out,
    "jz ranking": fact_ranking,
    "jz extra import": lambda line, out, tour: t("extra_imported", post="A01", count=2) in out,
    "jz public": fact_public,
    "jz export": fact_export,
    "jz verify": fact_verify,
    "jz log": lambda line, out, tour: t("kind_vault_init") in out and "kg1" in out,
    "jz backup": written_file("copy.jz"),
    "jz hall add": lambda line, out, tour: t("hall_added", hall="第一考场", fingerprint=tour.fingerprint) in out,
    "jz hall export": lambda line, out, tour: json.loads((tour.folder / "hall1.json").read_text(encoding="utf-8"))
    and tour.fingerprint in out,
    "jz hall import": lambda line, out, tour: "第一考场" in out and "A01" in out,
    "jz hall list": lambda line, out, tour: "第一考场" in out and "A01" in out,
}


STARTS_PENDING = ("recuse", "announce", "tally close")  # the lines that start an action others co-sign


class Tour:
    def __init__(self, folder: Path, names: dict[str, str]) -> None:
        self.folder = folder
        self.names = names  # candidate code -> name, from the roster written
        self.ran: list[str] = []  # the commands run so far (their first words)
        self.passphrases: dict[str, str] = {}
        self.fingerprint: str | None = None
        self.pending: str | None = None
        self.env = {**os.environ, "JZ_LANG": "en", "PATH": str(jz_on_path(folder)) + os.pathsep + os.environ["PATH"]}
        for name in ("JZ_PASSPHRASE", "JZ_NEW_PASSPHRASE"):
            self.env.pop(name, None)
        self.substituted: list[tuple[str, str]] = []

    def count(self, command: str) -> int:
        """How many lines of this command have run, this one included."""
        return sum(1 for ran in self.ran if ran.startswith("jz " + command))

    def remember_fingerprint(self, out: str) -> None:
        found = FINGERPRINT.search(out)
        if found and self.fingerprint is None:  # hall1's: the first jz init of the tour
            self.fingerprint = found.group(0)

    def remember_pending(self, out: str) -> None:
        found = PENDING_ID.search(out)  # "… requested (PW9GN4) …"
        if found:
            self.pending = found.group(1)

    def prepare(self, line: str) -> str:
        """The line as run: its placeholders replaced by what the reader would copy."""
        if TICKET_PLACEHOLDER in line:
            line = line.replace(TICKET_PLACEHOLDER, shlex.quote(qr_text(self.folder / "tickets" / "A01-01.png")))
            self.substituted.append((TICKET_PLACEHOLDER, line))
        if SLIP_PLACEHOLDER in line:
            line = line.replace(SLIP_PLACEHOLDER, shlex.quote(qr_text(self.folder / "slips" / "slip-0001.png")))
            self.substituted.append((SLIP_PLACEHOLDER, line))
        if PENDING_PLACEHOLDER in line:
            assert self.pending, f"no pending action started before: {line}"
            line = line.replace(PENDING_PLACEHOLDER, self.pending)
            self.substituted.append((PENDING_PLACEHOLDER, line))
        if FINGERPRINT_PLACEHOLDER in line:
            assert self.fingerprint, f"no fingerprint printed before: {line}"
            line = line.replace(FINGERPRINT_PLACEHOLDER, shlex.quote(self.fingerprint))
            self.substituted.append((FINGERPRINT_PLACEHOLDER, line))
        return line

    def environment(self, line: str) -> dict[str, str]:
        """JZ_PASSPHRASE: the passphrase of the line's user (a new session's admin: the one it
        gets); JZ_NEW_PASSPHRASE for a user added or a passphrase changed; JZ_PASSPHRASE_<NAME>
        for every user, as the officers of ``jz box unseal`` give theirs."""
        env = dict(self.env)
        command = words(line)
        if command[1] == "init":
            self.passphrases[user_of(line)] = PASSPHRASE
        if command[1:3] == ["user", "add"]:
            env["JZ_NEW_PASSPHRASE"] = PASSPHRASE
        if command[1:3] == ["user", "passwd"]:
            env["JZ_NEW_PASSPHRASE"] = NEW_PASSPHRASE
        user = user_of(line)
        if user is not None:
            env["JZ_PASSPHRASE"] = self.passphrases[user]
        for name, passphrase in self.passphrases.items():
            env["JZ_PASSPHRASE_" + re.sub(r"[^0-9A-Za-z]", "_", name).upper()] = passphrase
        return env

    def run(self, line: str) -> str:
        prepared = self.prepare(line)
        done = subprocess.run(["bash", "-c", "set -e -o pipefail\n" + prepared], cwd=self.folder,
                              env=self.environment(line), stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=300)  # no terminal: a passphrase the environment lacks is refused, not asked
        assert done.returncode == 0, f"{line}\n  exited {done.returncode}\n{done.stdout}\n{done.stderr}"
        command = words(line)
        out = done.stdout + done.stderr
        self.ran.append(" ".join(command))
        if command[1:3] == ["user", "add"]:
            for name in loop_values(line) or [command[4]]:
                self.passphrases[name] = PASSPHRASE
        if command[1:3] == ["user", "passwd"]:
            self.passphrases[user_of(line)] = NEW_PASSPHRASE
        if command[1] == "init":
            self.remember_fingerprint(out)
        if " ".join(command[1:3]) in STARTS_PENDING or command[1] in STARTS_PENDING:
            self.remember_pending(out)
        return out


def key_of(line: str) -> str:
    """The FACTS key of a line: the longest one its command starts with."""
    text = " ".join(words(line))
    keys = [key for key in FACTS if text == key or text.startswith(key + " ")]
    assert keys, f"no fact for {line}"
    return max(keys, key=len)


# ---------------------------------------------------------------------- the test


def test_the_readme_tour_runs_as_written(tmp_path):
    lines = tour_lines(README.read_text(encoding="utf-8"))
    assert len(lines) > 40
    rows = write_inputs(tmp_path)
    tour = Tour(tmp_path, {f"{row['岗位编码']}-{n:02d}": row["姓名"] for row, n in zip(rows, (1, 2, 1), strict=True)})
    skipped = []
    for line in lines:
        if NOT_RUN_MARK in line:
            skipped.append(" ".join(words(line)[:2]))
            continue
        out = tour.run(line)
        assert FACTS[key_of(line)](line, out, tour), f"{line}\n  did not say what it is there for:\n{out}"
    assert sorted(skipped) == sorted(NOT_RUN)  # what is not run is marked, and nothing else
    assert [line for line in lines if NOT_RUN_MARK in line and "jz vote" in line][0].split("#")[0].split() == [
        "jz", "vote", "hall1.jz", "--box", "BOX1", "--user", "jp3"]  # the kiosk itself, not the scripted vote
    assert {placeholder for placeholder, _ in tour.substituted} == set(SUBSTITUTED)


# ---------------------------------------------------------------------- the smaller promises


def test_config_example_prints_the_packaged_defaults_with_no_passphrase(jz, tmp_path):
    done = jz("config", tmp_path / "none.jz", "--example")
    assert done.returncode == 0, done.stderr
    assert done.stdout == rules.DEFAULTS_PATH.read_text(encoding="utf-8")
    assert "#" in done.stdout and tomllib.loads(done.stdout)["ranking"]["targets_per_post"] == 3
    assert not (tmp_path / "none.jz").exists()


def test_the_example_rules_import_into_a_session(jz, test_vault, tmp_path):
    example = tmp_path / "rules.toml"
    example.write_text(jz("config", test_vault.path, "--example").stdout, encoding="utf-8")
    test_vault.vault.close()
    done = jz("config", test_vault.path, "--import", example, user="admin")
    assert done.returncode == 0, done.stderr
    shown = json.loads(jz("config", test_vault.path, "--show", "--json", user="admin").stdout)
    assert shown["ranking.targets_per_post"] == 3


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_missing_rules_file_says_where_the_defaults_are(jz, test_vault, tmp_path, lang):
    test_vault.vault.close()
    done = jz("config", test_vault.path, "--import", tmp_path / "rules.toml", user="admin", env={"JZ_LANG": lang})
    assert done.returncode == 1
    assert "--example" in done.stderr and str(rules.DEFAULTS_PATH) in done.stderr
    assert done.stderr.strip() == t("rules_file_missing", lang=lang, path=str(tmp_path / "rules.toml"),
                                    defaults=str(rules.DEFAULTS_PATH))


def test_jz_demo_without_a_path_leaves_nothing_in_the_working_directory(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "JZ_LANG": "en", "TMPDIR": str(tmp_path)}
    done = subprocess.run([*jz_executable(), "demo"], cwd=work, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert list(work.iterdir()) == []
    where = re.search(r"temporary directory: (\S+)", done.stdout)
    assert where, done.stdout
    built = Path(where.group(1))
    assert built.parent.parent == tmp_path and built.name == "jz-demo.jz"  # said where it was
    assert not built.parent.exists()  # and it is gone
    assert "admin-demo" in done.stdout  # the users were printed, to log in with
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]

