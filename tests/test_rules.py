"""The session's rules: defaults from the sample, ``jz config --set/--import/--show``, and
refusals that name the key and append nothing.
"""

from __future__ import annotations

import json
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from _hall_helpers import jz_here, session_of  # noqa: F401  (jz_here is a fixture)

from jz_tui.rules import settings as rules
from jz_tui.services import config
from storage.errors import JzError

# shared/ lies beside the repository (for developers and for CI alike)
SAMPLE_RULES = next(
    (p / "shared" / "samples" / "rules.toml" for p in Path(__file__).resolve().parents
     if (p / "shared" / "samples" / "rules.toml").exists()),
    Path(__file__).resolve().parents[2] / "shared" / "samples" / "rules.toml",
)


def normal(value):
    """Numbers (int, Decimal, numeric strings) as Decimal, recursively; everything else as is."""
    if isinstance(value, list):
        return [normal(v) for v in value]
    if isinstance(value, dict):
        return {k: normal(v) for k, v in value.items()}
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value


def sample_settings() -> dict:
    with SAMPLE_RULES.open("rb") as fh:
        return rules.flatten(tomllib.load(fh, parse_float=Decimal))


def config_events(tv) -> int:
    return sum(1 for e in tv.vault.events() if e.kind == "config.set")


# ---------------------------------------------------------------------- defaults


def test_the_sample_rules_file_is_found():
    assert SAMPLE_RULES.exists(), SAMPLE_RULES
    assert "stages.written" in sample_settings()


def test_defaults_are_the_samples_values():
    sample = sample_settings()
    defaults = rules.settings_from({})
    missing = sorted(set(sample) - set(defaults))
    assert not missing, missing
    for key, value in sample.items():
        assert normal(defaults[key]) == normal(value), key
    r = rules.rules_from({})
    assert r.stages == {"written": 3, "interview": 3, "democratic": 4}
    assert r.dissatisfied_max == Decimal("0.30") and r.method == "gymnastics" and r.drop_when_at_least == 5
    assert sum(top for _, top in r.rubric) == 100
    assert r.tie_breaks == ("interview", "written") and r.targets_per_post == 3


def test_show_json_gives_the_sample_defaults(test_vault, jz):
    shown = jz("config", test_vault.path, "--show", "--json", user="admin")
    assert shown.returncode == 0, shown.stderr
    settings = json.loads(shown.stdout)
    for key, value in sample_settings().items():
        assert normal(settings[key]) == normal(value), key
    assert config_events(test_vault) == 0  # showing appends nothing


# ---------------------------------------------------------------------- changing them


def test_set_several_keys_is_one_event(test_vault, jz):
    done = jz(
        "config", test_vault.path,
        "--set", "stages.written=30", "--set", "interview.method=per_item",
        "--set", "democratic.dissatisfied_max=0.25", "--set", 'interview.rubric=[["综合分析", 60], ["言语表达", 40]]',
        "--set", "ranking.targets_per_post=2",
        user="admin",
    )
    assert done.returncode == 0, done.stderr
    assert config_events(test_vault) == 1
    shown = json.loads(jz("config", test_vault.path, "--show", "--json", user="admin").stdout)
    assert shown["stages.written"] == "30"
    assert shown["interview.method"] == "per_item"
    assert shown["democratic.dissatisfied_max"] == "0.25"  # a Decimal string, never a float
    assert shown["interview.rubric"] == [["综合分析", "60"], ["言语表达", "40"]]
    assert shown["ranking.targets_per_post"] == 2
    assert shown["stages.interview"] == "3"  # untouched keys keep their defaults
    r = config.current_rules(session_of(test_vault, "admin"))
    assert r.stages["written"] == Decimal(30) and r.dissatisfied_max == Decimal("0.25")


def test_import_rules_toml(test_vault, jz_here, tmp_path):
    toml = tmp_path / "rules.toml"
    toml.write_text(
        '[stages]\nwritten = 60\ninterview = 40\ndemocratic = 0\nfitness = 5\n'
        '[democratic]\ndenominator = "ballots_cast"\ngroups = [["领导班子", 3], ["一般干部", 7]]\n'
        '[ranking]\ntie_breaks = ["interview"]\n',
        encoding="utf-8",
    )
    done = jz_here("config", test_vault.path, "--import", toml, user="admin")
    assert done.returncode == 0, done.stderr
    r = config.current_rules(session_of(test_vault, "admin"))
    assert r.stages == {"written": 60, "interview": 40, "democratic": 0, "fitness": 5}
    assert r.active_stages == ["written", "interview", "fitness"]
    assert r.denominator == "ballots_cast"
    assert r.groups == (("领导班子", Decimal(3)), ("一般干部", Decimal(7)))
    assert r.tie_breaks == ("interview",)
    assert config_events(test_vault) == 1


def test_importing_the_sample_changes_nothing_but_is_accepted(test_vault, jz_here):
    done = jz_here("config", test_vault.path, "--import", SAMPLE_RULES, user="admin")
    assert done.returncode == 0, done.stderr
    assert config.current_rules(session_of(test_vault, "admin")) == rules.rules_from({})


# ---------------------------------------------------------------------- refusals


BAD_SETTINGS = [
    ("unknown key", ["no.such.rule=1"], "no.such.rule"),
    ("unknown table leaf", ["interview.weight=3"], "interview.weight"),
    ("stage name not a word", ["stages.bad-name=3"], "stages.bad-name"),
    ("not a number", ["stages.written=lots"], "stages.written"),
    ("NaN is not a number", ["democratic.values.basic=nan"], "democratic.values.basic"),
    ("out of range", ["democratic.dissatisfied_max=1.5"], "democratic.dissatisfied_max"),
    ("negative weight", ["stages.interview=-1"], "stages.interview"),
    ("not an integer", ["ranking.targets_per_post=2.5"], "ranking.targets_per_post"),
    ("boolean for an integer", ["ranking.decimals=true"], "ranking.decimals"),
    ("integer out of range", ["interview.drop_when_at_least=2"], "interview.drop_when_at_least"),
    ("not a choice", ["interview.method=olympic"], "interview.method"),
    ("not pairs", ['interview.rubric=["a", "b"]'], "interview.rubric"),
    ("zero maximum", ['interview.rubric=[["a", 0]]'], "interview.rubric"),
    ("duplicate name", ['democratic.groups=[["staff", 1], ["staff", 2]]'], "democratic.groups"),
    ("not a list", ["ranking.tie_breaks=interview"], "ranking.tie_breaks"),
    ("tie break on no stage", ['ranking.tie_breaks=["oral"]'], "ranking.tie_breaks"),
    ("no stage left", ["stages.written=0", "stages.interview=0", "stages.democratic=0"], "stages"),
    ("a good key with a bad one", ["stages.written=40", "ranking.decimals=9"], "ranking.decimals"),
]


@pytest.mark.parametrize(("why", "assignments", "key"), BAD_SETTINGS, ids=[c[0] for c in BAD_SETTINGS])
def test_bad_setting_is_refused_naming_the_key(test_vault, jz_here, why, assignments, key):
    before = test_vault.vault.head()
    argv = [a for pair in assignments for a in ("--set", pair)]
    done = jz_here("config", test_vault.path, *argv, user="admin")
    assert done.returncode == 1, (why, done.stdout, done.stderr)
    assert f"“{key}”" in done.stderr or f"({key})" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert test_vault.vault.head() == before


def test_zero_weights_are_refused_against_the_rules_in_force(test_vault):
    admin = session_of(test_vault, "admin")
    config.change(admin, {"stages.written": 0})
    config.change(admin, {"stages.interview": 0})
    before = test_vault.vault.head()
    with pytest.raises(JzError) as refused:
        config.change(admin, {"stages.democratic": "0"})
    assert refused.value.key == "rule_no_stage" and refused.value.params["key"] == "stages"
    assert test_vault.vault.head() == before
    # a new stage with a weight rescues it, in the same change
    config.change(admin, {"stages.democratic": 0, "stages.fitness": 1})
    assert config.current_rules(admin).active_stages == ["fitness"]


def test_import_with_an_unknown_key_appends_nothing(test_vault, jz_here, tmp_path):
    toml = tmp_path / "rules.toml"
    toml.write_text("[stages]\nwritten = 50\n[ranking]\ntargets_per_post = 2\nlucky_number = 7\n", encoding="utf-8")
    before = test_vault.vault.head()
    done = jz_here("config", test_vault.path, "--import", toml, user="admin")
    assert done.returncode == 1 and "ranking.lucky_number" in done.stderr, done.stderr
    assert test_vault.vault.head() == before


def test_import_of_invalid_toml_is_refused(test_vault, jz_here, tmp_path):
    toml = tmp_path / "rules.toml"
    toml.write_text("[stages\nwritten = ", encoding="utf-8")
    before = test_vault.vault.head()
    done = jz_here("config", test_vault.path, "--import", toml, user="admin")
    assert done.returncode == 1 and "not valid TOML" in done.stderr, done.stderr
    assert test_vault.vault.head() == before


def test_import_and_a_bad_set_together_append_nothing(test_vault, jz, tmp_path):
    """One command is one action: a refused --set must not leave the --import behind."""
    toml = tmp_path / "rules.toml"
    toml.write_text("[ranking]\ntargets_per_post = 4\n", encoding="utf-8")
    before = test_vault.vault.head()
    done = jz("config", test_vault.path, "--import", toml, "--set", "no.such=1", user="admin")
    assert done.returncode == 1 and "no.such" in done.stderr
    assert test_vault.vault.head() == before
    both = jz("config", test_vault.path, "--import", toml, "--set", "ranking.decimals=3", user="admin")
    assert both.returncode == 0, both.stderr
    r = config.current_rules(session_of(test_vault, "admin"))
    assert (r.targets_per_post, r.decimals) == (4, 3)
    assert config_events(test_vault) == 1


def test_only_an_admin_changes_the_rules(test_vault, jz_here):
    before = test_vault.vault.head()
    done = jz_here("config", test_vault.path, "--set", "stages.written=5", user="clerk")
    assert done.returncode == 1
    assert test_vault.vault.head() == before


def test_values_go_into_the_ledger_validated(test_vault):
    admin = session_of(test_vault, "admin")
    clean = config.change(admin, config.parse_assignments(
        ["democratic.dissatisfied_max=0.3", "interview.min_if_uncontested= 60.50 ", "tally.shares_to_open=3"]))
    assert clean == {"democratic.dissatisfied_max": "0.3", "interview.min_if_uncontested": "60.50",
                     "tally.shares_to_open": 3}
    record = list(test_vault.vault.records(admin.identity.data_key))[-1]
    assert record.kind == "config.set" and record.data["changes"] == clean
    assert all(not isinstance(v, float) for v in record.data["changes"].values())


def test_the_installed_command_refuses_an_unknown_key(test_vault, jz):
    before = test_vault.vault.head()
    done = jz("config", test_vault.path, "--set", "stages.written=40", "--set", "no.such.rule=1", user="admin")
    assert done.returncode == 1 and "“no.such.rule”" in done.stderr, done.stderr
    assert test_vault.vault.head() == before
