"""The per-event framings spelled out for speed (storage/ledger.py) frame exactly as crypto.frame does."""

from hypothesis import given
from hypothesis import strategies as st

from storage import crypto, ledger


@given(vault_id=st.binary(min_size=16, max_size=16), seq=st.integers(min_value=0, max_value=2**63 - 1),
       kind=st.text(max_size=40), actor=st.text(max_size=70), prev=st.binary(max_size=40), body=st.binary(max_size=300))
def test_event_hash_and_body_aad_frame_as_crypto_frame(vault_id, seq, kind, actor, prev, body):
    expected = crypto.sha256(crypto.frame(ledger.HASH_DOMAIN, vault_id) + crypto.frame(seq, kind, actor, prev, body))
    assert ledger.event_hash(vault_id, seq, kind, actor, prev, body) == expected
    assert ledger.body_aad(vault_id, seq, kind) == crypto.frame("jz-body", vault_id) + crypto.frame(seq, kind)
