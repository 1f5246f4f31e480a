"""The login screen: user name and passphrase, checked off the UI thread.

Opening the vault and unlocking a key slot (Argon2id, about a quarter of a second with
production parameters) both run in thread workers; the screen shows a progress
indicator meanwhile. A failed login says only that the name or the passphrase is wrong:
an unknown user and a wrong passphrase look, and take, the same.
"""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Center, Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, LoadingIndicator

from jz_tui.display import shown
from jz_tui.errors import AuthError, JzError
from jz_tui.i18n import error_text, t
from jz_tui.services.session import Session, Vault, unlock

from .base import localise_bindings
from .data import SharedSession
from .widgets import Plain, TypeAheadInput


def unlock_session(vault: Vault, user: str, passphrase: str) -> SharedSession:
    """Unlock ``user``'s key slot and fold the session. Blocking: call from a worker."""
    return SharedSession(Session(vault, unlock(vault, user, passphrase)))


class LoginScreen(Screen[SharedSession]):
    """Dismissed with the unlocked session; the app takes it from there."""

    CSS_PATH = "login.tcss"

    class Opened(Message):
        def __init__(self, vault: Vault | None, problem: str | None) -> None:
            super().__init__()
            self.vault = vault
            self.problem = problem

    class Unlocked(Message):
        def __init__(self, shared: SharedSession | None, problem: str | None) -> None:
            super().__init__()
            self.shared = shared
            self.problem = problem

    def __init__(self, vault_path: Path, user: str | None = None) -> None:
        super().__init__()
        localise_bindings(self)
        self.vault_path = vault_path
        self.prefill_user = user or ""
        self.vault: Vault | None = None
        self._handed_over = False
        self._submit_when_open = False  # Enter pressed while the file was still opening

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="login-box"):
            yield Plain(t("login_title"), id="login-title")
            yield Plain(t("login_opening", file=self.vault_path.name), id="login-session")
            yield Plain(t("login_user"), classes="login-label")
            yield TypeAheadInput(self.prefill_user, id="login-user", max_length=64)
            yield Plain(t("login_passphrase"), classes="login-label")
            yield TypeAheadInput(id="login-passphrase", password=True)
            with Horizontal(id="login-actions"):
                yield Button(t("login_submit"), id="login-submit", variant="primary")
                yield LoadingIndicator(id="login-spinner")
                yield Plain(t("login_checking"), id="login-checking")
            yield Plain("", id="login-error")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#login-user", TypeAheadInput).next_field = self.query_one("#login-passphrase")
        self.set_class(True, "-opening")
        self.query_one("#login-user" if not self.prefill_user else "#login-passphrase", Input).focus()
        self.open_vault()

    def on_unmount(self) -> None:
        # While an unlock runs, the worker owns the vault and closes it if nobody is left to take it.
        if self.vault is not None and not self._handed_over and not self.has_class("-unlocking"):
            self.vault.close()

    # ------------------------------------------------------------------ opening the file

    @work(thread=True, exclusive=True, group="login")
    def open_vault(self) -> None:
        try:
            vault = Vault.open(self.vault_path)
        except JzError as error:
            self.post_message(self.Opened(None, error_text(error)))
        else:
            self.post_message(self.Opened(vault, None))

    def on_login_screen_opened(self, message: Opened) -> None:
        self.set_class(False, "-opening")
        if message.vault is None:
            self._show_problem(message.problem or "")
            self.query_one("#login-submit", Button).disabled = True
            return
        self.vault = message.vault
        self.query_one("#login-session", Plain).update(shown(message.vault.session_name))  # from the file
        if self._submit_when_open:
            self.submit()

    # ------------------------------------------------------------------ logging in

    @on(Input.Submitted, "#login-passphrase")
    @on(Button.Pressed, "#login-submit")
    def submit(self) -> None:
        user = self.query_one("#login-user", Input).value.strip()
        passphrase = self.query_one("#login-passphrase", Input).value
        if self.vault is None:
            # still opening: go on once it is open (a fast typist should not have to press twice)
            self._submit_when_open = self.has_class("-opening")
            return
        self._submit_when_open = False
        if self.has_class("-unlocking"):
            return
        if not user or not passphrase:
            self._show_problem(t("login_fill_both"))
            self.query_one("#login-user" if not user else "#login-passphrase", Input).focus()
            return
        self._show_problem("")
        self.set_class(True, "-unlocking")
        for widget in self.query("Input, Button"):
            widget.disabled = True
        self.unlock(self.vault, user, passphrase)

    @work(thread=True, exclusive=True, group="login")
    def unlock(self, vault: Vault, user: str, passphrase: str) -> None:
        try:
            shared = unlock_session(vault, user, passphrase)
        except AuthError:
            self.post_message(self.Unlocked(None, t("login_failed")))
        except JzError as error:
            self.post_message(self.Unlocked(None, error_text(error)))
        else:
            if not self.is_attached:  # the app quit meanwhile
                shared.close()
                return
            self.post_message(self.Unlocked(shared, None))

    def on_login_screen_unlocked(self, message: Unlocked) -> None:
        if message.shared is not None:
            self._handed_over = True
            self.dismiss(message.shared)
            return
        self.set_class(False, "-unlocking")
        for widget in self.query("Input, Button"):
            widget.disabled = False
        passphrase = self.query_one("#login-passphrase", Input)
        passphrase.value = ""
        passphrase.focus()
        self._show_problem(message.problem or "")

    def _show_problem(self, text: str) -> None:
        self.query_one("#login-error", Plain).update(text)
        self.set_class(bool(text), "-problem")
