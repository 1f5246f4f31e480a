"""Projection of what follows the ranking: inspection notes, decisions, the public view's freeze."""

from __future__ import annotations

from typing import Any

from .ledger import Record


class InspectionState:
    def __init__(self) -> None:
        self.notes: dict[str, dict[str, str]] = {}  # candidate -> dimension -> note
        self.decisions: dict[str, dict[str, Any]] = {}  # candidate -> the decision as recorded
        self.public_frozen_at: int | None = None  # seq up to which the public view is frozen, if frozen

    def on_inspection_note(self, record: Record) -> None:
        self.notes.setdefault(record.data["code"], {})[record.data["dimension"]] = record.data["note"]

    def on_decision_record(self, record: Record) -> None:
        self.decisions[record.data["code"]] = dict(record.data)

    def on_publication_freeze(self, record: Record) -> None:
        self.public_frozen_at = record.seq - 1 if record.data.get("frozen") else None
