"""The opening of a post's ballot box: the seal, and how many ballots were issued and returned;
and, before the first ballot is entered, the correction of those figures (with the reason)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, RadioButton, RadioSet

from jz_tui.i18n import t

from .base import localise_bindings
from .widgets import Plain, TypeAheadInput


@dataclass(frozen=True)
class OpenForm:
    """What the opening form gives: the seal's state (a note if broken), ballots issued and returned."""

    seal_intact: bool
    note: str
    issued: int
    returned: int
    reason: str = ""  # a correction's reason
    recount: bool = False  # the figures of an opening already recorded, corrected


def confirm_lines(form: OpenForm, was: tuple[int, int] | None = None) -> list[str]:
    """What the officer confirms before the opening (or its correction) is signed into the ledger."""
    if form.recount:
        assert was is not None
        lines = [t("tally_ui_confirm_was", issued=was[0], returned=was[1])]
    else:
        seal = t("tally_ui_seal_intact") if form.seal_intact else t("tally_ui_seal_broken", note=form.note.strip())
        lines = [t("tally_ui_confirm_seal", seal=seal)]
    lines.append(t("tally_ui_confirm_figures", issued=form.issued, returned=form.returned))
    if form.recount:
        lines.append(t("tally_ui_confirm_reason", reason=form.reason.strip()))
    lines.append(t("tally_ui_confirm_record"))
    return lines


class OpenBoxScreen(ModalScreen[OpenForm | None]):
    """Opening a post's ballots: the seal (intact, or broken with a note), issued, returned.

    With ``recount``, the correction of an opening's figures: issued, returned and the reason
    (the seal was recorded as found and is not corrected)."""

    CSS_PATH = "ballots.tcss"
    BINDINGS = [Binding("escape", "cancel", "key_no", id="open-cancel", tooltip="tip_no")]

    def __init__(self, title: str, form: OpenForm | None = None, problem: str = "", recount: bool = False,
                 post: str = "") -> None:
        super().__init__()
        localise_bindings(self)
        self.title_text = title
        self.form = form
        self.problem = problem
        self.recount = recount
        self.post = post

    def compose(self) -> ComposeResult:
        form = self.form
        with Vertical(classes="tally-modal", id="open-box"):
            yield Plain(self.title_text, classes="modal-title")
            if not self.recount:
                with RadioSet(id="open-seal"):
                    yield RadioButton(t("tally_ui_seal_intact_choice"), value=form is None or form.seal_intact,
                                      id="seal-intact")
                    yield RadioButton(t("tally_ui_seal_broken_choice"),
                                      value=form is not None and not form.seal_intact, id="seal-broken")
                yield Plain(t("tally_ui_open_note"), classes="modal-label")
                yield TypeAheadInput(form.note if form else "", id="open-note", max_length=200)
            with Horizontal(classes="modal-row"):
                with Vertical():
                    yield Plain(t("tally_ui_open_issued"), classes="modal-label")
                    yield TypeAheadInput(str(form.issued) if form else "", type="integer", id="open-issued")
                with Vertical():
                    yield Plain(t("tally_ui_open_returned"), classes="modal-label")
                    yield TypeAheadInput(str(form.returned) if form else "", type="integer", id="open-returned")
            if self.recount:
                yield Plain(t("tally_ui_recount_reason"), classes="modal-label")
                yield TypeAheadInput(form.reason if form else "", id="open-reason", max_length=200)
            yield Plain(self.problem, id="open-problem", classes="modal-problem")
            with Horizontal(classes="modal-buttons"):
                yield Button(t("tally_ui_open_submit"), id="open-submit", variant="primary", compact=True)
                yield Button(t("tally_ui_cancel_esc"), id="open-cancel-button", compact=True)

    def on_mount(self) -> None:
        self.query_one("#open-problem", Plain).set_class(bool(self.problem), "-shown")
        if self.recount:
            self.query_one("#open-issued", Input).focus()
        else:
            self.query_one("#open-seal", RadioSet).focus()

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == ("open-reason" if self.recount else "open-returned"):
            self._submit()
        else:
            self.focus_next()

    def _refuse(self, text: str, field_id: str) -> None:
        problem = self.query_one("#open-problem", Plain)
        problem.update(text)
        problem.set_class(True, "-shown")
        self.query_one(f"#{field_id}", Input).focus()

    @on(Button.Pressed, "#open-submit")
    def _submit(self) -> None:
        values = {}
        for field_id in ("open-issued", "open-returned"):
            text = self.query_one(f"#{field_id}", Input).value.strip()
            try:
                values[field_id] = int(text)
            except ValueError:
                self._refuse(t("tally_ui_open_number_needed"), field_id)
                return
        if values["open-returned"] > values["open-issued"]:  # refused by the opening's declaration too
            self._refuse(t("box_returned_over_issued", post=self.post, issued=values["open-issued"],
                           returned=values["open-returned"]), "open-returned")
            return
        if self.recount:
            reason = self.query_one("#open-reason", Input).value
            if not reason.strip():
                self._refuse(t("tally_ui_recount_reason_needed"), "open-reason")
                return
            form = self.form
            self.dismiss(OpenForm(form.seal_intact if form else True, form.note if form else "",
                                  values["open-issued"], values["open-returned"], reason.strip(), recount=True))
            return
        intact = self.query_one("#open-seal", RadioSet).pressed_index != 1
        note = self.query_one("#open-note", Input).value
        if not intact and not note.strip():  # refused by the opening's declaration too: asked before confirming
            self._refuse(t("tally_seal_note_needed"), "open-note")
            return
        self.dismiss(OpenForm(intact, note, values["open-issued"], values["open-returned"]))

    @on(Button.Pressed, "#open-cancel-button")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
