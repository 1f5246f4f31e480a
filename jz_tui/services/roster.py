"""The roster: posts and candidates, imported all-or-nothing, edited with a reason.

:func:`parse_roster` is pure: rows in, either a complete import or every refusal with its
row number. :func:`import_roster` appends it as one event, so a refused file leaves the
vault exactly as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jz_tui.rules import idcard
from jz_tui.services import tabular
from jz_tui.services.session import Session
from jz_tui.services.tabular import ImportRefused, RowProblem
from storage.errors import JzError
from storage.roster_state import Candidate, RosterState

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "post": ("岗位编码", "岗位代码", "岗位编号", "post", "post code", "post_code"),
    "post_name": ("岗位名称", "岗位", "post name", "post_name"),
    "seats": ("职数", "职位数", "seats"),
    "department": ("所属部门", "部门", "用人部门", "department"),
    "exam_no": ("准考证号", "准考证", "exam number", "exam_no", "exam no"),
    "name": ("姓名", "name"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "id number", "id_number", "id"),
    "unit": ("现单位", "工作单位", "现工作单位", "unit"),
    "establishment": ("编制", "编制类型", "编制性质", "establishment"),
    "open": ("是否开放竞争", "开放竞争", "是否竞争", "open"),
}
MAX_TEXT = 200  # characters in a post name, unit, department …: more is a broken file
TEXT_FIELDS = ("post", "post_name", "seats", "department", "exam_no", "unit", "establishment", "open")  # name: below
REQUIRED_POST = ("post", "post_name")
REQUIRED_CANDIDATE = ("name", "id_number", "establishment")

# establishment type as written -> canonical value; career staff (事业) are appointed on contract
ESTABLISHMENTS = {
    "行政": "行政", "行政编制": "行政", "公务员": "行政", "civil": "行政", "administrative": "行政",
    "参公": "参公", "参照公务员法管理": "参公", "参照管理": "参公", "civil-managed": "参公",
    "事业": "事业", "事业编制": "事业", "career": "事业", "career-staff": "事业",
}
CONTRACT_ESTABLISHMENTS = frozenset({"事业"})
YES = {"是", "开放", "y", "yes", "true", "1", ""}
NO = {"否", "不开放", "n", "no", "false", "0", "涉密", "closed"}


class RosterRefused(ImportRefused):
    """Every problem of a roster file at once; nothing was imported."""

    message_key = "roster_refused"


def parse_roster(table: tabular.Table, existing: RosterState) -> dict[str, Any]:
    """The body of a ``roster.import`` event, or :class:`RosterRefused` with every problem."""
    mapping, duplicated = tabular.map_headers(table.headers, HEADER_ALIASES)
    # the problem's field is the field the header means (its text is the value), so it can be named
    header_row = table.header_row
    problems = [RowProblem(header_row, field, "table_duplicate_header", header) for field, header in duplicated]
    missing = [f for f in (*REQUIRED_POST, *REQUIRED_CANDIDATE) if f not in mapping]
    problems += [RowProblem(header_row, f, "roster_missing_column") for f in missing]
    if problems:
        raise RosterRefused(problems, table)
    # what a refusal never repeats, even from a shifted column: every name and ID number at hand
    secrets = tabular.column_values(table, mapping, "name", "id_number")
    secrets |= {v for c in existing.candidates.values() for v in (c.name, c.id_number) if v}

    posts: dict[str, dict[str, Any]] = {}
    for code, post in existing.posts.items():
        posts[code] = {"code": code, "name": post.name, "seats": post.seats, "department": post.department,
                       "open": post.open, "existing": True}
    seen_ids = {c.id_number: ("vault", c.code) for c in existing.candidates.values()}
    seen_codes = set(existing.candidates)
    counters = {code: sum(1 for c in existing.candidates.values() if c.post == code) for code in posts}
    candidates: list[dict[str, Any]] = []

    for row_no, row in table.rows:
        def get(field: str) -> str:
            return tabular.cell(row, mapping, field)

        def echo(value: str, row=row) -> str:
            return tabular.withheld(value, secrets, row, table)

        for text_field in TEXT_FIELDS:
            if tabular.has_control(get(text_field)):
                problems.append(RowProblem(row_no, text_field, "field_control_characters"))
            elif len(get(text_field)) > MAX_TEXT:
                problems.append(RowProblem(row_no, text_field, "field_too_long", params={"max": str(MAX_TEXT)}))
        post_code = get("post").upper()
        if not post_code:
            problems.append(RowProblem(row_no, "post", "field_missing"))
            continue
        post = posts.get(post_code)
        open_text = get("open").lower()
        if open_text not in YES | NO:
            problems.append(RowProblem(row_no, "open", "roster_bad_open", echo(get("open"))))
        if post is None:
            seats_text = get("seats") or "1"
            if not seats_text.isdigit() or int(seats_text) < 1:
                problems.append(RowProblem(row_no, "seats", "roster_bad_seats", echo(seats_text)))
                seats_text = "1"
            if not get("post_name"):
                problems.append(RowProblem(row_no, "post_name", "field_missing"))
            post = posts[post_code] = {
                "code": post_code, "name": get("post_name"), "seats": int(seats_text),
                "department": get("department"), "open": open_text not in NO,
            }
            counters[post_code] = 0
        elif open_text in NO and post["open"]:
            problems.append(RowProblem(row_no, "open", "roster_post_inconsistent", echo(post_code)))

        name = get("name")
        if not any(get(f) for f in ("name", "id_number", "unit", "exam_no")):
            continue  # a row that only declares a post (for instance one closed to competition)
        if not post["open"]:
            problems.append(RowProblem(row_no, "post", "roster_post_closed", echo(post_code)))
            continue
        id_lost = tabular.lost_as_number(table, row_no, row, mapping, "id_number")
        _check_candidate(row_no, get, problems, seen_ids, echo, id_lost)
        counters[post_code] += 1
        code = get("exam_no") or f"{post_code}-{counters[post_code]:02d}"
        if code in seen_codes:
            problems.append(RowProblem(row_no, "exam_no", "roster_duplicate_code", echo(code)))
        seen_codes.add(code)
        candidates.append({
            "code": code, "post": post_code, "name": name, "id_number": idcard.normalise(get("id_number")),
            "unit": get("unit"), "establishment": ESTABLISHMENTS.get(get("establishment").lower(), ""),
            "department": get("department") or post["department"], "exam_no": get("exam_no"),
        })

    if problems:
        raise RosterRefused(problems, table)
    if not candidates and all(p.get("existing") for p in posts.values()):
        raise JzError("table_empty", path="")
    new_posts = [{k: v for k, v in p.items() if k != "existing"} for p in posts.values() if not p.get("existing")]
    return {"posts": new_posts, "candidates": candidates}


def _check_candidate(row_no, get, problems: list[RowProblem], seen_ids: dict[str, tuple[str, Any]],
                     echo=lambda value: value, id_lost: bool = False) -> None:
    """``id_lost``: the ID number's cell was kept as a number, so a wrong one is said to be why."""
    for field in REQUIRED_CANDIDATE:
        if not get(field):
            problems.append(RowProblem(row_no, field, "field_missing"))
    name = get("name")
    if name and (len(name) > 40 or any(not ch.isprintable() for ch in name)):
        problems.append(RowProblem(row_no, "name", "roster_bad_name"))  # never echo a name
    raw_id = get("id_number")
    if raw_id:
        id_number = idcard.normalise(raw_id)
        reason = idcard.problem(id_number)
        if reason:  # never echo an ID number
            problems.append(RowProblem(row_no, "id_number", "id_stored_as_number" if id_lost else reason))
        elif id_number in seen_ids:
            where, other = seen_ids[id_number]
            key = "roster_duplicate_id_row" if where == "row" else "roster_duplicate_id_existing"
            problems.append(RowProblem(row_no, "id_number", key, str(other)))
        else:
            seen_ids[id_number] = ("row", row_no)
    establishment = get("establishment")
    if establishment and establishment.lower() not in ESTABLISHMENTS:
        problems.append(RowProblem(row_no, "establishment", "roster_bad_establishment",
                                   echo(establishment) if near_establishment(establishment) else tabular.WITHHELD))


def near_establishment(text: str) -> bool:
    """A misspelt establishment type (行政编, 事业单位) shares a word with the valid ones and is shown
    back; anything else in that column (a name shifted there by a missing cell) is not."""
    lowered = text.lower()
    return any(part in lowered for part in ESTABLISHMENT_WORDS)


# words of establishment types, valid or not (合同制, 工勤, 企业编制 ...): a value holding none is not echoed
ESTABLISHMENT_WORDS = ("行政", "参公", "参照", "事业", "公务员", "编", "合同", "聘", "工勤", "企业", "civil", "career",
                       "admin", "contract", "staff")


def import_roster(session: Session, path: str | Path) -> dict[str, Any]:
    return import_roster_table(session, path)[0]


def import_roster_table(session: Session, path: str | Path) -> tuple[dict[str, Any], tabular.Table]:
    """The body appended, and the table it came from (its sheet and header row are for the output).
    The file is read and checked once: nothing comes between the preview and the append here."""
    seen = preview_roster(session, path)
    if seen.refused is not None:
        raise seen.refused
    session.append("roster.import", seen.body)
    return seen.body, seen.table


def preview_roster(session: Session, path: str | Path) -> tabular.Preview:
    """The file read and every row validated against the session, nothing written: what
    :func:`import_previewed` would append, or every refusal by row. A file that cannot be
    read at all (missing, not a table, empty) raises."""
    session.require_role("admin", action="roster.import")
    session.refresh()
    with tabular.naming(path):
        table = tabular.read_table(path, HEADER_ALIASES)
        columns = tabular.map_headers(table.headers, HEADER_ALIASES)[0]
        try:
            body = parse_roster(table, session.state.roster)
        except RosterRefused as refused:
            return tabular.Preview(str(path), table, columns, None, refused, 0)
    return tabular.Preview(str(path), table, columns, body, None, len(body["candidates"]))


def import_previewed(session: Session, seen: tabular.Preview) -> dict[str, Any]:
    """Append the import a preview showed: the file is read again and must be the same bytes,
    and is validated again against the session as it is now; all or nothing."""
    session.require_role("admin", action="roster.import")
    session.refresh()
    with tabular.naming(seen.path):
        table = tabular.read_table(seen.path, HEADER_ALIASES)
        tabular.file_changed(seen, table)
        body = parse_roster(table, session.state.roster)
    session.append("roster.import", body)
    return body


# ---------------------------------------------------------------------- edits


EDITABLE = ("name", "id_number", "unit", "establishment")


def find(roster: RosterState, code: str) -> Candidate:
    candidate = roster.candidates.get(code.strip().upper()) or roster.candidates.get(code.strip())
    if candidate is None:
        raise JzError("candidate_unknown", code=withheld(roster, code))
    return candidate


def withheld(roster: RosterState, typed: str) -> str:
    """What a refusal may repeat of a typed reference: never a candidate's name or ID number."""
    return tabular.withheld(typed, {v for c in roster.candidates.values() for v in (c.name, c.id_number) if v})


def edit_candidate(session: Session, code: str, changes: dict[str, str], reason: str) -> Candidate:
    session.require_role("admin", action="candidate.edit")
    session.refresh()
    candidate = find(session.state.roster, code)
    if not reason.strip():
        raise JzError("reason_needed")
    clean: dict[str, str] = {}
    for field, value in changes.items():
        if field not in EDITABLE:
            raise JzError("candidate_field_unknown", field=field, fields=list(EDITABLE))
        value = value.strip()
        if field == "id_number":
            value = idcard.normalise(value)
            reason_key = idcard.problem(value)
            if reason_key:
                raise JzError(reason_key)  # never echo an ID number
            clash = next((c for c in session.state.roster.candidates.values()
                          if c.id_number == value and c.code != candidate.code), None)
            if clash is not None:
                raise JzError("roster_duplicate_id_existing", value=clash.code)
        elif field == "establishment":
            if value.lower() not in ESTABLISHMENTS:
                raise JzError("roster_bad_establishment", value=value)
            value = ESTABLISHMENTS[value.lower()]
        elif not value:
            raise JzError("field_missing_named", field=field)
        elif field == "name" and (len(value) > 40 or not value.isprintable()):
            raise JzError("candidate_bad_name")  # the same rule as the import; never echo a name
        elif tabular.has_control(value) or len(value) > MAX_TEXT:
            raise JzError("candidate_bad_text", field=field, max=MAX_TEXT)
        clean[field] = value
    session.append("candidate.edit", {"code": candidate.code, "changes": clean, "reason": reason.strip()})
    return session.state.roster.candidates[candidate.code]


def withdraw_candidate(session: Session, code: str, reason: str) -> Candidate:
    session.require_role("admin", action="candidate.withdraw")
    session.refresh()
    candidate = find(session.state.roster, code)
    if candidate.withdrawn is not None:
        raise JzError("candidate_already_withdrawn", code=candidate.code)
    if not reason.strip():
        raise JzError("reason_needed")
    session.append("candidate.withdraw", {"code": candidate.code, "reason": reason.strip()})
    return session.state.roster.candidates[candidate.code]


def is_contract(candidate: Candidate) -> bool:
    """Career staff (事业编制) are appointed on contract (聘任制)."""
    return candidate.establishment in CONTRACT_ESTABLISHMENTS


def request_disqualify(session: Session, code: str, reason: str):
    """Disqualification (canvassing, …) takes effect when a supervisor signs."""
    from jz_tui.services import pending

    session.require_role("admin", action="candidate.disqualify")
    session.refresh()
    candidate = find(session.state.roster, code)
    if candidate.disqualified is not None:
        raise JzError("candidate_already_disqualified", code=candidate.code)
    if not reason.strip():
        raise JzError("reason_needed")
    return pending.create(session, "candidate.disqualify", {"code": candidate.code, "reason": reason.strip()},
                          reason=reason.strip())
