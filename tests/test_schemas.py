"""Every verb's real --json output validates against its schema (schemas/<verb>.schema.json), in each of the
documents the verb prints: reports, lists, pages and error documents. (Passing smoke runs: the captured ones in
tests/data/smoke/reports here, and every real run of tests/test_smoke_frameworks.py through
support.schema_errors.)"""

import json
from pathlib import Path

import pytest
from support import schema_validator

jsonschema = pytest.importorskip("jsonschema")  # in the [test] extra

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
VERBS = ("check", "apply", "revert", "explain", "smoke", "report")


def _validator(verb):
    return schema_validator(verb)  # the schema checked against the metaschema, once per process


def _valid(verb, r, kind=None):
    """Validate the one JSON document on stdout; return it. ``kind`` names the $defs entry it must match."""
    doc = json.loads(r.stdout)
    v = _validator(verb)
    errors = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join("{}: {}".format(list(e.path), e.message[:300]) for e in errors)
    if kind is not None:
        assert not list(schema_validator(verb, kind).iter_errors(doc)), kind
    return doc


@pytest.mark.parametrize("verb", VERBS)
def test_schema_is_valid_and_names_every_document(verb):
    v = _validator(verb)
    assert {"report", "error"} <= set(v.schema["$defs"])


def test_check(run_cli, tmp_path):
    _valid("check", run_cli("check", "--json"), "report")
    _valid("check", run_cli("check", "--json", "-v", "--strict", "--only", "python", "packages", "env"), "report")
    _valid("check", run_cli("check", "--list-checks", "--json"), "checks")
    _valid("check", run_cli("check", "--json", "--weights", tmp_path / "missing"), "error")


def _tree(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "m.py").write_text('def f(x: list[int]) -> dict[str, int]:\n    return {}\n\ns = "ab".removeprefix("a")\n'
                               't = s.split(".")[1].removesuffix("x")\n')
    (tree / "pyproject.toml").write_text('[project]\nname = "x"\nrequires-python = ">=3.9"\n'
                                         'dependencies = ["transformers>=4.50"]\n')
    return tree


def test_apply_and_revert(run_cli, tmp_path):
    tree = _tree(tmp_path)
    for mode in ("--check", "--diff"):
        doc = _valid("apply", run_cli("apply", tree, mode, "--json"), "report")
        assert doc["changed_files"] and not doc["written"]
    doc = _valid("apply", run_cli("apply", tree, "--json"), "report")
    assert doc["written"] and doc["findings"]
    _valid("apply", run_cli("apply", tmp_path / "nope", "--json"), "error")
    _valid("revert", run_cli("revert", tree, "--dry-run", "--json"), "report")
    doc = _valid("revert", run_cli("revert", tree, "--json"), "report")
    assert doc["restored"]
    _valid("revert", run_cli("revert", tree, "--json"), "error")  # nothing to revert: exit 1, an error document


def test_explain(run_cli, tmp_path):
    doc = _valid("explain", run_cli("explain", DATA / "logs" / "ms27_cpu_maskedfill_fp16.log", "--json"), "report")
    assert doc["matches"]
    (tmp_path / "quiet.log").write_text("all good\n")
    _valid("explain", run_cli("explain", tmp_path / "quiet.log", "--json"), "report")
    _valid("explain", run_cli("explain", "AF003", "--json"), "page")
    _valid("explain", run_cli("explain", "--list", "--json"), "signatures")
    _valid("explain", run_cli("explain", "AF999", "--json"), "error")


def test_smoke(run_cli, tmp_path):
    _valid("smoke", run_cli("smoke", "--list", "--json"), "recipes")
    r = run_cli("smoke", "--tiny", "--device", "CPU", "--out", tmp_path / "out", "--no-preflight", "--json")
    doc = _valid("smoke", r, "report")  # this interpreter has no MindSpore: a failed smoke, documented
    assert doc["status"] == "fail" and doc["failure"]["stage"] == "requirements"
    report_json = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert dict(report_json, out=doc["out"]) == doc
    _valid("smoke", run_cli("smoke", "--steps", "0", "--json"), "error")
    runs = DATA / "smoke" / "reports"
    _valid("smoke", run_cli("smoke", "--compare", runs / "ms27-tiny-a", runs / "ms27-tiny-b", "--json"), "comparison")
    v = _validator("smoke")
    sub = jsonschema.Draft202012Validator(dict(v.schema["$defs"]["report"], **{"$defs": v.schema["$defs"]}))
    for path in sorted(runs.glob("*/report.json")):  # real passing runs, captured with MindSpore 2.7 on CPU
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["status"] == "pass" and not list(sub.iter_errors(doc)), path


def test_report(run_cli, tmp_path):
    runs = DATA / "smoke" / "reports"
    doc = _valid("report", run_cli("report", "--no-check", "--smoke", runs / "ms27-tiny-a", "--log",
                                   DATA / "logs" / "ms27_cpu_maskedfill_fp16.log", "--out", tmp_path / "r.html",
                                   "--json"), "report")
    assert doc["smoke"]["status"] == "pass" and doc["explain"]["matches"]
    doc = _valid("report", run_cli("report", "--no-smoke", "--out", tmp_path / "c.html", "--json"), "report")
    assert doc["check"]["findings"]
    _valid("report", run_cli("report", "--smoke", tmp_path / "missing", "--json"), "error")
