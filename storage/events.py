"""Event kinds: how each kind of event is declared, and the one judgement every event passes.

A kind is declared once (in ``jz_tui/events/``), with everything about it: its typed body,
the roles that may emit it, its preconditions against the state before it, and its effect
on the state. :func:`judge` runs that declaration, and it is the only thing that does:

* on append, inside the write transaction, against the state folded up to the head
  (``Session.append``): a refused event is never written;
* on every fold behind a screen or a command (``SessionState.apply``): an event that fails
  is set aside, named by its seq, and changes nothing;
* in ``jz verify``, which folds the whole ledger the same way and reports what was set aside.

Storage holds the mechanism and the state's data; the declarations live with the domain
rules they need (``jz_tui/events``), and register themselves here when imported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from .errors import JzError

if TYPE_CHECKING:
    from .ledger import Record
    from .projection import SessionState


ROLES: tuple[str, ...] = ("admin", "clerk", "examiner", "scorer", "tally", "supervisor")


class Rejected(JzError):
    """An event whose meaning its kind's declaration does not allow.

    A ``JzError``: on append the service's caller sees it as any other refusal (exit 1,
    one sentence); on a fold it is kept with the event's seq and shown as what was wrong.
    """


# ---------------------------------------------------------------------- typed bodies
#
# A field spec is a function ``(value, path) -> None`` that raises ``Rejected("event_field")``
# naming the path of the first field that is not what the kind says. Specs are plain
# closures: a fold checks every body of the session with them, so they must be cheap.

Spec = Callable[[Any, str], None]


def _bad(path: str) -> Rejected:
    return Rejected("event_field", field=path or "-")


# What a terminal acts on: C0 but tab and newline, DEL, C1, bidi marks, embeddings, overrides and
# isolates, line and paragraph separators, the BOM. No text in a body holds one (jz_tui.display
# escapes the same set, and the newline, wherever text from the file is shown).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


def has_terminal_controls(value: str) -> bool:
    """Whether ``value`` holds a character a terminal would act on (tab and newline excepted)."""
    return _CONTROL.search(value) is not None


def text(max_len: int = 2000, empty: bool = True) -> Spec:
    def check(value: Any, path: str) -> None:
        if type(value) is not str or len(value) > max_len or (not empty and not value.strip()) \
                or _CONTROL.search(value):
            raise _bad(path)
    return check


_NAME = re.compile(r"[0-9A-Za-z_.\-]{1,64}")


def name(value: Any, path: str) -> None:
    """A code, an id or a user name: short, no spaces, nothing a terminal would act on."""
    if type(value) is not str or (not _NAME.fullmatch(value) and not _plain_name(value)):
        raise _bad(path)


def _plain_name(value: str) -> bool:
    return 0 < len(value) <= 64 and all(ch.isprintable() and not ch.isspace() for ch in value)


# A user's login name: letters, digits, "_", "-", "." and CJK ideographs, nothing else. It is in
# the clear in the ledger's actor column and the users table, and printed by every command.
_USER_NAME = re.compile("[0-9A-Za-z_.\\-\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]{1,64}")


def is_user_name(value: object) -> bool:
    return type(value) is str and _USER_NAME.fullmatch(value) is not None


def user_name(value: Any, path: str) -> None:
    """A user's name (see :func:`is_user_name`): in vault.init, user.add and wherever a body names a user."""
    if not is_user_name(value):
        raise _bad(path)


def integer(low: int = 0, high: int = 10**9) -> Spec:
    def check(value: Any, path: str) -> None:
        if type(value) is not int or not low <= value <= high:
            raise _bad(path)
    return check


def boolean(value: Any, path: str) -> None:
    if type(value) is not bool:
        raise _bad(path)


def decimal(low: Decimal = Decimal(0), high: Decimal = Decimal(100), places: int = 4) -> Spec:
    """A score as a decimal string ("85.5"), never a float."""
    def check(value: Any, path: str) -> None:
        if type(value) is not str or len(value) > 24:
            raise _bad(path)
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise _bad(path) from None
        if not number.is_finite() or not low <= number <= high or -number.as_tuple().exponent > places:
            raise _bad(path)
    return check


def hexstr(nbytes: int | None = None, max_bytes: int = 4096) -> Spec:
    def check(value: Any, path: str) -> None:
        if type(value) is not str or len(value) % 2 or (nbytes is not None and len(value) != 2 * nbytes) \
                or len(value) > 2 * max_bytes:
            raise _bad(path)
        try:
            bytes.fromhex(value)
        except ValueError:
            raise _bad(path) from None
    return check


def one_of(*values: Any) -> Spec:
    allowed = frozenset(values)

    def check(value: Any, path: str) -> None:
        if type(value) not in (str, int, bool) or value not in allowed:
            raise _bad(path)
    return check


def list_of(item: Spec, max_len: int = 100_000, min_len: int = 0, unique: bool = False) -> Spec:
    def check(value: Any, path: str) -> None:
        if type(value) is not list or not min_len <= len(value) <= max_len:
            raise _bad(path)
        for index, element in enumerate(value):
            item(element, f"{path}[{index}]")
        if unique and len(set(map(_hashable, value))) != len(value):
            raise _bad(path)
    return check


def dict_of(key: Spec, value: Spec, max_len: int = 100_000) -> Spec:
    def check(data: Any, path: str) -> None:
        if type(data) is not dict or len(data) > max_len:
            raise _bad(path)
        for k, v in data.items():
            key(k, f"{path}.<key>")
            value(v, f"{path}.{k}")
    return check


def obj(required: dict[str, Spec], optional: dict[str, Spec] | None = None) -> Spec:
    """A JSON object with exactly these fields (the optional ones may be absent); no others."""
    optional = optional or {}
    known = set(required) | set(optional)

    required_items = tuple(required.items())  # a body is checked on every fold: no per-call allocation
    optional_items = tuple(optional.items())

    def check(data: Any, path: str) -> None:
        if type(data) is not dict:
            raise _bad(path)
        for field, spec in required_items:
            if field not in data:
                raise _bad(f"{path}.{field}" if path else field)
            spec(data[field], f"{path}.{field}" if path else field)
        for field, spec in optional_items:
            if field in data:
                spec(data[field], f"{path}.{field}" if path else field)
        if len(data) > len(required) and not data.keys() <= known:
            extra = sorted(set(data) - known)[0]
            raise _bad(f"{path}.{extra}" if path else extra)
    return check


def json_value(value: Any, path: str) -> None:
    """Any JSON value: for a payload whose meaning the kind's check reads itself."""


def _hashable(value: Any) -> Any:
    return value if isinstance(value, (str, int, bool)) else repr(value)


# ---------------------------------------------------------------------- kinds

Check = Callable[["SessionState", "Record"], None]
Effect = Callable[["SessionState", "Record"], None]


@dataclass(frozen=True)
class EventKind:
    """Everything about one kind of event."""

    name: str
    roles: frozenset[str]  # roles that may emit it
    body: Spec  # the typed body
    check: Check | None  # preconditions against the state before it; raises Rejected
    apply: Effect | None  # its effect on the state (runs only after the check passed)
    doc: str = ""


KINDS: dict[str, EventKind] = {}


def declare(name: str, *, roles: Iterable[str], body: Spec, check: Check | None = None,
            apply: Effect | None = None, doc: str = "") -> EventKind:
    kind = EventKind(name, frozenset(roles), body, check, apply, doc)
    if name in KINDS and KINDS[name] != kind:
        raise RuntimeError(f"event kind {name!r} declared twice")
    KINDS[name] = kind
    return kind


def may_emit(role: str, kind: str) -> bool:
    declared = KINDS.get(kind)
    return declared is not None and role in declared.roles


def judge(state: SessionState, record: Record, role: str | None) -> EventKind:
    """The declaration's verdict on ``record`` against ``state`` (the state before it).

    ``role``: the actor's role as the ledger made it (None: not a user at that point).
    Returns the kind when the event is allowed; raises :class:`Rejected` naming why not.
    """
    kind = KINDS.get(record.kind)
    if kind is None:
        raise Rejected("event_kind_unknown", kind=record.kind)
    if role is None:
        raise Rejected("event_actor_unknown", actor=record.actor)
    if role not in kind.roles:
        raise Rejected("not_authorised", user=record.actor, role=role, kind=record.kind)
    kind.body(record.data, "")
    if kind.check is not None:
        kind.check(state, record)
    return kind


def require(condition: bool, key: str, **params: object) -> None:
    """Raise ``Rejected(key)`` unless ``condition``: the declarations' one-line precondition."""
    if not condition:
        raise Rejected(key, **params)
