"""Users and roles (admin, setup step 2): who the session's users are, adding one, changing
one's own passphrase.

The list shows every user the ledger added, with their role, the start of their key
fingerprint and whether they are still in the vault (a rekey may have removed them), and how
many users each role has. ``a`` adds a user: name, role, and a passphrase typed twice in
masked fields; ``p`` changes the admin's own passphrase, typed twice. Both go through
:mod:`jz_tui.services.users` (the same calls as ``jz user add`` and ``jz user passwd``), which
holds every passphrase a person chooses to one floor, in a worker (making a key slot runs
Argon2id). A refusal reopens the form with the name and role as typed, the passphrase fields
empty to be typed again, and the refusal in words.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

from jz_tui.errors import JzError
from jz_tui.i18n import error_text, t
from jz_tui.services import users
from jz_tui.services.session import Session

from .data import LedgerActivity, SessionClosed
from .form import FormField, FormScreen
from .setup_step import SetupStepScreen
from .widgets import Plain, TablePanel, role_label

FINGERPRINT_GROUPS = 5  # of the 8: enough to tell keys apart on screen (jz user list prints all)
SECRET_FIELDS = ("passphrase", "again")


class PassphraseForm(FormScreen):
    """A form whose passphrase fields are masked; everything else as :class:`FormScreen`."""

    def on_mount(self) -> None:
        for key in SECRET_FIELDS:
            for field in self.query(f"#field-{key}").results(Input):
                field.password = True


@dataclass(frozen=True)
class UsersSnapshot:
    lines: tuple[users.UserLine, ...]


class UsersScreen(SetupStepScreen):
    STEP = "users"
    CSS_PATH = ["setup.tcss", "setup_users.tcss"]

    BINDINGS = [
        Binding("a", "add_user", "key_users_add", id="users-add", tooltip="tip_users_add"),
        Binding("p", "passwd", "key_users_passwd", id="users-passwd", tooltip="tip_users_passwd"),
    ]

    class Done(Message):
        """The worker finished: the request, the outcome in words, whether it was refused."""

        def __init__(self, request: dict[str, str], text: str, error: bool) -> None:
            super().__init__()
            self.request = request
            self.text = text
            self.error = error

    def compose_step(self) -> ComposeResult:
        yield Plain(t("users_intro", min=users.MIN_LENGTH), classes="intro")
        yield Plain("", id="users-roles")
        yield TablePanel(
            t("users_panel"),
            [("name", t("users_col_name")), ("role", t("users_col_role")),
             ("fingerprint", t("users_col_fingerprint")), ("status", t("users_col_in_vault"))],
            t("users_empty"),
            id="users",
        )

    def on_mount(self) -> None:
        self.query_one("#users", TablePanel).table.focus()

    def load(self, session: Session, activity: LedgerActivity) -> UsersSnapshot:
        return UsersSnapshot(users.user_lines(session.state))

    def show(self, snapshot: UsersSnapshot) -> None:
        rows = {}
        counts: dict[str, int] = {role: 0 for role in users.ROLES}
        for line in snapshot.lines:
            groups = line.fingerprint.split(" ")
            short = " ".join(groups[:FINGERPRINT_GROUPS]) + ("..." if len(groups) > FINGERPRINT_GROUPS else "")
            rows[line.name] = [line.name, role_label(line.role), self.context.volatile(short),
                               t("users_in_vault") if line.in_vault else t("users_removed")]
            if line.in_vault:
                counts[line.role] += 1
        self.query_one("#users", TablePanel).show_rows(rows)
        self.query_one("#users-roles", Plain).update(t("users_roles_line", counts=t("app_list_separator").join(
            f"{role_label(role)} {count}" for role, count in counts.items())))

    # ------------------------------------------------------------------ actions

    def action_add_user(self) -> None:
        self._open({"kind": "add", "name": "", "role": "examiner"})

    def action_passwd(self) -> None:
        self._open({"kind": "passwd"})

    def _open(self, request: dict[str, str], error: str | None = None) -> None:
        secrets = [FormField("passphrase", t("users_field_passphrase")), FormField("again", t("users_field_again"))]
        if request["kind"] == "add":
            form = PassphraseForm(
                t("users_add_title"), [t("users_add_line", min=users.MIN_LENGTH)],
                [FormField("name", t("users_field_name"), request.get("name", "")),
                 FormField("role", t("users_field_role"), request.get("role", "examiner"),
                           choices=tuple((role, role_label(role)) for role in users.ROLES)),
                 *secrets],
                error=error, focus="passphrase" if error and request.get("name") else None)
        else:
            form = PassphraseForm(t("users_passwd_title", user=self.context.user),
                                  [t("users_passwd_line", min=users.MIN_LENGTH)], secrets, error=error)

        def answered(values: dict[str, str] | None) -> None:
            if values is not None:
                self.say(t("users_working"))
                self._run({**request, **values})

        self.app.push_screen(form, answered)

    @work(thread=True, exclusive=True, group="users-change")
    def _run(self, request: dict[str, str]) -> None:
        def run(session: Session, _activity: LedgerActivity) -> str:
            users.same_twice(request["passphrase"], request["again"])
            if request["kind"] == "add":
                user = users.add_user(session, request["name"].strip(), request["role"], request["passphrase"])
                return t("users_added", user=user.name, role=role_label(user.role), fingerprint=user.fingerprint)
            users.change_passphrase(session, request["passphrase"])
            return t("users_passwd_done", user=session.user)

        try:
            text = self.context.shared.use(run)
        except SessionClosed:
            return
        except JzError as error:
            kept = {key: value for key, value in request.items() if key not in SECRET_FIELDS}
            self.post_message(self.Done(kept, error_text(error), True))
            return
        self.post_message(self.Done({}, text, False))

    def on_users_screen_done(self, message: Done) -> None:
        message.stop()
        self.say(message.text, error=message.error)
        if message.error:
            self._open(message.request, message.text)  # what was typed, but the passphrases
        else:
            self.reload()
