"""The vault and its people: vault.init, user.add, user.passwd, vault.rekey."""

from __future__ import annotations

from storage.events import ROLES, declare, dict_of, hexstr, integer, list_of, obj, one_of, require, text, user_name
from storage.ledger import Record
from storage.projection import SessionState, UserInfo

_ALL = ROLES


def _check_init(state: SessionState, record: Record) -> None:
    require(record.seq == 1 and state.seq == 0, "event_init_position")
    require(record.data["admin"] == record.actor, "event_init_actor")
    if state.chain is not None:  # the header pins the admin key that created the vault
        require(record.data["public_key"] == state.chain.admin_public_key.hex(), "event_init_key")


def _apply_init(state: SessionState, record: Record) -> None:
    state.session_name = record.data["session"]
    admin = record.data["admin"]
    state.users[admin] = UserInfo(admin, "admin", record.data["public_key"], record.seq,
                                  record.data["box_public_key"])


declare(
    "vault.init", roles={"admin"},
    body=obj({"session": text(200), "admin": user_name, "public_key": hexstr(32), "box_public_key": hexstr(32)}),
    check=_check_init, apply=_apply_init,
    doc="The vault's first event: the session and its first admin, whose key the header pins.",
)


def _check_user_add(state: SessionState, record: Record) -> None:
    new = record.data["name"]
    require(new not in state.users, "user_exists", user=new)
    require(all(u.public_key != record.data["public_key"] for u in state.users.values()), "event_key_reused")


def _apply_user_add(state: SessionState, record: Record) -> None:
    data = record.data
    state.users[data["name"]] = UserInfo(data["name"], data["role"], data["public_key"], record.seq,
                                         data["box_public_key"])


declare(
    "user.add", roles={"admin"},
    body=obj({"name": user_name, "role": one_of(*ROLES), "public_key": hexstr(32), "box_public_key": hexstr(32)}),
    check=_check_user_add, apply=_apply_user_add,
    doc="A new user and their public keys (their key slot is written in the same transaction).",
)


def _check_passwd(state: SessionState, record: Record) -> None:
    require(record.data["name"] == record.actor, "event_passwd_other")


declare(
    "user.passwd", roles=_ALL, body=obj(optional={"slot": hexstr(32)}, required={"name": user_name}),
    check=_check_passwd,
    doc="A user rewrapped their own key slot under a new passphrase (``slot``: the new slot's generation).",
)


def _check_rekey(state: SessionState, record: Record) -> None:
    require(record.data["epoch"] == state.key_epoch + 1, "verify_rekey_chain")
    for removed in record.data["removed"]:
        require(removed in state.users and removed not in state.removed, "user_unknown", user=removed)
        require(removed != record.actor, "rekey_remove_self")


def _apply_rekey(state: SessionState, record: Record) -> None:
    state.key_epoch = record.data["epoch"]
    state.removed.update(record.data["removed"])


declare(
    "vault.rekey", roles={"admin"},
    body=obj({"epoch": integer(1, 10**6), "keys": dict_of(user_name, hexstr(max_bytes=512)),
              "removed": list_of(user_name, unique=True)}),
    check=_check_rekey, apply=_apply_rekey,
    doc="A new data key, sealed to every user but the removed ones.",
)
