"""Examiner sheets: blindness, the two-person rule, corrections, the announcement, written scores."""

from decimal import Decimal

import pytest

from jz_tui.bench import synthetic
from jz_tui.services import checkin, draw, pending, sheets, written
from jz_tui.services.roster import import_roster
from jz_tui.services.session import Session
from storage.errors import AuthorityError, JzError
from storage.verify import verify
from tests.conftest import PASSPHRASES, WEAK_KDF

ITEMS = ["20", "18", "13", "12", "13", "9"]  # 85 over the default rubric


def session_of(tv, name):
    password = PASSPHRASES.get(name, "exam-pass")
    return Session(tv.vault, tv.vault.unlock(name, password))


@pytest.fixture
def hall(test_vault, tmp_path):
    """A roster of two posts, post A checked in and drawn, five examiners in all."""
    for name in ("e3", "e4", "e5"):
        test_vault.vault.add_user(test_vault.admin, name, "examiner", "exam-pass", kdf=WEAK_KDF)
    path = tmp_path / "roster.csv"
    synthetic.write_csv(path, synthetic.roster_rows([("A", "科长", "办公室", 3), ("B", "主任", "数据局", 1)]))
    admin = session_of(test_vault, "admin")
    import_roster(admin, path)
    clerk = session_of(test_vault, "clerk")
    for code in ("A-01", "A-02", "A-03"):
        assert checkin.check_in(clerk, code).ok
    draw.draw(clerk, "A")
    test_vault.sessions = {name: session_of(test_vault, name)
                           for name in ("admin", "clerk", "scorer", "sup", "e1", "e2", "e3", "e4", "e5")}
    return test_vault


def number_of(session, code):
    return session.state.roster.interview_numbers()[code]


def test_examiner_sees_numbers_and_only_own_sheet(hall):
    e1, e2 = hall.sessions["e1"], hall.sessions["e2"]
    first = number_of(e1, "A-01")
    sheets.submit(e1, first, ITEMS)
    sheets.submit(e2, first, ["21", "18", "13", "12", "13", "9"])
    assert [s.examiner for s in sheets.visible_sheets(e2, "A-01")] == ["e2"]
    with pytest.raises(AuthorityError):
        sheets.sheet_of(e2, first, "e1")
    assert [s.examiner for s in sheets.visible_sheets(hall.sessions["scorer"], "A-01")] == ["e1", "e2"]


def test_examiner_cli_query_for_another_sheet_is_refused(hall, jz):
    e1 = hall.sessions["e1"]
    number = number_of(e1, "A-02")
    sheets.submit(e1, number, ITEMS)
    refused = jz("sheet", "show", hall.path, "--candidate", number, "--examiner", "e1", user="e2")
    assert refused.returncode == 1 and "not allowed" in refused.stderr
    own = jz("sheet", "show", hall.path, "--candidate", number, "--json", user="e1")
    assert own.returncode == 0 and '"examiner": "e1"' in own.stdout
    name = e1.state.roster.candidates["A-02"].name
    assert name not in own.stdout and "A-02" not in own.stdout  # the examiner sees the number only


def test_two_person_rule_and_resubmission(hall):
    e1, scorer = hall.sessions["e1"], hall.sessions["scorer"]
    number = number_of(e1, "A-01")
    sheets.submit(e1, number, ITEMS)
    with pytest.raises(JzError) as twice:
        sheets.submit(e1, number, ITEMS)
    assert twice.value.key == "sheet_already_submitted"
    sheets.withdraw(e1, number, "calibration after 合议")
    sheets.submit(e1, number, ["21", "18", "13", "12", "13", "9"])
    with pytest.raises(AuthorityError):
        sheets.confirm(e1, number, "e1")  # an examiner cannot confirm, least of all their own
    sheets.confirm(scorer, number, "e1")
    with pytest.raises(JzError) as after:
        sheets.withdraw(e1, number, "changed my mind")
    assert after.value.key == "sheet_not_withdrawable"


def test_correction_after_confirmation_needs_scorer_and_supervisor(hall):
    e1, scorer, sup = hall.sessions["e1"], hall.sessions["scorer"], hall.sessions["sup"]
    number = number_of(e1, "A-01")
    sheets.submit(e1, number, ITEMS)
    sheets.confirm(scorer, number, "e1")
    action = sheets.request_correction(e1, number, ["20", "18", "13", "12", "13", "10"], None, "typo in 举止仪表")
    pending.sign(scorer, action.id)
    scorer.refresh()
    assert scorer.state.scoring.sheets[("A-01", "e1")].items[-1] == "9"  # not yet: the supervisor is missing
    pending.sign(sup, action.id)
    scorer.refresh()
    assert scorer.state.scoring.sheets[("A-01", "e1")].items[-1] == "10"


def test_announcement_when_complete_and_cosigned(hall):
    scorer, sup = hall.sessions["scorer"], hall.sessions["sup"]
    number = number_of(scorer, "A-03")
    totals = {"e1": "19", "e2": "20", "e3": "25", "e4": "10", "e5": "18"}
    for examiner, first in totals.items():
        sheets.submit(hall.sessions[examiner], number, [first, "18", "13", "12", "13", "9"])
    with pytest.raises(JzError) as early:
        sheets.announce(scorer, number)
    assert early.value.key == "announce_incomplete"
    for examiner in totals:
        sheets.confirm(scorer, number, examiner)
    action = sheets.announce(scorer, number)
    assert action.params["dropped"] == ["e3", "e4"]
    assert action.params["result"] == "84.00"  # (19 + 20 + 18) / 3 + 65
    assert sheets.interview_score(scorer.state, "A-03") is None  # not before the supervisor signs
    pending.sign(sup, action.id)
    e1 = hall.sessions["e1"]
    e1.refresh()
    assert sheets.interview_score(e1.state, "A-03") == Decimal("84.00")
    assert len(sheets.visible_sheets(e1, "A-03")) == 5  # announced: every sheet may be seen
    with pytest.raises(JzError):
        sheets.submit(hall.sessions["e1"], number, ITEMS)
    assert verify(hall.vault, hall.admin.data_key).ok


def test_absent_candidate_is_absent_not_zero(hall):
    admin = hall.sessions["admin"]
    checkin.mark_absent(admin, ["B"])
    status = sheets.progress(admin.state, "B-01")
    assert status.absent and status.aggregate is None
    with pytest.raises(JzError) as refused:
        sheets.submit(hall.sessions["e1"], "B-01", ITEMS)
    assert refused.value.key == "sheet_candidate_absent"


def test_written_import_all_or_nothing(hall, tmp_path):
    admin = hall.sessions["admin"]
    roster = admin.state.roster
    ids = {code: c.id_number for code, c in roster.candidates.items()}
    good = tmp_path / "written.csv"
    good.write_text("身份证号,笔试成绩\n" + "\n".join(f"{ids[c]},{s}" for c, s in
                    (("A-01", "65.3"), ("A-02", "77.1"), ("A-03", "８８"), ("B-01", "90.25"))) + "\n", encoding="gbk")
    assert written.import_written(admin, good) == {"A-01": "65.3", "A-02": "77.1", "A-03": "88", "B-01": "90.25"}
    bad = tmp_path / "bad.csv"
    bad.write_text("准考证号,笔试成绩\nA-01,70\nZ-99,80\nA-02,NaN\nA-03,101\nA-03,50\n", encoding="utf-8")
    head = hall.vault.head()
    with pytest.raises(written.WrittenRefused) as refused:
        written.import_written(admin, bad)
    reasons = {(p.row, p.key) for p in refused.value.problems}
    assert reasons == {(2, "written_already"), (3, "written_unmatched"), (4, "mark_not_number"),
                       (5, "mark_out_of_range"), (6, "written_already")}
    assert hall.vault.head() == head
