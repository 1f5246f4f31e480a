"""Written-exam scores, imported all-or-nothing from the exam office's spreadsheet."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from jz_tui.events.extra import may_hold_extra
from jz_tui.events.scores import importable
from jz_tui.rules import idcard
from jz_tui.rules.marks import parse_mark
from jz_tui.services import tabular
from jz_tui.services.config import current_rules
from jz_tui.services.session import Session
from jz_tui.services.tabular import ImportRefused, RowProblem
from storage.errors import JzError
from storage.roster_state import RosterState

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "exam_no": ("准考证号", "准考证", "考生编号", "code", "exam number", "exam_no"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "id number", "id_number", "id"),
    "name": ("姓名", "name"),
    "score": ("笔试成绩", "笔试", "成绩", "written", "written score", "score"),
}


class WrittenRefused(ImportRefused):
    message_key = "written_refused"


def aliases(parts: tuple[str, ...] = ()) -> dict[str, tuple[str, ...]]:
    """The columns an import reads: the fixed ones, and one per sub-score the rules name (行测, 申论)."""
    return {**HEADER_ALIASES, **{SUB + part: (part,) for part in parts}}


SUB = "sub:"


def parse_written(table: tabular.Table, roster: RosterState, existing: dict[str, str], correcting: bool,
                  full_mark: Decimal = Decimal(100), parts: tuple[str, ...] = (),
                  subscores: dict[str, dict[str, str]] | None = None) -> dict[str, str]:
    """Candidate code -> score string (0 to the stage's full mark), or :class:`RosterRefused`
    listing every problem. ``subscores``, when given, receives code -> part -> score."""
    mapping, duplicated = tabular.map_headers(table.headers, aliases(parts))
    header_row = table.header_row
    problems = [RowProblem(header_row, field, "table_duplicate_header", header) for field, header in duplicated]
    if "score" not in mapping:
        problems.append(RowProblem(header_row, "score", "roster_missing_column"))
    if "exam_no" not in mapping and "id_number" not in mapping:
        problems.append(RowProblem(header_row, "exam_no", "roster_missing_column"))
    problems += [RowProblem(header_row, part, "roster_missing_column") for part in parts if SUB + part not in mapping]
    if problems:
        raise WrittenRefused(problems, table)
    by_id = {c.id_number: c.code for c in roster.candidates.values()}
    # what a refusal never repeats, even from a shifted column: every name and ID number at hand
    secrets = tabular.column_values(table, mapping, "name", "id_number")
    secrets |= {v for c in roster.candidates.values() for v in (c.name, c.id_number) if v}
    scores: dict[str, str] = {}
    rows_of: dict[str, int] = {}
    for row_no, row in table.rows:
        exam_no = tabular.cell(row, mapping, "exam_no")
        id_number = idcard.normalise(tabular.cell(row, mapping, "id_number"))
        code = exam_no if exam_no in roster.candidates else by_id.get(id_number) if id_number else None
        if code is None:
            if exam_no:
                problems.append(RowProblem(row_no, "exam_no", "written_unmatched",
                                           tabular.withheld(exam_no, secrets, row, table)))
            elif idcard.problem(id_number) and tabular.lost_as_number(table, row_no, row, mapping, "id_number"):
                problems.append(RowProblem(row_no, "id_number", "id_stored_as_number"))  # never echo an ID number
            else:
                problems.append(RowProblem(row_no, "id_number", "written_unmatched_id"))
            continue
        marks = {}
        for field in ("score", *(SUB + part for part in parts)):
            try:
                marks[field] = parse_mark(tabular.cell(row, mapping, field), field.removeprefix(SUB), Decimal(0),
                                          full_mark)
            except JzError as error:
                params = {k: str(v) for k, v in error.params.items() if k not in ("value", "field")}
                shown = tabular.withheld(str(error.params.get("value", "")), secrets, row, table)
                problems.append(RowProblem(row_no, field.removeprefix(SUB), error.key, shown, params))
        if len(marks) <= len(parts):  # a mark of this row was refused
            continue
        score = marks["score"]
        if code in rows_of:
            problems.append(RowProblem(row_no, "exam_no", "written_duplicate", str(rows_of[code])))
            continue
        if code in existing and not correcting:
            problems.append(RowProblem(row_no, "score", "written_already", code))
            continue
        rows_of[code] = row_no
        scores[code] = str(score)
        if parts and subscores is not None:
            subscores[code] = {part: str(marks[SUB + part]) for part in parts}
    if problems:
        raise WrittenRefused(problems, table)
    if not scores:
        raise JzError("table_empty", path="")
    return scores


def import_written(session: Session, path: str | Path, correction_reason: str = "",
                   stage: str = "written") -> dict[str, str]:
    """Scores of the written exam, or of another imported stage (e.g. 适岗评价) named in the rules."""
    return import_written_table(session, path, correction_reason, stage)[0]


def import_written_table(session: Session, path: str | Path, correction_reason: str = "",
                         stage: str = "written") -> tuple[dict[str, str], tabular.Table]:
    """The scores imported, and the table they came from (its sheet and header row are for the output).
    The file is read and checked once: nothing comes between the preview and the append here."""
    seen = preview_written(session, path, correction_reason, stage)
    if seen.refused is not None:
        raise seen.refused
    session.append("written.import", seen.body)
    return seen.body["scores"], seen.table


def preview_written(session: Session, path: str | Path, correction_reason: str = "",
                    stage: str = "written") -> tabular.Preview:
    """The file read and every row validated against the session, nothing written: the body
    :func:`import_previewed` would append, or every refusal by row. A correction reason allows
    replacing scores already imported. A file that cannot be read at all raises."""
    session.require_role("admin", action="written.import")
    session.refresh()
    parts = _stage_parts(session, stage)
    with tabular.naming(path):
        table = tabular.read_table(path, aliases(parts))
        columns = tabular.map_headers(table.headers, aliases(parts))[0]
        try:
            body = _written_body(session, table, correction_reason, stage)
        except WrittenRefused as refused:
            return tabular.Preview(str(path), table, columns, None, refused, 0)
    return tabular.Preview(str(path), table, columns, body, None, len(body["scores"]))


def import_previewed(session: Session, seen: tabular.Preview, correction_reason: str = "",
                     stage: str = "written") -> dict[str, str]:
    """Append the import a preview showed: the file is read again and must be the same bytes,
    and is validated again against the session as it is now; all or nothing."""
    session.require_role("admin", action="written.import")
    session.refresh()
    parts = _stage_parts(session, stage)
    with tabular.naming(seen.path):
        table = tabular.read_table(seen.path, aliases(parts))
        tabular.file_changed(seen, table)
        body = _written_body(session, table, correction_reason, stage)
    session.append("written.import", body)
    return body["scores"]


def importable_stages(session: Session) -> list[str]:
    """The stages an import may fill (``--stage``): active in the rules, not computed here."""
    rules = current_rules(session)
    return [stage for stage in rules.active_stages if importable(rules, stage)]


def _stage_parts(session: Session, stage: str) -> tuple[str, ...]:
    rules = current_rules(session)
    if not importable(rules, stage):
        raise JzError("stage_not_importable", stage=stage)
    return rules.subscores.get(stage, ())


def _written_body(session: Session, table: tabular.Table, correction_reason: str, stage: str) -> dict[str, object]:
    """The ``written.import`` body of a table, or :class:`WrittenRefused` with every problem."""
    rules = current_rules(session)
    existing = session.state.scoring.stage_scores.get(stage, {})
    parts = rules.subscores.get(stage, ())
    subscores: dict[str, dict[str, str]] = {}
    scores = parse_written(table, session.state.roster, existing, bool(correction_reason),
                           rules.full_mark(stage), parts, subscores)
    body: dict[str, object] = {"stage": stage, "scores": scores}
    if subscores:
        body["subscores"] = subscores
    replaced = sorted(code for code in scores if code in existing)
    if replaced:
        body["replaces"] = {code: existing[code] for code in replaced}
        body["reason"] = correction_reason
    return body


def import_extra(session: Session, path: str | Path, post: str, reason: str) -> dict[str, str]:
    """The 加试 of the candidates tied at a post's cut, from the same kind of table as the written scores."""
    session.require_role("admin", action="extra.import")
    session.refresh()
    code = post.strip().upper()
    may_hold_extra(session.state, code)  # the declaration's own precondition, before the file is read
    with tabular.naming(path):
        table = tabular.read_table(path, HEADER_ALIASES)
        scores = parse_written(table, session.state.roster, {}, False)
    if not reason.strip():
        raise JzError("reason_needed")
    session.append("extra.import", {"post": code, "scores": scores, "reason": reason.strip()})
    return scores
