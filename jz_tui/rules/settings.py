"""The session's rules: defaults from ``data/rules.toml``, overrides from ``config.set`` events.

Keys are dotted paths of leaves (``interview.method``, ``stages.written``,
``democratic.values.satisfied``). Every value is validated here, and the validated form
(numbers as Decimal strings, never floats) is what goes into the ledger. :func:`rules_from`
is a pure function of the overrides: the projection stores facts, this interprets them.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from storage.errors import JzError

DEFAULTS_PATH = Path(__file__).parent.parent / "data" / "rules.toml"
# Tables whose keys are stage names (free: a session adds stages); every other key is fixed.
# ``stages``: weight. The others say more of one stage, each defaulting to what it was before
# they existed: ``stage_decimals`` its places before weighting (else ``ranking.decimals``;
# "none": weighted unrounded), ``full_marks`` its full mark (else 100), ``as_is`` whether it
# is weighted on its own scale rather than converted to 100, ``added`` a stage whose points
# are added to the composite up to this cap (加分, never weighted), ``subscores`` the named
# parts an import carries (行测, 申论) for the tie-break chain.
OPEN_TABLES = ("stages", "stage_decimals", "full_marks", "as_is", "added", "subscores")
# What a ballot looks like: fixed once a box exists (ballots may be printed, cast or entered).
BALLOT_SHAPE_KEYS = ("democratic.ballot", "democratic.names_per_ballot")
NO_ROUNDING = "none"
UNROUNDED_PLACES = 12  # a stage weighted unrounded is carried this exactly (a mean of sheets may not end)


@cache
def defaults() -> dict[str, Any]:
    with DEFAULTS_PATH.open("rb") as fh:
        return flatten(tomllib.load(fh, parse_float=Decimal))


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


# ---------------------------------------------------------------------- validation


class RuleError(JzError):
    pass


def _decimal(key: str, value: Any, low: Decimal | None = None, high: Decimal | None = None) -> str:
    if isinstance(value, bool):
        raise RuleError("rule_not_number", key=key, value=value)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise RuleError("rule_not_number", key=key, value=value) from exc
    if not number.is_finite():
        raise RuleError("rule_not_number", key=key, value=value)
    if (low is not None and number < low) or (high is not None and number > high):
        raise RuleError("rule_out_of_range", key=key, value=value, low=low, high=high)
    return str(number)


def _integer(key: str, value: Any, low: int, high: int) -> int:
    try:
        if isinstance(value, bool):
            raise ValueError
        number = int(str(value).strip())
    except ValueError as exc:
        raise RuleError("rule_not_integer", key=key, value=value) from exc
    if not low <= number <= high:
        raise RuleError("rule_out_of_range", key=key, value=value, low=low, high=high)
    return number


def _choice(*choices: str) -> Callable[[str, Any], str]:
    def check(key: str, value: Any) -> str:
        if value not in choices:
            raise RuleError("rule_not_choice", key=key, value=value, choices=list(choices))
        return value

    return check


def _named_numbers(key: str, value: Any, high: Decimal | None) -> list[list[str]]:
    """A list of ``[name, number]`` pairs: rubric items with maxima, voter groups with weights."""
    if not isinstance(value, list):
        raise RuleError("rule_not_pairs", key=key, value=value)
    pairs, seen = [], set()
    for item in value:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str) and item[0].strip()):
            raise RuleError("rule_not_pairs", key=key, value=value)
        name = item[0].strip()
        if name in seen:
            raise RuleError("rule_duplicate_name", key=key, name=name)
        seen.add(name)
        number = _decimal(key, item[1], Decimal(0), high)
        if Decimal(number) == 0:
            raise RuleError("rule_out_of_range", key=key, value=item[1], low="0 (exclusive)", high=high)
        pairs.append([name, number])
    return pairs


def _boolean(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1"):
        return True
    if text in ("false", "no", "0"):
        return False
    raise RuleError("rule_not_choice", key=key, value=value, choices="true, false")


def _places(key: str, value: Any) -> int | str:
    if str(value).strip().lower() == NO_ROUNDING:
        return NO_ROUNDING
    return _integer(key, value, 0, 6)


def _names(key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RuleError("rule_not_list", key=key, value=value)
    names = [v.strip() for v in value]
    if len(set(names)) != len(names):
        raise RuleError("rule_duplicate_name", key=key, name=next(n for n in names if names.count(n) > 1))
    return names


STAGE_VALIDATORS: dict[str, Callable[[str, Any], Any]] = {
    "stages": lambda k, v: _decimal(k, v, Decimal(0), Decimal(1000)),
    "stage_decimals": _places,
    "full_marks": lambda k, v: _positive(k, v, Decimal(1000)),
    "as_is": _boolean,
    "added": lambda k, v: _positive(k, v, Decimal(1000)),
    "subscores": _names,
}


def _positive(key: str, value: Any, high: Decimal) -> str:
    number = _decimal(key, value, Decimal(0), high)
    if Decimal(number) == 0:
        raise RuleError("rule_out_of_range", key=key, value=value, low="0 (exclusive)", high=high)
    return number


def _tie_breaks(key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleError("rule_not_list", key=key, value=value)
    return list(value)


VALIDATORS: dict[str, Callable[[str, Any], Any]] = {
    "interview.method": _choice("gymnastics", "per_item"),
    "interview.drop_when_at_least": lambda k, v: _integer(k, v, 3, 99),
    "interview.rubric": lambda k, v: _named_numbers(k, v, Decimal(100)),
    "interview.min_if_uncontested": lambda k, v: _decimal(k, v, Decimal(0), Decimal(100)),
    "interview.pass_line": lambda k, v: _decimal(k, v, Decimal(0), Decimal(100)),
    "interview.step": lambda k, v: _decimal(k, v, Decimal("0.01"), Decimal(10)),
    "interview.panels": _choice("one", "per_post"),
    "interview.draw_panels": _boolean,
    "democratic.values.satisfied": lambda k, v: _decimal(k, v, Decimal(0), Decimal(100)),
    "democratic.values.basic": lambda k, v: _decimal(k, v, Decimal(0), Decimal(100)),
    "democratic.values.dissatisfied": lambda k, v: _decimal(k, v, Decimal(0), Decimal(100)),
    "democratic.dissatisfied_max": lambda k, v: _decimal(k, v, Decimal(0), Decimal(1)),
    "democratic.denominator": _choice("valid_marks", "ballots_cast"),
    "democratic.groups": lambda k, v: _named_numbers(k, v, None),
    "democratic.blank_ballot": _choice("valid", "void"),
    "democratic.ballot": _choice("evaluation", "recommendation"),
    "democratic.names_per_ballot": lambda k, v: _integer(k, v, 1, 99),
    "democratic.recommendation_score": _choice("votes", "share"),
    "ranking.targets_per_post": lambda k, v: _integer(k, v, 1, 99),
    "ranking.targets_per_seat": lambda k, v: _integer(k, v, 0, 99),
    "ranking.tie_breaks": _tie_breaks,
    "ranking.tie_break_unrounded": _boolean,
    "ranking.decimals": lambda k, v: _integer(k, v, 0, 6),
    "ranking.composite": _choice("average", "sum"),
    "tally.officers_to_close": lambda k, v: _integer(k, v, 1, 9),
    "tally.shares_to_open": lambda k, v: _integer(k, v, 1, 9),
}


def validate(key: str, value: Any) -> Any:
    """The canonical, JSON-safe form of one setting, or a RuleError naming the key."""
    key = key.strip()
    table, _, leaf = key.partition(".")
    if table in OPEN_TABLES and leaf:
        if not leaf.replace("_", "").isalnum():
            raise RuleError("rule_unknown_key", key=key)
        return STAGE_VALIDATORS[table](key, value)
    validator = VALIDATORS.get(key)
    if validator is None:
        raise RuleError("rule_unknown_key", key=key)
    return validator(key, value)


def validate_changes(changes: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """Validate a set of changes together with the settings they land on."""
    clean = {key.strip(): validate(key, value) for key, value in changes.items()}
    merged = {**current, **clean}
    rules = rules_from(merged)
    if not any(weight > 0 for weight in rules.stages.values()):
        raise RuleError("rule_no_stage", key="stages")
    for stage in rules.tie_breaks:
        base, _, part = stage.partition(".")
        if (base not in rules.stages and base not in rules.added) or (part and part not in rules.subscores.get(base, ())):
            raise RuleError("rule_tie_break_stage", key="ranking.tie_breaks", stage=stage)
    for stage in rules.added:
        if rules.stages.get(stage, Decimal(0)) > 0:  # a stage is weighted or added, never both
            raise RuleError("rule_added_weighted", key="added." + stage, stage=stage)
    if rules.ballot == "recommendation" and rules.recommendation_score == "votes" and rules.groups:
        # votes are counted, not averaged: a group's weight has nothing to weigh (shares it has)
        raise RuleError("rule_recommendation_groups", key="democratic.groups")
    return clean


def parse_cli_value(text: str) -> Any:
    """``--set key=value``: the value as TOML (``[["a", 25]]``, ``"0.30"``, ``5``), else a plain word."""
    try:
        return tomllib.loads(f"v = {text}", parse_float=Decimal)["v"]
    except (ValueError, RecursionError):  # not TOML, an integer of thousands of digits, nesting a thousand deep
        return text.strip()


# ---------------------------------------------------------------------- the interpreted rules


@dataclass(frozen=True)
class Rules:
    stages: dict[str, Decimal]  # stage -> weight (not normalised)
    method: str
    drop_when_at_least: int
    rubric: tuple[tuple[str, Decimal], ...]
    min_if_uncontested: Decimal
    pass_line: Decimal  # any post: an interview below this is excluded (0: no pass line)
    step: Decimal
    values: dict[str, Decimal]  # satisfied / basic / dissatisfied
    dissatisfied_max: Decimal
    denominator: str
    groups: tuple[tuple[str, Decimal], ...]
    blank_ballot: str  # a ballot with no mark at all: "valid" (counted, adds no valid mark) or "void"
    targets_per_post: int
    tie_breaks: tuple[str, ...]  # stages, or "stage.subscore"
    decimals: int  # the composite's places (and a stage's, unless stage_decimals says otherwise)
    officers_to_close: int
    shares_to_open: int
    targets_per_seat: int = 0  # 0: targets_per_post for every post; N: N per seat (职数) of the post
    tie_break_unrounded: bool = False  # the unrounded composite breaks ties before the stage chain
    composite_kind: str = "average"  # "average": Σ weight × score / Σ weight; "sum": Σ weight × score
    stage_decimals: dict[str, int | str] = field(default_factory=dict)
    full_marks: dict[str, Decimal] = field(default_factory=dict)
    as_is: frozenset[str] = frozenset()
    added: dict[str, Decimal] = field(default_factory=dict)  # stage -> cap of the points it adds
    subscores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    panels: str = "one"  # "one": one panel for the session (default: every examiner); "per_post": a panel per post
    draw_panels: bool = False  # panels' members drawn by lot (commit-reveal), never set by hand
    ballot: str = "evaluation"  # "evaluation" (满意/基本满意/不满意) or "recommendation" (民主推荐: names)
    names_per_ballot: int = 1  # recommendation: the most names a valid ballot carries
    recommendation_score: str = "votes"  # recommendation: "votes" (a vote is a point) or "share" (× 100)

    @property
    def active_stages(self) -> list[str]:
        """The weighted stages in rule order, then the added ones."""
        weighted = [name for name, weight in self.stages.items() if weight > 0 and name not in self.added]
        return weighted + [name for name in self.added if name not in weighted]

    @property
    def weighted_stages(self) -> list[str]:
        return [name for name in self.active_stages if name not in self.added]

    def places(self, stage: str) -> int | None:
        """A stage's places before weighting; None: weighted unrounded."""
        places = self.stage_decimals.get(stage, self.decimals)
        return None if places == NO_ROUNDING else int(places)

    def full_mark(self, stage: str) -> Decimal:
        return self.full_marks.get(stage, Decimal(100))

    def targets_for(self, seats: int) -> int:
        return self.targets_per_seat * max(1, seats) if self.targets_per_seat else self.targets_per_post


@cache
def _validated_defaults() -> dict[str, Any]:
    return {key: validate(key, value) for key, value in defaults().items()}


def settings_from(overrides: dict[str, Any]) -> dict[str, Any]:
    """Defaults with the (already validated) overrides laid over them."""
    return {**_validated_defaults(), **overrides}


def rules_of_state(state: Any) -> Rules:
    """The rules in force in a folded state, built once per change of its settings (a fold asks
    for them on every sheet and ballot; ``config.set`` clears the cache)."""
    roster = state.roster
    if roster.rules_cache is None:
        roster.rules_cache = rules_from(roster.settings)
    return roster.rules_cache


def rules_from(overrides: dict[str, Any]) -> Rules:
    s = settings_from(overrides)
    return Rules(
        stages=_table(s, "stages", Decimal),
        method=s["interview.method"],
        drop_when_at_least=int(s["interview.drop_when_at_least"]),
        rubric=tuple((name, Decimal(top)) for name, top in s["interview.rubric"]),
        min_if_uncontested=Decimal(s["interview.min_if_uncontested"]),
        pass_line=Decimal(s["interview.pass_line"]),
        step=Decimal(s["interview.step"]),
        values={
            "satisfied": Decimal(s["democratic.values.satisfied"]),
            "basic": Decimal(s["democratic.values.basic"]),
            "dissatisfied": Decimal(s["democratic.values.dissatisfied"]),
        },
        dissatisfied_max=Decimal(s["democratic.dissatisfied_max"]),
        denominator=s["democratic.denominator"],
        groups=tuple((name, Decimal(w)) for name, w in s["democratic.groups"]),
        blank_ballot=s["democratic.blank_ballot"],
        targets_per_post=int(s["ranking.targets_per_post"]),
        tie_breaks=tuple(s["ranking.tie_breaks"]),
        decimals=int(s["ranking.decimals"]),
        officers_to_close=int(s["tally.officers_to_close"]),
        shares_to_open=int(s["tally.shares_to_open"]),
        targets_per_seat=int(s["ranking.targets_per_seat"]),
        tie_break_unrounded=bool(s["ranking.tie_break_unrounded"]),
        composite_kind=s["ranking.composite"],
        stage_decimals=_table(s, "stage_decimals", lambda v: v if v == NO_ROUNDING else int(v)),
        full_marks=_table(s, "full_marks", Decimal),
        as_is=frozenset(stage for stage, on in _table(s, "as_is", bool).items() if on),
        added=_table(s, "added", Decimal),
        subscores=_table(s, "subscores", tuple),
        panels=s["interview.panels"],
        draw_panels=bool(s["interview.draw_panels"]),
        ballot=s["democratic.ballot"],
        names_per_ballot=int(s["democratic.names_per_ballot"]),
        recommendation_score=s["democratic.recommendation_score"],
    )


def _table(settings: dict[str, Any], table: str, convert: Callable[[Any], Any]) -> dict[str, Any]:
    prefix = table + "."
    return {key[len(prefix):]: convert(value) for key, value in settings.items() if key.startswith(prefix)}
