"""``jz init``, ``jz user``, ``jz verify``, ``jz log``, ``jz backup``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from jz_tui.cli.common import EXIT_TAMPERED, Misuse, emit, login, read_new_passphrase, read_passphrase
from jz_tui.display import shown_json, text_table
from jz_tui.i18n import local_time, t, t_or
from jz_tui.progress import progress_line
import jz_tui.events  # noqa: F401  (verify folds through every kind's declaration)
from jz_tui.services import publication, tally_secrecy, users
from storage import crypto
from storage import verify as verifier
from storage.events import ROLES
from storage.errors import JzError
from storage.ledger import short_hash
from storage.vault import Vault


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("init", parents=[parent], help="create a vault")
    p.add_argument("vault")
    p.add_argument("--session", required=True, help="session name")
    p.add_argument("--admin", required=True, help="the first admin's user name")
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("user", help="users and passphrases")
    user_sub = p.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    q = user_sub.add_parser("add", parents=[parent], help="add a user (admin)")
    q.add_argument("vault")
    q.add_argument("name")
    q.add_argument("--role", required=True, choices=ROLES)
    q.set_defaults(handler=cmd_user_add)
    q = user_sub.add_parser("passwd", parents=[parent], help="change your passphrase")
    q.add_argument("vault")
    q.set_defaults(handler=cmd_user_passwd)
    q = user_sub.add_parser("list", parents=[parent], help="list users, roles and key fingerprints")
    q.add_argument("vault")
    q.set_defaults(handler=cmd_user_list)

    p = sub.add_parser("verify", parents=[parent], help="check chain, signatures, authority, contents")
    p.add_argument("vault")
    p.add_argument("--checkpoint", metavar="FILE", help="also check against a saved head (catches truncation)")
    p.add_argument("--write-checkpoint", metavar="FILE", help="save the signed head to FILE")
    p.add_argument("--export", metavar="FILE", help="check that a published notice matches the vault")
    p.set_defaults(handler=cmd_verify)

    p = sub.add_parser("log", parents=[parent], help="the ledger, readable (admin, supervisor)")
    p.add_argument("vault")
    p.add_argument("--after", type=int, default=0, metavar="SEQ")
    p.set_defaults(handler=cmd_log)

    p = sub.add_parser("rekey", parents=[parent], help="rotate the data key; optionally remove users (admin)")
    p.add_argument("vault")
    p.add_argument("--remove", action="append", default=[], metavar="USER", help="a user who loses access")
    p.set_defaults(handler=cmd_rekey)

    p = sub.add_parser("backup", parents=[parent], help="online copy of the vault, still encrypted")
    p.add_argument("vault")
    p.add_argument("target")
    p.set_defaults(handler=cmd_backup)


def cmd_init(args: argparse.Namespace) -> int:
    passphrase = _init_passphrase(args)
    vault, _ = Vault.create(args.vault, args.session, args.admin, passphrase)
    payload = {"vault": str(args.vault), "vault_id": vault.vault_id.hex(), "admin_fingerprint": vault.admin_fingerprint}
    emit(args, payload, t("init_done", path=args.vault, session=args.session, fingerprint=vault.admin_fingerprint))
    vault.close()
    return 0


def _init_passphrase(args: argparse.Namespace) -> str:
    """The first admin's passphrase: as for any login, but asked twice at a prompt."""
    if args.passphrase_file or "JZ_PASSPHRASE" in os.environ:
        return users.require_strong(read_passphrase(args, args.admin), args.admin)
    return read_new_passphrase(args.admin)


def cmd_user_add(args: argparse.Namespace) -> int:
    session = login(args)
    users.check_new_user(session, args.name, args.role)  # before the passphrase is asked, twice
    user = users.add_user(session, args.name, args.role, read_new_passphrase(args.name))
    emit(
        args,
        {"name": user.name, "role": user.role, "fingerprint": user.fingerprint, "seq": user.added_seq},
        t("user_added", user=user.name, role=t("role_" + user.role), fingerprint=user.fingerprint),
    )
    return 0


def cmd_user_passwd(args: argparse.Namespace) -> int:
    session = login(args)
    users.change_passphrase(session, read_new_passphrase(session.user))
    emit(args, {"name": session.user, "changed": True}, t("passwd_done", user=session.user))
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    vault = Vault.open(args.vault)
    users = vault.users()
    payload = [
        {"name": u.name, "role": u.role, "fingerprint": u.fingerprint, "added_seq": u.added_seq} for u in users
    ]

    def text() -> str:
        return "\n".join(text_table([t("table_user"), t("table_role"), t("table_fingerprint")],
                                     [(u.name, t("role_" + u.role), u.fingerprint) for u in users]))

    emit(args, payload, text)
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    checkpoint = None
    if args.checkpoint:
        try:
            text = Path(args.checkpoint).read_text(encoding="utf-8")
        except OSError as exc:
            raise JzError("file_unreadable", path=args.checkpoint) from exc
        except UnicodeDecodeError:
            text = ""  # not a checkpoint at all: reported as an unreadable one
        try:
            checkpoint = json.loads(text)
        except ValueError:
            checkpoint = {}  # unreadable content is reported by verify as a bad checkpoint
    identity = None
    if args.user:
        # Unlock without opening a Session: a Session folds every record on login and would
        # crash on the very bodies verify is meant to report.
        vault = Vault.open(args.vault)
        identity = vault.unlock(args.user, read_passphrase(args, args.user))
        data_key = identity.keyring
    else:
        if args.write_checkpoint:
            raise Misuse("user_needed")
        vault, data_key = Vault.open(args.vault), None
    if args.export and data_key is None:
        raise Misuse("user_needed")
    progress = progress_line(sys.stderr, lambda stage: t(f"verify_stage_{stage}")) if sys.stderr.isatty() else None
    report = verifier.verify(vault, data_key, checkpoint, progress)
    if args.export:
        for difference in publication.check_export(vault, data_key, args.export):
            report.problems.append(verifier.Problem(None, "verify_export_differs", {"detail": difference}))
    if args.write_checkpoint and report.ok and identity is not None:
        verifier.write_checkpoint(vault, identity, args.write_checkpoint)
    payload = {
        "ok": report.ok,
        "events": report.events,
        "head": report.head_hash.hex(),
        "head_seq": report.head_seq,
        "contents_checked": report.contents_checked,
        "admin_fingerprint": vault.admin_fingerprint,
        "problems": [{"seq": p.seq, "reason": p.key, "message": t(p.key, **p.params)} for p in report.problems],
        "warnings": [t(w.key, **w.params) for w in report.warnings],
    }
    emit(args, payload, lambda: _verify_text(report, vault))
    return 0 if report.ok else EXIT_TAMPERED


def _verify_text(report: verifier.Report, vault: Vault) -> str:
    lines = [t("verify_fingerprint", fingerprint=vault.admin_fingerprint)]
    for problem in report.problems:
        where = t("verify_at_seq", seq=problem.seq) if problem.seq is not None else t("verify_at_vault")
        lines.append(f"  ✗ {where}: {t(problem.key, **problem.params)}")
    for warning in report.warnings:
        lines.append(f"  · {t(warning.key, **warning.params)}")
    if report.ok:
        lines.append(t("verify_ok", events=report.events, head=short_hash(report.head_hash)))
        if not report.contents_checked:
            lines.append(t("verify_contents_skipped"))
    else:
        lines.append(t("verify_failed", count=len(report.problems)))
    return "\n".join(lines)


def cmd_log(args: argparse.Namespace) -> int:
    session = login(args)
    session.require_role("admin", "supervisor", action="log")
    if not 0 <= args.after < 2**63:
        raise Misuse("log_bad_after", after=args.after)
    set_aside = {r.seq: r for r in session.state.rejected}
    rows = []
    for event in session.vault.events(args.after):
        try:
            record = session.record_of(event)
            at, data = record.at, record.data
        except (crypto.CryptoError, ValueError, KeyError):
            at, data = "", None  # a body nobody here can open: listed, never opened
        # a post's marks and counts: its box's officers only, until its tally is closed
        data = tally_secrecy.withheld_body(session.state, session.user, event.kind, data,
                                           tally_secrecy.WITHHELD if args.json else t("log_withheld"))
        rejected = set_aside.get(event.seq)
        reason = t(rejected.key, **{"kind": rejected.kind, "actor": rejected.actor, **rejected.params}) \
            if rejected else None
        rows.append((event, at, data, reason))
    if args.json:
        print(shown_json(json.dumps(
            [{"seq": e.seq, "at": at, "actor": e.actor, "kind": e.kind, "hash": e.hash.hex(), "data": data,
              "rejected": reason} for e, at, data, reason in rows],
            ensure_ascii=False, indent=2,
        )))
        return 0
    table = []
    for e, at, data, reason in rows:
        summary = t("log_unreadable") if data is None else \
            shown_json(json.dumps(data, ensure_ascii=False, separators=(", ", ": ")))
        if len(summary) > 160:
            summary = summary[:157] + "..."
        mark = f"  ✗ {reason}" if reason else ""
        table.append((e.seq, local_time(at, with_date=True) if at else "", short_hash(e.hash), e.actor, t_or("kind_" + e.kind.replace(".", "_"), e.kind),
                      summary + mark))
    for line in text_table([t("table_seq"), t("table_time"), t("table_hash"), t("table_actor"), t("table_event"),
                            t("table_details")], table, right={0}):
        sys.stdout.write(line + "\n")
    return 0


def cmd_rekey(args: argparse.Namespace) -> int:
    session = login(args)
    session.require_role("admin", action="vault.rekey")
    epoch = session.vault.rekey(session.identity, args.remove, judge=session.judge)
    removed = t("rekey_removed", users=list(args.remove)) if args.remove else ""
    emit(args, {"epoch": epoch, "removed": sorted(set(args.remove))}, t("rekey_done", epoch=epoch, removed=removed))
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    vault = Vault.open(args.vault)
    seq, head = vault.backup(args.target)  # the copy's head: others may have appended since
    emit(args, {"target": args.target, "head_seq": seq, "head": head.hex()},
         t("backup_done", target=args.target, seq=seq, head=short_hash(head)))
    return 0
