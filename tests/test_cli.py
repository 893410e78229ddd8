"""The command surface every verb shares: --version, --help, usage errors, exit codes."""

import json

import pytest

from ascendfix import __version__
from ascendfix.cli import VERBS

pytestmark = []


def test_version(run_cli):
    r = run_cli("--version")
    assert r.returncode == 0
    assert r.stdout.decode().strip() == "ascendfix " + __version__


@pytest.mark.parametrize("verb", list(VERBS))
def test_each_verb_has_help_and_version(run_cli, verb):
    r = run_cli(verb, "--help")
    assert r.returncode == 0, r.stderr
    assert b"--json" in r.stdout
    r = run_cli(verb, "--version")
    assert r.returncode == 0 and r.stdout.decode().strip() == "ascendfix " + __version__


@pytest.mark.parametrize("verb", list(VERBS))
def test_each_verb_has_verbose(run_cli, verb):
    """-v/--verbose on every verb, with the verb's own words for what it adds (tested per verb elsewhere)."""
    r = run_cli(verb, "--help")
    text = r.stdout.decode()
    assert "-v, --verbose" in text, text
    said = " ".join(text.split("-v, --verbose", 1)[1].split("\n  -", 1)[0].split())
    assert len(said) > 20 and said != "show more", said


@pytest.mark.parametrize("verb", list(VERBS))
def test_bad_flag_is_one_line_exit_2(run_cli, verb):
    r = run_cli(verb, "--no-such-flag")
    assert r.returncode == 2
    err = r.stderr.decode().strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in r.stderr.decode()
    assert err[0].startswith("ascendfix {}: error:".format(verb))


def test_bad_flag_with_json_prints_json_error(run_cli):
    r = run_cli("explain", "--json", "--no-such-flag")
    assert r.returncode == 2
    doc = json.loads(r.stdout)
    assert doc["error"]["exit_code"] == 2


def test_no_verb_is_usage_error(run_cli):
    r = run_cli()
    assert r.returncode == 2


def test_exit_codes_have_one_text_in_help_and_readme(run_cli):
    """Every verb's negative outcome and the closed-pipe rule: ascendfix/errors.py is the text behind both."""
    from pathlib import Path

    from ascendfix.errors import NEGATIVE_OUTCOMES, PIPE_RULE

    assert {v for v, _ in NEGATIVE_OUTCOMES} == set(VERBS)
    helptext = " ".join(run_cli("--help").stdout.decode().split())
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for verb, what in NEGATIVE_OUTCOMES:
        assert "{} {}".format(verb, what) in helptext, verb
        assert "| `{}` | {} |".format(verb, what) in readme, verb
    assert " ".join(PIPE_RULE.replace("`", "").split()) in helptext
    assert PIPE_RULE in readme
