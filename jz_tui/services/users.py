"""The session's users: who they are, adding one, and the floor on a passphrase people type.

The floor is one rule, here, for every passphrase a person chooses: ``jz init`` (the first
admin's), ``jz user add`` and ``jz user passwd`` (``JZ_NEW_PASSPHRASE`` or the prompt), and
the users screen of the setup hub. A passphrase is refused when it is

- shorter than :data:`MIN_LENGTH` characters (a Chinese character counts as one);
- one character repeated (``aaaaaaaaaa``);
- only digits (a date, a phone number, a PIN: guessed first);
- the user's own name, alone or with only digits around it (``kg1``, ``kg12026``).

Anything else is accepted: a sentence, a few words, Chinese or not. The floor is for what
people type; the Python API (test fixtures, the demo's and the bench's own users) is not
held to it, and the key slot's Argon2id parameters have their own floor in the vault.
"""

from __future__ import annotations

from dataclasses import dataclass

from jz_tui.services.session import Session
from storage import crypto
from storage.errors import JzError
from storage.events import ROLES, is_user_name
from storage.projection import SessionState
from storage.vault import UserRow

MIN_LENGTH = 10

__all__ = ["MIN_LENGTH", "ROLES", "UserLine", "add_user", "change_passphrase", "check_new_user",
           "passphrase_problem", "require_strong", "same_twice", "user_lines"]


def passphrase_problem(passphrase: str, user_name: str) -> str | None:
    """The catalogue key of the first way ``passphrase`` falls below the floor, or None.
    Every key's message takes ``min`` (:data:`MIN_LENGTH`) and ``user``."""
    if not passphrase:
        return "passphrase_empty"
    if len(passphrase) < MIN_LENGTH:
        return "passphrase_too_short"
    if len(set(passphrase)) == 1:
        return "passphrase_one_character"
    if passphrase.isdigit():
        return "passphrase_only_digits"
    name = user_name.strip().casefold()
    if name and (rest := passphrase.casefold().replace(name, "")) != passphrase.casefold() and \
            (not rest or rest.isdigit()):
        return "passphrase_is_name"
    return None


def require_strong(passphrase: str, user_name: str) -> str:
    """``passphrase`` if it meets the floor, else a refusal saying how it falls short."""
    problem = passphrase_problem(passphrase, user_name)
    if problem is not None:
        raise JzError(problem, min=MIN_LENGTH, user=user_name)
    return passphrase


def same_twice(first: str, second: str) -> None:
    """A passphrase chosen by a person is typed twice; the two must be the same."""
    if first != second:
        raise JzError("passphrase_mismatch")


def check_new_user(session: Session, name: str, role: str) -> None:
    """What can be said of a new user before asking their passphrase: the admin may add users,
    the name is one a user may have and is free, the role exists."""
    session.require_role("admin", action="user.add")
    if not is_user_name(name):
        raise JzError("user_name_invalid", user=name)
    if role not in ROLES:
        raise JzError("role_unknown", role=role, roles=list(ROLES))
    if session.vault.user(name) is not None:
        raise JzError("user_exists", user=name)


def add_user(session: Session, name: str, role: str, passphrase: str,
             kdf: crypto.KdfParams = crypto.PRODUCTION_KDF) -> UserRow:
    """Add a user with their own key slot (admin). Blocking (the KDF): from a worker on a screen."""
    check_new_user(session, name, role)
    require_strong(passphrase, name)
    user = session.vault.add_user(session.identity, name, role, passphrase, kdf=kdf, judge=session.judge)
    session.refresh()
    return user


def change_passphrase(session: Session, passphrase: str,
                      kdf: crypto.KdfParams = crypto.PRODUCTION_KDF) -> None:
    """Rewrap the session user's own key slot under a new passphrase that meets the floor."""
    require_strong(passphrase, session.user)
    session.vault.change_passphrase(session.identity, passphrase, kdf=kdf, judge=session.judge)
    session.refresh()


@dataclass(frozen=True)
class UserLine:
    name: str
    role: str
    fingerprint: str
    in_vault: bool  # False once a rekey removed them (their slot wiped)
    added_seq: int


def user_lines(state: SessionState) -> tuple[UserLine, ...]:
    """Every user the ledger added, in the order they were added."""
    return tuple(
        UserLine(user.name, user.role, crypto.fingerprint(bytes.fromhex(user.public_key)),
                 user.name not in state.removed, user.added_seq)
        for user in sorted(state.users.values(), key=lambda u: u.added_seq)
    )
