"""Opening the electronic ballots: the box's other officers unlock their keys, one after another."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input

from jz_tui.errors import AuthError, JzError
from jz_tui.i18n import error_text, t
from jz_tui.services.session import Identity

from .base import localise_bindings
from .data import SessionClosed, SharedSession
from .widgets import Plain, TypeAheadInput


class UnsealScreen(ModalScreen[list[Identity] | None]):
    """The other officers type their passphrases in turn; each is checked (KDF) in a worker.

    Dismissed with the unlocked identities once ``needed`` of them are in; the logged-in
    officer counts already. Nothing typed is kept: the passphrase field is emptied after
    every attempt.
    """

    CSS_PATH = "ballots.tcss"
    BINDINGS = [Binding("escape", "cancel", "key_no", id="unseal-cancel", tooltip="tip_no")]

    class Unlocked(Message):
        def __init__(self, identity: Identity | None, problem: str | None) -> None:
            super().__init__()
            self.identity = identity
            self.problem = problem

    def __init__(self, shared: SharedSession, box: str, me: str, others: list[str], needed: int,
                 details: list[str] | None = None) -> None:
        super().__init__()
        self.details = details or []  # what the unsealing records, read before anyone types a passphrase
        localise_bindings(self)
        self.shared = shared
        self.box = box
        self.me = me
        self.others = others
        self.needed = needed
        self.unlocked: list[Identity] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="tally-modal", id="unseal"):
            yield Plain(t("tally_ui_unseal_title", box=self.box, k=self.needed + 1), classes="modal-title")
            for line in self.details:
                yield Plain(line, classes="modal-label unseal-detail")
            yield Plain("", id="unseal-who", classes="modal-label")
            yield Plain(t("tally_ui_unseal_user"), classes="modal-label")
            yield TypeAheadInput(self._next_officer(), id="unseal-user", max_length=64)
            yield Plain(t("tally_ui_unseal_passphrase"), classes="modal-label")
            yield TypeAheadInput(id="unseal-passphrase", password=True)
            yield Plain("", id="unseal-problem", classes="modal-problem")
            yield Plain(t("tally_ui_unseal_hint"), classes="modal-hint")

    def on_mount(self) -> None:
        self._show_who()
        if self.needed <= 0:
            self.call_after_refresh(self.dismiss, [])
            return
        self.query_one("#unseal-user" if not self._next_officer() else "#unseal-passphrase", Input).focus()

    def _next_officer(self) -> str:
        done = {i.name for i in self.unlocked}
        return next((name for name in self.others if name not in done), "")

    def _show_who(self) -> None:
        done = [self.me, *(i.name for i in self.unlocked)]
        self.query_one("#unseal-who", Plain).update(t(
            "tally_ui_unseal_done", names=t("app_list_separator").join(done), have=len(done), k=self.needed + 1))

    @on(Input.Submitted, "#unseal-user")
    def _to_passphrase(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#unseal-passphrase", Input).focus()

    @on(Input.Submitted, "#unseal-passphrase")
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        name = self.query_one("#unseal-user", Input).value.strip()
        passphrase = event.value
        event.input.value = ""
        problem = ""
        if name not in self.others:
            problem = t("box_not_an_officer", user=name)
        elif name in {i.name for i in self.unlocked}:
            problem = t("tally_ui_unseal_already", user=name)
        if problem:
            self._problem(problem)
            return
        self.set_class(True, "-checking")
        event.input.disabled = True
        self._unlock(name, passphrase)

    @work(thread=True, exclusive=True, group="unseal-unlock")
    def _unlock(self, name: str, passphrase: str) -> None:
        try:
            identity = self.shared.use(lambda session, _: session.vault.unlock(name, passphrase))
        except SessionClosed:
            return
        except AuthError:
            self.post_message(self.Unlocked(None, t("login_failed")))
        except JzError as error:
            self.post_message(self.Unlocked(None, error_text(error)))
        else:
            self.post_message(self.Unlocked(identity, None))

    def on_unseal_screen_unlocked(self, message: Unlocked) -> None:
        self.set_class(False, "-checking")
        passphrase = self.query_one("#unseal-passphrase", Input)
        passphrase.disabled = False
        if message.identity is None:
            self._problem(message.problem or "")
            passphrase.focus()
            return
        self.unlocked.append(message.identity)
        self._problem("")
        self._show_who()
        if len(self.unlocked) >= self.needed:
            self.dismiss(self.unlocked)
            return
        user = self.query_one("#unseal-user", Input)
        user.value = self._next_officer()
        (passphrase if user.value else user).focus()

    def _problem(self, text: str) -> None:
        problem = self.query_one("#unseal-problem", Plain)
        problem.update(text)
        problem.set_class(bool(text), "-shown")

    def action_cancel(self) -> None:
        self.unlocked.clear()
        self.dismiss(None)
