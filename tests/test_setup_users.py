"""Users and roles: the floor on a passphrase people choose (one rule, for the CLI and the
screen), and the setup step at 80×24: a user added with a passphrase typed twice can log in;
a mismatch or a weak passphrase is refused in words and appends nothing."""

from __future__ import annotations

import pytest
from _app_helpers import head_seq, make_app_vault, open_setup_step, settle, stable_app, wait_until
from conftest import PASSPHRASES
from textual.widgets import Input, Select

from jz_tui.errors import AuthError, JzError
from jz_tui.i18n import t
from jz_tui.services import users
from jz_tui.services.session import open_session
from screens.form import FormScreen
from screens.setup_users import UsersScreen
from screens.widgets import Plain, TablePanel

SIZE = (80, 24)
STRONG = "考官的口令 kg9 2026"


# ---------------------------------------------------------------------- the floor


@pytest.mark.parametrize(("passphrase", "name", "problem"), [
    ("", "kg9", "passphrase_empty"),
    ("1", "kg9", "passphrase_too_short"),
    ("short pw", "kg9", "passphrase_too_short"),
    ("考官口令", "kg9", "passphrase_too_short"),  # 4 characters, however many bytes
    ("aaaaaaaaaaaa", "kg9", "passphrase_one_character"),
    ("2026120712", "kg9", "passphrase_only_digits"),
    ("renshi2026", "renshi", "passphrase_is_name"),
    ("RENSHIRENSHI", "renshi", "passphrase_is_name"),
    ("2026renshi1", "renshi", "passphrase_is_name"),
    ("renshi-at-the-hall", "renshi", None),  # the name within words is fine
    ("correct horse", "kg9", None),
    ("一句足够长的中文口令", "kg9", None),  # ten Chinese characters
    ("kg9-examiner", "kg9", None),
])
def test_the_floor(passphrase, name, problem):
    assert users.passphrase_problem(passphrase, name) == problem
    if problem is None:
        assert users.require_strong(passphrase, name) == passphrase
    else:
        with pytest.raises(JzError) as refused:
            users.require_strong(passphrase, name)
        assert refused.value.key == problem
        if problem != "passphrase_empty":  # the message says the rule
            assert str(users.MIN_LENGTH) in t(problem, min=users.MIN_LENGTH, user=name)


def test_the_cli_holds_a_new_passphrase_to_the_floor(jz, test_vault):
    test_vault.vault.close()
    path = test_vault.path
    for command in (["user", "add", path, "kg9", "--role", "examiner"], ["user", "passwd", path]):
        refused = jz(*command, user="admin", env={"JZ_NEW_PASSPHRASE": "1"})
        assert refused.returncode == 1
        assert refused.stderr.strip() == t("passphrase_too_short", min=users.MIN_LENGTH,
                                           user="kg9" if command[1] == "add" else "admin")
    added = jz("user", "add", path, "kg9", "--role", "examiner", user="admin", env={"JZ_NEW_PASSPHRASE": STRONG})
    assert added.returncode == 0, added.stderr
    # the first admin's passphrase too, from JZ_PASSPHRASE at jz init
    made = jz("init", path.with_name("new.jz"), "--session", "s", "--admin", "boss", env={"JZ_PASSPHRASE": "boss"})
    assert made.returncode == 1 and not path.with_name("new.jz").exists()


def test_a_taken_name_is_refused_before_the_passphrase_is_asked(jz, test_vault):
    test_vault.vault.close()
    refused = jz("user", "add", test_vault.path, "e1", "--role", "clerk", user="admin", env={"JZ_NEW_PASSPHRASE": "1"})
    assert refused.stderr.strip() == t("user_exists", user="e1")


# ---------------------------------------------------------------------- the screen


@pytest.fixture
def app_vault(tmp_path, monkeypatch):
    return make_app_vault(tmp_path / "hall.jz", monkeypatch)


async def open_users(pilot) -> UsersScreen:
    return await open_setup_step(pilot, "users")


def listed(screen: UsersScreen) -> dict[str, list[str]]:
    table = screen.query_one("#users", TablePanel).table
    return {str(key.value): [str(cell) for cell in table.get_row(key)] for key in table.rows}


async def fill_add_form(pilot, name: str, role: str, passphrase: str, again: str) -> FormScreen:
    form = pilot.app.screen
    assert isinstance(form, FormScreen)
    for key in ("passphrase", "again"):
        assert form.query_one(f"#field-{key}", Input).password  # masked
    form.query_one("#field-name", Input).value = name
    form.query_one("#field-role", Select).value = role
    form.query_one("#field-passphrase", Input).value = passphrase
    form.query_one("#field-again", Input).value = again
    form.query_one("#field-again", Input).focus()
    await pilot.press("enter")
    return form


async def test_the_users_are_listed_with_role_and_whether_in_the_vault(app_vault):
    app = stable_app(app_vault)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_users(pilot)
        rows = listed(screen)
        assert list(rows) == list(PASSPHRASES)
        assert rows["t1"][1] == t("role_tally") and rows["t1"][3] == t("users_in_vault")
        assert t("role_examiner") + " 2" in str(screen.query_one("#users-roles", Plain).render())


async def test_an_examiner_added_with_a_strong_passphrase_is_listed_and_can_log_in(app_vault):
    before = head_seq(app_vault)
    app = stable_app(app_vault)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_users(pilot)
        await pilot.press("a")
        await settle(pilot)
        await fill_add_form(pilot, "kg9", "examiner", STRONG, STRONG)
        await wait_until(pilot, lambda: "kg9" in listed(screen), timeout=20)
        assert app.screen is screen
        assert listed(screen)["kg9"][1] == t("role_examiner")
        message = screen.query_one("#step-message", Plain)
        assert message.has_class("-ok") and "kg9" in str(message.render())
    assert head_seq(app_vault) == before + 1
    session = open_session(app_vault, "kg9", STRONG)
    try:
        assert session.role == "examiner"
    finally:
        session.vault.close()


@pytest.mark.parametrize(("passphrase", "again", "key"), [
    (STRONG, STRONG + "x", "passphrase_mismatch"),
    ("1", "1", "passphrase_too_short"),
    ("kg9", "kg9", "passphrase_too_short"),
    ("kg9kg9kg9kg9", "kg9kg9kg9kg9", "passphrase_is_name"),
])
async def test_a_mismatched_or_weak_passphrase_is_refused_and_nothing_appended(app_vault, passphrase, again, key):
    before = head_seq(app_vault)
    app = stable_app(app_vault)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_users(pilot)
        await pilot.press("a")
        await settle(pilot)
        await fill_add_form(pilot, "kg9", "scorer", passphrase, again)
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen) and app.screen.error is not None)
        form = app.screen
        assert str(form.query_one("#form-error", Plain).render()) == t(key, min=users.MIN_LENGTH, user="kg9")
        # the name and role as typed; the passphrases to be typed again
        assert form.query_one("#field-name", Input).value == "kg9"
        assert form.query_one("#field-role", Select).value == "scorer"
        assert form.query_one("#field-passphrase", Input).value == ""
        await pilot.press("escape")
        await settle(pilot)
        assert "kg9" not in listed(screen)
    assert head_seq(app_vault) == before
    with pytest.raises(AuthError):
        open_session(app_vault, "kg9", passphrase)


async def test_my_passphrase_is_changed_typed_twice(app_vault):
    new = "管理员的新口令 2026"
    app = stable_app(app_vault)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_users(pilot)
        await pilot.press("p")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormScreen) and form.query_one("#field-passphrase", Input).password
        form.query_one("#field-passphrase", Input).value = new
        form.query_one("#field-again", Input).value = new
        form.query_one("#field-again", Input).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.query_one("#step-message", Plain).has_class("-ok"), timeout=20)
        assert str(screen.query_one("#step-message", Plain).render()) == t("users_passwd_done", user="admin")
    session = open_session(app_vault, "admin", new)
    session.vault.close()
    with pytest.raises(AuthError):
        open_session(app_vault, "admin", PASSPHRASES["admin"])
