"""The interview order: drawn per post from a committed seed, only among the checked-in,
recomputable by anyone, and a tampered or repeated draw caught by ``jz verify``.
"""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from _hall_helpers import import_demo_roster, jz_here, session_of  # noqa: F401  (jz_here is a fixture)
from hypothesis import given
from hypothesis import strategies as st

from jz_tui.services import checkin, draw, roster
from storage.verify import verify

POSTS = [("A01", "办公室综合科科长", "区委办公室", 6), ("A02", "财务科副科长", "区财政局", 3)]


@pytest.fixture
def hall(test_vault, tmp_path):
    """Six candidates for A01 (four check in, one of whom then withdraws), three for A02 (none in)."""
    admin = session_of(test_vault, "admin")
    import_demo_roster(admin, tmp_path, posts=POSTS, seed=41)
    clerk = session_of(test_vault, "clerk")
    for code in ("A01-01", "A01-03", "A01-04", "A01-06"):
        assert checkin.check_in(clerk, code, terminal="T1").ok
    roster.withdraw_candidate(admin, "A01-04", "退出")
    return test_vault, admin, clerk


def draws_appended(tv) -> list[str]:
    return [e.kind for e in tv.vault.events() if e.kind.startswith("draw.")]


def test_draw_orders_the_checked_in_and_is_recomputable(hall, jz):
    tv, admin, _ = hall
    done = jz("draw", tv.path, "--post", "a01", "--json", user="clerk")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    drawn = [entry["code"] for entry in result["order"]]
    assert sorted(drawn) == ["A01-01", "A01-03", "A01-06"]  # not the absent-minded, not the withdrawn
    assert hashlib.sha256(bytes.fromhex(result["seed"])).hexdigest() == result["seed_hash"]
    assert drawn == draw.order_from_seed(result["seed"], ["A01-06", "A01-01", "A01-03"])
    assert [entry["number"] for entry in result["order"]] == ["A01-1", "A01-2", "A01-3"]
    assert all(re.fullmatch(r"[A-Z0-9]+-\d+", entry["number"]) for entry in result["order"])

    admin.refresh()
    record = admin.state.roster.draws["A01"]
    assert record.commit_seq < record.reveal_seq  # the hash was recorded before the seed
    assert record.seed == result["seed"] and record.order == drawn
    assert admin.state.roster.interview_numbers() == {code: f"A01-{i}" for i, code in enumerate(drawn, start=1)}
    assert draws_appended(tv) == ["draw.commit", "draw.reveal"]

    verified = jz("verify", tv.path, user="admin")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_post_is_drawn_once(hall, jz_here):
    tv, _, clerk = hall
    first = draw.draw(clerk, "A01")
    before = tv.vault.head()
    again = jz_here("draw", tv.path, "--post", "A01", user="clerk")
    assert again.returncode == 1 and "already been drawn" in again.stderr
    assert tv.vault.head() == before
    clerk.refresh()
    assert clerk.state.roster.draws["A01"].order == first


def test_nothing_to_draw_and_no_such_post_are_refused(hall, jz_here):
    tv, _, _ = hall
    before = tv.vault.head()
    nobody = jz_here("draw", tv.path, "--post", "A02", user="clerk")
    assert nobody.returncode == 1 and "Nobody of post A02" in nobody.stderr
    unknown = jz_here("draw", tv.path, "--post", "Z09", user="clerk")
    assert unknown.returncode == 1 and "no post Z09" in unknown.stderr
    examiner = jz_here("draw", tv.path, "--post", "A01", user="e1")
    assert examiner.returncode == 1
    assert tv.vault.head() == before


def test_a_commit_without_its_reveal_is_superseded(hall):
    """A crash between commit and reveal loses the seed: the next draw commits afresh."""
    tv, _, clerk = hall
    tv.vault.append(clerk.identity, "draw.commit",
                    {"post": "A01", "seed_hash": "00" * 32, "candidates": ["A01-01", "A01-03", "A01-06"]})
    order = draw.draw(clerk, "A01")
    assert draws_appended(tv) == ["draw.commit", "draw.commit", "draw.reveal"]
    assert clerk.state.roster.draws["A01"].order == order
    assert verify(tv.vault, clerk.identity.data_key).ok


def test_an_order_not_following_from_the_seed_fails_verify(hall, jz):
    """Someone with the clerk's key appends a reveal whose order the seed does not give."""
    tv, _, clerk = hall
    honest = draw.draw(clerk, "A01")
    seed = clerk.state.roster.draws["A01"].seed
    forged = tv.vault.append(clerk.identity, "draw.reveal", {"post": "A01", "seed": seed, "order": honest[::-1]})
    assert honest[::-1] != honest

    checked = jz("verify", tv.path, user="admin")
    assert checked.returncode == 3, checked.stdout + checked.stderr
    assert f"event {forged.seq}: The draw's order does not follow from its seed." in checked.stdout
    as_json = json.loads(jz("verify", tv.path, "--json", user="admin").stdout)
    assert [(p["seq"], p["reason"]) for p in as_json["problems"]] == [(forged.seq, "verify_draw_order")]
    # without the data key the chain and the signatures are intact: the recomputation is what catches it
    assert jz("verify", tv.path).returncode == 0
    clerk.refresh()
    assert clerk.state.roster.draws["A01"].order == honest  # the first reveal stands


def test_a_seed_that_is_not_the_committed_one_fails_verify(hall):
    tv, _, clerk = hall
    draw.draw(clerk, "A01")
    other_seed = "11" * 32
    order = draw.order_from_seed(other_seed, ["A01-01", "A01-03", "A01-06"])
    forged = tv.vault.append(clerk.identity, "draw.reveal", {"post": "A01", "seed": other_seed, "order": order})
    report = verify(tv.vault, clerk.identity.data_key)
    assert [(p.seq, p.key) for p in report.problems] == [(forged.seq, "verify_draw_seed")]


def test_drawing_again_after_the_reveal_fails_verify(hall, jz):
    """Seed shopping: after seeing the order, commit and reveal a new seed for the same post.
    Each pair is consistent on its own; the second commit is what must be caught."""
    tv, _, clerk = hall
    honest = draw.draw(clerk, "A01")
    codes = sorted(honest)
    seed = "22" * 32
    commit = tv.vault.append(clerk.identity, "draw.commit",
                             {"post": "A01", "seed_hash": draw.seed_hash(seed), "candidates": codes})
    reveal = tv.vault.append(clerk.identity, "draw.reveal",
                             {"post": "A01", "seed": seed, "order": draw.order_from_seed(seed, codes)})
    checked = jz("verify", tv.path, "--json", user="admin")
    assert checked.returncode == 3, checked.stdout
    problems = json.loads(checked.stdout)["problems"]
    # the second commit is named; its reveal does not match the draw in force either
    assert [(p["seq"], p["reason"]) for p in problems] == [(commit.seq, "verify_draw_redrawn"),
                                                           (reveal.seq, "verify_draw_seed")]
    clerk.refresh()
    assert clerk.state.roster.draws["A01"].order == honest  # the screens keep the first order


@given(seed=st.binary(min_size=32, max_size=32),
       codes=st.lists(st.from_regex(r"[A-Z][0-9]{2}-[0-9]{2}", fullmatch=True), unique=True, max_size=12),
       shuffle_seed=st.randoms())
def test_the_order_is_a_permutation_fixed_by_the_seed(seed, codes, shuffle_seed):
    shuffled = list(codes)
    shuffle_seed.shuffle(shuffled)
    order = draw.order_from_seed(seed.hex(), codes)
    assert sorted(order) == sorted(codes)
    assert draw.order_from_seed(seed.hex(), shuffled) == order  # the listing order does not matter


def test_a_draw_that_leaves_someone_out_fails_verify(hall):
    """A clerk's key commits a draw without one checked-in candidate: verify names the commit."""
    tv, _, clerk = hall
    seed = "22" * 32
    codes = ["A01-01", "A01-03"]  # A01-06 checked in too, and is left out
    commit = tv.vault.append(clerk.identity, "draw.commit",
                             {"post": "A01", "seed_hash": draw.seed_hash(seed), "candidates": codes})
    reveal = tv.vault.append(clerk.identity, "draw.reveal",
                             {"post": "A01", "seed": seed, "order": draw.order_from_seed(seed, codes)})
    report = verify(tv.vault, clerk.identity.data_key)
    # the commit is set aside, so its reveal has no commit in force either
    assert [(p.seq, p.key) for p in report.problems] == [(commit.seq, "verify_draw_candidates"),
                                                         (reveal.seq, "verify_draw_no_commit")]
    clerk.refresh()
    assert "A01" not in clerk.state.roster.draws
