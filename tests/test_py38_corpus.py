"""py38-annotations + py38-stdlib on copies of the real mindone 0.5.0 and 0.4.0 sources, checked by a
REAL Python 3.8 (tests/py38_oracle.py evaluates every expression 3.8 evaluates at import/definition
time, stdlib names real, third-party names permissive stand-ins).

- before: the oracle finds the reference's failing files (0.5.0: 240 at runtime + 1 under
  `if TYPE_CHECKING:` = the 241 that ruff FA102 and the reference survey count; 0.4.0: 67);
- after `ascendfix apply --rule py38-annotations --rule py38-stdlib`: zero typing errors, every
  changed file still parses (3.11 ast here, 3.8 ast in the oracle), no file whose annotations are
  read at runtime (the 19 nested-TypedDict processor files, the *Pipeline files) got the future
  import, the reported stdlib sites are exactly the expected list below (inspected: all real), and a
  rerun changes nothing.
"""

import ast
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import cache_root, mindone_tree, python38  # noqa: E402

ORACLE = str(Path(__file__).resolve().parent / "py38_oracle.py")

# (path, line, api) of every "report" finding of py38-stdlib, by inspection all real 3.9+ uses: ast.unparse inside
# try/except Exception (3.8 silently takes the fallback and returns "<_ast.Attribute object ...>" as the name).
# (removesuffix/removeprefix on `key.replace(...)` / `key.split(...)[1]` receivers are rewritten: the receiver is
# bound to a name first.)
EXPECTED_REPORTS = {
    "0.5.0": [
        ("mindone/diffusers/utils/source_code_parsing_utils.py", 23, "ast.unparse"),
        ("mindone/diffusers/utils/source_code_parsing_utils.py", 31, "ast.unparse"),
    ],
    "0.4.0": [
        ("mindone/diffusers/utils/source_code_parsing_utils.py", 23, "ast.unparse"),
        ("mindone/diffusers/utils/source_code_parsing_utils.py", 31, "ast.unparse"),
    ],
}
# Rewritten stdlib sites (str.removeprefix/removesuffix, hashlib usedforsecurity).
EXPECTED_STDLIB_CHANGES = {"0.5.0": 29, "0.4.0": 24}
# Files failing on 3.8 before the rules: (at runtime, only under `if TYPE_CHECKING:`).
EXPECTED_BEFORE = {"0.5.0": (240, 1), "0.4.0": (66, 1)}


def run_oracle(root, files=None, cache=False):
    """The oracle's JSON for ``root``. ``cache=True`` (an unmodified cached corpus tree) keeps the answer in the
    test cache, keyed by the oracle's source, the interpreter and the tree: the default-Python and the Python 3.8
    CI runs read the same original tree with the same oracle, so the second reuses the first's answer."""
    path = None
    if cache:
        py = python38()
        key = hashlib.sha256(Path(ORACLE).read_bytes() + "|{}|{}|{}".format(
            py, os.stat(py).st_mtime_ns, Path(root).resolve()).encode()).hexdigest()[:16]
        path = cache_root() / "oracle" / "{}-{}.json".format(Path(root).name, key)
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    out = _oracle(root, files)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp{}".format(os.getpid()))
        tmp.write_text(json.dumps(out), encoding="utf-8")
        os.replace(str(tmp), str(path))
    return out


def _oracle(root, files=None):
    cmd = [python38(), ORACLE, str(root), "--jobs", "2"]
    if files is not None:
        lst = Path(str(root) + ".files.txt")
        lst.write_text("".join(f + "\n" for f in files))
        cmd += ["--files-from", str(lst)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout)


def has_future_annotations(source):
    tree = ast.parse(source)
    return any(
        isinstance(s, ast.ImportFrom) and s.module == "__future__" and any(a.name == "annotations" for a in s.names)
        for s in tree.body
    )


def runtime_read_files(root):
    """Independent of the codemod: files whose annotations mindone/diffusers read at runtime."""
    nested_typeddict, pipelines = set(), set()
    for p in sorted(Path(root).rglob("*.py")):
        rel = p.relative_to(root).as_posix()
        for n in ast.walk(ast.parse(p.read_bytes())):
            if not isinstance(n, ast.ClassDef):
                continue
            typeddict = any(k.arg == "total" for k in n.keywords) or any(
                isinstance(b, ast.Name) and b.id == "TypedDict" for b in n.bases)
            if typeddict and any(isinstance(s, ast.AnnAssign) and isinstance(s.annotation, ast.Name)
                                 and s.annotation.id.endswith("Kwargs") for s in n.body):
                nested_typeddict.add(rel)
            if n.name.endswith("Pipeline") and any(
                    isinstance(s, ast.FunctionDef) and s.name == "__init__" and any(a.annotation for a in s.args.args)
                    for s in n.body):
                pipelines.add(rel)
    return nested_typeddict, pipelines


@pytest.mark.full
@pytest.mark.py38
@pytest.mark.parametrize("version", ["0.5.0", "0.4.0"])
def test_real_tree_runs_on_python38_after_the_rules(version, run_cli, py38_patched_tree):
    orig = mindone_tree(version)

    before = run_oracle(orig, cache=True)
    assert before["syntax_errors"] == {}
    failing_before = set(before["failures"])
    tc_only = set(before["type_checking_failures"]) - failing_before
    assert (len(failing_before), len(tc_only)) == EXPECTED_BEFORE[version]
    # sanity of the oracle itself: it only ever reports real typing errors
    errors = {x["error"].split(":", 1)[1].strip() for v in before["failures"].values() for x in v}
    assert errors <= {"'type' object is not subscriptable", "'ABCMeta' object is not subscriptable",
                      "unsupported operand type(s) for |: 'type' and 'NoneType'",
                      "unsupported operand type(s) for |: '_GenericAlias' and '_GenericAlias'"}, errors

    tree, r = py38_patched_tree(version)
    assert r.returncode == 0, r.stderr.decode()[-3000:]
    out = json.loads(r.stdout)
    changed = set(out["changed_files"])
    findings = out["findings"]

    # every file that failed is among the changed ones; nothing unrelated was touched
    assert failing_before <= changed
    ann_changed = {f["path"] for f in findings if f["rule"] == "py38-annotations" and f["kind"] == "change"}
    assert ann_changed == failing_before

    # nothing that parsed stops parsing (3.11 here; the oracle parses with 3.8 below)
    for rel in changed:
        ast.parse((tree / rel).read_bytes(), filename=rel)

    after = run_oracle(tree, sorted(changed))
    assert after["syntax_errors"] == {}
    assert after["failures"] == {}, json.dumps(after["failures"], indent=1)[:3000]
    assert after["other_errors"] == {k: v for k, v in before["other_errors"].items() if k in changed}

    # runtime-read annotations: no future import where there was none
    nested, pipelines = runtime_read_files(orig)
    if version == "0.5.0":
        assert len(nested) == 19
        assert len(pipelines) >= 200
    for rel in sorted(nested | pipelines):
        if not has_future_annotations((orig / rel).read_bytes()):
            assert not has_future_annotations((tree / rel).read_bytes()), rel
    futures = {f["path"] for f in findings if f["data"].get("fix") == "future-import"}
    assert futures and not futures & (nested | pipelines)

    # stdlib: the expected report list exactly, the rest rewritten
    reports = sorted((f["path"], f["line"], f["data"]["api"]) for f in findings
                     if f["rule"] == "py38-stdlib" and f["kind"] == "report")
    assert reports == EXPECTED_REPORTS[version]
    stdlib_changes = [f for f in findings if f["rule"] == "py38-stdlib" and f["kind"] == "change"]
    assert len(stdlib_changes) == EXPECTED_STDLIB_CHANGES[version]
    assert not [f for f in findings if f["kind"] == "skip"], [f for f in findings if f["kind"] == "skip"][:5]

    # a rerun changes nothing (the reports stay: --check exits 1 for them)
    r2 = run_cli("apply", tree, "--rule", "py38-annotations", "--rule", "py38-stdlib", "--check", "--json",
                 "--jobs", "2", timeout=3000)
    out2 = json.loads(r2.stdout)
    assert out2["changed_files"] == []
    assert r2.returncode == 1
    # (lines may have moved: a file can have gained an import above the site)
    assert sorted((f["path"], f["data"]["api"]) for f in out2["findings"] if f["kind"] == "report") == \
        sorted((p, api) for p, _, api in EXPECTED_REPORTS[version])
