"""The voting kiosk as its own small app: ``jz vote VAULT --box BOX`` without ``--token``.

A tally officer logs in on the usual login screen (casting a sealed ballot is a tally
action); then the kiosk screen takes one voter after another until ``ctrl+q`` and that
officer's passphrase (a voter at the kiosk cannot quit it).
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.binding import Binding

from jz_tui.apps.crash import PlainCrashes
from jz_tui.i18n import t
from screens.base import localise_bindings
from screens.data import SharedSession
from screens.help import key_display
from screens.kiosk import KioskQuitScreen, KioskScreen
from screens.login import LoginScreen


class KioskApp(PlainCrashes, App[None]):
    TITLE = "jz"
    ENABLE_COMMAND_PALETTE = False  # a voter at the kiosk gets the ballot and nothing else
    BINDINGS = [Binding("ctrl+q", "quit", "key_quit", id="quit", tooltip="kiosk_tip_quit", priority=True)]

    def __init__(self, vault_path: Path, box: str, *, user: str | None = None) -> None:
        super().__init__()
        localise_bindings(self)
        self.vault_path = vault_path
        self.box = box
        self.prefill_user = user
        self.shared: SharedSession | None = None

    def on_mount(self) -> None:
        self.push_screen(LoginScreen(self.vault_path, self.prefill_user), callback=self.start)

    def start(self, shared: SharedSession | None) -> None:
        if shared is None:
            return
        self.shared = shared
        self.push_screen(KioskScreen(shared, self.box))

    async def action_quit(self) -> None:
        """Once an officer is logged in, quitting needs their passphrase (every way to "quit" comes here)."""
        if self.shared is None:  # the login screen: nobody votes yet
            self.exit()
            return
        if not isinstance(self.screen, KioskQuitScreen):
            self.push_screen(KioskQuitScreen(self.shared), callback=self._quit_answered)

    def _quit_answered(self, checked: bool | None) -> None:
        # the ballots cast here stay held under the box's hold key: the unsealing mixes them in
        if checked:
            self.exit()

    def get_key_display(self, binding: Binding) -> str:
        return key_display(binding)  # 回车, not Enter, on a Chinese kiosk: as in the app's footer

    def action_help_quit(self) -> None:
        self.notify(t("app_how_to_quit"))

    def on_unmount(self) -> None:
        if self.shared is not None:
            self.shared.close()


def run_kiosk(path: Path, box: str, user: str | None = None) -> int:
    """Run the kiosk on ``path`` until the operator quits; the exit code (1 after a crash).
    The command checks the vault file and the terminal first."""
    app = KioskApp(path, box, user=user)
    app.run()
    return app.return_code or 0
