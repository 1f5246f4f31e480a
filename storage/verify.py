"""Replay the whole vault and report every event that is not what it claims to be.

Without a data key this checks what anyone can check: the header, every user grant, the
hash chain, every signature and every actor's authority. With a data key it also opens
every body, checks that the user rows are exactly those the ledger created, and folds the
whole ledger through every event's declaration (``storage.events.judge``), exactly as the
screens and commands fold it: an event they would set aside is reported here, with its seq
and the reason. With a checkpoint it also catches a ledger cut short.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import crypto, ledger
from .events import is_user_name, may_emit
from .ballot_rows import held_message, sealed_message
from .keyring import KeyRing, as_keyring
from .projection import Chain, SessionState
from .files import private_file
from .vault import Identity, UserRow, Vault, grant_message, header_message

CHECKPOINT_DOMAIN = "jz-checkpoint-v1"


@dataclass(frozen=True)
class Problem:
    seq: int | None  # None: the problem is not one event's (header, user rows, checkpoint)
    key: str  # catalogue key of the reason
    params: dict[str, object] = field(default_factory=dict)


@dataclass
class Report:
    events: int = 0
    head_seq: int = 0
    head_hash: bytes = b""
    contents_checked: bool = False
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def bad_seqs(self) -> set[int]:
        return {p.seq for p in self.problems if p.seq is not None}


Progress = Callable[[str, int, int], None]  # (stage, done, total)
PROGRESS_EVERY = 2000


def verify(vault: Vault, data_key: bytes | KeyRing | None = None, checkpoint: dict | None = None,
           progress: Progress | None = None) -> Report:
    """Replay the vault; ``progress(stage, done, total)`` is told how far each pass has come
    (stages "chain" and "contents")."""
    report = Report()
    slots = vault.users()
    users = {u.name: u for u in slots}
    _check_header(vault, report)
    events = list(vault.events())
    _check_grants(vault, slots, users, events, report)
    _check_slots(vault, users, events, report)
    report.events = len(events)
    if events:
        report.head_seq, report.head_hash = events[-1].seq, events[-1].hash
    _check_chain(vault, events, users, report, progress)
    _check_removed_actors(vault, events, report)
    if data_key is None:
        _check_sealed_ballots(vault, events, users, report)
    else:
        records = _check_contents(vault, events, users, data_key, report, progress)
        state = _check_meaning(vault, records, report)
        _check_boxes(vault, state, users, report)
        report.contents_checked = True
    if checkpoint is not None:
        _check_checkpoint(vault, events, users, checkpoint, report)
    seen: set[tuple[int | None, str, str]] = set()  # the same problem found by two passes is reported once
    unique = []
    for problem in report.problems:
        key = (problem.seq, problem.key, repr(sorted(problem.params.items())))
        if key not in seen:
            seen.add(key)
            unique.append(problem)
    report.problems = unique
    report.problems.sort(key=lambda p: (p.seq is None, p.seq or 0))
    return report


def _check_meaning(vault: Vault, records: list[ledger.Record], report: Report) -> SessionState:
    """Fold every event through its kind's declaration, as every screen does; report what is set aside.

    The chain pass has checked each event's place and signature already: an event it found
    wrong is not folded here either, so the state judged is the one the screens show.
    """
    flagged = report.bad_seqs()
    # apply() only: the chain pass has checked places and signatures; the Chain is for the
    # declarations that read the header (the pinned admin key)
    state = SessionState(Chain(vault.vault_id, vault.admin_public_key))
    for record in records:
        if record.seq in flagged:
            state.seq, state.head_hash = record.seq, record.hash
            continue
        state.apply(record)
    for rejected in state.rejected:
        if rejected.seq not in flagged:
            params = {"kind": rejected.kind, **rejected.params}
            report.problems.append(Problem(rejected.seq, rejected.key, params))
    return state


def _check_boxes(vault: Vault, state: SessionState, users: dict[str, UserRow], report: Report) -> None:
    """Each box of the judged fold, against its rows: every ballot (held or sealed) signed by an
    officer of that box, one per slip the fold accepted as spent in that box, and an unsealed
    box recounted from its sealed ballots with the key its unsealing disclosed."""
    import json

    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from .ballot_rows import SUITE, ballot_info

    rows: dict[str, list[tuple[bytes, bytes, str, bytes, bool]]] = {}
    stored: Counter[str] = Counter()  # every row in the file, valid or not: one per slip spent
    for held, (listing, message) in enumerate(((vault.sealed_ballot_rows(), sealed_message),
                                                (vault.held_ballot_rows(), held_message))):
        for box, slot, ciphertext, signer, signature in listing:
            stored[box] += 1
            box_state = state.tally.boxes.get(box)
            user = users.get(signer)
            if (box_state is None or signer not in box_state.officers or user is None
                    or not crypto.verify_signature(user.public_key, signature,
                                                   message(vault.vault_id, box, slot, ciphertext))):
                report.problems.append(Problem(None, "verify_sealed_ballot", {"box": box}))
                continue
            rows.setdefault(box, []).append((slot, ciphertext, signer, signature, bool(held)))
    for box_id, box in state.tally.boxes.items():
        mine = rows.get(box_id, [])
        if stored[box_id] != len(box.spent):
            report.problems.append(Problem(None, "verify_sealed_count",
                                           {"spent": len(box.spent), "ballots": stored[box_id], "box": box_id}))
        if box.unsealed_seq is None or not box.private_key:
            continue
        try:
            private = X25519PrivateKey.from_private_bytes(bytes.fromhex(box.private_key))
            counted: dict[str, list[str]] = {post: [] for post in box.posts}
            for _slot, ciphertext, _signer, _signature, held in mine:
                if held:
                    raise ValueError("a ballot still held after the unsealing")
                ballot = json.loads(SUITE.decrypt(ciphertext, private, info=ballot_info(vault.vault_id, box_id)))
                for post in counted:
                    counted[post].append(ballot[post])
            same = all(sorted(counted[post]) == sorted(state.tally.posts[post].electronic) for post in box.posts)
        except Exception:  # noqa: BLE001  (whatever a tampered row or key does, the recount fails: say so)
            same = False
        if not same:
            report.problems.append(Problem(box.unsealed_seq, "verify_box_recount", {"box": box_id}))


def _reporting(events: list[ledger.Event], stage: str, progress: Progress | None) -> Iterator[ledger.Event]:
    """``events`` one by one, telling ``progress`` every so often and at the end."""
    total = len(events)
    for done, event in enumerate(events):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(stage, done, total)
        yield event
    if progress is not None:
        progress(stage, total, total)


def _check_header(vault: Vault, report: Report) -> None:
    signature = bytes.fromhex(vault.header.get("header_signature", ""))
    if not crypto.verify_signature(vault.admin_public_key, signature, header_message(vault.header)):
        report.problems.append(Problem(None, "verify_header"))


def _check_grants(
    vault: Vault, slots: list[UserRow], users: dict[str, UserRow], events: list[ledger.Event], report: Report
) -> None:
    """Key slots and grants match one to one, each slot signed by the admin who granted it.

    Needs no passphrase: a slot names its grant event by ``added_seq``, and that event's
    kind and actor are in the clear. The grant signature covers the slot's name, role,
    both public keys and ``added_seq``, so a slot whose keys or role were edited fails it.
    """
    by_seq = {event.seq: event for event in events}
    claims = Counter(user.added_seq for user in slots)
    names = Counter(user.name for user in slots)
    for user in slots:
        for named in {user.name, user.granted_by} - {None}:
            if not is_user_name(named):  # a name a terminal would act on, or none jz could have written
                report.problems.append(Problem(None, "verify_user_name", {"user": named}))
        event = by_seq.get(user.added_seq)
        if event is None or event.kind != ("vault.init" if user.added_seq == 1 else "user.add"):
            report.problems.append(Problem(None, "verify_slot_without_grant", {"user": user.name}))
        elif claims[user.added_seq] > 1 or names[user.name] > 1:
            report.problems.append(Problem(None, "verify_slot_duplicate", {"user": user.name, "seq": user.added_seq}))
        elif not _grant_is_valid(vault, user, users, event):
            report.problems.append(Problem(None, "verify_grant", {"user": user.name}))
    for event in events:
        if event.seq not in claims and _grants_a_user(event.seq, event.kind, event.actor, users):
            if event.seq == 1:
                problem = Problem(1, "verify_slot_missing", {"user": vault.header["admin_name"]})
            else:  # the new user's name is inside the sealed body: the contents check names them
                problem = Problem(event.seq, "verify_grant_without_slot")
            report.problems.append(problem)


def _check_slots(vault: Vault, users: dict[str, UserRow], events: list[ledger.Event], report: Report) -> None:
    """Each key slot is its user's, as its user last wrote it. Needs no passphrase.

    A slot is signed by its own user (at ``jz user add`` by the key made for them, at a
    passphrase change and at the login that moves it to a new epoch by themselves) over its
    name, epoch, Argon2id parameters, salt, wrapped keys and the event that wrote it. Another
    user's slot, or an edited one, fails the signature; the event must be the user's grant or a
    passphrase change they signed; the epoch lies between the one in force at that event and
    the latest. Argon2id parameters lie between the vault's floor (in its signed header) and
    the ceiling. A slot put back from before a passphrase change needs the bodies: see
    :func:`_check_contents`. A removed user's slot is wiped and checked there too.
    """
    floor = vault.kdf_floor
    by_seq = {event.seq: event for event in events}
    # a row whose grant failed is reported as such: its public key, and so its slot, mean nothing
    ungranted = {p.params.get("user") for p in report.problems
                 if p.key in ("verify_grant", "verify_slot_without_grant", "verify_slot_duplicate")}
    chain = sorted((from_seq, epoch) for epoch, from_seq, _ in vault.key_chain_rows())
    latest = max((epoch for _, epoch in chain), default=0)
    for name, slot in vault.slots().items():
        user = users.get(name)
        if user is None or not slot.wrapped_data_key or name in ungranted:
            continue
        kdf = crypto.KdfParams.parse(slot.kdf)
        if not kdf.usable():
            report.problems.append(Problem(None, "verify_kdf_ceiling", {"user": name}))
        elif not kdf.meets_floor(floor):
            report.problems.append(Problem(None, "verify_weak_slot", {"user": name}))
        if not slot.signed_by(vault.vault_id, name, user.public_key):
            report.problems.append(Problem(None, "verify_slot_signature", {"user": name}))
            continue
        event = by_seq.get(slot.slot_seq)
        if event is None or not (slot.slot_seq == user.added_seq or (event.kind == "user.passwd"
                                                                     and event.actor == name)):
            report.problems.append(Problem(None, "verify_slot_seq", {"user": name, "seq": slot.slot_seq}))
            continue
        in_force = max((epoch for from_seq, epoch in chain if from_seq <= slot.slot_seq), default=0)
        if not in_force <= slot.key_epoch <= latest:
            report.problems.append(Problem(None, "verify_slot_epoch", {"user": name, "epoch": slot.key_epoch}))


def _grant_is_valid(vault: Vault, user: UserRow, users: dict[str, UserRow], event: ledger.Event) -> bool:
    """``user``'s slot is signed by the admin who emitted its grant event, before it."""
    message = grant_message(vault.vault_id, user.name, user.role, user.public_key, user.box_public_key, user.added_seq)
    if user.added_seq == 1:
        valid = user.name == vault.header["admin_name"] and user.public_key == vault.admin_public_key
        granter_key = vault.admin_public_key
    else:
        granter = users.get(user.granted_by)
        valid = (
            granter is not None
            and granter.role == "admin"
            and granter.added_seq < user.added_seq
            and event.actor == user.granted_by
        )
        granter_key = granter.public_key if granter else b""
    return valid and crypto.verify_signature(granter_key, user.grant_signature, message)


def _grants_a_user(seq: int, kind: str, actor_name: str, users: dict[str, UserRow]) -> bool:
    """vault.init, or a user.add by an actor who may add users; any other user.add is
    reported by the chain check (unknown actor, or no authority) and creates nobody."""
    if seq == 1:
        return kind == "vault.init"
    actor = users.get(actor_name)
    return kind == "user.add" and actor is not None and may_emit(actor.role, kind)


def _check_chain(vault: Vault, events: list[ledger.Event], users: dict[str, UserRow], report: Report,
                 progress: Progress | None = None) -> None:
    expected_seq = 1
    prev_hash = ledger.genesis_hash(vault.vault_id)
    for event in _reporting(events, "chain", progress):
        if event.seq != expected_seq:
            missing = f"{expected_seq}" if event.seq == expected_seq + 1 else f"{expected_seq}-{event.seq - 1}"
            report.problems.append(Problem(expected_seq, "verify_missing", {"missing": missing}))
        elif event.prev_hash != prev_hash:
            report.problems.append(Problem(event.seq, "verify_prev_hash"))
        recomputed = ledger.event_hash(
            vault.vault_id, event.seq, event.kind, event.actor, event.prev_hash, event.body
        )
        if recomputed != event.hash:
            report.problems.append(Problem(event.seq, "verify_hash"))
        actor = users.get(event.actor)
        if not is_user_name(event.actor):
            report.problems.append(Problem(event.seq, "verify_user_name", {"user": event.actor}))
        if actor is None:
            report.problems.append(Problem(event.seq, "verify_unknown_actor", {"actor": event.actor}))
        else:
            # An actor acts only after the event that created them, except the admin's own vault.init.
            registered = actor.added_seq < event.seq or (event.seq == 1 and actor.added_seq == 1)
            if not crypto.verify_signature(actor.public_key, event.signature, ledger.signed_message(event.hash)):
                report.problems.append(Problem(event.seq, "verify_signature", {"actor": event.actor}))
            if not registered:
                report.problems.append(Problem(event.seq, "verify_not_yet_user", {"actor": event.actor}))
            if not may_emit(actor.role, event.kind):
                report.problems.append(
                    Problem(event.seq, "verify_authority", {"actor": event.actor, "role": actor.role, "kind": event.kind})
                )
        if (event.seq == 1) != (event.kind == "vault.init"):
            report.problems.append(Problem(event.seq, "verify_init_position", {"kind": event.kind}))
        expected_seq = event.seq + 1
        prev_hash = event.hash


def _check_removed_actors(vault: Vault, events: list[ledger.Event], report: Report) -> None:
    """Without a passphrase: a user whose slot a rekey wiped has no event after the last rekey
    (which rekey removed them is inside its sealed body; the contents check names it exactly)."""
    removed = vault.removed_users()
    rekeys = [event.seq for event in events if event.kind == "vault.rekey"]
    if not removed or not rekeys:
        return
    for event in events:
        if event.seq > rekeys[-1] and event.actor in removed:
            report.problems.append(Problem(event.seq, "verify_removed_actor", {"actor": event.actor}))


def _check_sealed_ballots(
    vault: Vault, events: list[ledger.Event], users: dict[str, UserRow], report: Report
) -> None:
    """Every electronic ballot, sealed or still held, is signed by a tally officer, and there is
    one per spent slip."""
    sealed, held = vault.sealed_ballot_rows(), vault.held_ballot_rows()
    for rows, message in ((sealed, sealed_message), (held, held_message)):
        for box, slot, ciphertext, signer, signature in rows:
            user = users.get(signer)
            if (
                user is None
                or user.role != "tally"
                or not crypto.verify_signature(user.public_key, signature, message(vault.vault_id, box, slot, ciphertext))
            ):
                report.problems.append(Problem(None, "verify_sealed_ballot", {"box": box}))
    spent = sum(1 for e in events if e.kind == "token.spend")
    if spent != len(sealed) + len(held):
        report.problems.append(Problem(None, "verify_sealed_count", {"spent": spent, "ballots": len(sealed) + len(held)}))


def _check_contents(
    vault: Vault, events: list[ledger.Event], users: dict[str, UserRow], keys: bytes | KeyRing, report: Report,
    progress: Progress | None = None,
) -> list[ledger.Record]:
    records: list[ledger.Record] = []
    created: dict[str, int] = {}
    removed: dict[str, int] = {}  # user -> seq of the rekey that removed them
    passwd: dict[str, tuple[int, str]] = {}  # user -> their last passphrase change: (seq, new slot)
    unsigned = report.bad_seqs()
    keyring = as_keyring(keys)
    epochs = 0
    chain = {epoch: from_seq for epoch, from_seq, _ in vault.key_chain_rows()}
    for epoch, from_seq in chain.items():
        keyring.starts[epoch] = from_seq
    for event in _reporting(events, "contents", progress):
        try:
            record = ledger.open_body(keyring.key_for(event.seq), vault.vault_id, event)
        except (crypto.CryptoError, ValueError, KeyError):
            report.problems.append(Problem(event.seq, "verify_decrypt"))
            continue
        records.append(record)
        if record.actor in removed:
            report.problems.append(Problem(record.seq, "verify_removed_actor", {"actor": record.actor}))
        if record.kind == "vault.rekey":
            epochs += 1
            epoch = record.data.get("epoch")
            actor = users.get(record.actor)
            if epoch != epochs or chain.get(epochs) != record.seq + 1 or actor is None or actor.role != "admin":
                report.problems.append(Problem(record.seq, "verify_rekey_chain"))
                continue  # a key nobody may have introduced opens nothing here
            try:
                keyring.learn(record.seq, record.data)
            except (crypto.CryptoError, ValueError, KeyError):
                report.problems.append(Problem(record.seq, "verify_decrypt"))
            for name in record.data.get("removed", []):
                removed.setdefault(name, record.seq)
        if (record.kind == "user.passwd" and record.seq not in unsigned and isinstance(record.data, dict)
                and record.data.get("name") == record.actor and isinstance(record.data.get("slot"), str)):
            passwd[record.actor] = (record.seq, record.data["slot"])
        if record.kind in ("vault.init", "user.add"):
            name = record.data.get("admin" if record.kind == "vault.init" else "name")
            role = "admin" if record.kind == "vault.init" else record.data.get("role")
            user = users.get(name)
            if user is None and _grants_a_user(record.seq, record.kind, record.actor, users):
                missing = Problem(record.seq, "verify_slot_missing", {"user": name})
                if missing not in report.problems:  # the header's admin is named without a key too
                    report.problems.append(missing)
            elif (
                user is None
                or user.role != role
                or user.public_key.hex() != record.data.get("public_key")
                or user.box_public_key.hex() != record.data.get("box_public_key")
                or user.added_seq != record.seq
            ):
                report.problems.append(Problem(record.seq, "verify_user_mismatch", {"user": name}))
            created[name] = record.seq
    if epochs != len(chain):
        report.problems.append(Problem(None, "verify_rekey_chain"))
    for name in users:
        if name not in created:
            report.problems.append(Problem(None, "verify_user_not_in_ledger", {"user": name}))
    _check_slot_generations(vault, users, removed, passwd, report)
    return records


def _check_slot_generations(vault: Vault, users: dict[str, UserRow], removed: dict[str, int],
                            passwd: dict[str, tuple[int, str]], report: Report) -> None:
    """With the bodies: each slot is the one its user's last passphrase change wrote (or their
    grant, if they never changed it), and only users a rekey removed have their slot wiped."""
    for name, slot in vault.slots().items():
        user = users.get(name)
        if user is None:
            continue
        if not slot.wrapped_data_key:
            if name not in removed:
                report.problems.append(Problem(None, "verify_slot_wiped", {"user": name}))
            continue
        if name in removed:  # a removed user's slot put back: it opens their keys of before
            report.problems.append(Problem(removed[name], "verify_slot_of_removed", {"user": name}))
            continue
        seq, generation = passwd.get(name, (user.added_seq, None))
        if slot.slot_seq != seq or (generation is not None and slot.generation.hex() != generation):
            report.problems.append(Problem(None, "verify_slot_old", {"user": name, "seq": seq}))


# ---------------------------------------------------------------------- checkpoints


def checkpoint_message(vault_id: bytes, seq: int, hash_: bytes, signer: str) -> bytes:
    return crypto.frame(CHECKPOINT_DOMAIN, vault_id, seq, hash_, signer)


def make_checkpoint(vault: Vault, identity: Identity) -> dict:
    seq, hash_ = vault.head()
    signature = identity.sign(checkpoint_message(vault.vault_id, seq, hash_, identity.name))
    return {
        "format": CHECKPOINT_DOMAIN,
        "vault_id": vault.vault_id.hex(),
        "seq": seq,
        "hash": hash_.hex(),
        "signer": identity.name,
        "signature": signature.hex(),
        "admin_fingerprint": vault.admin_fingerprint,
        "written_at": ledger.now_iso(),
    }


def write_checkpoint(vault: Vault, identity: Identity, path: str | Path) -> dict:
    checkpoint = make_checkpoint(vault, identity)
    private_file(path).write_text(json.dumps(checkpoint, indent=2) + "\n", encoding="utf-8")
    return checkpoint


def _check_checkpoint(
    vault: Vault, events: list[ledger.Event], users: dict[str, UserRow], checkpoint: dict, report: Report
) -> None:
    try:
        seq = int(checkpoint["seq"])
        hash_ = bytes.fromhex(checkpoint["hash"])
        signer = users.get(checkpoint["signer"])
        signature = bytes.fromhex(checkpoint["signature"])
        same_vault = checkpoint["vault_id"] == vault.vault_id.hex()
    except (KeyError, ValueError, TypeError):
        report.problems.append(Problem(None, "verify_checkpoint_unreadable"))
        return
    if not same_vault:
        report.problems.append(Problem(None, "verify_checkpoint_other_vault"))
        return
    message = checkpoint_message(vault.vault_id, seq, hash_, checkpoint["signer"])
    if signer is None or not crypto.verify_signature(signer.public_key, signature, message):
        report.problems.append(Problem(None, "verify_checkpoint_signature"))
        return
    by_seq = {e.seq: e for e in events}
    head = events[-1].seq if events else 0
    if head < seq:
        report.problems.append(Problem(head + 1, "verify_truncated", {"head": head, "checkpoint": seq}))
    elif seq in by_seq and by_seq[seq].hash != hash_:
        report.problems.append(Problem(seq, "verify_checkpoint_mismatch"))
