"""Correcting a confirmed sheet: new marks and the reason, for a pending action the scorer and a supervisor sign."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input

from jz_tui.i18n import t

from .base import localise_bindings
from .marks_form import MarksForm, RubricShape
from .reason import ReasonModal
from .widgets import Plain, TypeAheadInput


class CorrectionScreen(ReasonModal[tuple[list[str], str]]):
    """New marks for a confirmed sheet and the reason; dismissed with both, or None."""

    CSS_PATH = "sheets.tcss"
    BINDINGS = [Binding("escape", "cancel", "key_no", id="correction-cancel", tooltip="tip_no")]

    def __init__(self, number: str, shape: RubricShape, marks: Sequence[str], reason: str = "") -> None:
        super().__init__()
        localise_bindings(self)
        self.number, self.shape, self.marks, self.reason = number, shape, list(marks), reason

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="correction-box", classes="scores-modal", can_focus=False):
            yield Plain(t("mysheets_correct_title", number=self.number), classes="modal-title")
            yield Plain(t("mysheets_correct_help"), classes="modal-line")
            reason = TypeAheadInput(self.reason, placeholder=t("scores_reason_placeholder"), id="correction-reason",
                                    classes="modal-reason")
            form = MarksForm(self.shape, self.marks, classes="correction-marks")
            form.after_last = reason  # Enter in the last mark moves on to the reason at once
            yield form
            yield reason
            yield Plain("", id="correction-error", classes="modal-error")
            with Horizontal(classes="modal-buttons"):
                yield Button(t("verb_request_correction"), id="correction-ok", variant="primary", classes="modal-ok")
                yield Button(t("cancel_escape"), id="correction-cancel-button")

    def on_mount(self) -> None:
        self.query_one(MarksForm).focus_first()

    def unsaved_input(self) -> list[str]:
        """New marks or a reason typed and not yet requested (the shell asks before losing them)."""
        forms = list(self.query(MarksForm).results(MarksForm))
        changed = bool(forms) and forms[0].values() != self.marks
        reason = self.query("#correction-reason").results(Input)
        typed = any(field.value.strip() != self.reason.strip() for field in reason)
        return [t("unsaved_correction", number=self.number)] if changed or typed else []

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "correction-reason":
            event.stop()
            self._accept()

    def _accept(self) -> None:
        marks = self.query_one(MarksForm).validated()
        if marks is None:
            return
        reason = self._typed_reason()
        if reason is not None:
            self.dismiss((marks, reason))
