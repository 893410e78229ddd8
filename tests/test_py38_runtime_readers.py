"""Annotations read at run time from another file: the patched package is imported and USED on a real
Python 3.8 with real pydantic 2 and typer (full tier).

The package below spreads its annotation readers over files, as real projects do: a pydantic model whose
base is a project-local subclass of BaseModel re-exported by the package, a TypedDict on a local TypedDict
base, a typer app created in one module and given commands in another, a registry in one module that calls
get_type_hints() on the functions another module hands it, a module that hands itself
(`sys.modules[__name__]`) to a helper that walks its `__annotations__` and rejects strings, and a plain
module nobody reads. Before the patch, Python 3.8 cannot import it; with the blog's blanket future import
the readers break; after `ascendfix apply` every part works.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import BLOG_SED, framework_venv, python38  # noqa: E402

pytestmark = [pytest.mark.full, pytest.mark.py38]

PACKAGE = {
    "pyproject.toml": '[project]\nname = "pkg"\nversion = "0.1"\nrequires-python = ">=3.10"\n',
    "pkg/__init__.py": "from .base import Settings\n",
    "pkg/base.py": """\
        from pydantic import BaseModel


        class Settings(BaseModel):
            name: str = "x"
        """,
    "pkg/config.py": """\
        from pkg import Settings


        class Config(Settings):
            sizes: list[int] = []
            tag: str | None = None


        def load(path: str | None = None) -> Config:
            return Config(sizes=[1, 2])
        """,
    "pkg/kinds.py": """\
        from typing import TypedDict


        class Options(TypedDict, total=False):
            a: int
        """,
    "pkg/options.py": """\
        from .kinds import Options


        class More(Options):
            b: list[int]
            c: dict[str, int] | None
        """,
    "pkg/registry.py": """\
        from typing import get_type_hints

        HINTS = {}


        def register(fn):
            HINTS[fn.__name__] = get_type_hints(fn)
            return fn


        def register_module(module):
            for name, ann in vars(module).get("__annotations__", {}).items():
                if isinstance(ann, str):
                    raise TypeError("{}: annotation is a string, not a type: {!r}".format(name, ann))
                HINTS[name] = ann
        """,
    "pkg/ops.py": """\
        import sys

        from .registry import register, register_module

        LIMIT: int | None = None


        @register
        def scale(x: list[int], factor: float | None = None) -> dict[str, int]:
            return {"n": len(x)}


        register_module(sys.modules[__name__])
        """,
    "pkg/app.py": """\
        import typer

        app = typer.Typer()
        """,
    "pkg/cli.py": """\
        import typer

        from .app import app


        @app.command()
        def main(names: list[str], count: int | None = None) -> None:
            typer.echo("names={} count={}".format(",".join(names), count))


        @app.command()
        def other(flag: bool = False) -> None:
            typer.echo("flag={}".format(flag))
        """,
    "pkg/plain.py": """\
        def total(xs: list[int], extra: int | None = None) -> int:
            return sum(xs) + (extra or 0)
        """,
}

USE = textwrap.dedent("""\
    import json, typing
    from typer.testing import CliRunner
    import pydantic
    from pkg.config import Config, load
    from pkg.options import More
    from pkg import ops, plain, registry
    from pkg.cli import app

    out = {}
    c = load()
    out["config"] = [c.sizes, c.tag, c.name]
    try:
        Config(sizes=["not a number"])
        out["validates"] = False
    except pydantic.ValidationError:
        out["validates"] = True
    out["typeddict"] = sorted((k, repr(v)) for k, v in typing.get_type_hints(More).items())
    out["registry"] = {k: repr(v) for k, v in sorted(registry.HINTS.items())}
    out["scale"] = ops.scale([1, 2, 3])
    out["plain"] = plain.total([1, 2], 3)
    r = CliRunner().invoke(app, ["main", "a", "b", "--count", "3"])
    out["typer"] = [r.exit_code, r.output.strip()]
    r = CliRunner().invoke(app, ["other", "--flag"])
    out["typer2"] = [r.exit_code, r.output.strip()]
    print("RESULT " + json.dumps(out))
    """)

EXPECTED = {
    "config": [[1, 2], None, "x"],
    "validates": True,
    "typeddict": [["a", "<class 'int'>"], ["b", "typing.List[int]"], ["c", "typing.Union[typing.Dict[str, int], NoneType]"]],
    "registry": {"LIMIT": "typing.Union[int, NoneType]",
                 "scale": "{'x': typing.List[int], 'factor': typing.Union[float, NoneType], "
                          "'return': typing.Dict[str, int]}"},
    "scale": {"n": 3},
    "plain": 6,
    "typer": [0, "names=a,b count=3"],
    "typer2": [0, "flag=True"],
}


def make_package(root):
    for rel, text in PACKAGE.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))
    return root


@pytest.fixture(scope="module")
def py38_libs():
    return framework_venv("py38-pydantic-typer", ["pydantic>=2,<3", "typer>=0.9"], python=python38())


def use(python, root):
    env = dict(os.environ, PYTHONPATH=str(root))
    env.pop("PYTHONHOME", None)
    r = subprocess.run([python, "-c", USE], capture_output=True, text=True, env=env, timeout=600, cwd=str(root))
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("RESULT ")]
    return (json.loads(lines[-1][len("RESULT "):]) if lines and r.returncode == 0 else None), r.stderr[-3000:]


def test_readers_across_files_work_on_python38(tmp_path, run_cli, py38_libs, monkeypatch):
    # the untouched package does not even import on 3.8
    untouched = make_package(tmp_path / "untouched")
    res, err = use(py38_libs, untouched)
    assert res is None and "not subscriptable" in err, err

    # the blog's blanket future import: imports, but the readers break
    blanket = make_package(tmp_path / "blanket")
    subprocess.run(BLOG_SED,
                   shell=True, cwd=str(blanket), check=True)
    res, err = use(py38_libs, blanket)
    assert res is None and "Unable to evaluate type annotation 'list[int]'" in err, err

    # deciding file by file (no tree index) is not enough: pydantic meets a string annotation
    from ascendfix.codemods.py38_annotations import Py38Annotations

    per_file = make_package(tmp_path / "per-file")
    with monkeypatch.context() as m:
        m.setattr(Py38Annotations, "index_file", lambda self, tree, text, relpath: None)
        r = run_cli("apply", str(per_file), "--json", "--target-python", "3.8")
    assert r.returncode in (0, 1), r.stderr
    res, err = use(py38_libs, per_file)
    assert res is None and "Unable to evaluate type annotation 'list[int]'" in err, err

    patched = make_package(tmp_path / "patched")
    r = run_cli("apply", str(patched), "--json", "--target-python", "3.8")
    assert r.returncode in (0, 1), r.stderr
    doc = json.loads(r.stdout)
    changed = set(doc["changed_files"])
    assert {"pkg/config.py", "pkg/options.py", "pkg/ops.py", "pkg/cli.py", "pkg/plain.py"} <= changed
    plain = (patched / "pkg" / "plain.py").read_text()
    assert plain.startswith("from __future__ import annotations\n")  # nobody reads it: the future import
    for rel in ("pkg/config.py", "pkg/options.py", "pkg/ops.py", "pkg/cli.py"):
        assert "from __future__ import annotations" not in (patched / rel).read_text(), rel
    res, err = use(py38_libs, patched)
    assert res == EXPECTED, err

    # and the blanket state repaired by the same command gives the same package
    r = run_cli("apply", str(blanket), "--json", "--target-python", "3.8")
    assert r.returncode in (0, 1), r.stderr
    for rel in PACKAGE:
        if rel.endswith(".py"):
            assert (blanket / rel).read_bytes() == (patched / rel).read_bytes(), rel
