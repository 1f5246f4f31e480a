"""What each printed form holds (``jz print``): the examiner's score sheet (面试评分表), the
democratic-evaluation ballot (民主测评票), the tally record (计票结果报告单), the score summary
(成绩汇总表) and the public notice (公示).

A form is plain data (:class:`Form`: pages of lines, tables, signature lines, a footer and
a QR text), built here from the folded state and drawn by :mod:`jz_tui.services.pdf`. The
text is the catalogue's, in the user's language; every figure is a string already
formatted from a Decimal. Who may print what follows DESIGN.md §1:

- blank ballots and score sheets: admin, tally, scorer (printed before the vote and the
  interview: a ballot holds the roster of the post and nothing recorded after it; a sheet
  holds the rubric and the candidate's interview number, never a name);
- the tally record: once the tally is closed (admin, scorer, tally, supervisor), or before,
  as a draft, for the box's own officers;
- the summary and the notice: admin, scorer, supervisor.

Records that can be checked against ``jz verify`` (tally, summary, notice) carry the admin
key's fingerprint and the ledger head they were made from, as text and as a QR code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from jz_tui.i18n import language, t, t_or
from jz_tui.rules.democratic import RECOMMENDATION, percent_text
from jz_tui.rules.settings import rules_from
from jz_tui.services import ballots, public_view, publication, ranking_table, sheets
from jz_tui.services.session import Session
from storage import crypto
from storage.errors import AuthorityError, JzError
from storage.files import private_dir
from storage.ledger import short_hash
from storage.projection import PendingAction, SessionState

FORMS = ("sheet", "ballot", "tally", "summary", "notice")
PRINTERS = {
    "sheet": ("admin", "tally", "scorer"),
    "ballot": ("admin", "tally", "scorer"),
    "tally": ("admin", "scorer", "tally", "supervisor"),
    "summary": ("admin", "scorer", "supervisor"),
    "notice": ("admin", "scorer", "supervisor"),
}
BOX = "\u25a1"  # a cell the drawing renders as an empty square to tick
MAX_COPIES = 2000  # ballots at one print: more is a typing error


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    widths: list[float]  # relative column widths
    height: float = 0  # a row's height in points (0: as the text needs)


@dataclass
class Page:
    title: str
    lines: list[str] = field(default_factory=list)  # under the title: session, post, ...
    blocks: list[Table | str] = field(default_factory=list)  # tables and paragraphs, in order
    signatures: list[str] = field(default_factory=list)  # a label per signature line
    footer: list[str] = field(default_factory=list)
    qr: str = ""  # the QR code's text (empty: none)


@dataclass
class Form:
    kind: str
    title: str  # the document's title (PDF metadata)
    pages: list[Page]
    head: str = ""  # the ledger head (hex) a record was made from; empty for blank forms
    landscape: bool = False


# ---------------------------------------------------------------------- who, and which post


def check_printer(session: Session, form: str) -> None:
    if form not in FORMS:
        raise JzError("paper_form_unknown", form=form, forms=list(FORMS))
    if session.role not in PRINTERS[form]:
        raise AuthorityError("paper_not_allowed", user=session.user, role=t("role_" + session.role),
                             form=t("paper_form_" + form))


def _post(state: SessionState, post: str | None, form: str) -> str:
    if not post:
        raise JzError("paper_post_needed", form=t("paper_form_" + form))
    code = post.strip().upper()
    if code not in state.roster.posts:
        raise JzError("post_unknown", post=code)
    if not state.roster.posts[code].open:
        raise JzError("box_post_not_open", post=code)
    return code


def _post_line(state: SessionState, post: str) -> str:
    return t("paper_line_post", code=post, name=state.roster.posts[post].name)


def _session_line(state: SessionState) -> str:
    return t("paper_line_session", session=state.session_name)


def _record_footer(session: Session, form: str) -> tuple[list[str], str]:
    """The fingerprint and head as text, and the QR text, of a record made now."""
    state, vault = session.state, session.vault
    head = state.head_hash.hex()
    lines = [t("paper_footer_fingerprint", fingerprint=vault.admin_fingerprint),
             t("paper_footer_head", seq=state.seq, head=head),
             t("paper_footer_check", short=short_hash(state.head_hash))]
    return lines, f"JZ-{form.upper()}:{vault.admin_fingerprint.replace(' ', '')}:{state.seq}:{head}"


# ---------------------------------------------------------------------- the forms


def build(session: Session, form: str, post: str | None = None, candidate: str | None = None,
          count: int | None = None) -> Form:
    """The form as it will be printed, or a refusal (role, post, state) naming why."""
    check_printer(session, form)
    session.refresh()
    builder = {"sheet": _sheet, "ballot": _ballot, "tally": _tally, "summary": _summary, "notice": _notice}[form]
    return builder(session, post, candidate, count)


def _sheet(session: Session, post: str | None, candidate: str | None, _count: int | None) -> Form:
    state = session.state
    rules = rules_from(state.roster.settings)
    if candidate:
        code = sheets.resolve(state, candidate)
        post = state.roster.candidates[code].post
        codes = [code]
    else:
        post = _post(state, post, "sheet")
        numbers = state.roster.interview_numbers()
        draw = state.roster.draws.get(post)
        order = draw.order if draw is not None and draw.order else []
        rest = [c.code for c in state.roster.candidates_of(post) if c.code not in order and c.withdrawn is None]
        codes = [c for c in order if c in numbers] + rest
        if not codes:
            raise JzError("paper_no_candidates", post=post)
    pages = []
    for code in codes:
        if rules.rubric:
            rows = [[name, str(top), ""] for name, top in rules.rubric]
            rows.append([t("paper_sheet_total"), str(sum(top for _, top in rules.rubric)), ""])
        else:
            rows = [[t("paper_sheet_total"), "100", ""]]
        pages.append(Page(
            t("paper_title_sheet"),
            [_session_line(state), _post_line(state, post),
             t("paper_line_number", number=sheets.label(state, code)),
             t("paper_line_method", method=t("paper_method_" + rules.method))],
            [Table([t("paper_col_item"), t("paper_col_max"), t("paper_col_mark")], rows, [5, 1.5, 2.5], height=30),
             t("paper_sheet_instructions", step=rules.step)],
            [t("paper_sign_examiner"), t("paper_sign_scorer")],
            [t("paper_footer_blank")],
        ))
    return Form("sheet", t("paper_title_sheet"), pages)


def ballot_copies(state: SessionState, post: str, count: int | None) -> int:
    """How many ballots to print: asked, else the number issued at the box if known, else 1."""
    if count is not None:
        if not 1 <= count <= MAX_COPIES:
            raise JzError("paper_count_range", max=MAX_COPIES)
        return count
    tally = state.tally.posts.get(post)
    issued = int(tally.opened["issued"]) if tally is not None and tally.opened is not None else 0
    return max(1, min(issued, MAX_COPIES))


def _ballot(session: Session, post: str | None, _candidate: str | None, count: int | None) -> Form:
    state = session.state
    post = _post(state, post, "ballot")
    candidates = state.roster.candidates_of(post)  # code order: the order the tally enters the marks in
    if not candidates:
        raise JzError("paper_no_candidates", post=post)
    copies = ballot_copies(state, post, count)
    rules = rules_from(state.roster.settings)
    if rules.ballot == RECOMMENDATION:  # 民主推荐: one box per candidate, and how many may be named
        rows = [[str(i), c.code, c.name, c.unit, BOX] for i, c in enumerate(candidates, start=1)]
        table = Table([t("paper_col_no"), t("paper_col_code"), t("paper_col_name"), t("paper_col_unit"),
                       t("paper_mark_recommend")], rows, [0.7, 1.6, 1.8, 3.2, 1.6], height=24)
        title = t("paper_title_recommendation")
        page = Page(title, [_session_line(state), _post_line(state, post)],
                    [t("paper_recommendation_instructions", names=rules.names_per_ballot), table,
                     t("paper_ballot_return")])
        return Form("ballot", title, [page] * copies)
    rows = [[str(i), c.code, c.name, c.unit, BOX, BOX, BOX] for i, c in enumerate(candidates, start=1)]
    table = Table([t("paper_col_no"), t("paper_col_code"), t("paper_col_name"), t("paper_col_unit"),
                   t("paper_mark_satisfied"), t("paper_mark_basic"), t("paper_mark_dissatisfied")],
                  rows, [0.7, 1.6, 1.6, 2.6, 1.4, 1.4, 1.5], height=24)
    page = Page(t("paper_title_ballot"), [_session_line(state), _post_line(state, post)],
                [t("paper_ballot_instructions"), table, t("paper_ballot_return")])
    return Form("ballot", t("paper_title_ballot"), [page] * copies)


def rule_percent(value: Decimal) -> str:
    """A rule's fraction as the percentage it says, every digit kept and no more: 0.30 is 30%."""
    return f"{(Decimal(value) * 100).normalize():f}%"


def _done(state: SessionState, action: str, post: str) -> list[PendingAction]:
    """The actions of this kind about the post that took effect, in the order they did."""
    done = [p for p in state.pending.values() if p.action == action and p.params.get("post") == post and p.done]
    return sorted(done, key=lambda p: p.done_seq or 0)


def ledger_signatures(session: Session, action: PendingAction) -> dict[str, int]:
    """The event each signature of an action was recorded at: its starter's ``pending.create``,
    each other signer's ``pending.sign`` (read from the ledger: the state keeps who, not where)."""
    seqs = {action.created_by: action.created_seq}
    signers = {user for user, _ in action.signatures} - set(seqs)
    set_aside = {r.seq for r in session.state.rejected}
    last = action.done_seq if action.done_seq is not None else session.state.seq
    for event in session.vault.events(action.created_seq):
        if event.seq > last or not signers:
            break
        if event.kind != "pending.sign" or event.actor not in signers or event.seq in set_aside:
            continue
        try:
            data = session.record_of(event).data
        except (crypto.CryptoError, ValueError, KeyError):
            continue  # a body this user cannot open: that signature is shown without its event
        if isinstance(data, dict) and data.get("id") == action.id:
            seqs[event.actor] = event.seq
            signers.discard(event.actor)
    return seqs


def _signed(seqs: dict[str, int], user: str) -> str:
    return t("paper_signed", seq=seqs[user]) if user in seqs else t("paper_signed_somewhere")


def _tally(session: Session, post: str | None, _candidate: str | None, _count: int | None) -> Form:
    state = session.state
    post = _post(state, post, "tally")
    tally, box = state.tally.posts.get(post), state.tally.box_of(post)
    if box is None:  # no box, or the post was counted (and is printed) in another hall
        raise JzError("tally_no_box", post=post)
    officer = session.role == "tally" and session.user in box.officers
    if tally.closed is None and not officer:
        raise JzError("paper_tally_open", post=post)
    if tally.closed is None and tally.opened is None:
        raise JzError("tally_not_open", post=post)
    record = tally.closed or ballots.close_record(state, post)
    rules = rules_from(state.roster.settings)
    names = {c.code: c.name for c in state.roster.candidates_of(post)}
    recommendation = (record.get("ballot") or {}).get("kind") == RECOMMENDATION
    rows = []
    for entry in record["candidates"]:
        counts = entry["counts"]
        rate = entry.get("rate")
        if recommendation:  # votes and the score: a recommendation has no rate
            rows.append([entry["code"], names.get(entry["code"], ""), str(counts.get("votes", 0)),
                         str(counts.get("blank", 0)), entry.get("score") or "—"])
            continue
        rows.append([entry["code"], names.get(entry["code"], ""),
                     *(str(counts.get(k, 0)) for k in ("satisfied", "basic", "dissatisfied", "blank")),
                     entry.get("score") or "—", "—" if rate is None else percent_text(rate)])
    seal = t("paper_seal_intact") if record["seal_intact"] else t("paper_seal_broken")
    lines = [_session_line(state), _post_line(state, post),
             t("paper_line_box", box=box.id, seal_no=box.seal_no, seal=seal),
             t("paper_line_reconcile", issued=record["issued"], returned=record["returned"], valid=record["valid"],
               void=record["void"], electronic=record["electronic"])]
    if record.get("withdrawn") is not None:  # entries taken out before the close: neither valid nor void
        lines.append(t("paper_line_withdrawn", withdrawn=record["withdrawn"]))
    for override in _done(state, "tally.override", post):
        seqs = ledger_signatures(session, override)
        signers = [user for user, _ in override.signatures if user != override.created_by]
        lines.append(t("paper_line_override", reason=override.reason,
                       starter=t("paper_event_of", user=override.created_by, seq=override.created_seq),
                       signers=t("paper_list_sep").join(
                           t("paper_event_of", user=u, seq=seqs[u]) if u in seqs else u for u in signers)))
    if tally.closed is None:
        lines.insert(0, t("paper_tally_draft"))
    if recommendation:
        kind = record["ballot"]
        table = Table([t("paper_col_code"), t("paper_col_name"), t("paper_col_votes"), t("paper_col_not_named"),
                       t("paper_col_recommendation_score")], rows, [1.8, 1.8, 1.2, 1.2, 1.4])
        note = t("paper_recommendation_note_share" if kind.get("score") == "share"
                 else "paper_recommendation_note_votes", names=kind.get("names", 1))
    else:
        table = Table([t("paper_col_code"), t("paper_col_name"), t("paper_mark_satisfied"), t("paper_mark_basic"),
                       t("paper_mark_dissatisfied"), t("paper_col_blank"), t("paper_col_score"), t("paper_col_rate")],
                      rows, [1.8, 1.8, 1, 1.2, 1.1, 1, 1.2, 1.2])
        note = t("paper_tally_note", threshold=rule_percent(rules.dissatisfied_max))
    closes = _done(state, "tally.close", post) if tally.closed is not None else []
    close = closes[-1] if closes else None
    seqs = ledger_signatures(session, close) if close is not None else {}
    signed = {user for user, _ in close.signatures} if close is not None else set()
    signatures = [t("paper_sign_officer", user=o, signed=_signed(seqs, o) if o in signed else "") for o in box.officers]
    supervisors = [u for u, role in (close.signatures if close is not None else []) if role == "supervisor"]
    signatures += [t("paper_sign_supervisor", user=u, signed=_signed(seqs, u)) for u in supervisors] \
        or [t("paper_sign_supervisor_blank")]
    footer, qr = _record_footer(session, "tally")
    page = Page(t("paper_title_tally"), lines,
                [table, note], signatures, footer, qr)
    return Form("tally", t("paper_title_tally"), [page], head=state.head_hash.hex())


def _summary(session: Session, post: str | None, candidate: str | None, _count: int | None) -> Form:
    """The score summary of each post: the jury's ranking, in the ranking row's columns."""
    state = session.state
    if candidate:
        return _interview_summary(session, sheets.resolve(state, candidate))
    rules = rules_from(state.roster.settings)
    wanted = [_post(state, post, "summary")] if post else None
    columns = ranking_table.columns(ranking_table.SUMMARY, rules)
    pages = []
    for ranked in public_view.board_posts(state, public=False, posts=wanted, rules=rules):
        table = Table([column.header for column in columns], ranking_table.table(columns, [ranked]),
                      _widths(columns))
        weights = ranking_table.weights_text(rules)
        lines = [_session_line(state), _post_line(state, ranked.code), t("paper_line_weights", weights=weights)]
        if not ranked.complete:  # ranks of a post still counting are provisional: say so on the paper
            lines.append(t("paper_summary_provisional"))
        footer, qr = _record_footer(session, "summary")
        pages.append(Page(t("paper_title_summary"), lines, [table], _officials(), footer, qr))
    if not pages:
        raise JzError("paper_no_candidates", post=post or "-")
    return Form("summary", t("paper_title_summary"), pages, head=state.head_hash.hex(), landscape=True)


COLUMN_WIDTHS = {  # relative widths of the ranking row's columns on paper
    "post": 1.1, "post_name": 2, "rank": 0.8, "code": 1.8, "name": 1.5, "unit": 2.4, "composite": 1.2,
    "status": 1.8, "appointment": 2.4, "halls": 2,
}
STAGE_WIDTH = 1.1


def _widths(columns: list[ranking_table.Column]) -> list[float]:
    return [STAGE_WIDTH if column.stage else COLUMN_WIDTHS[column.key] for column in columns]


def _stage_name(stage: str) -> str:
    return t_or("stage_" + stage, stage)


def _officials() -> list[str]:
    return [t("paper_sign_scorer"), t("paper_sign_checker"), t("paper_sign_supervisor_blank")]


def _interview_summary(session: Session, code: str) -> Form:
    """One candidate's interview (亮分): every sheet total, which were dropped, the result."""
    state = session.state
    announced = state.scoring.announced.get(code)
    if announced is None:
        raise JzError("paper_not_announced", ref=sheets.label(state, code))
    dropped = list(announced.get("dropped", []))
    rows = []
    for number, sheet in enumerate(announced["sheets"], start=1):
        mark = ""
        if sheet["examiner"] in dropped:
            dropped.remove(sheet["examiner"])
            mark = t("paper_dropped")
        rows.append([str(number), sheet["examiner"], sheet["total"], mark])
    post = state.roster.candidates[code].post
    footer, qr = _record_footer(session, "summary")
    page = Page(t("paper_title_interview"),
                [_session_line(state), _post_line(state, post), t("paper_line_number", number=announced["number"]),
                 t("paper_line_method", method=t("paper_method_" + announced["method"]))],
                [Table([t("paper_col_no"), t("paper_col_examiner"), t("paper_col_total"), t("paper_col_dropped")],
                       rows, [0.8, 2.5, 1.5, 1.5]),
                 t("paper_line_result", result=announced["result"])],
                _officials(), footer, qr)
    return Form("summary", t("paper_title_interview"), [page], head=state.head_hash.hex())


def _notice(session: Session, post: str | None, _candidate: str | None, _count: int | None) -> Form:
    """The public notice: the public result (frozen or live), the same table as ``jz export``, with its QR."""
    code = _post(session.state, post, "notice") if post else None
    result = public_view.public_result(session, posts=[code] if code else None, lang=language())
    notice = publication.build_notice(result, session.vault)
    columns = ranking_table.columns(ranking_table.notice_keys(result.posts), rules_from(result.state.roster.settings))
    meta = notice.meta
    footer = [t("paper_footer_fingerprint", fingerprint=meta["admin_fingerprint"]),
              t("paper_footer_head", seq=meta["head_seq"], head=meta["head"]),
              t("paper_notice_period")]
    blocks: list[Table | str] = [Table(notice.header, notice.rows, _widths(columns)), t("paper_notice_intro")]
    if result.unfinished:
        blocks.insert(1, t("export_unfinished", posts=list(result.unfinished)))
    page = Page(t("paper_title_notice", session=meta["session"]), [], blocks,
                [t("paper_sign_organisation")], footer, publication.qr_text(meta))
    return Form("notice", t("paper_title_notice", session=meta["session"]), [page], head=meta["head"], landscape=True)


# ---------------------------------------------------------------------- writing


def write(session: Session, form: str, out: str | Path, post: str | None = None, candidate: str | None = None,
          count: int | None = None) -> Form:
    """Build the form and draw it into ``out`` (a PDF); a refusal writes nothing. The form is
    returned as drawn: one page a sheet (a page too long for one is split), so ``len(pages)``
    is the number of pages written."""
    from jz_tui.services import pdf  # noqa: PLC0415 - reportlab is loaded only to print

    return pdf.draw(build(session, form, post, candidate, count), Path(out))


def default_path(vault_path: str | Path, form: str, post: str | None = None, candidate: str | None = None,
                 seq: int = 0) -> Path:
    """Where a screen writes a form: ``<vault dir>/prints/<form>-<post or candidate>-<seq>.pdf``."""
    folder = Path(vault_path).resolve().parent / "prints"
    private_dir(folder)
    what = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in (candidate or post or "all"))
    return folder / f"{form}-{what}-{seq}.pdf"


__all__ = ["BOX", "FORMS", "PRINTERS", "Form", "Page", "Table", "build", "check_printer", "default_path",
           "ledger_signatures", "rule_percent", "write"]
