"""Absence travels with a hall's export (issue 22.11): a session split over a hall and the
centre, a candidate marked absent at the hall is ranked ``absent`` at the centre, not
``incomplete``. The export carries, per post, who checked in and who was marked absent
(codes only), signed with the rest: an importer who edits a list breaks the signature, and a
hand-appended import whose lists name another post's candidate is refused by every fold
and ``jz verify``. An export written before the lists travelled is still imported (nobody
absent)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import PASSPHRASES, WEAK_KDF, make_test_vault

from _session_helpers import Hall
from jz_tui.i18n import t
from jz_tui.services import checkin, halls, public_view
from jz_tui.services.session import Session, open_session
from screens.board import status_words
from storage import crypto
from storage.errors import JzError
from storage.vault import Vault

POSTS = [("A01", 3), ("A02", 2)]
WRITTEN = {"A01-01": "81", "A01-02": "77.5", "A01-03": "69", "A02-01": "90", "A02-02": "72.25"}
TALLIES = {"A01": ["SSSSB", "SSBBD", "SSSSS"], "A02": ["SSSSS", "BBBBB"]}
ARRIVED = {"A01-01": ("88", "85.5"), "A01-02": ("79", "80")}  # A01-03 never comes


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """The centre (written scores, both tallies) and hall east (A01: two checked in and
    interviewed, the third not yet marked absent), each closed in a folder of its own."""
    root = tmp_path_factory.mktemp("absence")
    for name in ("centre", "east"):
        (root / name).mkdir()
    tv = make_test_vault(root / "centre" / "centre.jz")
    hall = Hall(tv, root / "centre", POSTS)
    hall.stage(WRITTEN)
    for post, columns in TALLIES.items():
        hall.democratic(post, columns)
    tv.vault.close()
    tv = make_test_vault(root / "east" / "east.jz")
    hall = Hall(tv, root / "east", POSTS)
    for code, (first, second) in ARRIVED.items():
        assert checkin.check_in(hall.s("clerk"), code, "desk-1").ok
        hall.interview(code, first, second)
    tv.vault.close()
    return root


@pytest.fixture
def site(template, tmp_path) -> dict[str, Path]:
    """A fresh copy of both vaults: name -> vault file."""
    paths = {}
    for name in ("centre", "east"):
        source = template / name / f"{name}.jz"
        assert not source.with_name(source.name + "-wal").exists()
        (tmp_path / name).mkdir()
        paths[name] = Path(shutil.copy(source, tmp_path / name / source.name))
    return paths


def fingerprint_of(path: Path) -> str:
    vault = Vault.open(path)
    try:
        return crypto.fingerprint(vault.admin_public_key)
    finally:
        vault.close()


def head_of(path: Path) -> tuple[int, bytes]:
    vault = Vault.open(path)
    try:
        return vault.head()
    finally:
        vault.close()


def statuses(jz, centre: Path) -> dict[str, str]:
    ran = jz("ranking", centre, "--json", user="admin")
    assert ran.returncode == 0, ran.stderr
    return {c["code"]: c["status"] for post in json.loads(ran.stdout)["posts"] for c in post["candidates"]}


def mark_absent_and_export(jz, site: dict[str, Path], out: Path) -> dict:
    ran = jz("checkin", site["east"], "--mark-absent", "--post", "A01", "--json", user="admin")
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["absent"] == ["A01-03"]
    ran = jz("hall", "export", site["east"], "--posts", "A01", "--out", out, "--json", user="admin")
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["absent"] == ["A01-03"]
    return json.loads(out.read_text(encoding="utf-8"))


def re_signed(site: dict[str, Path], change) -> dict:
    """East's export of A01, changed by ``change`` and signed again with east's admin key: what a
    hall (or an older jz) could have signed, as opposed to an importer's edit."""
    session = open_session(site["east"], "admin", PASSPHRASES["admin"])
    try:
        payload = halls.export(session, ["A01"])
        change(payload["posts"][0])
        body = {k: v for k, v in payload.items() if k != "signature"}
        payload["signature"] = session.identity.sign(halls._signed_part(body)).hex()
    finally:
        session.close()
    return payload


def test_a_candidate_absent_at_the_hall_is_absent_at_the_centre(site, jz, tmp_path):
    centre = site["centre"]
    assert jz("hall", "add", centre, "east", "--fingerprint", fingerprint_of(site["east"]), user="admin").returncode == 0
    before = statuses(jz, centre)
    assert before["A01-03"] == "incomplete"

    out = tmp_path / "east.json"
    export = mark_absent_and_export(jz, site, out)
    (a01,) = export["posts"]
    assert (a01["checked_in"], a01["absent"]) == (["A01-01", "A01-02"], ["A01-03"])
    text = out.read_text(encoding="utf-8")
    session = open_session(site["east"], "admin", PASSPHRASES["admin"])
    try:  # codes only: no name, no ID number
        people = [(c.name, c.id_number) for c in session.state.roster.candidates.values()]
    finally:
        session.close()
    assert not any(name in text or (number and number in text) for name, number in people)

    ran = jz("hall", "import", centre, out, user="admin")
    assert ran.returncode == 0, ran.stderr
    assert "Marked absent at hall “east”: A01-03" in ran.stdout

    after = statuses(jz, centre)
    assert after["A01-03"] == "absent"
    assert after["A01-01"] != "incomplete" and after["A01-02"] != "incomplete"
    assert after["A02-01"] == before["A02-01"] == "incomplete"  # not exported: as it was

    # the board (the jury's view, as the board renders it) and the notice say "absent"
    session = open_session(centre, "sup", PASSPHRASES["sup"])
    try:
        (board,) = public_view.board_posts(session.state, public=False, posts=["A01"])
        row = next(r for r in board.rows if r.code == "A01-03")
        assert status_words(row) == t("rank_status_absent")
    finally:
        session.close()
    notice = tmp_path / "notice.json"
    ran = jz("export", centre, "--format", "json", "--out", notice, user="admin")
    assert ran.returncode == 0, ran.stderr
    exported = json.loads(notice.read_text(encoding="utf-8"))
    row = next(r for r in exported["rows"] if "A01-03" in r)
    assert t("rank_status_absent") in row
    assert jz("verify", centre, user="admin").returncode == 0
    assert jz("verify", centre, "--export", notice, user="admin").returncode == 0


@pytest.mark.parametrize("edit", ["add", "remove", "move"])
def test_an_importer_who_edits_the_lists_breaks_the_signature(site, jz, tmp_path, edit):
    centre = site["centre"]
    assert jz("hall", "add", centre, "east", "--fingerprint", fingerprint_of(site["east"]), user="admin").returncode == 0
    out = tmp_path / "east.json"
    payload = mark_absent_and_export(jz, site, out)
    a01 = payload["posts"][0]
    if edit == "add":
        a01["absent"].append("A01-02")
        a01["checked_in"].remove("A01-02")
    elif edit == "remove":
        a01["absent"] = []
    else:  # the absent one said to have come instead
        a01["absent"], a01["checked_in"] = [], [*a01["checked_in"], "A01-03"]
    edited = halls.write_export(payload, tmp_path / "edited.json")
    before = head_of(centre)
    ran = jz("hall", "import", centre, edited, user="admin")
    assert ran.returncode == 1 and "signature does not match" in ran.stderr, ran.stderr
    assert head_of(centre) == before
    assert statuses(jz, centre)["A01-03"] == "incomplete"


def test_lists_naming_another_posts_candidate_are_refused_on_every_fold(site, jz, tmp_path):
    """Signed by the registered hall, but A01's absence list names A02-01: the service refuses it,
    and the same import appended raw by the centre's admin fails ``jz verify``."""
    centre = site["centre"]
    assert jz("checkin", site["east"], "--mark-absent", "--post", "A01", user="admin").returncode == 0
    payload = re_signed(site, lambda entry: entry["absent"].append("A02-01"))
    halls.check_signature(payload)  # intact: the hall signed it as it is

    vault = Vault.open(centre)
    try:
        session = Session(vault, vault.unlock("admin", PASSPHRASES["admin"]))
        halls.register(session, "east", payload["hall"]["fingerprint"])
        with pytest.raises(JzError) as refused:
            halls.import_export(session, payload)
        assert refused.value.key == "hall_export_attendance"
        forged = vault.append(session.identity, "hall.import", {"hall": "east", "export": payload})
    finally:
        vault.close()
    ran = jz("verify", centre, user="admin")
    assert ran.returncode == 3 and f"event {forged.seq}:" in ran.stdout, ran.stdout
    shown = statuses(jz, centre)
    assert shown["A02-01"] == "incomplete" and shown["A01-03"] == "incomplete"  # the forged import counts for nothing

    file = halls.write_export(payload, tmp_path / "forged.json")
    ran = jz("hall", "import", centre, file, user="admin")
    assert ran.returncode == 1 and "check-in or absence list of post A01" in ran.stderr, ran.stderr


@pytest.mark.parametrize("change, key", [
    (lambda e: e["absent"].append("A01-01"), "hall_export_attendance"),  # checked in and absent
    (lambda e: e["checked_in"].append(5), "hall_export_attendance"),  # not a code
    (lambda e: e["absent"].append("A01-03"), "hall_export_attendance"),  # twice
    (lambda e: e["checked_in"].append("A01-03"), "hall_export_attendance"),  # absent and checked in
    (lambda e: e.update(absent="A01-03"), "hall_export_attendance"),  # not a list
    (lambda e: e["absent"].append("Z99-01"), "hall_export_attendance"),  # nobody of this roster
])
def test_lists_that_do_not_hold_up_are_refused(site, jz, change, key):
    assert jz("checkin", site["east"], "--mark-absent", "--post", "A01", user="admin").returncode == 0
    payload = re_signed(site, change)
    session = open_session(site["centre"], "admin", PASSPHRASES["admin"])
    try:
        halls.register(session, "east", payload["hall"]["fingerprint"])
        before = session.vault.head()
        with pytest.raises(JzError) as refused:
            halls.import_export(session, payload)
        assert refused.value.key == key
        assert session.vault.head() == before
    finally:
        session.close()


def test_the_hall_contradicting_the_centres_own_desk_is_refused(site, jz, tmp_path):
    centre = site["centre"]
    assert jz("hall", "add", centre, "east", "--fingerprint", fingerprint_of(site["east"]), user="admin").returncode == 0
    assert jz("checkin", centre, "A01-03", "--terminal", "centre", user="clerk").returncode == 0
    out = tmp_path / "east.json"
    mark_absent_and_export(jz, site, out)
    before = head_of(centre)
    ran = jz("hall", "import", centre, out, user="admin")
    assert ran.returncode == 1 and "A01-03" in ran.stderr and "contradicts" in ran.stderr, ran.stderr
    assert head_of(centre) == before


def test_an_export_written_before_absence_travelled_is_still_imported(site, jz, tmp_path):
    """No lists at all (as the earlier jz wrote them, signed so): imported, nobody absent."""
    centre = site["centre"]
    assert jz("checkin", site["east"], "--mark-absent", "--post", "A01", user="admin").returncode == 0
    payload = re_signed(site, lambda entry: [entry.pop("absent"), entry.pop("checked_in")])
    old = halls.write_export(payload, tmp_path / "old.json")
    assert jz("hall", "add", centre, "east", "--fingerprint", fingerprint_of(site["east"]), user="admin").returncode == 0
    ran = jz("hall", "import", centre, old, "--json", user="admin")
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["absent"] == []
    shown = statuses(jz, centre)
    assert shown["A01-03"] == "incomplete" and shown["A01-01"] != "incomplete"
    assert jz("verify", centre, user="admin").returncode == 0


@pytest.mark.parametrize("own", [False, True])
def test_a_halls_later_export_replaces_its_earlier_lists(site, jz, tmp_path, own):
    """The lists are the hall's word at its head: a later export's replace the earlier's (here a
    later export signed by the hall without the absence), while an absence the centre's own desk
    recorded stays."""
    centre = site["centre"]
    assert jz("hall", "add", centre, "east", "--fingerprint", fingerprint_of(site["east"]), user="admin").returncode == 0
    if own:
        session = open_session(centre, "admin", PASSPHRASES["admin"])
        try:
            session.append("checkin.absent", {"codes": ["A01-03"]})
        finally:
            session.close()
    out = tmp_path / "east.json"
    mark_absent_and_export(jz, site, out)
    assert jz("hall", "import", centre, out, user="admin").returncode == 0
    assert statuses(jz, centre)["A01-03"] == "absent"

    vault = Vault.open(site["east"])
    try:
        vault.add_user(vault.unlock("admin", PASSPHRASES["admin"]), "late", "examiner", "late-pass", kdf=WEAK_KDF)
    finally:
        vault.close()
    later = halls.write_export(re_signed(site, lambda entry: entry.update(absent=[])), tmp_path / "later.json")
    ran = jz("hall", "import", centre, later, user="admin")
    assert ran.returncode == 0, ran.stderr
    assert statuses(jz, centre)["A01-03"] == ("absent" if own else "incomplete")
    assert jz("verify", centre, user="admin").returncode == 0


def test_the_centres_cut_off_leaves_a_hall_check_in_present(site, jz, tmp_path):
    centre = site["centre"]
    assert jz("hall", "add", centre, "east", "--fingerprint", fingerprint_of(site["east"]), user="admin").returncode == 0
    out = tmp_path / "east.json"
    mark_absent_and_export(jz, site, out)
    assert jz("hall", "import", centre, out, user="admin").returncode == 0
    cut = jz("checkin", centre, "--mark-absent", "--post", "A01", user="admin")
    assert cut.returncode == 0, cut.stderr
    after = statuses(jz, centre)
    assert after["A01-01"] != "absent" and after["A01-02"] != "absent"  # checked in at east: present
    # and the same absence forged raw, with the centre admin's real key, is set aside by every fold
    from _insider_helpers import as_role

    vault = Vault.open(centre)
    try:
        admin = vault.unlock("admin", PASSPHRASES["admin"])
        seq = vault.append(as_role(admin, "checkin.absent"), "checkin.absent", {"codes": ["A01-01"]}).seq
    finally:
        vault.close()
    checked = jz("verify", centre, "--json", user="admin")
    assert checked.returncode == 3 and str(seq) in checked.stdout
    assert statuses(jz, centre)["A01-01"] != "absent"
