"""Nobody but an admin can sign an admission ticket (issue 20, item 5).

The insider template has its tickets issued. A real examiner logs in with their own passphrase,
opens every event body they can decrypt, and tries every 32-byte value they find (and their
own signing key) as a ticket signing key, for a real candidate with its current nonce (the
nonces are in the bodies every user reads): no ticket they make checks in as valid. Checking
needs public keys only, so a clerk added after the tickets were printed checks them; a second
admin added later can reprint them, and the first admin's tickets stay valid.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from _insider_helpers import PASSES, Site, build_template
from conftest import WEAK_KDF

from jz_tui.services import checkin, tickets
from storage import crypto
from storage.errors import JzError


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


def minted(key_bytes: bytes, vault_id: bytes, nonce_hex: str, code: str) -> str:
    """A ticket as anyone holding ``key_bytes`` would sign it (the published payload format)."""
    key = crypto.signing_key_from_bytes(key_bytes)
    body = vault_id + bytes.fromhex(nonce_hex) + code.encode("utf-8")
    return f"{tickets.PREFIX}:{_b32(body)}:{_b32(key.sign(tickets.SIGNATURE_DOMAIN + body))}"


def _hex_values(value, found: set[str]) -> set[str]:
    if isinstance(value, str) and re.fullmatch(r"[0-9a-f]{64}", value):
        found.add(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            _hex_values(k, found)
            _hex_values(v, found)
    elif isinstance(value, list):
        for v in value:
            _hex_values(v, found)
    return found


@pytest.fixture
def site(tmp_path):
    opened = Site(build_template(tmp_path / "hall.jz", tmp_path))
    yield opened
    opened.close()


def test_an_examiner_cannot_mint_a_valid_ticket(site):
    examiner = site.s("e1")
    state = examiner.state
    vault_id = site.vault.vault_id
    code = "C-03"  # not checked in yet: a valid ticket would let anyone in under that name
    nonce = state.roster.ticket_nonces[code]
    assert tickets.check_payload(tickets.current_payloads(site.s("admin"))[code], vault_id,
                                 state.roster).outcome == "valid"
    # everything the examiner can read: every body they can decrypt, and the state they fold
    found: set[str] = set()
    for event in site.vault.events():
        _hex_values(examiner.record_of(event).data, found)
    _hex_values(vars(state.roster), found)
    assert found  # public keys, nonces, hashes...
    for candidate_key in sorted(found):
        forged = minted(bytes.fromhex(candidate_key), vault_id, nonce, code)
        assert tickets.check_payload(forged, vault_id, state.roster).outcome != "valid", candidate_key
    # nor with their own key
    own = crypto.private_bytes(examiner.identity.signing_key)
    forged = minted(own, vault_id, nonce, code)
    assert tickets.check_payload(forged, vault_id, state.roster).outcome == "forged"
    result = checkin.attempt(site.s("clerk"), forged)
    assert not result.ok and code not in site.s("clerk").state.roster.checkins


def test_no_ticket_key_in_a_body(site):
    """The declaration refuses a tickets.issue that carries a private key (every user reads it)."""
    admin = site.s("admin")
    key = crypto.new_signing_key()
    with pytest.raises(JzError):
        admin.append("tickets.issue", {"nonces": {"C-03": "00" * 8}, "signing_key": crypto.private_bytes(key).hex(),
                                       "public_key": crypto.public_bytes(key).hex()})


def test_a_clerk_and_an_admin_added_later(site):
    admin = site.s("admin")
    printed = tickets.current_payloads(admin)
    site.vault.add_user(site.identity("admin"), "clerk2", "clerk", "clerk2-pass", kdf=WEAK_KDF)
    site.vault.add_user(site.identity("admin"), "admin2", "admin", "admin2-pass", kdf=WEAK_KDF)
    PASSES.update({"clerk2": "clerk2-pass", "admin2": "admin2-pass"})
    try:
        result = checkin.attempt(site.s("clerk2"), printed["C-03"])
        assert result.ok and "C-03" in site.s("clerk2").state.roster.checkins
        reprinted = tickets.issue(site.s("admin2"))
        roster = site.s("clerk2").state.roster
        for code, payload in reprinted.items():
            assert tickets.check_payload(payload, site.vault.vault_id, roster).code == code
            assert tickets.check_payload(payload, site.vault.vault_id, roster).outcome in ("valid",)
            assert tickets.check_payload(printed[code], site.vault.vault_id, roster).outcome == "valid"
        lost = tickets.issue(site.s("admin2"), reissue=["C-01"])["C-01"]
        roster = site.s("clerk2").state.roster
        assert tickets.check_payload(lost, site.vault.vault_id, roster).outcome == "valid"
        assert tickets.check_payload(printed["C-01"], site.vault.vault_id, roster).outcome == "revoked"
    finally:
        for name in ("clerk2", "admin2"):
            PASSES.pop(name, None)
