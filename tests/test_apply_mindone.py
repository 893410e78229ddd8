"""`ascendfix apply` on real MindOne source trees (mindone 0.5.0 and 0.4.0 from PyPI).

Every patch rule runs (as users run it). Checked:
- --check and --diff write nothing (hash of every file, mode included);
- apply: every file that parsed still parses; files not reported as changed are byte-identical;
- no masked_fill with a Python-scalar fill (numbers, float(...), math/numpy inf, names bound to them) is
  left in files that import mindspore (an independent ast survey, not the codemod's own code): zero on
  mindone 0.4.0 and 0.5.0, and every site it counted before is one the rule rewrote;
- the rerun changes nothing; revert restores the tree byte for byte and removes the journal.
"""

import ast
import hashlib
import json
import os
import stat
from pathlib import Path

import pytest

from support import copy_tree, mindone_tree

pytestmark = pytest.mark.full


def tree_hash(root):
    out = {}
    for dirpath, dirnames, files in os.walk(str(root)):
        for f in files:
            p = Path(dirpath) / f
            out[str(p.relative_to(root))] = (hashlib.sha256(p.read_bytes()).hexdigest(), stat.S_IMODE(p.stat().st_mode))
    return out


def _py_files(root):
    for dirpath, _, files in os.walk(str(root)):
        if ".ascendfix" in dirpath:
            continue
        for f in files:
            if f.endswith(".py"):
                p = Path(dirpath) / f
                yield p, str(p.relative_to(root))


def _survey(p, memo):
    """(SyntaxError or None, scalar masked_fill fills) of one file; computed once per file content
    when ``memo`` is a dict shared by the before/after surveys (after apply only the changed files are read
    again)."""
    data = p.read_bytes()
    key = hashlib.sha256(data).digest()
    if memo is not None and key in memo:
        return memo[key]
    try:
        tree = ast.parse(data)
    except SyntaxError as e:
        out = (e, None)
    else:
        out = (None, _fill_sites(tree))
    if memo is not None:
        memo[key] = out
    return out


def parses(root, memo=None):
    return {rel for p, rel in _py_files(root) if _survey(p, memo)[0] is None}


def scalar_fills(root, memo=None):
    """(path, line, end position) of masked_fill calls whose fill is a Python scalar, in files importing mindspore.

    Deliberately naive and independent of the codemod: any `.masked_fill(`/`.masked_fill_(` call whose
    receiver is not a `torch`/`F`/numpy-like name and whose fill (2nd positional for methods, 3rd for
    `<module>.masked_fill`, or value=) is a scalar literal (a number, `float(...)`, `math.inf`/`np.inf`/
    `ms.numpy.inf`, negated) or a name whose every assignment in the enclosing function (or, when the
    function has none, at module level) is one — not a parameter.
    """
    out = set()
    for p, rel in _py_files(root):
        error, sites = _survey(p, memo)
        if error is not None:
            raise error
        out.update((rel, line, end) for line, end in sites)
    return out


def _is_scalar_literal(node, float_ok, module_of):
    """A Python scalar written as a literal: a number, float(...), <math|numpy|mindspore.numpy>.inf/nan, negated."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    if isinstance(node, ast.Constant):
        return type(node.value) in (int, float)
    if isinstance(node, ast.Call):
        return isinstance(node.func, ast.Name) and node.func.id == "float" and float_ok
    if isinstance(node, ast.Attribute) and node.attr in ("inf", "nan", "Inf", "NaN", "NINF", "PINF"):
        parts = []
        head = node.value
        while isinstance(head, ast.Attribute):
            parts.append(head.attr)
            head = head.value
        if isinstance(head, ast.Name):
            mod = ".".join([module_of.get(head.id, "")] + parts[::-1])
            return mod in ("math", "numpy", "mindspore.numpy")
    return False


def _fill_sites(tree):
    """(line, end position) of the masked_fill calls of one file whose fill is a Python scalar (see scalar_fills)."""
    out = set()
    imports = set()
    modules = set()
    module_of = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            imports.update(a.name.split(".")[0] for a in n.names)
            modules.update((a.asname or a.name.split(".")[0]) for a in n.names)
            for a in n.names:
                module_of[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(n, ast.ImportFrom) and n.module and not n.level:
            imports.add(n.module.split(".")[0])
            for a in n.names:
                module_of[a.asname or a.name] = n.module + "." + a.name
            if n.module.split(".")[0] == "mindspore":
                modules.update(a.asname or a.name for a in n.names)
    if "mindspore" not in imports:
        return out
    float_rebound = any(isinstance(n, ast.Name) and n.id == "float" and not isinstance(n.ctx, ast.Load)
                        for n in ast.walk(tree)) or any(isinstance(n, ast.arg) and n.arg == "float"
                                                         for n in ast.walk(tree))
    funcs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]

    def assigned(scope_nodes, name):
        vals = []
        for n in scope_nodes:
            if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in n.targets):
                vals.append(n.value if len(n.targets) == 1 else None)
            elif isinstance(n, (ast.AugAssign, ast.AnnAssign, ast.For, ast.With)) and any(
                    isinstance(t, ast.Name) and t.id == name for t in ast.walk(n) if isinstance(t, ast.Name)
                    and isinstance(t.ctx, ast.Store)):
                vals.append(n.value if isinstance(n, ast.AnnAssign) else None)
        return vals

    def scalar_name(call, name):
        owner = None
        for fn in funcs:  # the innermost function holding the call
            if fn.lineno <= call.lineno <= fn.end_lineno and (owner is None or fn.lineno > owner.lineno):
                owner = fn
        if owner is not None:
            a = owner.args
            if name in [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg] if x]:
                return False
            vals = assigned(list(ast.walk(owner)), name)
            if vals:
                return all(v is not None and _is_scalar_literal(v, not float_rebound, module_of) for v in vals)
        vals = assigned(tree.body, name)
        return bool(vals) and all(v is not None and _is_scalar_literal(v, not float_rebound, module_of)
                                  for v in vals)

    for n in ast.walk(tree):
        if not (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)):
            continue
        if n.func.attr not in ("masked_fill", "masked_fill_"):
            continue
        recv = n.func.value
        head = recv
        while isinstance(head, ast.Attribute):
            head = head.value
        functional = isinstance(head, ast.Name) and head.id in modules and not isinstance(recv, ast.Call)
        if isinstance(head, ast.Name) and head.id in ("torch", "F", "np", "numpy"):
            continue
        idx = 2 if functional else 1
        val = n.args[idx] if len(n.args) > idx else next((k.value for k in n.keywords if k.arg == "value"), None)
        if val is None:
            continue
        if _is_scalar_literal(val, not float_rebound, module_of) or (
                isinstance(val, ast.Name) and scalar_name(n, val.id)):
            out.add((n.lineno, (n.end_lineno, n.end_col_offset)))
    return out


def _apply(run_cli, root, *extra):
    r = run_cli("apply", str(root), "--json", *extra, timeout=1800)
    assert r.returncode in (0, 1), r.stderr.decode()[-2000:]
    assert "Traceback" not in r.stderr.decode()
    return r.returncode, json.loads(r.stdout)


@pytest.mark.parametrize("version,expected_sites", [("0.5.0", 145), ("0.4.0", 114)])
def test_apply_real_tree(version, expected_sites, tmp_path, run_cli):
    root = copy_tree(mindone_tree(version), tmp_path / "mindone")
    original = tree_hash(root)
    memo = {}  # one ast.parse per file content across the before/after surveys
    parsed_before = parses(root, memo)
    sites_before = scalar_fills(root, memo)
    if expected_sites is not None:
        assert len(sites_before) == expected_sites

    # dry runs write nothing
    code, doc = _apply(run_cli, root, "--check")
    assert code == 1 and doc["written"] is False and doc["changed_files"]
    assert tree_hash(root) == original
    r = run_cli("apply", str(root), "--diff", "--rule", "masked-fill-dtype", timeout=1800)
    assert r.returncode == 1 and b"+++ b/mindone/" in r.stdout
    assert tree_hash(root) == original
    pending = set(doc["changed_files"])

    # apply
    code, doc = _apply(run_cli, root)
    assert doc["written"] is True and set(doc["changed_files"]) == pending
    patched = tree_hash(root)
    changed = {p for p in original if patched.get(p) != original[p]}
    assert changed == pending  # everything else byte-identical (and modes kept)
    assert all(p.startswith(".ascendfix/") for p in set(patched) - set(original))
    assert parses(root, memo) >= parsed_before

    # masked_fill: what is left is exactly what the rule reported as skipped
    mf = [r for r in doc["rules"] if r["id"] == "masked-fill-dtype"][0]
    skipped = {(f["path"], f["line"]) for f in doc["findings"]
               if f["rule"] == "masked-fill-dtype" and f["kind"] == "skip"}
    left = scalar_fills(root, memo)
    assert {(p, line) for p, line, _ in left} == skipped == set()
    assert mf["changes"] + mf["skipped"] == len(sites_before)
    if version == "0.5.0":
        assert mf["changes"] == 145 and mf["skipped"] == 0 and mf["changed_files"] == 85
        text = (root / "mindone/transformers/models/fastspeech2_conformer/modeling_fastspeech2_conformer.py").read_text()
        assert ("            masked_input = mint.softmax(scores, dim=-1)\n"
                "            attn_weights = masked_input.masked_fill(attention_mask, "
                "ms.Tensor(0.0, dtype=masked_input.dtype))\n") in text
        text = (root / "mindone/transformers/models/swin/modeling_swin.py").read_text()
        assert ("attn_mask.masked_fill(attn_mask != 0, ms.Tensor(float(-100.0), dtype=attn_mask.dtype))"
                ".masked_fill(attn_mask == 0, ms.Tensor(float(0.0), dtype=attn_mask.dtype))") in text
        text = (root / "mindone/transformers/trainer_ms_utils.py").read_text()
        assert "nll_loss.masked_fill(padding_mask, ms.Tensor(0.0, dtype=nll_loss.dtype))" in text
        text = (root / "mindone/transformers/models/led/modeling_led.py").read_text()
        assert "mindspore.Tensor(0.0, dtype=attn_probs.dtype)" in text
        text = (root / "tools/captioners/PLLaVA/models/llama/network.py").read_text()
        assert "ops.masked_fill(causal_mask, ~exclude_mask, Tensor(0, dtype=dtype))" in text
        pyproject = (root / "pyproject.toml").read_text()
        assert 'requires-python = ">=3.8"' in pyproject and '"transformers>=4.39.3",' in pyproject
        assert '"Programming Language :: Python :: 3.9",' in pyproject and '"numpy<2.0",' in pyproject

    # rerun: nothing to do, nothing written (served by the scan cache apply left next to its journal) ...
    code, doc2 = _apply(run_cli, root)
    assert doc2["changed_files"] == [] and doc2["written"] is False
    assert tree_hash(root) == patched
    # ... and without the cache, every file parsed and scanned again: still nothing to do
    cache = root / ".ascendfix" / "scan-cache.json"
    assert cache.is_file()
    cache.unlink()
    code, doc3 = _apply(run_cli, root, "--check")
    assert doc3["changed_files"] == [], doc3["changed_files"][:5]
    assert tree_hash(root) == {k: v for k, v in patched.items() if k != ".ascendfix/scan-cache.json"}

    # revert: byte for byte
    r = run_cli("revert", str(root), timeout=600)
    assert r.returncode == 0, r.stderr
    assert tree_hash(root) == original


def test_pins_blocked_against_real_transformers_4_57_1(tmp_path, run_cli):
    """mindone 0.5.0 against the transformers its own pin installs (MindSpore 2.10 + mindone 0.5.0 venv).

    Even there one unguarded import is missing (generation/watermarking.py imports WatermarkingConfig
    from transformers.configuration_utils, which 4.57.1 does not have), so the rule refuses to relax
    and says which; --force relaxes anyway.
    """
    from support import ms210_python

    py = ms210_python()  # built from a CPython 3.11 whatever runs the suite
    root = copy_tree(mindone_tree("0.5.0"), tmp_path / "mindone")
    original = tree_hash(root)
    r = run_cli("apply", str(root), "--rule", "pins-relax", "--python", py, "--json", timeout=900)
    assert r.returncode == 1, r.stderr.decode()
    doc = json.loads(r.stdout)
    assert doc["rules"][0]["blocked"] is True and doc["written"] is False
    (block,) = [f for f in doc["findings"] if f["kind"] == "skip"]
    assert block["data"]["version"] == "4.57.1"
    assert [(m["path"], m["name"]) for m in block["data"]["missing"]] == [
        ("mindone/transformers/generation/watermarking.py", "WatermarkingConfig")]
    assert tree_hash(root) == original
    r = run_cli("apply", str(root), "--rule", "pins-relax", "--python", py, "--force", timeout=900)
    assert r.returncode == 0, r.stderr.decode()
    assert "WatermarkingConfig" in r.stdout.decode()
    assert '"transformers>=4.39.3",' in (root / "pyproject.toml").read_text()
    assert (root / "mindone/transformers/requirements.txt").read_text().startswith("transformers>=4.39.3\n")
