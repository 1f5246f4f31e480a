"""Several halls, one verified result (issue 14): two interview halls and the centre, each its
own vault built in its own process; the halls' signed exports imported at the centre with the
installed ``jz``; the centre's ranking checked against composites computed here; and every
refusal (a changed byte, a foreign hall, a stale or duplicate export, a post claimed twice)
leaves the centre's ledger as it was."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from storage.errors import JzError
from _session_helpers import Hall
from conftest import make_test_vault

from jz_tui.services import halls
from storage import crypto
from storage.vault import Vault

POSTS = [("A01", 3), ("A02", 3), ("B01", 2)]
# codes are POST-NN in roster order: the same synthetic roster in every vault gives the same codes
INTERVIEWS = {  # hall -> candidate -> the two examiners' totals
    "east": {"A01-01": ("88", "85.5"), "A01-02": ("79", "80"), "A01-03": ("91.5", "90")},
    "west": {"A02-01": ("70", "75"), "A02-02": ("82", "82.5"), "A02-03": ("66", "67"),
             "B01-01": ("90", "90"), "B01-02": ("77.5", "78")},
}
HALL_POSTS = {"east": ["A01"], "west": ["A02", "B01"]}
WEST_TALLY = {"B01": ["SSSBD", "SBBDD"]}  # west counted B01's ballots too (per candidate, over ballots)
CENTRE_TALLIES = {"A01": ["SSSSB", "SSBBD", "SBDDD"], "A02": ["SSSSS", "BBBBB", "SSBBD"]}
WRITTEN = {"A01-01": "81", "A01-02": "77.5", "A01-03": "69", "A02-01": "90", "A02-02": "72.25", "A02-03": "88",
           "B01-01": "75", "B01-02": "83"}

WORKER = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    sys.path[:0] = [sys.argv[1], str(Path(sys.argv[1]).parent)]
    from conftest import make_test_vault
    from _session_helpers import Hall
    from storage import crypto

    path, posts, interviews, tallies = Path(sys.argv[2]), *map(json.loads, sys.argv[3:])
    tv = make_test_vault(path)
    hall = Hall(tv, path.parent, [tuple(p) for p in posts])
    for code, (first, second) in interviews.items():
        hall.interview(code, first, second)
    for post, columns in tallies.items():
        hall.democratic(post, columns)
    print(crypto.fingerprint(tv.admin.public_key))
    tv.vault.close()
""")


def half_up(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


def democratic_of(columns: list[str]) -> dict[int, Decimal]:
    """Per candidate (by index), 100/60/0 over the valid marks: the rule, written out again."""
    scores = {}
    for index, marks in enumerate(columns):
        valid = [m for m in marks if m in "SBD"]
        scores[index] = half_up(Decimal(sum({"S": 100, "B": 60, "D": 0}[m] for m in valid)) / len(valid))
    return scores


def build_hall_vaults(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Both halls built at once, each in a process of its own: name -> (vault, fingerprint)."""
    script = tmp_path / "hall_worker.py"
    script.write_text(WORKER, encoding="utf-8")
    tests = str(Path(__file__).parent)
    running = {}
    for name in ("east", "west"):
        (tmp_path / name).mkdir()
        path = tmp_path / name / f"{name}.jz"
        tallies = WEST_TALLY if name == "west" else {}
        running[name] = (path, subprocess.Popen(
            [sys.executable, str(script), tests, str(path), json.dumps(POSTS), json.dumps(INTERVIEWS[name]),
             json.dumps(tallies)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    built = {}
    for name, (path, child) in running.items():
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
        built[name] = (path, out.strip())
    return built


@pytest.fixture
def centre(tmp_path):
    """The central vault: written scores for everyone, its own tallies of A01 and A02."""
    (tmp_path / "centre").mkdir()
    tv = make_test_vault(tmp_path / "centre" / "centre.jz")
    hall = Hall(tv, tmp_path / "centre", POSTS)
    hall.stage(WRITTEN)
    for post, columns in CENTRE_TALLIES.items():
        hall.democratic(post, columns)
    tv.vault.close()
    return tv.path


def head_of(path: Path) -> tuple[int, bytes]:
    vault = Vault.open(path)
    try:
        return vault.head()
    finally:
        vault.close()


def test_three_vaults_give_one_ranking(tmp_path, centre, jz):
    built = build_hall_vaults(tmp_path)
    for name, (path, fingerprint) in built.items():
        ran = jz("hall", "add", centre, name, "--fingerprint", fingerprint.replace(" ", ""), user="admin")
        assert ran.returncode == 0, ran.stderr
        out = tmp_path / f"{name}.json"
        ran = jz("hall", "export", path, "--posts", ",".join(HALL_POSTS[name]), "--out", out, user="admin")
        assert ran.returncode == 0, ran.stderr
        text = out.read_text(encoding="utf-8")
        assert '"signature"' in text and fingerprint in text
        assert not any(word in text for word in roster_names(path))  # codes only: no name
        ran = jz("hall", "import", centre, out, "--json", user="admin")
        assert ran.returncode == 0, ran.stderr
        assert json.loads(ran.stdout)["hall"] == name

    ranking = json.loads(jz("ranking", centre, "--json", user="admin").stdout)
    rows = {c["code"]: c for post in ranking["posts"] for c in post["candidates"]}
    democratic = {**{f"{post}-{i + 1:02d}": score for post, columns in CENTRE_TALLIES.items()
                     for i, score in democratic_of(columns).items()},
                  **{f"B01-{i + 1:02d}": score for i, score in democratic_of(WEST_TALLY["B01"]).items()}}
    interviews = {code: half_up((Decimal(a) + Decimal(b)) / 2) for hall in INTERVIEWS.values()
                  for code, (a, b) in hall.items()}
    for code, row in rows.items():
        expected = half_up((3 * Decimal(WRITTEN[code]) + 3 * interviews[code] + 4 * democratic[code]) / 10)
        assert (row["interview"], row["democratic"], row["composite"]) == (
            str(interviews[code]), str(democratic[code]), str(expected)), code
        assert row["halls"] == ({"interview": "west", "democratic": "west"} if code.startswith("B01")
                                else {"interview": "east" if code.startswith("A01") else "west"})
    assert all(row["status"] != "incomplete" for row in rows.values())  # every stage in, from wherever it came
    assert rows["A01-03"]["status"] == "excluded_dissatisfaction"  # 3 of 5 dissatisfied at the centre's tally

    listed = json.loads(jz("hall", "list", centre, "--json", user="admin").stdout)
    assert [(h["hall"], h["posts"], h["head_seq"]) for h in listed] == [
        ("east", ["A01"], head_of(built["east"][0])[0]), ("west", ["A02", "B01"], head_of(built["west"][0])[0])]
    # B01 was counted in the west hall: there is no box for it here to count into or show
    shown = jz("tally", "show", centre, "--post", "B01", user="t1")
    assert shown.returncode == 1 and "has no ballot box" in shown.stderr
    printed = jz("print", centre, "--form", "tally", "--post", "B01", "--out", tmp_path / "b01.pdf", user="admin")
    assert printed.returncode == 1 and "has no ballot box" in printed.stderr
    boxed = jz("box", "create", centre, "--posts", "B01", "--officers", "t1,t2", "--seal", "S-9", user="admin")
    assert boxed.returncode == 1 and "Internal error" not in boxed.stderr

    notice = tmp_path / "notice.json"
    assert jz("export", centre, "--format", "json", "--out", notice, user="admin").returncode == 0
    exported = json.loads(notice.read_text(encoding="utf-8"))
    assert exported["header"][-1] == "From hall"
    assert {row[2]: row[-1] for row in exported["rows"]}["B01-01"] == "Interview west; Democratic west"
    assert jz("verify", centre, "--export", notice, user="admin").returncode == 0


def roster_names(path: Path) -> list[str]:
    from conftest import PASSPHRASES

    from jz_tui.services.session import Session

    vault = Vault.open(path)
    try:
        session = Session(vault, vault.unlock("admin", PASSPHRASES["admin"]))
        session.refresh()
        return [c.name for c in session.state.roster.candidates.values()]
    finally:
        vault.close()


def test_refusals_record_nothing(tmp_path, centre, jz):
    built = build_hall_vaults(tmp_path)
    east, east_fp = built["east"]
    west, west_fp = built["west"]
    assert jz("hall", "add", centre, "east", "--fingerprint", east_fp, user="admin").returncode == 0

    def refused(file: Path, words: str) -> None:
        before = head_of(centre)
        ran = jz("hall", "import", centre, file, user="admin")
        assert ran.returncode == 1 and words in ran.stderr, ran.stderr
        assert len(ran.stderr.strip().splitlines()) == 1  # one sentence
        assert head_of(centre) == before  # nothing recorded

    old = tmp_path / "east-old.json"
    assert jz("hall", "export", east, "--posts", "A01", "--out", old, user="admin").returncode == 0

    changed = tmp_path / "changed.json"  # one byte of a score changed after signing
    text = old.read_text(encoding="utf-8")
    score = json.loads(text)["posts"][0]["candidates"][0]["interview"]["result"]
    changed.write_text(text.replace(f'"result": "{score}"', f'"result": "{score[:-1]}9"', 1), encoding="utf-8")
    assert changed.read_text(encoding="utf-8") != text
    refused(changed, "signature does not match")

    foreign = tmp_path / "west.json"  # west is not registered at the centre
    assert jz("hall", "export", west, "--posts", "A02", "--out", foreign, user="admin").returncode == 0
    refused(foreign, "no hall was registered")

    # east moves on (a new user added), exports again: the newer one is imported, the older refused
    newer = tmp_path / "east-new.json"
    vault = Vault.open(east)
    try:
        from conftest import PASSPHRASES, WEAK_KDF

        vault.add_user(vault.unlock("admin", PASSPHRASES["admin"]), "late", "examiner", "late-pass", kdf=WEAK_KDF)
    finally:
        vault.close()
    assert jz("hall", "export", east, "--posts", "A01", "--out", newer, user="admin").returncode == 0
    assert jz("hall", "import", centre, newer, user="admin").returncode == 0
    refused(newer, "imported already")
    refused(old, "older than the one imported")
    # a later export of east's other posts does not make the old A01 export acceptable again
    a02 = tmp_path / "east-a02.json"
    assert jz("hall", "export", east, "--posts", "A02", "--out", a02, user="admin").returncode == 0
    assert jz("hall", "import", centre, a02, user="admin").returncode == 0
    refused(old, "older than the one imported")

    # west registered, claims A01 (east's) along with A02: refused whole
    assert jz("hall", "add", centre, "west", "--fingerprint", west_fp, user="admin").returncode == 0
    both = tmp_path / "west-both.json"
    assert jz("hall", "export", west, "--posts", "A01,A02", "--out", both, user="admin").returncode == 0
    refused(both, "another hall cannot claim it")

    # signed by a registered hall, but a score that is not one: refused before it reaches the ranking
    from conftest import PASSPHRASES

    from jz_tui.services.session import open_session

    session = open_session(east, "admin", PASSPHRASES["admin"])
    try:
        forged = halls.export(session, ["A01"])
        forged["posts"][0]["candidates"][0]["interview"]["result"] = "NaN"
        body = {k: v for k, v in forged.items() if k != "signature"}
        forged["signature"] = session.identity.sign(halls._signed_part(body)).hex()
    finally:
        session.close()
    nan = halls.write_export(forged, tmp_path / "nan.json")
    refused(nan, "do not read as scores")

    not_json = tmp_path / "not.json"
    not_json.write_text("{", encoding="utf-8")
    refused(not_json, "not a jz hall export")
    assert jz("verify", centre, user="admin").returncode == 0


def test_verify_rechecks_every_imported_export(tmp_path, centre, jz):
    """An admin who appends a hand-made import (past the service's checks) is caught by verify."""
    built = build_hall_vaults(tmp_path)
    east, east_fp = built["east"]
    out = tmp_path / "east.json"
    assert jz("hall", "export", east, "--posts", "A01", "--out", out, user="admin").returncode == 0
    payload = halls.read_export(out)
    payload["posts"][0]["candidates"][0]["interview"]["result"] = "99.00"  # no longer as signed
    from conftest import PASSPHRASES

    from jz_tui.services.session import Session

    vault = Vault.open(centre)
    try:
        session = Session(vault, vault.unlock("admin", PASSPHRASES["admin"]))
        halls.register(session, "east", east_fp)
        with pytest.raises(JzError) as refused:  # the service judges it on append
            session.append("hall.import", {"hall": "east", "export": payload})
        assert refused.value.key == "hall_export_altered"
        forged = vault.append(session.identity, "hall.import", {"hall": "east", "export": payload})  # raw, as an insider
    finally:
        vault.close()
    ran = jz("verify", centre, user="admin")
    assert ran.returncode == 3 and f"event {forged.seq}:" in ran.stdout
    ranking = jz("ranking", centre, "--json", user="admin")
    assert ranking.returncode == 0 and "99.00" not in ranking.stdout
    assert crypto.fingerprint(bytes.fromhex(payload["hall"]["public_key"])) == east_fp


async def test_the_board_shows_each_halls_progress(tmp_path, centre, jz):
    from _app_helpers import log_in, wait_until

    from jz_tui.apps.app import make_app
    from screens.board import BoardScreen
    from screens.widgets import Plain

    built = build_hall_vaults(tmp_path)
    for name, (path, fingerprint) in built.items():
        assert jz("hall", "add", centre, name, "--fingerprint", fingerprint, user="admin").returncode == 0
    out = tmp_path / "east.json"
    assert jz("hall", "export", built["east"][0], "--posts", "A01", "--out", out, user="admin").returncode == 0
    assert jz("hall", "import", centre, out, user="admin").returncode == 0
    east_seq = head_of(built["east"][0])[0]

    app = make_app(centre)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "sup")
        screen = app.screen
        assert isinstance(screen, BoardScreen)
        line = screen.query_one("#board-halls", Plain)
        await wait_until(pilot, lambda: line.has_class("-shown"))
        assert str(line.content) == (f"Halls: east: posts A01, ledger at {east_seq} "
                                     f"({json.loads(out.read_text())['head']['hash'][:12]}); "
                                     f"west: nothing imported yet (fingerprint {built['west'][1]})")
