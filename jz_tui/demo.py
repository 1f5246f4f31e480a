"""``jz demo``: a realistic session to look around in, built step by step.

The demo is an ordered list of builder steps (:data:`DEMO_STEPS`), each a function of a
:class:`DemoContext` (the open vault and the unlocked demo users). A later issue that
adds a part of the domain (roster, check-ins, sheets, ballots ...) adds its own step at
the right place in the list, so the demo always shows every screen with something in it.

Every key slot uses the production KDF: the demo is what people try first, and a
weakened vault must never come out of a user-facing command.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from storage import crypto
from storage.errors import JzError
from storage.vault import Identity, Vault

from . import pending
from .i18n import t
from .session import Session

DEMO_SESSION = "2026年区直机关中层干部竞争上岗（演示）"
DEFAULT_PATH = Path("jz-demo.jz")


@dataclass(frozen=True)
class DemoUser:
    name: str
    role: str
    passphrase: str


# One user per role, two tally officers (a tally closes with two of them), seven examiners.
DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "admin", "admin-demo"),
    DemoUser("clerk", "clerk", "clerk-demo"),
    DemoUser("scorer", "scorer", "scorer-demo"),
    DemoUser("tally1", "tally", "tally1-demo"),
    DemoUser("tally2", "tally", "tally2-demo"),
    DemoUser("supervisor", "supervisor", "supervisor-demo"),
    *(DemoUser(f"kg{n}", "examiner", f"kg{n}-demo") for n in range(1, 8)),
)


@dataclass
class DemoContext:
    """What a builder step works with: the vault, and the demo users, unlocked on demand."""

    path: Path
    vault: Vault
    kdf: crypto.KdfParams
    say: Callable[[str], None]
    unlocked: dict[str, Identity] = field(default_factory=dict)  # user name -> identity
    _sessions: dict[str, Session] = field(default_factory=dict)

    def identity(self, user: str) -> Identity:
        # Unlocking costs one more KDF run per user: only the users a step acts as pay it.
        if user not in self.unlocked:
            demo_user = next(u for u in DEMO_USERS if u.name == user)
            self.unlocked[user] = self.vault.unlock(user, demo_user.passphrase)
        return self.unlocked[user]

    def session(self, user: str) -> Session:
        """A session acting as ``user`` (made once, kept for the later steps), up to date."""
        if user not in self._sessions:
            self._sessions[user] = Session(self.vault, self.identity(user))
        self._sessions[user].refresh()
        return self._sessions[user]


DemoStep = Callable[[DemoContext], None]


def add_users(ctx: DemoContext) -> None:
    """Every demo user but the admin, each with its own key slot."""
    admin = ctx.identity("admin")
    total = len(DEMO_USERS)
    for number, user in enumerate(DEMO_USERS, start=1):
        if user.role == "admin":
            continue
        started = time.perf_counter()
        ctx.vault.add_user(admin, user.name, user.role, user.passphrase, kdf=ctx.kdf)
        ctx.say(t("demo_slot_done", n=number, total=total, user=user.name, role=t("role_" + user.role),
                  seconds=f"{time.perf_counter() - started:.2f}"))


def request_checkin_undos(ctx: DemoContext) -> None:
    """Two check-in undos waiting for the supervisor's signature, for the signatures panel.

    The codes follow the roster's ``POST-NN`` scheme. The roster and arrival steps, when
    the demo gets them, go before this one, and this step then goes through
    ``checkin.request_undo`` so that only a real check-in can be undone.
    """
    pending.create(ctx.session("clerk"), "checkin.undo", {"code": "A01-02"},
                   reason="考生误持他人准考证签到，需撤销后重新核验")
    pending.create(ctx.session("admin"), "checkin.undo", {"code": "B01-01"},
                   reason="签到终端时间登记有误，撤销后重新签到")


DEMO_STEPS: list[DemoStep] = [
    add_users,
    request_checkin_undos,
]


def build_demo(path: Path, say: Callable[[str], None] = print, kdf: crypto.KdfParams = crypto.PRODUCTION_KDF) -> None:
    """Create the demo vault at ``path`` (which must not exist) and run every step.

    ``kdf`` is lowered only by tests, through this Python call; ``jz demo`` never passes it.
    """
    admin = next(u for u in DEMO_USERS if u.role == "admin")
    started = time.perf_counter()
    say(t("demo_building", path=str(path), total=len(DEMO_USERS)))
    vault, identity = Vault.create(path, DEMO_SESSION, admin.name, admin.passphrase, kdf=kdf)
    try:
        say(t("demo_slot_done", n=1, total=len(DEMO_USERS), user=admin.name, role=t("role_admin"),
              seconds=f"{time.perf_counter() - started:.2f}"))
        ctx = DemoContext(path, vault, kdf, say, {admin.name: identity})
        for step in DEMO_STEPS:
            step(ctx)
    except BaseException:
        vault.close()
        remove_vault_files(path)
        raise
    vault.close()


def is_demo_vault(path: Path) -> bool:
    try:
        vault = Vault.open(path)
    except JzError:
        return False
    try:
        return vault.session_name == DEMO_SESSION
    finally:
        vault.close()


def remove_vault_files(path: Path) -> None:
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        file.unlink(missing_ok=True)
