"""`ascendfix apply` / `revert` on small fixture trees: modes, journal, encodings, exit codes.

The real-tree tests (mindone 0.5.0 / 0.4.0) are in test_apply_mindone.py.
"""

import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ascendfix.apply.base import Context
from ascendfix.apply.engine import load_rules, run_tree

MF = "masked-fill-dtype"

MS_SRC = (
    "import mindspore as ms\n"
    "\n"
    "\n"
    "def f(x, m):\n"
    "    return x.masked_fill(m, 0)\n"
)


def tree_hash(root):
    """{relpath: (sha256, mode)} of every file under root, the journal included."""
    out = {}
    for dirpath, _, files in os.walk(str(root)):
        for f in files:
            p = Path(dirpath) / f
            out[str(p.relative_to(root))] = (hashlib.sha256(p.read_bytes()).hexdigest(), stat.S_IMODE(p.stat().st_mode))
    return out


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "mindone"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_bytes(b"")
    (root / "pkg" / "plain.py").write_bytes(MS_SRC.encode())
    # CRLF + BOM
    (root / "pkg" / "crlf_bom.py").write_bytes(b"\xef\xbb\xbf" + MS_SRC.replace("\n", "\r\n").encode())
    # latin-1 with a cookie and a non-ASCII byte
    (root / "pkg" / "latin.py").write_bytes(
        b"# -*- coding: latin-1 -*-\nimport mindspore\n\nNAME = '\xe9t\xe9'\n\n\ndef f(x, m):\n"
        b"    return x.masked_fill(m, -1e9)\n"
    )
    # executable script: mode must survive the rewrite
    script = root / "tools" / "run.py"
    script.parent.mkdir()
    script.write_bytes(b"#!/usr/bin/env python\n" + MS_SRC.encode())
    script.chmod(0o755)
    # no mindspore import, no parse, torch: untouched
    (root / "pkg" / "torchy.py").write_bytes(b"import torch\n\n\ndef f(x, m):\n    return x.masked_fill(m, 0)\n")
    (root / "pkg" / "py2.py").write_bytes(b"import mindspore\nprint 'masked_fill', x.masked_fill(m, 0)\n")
    (root / "pkg" / "other.py").write_bytes(b"x = 1  # nothing to see\n")
    # skipped folders
    (root / ".git").mkdir()
    (root / ".git" / "hook.py").write_bytes(MS_SRC.encode())
    (root / "build").mkdir()
    (root / "build" / "gen.py").write_bytes(MS_SRC.encode())
    (root / "pyproject.toml").write_bytes(
        b'[project]\nname = "mindone"\nrequires-python = ">=3.9"\n'
        b'dependencies = [\n    "numpy<2.0",\n    "transformers==4.57.1",  # pin\n]\n'
    )
    return root


def _run(run_cli, *args):
    r = run_cli("apply", *[str(a) for a in args])
    return r, r.stdout.decode(), r.stderr.decode()


def test_apply_rewrites_keeps_encodings_and_modes_and_reverts(tree, run_cli):
    before = tree_hash(tree)
    r, out, err = _run(run_cli, tree, "--rule", MF)
    assert r.returncode == 0, err
    assert "Traceback" not in out + err
    assert "\x1b[" not in out  # NO_COLOR / not a tty: plain
    assert (tree / "pkg" / "plain.py").read_text() == MS_SRC.replace(
        "x.masked_fill(m, 0)", "x.masked_fill(m, ms.Tensor(0, dtype=x.dtype))")
    crlf = (tree / "pkg" / "crlf_bom.py").read_bytes()
    assert crlf.startswith(b"\xef\xbb\xbfimport mindspore as ms\r\n")
    assert b"ms.Tensor(0, dtype=x.dtype))\r\n" in crlf and b"\n" not in crlf.replace(b"\r\n", b"")
    latin = (tree / "pkg" / "latin.py").read_bytes()
    assert b"NAME = '\xe9t\xe9'" in latin and b"mindspore.Tensor(-1e9, dtype=x.dtype)" in latin
    assert b"import mindspore as ms" not in latin  # the file's own alias is reused
    run_py = tree / "tools" / "run.py"
    assert stat.S_IMODE(run_py.stat().st_mode) == 0o755
    assert run_py.read_bytes().startswith(b"#!/usr/bin/env python\n")
    after = tree_hash(tree)
    changed = {p for p in before if before[p] != after.get(p)}
    assert changed == {"pkg/plain.py", "pkg/crlf_bom.py", "pkg/latin.py", "tools/run.py"}
    assert any(p.startswith(".ascendfix/") for p in after)  # the journal
    # the unparseable file is reported, not touched
    assert "pkg/py2.py" in out and "does not parse" in out
    # rerun: nothing changes (idempotent), not even the journal
    r2, out2, err2 = _run(run_cli, tree, "--rule", MF)
    assert r2.returncode == 0, err2
    assert tree_hash(tree) == after
    assert "nothing to change" in out2
    # revert: byte-identical tree, journal gone
    rv = run_cli("revert", str(tree))
    assert rv.returncode == 0, rv.stderr
    assert tree_hash(tree) == before
    rv2 = run_cli("revert", str(tree))
    assert rv2.returncode == 1
    assert "nothing to revert" in rv2.stderr.decode() and len(rv2.stderr.decode().strip().splitlines()) == 1


def test_check_and_diff_write_nothing(tree, run_cli):
    before = tree_hash(tree)
    r, out, err = _run(run_cli, tree, "--rule", MF, "--check")
    assert r.returncode == 1
    assert "would change" in out
    assert tree_hash(tree) == before
    r, out, err = _run(run_cli, tree, "--rule", MF, "--diff")
    assert r.returncode == 1
    assert tree_hash(tree) == before
    assert "--- a/pkg/plain.py\n+++ b/pkg/plain.py\n" in out
    assert "+    return x.masked_fill(m, ms.Tensor(0, dtype=x.dtype))\n" in out
    assert "-    return x.masked_fill(m, 0)\n" in out
    assert "would change" in err  # the summary goes to stderr in --diff mode
    # --json: one document only
    r = run_cli("apply", str(tree), "--rule", MF, "--check", "--json")
    doc = json.loads(r.stdout)
    assert r.returncode == 1 and doc["exit_code"] == 1 and doc["written"] is False
    (rule,) = doc["rules"]
    assert rule["id"] == MF and rule["changed_files"] == 4 and rule["changes"] == 4 and rule["skipped"] == 1
    assert sorted(doc["changed_files"]) == ["pkg/crlf_bom.py", "pkg/latin.py", "pkg/plain.py", "tools/run.py"]
    assert {(f["path"], f["kind"]) for f in doc["findings"]} >= {("pkg/py2.py", "skip"), ("pkg/plain.py", "change")}
    assert tree_hash(tree) == before
    # after applying, --check is clean apart from the open finding (the py2 file)
    assert _run(run_cli, tree, "--rule", MF)[0].returncode == 0
    (tree / "pkg" / "py2.py").unlink()
    r, out, err = _run(run_cli, tree, "--rule", MF, "--check")
    assert r.returncode == 0, out + err
    assert "no changes pending" in out


def test_several_applies_revert_to_the_first_original(tree, run_cli):
    before = tree_hash(tree)
    assert _run(run_cli, tree, "--rule", MF)[0].returncode == 0
    # the user adds another site; a second apply changes the same file again and a new one
    plain = tree / "pkg" / "plain.py"
    plain.write_bytes(plain.read_bytes() + b"\n\ndef g(y, m):\n    return y.masked_fill_(m, 1)\n")
    (tree / "pkg" / "other.py").write_bytes(b"import mindspore as ms\n\n\ndef h(z, m):\n    return z.masked_fill(m, 0.0)\n")
    r = run_cli("revert", str(tree))
    assert r.returncode == 1 and "changed since ascendfix apply" in r.stderr.decode()  # refuses to drop edits
    r, out, err = _run(run_cli, tree, "--rule", MF, "--json")
    assert r.returncode == 0, err
    assert set(json.loads(out)["changed_files"]) == {"pkg/plain.py", "pkg/other.py"}
    assert b"y.masked_fill_(m, ms.Tensor(1, dtype=y.dtype))" in plain.read_bytes()
    rv = run_cli("revert", str(tree), "--json")
    assert rv.returncode == 0, rv.stderr
    doc = json.loads(rv.stdout)
    assert "pkg/plain.py" in doc["restored"] and "pkg/other.py" in doc["restored"]
    # back to the tree before the FIRST apply (the hand edits to other.py/plain.py after it are the
    # user's, but plain.py's journaled original is from before apply 1)
    now = tree_hash(tree)
    assert now["pkg/plain.py"] == before["pkg/plain.py"]
    assert now["pkg/crlf_bom.py"] == before["pkg/crlf_bom.py"]
    assert (tree / "pkg" / "other.py").read_bytes().endswith(b"z.masked_fill(m, 0.0)\n")
    assert not (tree / ".ascendfix").exists()


def test_revert_force_restores_edited_files(tree, run_cli):
    before = tree_hash(tree)
    assert _run(run_cli, tree, "--rule", MF)[0].returncode == 0
    (tree / "pkg" / "plain.py").write_bytes(b"# edited by hand\n")
    r = run_cli("revert", str(tree), "--dry-run")
    assert r.returncode == 1
    r = run_cli("revert", str(tree), "--force")
    assert r.returncode == 0, r.stderr
    assert tree_hash(tree) == before


def test_bad_input_one_line_exit_2(tmp_path, run_cli, tree):
    cases = [
        ("apply", str(tmp_path / "nope")),
        ("apply", str(tree / "pyproject.toml")),
        ("apply", str(tree), "--rule", "no-such-rule"),
        ("apply", str(tree), "--target-python", "py38"),
        ("apply", str(tree), "--jobs", "0"),
        ("apply", str(tree), "--python", str(tmp_path / "nopython")),
        ("apply", str(tree), "--check", "--diff"),
        ("revert", str(tmp_path / "nope")),
    ]
    for args in cases:
        r = run_cli(*args)
        err = r.stderr.decode()
        assert r.returncode == 2, (args, err)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, (args, err)
    r = run_cli("apply", str(tmp_path / "nope"), "--json")
    assert json.loads(r.stdout)["error"]["exit_code"] == 2
    r = run_cli("apply", str(tree), "--rule", "no-such-rule")
    assert "masked-fill-dtype" in r.stderr.decode()  # lists the known rules


def test_malformed_rule_file_is_exit_2(tmp_path, run_cli, tree):
    rules = tmp_path / "rules"
    (rules / "patches").mkdir(parents=True)
    (rules / "patches" / "bad.yaml").write_text(
        "id: bad\ntitle: t\nwhy: w\nkind: python\ncodemod: ascendfix.codemods.nothere:X\nexamples: []\n")
    r = run_cli("apply", str(tree), env={"ASCENDFIX_RULES_DIR": str(rules)})
    err = r.stderr.decode()
    assert r.returncode == 2 and "bad.yaml" in err and "nothere" in err and len(err.strip().splitlines()) == 1
    (rules / "patches" / "bad.yaml").write_text("id: bad\ntitle: t\nwhy: w\nkind: rust\ncodemod: a:B\nexamples: []\n")
    r = run_cli("apply", str(tree), env={"ASCENDFIX_RULES_DIR": str(rules)})
    assert r.returncode == 2 and "kind" in r.stderr.decode()


def test_jobs_1_and_2_give_identical_results(tree, tmp_path, monkeypatch):
    import shutil

    import ascendfix.apply.pool as pool

    monkeypatch.setattr(pool, "POOL_MIN_BYTES", 1)  # jobs=2 runs the pool however small the tree

    other = tmp_path / "copy"
    shutil.copytree(str(tree), str(other))
    # make the pool path run (it needs a few files with enough bytes)
    for root in (tree, other):
        for i in range(6):
            (root / "pkg" / "big{}.py".format(i)).write_text(MS_SRC + ("\n# padding\n" * 5000))
    rules = load_rules([MF])
    r1 = run_tree(tree, rules, Context(root=tree), mode="apply", jobs=1)
    r2 = run_tree(other, rules, Context(root=other), mode="apply", jobs=2)
    assert sorted(r1.changes) == sorted(r2.changes) and len(r1.changes) == 10
    for p in r1.changes:
        assert (tree / p).read_bytes() == (other / p).read_bytes()
    key = lambda f: (f.path, f.line or 0, f.kind)
    assert sorted(map(key, r1.findings)) == sorted(map(key, r2.findings))
    assert [s.to_dict() for s in r1.stats.values()] == [s.to_dict() for s in r2.stats.values()]
    # reruns through the cache, in the pool and serially, agree too
    again2 = run_tree(other, rules, Context(root=other), mode="check", jobs=2)
    again1 = run_tree(tree, rules, Context(root=tree), mode="check", jobs=1)
    assert not again1.changes and not again2.changes
    assert sorted(map(key, again1.findings)) == sorted(map(key, again2.findings))
    assert [s.to_dict() for s in again1.stats.values()] == [s.to_dict() for s in again2.stats.values()]
    # a cache entry whose findings cannot be read back: that file is scanned again (in the parent)
    import json

    cache = other / ".ascendfix" / "scan-cache.json"
    doc = json.loads(cache.read_text())
    bad = sorted(p for p, e in doc["files"].items() if e["findings"])[0]
    doc["files"][bad]["findings"] = [{"nonsense": 1}]
    cache.write_text(json.dumps(doc))
    again3 = run_tree(other, rules, Context(root=other), mode="check", jobs=2)
    assert not again3.changes
    assert sorted(map(key, again3.findings)) == sorted(map(key, again2.findings))


def test_rerun_uses_the_scan_cache_and_notices_edits(tree, monkeypatch):
    import ascendfix.apply.pipeline as pipeline

    calls = []
    real = pipeline.process_source

    def spy(mods, data, relpath, *a, **kw):
        calls.append(relpath)
        return real(mods, data, relpath, *a, **kw)

    monkeypatch.setattr(pipeline, "process_source", spy)
    rules = load_rules([MF])
    first = run_tree(tree, rules, Context(root=tree), mode="apply", jobs=1)
    assert len(first.changes) == 4 and calls
    assert (tree / ".ascendfix" / "scan-cache.json").is_file()
    del calls[:]
    again = run_tree(tree, rules, Context(root=tree), mode="check", jobs=1)
    assert calls == [] and not again.changes  # nothing parsed: every candidate was cached
    key = lambda f: (f.path, f.line or 0, f.kind, f.message)
    assert sorted(map(key, again.open_findings)) == sorted(map(key, first.open_findings))  # py2.py still reported
    # an edited file is scanned again (and only that one)
    plain = tree / "pkg" / "plain.py"
    plain.write_bytes(plain.read_bytes() + b"\n\ndef g(y, m):\n    return y.masked_fill(m, 2)\n")
    third = run_tree(tree, rules, Context(root=tree), mode="check", jobs=1)
    assert calls == ["pkg/plain.py"] and list(third.changes) == ["pkg/plain.py"]
    # other options (another rule set, another target) do not reuse the cache
    del calls[:]
    run_tree(tree, rules, Context(root=tree, target_python="3.9"), mode="check", jobs=1)
    assert len(calls) > 1


# ----------------------------------------------------------------------------- pins + importcheck


def _fake_env(tmp_path, names, version="4.39.3", with_transformers=True):
    """A real interpreter environment (venv without pip) holding a tiny `transformers` package."""
    venv = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    if with_transformers:
        pkg = Path(site) / "transformers"
        pkg.mkdir()
        (pkg / "__init__.py").write_text("__version__ = {!r}\n".format(version) + "".join(
            "class {}: pass\n".format(n) for n in names))
        dist = Path(site) / "transformers-{}.dist-info".format(version)
        dist.mkdir()
        (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: transformers\nVersion: {}\n".format(version))
    return py


def _pins_tree(tree):
    (tree / "pkg" / "uses_tf.py").write_text(
        "from transformers import PretrainedConfig, CLIPTextConfig\n"
        "try:\n    from transformers import ShinyNewThing\nexcept ImportError:\n    ShinyNewThing = None\n")
    req = tree / "mindone" / "transformers" / "requirements.txt"
    req.parent.mkdir(parents=True)
    req.write_bytes(b"transformers==4.46.3\r\nevaluate\r\n")
    return req


def test_pins_blocked_when_imports_are_missing(tree, run_cli, tmp_path):
    req = _pins_tree(tree)
    py = _fake_env(tmp_path, ["PretrainedConfig"])  # CLIPTextConfig is missing
    before = tree_hash(tree)
    r, out, err = _run(run_cli, tree, "--rule", "pins-relax", "--python", py)
    assert r.returncode == 1, out + err
    assert tree_hash(tree) == before
    assert "blocked" in out and "CLIPTextConfig" in out and "pkg/uses_tf.py:1" in out
    assert "ShinyNewThing" not in out.split("blocked")[-1]  # guarded: not a blocker
    r = run_cli("apply", str(tree), "--rule", "pins-relax", "--python", str(py), "--json")
    doc = json.loads(r.stdout)
    assert doc["rules"][0]["blocked"] is True and doc["changed_files"] == []
    (blocker,) = [f for f in doc["findings"] if f["kind"] == "skip"]
    assert [m["name"] for m in blocker["data"]["missing"]] == ["CLIPTextConfig"]
    # --force relaxes anyway, still saying what is missing
    r, out, err = _run(run_cli, tree, "--rule", "pins-relax", "--python", py, "--force")
    assert r.returncode == 0, out + err
    assert "CLIPTextConfig" in out and "--force" in out
    assert req.read_bytes() == b"transformers>=4.39.3\r\nevaluate\r\n"
    text = (tree / "pyproject.toml").read_text()
    assert 'requires-python = ">=3.8"' in text and '"transformers>=4.39.3",  # pin' in text and '"numpy<2.0"' in text


def test_pins_verified_and_unverified(tree, run_cli, tmp_path):
    req = _pins_tree(tree)
    py = _fake_env(tmp_path, ["PretrainedConfig", "CLIPTextConfig"], version="4.46.3")
    r, out, err = _run(run_cli, tree, "--rule", "pins-relax", "--python", py, "--json")
    assert r.returncode == 0, out + err
    doc = json.loads(out)
    assert sorted(doc["changed_files"]) == ["mindone/transformers/requirements.txt", "pyproject.toml"]
    assert any(f["kind"] == "info" and "verified" in f["message"] for f in doc["findings"])
    assert run_cli("revert", str(tree)).returncode == 0
    # an environment without transformers: relaxed, and said plainly that it is not verified
    py2 = _fake_env(tmp_path / "b", [], with_transformers=False)
    r, out, err = _run(run_cli, tree, "--rule", "pins-relax", "--python", py2)
    assert r.returncode == 0, out + err
    assert "NOT VERIFIED" in out and "not installed" in out
    assert req.read_bytes() == b"transformers>=4.39.3\r\nevaluate\r\n"
    # --check after apply: pins are done
    r, out, err = _run(run_cli, tree, "--rule", "pins-relax", "--python", py2, "--check")
    assert r.returncode == 0, out + err


NESTED = '''\
"""Statements of every kind around the sites: libcst sees only their lines and must find each of them."""
import mindspore as ms
from mindspore import ops
x = 1; y = 2
del y


@decorator(lambda q: q.masked_fill(m, 0))
class A(Base):
    attr: int = 0

    async def f(self, t, m):
        async with ctx() as c, other():
            pass
        try:
            a = 1
        except (ValueError, TypeError) as e:
            raise
        else:
            for i in range(3):
                if i:
                    continue
                elif i > 1:
                    t = t.masked_fill(m, 0); u = 1
                else:
                    break
            else:
                pass
        finally:
            while False:
                pass
        return ops.masked_fill(t, m, -1)

    def g(self, t, m):
        global x
        return [t.masked_fill_(m, 1.5) for _ in range(2)]


if __name__ == "__main__":
    assert A().g(ms.Tensor(0), None)
'''


def test_statement_snippets_find_sites_among_all_statement_kinds():
    from ascendfix.apply.engine import apply_to_text

    new, findings = apply_to_text(MF, NESTED)
    assert sorted(f.line for f in findings if f.kind == "change") == [8, 24, 32, 36]
    expected = (NESTED
                .replace("q.masked_fill(m, 0)", "q.masked_fill(m, ms.Tensor(0, dtype=q.dtype))")
                .replace("t = t.masked_fill(m, 0)", "t = t.masked_fill(m, ms.Tensor(0, dtype=t.dtype))")
                .replace("ops.masked_fill(t, m, -1)", "ops.masked_fill(t, m, ms.Tensor(-1, dtype=t.dtype))")
                .replace("t.masked_fill_(m, 1.5)", "t.masked_fill_(m, ms.Tensor(1.5, dtype=t.dtype))"))
    assert new == expected


# ----------------------------------------------------------------------------- tree-level index hook

from ascendfix.apply.base import PythonCodemod  # noqa: E402


class MarkerSubclasses(PythonCodemod):
    """Test rule: reports classes deriving (through any file of the tree) from ``Marker``; crashes on crash.py."""

    def index_prefilter(self, text):
        return "class " in text

    def index_file(self, tree, text, relpath):
        import ast

        if relpath.endswith("crash.py"):
            raise RuntimeError("boom")
        return [(n.name, [b.id for b in n.bases if isinstance(b, ast.Name)])
                for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]

    def index_merge(self, parts):
        bases = {}
        for classes in parts.values():
            for name, names in classes:
                bases.setdefault(name, set()).update(names)
        found, grew = {"Marker"}, True
        while grew:
            new = {n for n, bs in bases.items() if bs & found} - found
            found |= new
            grew = bool(new)
        return sorted(found - {"Marker"})

    def prefilter(self, text):
        return "class " in text

    def scan(self, tree, text, relpath):
        import ast

        return False, [self.finding(relpath, n.lineno, "report", "derives from Marker: " + n.name)
                       for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name in (self.index or ())]


def _indexed_rule():
    from ascendfix.apply.rules import Rule

    entry = {"id": "marker", "title": "t", "why": "w", "kind": "python",
             "codemod": __name__ + ":MarkerSubclasses", "examples": []}
    return Rule(entry, Path(__file__))


def _marker_tree(root):
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "base.py").write_text("class Marker:\n    pass\n\n\nclass MyBase(Marker):\n    pass\n")
    (root / "pkg" / "use.py").write_text("from pkg.base import MyBase\n\n\nclass C(MyBase):\n    x = 1\n")
    (root / "pkg" / "other.py").write_text("class D(object):\n    pass\n")
    (root / "pkg" / "crash.py").write_text("class E:\n    pass\n")
    for i in range(4):  # enough bytes for the pool
        (root / "pkg" / "pad{}.py".format(i)).write_text("class P{}:\n    pass\n".format(i) + "# pad\n" * 20000)
    return root


@pytest.mark.parametrize("jobs", [1, 2])
def test_tree_index_reaches_every_file_and_keys_the_cache(tmp_path, monkeypatch, jobs):
    import ascendfix.apply.pool as pool

    monkeypatch.setattr(pool, "POOL_MIN_BYTES", 1)
    root = _marker_tree(tmp_path / "t")
    rule = _indexed_rule()

    def reported(report):
        return sorted((f.path, f.message) for f in report.findings if f.kind == "report")

    first = run_tree(root, [rule], Context(root=root), mode="apply", jobs=jobs)
    assert reported(first) == [("pkg/base.py", "derives from Marker: MyBase"), ("pkg/use.py", "derives from Marker: C")]
    (crash,) = [f for f in first.findings if f.kind == "skip"]
    assert crash.path == "pkg/crash.py" and "crashed while indexing" in crash.message and "boom" in crash.message
    # a tree apply changed nothing: no journal, so no cache either; write one to prove the key includes the index
    from ascendfix.apply.scancache import ScanCache
    from ascendfix.apply import index

    mods = [rule.make(Context(root=root))]
    index.build(root, ["pkg/base.py", "pkg/use.py"], [rule], mods, 1)
    before = ScanCache(root, [rule], Context(root=root), index.digest(mods)).fp
    (root / "pkg" / "base.py").write_text("class Marker:\n    pass\n\n\nclass MyBase(object):\n    pass\n")
    index.build(root, ["pkg/base.py", "pkg/use.py"], [rule], mods, 1)
    assert mods[0].index == []
    assert ScanCache(root, [rule], Context(root=root), index.digest(mods)).fp != before
    # the edit in base.py changes what use.py (unchanged) reports
    second = run_tree(root, [rule], Context(root=root), mode="check", jobs=jobs)
    assert reported(second) == []


def test_tree_index_digest_is_stable_across_hash_seeds(tmp_path):
    code = ("from ascendfix.apply import index\n"
            "class M: rule_id = 'r'; index = {'b': {'x', 'y', 'z'}, 'a': [('q', frozenset({1, 2}))]}\n"
            "index.uses_index = lambda m: True\n"
            "print(index.digest([M()]))\n")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env=dict(os.environ, PYTHONHASHSEED=str(seed))).stdout for seed in (1, 2, 3)}
    assert len(outs) == 1


def test_apply_to_text_indexes_the_example_files(monkeypatch):
    from ascendfix.apply import pipeline, rules

    monkeypatch.setattr(rules, "load_rules", lambda ids: [_indexed_rule()])
    files = {"pkg/base.py": "class Marker:\n    pass\n\n\nclass MyBase(Marker):\n    pass\n"}
    _, found = pipeline.apply_to_text("marker", "class C(MyBase):\n    pass\n", "pkg/use.py", files=files)
    assert [f.message for f in found] == ["derives from Marker: C"]
    _, found = pipeline.apply_to_text("marker", "class C(MyBase):\n    pass\n", "pkg/use.py")
    assert found == []
