"""``jz board``: the app with the board alone, for one user (the supervisor's SSH forced command).

The login screen asks for the passphrase of the user named on the command line (the
name is filled in); after it, only the board mode exists for this app: no signatures,
no other mode, no way to act on the session except the board's own freeze of the
public view (supervisors only, with a confirmation). Another user, or a role without the
board, is refused and the app ends.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path

from rich.text import Text

from jz_tui.apps.app import ROLE_MODES, JzApp
from jz_tui.i18n import t
from screens.base import ModeTab, ShellContext
from screens.board import BoardScreen
from screens.data import SharedSession
from screens.widgets import role_label

BOARD_MODE = "board"
BOARD_KEY = "F7"


class BoardApp(JzApp):
    def __init__(self, vault_path: Path, *, user: str | None = None, public_only: bool = False,
                 clock: Callable[[], datetime] = datetime.now, mask_volatile: bool = False) -> None:
        super().__init__(vault_path, user=user, clock=clock, mask_volatile=mask_volatile)
        self.pinned_user = user
        self.public_only = public_only

    def start_session(self, shared: SharedSession | None) -> None:
        if shared is None:
            return
        refusal = None
        if self.pinned_user and shared.user != self.pinned_user:
            refusal = t("board_user_mismatch", user=self.pinned_user)
        elif BOARD_MODE not in ROLE_MODES.get(shared.role, ()):
            refusal = t("board_role_refused", user=shared.user, role=role_label(shared.role))
        if refusal is not None:
            shared.close()
            self.exit(return_code=1, message=Text(refusal, style="bold red"))
            return
        self.shared = shared
        context = ShellContext(
            shared=shared,
            session_name=shared.session_name,
            user=shared.user,
            role=shared.role,
            tabs=(ModeTab(BOARD_MODE, BOARD_KEY, t("mode_board")),),
            clock=self.clock,
            mask_volatile=self.mask_volatile,
        )
        self.add_mode(BOARD_MODE, partial(BoardScreen, context, public_only=self.public_only))
        self.allowed_modes = (BOARD_MODE,)
        self.switch_mode(BOARD_MODE)
        self.refresh_bindings()
        self.announce_rejections()
        self.poll_ledger()


def make_board_app(vault_path: str | os.PathLike[str], *, user: str | None = None, public_only: bool = False,
                   clock: Callable[[], datetime] = datetime.now, mask_volatile: bool = False) -> BoardApp:
    return BoardApp(Path(vault_path), user=user, public_only=public_only, clock=clock, mask_volatile=mask_volatile)
