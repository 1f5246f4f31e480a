"""The command palette, with one crash of Textual's taken out.

Textual 8.2.8's option list moves a page by its laid-out lines, and has none before its
first layout (right after the list fills, as one types) or in a terminal too small to
show a line: PageUp/PageDown then raised ``KeyError`` and stopped the app.
"""

from __future__ import annotations

from textual.command import CommandPalette


class JzCommandPalette(CommandPalette):
    def _action_command_list(self, action: str) -> None:
        try:
            super()._action_command_list(action)
        except KeyError:
            if action not in ("page_up", "page_down"):
                raise
            # nothing laid out to page through yet: the key does nothing, as on an empty list
