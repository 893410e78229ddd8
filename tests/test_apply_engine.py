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

        from ascendfix.apply.base import Plan

        return Plan(relpath, [self.finding(relpath, n.lineno, "report", "derives from Marker: " + n.name)
                              for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name in (self.index or ())])


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


# ----------------------------------------------------------------------------- interrupts, permissions, leftovers


def _tmp_debris(root):
    return [os.path.join(d, f) for d, _, fs in os.walk(str(root)) for f in fs
            if f.startswith(".ascendfix-") and f.endswith(".tmp")]


def test_ctrl_c_in_the_write_phase_stops_between_files_and_journals_what_was_written(tree, monkeypatch):
    import signal

    from ascendfix.apply import operations, writing

    before = tree_hash(tree)
    real = writing.atomic_write
    calls = []

    def write_then_ctrl_c(path, data, mode=None):
        real(path, data, mode=mode)
        if str(path).endswith(".py"):
            calls.append(path)
            if len(calls) == 2:
                os.kill(os.getpid(), signal.SIGINT)  # held until this file is done, then no new file starts

    monkeypatch.setattr(writing, "atomic_write", write_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt) as exc:
        operations.apply(tree, rules=[MF], jobs=1)
    assert exc.value.written == 2 and exc.value.exit_code == 130
    assert "2 file(s) changed before it are journalled" in str(exc.value) and "ascendfix revert" in str(exc.value)
    journal = json.loads((tree / ".ascendfix" / "journal.json").read_text())
    assert sorted(journal["files"]) == sorted(os.path.relpath(str(p), str(tree)) for p in calls)
    assert journal["applies"][-1]["files"] == sorted(journal["files"])
    assert sorted(os.listdir(str(tree / ".ascendfix" / "orig" / "pkg"))) == sorted(
        os.path.basename(str(p)) for p in calls if "/pkg/" in str(p))
    assert not _tmp_debris(tree)
    changed = {p for p, h in tree_hash(tree).items() if not p.startswith(".ascendfix") and h != before.get(p)}
    assert len(changed) == 2
    operations.revert(tree)
    assert tree_hash(tree) == before
    # a rerun after the interrupt finishes the job, and one revert still returns to the first original
    monkeypatch.setattr(writing, "atomic_write", real)
    calls[:] = []
    with pytest.raises(KeyboardInterrupt):
        monkeypatch.setattr(writing, "atomic_write", write_then_ctrl_c)
        operations.apply(tree, rules=[MF], jobs=1)
    monkeypatch.setattr(writing, "atomic_write", real)
    assert len(operations.apply(tree, rules=[MF], jobs=1).written_files) == 2
    operations.revert(tree)
    assert tree_hash(tree) == before


def test_ctrl_c_before_the_write_phase_writes_nothing(tree, monkeypatch):
    from ascendfix.apply import engine, operations

    before = tree_hash(tree)

    def ctrl_c(*a, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(engine, "run_file_rule", ctrl_c)
    with pytest.raises(KeyboardInterrupt) as exc:
        operations.apply(tree, jobs=1)
    assert str(exc.value) == "nothing written"
    assert tree_hash(tree) == before


def test_unwritable_file_or_journal_is_exit_2_one_line_and_consistent(tree, monkeypatch):
    from ascendfix.apply import journal, operations, writing
    from ascendfix.errors import AscendfixError

    before = tree_hash(tree)
    real = writing.atomic_write

    def fail_on_latin(path, data, mode=None):
        if str(path).endswith("latin.py"):
            raise PermissionError(13, "Permission denied")
        real(path, data, mode=mode)

    monkeypatch.setattr(writing, "atomic_write", fail_on_latin)
    with pytest.raises(AscendfixError) as exc:
        operations.apply(tree, rules=[MF], jobs=1)
    msg = str(exc.value)
    assert exc.value.exit_code == 2 and "\n" not in msg
    assert msg.startswith("pkg/latin.py: cannot write: Permission denied; 1 file(s) changed before it")
    assert sorted(json.loads((tree / ".ascendfix" / "journal.json").read_text())["files"]) == ["pkg/crlf_bom.py"]
    operations.revert(tree)
    assert tree_hash(tree) == before
    monkeypatch.setattr(writing, "atomic_write", real)

    def no_journal(*a, **kw):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(journal, "record", no_journal)
    with pytest.raises(AscendfixError) as exc:
        operations.apply(tree, rules=[MF], jobs=1)
    assert exc.value.exit_code == 2 and "cannot write the undo journal" in str(exc.value)
    assert str(exc.value).endswith("Permission denied; nothing written")
    assert tree_hash(tree) == before and not (tree / ".ascendfix").exists()


def test_revert_clears_leftovers_and_temp_files(tree, run_cli):
    before = tree_hash(tree)
    # what an apply killed while journalling leaves: originals, no journal.json
    (tree / ".ascendfix" / "orig" / "pkg").mkdir(parents=True)
    (tree / ".ascendfix" / "orig" / "pkg" / "plain.py").write_bytes(MS_SRC.encode())
    r = run_cli("revert", str(tree))
    assert r.returncode == 0, r.stderr
    assert "stopped before it changed any file" in r.stdout.decode()
    assert not (tree / ".ascendfix").exists() and tree_hash(tree) == before
    # temporary files of a killed write: apply removes those it walks past, revert those next to journaled files
    (tree / "pkg" / ".ascendfix-abc123.tmp").write_bytes(b"")
    r = run_cli("apply", str(tree), "--rule", MF, "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["removed_temp_files"] == ["pkg/.ascendfix-abc123.tmp"]
    (tree / "pkg" / ".ascendfix-def456.tmp").write_bytes(b"")
    r = run_cli("revert", str(tree), "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["removed_temp_files"] == ["pkg/.ascendfix-def456.tmp"]
    assert tree_hash(tree) == before


def _unwritable_runner(folder):
    """A prefix that runs a command with ``folder`` unwritable: plain permission bits for a normal user; for
    root (who ignores them) a read-only bind mount in a private user + mount namespace."""
    if os.geteuid() != 0:
        for d, dirs, files in os.walk(str(folder)):
            os.chmod(d, 0o555)
        return []
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("running as root without user namespaces: no way to make a folder unwritable")
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
    return ["unshare", "-rm", "sh", "-c", script, str(folder)]


def test_unwritable_tree_for_real_is_exit_2_one_line(tmp_path):
    root = tmp_path / "mindone"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "plain.py").write_bytes(MS_SRC.encode())
    (root / "pyproject.toml").write_text('[project]\nname = "x"\n')
    prefix = _unwritable_runner(root)
    try:
        env = dict(os.environ, NO_COLOR="1")
        for args in (["apply", str(root), "--rule", MF], ["revert", str(root)]):
            r = subprocess.run(prefix + [sys.executable, "-m", "ascendfix"] + args, capture_output=True, env=env,
                               cwd=str(tmp_path), timeout=120)
            err = r.stderr.decode()
            assert r.returncode == 2, (args, r.returncode, err)
            assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
            assert "not writable" in err or "permission denied" in err, err
        assert (root / "pkg" / "plain.py").read_bytes() == MS_SRC.encode()
    finally:
        for d, _, _ in os.walk(str(root)):
            os.chmod(d, 0o755)


# ----------------------------------------------------------------------------- the contract: diffs, exits, marks, -v


def _copy(src, dst):
    import shutil

    shutil.copytree(str(src), str(dst), symlinks=True)
    return dst


def test_diff_output_applies_with_git_apply_and_patch(tree, tmp_path, run_cli):
    import shutil

    pkg = tree / "pkg"
    (pkg / "no_final_newline.py").write_bytes(MS_SRC.rstrip("\n").encode())
    (pkg / "crlf.py").write_bytes(MS_SRC.replace("\n", "\r\n").encode())
    (pkg / "crlf_no_final.py").write_bytes(MS_SRC.replace("\n", "\r\n").rstrip("\r\n").encode())
    (pkg / "bom_only.py").write_bytes(b"\xef\xbb\xbfimport mindspore as ms\ny = x.masked_fill(m, 0)\n")
    (pkg / "bom_crlf_no_final.py").write_bytes(b"\xef\xbb\xbfimport mindspore as ms\r\ny = x.masked_fill(m, 0)")
    (pkg / "formfeed.py").write_bytes(("\x0c\n" + MS_SRC.replace("\n\n\ndef", "\n\x0c\n\ndef")).encode())
    (pkg / "pyproject_like.py").write_bytes(("# caf\xe9 \u2028 sep\n" + MS_SRC).encode())
    expected = _copy(tree, tmp_path / "expected")
    r = run_cli("apply", str(expected), "--rule", MF)
    assert r.returncode == 0, r.stderr
    shutil.rmtree(str(expected / ".ascendfix"))
    want = tree_hash(expected)

    r = run_cli("apply", str(tree), "--rule", MF, "--diff")
    assert r.returncode == 1, r.stderr
    patch_file = tmp_path / "changes.diff"
    patch_file.write_bytes(r.stdout)
    assert b"\\ No newline at end of file" in r.stdout
    assert b" \xef\xbb\xbfimport mindspore as ms\n" in r.stdout and b" \xef\xbb\xbfimport mindspore as ms\r\n" in r.stdout
    assert b"+    return x.masked_fill(m, ms.Tensor(0, dtype=x.dtype))\r\n" in r.stdout
    for tool in (["git", "apply", str(patch_file)], ["patch", "-p1", "-i", str(patch_file)]):
        target = _copy(tree, tmp_path / tool[0])
        done = subprocess.run(tool, cwd=str(target), capture_output=True)
        assert done.returncode == 0, (tool, done.stdout, done.stderr)
        for leftover in target.rglob("*.orig"):
            leftover.unlink()
        assert tree_hash(target) == want, tool
    # the JSON document carries the same diffs as text (a BOM stays U+FEFF)
    doc = json.loads(run_cli("apply", str(tree), "--rule", MF, "--diff", "--json").stdout)
    assert doc["diffs"]["pkg/bom_only.py"].encode("utf-8") in r.stdout
    assert "\ufeffimport mindspore" in doc["diffs"]["pkg/bom_only.py"]


def _big_output(tree):
    """More output than a pipe holds (64 KiB) at little cost: one rewritten line of 100 kB (its diff and --json
    carry it twice) and 400 files with long names that do not parse (each a ~220-byte finding listed by -v: ~90 kB)."""
    (tree / "pkg" / "big.py").write_text(
        "import mindspore as ms\n\n\ndef f(x, m):\n    return x.masked_fill(m, 0), '" + "a" * 100000 + "'\n")
    bad = tree / "pkg" / "bad"
    bad.mkdir()
    for i in range(400):
        (bad / "b{:04d}_{}.py".format(i, "x" * 120)).write_bytes(b"import mindspore\nprint 'x', y.masked_fill(m, 0)\n")


@pytest.mark.process  # four real processes, ~1 s of CPU each: --full and CI's Python 3.8 run
@pytest.mark.parametrize("args,code", [(["--diff"], 1), (["--check", "-v"], 1), (["--diff", "--json"], 1), ([], 0)])
def test_exit_code_is_the_runs_when_the_reader_closes_the_pipe(tree, args, code):
    _big_output(tree)
    proc = subprocess.Popen([sys.executable, "-m", "ascendfix", "apply", str(tree), "--rule", MF, "-v"] + args,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ, NO_COLOR="1"))
    if args:
        proc.stdout.readline()  # `| head -1`
        proc.stdout.close()
    else:
        assert len(proc.stdout.read()) > 65536  # more than a pipe holds: the other cases close a full pipe
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == code, err
    assert "Traceback" not in err and "Exception ignored" not in err and "BrokenPipe" not in err, err


def test_informational_findings_never_change_the_exit_code_and_marks_agree(tree, run_cli):
    from ascendfix.apply.base import Finding
    from ascendfix.apply.report import Report

    rules = load_rules(["pins-relax"])
    rep = Report(tree, rules, "check")
    rep.add_findings([Finding("pins-relax", "pyproject.toml", None, "report", "NOT VERIFIED: 0 name imports in 0 files",
                              {"phase": "preflight", "unverified": True}),
                      Finding("pins-relax", ".", None, "info", "not needed: ...")])
    assert rep.exit_code == 0 and rep.open_findings == [] and len(rep.notes) == 2
    assert rep.stats["pins-relax"].to_dict()["reported"] == 0 and rep.stats["pins-relax"].notes == 2
    rep.add_findings([Finding("pins-relax", "requirements.txt", 3, "report", "left for a person")])
    assert rep.exit_code == 1
    # --check with only a finding left for a person (pkg/py2.py does not parse): exit 1 and no tick for it
    assert run_cli("apply", str(tree), "--rule", MF).returncode == 0
    r = run_cli("apply", str(tree), "--rule", MF, "--check")
    out = r.stdout.decode()
    last = out.strip().splitlines()[-1]
    assert r.returncode == 1 and "finding(s) left for a person" in last and not last.startswith(("✓", "OK")), out


def test_verbose_lists_everything(tree, run_cli):
    for i in range(20):
        (tree / "pkg" / "bad{}.py".format(i)).write_bytes(b"import mindspore\nprint 'x', y.masked_fill(m, 0)\n")
    short = run_cli("apply", str(tree), "--rule", MF, "--check").stdout.decode()
    full = run_cli("apply", str(tree), "--rule", MF, "--check", "-v").stdout.decode()
    assert "-v or --json lists all" in short and "pkg/bad9.py" not in short  # 21 findings, 15 shown (by path)
    assert all("pkg/bad{}.py".format(i) in full for i in range(20)) and "files would change:" in full
    assert "-v or --json lists all" not in full
    assert run_cli("apply", str(tree), "--rule", MF).returncode == 0
    r = run_cli("revert", str(tree), "-v")
    assert r.returncode == 0 and "apply of " in r.stdout.decode() and MF in r.stdout.decode()


# ----------------------------------------------------------------------------- paths


def test_a_folder_inside_the_checkout_patches_that_part_and_pins_at_the_root(tree, run_cli):
    other = tree / "other"
    other.mkdir()
    (other / "m.py").write_bytes(MS_SRC.encode())
    r = run_cli("apply", str(tree / "pkg"), "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["checkout"]["root"] == str(tree.resolve()) and doc["checkout"]["scope"] == "pkg"
    assert "pyproject.toml" in doc["changed_files"]  # the file rules use the checkout root
    assert "other/m.py" not in doc["changed_files"] and "pkg/plain.py" in doc["changed_files"]
    assert (tree / ".ascendfix" / "journal.json").is_file() and not (tree / "pkg" / ".ascendfix").exists()
    human = run_cli("apply", str(tree / "pkg"), "--check").stdout.decode()
    assert ("checkout mindone (pyproject.toml): file rules and the journal use this root; Python rules cover pkg/"
            in human)  # the root shown relative to the working directory (tmp_path) when it is below it
    rv = run_cli("revert", str(tree / "pkg"))  # revert finds the journal at the root too
    assert rv.returncode == 0, rv.stderr
    assert not (tree / ".ascendfix").exists()


def _venv_like(folder, marker="pyvenv.cfg"):
    site = folder / "lib" / "python3.8" / "site-packages" / "mindone"
    site.mkdir(parents=True)
    (site / "m.py").write_bytes(MS_SRC.encode())
    (folder / "bin").mkdir()
    (folder / "bin" / "tool.py").write_bytes(MS_SRC.encode())
    if marker == "conda-meta":
        (folder / "conda-meta").mkdir()
    else:
        (folder / marker).write_text("home = /usr/bin\n")
    return site


def test_environments_are_never_entered_and_paths_that_are_no_checkout_are_refused(tree, tmp_path, run_cli):
    _venv_like(tree / "py38env")
    _venv_like(tree / "envs" / "ms", marker="conda-meta")
    r = run_cli("apply", str(tree), "--rule", MF, "--json")
    doc = json.loads(r.stdout)
    assert r.returncode == 0 and doc["skipped_environments"] == ["envs/ms", "py38env"]
    assert not any(p.startswith(("py38env/", "envs/")) for p in doc["changed_files"])
    assert run_cli("revert", str(tree)).returncode == 0
    # one folder too high: no checkout here or above -> refused, one line; --force patches it (still no venvs)
    top = tree.parent
    r = run_cli("apply", str(top), "--rule", MF, "--check")
    err = r.stderr.decode()
    assert r.returncode == 2 and "not a source checkout" in err and len(err.strip().splitlines()) == 1, err
    r = run_cli("apply", str(top), "--rule", MF, "--json", "--force")
    doc = json.loads(r.stdout)
    assert r.returncode == 0 and "mindone/pkg/plain.py" in doc["changed_files"]
    assert not any("py38env" in p or "envs/" in p for p in doc["changed_files"])
    assert run_cli("revert", str(top)).returncode == 0
    # inside an environment: refused even below a checkout
    site = tree / "py38env" / "lib" / "python3.8" / "site-packages" / "mindone"
    for path in (site, tree / "py38env", tree / "py38env" / "bin"):
        r = run_cli("apply", str(path), "--rule", MF)
        err = r.stderr.decode()
        assert r.returncode == 2 and "inside a Python environment" in err and len(err.strip().splitlines()) == 1, err
    r = run_cli("apply", str(site), "--rule", MF, "--json", "--force")
    assert r.returncode == 0 and json.loads(r.stdout)["changed_files"] == ["m.py"]


def test_a_checkout_inside_an_environment_folder_is_a_checkout(tmp_path, run_cli):
    env = tmp_path / "venv"
    (env / "src" / "mindone" / "pkg").mkdir(parents=True)
    (env / "pyvenv.cfg").write_text("home = /usr/bin\n")
    co = env / "src" / "mindone"  # what `pip install -e git+...` makes
    (co / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (co / "pkg" / "m.py").write_bytes(MS_SRC.encode())
    r = run_cli("apply", str(co), "--rule", MF, "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["changed_files"] == ["pkg/m.py"], r.stderr


@pytest.mark.parametrize("target,relaxed", [("3.8", True), ("3.9", False), ("3.10", False), ("3.12", False)])
def test_pins_relax_only_when_the_target_is_below_the_requires_python_floor(tree, run_cli, target, relaxed):
    before = (tree / "pyproject.toml").read_bytes()
    r = run_cli("apply", str(tree), "--rule", "pins-relax", "--target-python", target, "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    (rule,) = doc["rules"]
    if relaxed:
        assert doc["changed_files"] == ["pyproject.toml"] and rule["not_needed"] is None
        assert b'requires-python = ">=3.8"' in (tree / "pyproject.toml").read_bytes()
    else:
        assert doc["changed_files"] == [] and (tree / "pyproject.toml").read_bytes() == before
        assert rule["not_needed"] == "Python {} already satisfies requires-python >=3.9".format(target)
        human = run_cli("apply", str(tree), "--rule", "pins-relax", "--target-python", target, "--check")
        assert human.returncode == 0 and "pins-relax (not needed)" in human.stdout.decode()


def test_pins_relax_is_not_needed_when_the_checkout_declares_no_floor(tree, run_cli):
    (tree / "pyproject.toml").write_text('[project]\nname = "m"\ndependencies = ["transformers==4.57.1"]\n')
    doc = json.loads(run_cli("apply", str(tree), "--rule", "pins-relax", "--json").stdout)
    assert doc["changed_files"] == [] and "declares no requires-python" in doc["rules"][0]["not_needed"]


def test_every_new_document_validates_against_the_schemas(tree, run_cli, monkeypatch):
    from test_schemas import _valid

    _venv_like(tree / "py38env")
    (tree / "pkg" / ".ascendfix-x.tmp").write_bytes(b"")
    doc = _valid("apply", run_cli("apply", str(tree / "pkg"), "--json"), "report")
    assert doc["checkout"]["scope"] == "pkg" and doc["removed_temp_files"] == ["pkg/.ascendfix-x.tmp"]
    doc = _valid("apply", run_cli("apply", str(tree), "--json", "--target-python", "3.10", "--check"), "report")
    assert doc["skipped_environments"] == ["py38env"]
    assert [r["not_needed"] for r in doc["rules"] if r["id"] == "pins-relax"] == [
        "Python 3.10 already satisfies requires-python >=3.8"]
    doc = _valid("revert", run_cli("revert", str(tree), "-v", "--json"), "report")
    assert doc["applies"] and doc["restored"]
    (tree / ".ascendfix" / "orig").mkdir(parents=True)
    doc = _valid("revert", run_cli("revert", str(tree), "--json"), "report")
    assert doc["leftovers_removed"] is True
    from ascendfix.apply import engine

    def ctrl_c(*a, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(engine, "run_file_rule", ctrl_c)
    r = run_cli("apply", str(tree), "--json")
    doc = _valid("apply", r, "error")
    assert r.returncode == 130 and doc["error"] == {"message": "interrupted: nothing written", "exit_code": 130}
    assert r.stderr.decode() == "ascendfix apply: interrupted: nothing written\n"


def test_python_takes_what_check_python_takes(tree, tmp_path, run_cli):
    py = _fake_env(tmp_path, ["PretrainedConfig", "CLIPTextConfig"], version="4.46.3")
    venv = Path(py).parent.parent
    (tmp_path / "empty").mkdir()
    for value in (py, venv, tmp_path / "nope", tmp_path / "empty", "/bin/false"):
        chk = run_cli("check", "--python", value, "--only", "python", "--json")
        app = run_cli("apply", str(tree), "--rule", "pins-relax", "--python", value, "--check")
        assert (chk.returncode == 2) == (app.returncode == 2), (value, chk.stderr, app.stderr)
        if app.returncode == 2:
            msg = app.stderr.decode().split("error: ", 1)[1]
            assert msg in chk.stderr.decode() and len(app.stderr.decode().strip().splitlines()) == 1, (value, msg)
            assert "import " not in msg  # one line naming the problem, never a probe script
    r = run_cli("apply", str(tree), "--rule", "pins-relax", "--python", venv, "--json")
    assert r.returncode == 0 and any(f["message"].startswith("verified") for f in json.loads(r.stdout)["findings"])


@pytest.mark.parametrize("where", ["save_cache", "summary"])
def test_ctrl_c_after_the_write_phase_names_the_files_written(tree, run_cli, monkeypatch, where):
    """CI caught it (the process-group test, Ctrl-C at 90 % of a run): a Ctrl-C after the files were written,
    while the scan cache was saved or the summary printed, said 'nothing written' over 304 changed files."""
    from ascendfix.apply import cli, engine

    def ctrl_c(*a, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(engine, "save_cache", ctrl_c) if where == "save_cache" else \
        monkeypatch.setattr(cli, "_print_summary", ctrl_c)
    r = run_cli("apply", str(tree))
    doc = json.loads((tree / ".ascendfix" / "journal.json").read_text())
    n = len(doc["files"])
    assert n > 0 and r.returncode == 130
    assert r.stderr.decode() == ("ascendfix apply: interrupted: {} file(s) changed before it are journalled; "
                                 "`ascendfix revert {}` undoes them\n".format(n, tree))
    assert run_cli("revert", str(tree)).returncode == 0 and not (tree / ".ascendfix").exists()


def test_a_signal_held_while_the_scan_cache_is_saved_is_not_lost(tree, run_cli, monkeypatch):
    """A real SIGINT that lands while the scan cache is written is held (the cache file stays whole) and then
    stops apply like any Ctrl-C after the write phase: exit 130 and the files written named (it was swallowed)."""
    import signal as _signal

    from ascendfix.apply import writing

    real = writing.save_cache

    def save_with_a_signal(root, cache):
        class Sends:
            def save(self):
                os.kill(os.getpid(), _signal.SIGINT)
                if cache is not None:
                    cache.save()

        return real(root, Sends())

    monkeypatch.setattr("ascendfix.apply.engine.save_cache", save_with_a_signal)
    r = run_cli("apply", str(tree))
    doc = json.loads((tree / ".ascendfix" / "journal.json").read_text())
    assert r.returncode == 130 and len(doc["files"]) > 0
    assert r.stderr.decode().startswith("ascendfix apply: interrupted: {} file(s) changed before it".format(
        len(doc["files"])))
