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
