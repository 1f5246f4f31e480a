"""Every kind of event, declared once: its typed body, who may emit it, its preconditions
against the state before it, and its effect on the state (see ``storage/events.py``).

One module per part of the session; importing this package declares them all. Grep a
kind's name (``"sheet.confirm"``) and its declaration is the first hit.
"""

from jz_tui.events import ballots, extra, hall, panels, pending, people, results, scores  # noqa: F401  (they declare on import)
