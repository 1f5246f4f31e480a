"""Text from the file never drives the terminal (issue 20, item 1).

Someone with write access forges rows whose actor, user name or body text holds a terminal's
control sequences: a carriage return and ANSI erases that wipe the failure lines and draw
"Verified: ..." over them, a hidden-text attribute, a bidi override, an 8-bit CSI. Every
printing command (``jz verify``, ``jz user list``, ``jz log`` and ``--json``, ``jz sign --list``)
runs in a real terminal (tmux) on that vault: the failure is still on the screen, and the
sequences are shown as escapes. User names outside letters, digits, ``_ - .`` and CJK are
refused at ``jz user add`` and by the declarations, and are a verify failure in the file.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from _storage_helpers import forge_append, insert_user_like, new_key_signer, raw
from _tmux_helpers import SHELL_BACK, TmuxServer, t, terminal_env, then_report
from conftest import PASSPHRASES, WEAK_KDF, jz_executable, make_test_vault

import jz_tui.events  # noqa: F401
from jz_tui.display import is_safe, shown, shown_json
from storage.errors import JzError
from storage.events import Rejected, is_user_name, judge
from storage.ledger import Record
from storage.projection import SessionState

CONCEAL = "\r\x1b[2K\x1b[1A\x1b[2KVerified: 271 events, head 0000\x1b[8m"
BIDI = "note\u202e\x9b2Jevil\x7f"


def _forged_vault(tmp_path: Path) -> Path:
    tv = make_test_vault(tmp_path / "session.jz")
    admin = tv.admin
    path = tv.path
    tv.vault.close()
    sign, _ = new_key_signer()
    with raw(path) as conn:
        # an event whose actor column holds the concealment sequence
        forge_append(conn, "user.passwd", CONCEAL, {"name": "clerk"}, sign, admin.data_key)
        # an admin's own event whose body holds text a terminal would act on
        forge_append(conn, "user.passwd", "admin", {"name": "admin" + BIDI}, admin.sign, admin.data_key)
        # a users row named with the concealment sequence
        insert_user_like(conn, "clerk", name=CONCEAL, added_seq=999)
    return path


def test_shown_escapes_every_control():
    assert shown(CONCEAL) == "\\x0d\\x1b[2K\\x1b[1A\\x1b[2KVerified: 271 events, head 0000\\x1b[8m"
    assert shown(BIDI) == "note\\u202e\\x9b2Jevil\\x7f"
    assert shown("张三 a.b") == "张三 a.b"
    assert is_safe(shown(CONCEAL + BIDI))
    dumped = shown_json(json.dumps({"a": BIDI, "b": [CONCEAL]}, ensure_ascii=False, indent=2))
    assert json.loads(dumped) == {"a": BIDI, "b": [CONCEAL]} and is_safe(dumped.replace("\n", ""))


@pytest.mark.parametrize("good", ["admin", "e1", "t.x-y_z", "张三", "监票人1"])
def test_user_names_allowed(good):
    assert is_user_name(good)


@pytest.mark.parametrize("bad", ["", "a b", "a\x1b[8m", "a\u202eb", "x" * 65, "a/b", "a:b", "é", "a\n"])
def test_user_names_refused(bad, tmp_path):
    assert not is_user_name(bad)
    tv = make_test_vault(tmp_path / "v.jz", users=False)
    try:
        with pytest.raises(JzError) as refused:
            tv.vault.add_user(tv.admin, bad, "clerk", "pw", kdf=WEAK_KDF)
        assert refused.value.key == "user_name_invalid"
    finally:
        tv.vault.close()
    # the declarations refuse it too: append, fold and verify all judge it
    state = SessionState()
    record = Record(2, "user.add", "admin", "", {"name": bad, "role": "clerk", "public_key": "00" * 32,
                                                 "box_public_key": "00" * 32}, b"")
    with pytest.raises(Rejected):
        judge(state, record, "admin")


def test_user_add_refuses_a_name_a_terminal_would_act_on(tmp_path, jz):
    tv = make_test_vault(tmp_path / "v.jz", users=False)
    tv.vault.close()
    env = {"JZ_NEW_PASSPHRASE": "x-pass", "JZ_LANG": "en"}
    done = jz("user", "add", str(tv.path), "a:b", "--role", "clerk", user="admin", env=env)
    assert done.returncode == 1 and t("user_name_invalid", user="a:b") in done.stderr
    done = jz("user", "add", str(tv.path), "a\u202eb", "--role", "clerk", user="admin", env=env)
    assert done.returncode in (1, 2) and "\u202e" not in done.stderr
    done = jz("user", "list", str(tv.path))
    assert [line.split()[0] for line in done.stdout.splitlines()[1:]] == ["admin"]  # nobody was added


def test_a_forged_name_fails_verify(tmp_path, jz):
    path = _forged_vault(tmp_path)
    done = jz("verify", str(path), "--json")
    assert done.returncode == 3
    assert "\x1b" not in done.stdout and "\r" not in done.stdout
    payload = json.loads(done.stdout)
    reasons = {p["reason"] for p in payload["problems"]}
    assert "verify_user_name" in reasons
    # with the passphrase too (and the body's name is refused by the declaration)
    done = jz("verify", str(path), "--json", user="admin")
    assert done.returncode == 3
    assert "verify_user_name" in {p["reason"] for p in json.loads(done.stdout)["problems"]}


COMMANDS = {
    "verify": (["verify", "VAULT"], None),
    "users": (["user", "list", "VAULT"], None),
    "log": (["log", "VAULT"], "admin"),
    "logjson": (["log", "VAULT", "--json"], "admin"),
    "sign": (["sign", "VAULT", "--list", "--json"], "admin"),
}


def test_every_printing_command_in_a_real_terminal(tmp_path):
    path = _forged_vault(tmp_path)
    tmux = TmuxServer()
    try:
        for name, (argv, user) in COMMANDS.items():
            command = [*jz_executable(), *(str(path) if a == "VAULT" else a for a in argv)] + (["--user", user] if user else [])
            script = then_report(shlex.join(command), tmp_path / f"rc-{name}", linger=60)
            env = terminal_env(JZ_PASSPHRASE=PASSPHRASES["admin"])
            tmux.new_session(name, script, env=env, size=(200, 60))
        screens = {name: tmux.wait_for(name, SHELL_BACK) for name in COMMANDS}
    finally:
        tmux.kill()
    verify = screens["verify"]
    # the failure is on the screen, the concealment shown as text
    assert t("verify_failed", count=0).split("0")[0].strip() in verify
    assert "\\x1b[2K" in verify and "✗" in verify
    assert (tmp_path / "rc-verify").read_text().strip() == "3"
    assert "\\x0d\\x1b[2K\\x1b[1A" in screens["users"]
    for name in ("log", "logjson"):
        assert "\\x1b[2K" in screens[name] or "\\u001b[2K" in screens[name], screens[name]
        assert "\\u202e" in screens[name] and "\\u009b" in screens[name] or "\\x9b" in screens[name], screens[name]
        assert (tmp_path / f"rc-{name}").read_text().strip() == "0"
    assert (tmp_path / "rc-sign").read_text().strip() == "0"


def test_a_body_text_holding_controls_is_set_aside(tmp_path, jz):
    """The declarations' ``text`` refuses what a terminal would act on: append, fold and verify."""
    tv = make_test_vault(tmp_path / "v.jz")
    admin = tv.admin
    tv.vault.close()
    with raw(tv.path) as conn:
        seq = forge_append(conn, "candidate.withdraw", "admin", {"code": "A-01", "reason": "left" + CONCEAL},
                           admin.sign, admin.data_key)
    done = jz("verify", str(tv.path), "--json", user="admin")
    assert done.returncode == 3
    problems = json.loads(done.stdout)["problems"]
    assert [(p["seq"], p["reason"]) for p in problems] == [(seq, "event_field")]
    assert "\x1b" not in done.stdout
    record = Record(seq, "candidate.withdraw", "admin", "", {"code": "A-01", "reason": "left\u202e"}, b"")
    with pytest.raises(Rejected) as refused:
        judge(SessionState(), record, "admin")
    assert refused.value.params == {"field": "reason"}
    judge_ok = Record(seq, "candidate.withdraw", "admin", "", {"code": "A-01", "reason": "left\nearly"}, b"")
    with pytest.raises(Rejected) as refused:  # a newline is text: only the candidate is unknown here
        judge(SessionState(), judge_ok, "admin")
    assert refused.value.key != "event_field"


async def test_the_app_shows_a_forged_session_name_escaped(tmp_path):
    """The header's session name is in the clear: a forged one reaches the login screen and every
    screen's header as text (and jz verify fails on the header's signature)."""
    from _app_helpers import log_in, settle
    from textual.widgets import Label

    from jz_tui.apps.app import make_app

    tv = make_test_vault(tmp_path / "v.jz")
    tv.vault.close()
    with raw(tv.path) as conn:
        conn.execute("UPDATE header SET value = ? WHERE key = 'session_name'", ("会话" + CONCEAL,))
    app = make_app(tv.path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        texts = [str(label.render()) for label in app.screen.query(Label)]
        assert any("\\x1b[2K" in text for text in texts) and not any("\x1b" in text for text in texts)
        await log_in(pilot, "admin")
        texts = [str(label.render()) for label in app.screen.query(Label)]
        assert any("\\x1b[2K" in text for text in texts) and not any("\x1b" in text for text in texts)
