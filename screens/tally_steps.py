"""The tally's signed steps: opening a post's ballots (and correcting its figures before the first
ballot), the close, an override, unsealing the electronic ballots.

Each asks in a modal (:class:`OpenBoxScreen`, a confirmation, :class:`PromptScreen`,
:class:`UnsealScreen`), then writes in a thread worker that posts :class:`TallySteps.Done`.
An opening or a correction is confirmed (seal, issued, returned) before it is recorded; "no"
goes back to the form with what was typed, and a refused one comes back with the refusal under it.
"""

from __future__ import annotations

from textual import work
from textual.message import Message

from jz_tui.errors import JzError
from jz_tui.i18n import error_text, t
from jz_tui.services import ballots
from jz_tui.services.session import Identity

from .confirm import ConfirmScreen
from .data import SessionClosed
from .open_box import OpenBoxScreen, OpenForm, confirm_lines
from .prompt import PromptScreen
from .unseal import UnsealScreen


class TallySteps:
    """The open, close, override and unseal actions, for :class:`screens.ballots.BallotsScreen`.

    A mixin: it works on the screen's ``_current`` (the post's count), ``_note``, ``reload``
    and ``context``.
    """

    class Previewed(Message):
        """What a close, an override or an unsealing would record, in words, to confirm before starting it."""

        def __init__(self, step: str, target: str, lines: list[str] | None, error: str | None,
                     reason: str | None = None) -> None:
            super().__init__()
            self.step, self.target, self.lines, self.error, self.reason = step, target, lines, error, reason

    class Done(Message):
        """A step's worker (open, close, override, unseal) finished: what to say, and whether it was refused."""

        def __init__(self, text: str, error: bool, retry: object = None) -> None:
            super().__init__()
            self.text = text
            self.error = error
            self.retry = retry  # the form to show again after a refusal

    def action_open_box(self, form: OpenForm | None = None, problem: str = "") -> None:
        current = self._current
        if current is None:
            return
        post = current.post

        def answered(result: OpenForm | None) -> None:
            if result is not None:
                self._confirm_figures(post, result, None)

        title = t("tally_ui_open_title", post=post, box=current.box, seal=current.seal_no)
        self.app.push_screen(OpenBoxScreen(title, form, problem, post=post), answered)

    def action_recount(self, form: OpenForm | None = None, problem: str = "") -> None:
        """Correct the opening's figures (issued, returned), with the reason: before the first ballot."""
        current = self._current
        if current is None or current.opened is None:
            return
        post = current.post
        intact, note, issued, returned = current.opened
        was = (issued, returned)

        def answered(result: OpenForm | None) -> None:
            if result is not None:
                self._confirm_figures(post, result, was)

        form = form or OpenForm(intact, note, issued, returned, recount=True)
        self.app.push_screen(OpenBoxScreen(t("tally_ui_recount_title", post=post), form, problem, recount=True,
                                           post=post), answered)

    def _confirm_figures(self, post: str, form: OpenForm, was: tuple[int, int] | None) -> None:
        """The figures shown once more before they are signed; "no" goes back to the form as typed."""
        def answered(yes: bool | None) -> None:
            if yes:
                self._open(post, form)
            elif form.recount:
                self.action_recount(form)
            else:
                self.action_open_box(form)

        title = t("tally_ui_recount_confirm_title" if form.recount else "tally_ui_open_confirm_title", post=post)
        verb = t("verb_recount" if form.recount else "verb_open_box")
        self.app.push_screen(ConfirmScreen(title, confirm_lines(form, was), verb=verb), answered)

    @work(thread=True, group="tally-action")
    def _open(self, post: str, form: OpenForm) -> None:
        try:
            if form.recount:
                self.context.shared.use(lambda session, _: ballots.recount_box(
                    session, post, form.issued, form.returned, form.reason))
                text = t("box_recounted", post=post, issued=form.issued, returned=form.returned)
            else:
                self.context.shared.use(lambda session, _: ballots.open_box(
                    session, post, form.seal_intact, form.note, form.issued, form.returned))
                text = t("box_opened", post=post)
        except SessionClosed:
            return
        except JzError as error:
            self.post_message(self.Done(error_text(error), True, retry=form))
        else:
            self.post_message(self.Done(text, False))

    def action_close_tally(self) -> None:
        current = self._current
        if current is not None:
            self._preview("close", current.post)

    def action_override(self) -> None:
        current = self._current
        if current is None:
            return
        post = current.post

        def answered(reason: str | None) -> None:
            if reason is not None:
                self._preview("override", post, reason)

        self.app.push_screen(PromptScreen(t("tally_ui_override_title", post=post), t("tally_ui_override_label")),
                             answered)

    @work(thread=True, exclusive=True, group="tally-preview")
    def _preview(self, step: str, target: str, reason: str | None = None) -> None:
        """The details the co-signers will see, read off the UI thread, to confirm first."""
        preview = {"close": ballots.close_preview, "override": ballots.override_preview,
                   "unseal": ballots.unseal_preview}[step]
        try:
            lines = self.context.shared.use(lambda session, _: preview(session, target))
        except SessionClosed:
            return
        except JzError as error:
            self.post_message(self.Previewed(step, target, None, error_text(error)))
        else:
            self.post_message(self.Previewed(step, target, lines, None, reason))

    def on_tally_steps_previewed(self, message: Previewed) -> None:
        step, target, seen = message.step, message.target, message.lines
        if (message.error is not None or seen is None) and step in ("close", "override"):
            # cannot go ahead: the dialog says why, and offers only the way back
            title = t("tally_ui_close_title" if step == "close" else "tally_ui_override_title", post=target)
            blocked = t("tally_ui_blocked", reason=message.error or "") if step == "close" else message.error or ""
            self.app.push_screen(ConfirmScreen(title, [], blocked=blocked))
            return
        if message.error is not None or seen is None:
            self._note(message.error or "", "error")
            return
        if step == "unseal":  # the passphrases are the confirmation: the details stand above them
            self._ask_unseal_passphrases(target, seen)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._request(target, message.reason if step == "override" else None, seen)

        if step == "close":
            title, lines = t("tally_ui_close_title", post=target), [t("tally_ui_close_who")]
        else:
            title, lines = t("tally_ui_override_title", post=target), [t("tally_ui_override_reason", reason=message.reason)]
        verb = t("verb_close_tally" if step == "close" else "verb_override")
        self.app.push_screen(ConfirmScreen(title, lines, seen, verb=verb), answered)

    @work(thread=True, group="tally-action")
    def _request(self, post: str, override_reason: str | None, seen: list[str] | None = None) -> None:
        """The close (``override_reason`` None) or an override, created pending, if still as ``seen``."""
        try:
            if override_reason is None:
                action = self.context.shared.use(lambda session, _: ballots.request_close(session, post, seen))
                text = t("tally_close_pending_created", id=action.id)
            else:
                action = self.context.shared.use(
                    lambda session, _: ballots.request_override(session, post, override_reason))
                text = t("tally_override_pending", id=action.id)
        except SessionClosed:
            return
        except JzError as error:
            self.post_message(self.Done(error_text(error), True))
        else:
            self.post_message(self.Done(text, False))

    def action_unseal(self) -> None:
        """First what the unsealing records (box, posts, slips spent), confirmed; then the officers' passphrases."""
        current = self._current
        if current is not None:
            self._preview("unseal", current.box)

    def _ask_unseal_passphrases(self, box: str, details: list[str]) -> None:
        current = self._current
        if current is None:
            return
        others = [name for name in current.officers if name != self.context.user]
        screen = UnsealScreen(self.context.shared, box, self.context.user, others, current.k - 1, details)

        def answered(identities: list[Identity] | None) -> None:
            if identities is not None:
                self._unseal(box, identities)

        self.app.push_screen(screen, answered)

    @work(thread=True, group="tally-action")
    def _unseal(self, box: str, identities: list[Identity]) -> None:
        try:
            opened = self.context.shared.use(
                lambda session, _: ballots.unseal(session, box, [session.identity, *identities]))
        except SessionClosed:
            return
        except JzError as error:
            self.post_message(self.Done(error_text(error), True))
        else:
            count = max((len(m) for m in opened.values()), default=0)
            self.post_message(self.Done(t("box_unsealed", box=box, count=count), False))
        finally:
            identities.clear()  # the other officers' keys leave this terminal's memory with the box key

    def on_tally_steps_done(self, message: Done) -> None:
        self._note(message.text, "error" if message.error else "ok")
        if isinstance(message.retry, OpenForm):
            if message.retry.recount:
                self.action_recount(message.retry, message.text)
            else:
                self.action_open_box(message.retry, message.text)
        self.reload()
