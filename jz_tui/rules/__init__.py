"""The domain rules as pure functions: scores, tallies, ranking, the session's settings.
No storage and no I/O: they import each other, and storage.errors for the shared error type."""
