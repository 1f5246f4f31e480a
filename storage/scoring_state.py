"""Projection of the scores: written scores, examiner sheets and their confirmations, announcements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .halls_state import imported_results
from .ledger import Record

SUBMITTED, CONFIRMED, REJECTED, WITHDRAWN = "submitted", "confirmed", "rejected", "withdrawn"


@dataclass
class Sheet:
    candidate: str
    examiner: str
    items: list[str]  # decimal strings, one per rubric item (one element: a total only)
    status: str
    submit_seq: int
    confirmed_by: str = ""
    reason: str = ""  # of a rejection, withdrawal or correction
    history: list[dict[str, Any]] = field(default_factory=list)


class ScoringState:
    def __init__(self) -> None:
        self.stage_scores: dict[str, dict[str, str]] = {}  # imported stages (written, ...) -> code -> score
        self.sheets: dict[tuple[str, str], Sheet] = {}  # (candidate, examiner) -> sheet
        self._by_candidate: dict[str, dict[str, Sheet]] = {}  # the same sheets, by candidate: boards ask per row
        self.announced: dict[str, dict[str, Any]] = {}  # candidate -> the announcement as signed

    def sheets_of(self, candidate: str) -> list[Sheet]:
        by_examiner = self._by_candidate.get(candidate, {})
        return [by_examiner[examiner] for examiner in sorted(by_examiner)]

    @property
    def written(self) -> dict[str, str]:
        return self.stage_scores.get("written", {})

    def on_written_import(self, record: Record) -> None:
        stage = record.data.get("stage", "written")
        self.stage_scores.setdefault(stage, {}).update(record.data["scores"])

    def on_sheet_submit(self, record: Record) -> None:
        key = (record.data["candidate"], record.actor)
        previous = self.sheets.get(key)
        if previous is not None and previous.status in (SUBMITTED, CONFIRMED):
            return  # the service refuses this; a forged duplicate changes nothing
        sheet = Sheet(key[0], record.actor, list(record.data["items"]), SUBMITTED, record.seq)
        if previous is not None:
            sheet.history = [*previous.history, {"seq": previous.submit_seq, "items": previous.items,
                                                 "status": previous.status, "reason": previous.reason}]
        self.sheets[key] = sheet
        self._by_candidate.setdefault(key[0], {})[key[1]] = sheet

    def on_sheet_withdraw(self, record: Record) -> None:
        sheet = self.sheets.get((record.data["candidate"], record.actor))
        if sheet is not None and sheet.status == SUBMITTED:
            sheet.status, sheet.reason = WITHDRAWN, record.data.get("reason", "")

    def on_sheet_confirm(self, record: Record) -> None:
        sheet = self.sheets.get((record.data["candidate"], record.data["examiner"]))
        if sheet is not None and sheet.status == SUBMITTED and record.actor != sheet.examiner:
            sheet.status, sheet.confirmed_by = CONFIRMED, record.actor

    def on_sheet_reject(self, record: Record) -> None:
        sheet = self.sheets.get((record.data["candidate"], record.data["examiner"]))
        if sheet is not None and sheet.status == SUBMITTED:
            sheet.status, sheet.reason = REJECTED, record.data.get("reason", "")

    def on_done_sheet_correct(self, params: dict[str, Any]) -> None:
        sheet = self.sheets.get((params["candidate"], params["examiner"]))
        if sheet is not None and sheet.status == CONFIRMED:
            sheet.history.append({"items": sheet.items, "status": CONFIRMED, "reason": params.get("reason", "")})
            sheet.items = list(params["items"])

    def on_done_announce(self, params: dict[str, Any]) -> None:
        self.announced.setdefault(params["candidate"], params)

    def on_hall_import(self, record: Record) -> None:
        """Another hall's announcements, as signed there (a newer export replaces an older one)."""
        hall, posts = imported_results(record)
        for post in posts:
            for candidate in post["candidates"]:
                if candidate.get("interview") is not None:
                    self.announced[candidate["code"]] = {**candidate["interview"], "hall": hall}
