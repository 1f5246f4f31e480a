"""Projection of what follows the ranking: inspection notes, decisions, the public view's freeze."""

from __future__ import annotations

from typing import Any



class InspectionState:
    def __init__(self) -> None:
        self.notes: dict[str, dict[str, str]] = {}  # candidate -> dimension -> note
        self.decisions: dict[str, dict[str, Any]] = {}  # candidate -> the decision as recorded
        self.public_frozen_at: int | None = None  # seq up to which the public view is frozen, if frozen
