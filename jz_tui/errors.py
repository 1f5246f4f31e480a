"""The refusals every layer raises, for the screens and the command line: one error type with
a catalogue key (defined beside the vault, which raises it too)."""

from storage.errors import AuthError, AuthorityError, JzError, VaultError

__all__ = ["AuthError", "AuthorityError", "JzError", "VaultError"]
