"""The print key: a screen's form written as a PDF into ``<vault dir>/prints/``, in a worker.

A mixin for the tally, scoring and board screens: :meth:`PrintsPaper.print_paper` builds and
draws the form through :mod:`jz_tui.services.paper` (the same service as ``jz print``) under
the session lock, then posts :class:`PrintsPaper.Printed`; the screen says where the file
went (or why nothing was printed) through :meth:`paper_note`.
"""

from __future__ import annotations

from textual import work
from textual.binding import Binding
from textual.message import Message

from jz_tui.errors import JzError
from jz_tui.i18n import error_text, t
from jz_tui.services import paper

from .data import SessionClosed

# Listed under F1 and in the palette, not in the footer: at 80 columns the board's and the tally's
# footers are full, and a print key there pushed "F1 Help" off the edge.
PRINT_BINDING = Binding("p", "print_paper", "paper_key_print", id="print-paper", tooltip="paper_tip_print", show=False)


class PrintsPaper:
    """Mixin for a :class:`screens.base.ModeScreen`: uses ``context`` and ``post_message``."""

    class Printed(Message):
        """The print worker finished: ``text`` to say, and whether it was refused."""

        def __init__(self, text: str, error: bool) -> None:
            super().__init__()
            self.text = text
            self.error = error

    @work(thread=True, group="paper")
    def print_paper(self, form: str, post: str | None = None, candidate: str | None = None) -> None:
        def write(session, _activity) -> str:
            out = paper.default_path(session.vault.path, form, post, candidate, session.state.seq)
            paper.write(session, form, out, post=post, candidate=candidate)
            return str(out)

        try:
            path = self.context.shared.use(write)
        except SessionClosed:
            return
        except (JzError, OSError) as error:
            text = error_text(error) if isinstance(error, JzError) else t(
                "file_error", path=getattr(error, "filename", "") or "", reason=error.strerror or type(error).__name__)
            self.post_message(self.Printed(text, True))
        else:
            self.post_message(self.Printed(t("paper_ui_written", path=path), False))

    def on_prints_paper_printed(self, message: Printed) -> None:
        self.paper_note(message.text, message.error)

    def paper_note(self, text: str, error: bool) -> None:
        """Say it (a screen with a note line overrides this)."""
        self.notify(text, severity="error" if error else "information", markup=False)
