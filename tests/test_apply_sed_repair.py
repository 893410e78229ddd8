"""blanket-future-import on a whole tree: apply(sed(tree)) is apply(tree), revert gives the sed state back.

The blog recipe is run for real (`find . -name "*.py" -exec sed -i '1i from __future__ import annotations' {} +`,
once and twice) on a small tree holding the shapes it damages: a module docstring, a licence header, a
shebang + coding line, a BOM, CRLF line ends, an empty file, a file with the import on line 1 already,
one with it after its docstring (the sed makes that one fail to compile), files py38-annotations
rewrites. The real mindone trees are in tests/test_apply_sed_repair_real.py (full tier).
"""

import json
import subprocess

import pytest
from support import BLOG_SED, tree_bytes


FILES = {
    "pyproject.toml": b'[project]\nname = "pkg"\nrequires-python = ">=3.9"\n',
    "pkg/__init__.py": b'"""The package."""\n__version__ = "1.0"\n',
    "pkg/empty.py": b"",
    "pkg/licence.py": b"# Copyright 2025 Someone\n# Licensed under the Apache License 2.0\n\nimport os\n\n\n"
                      b"def f(x: list[int]) -> dict[str, int]:\n    return {}\n",
    "pkg/tool.py": b"#!/usr/bin/env python\n# -*- coding: latin-1 -*-\n\"\"\"caf\xe9\"\"\"\nX = 1\n",
    "pkg/bom.py": b"\xef\xbb\xbf\"\"\"With a BOM.\"\"\"\nY = 2\n",
    "pkg/crlf.py": b"\"\"\"CRLF.\"\"\"\r\nimport os\r\n\r\n\r\ndef g(a: int | None = None) -> None:\r\n    pass\r\n",
    "pkg/own_import.py": b"from __future__ import annotations\n\nimport os\n\n\ndef h(p: list[str]) -> None:\n    pass\n",
    "pkg/after_doc.py": b"\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\n\nimport os\n\n\ndef k(p: list[str]) -> None:\n"
                        b"    pass\n",
    "pkg/pipeline.py": b"\"\"\"A pipeline.\"\"\"\nfrom typing import Optional\n\n\nclass DiffusionPipeline:\n    pass\n\n\n"
                       b"class MyPipeline(DiffusionPipeline):\n    def __init__(self, vae, flag: bool | None = None):\n"
                       b"        pass\n",
    "pkg/alias.py": b"\"\"\"Aliases.\"\"\"\nPaths = list[str]\n",
}
FILES.update({"pkg/plain{}.py".format(i): "\"\"\"Module {}.\"\"\"\nZ = {}\n".format(i, i).encode() for i in range(12)})


def make_tree(root):
    for rel, data in FILES.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return root


def sed(root):
    subprocess.run(BLOG_SED, shell=True, cwd=str(root), check=True)


def _apply(run_cli, root, *extra):
    r = run_cli("apply", str(root), "--json", "--jobs", "1", *extra)
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)


@pytest.mark.parametrize("runs", [1, 2])
def test_apply_of_the_sed_state_equals_apply_of_the_tree(tmp_path, run_cli, runs):
    clean = make_tree(tmp_path / "clean")
    broken = make_tree(tmp_path / "sed")
    for _ in range(runs):
        sed(broken)
    sed_state = tree_bytes(broken)
    assert sed_state["pkg/empty.py"] == b""  # sed inserts nothing into an empty file
    assert sed_state["pkg/bom.py"].startswith(b"from __future__ import annotations\n" * runs + b"\xef\xbb\xbf")
    with pytest.raises(SyntaxError):
        compile(sed_state["pkg/after_doc.py"], "after_doc.py", "exec")

    doc_clean = _apply(run_cli, clean)
    doc_sed = _apply(run_cli, broken)
    assert tree_bytes(broken) == tree_bytes(clean)  # .py and pyproject.toml: byte for byte
    repaired = sorted(f["path"] for f in doc_sed["findings"] if f["rule"] == "blanket-future-import")
    assert repaired == sorted(p for p in FILES if p.endswith(".py") and FILES[p])
    by_path = {f["path"]: f for f in doc_sed["findings"] if f["rule"] == "blanket-future-import"}
    assert "the module docstring is a docstring again" in by_path["pkg/alias.py"]["message"]
    assert "the file's own import is kept" in by_path["pkg/own_import.py"]["message"]
    assert by_path["pkg/alias.py"]["data"] == {"removed": runs, "runs": runs}
    # the other rules did their normal work on the repaired files
    strip = lambda doc: sorted((f["rule"], f["path"], f["line"] or 0, f["message"]) for f in doc["findings"]
                               if f["rule"] != "blanket-future-import")
    assert strip(doc_sed) == strip(doc_clean)
    assert b"from __future__ import annotations" not in tree_bytes(broken)["pkg/pipeline.py"]

    # a rerun has nothing to do; revert gives the sed state back, byte for byte
    again = _apply(run_cli, broken)
    assert again["changed_files"] == []
    r = run_cli("revert", str(broken))
    assert r.returncode == 0, r.stderr
    assert tree_bytes(broken) == sed_state


def test_not_the_sed_state_leaves_single_imports_alone(tmp_path, run_cli):
    root = make_tree(tmp_path / "t")
    (root / "pkg" / "first.py").write_bytes(b"from __future__ import annotations\n\"\"\"On purpose.\"\"\"\nX = 1\n")
    (root / "pkg" / "twice.py").write_bytes(b"from __future__ import annotations\n" * 2 + b"X = 1\n")
    doc = _apply(run_cli, root, "--rule", "blanket-future-import")
    assert doc["changed_files"] == ["pkg/twice.py"]
    assert (root / "pkg" / "first.py").read_bytes().startswith(b"from __future__ import annotations\n\"\"\"")
    assert (root / "pkg" / "twice.py").read_bytes() == b"from __future__ import annotations\nX = 1\n"


def test_check_mindone_names_the_state_and_the_one_command(tmp_path, run_cli):
    root = make_tree(tmp_path / "t")

    def state():
        r = run_cli("check", "--stack", "mindone", "--mindone", str(root), "--only", "mindone.sed_future_import",
                    "--json")
        (f,) = [f for f in json.loads(r.stdout)["findings"] if f["id"] == "mindone.sed_future_import"]
        return f

    assert state()["status"] == "ok"
    sed(root)
    f = state()
    assert f["status"] == "error" and "on line 1 of 21 of 21 .py files (1 run)" in f["detail"]
    assert f["fix"][0].startswith("ascendfix apply {} ".format(root))
    r = run_cli("apply", str(root), "--json")  # the command it names
    assert r.returncode in (0, 1), r.stderr
    assert state()["status"] == "ok"


def test_pins_the_recipe_missed_are_still_relaxed(tmp_path, run_cli):
    """mindone 0.4.0 pins transformers==4.50.0 (Requires-Python >=3.9); the recipe's seds relax requires-python
    and look for 4.57.1, so the pin stays. requires-python admitting 3.8 must not hide it."""
    root = tmp_path / "t"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "mindone"\nrequires-python = ">=3.9"\n'
                                         'dependencies = ["protobuf>=3.9.2", "transformers==4.50.0"]\n')
    subprocess.run("sed -i 's/>=3.9/>=3.8/g' pyproject.toml", shell=True, cwd=str(root), check=True)
    subprocess.run("sed -i 's/transformers==4.57.1/transformers>=4.39.3/g' pyproject.toml", shell=True, cwd=str(root),
                   check=True)
    r = run_cli("apply", str(root), "--rule", "pins-relax", "--json")
    assert r.returncode == 0, r.stderr
    assert '"transformers>=4.39.3"' in (root / "pyproject.toml").read_text()
    # and when nothing excludes the target any more, the rule is not needed
    r = run_cli("apply", str(root), "--rule", "pins-relax", "--json")
    assert json.loads(r.stdout)["changed_files"] == []
