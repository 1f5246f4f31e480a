"""The 加试: an extra stage the committee holds when a tie stands at the cut of a post's
targets. Its scores break that tie alone (``rules/ranking.py``), and are recorded once."""

from __future__ import annotations

from decimal import Decimal

from jz_tui.events.common import post_exists
from jz_tui.rules.ranking import tied_at_cut
from storage.events import decimal, declare, dict_of, name, obj, require, text
from storage.ledger import Record
from storage.projection import SessionState


def may_hold_extra(state: SessionState, post: str) -> list[str]:
    """The candidates of the post tied at the cut, whom a 加试 may settle; refused otherwise."""
    post_exists(state, post)
    require(post not in state.scoring.extra, "extra_already", post=post)
    tied = tied_at_cut(state, post)
    require(bool(tied), "extra_no_tie", post=post)
    return tied


def _check(state: SessionState, record: Record) -> None:
    data = record.data
    tied = may_hold_extra(state, data["post"])
    require(sorted(data["scores"]) == sorted(tied), "extra_not_the_tied", post=data["post"],
            tied=list(tied))


def _apply(state: SessionState, record: Record) -> None:
    state.scoring.extra[record.data["post"]] = dict(record.data["scores"])


declare("extra.import", roles={"admin"},
        body=obj({"post": name, "scores": dict_of(name, decimal(Decimal(0), Decimal(100), places=2), 99),
                  "reason": text(2000, empty=False)}),
        check=_check, apply=_apply,
        doc="The 加试 of the candidates tied at a post's cut, every one of them and no other: its scores "
            "order that tie and nothing else.")
