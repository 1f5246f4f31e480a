"""The setup steps that import a spreadsheet (roster, written scores), at 80×24: the path typed
in, a preview that writes nothing (sheet, header row, rows, refusals by row), then the import
through the same service as the command line, all or nothing, of the very file previewed.

Every workbook is generated into tmp_path from synthetic people; none is committed.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from _app_helpers import log_in, make_app_vault, open_setup_step, settle, stable_app
from _hall_helpers import CN_HEADERS, as_lists, demo_rows
from test_office_workbooks import WRITTEN_HEADERS, office_layout, save_xlsx
from textual.widgets import Button, DataTable, Input

from jz_tui.i18n import t
from screens.confirm import ConfirmScreen
from screens.setup_roster import RosterImportScreen
from screens.setup_written import WrittenImportScreen
from screens.widgets import Plain, TablePanel
from storage.errors import JzError

POSTS = [("C01", "综合科科长", "区财政局", 3), ("D01", "信息中心主任", "区数据局", 2)]


@pytest.fixture
def app_vault(tmp_path, monkeypatch):
    return make_app_vault(tmp_path / "hall.jz", monkeypatch)


def roster_workbook(folder, rows, name="roster.xlsx"):
    """The rows as an office saves them: a 说明 sheet first, a title and a note above the header,
    a blank row, a 合计 footer. Returns the path and each data row's spreadsheet row number."""
    sheet, numbers = office_layout(CN_HEADERS, as_lists(rows), titles=1, note=True)
    return save_xlsx(folder / name, sheet, len(CN_HEADERS)), numbers


def in_session(app, read):
    """``read(session)`` on the app's own session (no worker is running once settled)."""
    return app.screen.context.shared.use(lambda session, _activity: (session.refresh(), read(session))[1])


def ledger_seq(app) -> int:
    return in_session(app, lambda session: session.state.seq)


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Plain).render())


async def type_path(pilot, name: str) -> None:
    """Type a file's name after the folder the field starts with (the session file's), then Enter."""
    field = pilot.app.screen.query_one("#import-path", Input)
    if not field.has_focus:
        field.focus()
        await pilot.pause()
    await pilot.press("end", *name, "enter")
    await settle(pilot)


async def test_a_roster_is_previewed_without_writing_then_imported(app_vault, tmp_path):
    rows = demo_rows(POSTS, seed=11)
    path, numbers = roster_workbook(tmp_path, rows)
    app = stable_app(app_vault)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_setup_step(pilot, "roster")
        field = screen.query_one("#import-path", Input)
        assert field.has_focus and field.value == str(tmp_path.resolve()) + "/"  # the session file's folder
        before = ledger_seq(app)
        await type_path(pilot, "roster.xlsx")

        # the preview: where the table was found, its columns, its rows; nothing written
        assert text_of(app, "#import-where") == "Read sheet 花名册, header on row 3. " + t(
            "table_read_footer", row=numbers[len(rows) - 1] + 2)
        assert text_of(app, "#import-columns").startswith("Columns recognised: post code, post name, seats")
        table = screen.query_one("#import-rows", DataTable)
        assert table.row_count == 5
        assert [str(c) for c in table.get_row_at(0)][:6] == [str(numbers[0]), *as_lists(rows)[0][:5]]
        assert text_of(app, "#import-summary") == "5 row(s) read; 5 candidate(s) to import."
        assert text_of(app, "#step-message") == t("import_ready", count=5)
        assert ledger_seq(app) == before

        # import: a confirmation whose button says Import, then the candidates are in the state
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert str(app.screen.query_one("#yes", Button).label) == t("confirm_do", verb="Import")
        await pilot.press("y")
        await settle(pilot)
        assert type(app.screen) is RosterImportScreen
        assert text_of(app, "#step-message") == "Imported 2 new post(s) and 5 candidate(s)."
        names = in_session(app, lambda s: sorted(c.name for c in s.state.roster.candidates.values()
                                                 if c.post in ("C01", "D01")))
        assert names == sorted(r["姓名"] for r in rows)
        assert ledger_seq(app) == before + 1

        # the hub's roster step counts them
        await pilot.press("escape")
        await settle(pilot)
        steps = app.screen.query_one("#steps", TablePanel).table
        assert str(steps.get_row_at(2)[2]) == t("setup_step_roster_status", candidates=8, posts=4)


async def test_a_roster_with_a_bad_id_number_names_the_row_and_imports_nothing(app_vault, tmp_path):
    rows = demo_rows(POSTS, seed=12)
    rows[3]["身份证号"] = rows[3]["身份证号"][:17] + ("0" if rows[3]["身份证号"][17] != "0" else "1")
    path, numbers = roster_workbook(tmp_path, rows)
    app = stable_app(app_vault)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_setup_step(pilot, "roster")
        before = ledger_seq(app)
        await type_path(pilot, path.name)
        refusals = screen.query_one("#import-refusals", DataTable)
        assert refusals.display and refusals.row_count == 1
        row, field, reason = (str(c) for c in refusals.get_row_at(0))
        assert row == str(numbers[3]) and field == t("field_id_number")
        assert reason == t("id_bad_checksum")
        assert rows[3]["身份证号"] not in reason
        assert text_of(app, "#step-message") == t("import_refused_screen", count=1)
        assert not screen.query_one("#import-button", Button).display

        await pilot.press("i")  # no import of a refused file: the reason, and still no confirmation
        await settle(pilot)
        assert type(app.screen) is RosterImportScreen
        assert ledger_seq(app) == before


async def test_a_file_changed_after_its_preview_is_not_imported(app_vault, tmp_path):
    path, _ = roster_workbook(tmp_path, demo_rows(POSTS, seed=13))
    app = stable_app(app_vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_setup_step(pilot, "roster")
        before = ledger_seq(app)
        await type_path(pilot, path.name)
        roster_workbook(tmp_path, demo_rows(POSTS, seed=14))  # someone saves another roster over it
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert text_of(app, "#step-message") == t("import_file_changed", path=str(path))
        assert ledger_seq(app) == before


def written_workbook(folder, cells, name="written.xlsx"):
    sheet, numbers = office_layout(WRITTEN_HEADERS, cells, titles=1, note=True, blanks=frozenset())
    sheet[0] = ["2026年竞争上岗笔试成绩汇总表"]
    return save_xlsx(folder / name, sheet, len(WRITTEN_HEADERS), sheet_name="成绩"), numbers


def conftest_candidates(app) -> list[tuple[str, str, str]]:
    return in_session(app, lambda s: [(c.code, c.name, c.id_number) for c in
                                      sorted(s.state.roster.candidates.values(), key=lambda c: c.code)])


async def test_written_scores_previewed_then_imported(app_vault, tmp_path):
    app = stable_app(app_vault)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_setup_step(pilot, "written")
        candidates = conftest_candidates(app)
        scores = ["85.5", "90", "77.25"]
        path, numbers = written_workbook(tmp_path, [[i, code, name, id_number, Decimal(s)] for i, ((code, name, id_number), s)
                                                    in enumerate(zip(candidates, scores, strict=True), 1)])
        before = ledger_seq(app)
        await type_path(pilot, path.name)
        assert text_of(app, "#import-where").startswith("Read sheet 成绩, header on row 3.")
        assert text_of(app, "#import-summary") == "3 row(s) read; scores of 3 candidate(s) to import."
        assert screen.query_one("#import-rows", DataTable).row_count == 3
        assert ledger_seq(app) == before
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert text_of(app, "#step-message") == t("written_imported", count=3)
        stored = in_session(app, lambda s: dict(s.state.scoring.stage_scores["written"]))
        assert {code: Decimal(v) for code, v in stored.items()} == {
            code: Decimal(s) for (code, _, _), s in zip(candidates, scores, strict=True)}

        # importing them again is refused by row, until a correction reason is given (Enter in its field)
        await type_path(pilot, "")
        assert text_of(app, "#step-message") == t("import_refused_screen", count=3)
        reason = screen.query_one("#import-reason", Input)
        reason.value = "阅卷复核"
        reason.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert text_of(app, "#step-message") == t("import_ready", count=3)


async def test_a_written_score_above_the_full_mark_is_refused_by_row(app_vault, tmp_path):
    app = stable_app(app_vault)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_setup_step(pilot, "written")
        candidates = conftest_candidates(app)
        scores = [Decimal("85"), Decimal("100.5"), Decimal("70")]
        path, numbers = written_workbook(tmp_path, [[i, code, name, id_number, s] for i, ((code, name, id_number), s)
                                                    in enumerate(zip(candidates, scores, strict=True), 1)])
        before = ledger_seq(app)
        await type_path(pilot, path.name)
        refusals = screen.query_one("#import-refusals", DataTable)
        assert refusals.row_count == 1
        row, field, reason = (str(c) for c in refusals.get_row_at(0))
        assert row == str(numbers[1]) and field == t("field_score")
        assert "100.5" in reason
        await pilot.press("i")
        await settle(pilot)
        assert type(app.screen) is WrittenImportScreen
        assert ledger_seq(app) == before
        assert "written" not in in_session(app, lambda s: dict(s.state.scoring.stage_scores))


def test_the_preview_writes_nothing_and_the_import_is_of_the_bytes_previewed(test_vault, tmp_path):
    """The service under the screen (and under ``jz roster import``): a preview validates every
    row and appends nothing; the import re-reads the file and refuses one changed since."""
    from _hall_helpers import session_of

    from jz_tui.services import roster
    from jz_tui.services.tabular import ImportRefused

    admin = session_of(test_vault, "admin")
    path, _ = roster_workbook(tmp_path, demo_rows(POSTS, seed=15))
    seq = admin.state.seq
    seen = roster.preview_roster(admin, path)
    assert seen.refused is None and seen.count == 5 and len(seen.digest) == 64
    assert (seen.table.sheet, seen.table.header_row) == ("花名册", 3)
    admin.refresh()
    assert admin.state.seq == seq

    roster_workbook(tmp_path, demo_rows(POSTS, seed=16))  # saved over between the preview and the import
    with pytest.raises(JzError) as refused:
        roster.import_previewed(admin, seen)
    assert refused.value.key == "import_file_changed"
    admin.refresh()
    assert admin.state.seq == seq

    again = roster.preview_roster(admin, path)
    body = roster.import_previewed(admin, again)
    assert len(body["candidates"]) == 5 and admin.state.seq == seq + 1
    # the same file previewed again is now refused by row (the ID numbers are in the vault), nothing appended
    third = roster.preview_roster(admin, path)
    assert isinstance(third.refused, ImportRefused) and third.body is None
    assert {p.key for p in third.problems} == {"roster_duplicate_id_existing"}
    with pytest.raises(ImportRefused):
        roster.import_previewed(admin, third)
    assert admin.state.seq == seq + 1


async def test_a_file_chosen_by_browsing_the_folders_is_previewed(app_vault, tmp_path):
    from textual.widgets import OptionList

    from screens.import_preview import FilePickScreen

    (tmp_path / "2026").mkdir()
    path, _ = roster_workbook(tmp_path / "2026", demo_rows(POSTS, seed=17))
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")  # not a table: not offered
    app = stable_app(app_vault)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_setup_step(pilot, "roster")
        await pilot.press("ctrl+o")  # from the path field
        await settle(pilot)
        assert isinstance(app.screen, FilePickScreen)
        options = app.screen.query_one(OptionList)

        def offered() -> list[str]:
            return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]

        assert offered() == ["../", "2026/"]  # the session file itself is no table; the PDF is not offered
        await pilot.press("down", "enter")  # into 2026/
        await settle(pilot)
        assert offered() == ["../", "roster.xlsx"]
        await pilot.press("down", "enter")
        await settle(pilot)
        assert type(app.screen) is RosterImportScreen
        assert screen.query_one("#import-path", Input).value == str((tmp_path / "2026" / "roster.xlsx").resolve())
        assert text_of(app, "#step-message") == t("import_ready", count=5)


async def test_another_imported_stage_is_chosen_and_imported(app_vault, tmp_path):
    """With a fitness stage in the rules (``--stage fitness``), the stage is chosen on the screen."""
    from textual.widgets import Select

    from jz_tui.services import config

    app = stable_app(app_vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "admin")
        await settle(pilot)
        in_session(app, lambda s: config.change(s, {"stages.written": "3", "stages.interview": "3",
                                                    "stages.democratic": "2", "stages.fitness": "2"}))
        await pilot.press("5")
        await settle(pilot)
        screen = app.screen
        assert type(screen) is WrittenImportScreen
        assert screen.query_one("#import-stage-row").display
        choice = screen.query_one("#import-stage", Select)
        assert choice.value == "written"
        choice.value = "fitness"
        await settle(pilot)
        assert text_of(app, "#import-state").endswith("0 of 3 candidate(s).")
        candidates = conftest_candidates(app)
        path, _ = written_workbook(tmp_path, [[i, code, name, id_number, Decimal("70")] for i, (code, name, id_number)
                                              in enumerate(candidates, 1)], name="fitness.xlsx")
        await type_path(pilot, path.name)
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert text_of(app, "#step-message") == t("written_imported", count=3)
        stages = in_session(app, lambda s: {k: dict(v) for k, v in s.state.scoring.stage_scores.items()})
        assert set(stages) == {"fitness"} and len(stages["fitness"]) == 3
