"""What a pending action will record, line by line, in words and figures: what a co-signer signs.

:func:`details` is a pure function of the folded state and the action's parameters. It says
each line as a message key for the label, one for the value, and the figures both are
formatted with (``jz_tui.services.pending.details`` puts them into words, withholding a
post's partial counts from a viewer who may not see them). The confirmation of the
signatures screen, ``jz sign --list`` and its ``--json`` all show these lines, and nothing
else says what a signature approves.

The figures are those the action records: an announcement and a close record what the state
adds up to when their last signature lands (``jz_tui.events.pending``: the completion check
holds the parameters equal to :func:`jz_tui.rules.interview.announcement` /
:func:`jz_tui.rules.count.close_record`), so the lines show the parameters and, when the state
no longer adds up to them, a line saying the signature that completes it will be refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import InvalidOperation
from typing import TYPE_CHECKING, Any

from jz_tui.rules.count import close_record, view
from jz_tui.rules.democratic import RECOMMENDATION, percent_text
from jz_tui.rules.interview import announcement, label, sheet_total
from jz_tui.rules.settings import rules_of_state
from storage.errors import JzError

if TYPE_CHECKING:
    from storage.projection import SessionState

HIGH, LOW = "high", "low"  # as the hall's announcement screen marks the dropped sheets


@dataclass(frozen=True)
class Line:
    """One line of what an action records: ``label`` and ``value`` are message keys, both
    formatted with ``params``. ``secret`` names the params that are partial counts of the post
    ``counts_of`` (withheld, as ``jz_tui.services.tally_secrecy`` says, from whoever may not
    see that post's counts before its tally is closed); ``withheld`` is then the value's key
    instead, when even the choice of ``value`` would tell something (above the threshold), and
    ``withheld_label`` the label's (lines withheld alike are then shown once: one line for every
    candidate's counts)."""

    label: str
    value: str
    params: Mapping[str, Any] = field(default_factory=dict)
    counts_of: str | None = None
    secret: tuple[str, ...] = ()
    withheld: str | None = None
    withheld_label: str | None = None


def details(state: SessionState, action: str, params: Mapping[str, Any], *, names: bool = True) -> list[Line]:
    """What the action ``action`` with ``params`` will record, from the state as it stands.

    ``names``: candidates are named by code and name (False: by interview number only, as an
    examiner sees them)."""
    build = _BUILDERS.get(action)
    if build is None or not isinstance(params, Mapping):
        return [Line("sign_label_params", "sign_value_raw", {"value": str(dict(params or {}))})]
    try:
        return build(state, params, names)
    except (KeyError, TypeError, ValueError, AttributeError, InvalidOperation, JzError):
        # parameters a declaration would refuse: say so rather than crash a hall
        return [Line("sign_label_params", "sign_value_raw", {"value": str(dict(params))}),
                Line("sign_label_warning", "sign_value_unreadable")]


# ---------------------------------------------------------------------- helpers


def _candidate_lines(state: SessionState, code: str, names: bool) -> list[Line]:
    """Who: the code and name (and post) of a candidate, or the number only for an examiner."""
    found = state.roster.candidates.get(code)
    if not names:
        return [Line("sign_label_number", "sign_value_text", {"value": label(state, code)})]
    if found is None:
        return [Line("sign_label_candidate", "sign_value_text", {"value": code})]
    lines = [Line("sign_label_candidate", "sign_value_candidate", {"code": found.code, "name": found.name})]
    post = state.roster.posts.get(found.post)
    lines.append(Line("sign_label_post", "sign_value_post",
                      {"post": found.post, "name": post.name if post else ""}))
    return lines


def _local_time(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except (TypeError, ValueError):
        return str(iso)


def _money(value: Any) -> str:
    """A figure as recorded (a decimal in text): kept exactly, never re-rounded."""
    return str(value)


def _total(items: list[Any]) -> str:
    return str(sheet_total([str(v) for v in items]))


# ---------------------------------------------------------------------- each action


def _announce(state: SessionState, params: Mapping[str, Any], names: bool) -> list[Line]:
    code = params["candidate"]
    lines = [Line("sign_label_number", "sign_value_text", {"value": params.get("number") or label(state, code)})]
    if names:
        lines += _candidate_lines(state, code, True)
    # the result first: the figure the hall hears, on the first screenful; then how it was reached
    lines.append(Line("sign_label_result", "sign_value_text", {"value": _money(params["result"])}))
    dropped = list(params.get("dropped", ()))
    marks = dict(zip(dropped, (HIGH, LOW), strict=False))
    for position, sheet in enumerate(params["sheets"], start=1):
        value = {HIGH: "sign_value_sheet_high", LOW: "sign_value_sheet_low"}.get(
            marks.get(sheet["examiner"], ""), "sign_value_sheet_counted")
        lines.append(Line("sign_label_sheet", value,
                          {"n": position, "examiner": sheet["examiner"], "total": _money(sheet["total"])}))
    method = params.get("method", "")
    extremes = bool(params.get("extremes_dropped", bool(dropped) or method == "per_item"))
    method_key = {("per_item", True): "announce_view_method_per_item",
                  ("per_item", False): "announce_view_method_per_item_all",
                  ("gymnastics", True): "announce_view_method_gymnastics"}.get(
        (method, extremes), "announce_view_method_gymnastics_all")
    lines.append(Line("sign_label_method", method_key))
    expected = announcement(state, code, rules_of_state(state))
    if code in state.scoring.announced:
        lines.append(Line("sign_label_warning", "sign_value_already_announced"))
    elif expected != dict(params):
        lines.append(Line("sign_label_warning", "sign_value_announce_changed",
                          {"result": "-" if expected is None else expected["result"]}))
    return lines


def _undo(state: SessionState, params: Mapping[str, Any], names: bool) -> list[Line]:
    code = params["code"]
    lines = _candidate_lines(state, code, names)
    checkin = state.roster.checkins.get(code)
    if checkin is None:
        lines.append(Line("sign_label_checkin", "sign_value_not_checked_in"))
    else:
        lines.append(Line("sign_label_checkin", "sign_value_checkin",
                          {"at": _local_time(checkin.at), "terminal": checkin.terminal or "-", "by": checkin.by,
                           "seq": checkin.seq}))
    lines.append(Line("sign_label_effect", "sign_value_undo_effect"))
    return lines


def _correct(state: SessionState, params: Mapping[str, Any], names: bool) -> list[Line]:
    code, examiner = params["candidate"], params["examiner"]
    lines = [Line("sign_label_number", "sign_value_text", {"value": label(state, code)})]
    if names:
        lines += _candidate_lines(state, code, True)
    lines.append(Line("sign_label_which_sheet", "sign_value_sheet_of", {"examiner": examiner}))
    sheet = state.scoring.sheets.get((code, examiner))
    if sheet is None:
        lines.append(Line("sign_label_old", "sign_value_text", {"value": "-"}))
    else:
        lines.append(Line("sign_label_old", "sign_value_items",
                          {"items": " ".join(map(str, sheet.items)), "total": _total(sheet.items)}))
    items = list(params["items"])
    lines.append(Line("sign_label_new", "sign_value_items", {"items": " ".join(map(str, items)),
                                                            "total": _total(items)}))
    if code in state.scoring.announced:
        lines.append(Line("sign_label_warning", "sign_value_already_announced"))
    return lines


def _disqualify(state: SessionState, params: Mapping[str, Any], names: bool) -> list[Line]:
    lines = _candidate_lines(state, params["code"], names)
    lines.append(Line("sign_label_disqualify_reason", "sign_value_text", {"value": params["reason"]}))
    lines.append(Line("sign_label_effect", "sign_value_disqualify_effect"))
    return lines


def _post_line(state: SessionState, post: str) -> Line:
    found = state.roster.posts.get(post)
    return Line("sign_label_post", "sign_value_post", {"post": post, "name": found.name if found else ""})


def _override(state: SessionState, params: Mapping[str, Any], names: bool) -> list[Line]:
    post = params["post"]
    lines = [_post_line(state, post)]
    tally = state.tally.posts.get(post)
    reconciliation = view(state, post).reconciliation if tally is not None and tally.opened is not None else None
    problems = reconciliation.problems if reconciliation is not None else []
    for problem in problems:
        assert reconciliation is not None
        lines.append(Line("sign_label_problem", problem,
                          {"post": post, "issued": reconciliation.issued, "returned": reconciliation.returned,
                           "valid": reconciliation.valid, "void": reconciliation.void},
                          counts_of=post, secret=("valid", "void")))
    if not problems:
        lines.append(Line("sign_label_problem", "sign_value_no_problem"))
    lines.append(Line("sign_label_effect", "sign_value_override_effect"))
    return lines


_CLOSE_SECRET = ("valid", "void", "electronic")


def _close(state: SessionState, params: Mapping[str, Any], names: bool) -> list[Line]:
    post = params["post"]
    lines = [_post_line(state, post),
             Line("sign_label_box", "sign_value_text", {"value": params["box"]}),
             Line("sign_label_seal", "sign_value_yes" if params["seal_intact"] else "sign_value_no"),
             Line("sign_label_issued", "sign_value_text", {"value": params["issued"]}),
             Line("sign_label_returned", "sign_value_text", {"value": params["returned"]})]
    for key in _CLOSE_SECRET:
        lines.append(Line(f"sign_label_{key}", "sign_value_count", {"count": params[key]},
                          counts_of=post, secret=("count",)))
    candidates = state.roster.candidates
    kind = params.get("ballot")
    if isinstance(kind, Mapping) and kind.get("kind") == RECOMMENDATION:
        return lines + _recommendation_lines(state, params, names)
    for row in params["candidates"]:
        counts = row["counts"]
        figures = {"code": row["code"], "name": candidates[row["code"]].name if names and row["code"] in candidates
                   else "", "satisfied": counts["satisfied"], "basic": counts["basic"],
                   "dissatisfied": counts["dissatisfied"], "blank": counts["blank"],
                   "score": "-" if row["score"] is None else row["score"],
                   "rate": "-" if row["rate"] is None else percent_text(row["rate"])}
        secret = ("satisfied", "basic", "dissatisfied", "blank", "score", "rate")
        lines.append(Line("sign_label_close_candidate", "sign_value_close_counts", figures, post, secret,
                          "sign_value_withheld", "sign_label_close_candidates"))
        for group, by_group in (row.get("by_group") or {}).items():  # voter groups, when the rules weigh them
            lines.append(Line("sign_label_close_group", "sign_value_close_counts",
                              {**figures, "group": group, **{k: by_group[k] for k in secret[:4]}}, post, secret,
                              "sign_value_withheld", "sign_label_close_candidates"))
        lines.append(Line("sign_label_close_result", "sign_value_close_excluded" if row["excluded"]
                          else "sign_value_close_result", figures, post, secret, "sign_value_withheld",
                          "sign_label_close_candidates"))
    return lines + _close_warnings(state, params)


def _close_warnings(state: SessionState, params: Mapping[str, Any]) -> list[Line]:
    post = params["post"]
    tally = state.tally.posts.get(post)
    if tally is not None and tally.closed is not None:
        return [Line("sign_label_warning", "sign_value_already_closed")]
    if tally is None or tally.opened is None or close_record(state, post) != dict(params):
        return [Line("sign_label_warning", "sign_value_close_changed")]
    return []


def _recommendation_lines(state: SessionState, params: Mapping[str, Any], names: bool) -> list[Line]:
    """A recommendation's close: each candidate's votes and score (no rate, nobody excluded)."""
    post, lines = params["post"], []
    candidates = state.roster.candidates
    secret = ("votes", "blank", "score")
    for row in params["candidates"]:
        counts = row["counts"]
        figures = {"code": row["code"], "name": candidates[row["code"]].name if names and row["code"] in candidates
                   else "", "votes": counts.get("votes", 0), "blank": counts.get("blank", 0),
                   "score": "-" if row["score"] is None else row["score"]}
        lines.append(Line("sign_label_close_candidate", "sign_value_recommend_counts", figures, post, secret,
                          "sign_value_withheld", "sign_label_close_candidates"))
        for group, by_group in (row.get("by_group") or {}).items():
            lines.append(Line("sign_label_close_group", "sign_value_recommend_counts",
                              {**figures, "group": group, "votes": by_group.get("votes", 0),
                               "blank": by_group.get("blank", 0)}, post, secret,
                              "sign_value_withheld", "sign_label_close_candidates"))
        lines.append(Line("sign_label_close_result", "sign_value_recommend_result", figures, post, secret,
                          "sign_value_withheld", "sign_label_close_candidates"))
    return lines + _close_warnings(state, params)


def _unseal(state: SessionState, params: Mapping[str, Any], names: bool) -> list[Line]:
    box = state.tally.boxes.get(params["box"])
    if box is None:
        return [Line("sign_label_box", "sign_value_text", {"value": params["box"]}),
                Line("sign_label_warning", "sign_value_box_unknown")]
    posts = [state.roster.posts.get(p) for p in box.posts]
    return [
        Line("sign_label_box", "sign_value_box", {"box": box.id, "seal": box.seal_no}),
        Line("sign_label_posts", "sign_value_text",
             {"value": tuple(f"{p} {post.name}" if post else p for p, post in zip(box.posts, posts, strict=True))}),
        Line("sign_label_officers", "sign_value_officers", {"officers": tuple(box.officers), "k": box.k}),
        Line("sign_label_slips", "sign_value_slips", {"issued": len(box.commitments), "spent": len(box.spent)}),
        Line("sign_label_effect", "sign_value_unseal_effect"),
    ]


def _recuse(state: SessionState, params: Mapping[str, Any], names: bool) -> list[Line]:
    code = params["candidate"]
    lines = [Line("sign_label_number", "sign_value_text", {"value": label(state, code)})]
    if names:
        lines += _candidate_lines(state, code, True)
    lines += [Line("sign_label_recusing", "sign_value_text", {"value": params["examiner"]}),
              Line("sign_label_recuse_reason", "sign_value_text", {"value": params["reason"]}),
              Line("sign_label_effect", "sign_value_recuse_effect", {"examiner": params["examiner"]})]
    if code in state.scoring.announced:
        lines.append(Line("sign_label_warning", "sign_value_already_announced"))
    return lines


_BUILDERS = {
    "announce": _announce,
    "checkin.undo": _undo,
    "sheet.correct": _correct,
    "candidate.disqualify": _disqualify,
    "tally.override": _override,
    "tally.close": _close,
    "box.unseal": _unseal,
    "examiner.recuse": _recuse,
}
