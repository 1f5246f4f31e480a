"""The ranking row, specified once: its columns, their headers, their cells.

Every table of a ranking (the board's panels, ``jz public``, the public notice in each
format, and the printed summary and notice) takes its columns from here. A stage label,
a status word, a flag or a score's text is therefore spelled the same everywhere, and a
stage the rules add shows up in all of them at once.

A table is chosen by the keys of its columns (:data:`NOTICE`, :data:`SUMMARY`,
:data:`BOARD`); :data:`STAGES` stands for one column per active stage, in rule order.
Cells are text; :attr:`Column.kind` says what the text is, so a spreadsheet can store a
score as a number and a rank as an integer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from jz_tui.display import shown
from jz_tui.i18n import t, t_or
from jz_tui.rules.democratic import RECOMMENDATION
from jz_tui.rules.settings import Rules
from jz_tui.services.public_view import BoardPost, BoardRow

TEXT, SCORE, RANK = "text", "score", "rank"
STAGES = "stages"  # in a list of keys: one column per active stage
NOTICE = ("post", "post_name", "code", "name", "unit", STAGES, "composite", "rank", "status", "appointment")
SUMMARY = ("rank", "code", "name", "unit", STAGES, "composite", "status")
BOARD = ("rank", "code", "name", "unit", STAGES, "composite", "status")
PUBLIC_TEXT = ("rank", "code", "name", STAGES, "composite", "status")  # ``jz public`` in a terminal


@dataclass(frozen=True)
class Column:
    key: str  # "rank", "code", ... or "stage:<stage>"
    header: str
    kind: str  # TEXT, SCORE or RANK
    cell: Callable[[BoardPost, BoardRow], str]

    @property
    def stage(self) -> str | None:
        return self.key.removeprefix("stage:") if self.key.startswith("stage:") else None


def score_text(value: Decimal | None) -> str:
    """A score as published: the Decimal as the rules rounded it, or empty when there is none."""
    return "" if value is None else str(value)


def stage_label(stage: str, lang: str | None = None, rules: Rules | None = None) -> str:
    """A stage's name: the catalogue's, the democratic stage's by its ballot (测评 or 推荐), else the key."""
    if stage == "democratic" and rules is not None and rules.ballot == RECOMMENDATION:
        return t("stage_democratic_recommendation", lang=lang)
    return t_or("stage_" + stage, stage, lang=lang)


def status_word(status: str, lang: str | None = None) -> str:
    return t("rank_status_" + status, lang=lang)


def status_text(row: BoardRow, lang: str | None = None) -> str:
    """The status and its flags (tie, tie at the cut, moved up), in words."""
    return " ".join([status_word(row.status, lang), *(t("flag_" + flag, lang=lang) for flag in row.flags)])


def stage_value(row: BoardRow, stage: str) -> Decimal | None:
    return dict(row.stages).get(stage)


def _stage_column(stage: str, lang: str | None, rules: Rules) -> Column:
    return Column("stage:" + stage, stage_label(stage, lang, rules), SCORE,
                  lambda _post, row: score_text(stage_value(row, stage)))


def _fixed(lang: str | None, rules: Rules) -> dict[str, Column]:
    return {column.key: column for column in (
        Column("post", t("col_post", lang=lang), TEXT, lambda post, _row: post.code),
        Column("post_name", t("col_post_name", lang=lang), TEXT, lambda post, _row: shown(post.name)),
        Column("rank", t("col_rank", lang=lang), RANK, lambda _post, row: "" if row.rank is None else str(row.rank)),
        Column("code", t("col_code", lang=lang), TEXT, lambda _post, row: row.code),
        Column("name", t("col_name", lang=lang), TEXT, lambda _post, row: shown(row.name)),
        Column("unit", t("col_unit", lang=lang), TEXT, lambda _post, row: shown(row.unit)),
        Column("composite", t("col_composite", lang=lang), SCORE, lambda _post, row: score_text(row.composite)),
        Column("status", t("col_status", lang=lang), TEXT, lambda _post, row: status_text(row, lang)),
        Column("appointment", t("col_appointment", lang=lang), TEXT, lambda _post, row: row.appointment),
        Column("halls", t("col_halls", lang=lang), TEXT, lambda _post, row: halls_text(row.halls, lang, rules)),
    )}


def weights_text(rules: Rules, lang: str | None = None) -> str:
    """How the composite is made, in words: each stage's weight (and full mark), the added points."""
    parts = []
    for stage in rules.weighted_stages:
        top = rules.full_mark(stage)
        key = "weight_of_stage" if top == 100 else "weight_of_stage_full_mark"
        parts.append(t(key, lang=lang, stage=stage_label(stage, lang, rules), weight=rules.stages[stage], top=top))
    parts += [t("weight_of_added_stage", lang=lang, stage=stage_label(stage, lang, rules), cap=cap)
              for stage, cap in rules.added.items()]
    summed = [t("weights_summed", lang=lang)] if rules.composite_kind == "sum" else []
    return "  ".join(parts + summed)


def halls_text(halls: tuple[tuple[str, str], ...], lang: str | None = None, rules: Rules | None = None) -> str:
    return "; ".join(f"{stage_label(stage, lang, rules)} {shown(hall)}" for stage, hall in halls)


def columns(keys: Sequence[str], rules: Rules, lang: str | None = None) -> list[Column]:
    """The columns of ``keys`` in that order, :data:`STAGES` expanded to the rules' active stages."""
    fixed = _fixed(lang, rules)
    result: list[Column] = []
    for key in keys:
        if key == STAGES:
            result += [_stage_column(stage, lang, rules) for stage in rules.active_stages]
        else:
            result.append(fixed[key])
    return result


def notice_keys(posts: Iterable[BoardPost]) -> tuple[str, ...]:
    """The notice's columns: results imported from other halls also say which hall."""
    from_halls = any(row.halls for post in posts for row in post.rows)
    return (*NOTICE, "halls") if from_halls else NOTICE


def cells(columns_: Sequence[Column], post: BoardPost, row: BoardRow) -> list[str]:
    return [column.cell(post, row) for column in columns_]


def table(columns_: Sequence[Column], posts: Iterable[BoardPost]) -> list[list[str]]:
    """Every row of every post, in the order the posts give them."""
    return [cells(columns_, post, row) for post in posts for row in post.rows]
