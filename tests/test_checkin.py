"""Hall check-in: one input for codes, names, pinyin initials and ID-number suffixes; a pick
list for several matches; counts, absence at the cut-off, undo with a supervisor's
signature; two real processes checking in at once.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap

import pytest
from _hall_helpers import (  # noqa: F401  (jz_here is a fixture)
    CN_HEADERS,
    id_with_check,
    import_demo_roster,
    jz_here,
    session_of,
    write_csv,
)
from conftest import PASSPHRASES

from jz_tui.bench import synthetic
from jz_tui.rules.idcard import check_char
from jz_tui.services import checkin, roster
from storage.verify import verify

# name, post; the ID numbers are made up below
PEOPLE = [
    ("王建国", "A01"), ("李晓梅", "A01"), ("刘晓敏", "A01"), ("欧阳明辉", "A01"),
    ("张伟", "A02"), ("陈静", "A02"), ("周杰", "A02"),
    ("赵磊", "B01"), ("孙悦", "B01"),
]
POST_NAMES = {"A01": "办公室综合科科长", "A02": "财务科副科长", "B01": "信息中心主任", "S01": "保密岗位"}


def same_suffix_pair(rng: random.Random) -> tuple[str, str]:
    """Two made-up ID numbers with the same last four characters (different birth dates)."""
    first = synthetic.fake_id(rng)
    while True:
        first17 = f"420106{rng.randint(1966, 1996)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{first[14:17]}"
        second = first17 + check_char(first17)
        if second[-4:] == first[-4:] and second != first:
            return first, second


@pytest.fixture
def hall(test_vault, tmp_path):
    rng = random.Random(2024)
    ids = [synthetic.fake_id(rng) for _ in PEOPLE]
    ids[0] = id_with_check(rng, "X")  # 王建国's ends in X
    ids[4], ids[5] = same_suffix_pair(rng)  # 张伟 and 陈静 share their last four
    assert len(set(ids)) == len(ids)
    headers = [*CN_HEADERS, "是否开放竞争"]
    data = [[post, POST_NAMES[post], "1", "区委组织部", name, number, "区人社局", "行政", ""]
            for (name, post), number in zip(PEOPLE, ids, strict=True)]
    data.append(["S01", POST_NAMES["S01"], "1", "区委办公室", "", "", "", "", "否"])
    admin = session_of(test_vault, "admin")
    roster.import_roster(admin, write_csv(tmp_path / "roster.csv", headers, data, encoding="gbk"))
    codes = {c.name: c.code for c in admin.state.roster.candidates.values()}
    return test_vault, admin, codes, dict(zip([n for n, _ in PEOPLE], ids, strict=True))


# ---------------------------------------------------------------------- search


def test_search_by_code_name_initials_and_id_digits(hall):
    _, admin, codes, ids = hall
    state = admin.state.roster

    def names(query: str) -> list[str]:
        return [c.name for c in checkin.search(state, query)]

    assert codes["李晓梅"] == "A01-02" and codes["张伟"] == "A02-01"
    assert names("A01-02") == ["李晓梅"]
    assert names(" a01-02 ") == ["李晓梅"]
    assert names("王建国") == ["王建国"]
    assert names("明辉") == ["欧阳明辉"]
    assert names("晓") == ["李晓梅", "刘晓敏"]
    assert names("wjg") == ["王建国"]
    assert names("OYMH") == ["欧阳明辉"]
    assert names("oy") == ["欧阳明辉"]  # a prefix of the initials when nothing matches whole
    assert names("lxm") == ["李晓梅", "刘晓敏"]
    assert names("zj") == ["周杰"]  # whole initials win over prefixes (zw is not a match)
    x_id = ids["王建国"]
    assert x_id.endswith("X")
    assert names(x_id[-4:]) == ["王建国"]
    assert names(x_id[-6:].lower()) == ["王建国"]  # a lower-case x
    assert names(x_id[-5:-1] + "ｘ") == ["王建国"]  # full-width, as an IME types it
    assert names(ids["孙悦"][-6:]) == ["孙悦"]
    assert names(ids["孙悦"][-5:]) == ["孙悦"]
    assert names(ids["张伟"][-4:]) == ["张伟", "陈静"]
    assert names(ids["张伟"][-3:]) == []  # three digits is too few to be an ID suffix
    assert names("不存在") == [] and names("qqq") == [] and names("") == []


def test_check_in_by_each_kind_of_query(hall, jz_here):
    tv, admin, codes, ids = hall
    queries = {"欧阳明辉": "欧阳明辉", "zl": "赵磊", ids["王建国"][-5:].lower(): "王建国", "a02-03": "周杰",
               ids["孙悦"][-6:]: "孙悦"}
    for query, name in queries.items():
        done = jz_here("checkin", tv.path, query, "--terminal", "T1", "--json", user="clerk")
        assert done.returncode == 0, (query, done.stderr)
        result = json.loads(done.stdout)
        assert (result["outcome"], result["code"]) == ("checked_in", codes[name]), query
    admin.refresh()
    assert set(admin.state.roster.checkins) == {codes[n] for n in queries.values()}
    assert {c.terminal for c in admin.state.roster.checkins.values()} == {"T1"}
    assert not admin.state.roster.refusals

    nobody = jz_here("checkin", tv.path, "zzz", "--json", user="clerk")
    assert nobody.returncode == 1 and json.loads(nobody.stdout)["outcome"] == "not_found"
    admin.refresh()
    assert admin.state.roster.refusals[-1][1] == "not_found"  # recorded


def test_several_matches_give_a_pick_list_and_append_nothing(hall, jz, jz_here):
    tv, admin, codes, ids = hall
    before = tv.vault.head()
    done = jz("checkin", tv.path, "lxm", "--json", user="clerk")
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["outcome"] == "several" and result["code"] is None
    assert result["matches"] == [{"code": codes["李晓梅"], "name": "李晓梅", "post": "A01"},
                                 {"code": codes["刘晓敏"], "name": "刘晓敏", "post": "A01"}]
    assert "2 candidates match" in done.stderr
    by_suffix = jz_here("checkin", tv.path, ids["陈静"][-4:], "--json", user="clerk")
    assert by_suffix.returncode == 1
    assert [m["name"] for m in json.loads(by_suffix.stdout)["matches"]] == ["张伟", "陈静"]
    assert tv.vault.head() == before  # a pick list is not an attempt: nothing appended
    # picking one from the list is a check-in by its code
    assert jz_here("checkin", tv.path, codes["刘晓敏"], user="clerk").returncode == 0


# ---------------------------------------------------------------------- counts, absence, undo


def test_counts_absence_and_a_late_arrival(hall, jz, jz_here):
    tv, admin, codes, _ = hall
    clerk = session_of(tv, "clerk")
    for name in ("王建国", "李晓梅", "张伟"):
        assert checkin.check_in(clerk, codes[name], terminal="T1").ok
    roster.withdraw_candidate(admin, codes["孙悦"], "放弃")

    def counts() -> dict[str, tuple[int, int, int, int]]:
        done = jz_here("checkin", tv.path, "--counts", "--json", user="clerk")
        assert done.returncode == 0, done.stderr
        return {r["post"]: (r["expected"], r["arrived"], r["missing"], r["absent"]) for r in json.loads(done.stdout)}

    assert counts() == {"A01": (4, 2, 2, 0), "A02": (3, 1, 2, 0), "B01": (1, 0, 1, 0)}  # S01 is closed

    before = tv.vault.head()
    assert jz_here("checkin", tv.path, "--mark-absent", user="clerk").returncode == 1  # admin only
    assert tv.vault.head() == before
    marked = jz_here("checkin", tv.path, "--mark-absent", "--post", "a01", "--post", "B01", "--json", user="admin")
    assert marked.returncode == 0, marked.stderr
    assert json.loads(marked.stdout)["absent"] == sorted([codes["刘晓敏"], codes["欧阳明辉"], codes["赵磊"]])
    assert counts() == {"A01": (4, 2, 0, 2), "A02": (3, 1, 2, 0), "B01": (1, 0, 0, 1)}

    late = jz("checkin", tv.path, "欧阳明辉", "--json", user="clerk")
    assert late.returncode == 1 and json.loads(late.stdout)["outcome"] == "absent"
    assert "marked absent" in late.stderr
    assert checkin.attempt(clerk, "周杰", terminal="T1").ok  # A02 was not marked: still on time
    again = jz_here("checkin", tv.path, "--mark-absent", "--json", user="admin")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["absent"] == [codes["陈静"]]
    admin.refresh()
    assert [reason for _, reason in admin.state.roster.refusals] == ["absent"]
    assert codes["孙悦"] not in admin.state.roster.absent  # a withdrawn candidate is not absent


def test_undo_needs_a_reason_and_a_supervisors_signature(hall, jz_here):
    tv, admin, codes, _ = hall
    code = codes["陈静"]
    clerk = session_of(tv, "clerk")
    assert checkin.check_in(clerk, code, terminal="T1").ok

    before = tv.vault.head()
    no_reason = jz_here("checkin", tv.path, code, "--undo", user="clerk")
    assert no_reason.returncode == 1 and "reason" in no_reason.stderr
    not_in = jz_here("checkin", tv.path, codes["周杰"], "--undo", "--reason", "r", user="clerk")
    assert not_in.returncode == 1 and "has not checked in" in not_in.stderr
    ambiguous = jz_here("checkin", tv.path, "lxm", "--undo", "--reason", "r", user="clerk")
    assert ambiguous.returncode == 1
    assert tv.vault.head() == before

    asked = jz_here("checkin", tv.path, code, "--undo", "--reason", "扫错了人", "--json", user="clerk")
    assert asked.returncode == 0, asked.stderr
    action_id = json.loads(asked.stdout)["pending"]
    clerk.refresh()
    assert code in clerk.state.roster.checkins  # nothing changes until the supervisor signs
    assert checkin.attempt(clerk, code, terminal="T2").outcome == "already"
    assert jz_here("sign", tv.path, action_id, user="clerk").returncode == 1  # not one's own
    assert jz_here("sign", tv.path, action_id, user="admin").returncode == 1  # not an admin's to sign

    signed = jz_here("sign", tv.path, action_id, "--json", user="sup")
    assert signed.returncode == 0, signed.stderr
    assert json.loads(signed.stdout)["done"] is True
    clerk.refresh()
    assert code not in clerk.state.roster.checkins
    assert clerk.state.pending[action_id].reason == "扫错了人"
    again = checkin.attempt(clerk, code, terminal="T2")
    assert again.ok and again.previous.terminal == "T2"


# ---------------------------------------------------------------------- two processes at once

WORKER = textwrap.dedent("""
    import json
    import sys

    from jz_tui.services import checkin
    from jz_tui.services.session import open_session

    path, passphrase, terminal, *codes = sys.argv[1:]
    session = open_session(path, "clerk", passphrase)
    print("ready", flush=True)
    assert sys.stdin.readline() == "go\\n"
    outcomes = [[code, checkin.attempt(session, code, terminal=terminal).outcome] for code in codes]
    session.close()
    print(json.dumps(outcomes), flush=True)
""")


def test_two_processes_check_in_at_once(test_vault, tmp_path):
    admin = session_of(test_vault, "admin")
    body = import_demo_roster(admin, tmp_path, posts=[("A01", "科长", "区委办", 12), ("A02", "副科长", "区财政局", 11)],
                              seed=31)
    codes = [c["code"] for c in body["candidates"]]
    shared, rest = codes[0], codes[1:]
    halves = {"T-east": rest[0::2], "T-west": rest[1::2]}
    script = tmp_path / "worker.py"
    script.write_text(WORKER, encoding="utf-8")
    children = {
        terminal: subprocess.Popen(
            [sys.executable, str(script), str(test_vault.path), PASSPHRASES["clerk"], terminal, shared, *half],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for terminal, half in halves.items()
    }
    try:
        for child in children.values():
            assert child.stdout.readline().strip() == "ready"
        for child in children.values():
            child.stdin.write("go\n")
            child.stdin.flush()
        results = {}
        for terminal, child in children.items():
            out, err = child.communicate(timeout=120)
            assert child.returncode == 0, err
            assert "locked" not in err.lower()
            results[terminal] = dict(json.loads(out.strip().splitlines()[-1]))
    finally:
        for child in children.values():
            if child.poll() is None:
                child.kill()

    for terminal, half in halves.items():
        assert all(results[terminal][code] == "checked_in" for code in half), results[terminal]
    shared_outcomes = {terminal: results[terminal][shared] for terminal in halves}
    assert sorted(shared_outcomes.values()) == ["already", "checked_in"], shared_outcomes
    winner = next(t for t, outcome in shared_outcomes.items() if outcome == "checked_in")

    admin.refresh()
    state = admin.state.roster
    assert set(state.checkins) == set(codes)
    assert state.checkins[shared].terminal == winner  # the one told "checked in" is the one recorded
    for terminal, half in halves.items():
        assert {state.checkins[code].terminal for code in half} == {terminal}
    assert verify(test_vault.vault, admin.identity.data_key).ok


def test_opening_the_vault_again_in_a_process_keeps_its_other_connections_working(hall, jz):
    """The app and the CLI open the same vault more than once in one process; another terminal's
    check-in (a process that appends and exits) must not pull the WAL from under them."""
    tv, admin, codes, _ = hall
    clerk = session_of(tv, "clerk")
    assert checkin.check_in(clerk, codes["王建国"], terminal="T1").ok
    again = session_of_new_connection(tv.path)  # a second open in this process
    done = jz("checkin", tv.path, codes["李晓梅"], "--terminal", "T2", user="clerk")
    assert done.returncode == 0, done.stderr
    assert checkin.check_in(clerk, codes["张伟"], terminal="T1").ok  # the first connection still works
    again.refresh()
    assert set(again.state.roster.checkins) == {codes["王建国"], codes["李晓梅"], codes["张伟"]}
    third = session_of_new_connection(tv.path)  # and a third open, after the other process is gone
    assert checkin.check_in(third, codes["陈静"], terminal="T3").ok
    assert len(third.state.roster.checkins) == 4
    again.close()
    third.close()


def session_of_new_connection(path):
    from jz_tui.services.session import open_session

    return open_session(path, "clerk", PASSPHRASES["clerk"])
