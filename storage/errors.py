"""Errors the storage layer raises.

Each carries a catalogue key and parameters rather than prose, so that the CLI and the
screens print it in the user's language. Parameters never hold secrets: only field
names, user names, sequence numbers and paths.
"""

from __future__ import annotations


class JzError(Exception):
    """A refusal a user can act on. ``key`` names the message in the catalogue."""

    exit_code = 1

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def __str__(self) -> str:  # used only where no catalogue is at hand (logs, tests)
        if not self.params:
            return self.key
        inner = ", ".join(f"{k}={v}" for k, v in sorted(self.params.items()))
        return f"{self.key} ({inner})"


class VaultError(JzError):
    """The file is missing, not a vault, of a newer format, or otherwise unusable."""


class AuthError(JzError):
    """Unknown user or wrong passphrase."""


class AuthorityError(JzError):
    """The acting user's role may not do this."""
