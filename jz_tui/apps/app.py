"""The app shell: login, the modes of the user's role, live polling, help, palette, quitting, logging out.

After login the app registers only the modes of the user's role (``ROLE_MODES``), so a
mode the role lacks does not exist for this app: no key, command or ``switch_mode``
reaches it. Every mode screen lives in its own module in ``screens/`` and plugs in
through ``MODE_SPECS``.

Threads: the session is used only by thread workers, one at a time
(:class:`screens.data.SharedSession`); the UI thread gets immutable snapshots back
as messages. The ledger is polled every ``POLL_INTERVAL`` seconds by a worker that
re-arms itself with ``set_timer`` only after it finished, so polls never overlap.

Nothing typed is lost: quitting, switching mode and logging out first ask every mode screen
for what it holds unsaved (:meth:`screens.base.ModeScreen.unsaved_input`) and, if anything,
ask in a :class:`ConfirmScreen` before going on. Every key answers: a key whose action
cannot act now (``check_action`` False or None) is dispatched to its screen's ``why_not``,
and the reason is said in one line instead of nothing happening (:meth:`JzApp.run_action`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

from textual import work
from textual.actions import ActionParseResult
from textual.app import App, UnknownModeError
from textual.binding import Binding
from textual.command import CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.reactive import reactive
from textual.dom import DOMNode
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import AwaitMount
from textual.worker import Worker, WorkerState

from jz_tui.apps.crash import PlainCrashes
from jz_tui.events.pending import SIGNER_ROLES
from jz_tui.i18n import t
from jz_tui.services.session import rejection_notice
from screens.ballots import BallotsScreen
from screens.base import ModeBar, ModeScreen, ModeTab, ShellContext, localise_bindings
from screens.board import BoardScreen
from screens.checkin import CheckinScreen
from screens.confirm import ConfirmScreen
from screens.data import LedgerStatus, PendingRow, SharedSession
from screens.help import HelpRow, HelpScreen, key_display
from screens.login import LoginScreen
from screens.palette import JzCommandPalette
from screens.roster import RosterScreen
from screens.scoring import ScoringScreen
from screens.setup import SetupScreen
from screens.sheets import SheetsScreen
from screens.signatures import SignaturesScreen
from screens.widgets import action_label

POLL_INTERVAL = 0.1  # seconds between ledger polls (one primary-key lookup): a score on another terminal shows well within 250 ms


LOGIN_MODE = "login"  # the stack the login screen is shown on after a log out (never a role's mode)


@dataclass(frozen=True)
class ModeSpec:
    mode: str
    key: str
    label: str  # catalogue key
    screen: type[ModeScreen]


# Display order, and the key of each mode: the same key for the same mode in every role.
MODE_SPECS: tuple[ModeSpec, ...] = (
    ModeSpec("setup", "f2", "mode_setup", SetupScreen),
    ModeSpec("checkin", "f3", "mode_checkin", CheckinScreen),
    ModeSpec("sheets", "f4", "mode_sheets", SheetsScreen),
    ModeSpec("scoring", "f5", "mode_scoring", ScoringScreen),
    ModeSpec("ballots", "f6", "mode_ballots", BallotsScreen),
    ModeSpec("board", "f7", "mode_board", BoardScreen),
    ModeSpec("signatures", "f8", "mode_signatures", SignaturesScreen),
    ModeSpec("roster", "f9", "mode_roster", RosterScreen),
)

# DESIGN.md §1; the first mode is the role's home. "signatures" is added for every role
# that signs pending actions (jz_tui/events/pending.py decides, not this table).
ROLE_MODES: dict[str, tuple[str, ...]] = {
    # not "sheets": an examiner's own, blind view; the admin follows sheets in "scoring"
    "admin": ("setup", "checkin", "scoring", "ballots", "board", "roster"),
    "clerk": ("checkin",),
    "examiner": ("sheets",),
    "scorer": ("scoring",),
    "tally": ("ballots",),
    "supervisor": ("board",),
}


def modes_for_role(role: str) -> tuple[ModeSpec, ...]:
    names = ROLE_MODES.get(role, ())
    if role in SIGNER_ROLES:
        names += ("signatures",)
    return tuple(spec for spec in MODE_SPECS if spec.mode in names)


class RoleCommands(Provider):
    """The command palette: exactly the actions of the logged-in user's role."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        app = self.app
        # self.screen: the screen the palette was opened over, whose actions it offers
        return app.palette_commands(self.screen) if isinstance(app, JzApp) else []

    async def discover(self) -> Hits:
        for title, help_text, command in self._commands():
            yield DiscoveryHit(title, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, command in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), command, text=title, help=help_text)


class JzApp(PlainCrashes, App[None]):
    """jz in a terminal. Build it with :func:`make_app`."""

    TITLE = "jz"
    CSS_PATH = "app.tcss"
    COMMANDS = {RoleCommands}
    # descriptions and tooltips are catalogue keys, translated per instance (localise_bindings)
    BINDINGS = [
        Binding("f1", "help", "key_help", id="help", tooltip="tip_help", key_display="F1"),
        Binding("ctrl+p", "command_palette", "key_palette", id="palette", tooltip="tip_palette",
                show=False, priority=True),
        Binding("ctrl+q", "quit", "key_quit", id="quit", tooltip="tip_quit", priority=True),
        Binding("ctrl+l", "log_out", "key_log_out", id="log-out", tooltip="tip_log_out", show=False,
                priority=True),
        *(
            Binding(spec.key, f"open_mode('{spec.mode}')", spec.label, id=f"mode-{spec.mode}",
                    tooltip=f"tip_{spec.label}", key_display=spec.key.upper(), show=False)
            for spec in MODE_SPECS
        ),
    ]

    status: reactive[LedgerStatus | None] = reactive(None)

    def __init__(
        self,
        vault_path: Path,
        *,
        user: str | None = None,
        clock: Callable[[], datetime] = datetime.now,
        mask_volatile: bool = False,
    ) -> None:
        super().__init__()
        localise_bindings(self)
        self.vault_path = vault_path
        self.prefill_user = user
        self.clock = clock
        self.mask_volatile = mask_volatile
        self.shared: SharedSession | None = None
        self.allowed_modes: tuple[str, ...] = ()
        self._poll_timer: Timer | None = None
        self._leaving = False  # a "lose what is typed?" question is open

    # ------------------------------------------------------------------ login

    def on_mount(self) -> None:
        self.push_screen(LoginScreen(self.vault_path, self.prefill_user), callback=self.start_session)

    def action_log_out(self) -> None:
        """Log out (switch user): after asking about anything typed, back to the login screen."""
        if self.shared is not None:
            self.leave(t("unsaved_log_out_title"), t("verb_log_out"), self.log_out)

    def log_out(self) -> None:
        """Close the session, drop this role's modes, and ask who comes next. A shared hall
        terminal changes hands without restarting the app."""
        shared, modes = self.shared, self.allowed_modes
        if shared is None:
            return
        self.shared, self.allowed_modes = None, ()
        if self._poll_timer is not None:
            self._poll_timer.stop()
            self._poll_timer = None
        self.workers.cancel_group(self, "ledger-poll")
        if LOGIN_MODE not in self._modes:
            self.add_mode(LOGIN_MODE, Screen)  # an empty stack for the login screen, off this user's modes
        super().switch_mode(LOGIN_MODE)
        for mode in modes:
            self.remove_mode(mode)
        self.status = None
        user = shared.user
        shared.close()  # waits for a worker still using it
        self.push_screen(LoginScreen(self.vault_path, None), callback=self.start_session)
        self.refresh_bindings()
        self.notify(t("app_logged_out", user=user), markup=False)

    def start_session(self, shared: SharedSession | None) -> None:
        """Called with the unlocked session when the login screen closes."""
        if shared is None:
            return
        self.shared = shared
        specs = modes_for_role(shared.role)
        context = ShellContext(
            shared=shared,
            session_name=shared.session_name,
            user=shared.user,
            role=shared.role,
            tabs=tuple(ModeTab(s.mode, s.key.upper(), t(s.label)) for s in specs),
            clock=self.clock,
            mask_volatile=self.mask_volatile,
        )
        for spec in specs:
            self.add_mode(spec.mode, partial(spec.screen, context))
        self.allowed_modes = tuple(spec.mode for spec in specs)
        self.switch_mode(self.allowed_modes[0])
        if LOGIN_MODE in self._modes:  # logged in again after a log out: the login's stack goes
            self.remove_mode(LOGIN_MODE)
        self.refresh_bindings()
        self.announce_rejections()
        self.poll_ledger()

    def announce_rejections(self) -> None:
        """A vault that failed at seq N says so on opening, and shows the state without that event."""
        notice = rejection_notice(self.shared.session.state) if self.shared is not None else None
        if notice is not None:
            self.notify(notice, severity="error", timeout=60)

    # ------------------------------------------------------------------ modes

    def switch_mode(self, mode: str) -> AwaitMount:
        # The modes of other roles are never registered; this also keeps out the login's stack.
        if mode not in self.allowed_modes:
            raise UnknownModeError(f"mode {mode!r} is not available to this user")
        return super().switch_mode(mode)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_mode":
            return parameters[0] in self.allowed_modes  # False also hides the key everywhere
        if action in ("command_palette", "log_out"):
            return self.shared is not None
        return True

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """Why an app key cannot act: a mode of another role, or anything before logging in."""
        if self.shared is None:
            return t("keys_log_in_first") if action in ("open_mode", "command_palette", "log_out") else None
        if action == "open_mode" and parameters and parameters[0] not in self.allowed_modes:
            return t("keys_mode_not_yours", mode=self._mode_label(str(parameters[0])))
        return None

    def action_open_mode(self, mode: str) -> None:
        if mode not in self.allowed_modes or mode == self.current_mode:
            return
        self.leave(t("unsaved_switch_title", mode=self._mode_label(mode)), t("verb_switch"),
                   partial(self._switch_to, mode), kept=True)

    def _switch_to(self, mode: str) -> None:
        if mode in self.allowed_modes:
            self.switch_mode(mode)

    @staticmethod
    def _mode_label(mode: str) -> str:
        return next((t(spec.label) for spec in MODE_SPECS if spec.mode == mode), mode)

    # ------------------------------------------------------------------ nothing typed is lost

    def unsaved_input(self, *, current_only: bool = False) -> list[str]:
        """What the mode screens hold typed and not stored, one line each (the current mode's only
        when ``current_only``: switching mode keeps the others' screens as they are)."""
        lines: list[str] = []
        stacks = ([self.screen_stack] if current_only else
                  [self._screen_stacks.get(mode, []) for mode in self.allowed_modes])
        for stack in stacks:
            for screen in stack:  # a mode screen, and a dialog over it holding typing (a correction)
                unsaved = getattr(screen, "unsaved_input", None)
                if callable(unsaved):
                    lines += unsaved()
        return lines

    def leave(self, title: str, verb: str, then: Callable[[], object], *, kept: bool = False) -> None:
        """Run ``then`` (quit, log out, switch), first asking if something typed would be left behind.

        ``kept``: what is typed stays where it is (switching mode); the question says so."""
        if self._leaving:
            return
        lines = self.unsaved_input(current_only=kept)
        if not lines:
            then()
            return
        self._leaving = True

        def answered(go: bool | None) -> None:
            self._leaving = False
            if go:
                then()

        footer = t("unsaved_kept") if kept else t("unsaved_lost")
        self.push_screen(ConfirmScreen(title, [*lines, footer], verb=verb), answered)

    async def action_quit(self) -> None:
        """ctrl+q and the palette's quit: ask first if something typed would be lost."""
        self.leave(t("unsaved_quit_title"), t("verb_quit"), self.exit)

    # ------------------------------------------------------------------ every key answers

    async def run_action(self, action: str | ActionParseResult, default_namespace: DOMNode | None = None,
                         namespaces=None) -> bool:
        """Textual's, except that an action that cannot act now says why instead of nothing.

        A screen says why with ``why_not(action, parameters) -> str | None``, from the same
        check that disables the key; ``check_action`` still hides (False) or dims (None) it."""
        target, name, params = self._parse_action(
            action, self if default_namespace is None else default_namespace, namespaces)
        if not target.check_action(name, params):
            why_not = getattr(target, "why_not", None)
            reason = why_not(name, params) if callable(why_not) else None
            if reason:
                say = getattr(target, "say_why", None)
                if callable(say):
                    say(reason)
                else:
                    self.notify(reason, severity="warning", markup=False)
                return True
        return await super().run_action(action, default_namespace, namespaces)

    def on_mode_bar_selected(self, message: ModeBar.Selected) -> None:
        self.action_open_mode(message.mode)

    # ------------------------------------------------------------------ help and palette

    def get_key_display(self, binding: Binding) -> str:
        return key_display(binding)  # in the user's language, in the footer and the F1 help alike

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        rows = [
            HelpRow(self.get_key_display(active.binding), active.binding.description, active.binding.tooltip)
            for active in self.screen.active_bindings.values()
            if active.binding.id is not None  # ours: Textual's internal bindings carry no id
        ]
        self.push_screen(HelpScreen(rows))

    def action_command_palette(self) -> None:
        # Textual's own palette action, with the search prompt in the user's language
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(JzCommandPalette(placeholder=t("palette_placeholder"), id="--command-palette"))

    def action_help_quit(self) -> None:
        """ctrl+c: people press it to quit; tell them the key that does (Textual's hint is English only)."""
        self.notify(t("app_how_to_quit"))

    def palette_commands(self, screen: Screen | None = None) -> list[tuple[str, str, Callable[[], object]]]:
        """(title, help, callback) for every action this user's role may take from the palette:
        the current screen's own actions (the keys F1 lists), its modes, signing, help, quit."""
        commands: list[tuple[str, str, Callable[[], object]]] = []
        if screen is not None and self.shared is not None:
            for active in screen.active_bindings.values():
                binding = active.binding
                if (binding.id is None or active.node is self or not active.enabled or not binding.show
                        or not binding.description):
                    continue  # Textual's internal keys, the app's own (listed below), navigation, or not now
                commands.append((binding.description, binding.tooltip or "",
                                 partial(self.run_action, binding.action, screen)))
        for spec in MODE_SPECS:
            if spec.mode in self.allowed_modes:
                commands.append((t("cmd_open_mode", mode=t(spec.label)), t(f"tip_{spec.label}"),
                                 partial(self.action_open_mode, spec.mode)))
        if "signatures" in self.allowed_modes and self.status is not None:
            for row in self.status.waiting:
                commands.append((t("cmd_sign", id=row.id, action=action_label(row.action)),
                                 t("cmd_sign_help", by=row.created_by), partial(self.sign_pending, row)))
        commands.append((t("key_help"), t("tip_help"), self.action_help))
        if self.shared is not None:
            commands.append((t("key_log_out"), t("tip_log_out"), self.action_log_out))
        commands.append((t("key_quit"), t("tip_quit"), self.action_quit))
        return commands

    def sign_pending(self, row: PendingRow) -> None:
        """Go to the signatures mode and ask there to approve the action ``row``."""
        if self.current_mode == "signatures":
            self._sign_there(row)
        else:  # asks first if the mode left holds something typed
            self.leave(t("unsaved_switch_title", mode=self._mode_label("signatures")), t("verb_switch"),
                       partial(self._sign_there, row), kept=True)

    def _sign_there(self, row: PendingRow) -> None:
        if "signatures" not in self.allowed_modes:
            return
        self.switch_mode("signatures")
        screen = self.screen
        if isinstance(screen, SignaturesScreen):
            screen.confirm_and_sign(row)

    # ------------------------------------------------------------------ live polling

    @work(thread=True, exclusive=True, group="ledger-poll", exit_on_error=False)
    def poll_ledger(self) -> LedgerStatus | None:
        return self.shared.poll() if self.shared is not None else None

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "ledger-poll" or worker.node is not self:
            return
        if event.state == WorkerState.SUCCESS:
            if worker.result is not None:
                self.status = worker.result
        elif event.state == WorkerState.ERROR:
            self.notify(t("app_poll_failed", kind=type(worker.error).__name__), severity="error")
        else:
            return
        if self.shared is not None and self.is_running:
            self._poll_timer = self.set_timer(POLL_INTERVAL, self.poll_ledger)

    def on_unmount(self) -> None:
        if self.shared is not None:
            self.shared.close()


def make_app(
    vault_path: str | os.PathLike[str],
    *,
    user: str | None = None,
    clock: Callable[[], datetime] = datetime.now,
    mask_volatile: bool = False,
) -> JzApp:
    """The app for one vault file; tests pass a fixed ``clock`` and ``mask_volatile``."""
    return JzApp(Path(vault_path), user=user, clock=clock, mask_volatile=mask_volatile)
