"""Scores: imported stages (the written exam, ...) and the examiners' sheets."""

from __future__ import annotations

from decimal import Decimal

from jz_tui.events.common import candidate, rules_of
from jz_tui.rules.interview import expects, label, panel_of
from jz_tui.rules.marks import parse_mark
from jz_tui.rules.settings import Rules
from storage.errors import JzError
from storage.events import decimal, declare, dict_of, list_of, name, obj, require, text
from storage.ledger import Record
from storage.projection import SessionState
from storage.scoring_state import CONFIRMED, REJECTED, SUBMITTED, WITHDRAWN, Sheet

_SCORE = decimal(Decimal(0), Decimal(100), places=2)
_IMPORTED = decimal(Decimal(0), Decimal(1000), places=2)  # within the stage's full mark: checked below


def importable(rules: Rules, stage: str) -> bool:
    """A stage whose scores come from a file: active, and neither computed here (interview, democratic)."""
    return stage in rules.active_stages and stage not in ("interview", "democratic")


def _check_written(state: SessionState, record: Record) -> None:
    data = record.data
    stage = data["stage"]
    rules = rules_of(state)
    require(importable(rules, stage), "stage_not_importable", stage=stage)
    require(bool(data["scores"]), "table_empty", path="")
    top = rules.full_mark(stage)
    for score in [*data["scores"].values(), *(v for parts in data.get("subscores", {}).values() for v in parts.values())]:
        require(Decimal(score) <= top, "written_over_full_mark", stage=stage, score=score, top=top)
    names = set(rules.subscores.get(stage, ()))
    for code, parts in data.get("subscores", {}).items():
        require(code in data["scores"] and set(parts) <= names, "event_subscores")
    existing = state.scoring.stage_scores.get(stage, {})
    replaced = {code: existing[code] for code in data["scores"] if code in existing}
    for code in data["scores"]:
        candidate(state, code)
    require(data.get("replaces", {}) == replaced, "event_written_replaces")
    require(not replaced or bool(data.get("reason", "").strip()), "reason_needed")


def _apply_written(state: SessionState, record: Record) -> None:
    stage = record.data["stage"]
    state.scoring.stage_scores.setdefault(stage, {}).update(record.data["scores"])
    if record.data.get("subscores"):
        state.scoring.stage_subscores.setdefault(stage, {}).update(record.data["subscores"])


declare("written.import", roles={"admin"},
        body=obj({"stage": name, "scores": dict_of(name, _IMPORTED)},
                 {"replaces": dict_of(name, _IMPORTED), "reason": text(2000),
                  "subscores": dict_of(name, dict_of(text(100, empty=False), _IMPORTED, 20))}),
        check=_check_written, apply=_apply_written,
        doc="Scores of an imported stage; a score already there is replaced only as a named correction.")


def valid_items(rules: Rules, items: list[str]) -> bool:
    """The marks of one sheet as the rules ask for them: one per rubric item within its maximum,
    or one total out of 100, each on the rules' step, written as ``parse_mark`` writes them."""
    tops = [top for _, top in rules.rubric] or [Decimal(100)]
    if len(items) != len(tops):
        return False
    try:
        return all(str(parse_mark(item, "-", Decimal(0), top, rules.step)) == item
                   for item, top in zip(items, tops, strict=True))
    except JzError:
        return False


def _open_for_scores(state: SessionState, code: str) -> None:
    target = candidate(state, code)
    require(code not in state.scoring.announced, "sheet_already_announced", ref=label(state, code))
    require(code not in state.roster.absent, "sheet_candidate_absent", ref=label(state, code))
    require(target.withdrawn is None, "sheet_candidate_withdrawn", ref=label(state, code))


def on_panel(state: SessionState, examiner: str, code: str) -> None:
    """The examiner is expected on the candidate: on their post's panel (or the session's), not
    replaced there before scoring them, not removed, not recused from them."""
    rules = rules_of(state)
    target = candidate(state, code)
    require(rules.panels != "per_post" or panel_of(state, target.post, rules) is not None, "panel_none",
            post=target.post)
    require((code, examiner) not in state.scoring.recused, "sheet_recused", ref=label(state, code), examiner=examiner)
    require(expects(state, code, examiner, rules), "sheet_not_on_panel", ref=label(state, code), examiner=examiner)


def may_submit(state: SessionState, examiner: str, code: str) -> None:
    """The candidate is still being scored, this examiner is on their panel and has no sheet
    standing for them (the service asks before reading the marks, so the reason comes first)."""
    _open_for_scores(state, code)
    on_panel(state, examiner, code)
    own = state.scoring.sheets.get((code, examiner))
    require(own is None or own.status != SUBMITTED, "sheet_already_submitted", ref=label(state, code))
    require(own is None or own.status != CONFIRMED, "sheet_already_confirmed", ref=label(state, code))


def _check_submit(state: SessionState, record: Record) -> None:
    may_submit(state, record.actor, record.data["candidate"])
    require(valid_items(rules_of(state), record.data["items"]), "event_sheet_marks",
            ref=label(state, record.data["candidate"]))


def _apply_submit(state: SessionState, record: Record) -> None:
    code = record.data["candidate"]
    previous = state.scoring.sheets.get((code, record.actor))
    sheet = Sheet(code, record.actor, list(record.data["items"]), SUBMITTED, record.seq)
    if previous is not None:
        sheet.history = [*previous.history, {"seq": previous.submit_seq, "items": previous.items,
                                             "status": previous.status, "reason": previous.reason}]
    state.scoring.put(sheet)


_ITEMS = list_of(decimal(Decimal(0), Decimal(100), places=2), 50, 1)

declare("sheet.submit", roles={"examiner"}, body=obj({"candidate": name, "items": _ITEMS}),
        check=_check_submit, apply=_apply_submit,
        doc="An examiner's own sheet for a candidate still being scored, marks as the rules ask.")


def _check_withdraw(state: SessionState, record: Record) -> None:
    code = record.data["candidate"]
    own = state.scoring.sheets.get((code, record.actor))
    require(own is not None and own.status == SUBMITTED, "sheet_not_withdrawable", ref=label(state, code))


def _apply_withdraw(state: SessionState, record: Record) -> None:
    sheet = state.scoring.sheets[(record.data["candidate"], record.actor)]
    sheet.status, sheet.reason = WITHDRAWN, record.data["reason"]


declare("sheet.withdraw", roles={"examiner"}, body=obj({"candidate": name, "reason": text(2000, empty=False)}),
        check=_check_withdraw, apply=_apply_withdraw,
        doc="An examiner takes back their own sheet before it is confirmed.")


def confirmable(state: SessionState, scorer: str, code: str, examiner: str) -> Sheet:
    """A submitted sheet someone other than its examiner may confirm or reject."""
    sheet = state.scoring.sheets.get((code, examiner))
    require(sheet is not None and sheet.status == SUBMITTED, "sheet_nothing_to_confirm", ref=label(state, code),
            examiner=examiner)
    assert sheet is not None
    require(examiner != scorer, "sheet_own_confirmation")
    require(code not in state.scoring.announced, "sheet_already_announced", ref=label(state, code))
    on_panel(state, examiner, code)  # a sheet of someone replaced, removed or recused meanwhile no longer counts
    return sheet


def _check_confirmable(state: SessionState, record: Record) -> None:
    confirmable(state, record.actor, record.data["candidate"], record.data["examiner"])


def _apply_confirm(state: SessionState, record: Record) -> None:
    sheet = state.scoring.sheets[(record.data["candidate"], record.data["examiner"])]
    sheet.status, sheet.confirmed_by = CONFIRMED, record.actor


def _apply_reject(state: SessionState, record: Record) -> None:
    sheet = state.scoring.sheets[(record.data["candidate"], record.data["examiner"])]
    sheet.status, sheet.reason = REJECTED, record.data["reason"]


declare("sheet.confirm", roles={"scorer"}, body=obj({"candidate": name, "examiner": name}),
        check=_check_confirmable, apply=_apply_confirm,
        doc="A scorer (never the sheet's author) confirms a submitted sheet: only then does it count.")
declare("sheet.reject", roles={"scorer"},
        body=obj({"candidate": name, "examiner": name, "reason": text(2000, empty=False)}),
        check=_check_confirmable, apply=_apply_reject,
        doc="A scorer sends a submitted sheet back to its examiner, with a reason.")
