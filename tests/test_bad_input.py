"""Bad input across every verb, as a table: one clear line on stderr and a non-zero exit (never a traceback, never
"internal error"), and with --json exactly one JSON document on stdout that validates against the verb's schema
(an error document for exit 2). Also the library API: a user mistake is an AscendfixError, not a stray exception.

Fast tier: in-process CLI calls (tests/conftest.run_in_process: stdout/stderr are strict UTF-8 pipes, as on a
machine with a UTF-8 locale)."""

import json
import os
import sys
from pathlib import Path

import pytest

import support

ROOT = Path(__file__).resolve().parents[1]
SMOKE_REPORTS = Path(__file__).resolve().parent / "data" / "smoke" / "reports"
NON_UTF8 = os.fsdecode(b"n\xffu.log")  # a file name in another encoding: lone surrogates in Python

# (argv, exit code). Placeholders: {missing} (no such path), {empty}, {binary}, {dir} (an empty folder),
# {badjson}, {listjson}, {objjson}, {nonutf8} (a file whose name is not UTF-8), {brokenpy} (an executable that is
# not Python), {tree} (a tiny source checkout), {smoke} (a real smoke report folder), {ro} (a folder where
# nothing can be written: see the fixture).
CASES = [
    # explain
    (["explain", "{missing}"], 2),
    (["explain", "{dir}"], 2),
    (["explain", "{binary}"], 1),
    (["explain", "{empty}"], 1),
    (["explain", "{nonutf8}"], 1),
    (["explain", "--limit", "-1", "{empty}"], 2),
    (["explain", "--limit", "abc", "{empty}"], 2),
    (["explain", "--max-files", "0", "{dir}"], 2),
    (["explain", "AF99999"], 2),
    (["explain"], 2),
    # compare
    (["compare", "{badjson}", "{objjson}"], 2),
    (["compare", "{listjson}", "{objjson}"], 2),
    (["compare", "{objjson}", "{objjson}"], 2),
    (["compare", "{binary}"], 2),
    (["compare", "{empty}"], 2),
    (["compare", "{dir}"], 2),
    (["compare", "{missing}"], 2),
    (["compare", "{nonutf8}"], 2),
    (["compare"], 2),
    # apply / revert
    (["apply", "{missing}"], 2),
    (["apply", "{empty}"], 2),
    (["apply", "{dir}"], 2),
    (["apply", "{nonutf8}"], 2),
    (["apply", "{tree}", "--rule", "nope", "--check"], 2),
    (["apply", "{tree}", "--target-python", "abc", "--check"], 2),
    (["apply", "{tree}", "--target-python", "2.7", "--check"], 2),
    (["apply", "{tree}", "--python", "{brokenpy}", "--check"], 2),
    (["apply", "{tree}", "--python", "{dir}", "--check"], 2),
    (["apply", "{tree}", "--python", "{missing}", "--check"], 2),
    (["apply", "{tree}", "--python", "{nonutf8}", "--check"], 2),
    (["apply", "{tree}", "--jobs", "0", "--check"], 2),
    (["apply", "{tree}", "--check", "--diff"], 2),
    (["revert", "{missing}"], 2),
    (["revert", "{empty}"], 2),
    (["revert", "{tree}"], 1),
    # check
    (["check", "--python", "{missing}"], 2),
    (["check", "--python", "{brokenpy}"], 2),
    (["check", "--python", "{dir}"], 2),
    (["check", "--python", "{empty}"], 2),
    (["check", "--python", "{nonutf8}"], 2),
    (["check", "--only", "weights", "--weights", "{missing}"], 2),
    (["check", "--only", "weights", "--weights", "{empty}"], 2),
    (["check", "--only", "script", "--script", "{missing}"], 2),
    (["check", "--only", "script", "--script", "{binary}"], 2),
    (["check", "--only", "script", "--script", "{dir}"], 2),
    (["check", "--only", "mindone", "--mindone", "{empty}"], 2),
    (["check", "--only", "system", "--root", "{missing}"], 2),
    (["check", "--only", "npu", "--command-output", "foo"], 2),
    (["check", "--only", "npu", "--command-output", "npu-smi={missing}"], 2),
    (["check", "--only", "npu", "--command-output", "npu-smi={dir}"], 2),
    (["check", "--only", "nosuchcheck"], 2),
    (["check", "--only", "python", "--want", "garbage!!"], 2),
    (["check", "--only", "python", "--deep", "--timeout", "-1"], 2),
    (["check", "--only", "python", "--out", "{ro}/reports"], 2),
    (["check", "--stack", "nope"], 2),
    (["check", "--only", "python", "--all-ranks"], 2),
    # smoke (each refused before anything runs)
    (["smoke", "--recipe", "nope"], 2),
    (["smoke", "--tiny", "--python", "{brokenpy}"], 2),
    (["smoke", "--tiny", "--python", "{missing}"], 2),
    (["smoke", "--weights", "{missing}"], 2),
    (["smoke", "--weights", "{empty}"], 2),
    (["smoke", "--weights", "{dir}"], 2),
    (["smoke", "--tiny", "--steps", "0"], 2),
    (["smoke", "--tiny", "--size", "0x0"], 2),
    (["smoke", "--tiny", "--size", "abc"], 2),
    (["smoke", "--tiny", "--runs", "0"], 2),
    (["smoke", "--tiny", "--warmup", "-1"], 2),
    (["smoke", "--tiny", "--threshold", "-5"], 2),
    (["smoke", "--tiny", "--timeout", "0"], 2),
    (["smoke", "--tiny", "--compare", "{badjson}"], 2),
    (["smoke", "--tiny", "--compare", "{missing}"], 2),
    (["smoke", "--tiny", "--compare", "{listjson}"], 2),
    (["smoke", "--tiny", "--compare", "{objjson}"], 2),
    (["smoke", "--tiny", "--compare", "{binary}"], 2),
    (["smoke", "--tiny", "--compare", "{nonutf8}"], 2),
    (["smoke", "--tiny", "--out", "{empty}"], 2),
    (["smoke", "--tiny", "--device", "TPU"], 2),
    (["smoke", "--tiny", "--html", "{dir}"], 2),
    (["smoke", "--compare", "{smoke}", "{smoke}", "--html", "{ro}/page.html"], 2),
    (["smoke", "--compare", "{smoke}", "{smoke}", "--steps", "3", "--out", "{dir}"], 2),  # nothing runs
    # report
    (["report", "--no-check", "--smoke", "{missing}"], 2),
    (["report", "--no-check", "--smoke", "{badjson}"], 2),
    (["report", "--no-check", "--smoke", "{listjson}"], 2),
    (["report", "--no-check", "--smoke", "{binary}"], 2),
    (["report", "--no-check", "--smoke", "{dir}"], 2),
    (["report", "--no-check", "--smoke", "{nonutf8}"], 2),
    (["report", "--no-check", "--no-smoke", "--log", "{missing}"], 2),
    (["report", "--no-check", "--no-smoke", "--log", "{dir}"], 2),
    (["report", "--no-check", "--no-smoke", "--out", "{dir}"], 2),
    (["report", "--no-check", "--no-smoke", "--out", "{empty}"], 2),
    (["report", "--no-check", "--no-smoke", "--out", "{binary}/x.html"], 2),
    (["report", "--no-check", "--no-smoke", "--out", "{ro}/page.html"], 2),
    (["report", "--no-smoke", "--python", "{brokenpy}"], 2),
]


@pytest.fixture
def places(tmp_path, monkeypatch):
    d = tmp_path / "in"
    d.mkdir()
    (d / "empty.txt").write_bytes(b"")
    (d / "binary.dat").write_bytes(b"\x00\x01\xff\xfe" * 64)
    (d / "dir").mkdir()
    (d / "bad.json").write_text("{\n")
    (d / "list.json").write_text("[1, 2]\n")
    (d / "obj.json").write_text('{"a": 1}\n')
    (d / NON_UTF8).write_bytes(b"x\n")
    broken = d / "brokenpy"
    broken.write_text("#!/bin/sh\nexit 7\n")
    broken.chmod(0o755)
    tree = d / "tree"
    (tree / "pkg").mkdir(parents=True)
    (tree / "pyproject.toml").write_text('[project]\nname = "x"\nrequires-python = ">=3.9"\n')
    (tree / "pkg" / "a.py").write_text("def f(x: list[int]) -> None:\n    pass\n")
    ro = d / "ro"
    ro.mkdir()
    # A folder nothing can be written to (a read-only mount; as root, permission bits would not stop a write):
    # every temporary file or folder made in it fails as on a read-only file system.
    import tempfile

    real_mkstemp, real_mkdir = tempfile.mkstemp, Path.mkdir

    def _refuse(path):
        if str(path).startswith(str(ro)):
            raise OSError(30, "Read-only file system", str(path))

    def mkstemp(*a, **kw):
        _refuse(kw.get("dir") or (a[2] if len(a) > 2 else ""))
        return real_mkstemp(*a, **kw)

    def mkdir(self, *a, **kw):
        _refuse(self)
        return real_mkdir(self, *a, **kw)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    monkeypatch.setattr(Path, "mkdir", mkdir)
    return {"missing": str(d / "missing"), "empty": str(d / "empty.txt"), "binary": str(d / "binary.dat"),
            "dir": str(d / "dir"), "badjson": str(d / "bad.json"), "listjson": str(d / "list.json"),
            "objjson": str(d / "obj.json"), "nonutf8": str(d / NON_UTF8), "brokenpy": str(broken),
            "tree": str(tree), "smoke": str(SMOKE_REPORTS / "ms27-tiny-a"), "ro": str(ro)}


def _case_id(case):
    return " ".join(case[0])


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS file names are always UTF-8")
@pytest.mark.parametrize("argv,code", CASES, ids=[_case_id(c) for c in CASES])
def test_bad_input_is_one_line_and_one_json_document(run_cli, places, argv, code):
    pytest.importorskip("jsonschema")
    args = [a.format(**places) for a in argv]
    r = run_cli(*args)
    err = r.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err and "internal error" not in err, err
    assert r.returncode == code, (r.returncode, err, r.stdout[-400:])
    if code == 2:
        assert len(err.strip().splitlines()) == 1 and ": error: " in err, err

    r = run_cli(*(args + ["--json"]))
    err = r.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err and "internal error" not in err, err
    assert r.returncode == code, (r.returncode, err)
    doc = json.loads(r.stdout.decode("utf-8"))  # exactly one document, valid UTF-8
    support.schema_validator(argv[0]).validate(doc)  # made once per verb and process
    if code == 2:
        assert doc["error"]["exit_code"] == 2 and doc["error"]["message"]


def test_non_utf8_names_survive_into_json_and_back(run_cli, places, tmp_path):
    """A name that is not UTF-8 is written as a \\udcXX escape: valid JSON that reads back as the same name."""
    r = run_cli("explain", "--json", places["nonutf8"])
    doc = json.loads(r.stdout.decode("utf-8"))
    assert doc["sources"][0]["name"] == places["nonutf8"]
    out = tmp_path / "page.html"
    r = run_cli("report", "--no-check", "--no-smoke", "--log", places["nonutf8"], "--out", out)
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.with_suffix(".json").read_bytes().decode("utf-8"))
    assert doc["explain"]["log"] == NON_UTF8


@pytest.mark.parametrize("argv,says", [
    (["check", "--only", "weights", "--weights", "{empty}"], "not a directory"),
    (["check", "--only", "weights", "--weights", "{missing}"], "no such directory"),
    (["check", "--only", "mindone", "--mindone", "{empty}"], "not a directory"),
    (["check", "--only", "script", "--script", "{dir}"], "a directory, not a file"),
    (["check", "--only", "script", "--script", "{missing}"], "no such file"),
    (["check", "--only", "python", "--all-ranks"], "give --out DIR too"),
    (["check", "--only", "npu", "--command-output", "npu-smi={empty}"], "not a command check runs"),  # 'npu-smi info'
    (["check", "--only", "npu", "--command-output", "hccn_tool -i 0 -lnk -g={empty}"], "'hccn_tool -i N -link -g'"),
])
def test_the_line_says_what_is_wrong(run_cli, places, argv, says):
    r = run_cli(*[a.format(**places) for a in argv])
    assert r.returncode == 2 and says in r.stderr.decode(), r.stderr


def test_library_api_mistakes_are_ascendfix_errors(tmp_path):
    import ascendfix as af

    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "pyproject.toml").write_text('[project]\nname = "x"\nrequires-python = ">=3.9"\n')
    (tree / "a.py").write_text("def f(x: list[int]) -> None:\n    pass\n")
    assert af.apply(str(tree), target_python=3.8, mode="check").to_dict() == \
        af.apply(str(tree), target_python="3.8", mode="check").to_dict()  # a float 3.8 means "3.8"
    for call in (lambda: af.apply(str(tree), target_python="abc", mode="check"),
                 lambda: af.apply(str(tree), mode="bogus"),
                 lambda: af.check(only="nosuchcheck"),
                 lambda: af.explain(str(tmp_path / "missing.log")),
                 lambda: af.explain(b"a log\n", limit=-1),  # as --limit -1
                 lambda: af.compare([])):
        with pytest.raises(af.AscendfixError):
            call()
    assert support  # the helpers module is importable here (run_cli's conftest)
