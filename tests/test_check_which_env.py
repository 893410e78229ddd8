"""Which Python environment check looks at when --python is not given (fast: the probe is injected)."""

import os
import sys

from ascendfix.check import which_env


def _env(prefix, dists=()):
    return {"python": {"prefix": prefix, "executable": prefix + "/bin/python"},
            "distributions": {d: {"version": "1"} for d in dists}}


def _python(root):
    (root / "bin").mkdir(parents=True)
    p = root / "bin" / "python"
    p.write_text("")
    return str(p)


def test_the_running_interpreter_when_it_has_a_framework():
    c = which_env.choose({}, probe=lambda p: _env(sys.prefix, ["mindspore"]))
    assert c.python == sys.executable and not c.own_env and c.how == "the interpreter running ascendfix"


def test_the_active_venv_with_a_framework(tmp_path):
    venv = tmp_path / "sdxl"
    py = _python(venv)
    envs = {None: _env(sys.prefix), py: _env(str(venv), ["mindone", "mindspore"])}
    c = which_env.choose({"VIRTUAL_ENV": str(venv), "PATH": ""}, probe=lambda p: envs[p])
    assert c.python == py and c.how == "from $VIRTUAL_ENV" and not c.own_env


def test_python3_on_path_with_a_framework_after_an_empty_conda_env(tmp_path):
    conda, other = tmp_path / "conda", tmp_path / "usr"
    conda_py = _python(conda)
    bin_py3 = other / "bin" / "python3"
    _python(other)
    bin_py3.write_text("")
    os.chmod(str(bin_py3), 0o755)
    envs = {None: _env(sys.prefix), conda_py: _env(str(conda)), str(bin_py3): _env(str(other), ["torch-npu"])}
    c = which_env.choose({"CONDA_PREFIX": str(conda), "PATH": str(other / "bin")}, probe=lambda p: envs[p])
    assert c.python == str(bin_py3) and c.how == "`python3` on PATH"


def test_an_active_venv_without_a_framework_is_still_the_users(tmp_path):
    venv = tmp_path / "fresh"
    py = _python(venv)
    envs = {None: _env(sys.prefix), py: _env(str(venv))}
    c = which_env.choose({"VIRTUAL_ENV": str(venv), "PATH": ""}, probe=lambda p: envs[p])
    assert c.python == py and "no framework installed there yet" in c.how and not c.own_env


def test_ascendfixs_own_environment_is_never_the_place_for_frameworks(tmp_path):
    # $VIRTUAL_ENV is ascendfix's own venv (sys.prefix): skipped without even asking it
    asked = []

    def probe(p):
        asked.append(p)
        return _env(sys.prefix)

    c = which_env.choose({"VIRTUAL_ENV": sys.prefix, "PATH": os.path.dirname(sys.executable)}, probe=probe)
    assert c.own_env and c.python == sys.executable
    assert asked == [None]
    assert "ascendfix's own environment" in c.how


def test_the_plan_then_uses_a_new_environment(tmp_path):
    from ascendfix.check import check
    from test_check_helpers import fake_env

    report = check(root=str(tmp_path), env={"HOME": "/root"}, environment=fake_env("3.11.7", {}), own_env=True)
    steps = report.plan.steps
    assert steps[0]["commands"][0] == "python3.11 -m venv ~/sdxl-env"
    pip = [c for s in steps for c in s["commands"] if " -m pip install " in c]
    assert pip and all(c.startswith("~/sdxl-env/bin/python -m pip install") for c in pip)


def test_smoke_without_python_uses_the_environment_check_picks(tmp_path, monkeypatch):
    """check and smoke without --python look at one environment (which_env.choose), and smoke never advises a bare
    `pip install` of a framework into ascendfix's own environment: its hint is check's plan."""
    import ascendfix as af
    from ascendfix.smoke import operation

    picked = []

    def choose(environ=None, probe=None):
        picked.append(True)
        return which_env.Choice(sys.executable, "from $VIRTUAL_ENV")

    monkeypatch.setattr(which_env, "choose", choose)
    job = operation.prepare(operation.SmokeOptions(tiny=True, device="CPU", out=str(tmp_path / "a")))
    assert picked and job.python == sys.executable and job.python_how == "from $VIRTUAL_ENV"
    assert operation.list_recipes() and len(picked) == 2

    monkeypatch.setattr(which_env, "choose", lambda environ=None, probe=None: which_env.Choice(
        sys.executable, "ascendfix's own environment: no other Python environment with a framework was found",
        own_env=True))
    rep = af.smoke(tiny=True, device="CPU", out=tmp_path / "b", preflight=False)
    failure = rep["failure"]
    assert failure["stage"] == "requirements"  # no MindSpore in ascendfix's own test venv
    assert "pip install" not in failure["hint"] and "ascendfix check --stack mindone" in failure["hint"]
    assert "own environment" in failure["hint"]
