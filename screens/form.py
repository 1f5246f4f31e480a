"""Small modal forms for the hall screens: a few fields, or one choice from a list.

``FormScreen(title, lines, fields)`` dismisses with ``{field key: value}`` or None
(Esc). It never acts itself: the screen that opened it runs the service call in a
worker and, when the call is refused, opens the form again with the same values and the
refusal's sentence (``error=``), so nothing typed is lost.

``ChoiceScreen(title, choices)`` dismisses with the chosen id, or None.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Select
from textual.widgets.option_list import Option

from jz_tui.i18n import t

from .base import localise_bindings
from .widgets import Plain, TypeAheadInput


@dataclass(frozen=True)
class FormField:
    key: str
    label: str  # in the user's language
    value: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (value, label): a choice instead of free text
    placeholder: str = ""


class FormScreen(ModalScreen[dict[str, str] | None]):
    """Fields in a box; Enter in the last field (or OK) sends, Esc cancels."""

    CSS_PATH = "form.tcss"
    BINDINGS = [Binding("escape", "cancel", "key_form_cancel", id="form-cancel", tooltip="tip_form_cancel")]

    def __init__(self, title: str, lines: Sequence[str], fields: Sequence[FormField], *,
                 error: str | None = None, focus: str | None = None, id: str | None = None,
                 verb: str | None = None) -> None:
        super().__init__(id=id)
        self.verb = verb  # what OK does (申请撤销, 修改 ...); "OK" without one
        self.focus_key = focus
        localise_bindings(self)
        self.title_text = title
        self.lines = list(lines)
        self.fields = list(fields)
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Plain(self.title_text, id="form-title")
            for line in self.lines:
                yield Plain(line, classes="form-line")
            yield Plain(self.error or "", id="form-error", classes="" if self.error else "-none")
            for field in self.fields:
                yield Plain(field.label, classes="form-label")
                if field.choices:
                    yield Select(
                        [(label, value) for value, label in field.choices],
                        value=field.value or field.choices[0][0],
                        allow_blank=False,
                        id=f"field-{field.key}",
                        classes="form-field",
                    )
                else:
                    yield TypeAheadInput(field.value, placeholder=field.placeholder, id=f"field-{field.key}",
                                         classes="form-field")
            with Horizontal(id="form-buttons"):
                yield Button(self.verb or t("form_ok"), id="form-ok", variant="primary")
                yield Button(t("form_cancel"), id="form-cancel")

    def on_mount(self) -> None:
        fields = list(self.query(".form-field").results())
        for field, following in zip(fields, fields[1:], strict=False):
            if isinstance(field, TypeAheadInput):
                field.next_field = following  # Enter moves on at once; in the last field it sends
        if self.focus_key is not None:
            self.query_one(f"#field-{self.focus_key}").focus()
            return
        # The first empty text field, else the first field: where typing starts.
        widgets = [self.query_one(f"#field-{f.key}") for f in self.fields]
        empty = [w for w in widgets if isinstance(w, Input) and not w.value]
        (empty or widgets or [self.query_one("#form-ok", Button)])[0].focus()

    def values(self) -> dict[str, str]:
        result: dict[str, str] = {}
        for field in self.fields:
            widget = self.query_one(f"#field-{field.key}")
            result[field.key] = str(widget.value) if isinstance(widget, (Input, Select)) else ""
        return result

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()  # only the last field submits: the others move on (next_field)
        self.dismiss(self.values())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(self.values() if event.button.id == "form-ok" else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceScreen(ModalScreen[str | None]):
    """One choice from a list: arrows and Enter choose, Esc cancels."""

    CSS_PATH = "form.tcss"
    BINDINGS = [Binding("escape", "cancel", "key_form_cancel", id="choice-cancel", tooltip="tip_form_cancel")]

    def __init__(self, title: str, choices: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        localise_bindings(self)
        self.title_text = title
        self.choices = list(choices)  # (id, label in the user's language)

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Plain(self.title_text, id="form-title")
            yield OptionList(*(Option(Text(label), id=choice_id) for choice_id, label in self.choices),
                             id="choice-list")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
