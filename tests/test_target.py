"""ascendfix.target: one way to reach the target interpreter (validation, environment, packages, probes)."""

import ast
import json
import os
import sys
from pathlib import Path

import pytest

from ascendfix import target
from ascendfix.errors import AscendfixError


@pytest.fixture(autouse=True)
def _fresh_registry():
    target.forget()
    yield
    target.forget()


def test_canonical_name():
    for raw, want in [("Torch_NPU", "torch-npu"), ("huggingface_hub", "huggingface-hub"), ("zope.interface",
                      "zope-interface"), ("a__b--c..d", "a-b-c-d"), ("PIL", "pil")]:
        assert target.canonical_name(raw) == want


def _venv_like(tmp_path, name="env"):
    """A folder laid out like a venv whose bin/python is this interpreter (a symlink, as in a real venv)."""
    folder = tmp_path / name
    (folder / "bin").mkdir(parents=True)
    os.symlink(sys.executable, str(folder / "bin" / "python"))
    return folder


def test_resolve_python_accepts_executables_folders_and_commands(tmp_path):
    assert target.resolve_python(None) == sys.executable
    assert target.resolve_python(sys.executable) == os.path.abspath(sys.executable)
    folder = _venv_like(tmp_path)
    assert target.resolve_python(str(folder)) == str(folder / "bin" / "python")  # not resolved past the symlink
    assert target.resolve_python(str(folder / "bin")) == str(folder / "bin" / "python")
    name = os.path.basename(sys.executable)
    os.environ["PATH"], old = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""), os.environ.get("PATH", "")
    try:
        assert os.path.dirname(target.resolve_python(name)) == str(Path(sys.executable).parent)
    finally:
        os.environ["PATH"] = old


@pytest.mark.parametrize("make,needle", [
    (lambda p: p / "nope" / "python", "no such interpreter"),
    (lambda p: p, "a folder without bin/python (not a venv or conda environment)"),
    (lambda p: _file(p / "x.txt", 0o644), "not an executable Python interpreter"),
])
def test_bad_python_is_one_line(tmp_path, make, needle):
    bad = make(tmp_path)
    with pytest.raises(AscendfixError) as e:
        target.resolve_python(str(bad))
    assert str(e.value) == "--python {}: {}".format(bad, needle)


def _file(path, mode, text="x\n"):
    path.write_text(text)
    path.chmod(mode)
    return path


@pytest.mark.parametrize("verb", [["check", "--only", "python"], ["apply", "TREE"], ["smoke", "--tiny"],
                                  ["smoke", "--list"]])
def test_every_verb_validates_python_the_same_way(run_cli, tmp_path, verb):
    (tmp_path / "TREE").mkdir()
    args = [a if a != "TREE" else str(tmp_path / "TREE") for a in verb]
    r = run_cli(*(args + ["--python", str(tmp_path / "no" / "python")]))
    assert r.returncode == 2
    assert r.stderr.decode() == "ascendfix {}: error: --python {}: no such interpreter\n".format(
        verb[0], tmp_path / "no" / "python")
    r = run_cli(*(args + ["--python", str(tmp_path)]))
    assert r.returncode == 2 and "a folder without bin/python" in r.stderr.decode()


def test_a_venv_folder_is_accepted_by_check(run_cli, tmp_path):
    folder = _venv_like(tmp_path)
    r = run_cli("check", "--only", "python", "--python", str(folder), "--json")
    assert r.returncode in (0, 1), r.stderr
    assert json.loads(r.stdout)["findings"], r.stdout


def test_this_interpreter_in_process_and_in_a_subprocess_agree(tmp_path):
    here = target.Target(None)
    assert here.in_process
    other = target.Target(sys.executable)
    other.in_process = False  # force the probe subprocess on the same interpreter
    a, b = here.environment(["json"]), other.environment(["json"])
    assert a["python"] == b["python"]
    assert sorted(a["distributions"]) == sorted(b["distributions"])
    assert a["packages"]["json"] == b["packages"]["json"]
    assert {k: v and v.get("dir") for k, v in a["packages"].items()} == {k: v and v.get("dir") for k, v in
                                                                         b["packages"].items()}
    assert here.version == "%d.%d.%d" % sys.version_info[:3] and here.machine and here.site_packages
    assert here.dist_version("PyYAML") == here.dist("pyyaml")["version"]


def test_a_pythonpath_set_after_start_means_a_subprocess(tmp_path, monkeypatch):
    site = tmp_path / "site"
    (site / "late_pkg_xyz").mkdir(parents=True)
    (site / "late_pkg_xyz" / "__init__.py").write_text("raise SystemExit('imported!')\n")
    monkeypatch.setenv("PYTHONPATH", str(site))
    t = target.get(sys.executable)
    assert not t.in_process
    loc = t.locate("late_pkg_xyz")
    assert loc.found and loc.dir == str(site / "late_pkg_xyz")  # found, not executed


def test_one_probe_per_interpreter_per_run(run_cli, tmp_path, monkeypatch):
    """check reads the environment, locates mindone and transformers: one run of the interpreter in all."""
    folder = _venv_like(tmp_path)  # a different path, so a subprocess
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "m.py").write_text("from transformers import AutoConfig\n")
    calls = []
    real = target.run_events

    def counting(argv, *a, **k):
        calls.append(argv)
        return real(argv, *a, **k)

    monkeypatch.setattr(target, "run_events", counting)
    r = run_cli("check", "--python", str(folder), "--mindone", str(tree), "--json")
    assert r.returncode in (0, 1), r.stderr
    assert len(calls) == 1 and calls[0][2].endswith("environment.py"), calls


def test_interpreter_that_is_not_python(tmp_path):
    fake = _file(tmp_path / "fakepython", 0o755, "#!/bin/sh\necho 'not python' >&2\nexit 3\n")
    with pytest.raises(AscendfixError, match=r"^--python .*fakepython: not a working Python 3 interpreter \(not python\)$"):
        target.get(str(fake)).environment()


def test_probe_files_are_python38_stdlib_only():
    stdlib = set(getattr(sys, "stdlib_module_names", ())) or None
    for path in sorted(target.PROBES.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), feature_version=(3, 8))
        top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        for node in top:  # module level: the standard library only (frameworks are imported inside main)
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for name in names:
                assert stdlib is None or name.split(".")[0] in stdlib, (path.name, name)
        if path.name not in ("__init__.py", "_run.py"):
            assert any(isinstance(n, ast.FunctionDef) and n.name == "main" for n in tree.body), path.name


def _probe(tmp_path, body):
    p = tmp_path / "p.py"
    p.write_text(body)
    return p


def test_protocol_events_result_and_noise_on_stdout(tmp_path):
    p = _probe(tmp_path, "import sys, os\n"
                         "def main(args, emit):\n"
                         "    print('framework chatter on stdout')\n"
                         "    os.write(1, b'C-level chatter on fd 1\\n')\n"
                         "    emit('stage', stage='work', n=len(args))\n"
                         "    return {'args': args}\n")
    seen = []
    run = target.Target(None).run_script(p, ["a", "b"], timeout=60, on_event=seen.append, host=True)
    assert run.ok and run.returncode == 0 and run.result == {"args": ["a", "b"]}
    assert [e["event"] for e in seen] == ["start", "stage", "result"] and run.last_stage == "work"
    assert "framework chatter on stdout" in run.stderr_tail and "C-level chatter" in run.stderr_tail


def test_protocol_error(tmp_path):
    p = _probe(tmp_path, "def main(args, emit):\n    import no_such_framework_xyz\n")
    run = target.Target(None).run_script(p, timeout=60, host=True)
    assert not run.ok and run.returncode == 1 and run.result is None
    assert run.error["type"] == "ModuleNotFoundError"
    assert run.tail_line() == "ModuleNotFoundError: No module named 'no_such_framework_xyz'"


@pytest.mark.process  # waits out a 1.5 s timeout: --full and CI's Python 3.8 run
def test_protocol_timeout(tmp_path):
    p = _probe(tmp_path, "import time\ndef main(args, emit):\n    emit('stage', stage='sleep')\n    time.sleep(600)\n")
    run = target.Target(None).run_script(p, timeout=1.5, host=True)
    assert run.timed_out and not run.ok and run.last_stage == "sleep" and run.returncode != 0


def test_a_bare_json_object_is_the_result(tmp_path):
    fake = _file(tmp_path / "py", 0o755, "#!/bin/sh\necho '{\"answer\": 42}'\n")
    run = target.Target(str(fake)).run_probe("environment", timeout=30)
    assert run.result == {"answer": 42} and run.returncode == 0
