"""The marks form: one input per rubric item (or a single total), checked as typed.

Marks are validated as they are typed by :func:`jz_tui.rules.marks.parse_mark`, the same check
``jz sheet submit`` makes; the total is their Decimal sum. The examiner's sheet and the
correction dialog both use :class:`MarksForm`; its look is in ``sheets.tcss``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.validation import ValidationResult, Validator
from textual.widget import Widget
from textual.widgets import Input

from jz_tui.errors import JzError
from jz_tui.i18n import error_text, t
from jz_tui.rules.marks import parse_mark
from jz_tui.services.config import current_rules
from jz_tui.services.session import Session

from .widgets import Plain, TypeAheadInput


@dataclass(frozen=True)
class RubricShape:
    """The fields of a sheet: one per rubric item, or a single total when there is no rubric."""

    fields: tuple[tuple[str, str], ...]  # (item name, maximum as a decimal string)
    step: str
    total_only: bool

    @property
    def top(self) -> Decimal:
        return sum((Decimal(top) for _, top in self.fields), Decimal(0))


def rubric_shape(session: Session) -> RubricShape:
    rules = current_rules(session)
    if rules.rubric:
        return RubricShape(tuple((name, str(top)) for name, top in rules.rubric), str(rules.step), False)
    return RubricShape(((t("field_total"), "100"),), str(rules.step), True)


def marks_arguments(shape: RubricShape, marks: Sequence[str]) -> tuple[list[str] | None, str | None]:
    """``items`` and ``total`` for :func:`sheets.submit` / :func:`sheets.request_correction`."""
    return (None, marks[0]) if shape.total_only else (list(marks), None)


class MarkValidator(Validator):
    """A Textual validator that is exactly :func:`jz_tui.rules.marks.parse_mark`: its refusal, its words."""

    def __init__(self, field: str, top: str, step: str) -> None:
        super().__init__()
        self.field, self.top, self.step = field, Decimal(top), Decimal(step)

    def parse(self, value: str) -> Decimal:
        return parse_mark(value, self.field, Decimal(0), self.top, self.step)

    def validate(self, value: str) -> ValidationResult:
        try:
            self.parse(value)
        except JzError as error:
            return self.failure(error_text(error), value)
        return self.success()


class MarksForm(Vertical):
    """One compact input per field, checked as typed; the reason under a bad field; the live total.

    A typed value that ``parse_mark`` refuses marks its input ``-invalid`` (Textual's own
    class, set by the validator) and its field ``-bad``, which shows the reason. An empty
    field is only called missing when the examiner tries to submit (:meth:`validated`).
    """

    class Finished(Message):
        """Enter in the last field: the form is done."""

        def __init__(self, form: MarksForm) -> None:
            super().__init__()
            self.form = form

    def __init__(self, shape: RubricShape, values: Sequence[str] | None = None, editable: bool = True,
                 *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self.shape = shape
        self._values = list(values or ())
        self._editable = editable
        self._autofocus = False
        self.after_last: Widget | None = None  # where Enter in the last field goes; None: Finished

    def compose(self) -> ComposeResult:
        for index, (name, top) in enumerate(self.shape.fields):
            with Vertical(classes="mark-field"):
                with Horizontal(classes="mark-row"):
                    yield Plain(t("marks_field_label", name=name, top=top), classes="mark-label")
                    yield TypeAheadInput(
                        self._value(index), name=str(index), compact=True, valid_empty=True,
                        validators=[MarkValidator(name, top, self.shape.step)], disabled=not self._editable,
                        classes="mark-input",
                    )
                yield Plain("", classes="mark-reason")
        yield Plain("", classes="marks-total")

    def on_mount(self) -> None:
        fields = self.inputs
        for field, following in zip(fields, [*fields[1:], self.after_last], strict=False):
            field.next_field = following
        self._update_total()
        if self._autofocus:
            self.focus_first()

    # ------------------------------------------------------------------ reading and filling

    @property
    def inputs(self) -> list[TypeAheadInput]:
        return list(self.query(".mark-input").results(TypeAheadInput))

    def _value(self, index: int) -> str:
        return self._values[index] if index < len(self._values) else ""

    def values(self) -> list[str]:
        """What is typed, as typed."""
        fields = self.inputs
        return [field.value for field in fields] if fields else list(self._values)

    def fill(self, values: Sequence[str] | None, editable: bool) -> None:
        self._values, self._editable = list(values or ()), editable
        if not self.inputs:
            return  # not composed yet: compose uses these
        for index, field in enumerate(self.inputs):
            field.value = self._value(index)
            field.disabled = not editable
            self._show_reason(field, None)
        self._update_total()

    def focus_first(self) -> None:
        fields = self.inputs
        if not fields:
            self._autofocus = True  # on mount
        elif self._editable:
            fields[0].focus()

    # ------------------------------------------------------------------ checking

    def _validator(self, field: Input) -> MarkValidator:
        return field.validators[0]  # type: ignore[return-value]

    def _show_reason(self, field: Input, reason: str | None) -> None:
        box = field.parent.parent if field.parent is not None else None
        if box is None:
            return
        box.query_one(".mark-reason", Plain).update(reason or "")
        box.set_class(reason is not None, "-bad")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        result = event.validation_result
        reason = None if result is None or result.is_valid else result.failure_descriptions[0]
        self._show_reason(event.input, reason)
        self._update_total()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()  # only the last field submits: the others move on (next_field)
        self.post_message(self.Finished(self))

    def _update_total(self) -> None:
        total, open_fields = Decimal(0), 0
        for field in self.inputs:
            try:
                total += self._validator(field).parse(field.value)
            except JzError:
                open_fields += 1
        top = self.shape.top
        text = (t("marks_total", total=total, top=top) if not open_fields
                else t("marks_total_partial", total=total, top=top, open=open_fields))
        self.query_one(".marks-total", Plain).update(text)
        self.set_class(open_fields == 0, "-complete")

    def validated(self) -> list[str] | None:
        """Every mark as a Decimal string, or None after showing each refusal (a missing mark too)
        and putting the cursor in the first field refused."""
        marks: list[str] = []
        first_bad: Input | None = None
        for field in self.inputs:
            try:
                marks.append(str(self._validator(field).parse(field.value)))
                self._show_reason(field, None)
            except JzError as error:
                self._show_reason(field, error_text(error))
                first_bad = first_bad or field
        if first_bad is not None:
            first_bad.focus()
            return None
        return marks

    def summary(self, marks: Sequence[str]) -> list[str]:
        """The sheet as lines of text, for a confirmation."""
        lines = [t("marks_summary_line", name=name, mark=mark, top=top)
                 for (name, top), mark in zip(self.shape.fields, marks, strict=True)]
        if not self.shape.total_only:
            lines.append(t("marks_total", total=sum((Decimal(m) for m in marks), Decimal(0)), top=self.shape.top))
        return lines
