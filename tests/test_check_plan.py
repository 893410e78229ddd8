"""The stack plan: the solver on small synthetic tables, then plans from the shipped tables for the situations
users are in (fast tier: facts are injected; the full tier runs the printed pip commands, see test_check_plan_real.py)."""

import itertools

import pytest

from ascendfix.check import compat, run_checks
from ascendfix.check.plan import Facts, make_plan, parse_wants
from ascendfix.check.solver import Constraint, Problem, Var, solve, solve_all, solve_relaxed, violations
from ascendfix.errors import AscendfixError
from test_check_helpers import fake_env


# --- the solver on synthetic tables ------------------------------------------------------------
# A toy world: framework F (versions 3, 2, 1) needs runtime R (F3: R2; F2: R1 or R2; F1: R1), and plugin P
# (2, 1) needs F >= 2 for P2. Python is fixed at 8 unless relaxed; F3 needs Python >= 9.
def toy(python=8, runtime=None, relax=frozenset(), extra=()):
    needs_r = {3: {2}, 2: {1, 2}, 1: {1}}
    variables = [Var("P", [2, 1]), Var("F", [3, 2, 1]),
                 Var("R", [runtime] if runtime and "R" not in relax else [2, 1]),
                 Var("py", [python] if "py" not in relax else [10, 9, 8])]
    cons = [Constraint(("P", "F"), lambda a: None if a["P"] == 1 or a["F"] >= 2 else "P2 needs F >= 2"),
            Constraint(("F", "R"), lambda a: None if a["R"] in needs_r[a["F"]] else "F{} needs R{}".format(
                a["F"], "/".join(map(str, sorted(needs_r[a["F"]]))))),
            Constraint(("F", "py"), lambda a: None if a["F"] < 3 or a["py"] >= 9 else "F3 needs py >= 9")]
    return Problem(variables, cons + list(extra))


def test_newest_wins_when_several_fit():
    sols = solve_all(toy(python=9))
    assert len(sols) > 1
    assert dict(solve(toy(python=9))) == {"P": 2, "F": 3, "R": 2, "py": 9}
    assert dict(sols[0]) == dict(solve(toy(python=9)))  # solve = the first in preference order


def test_a_fixed_fact_narrows_the_choice():
    assert dict(solve(toy(python=8))) == {"P": 2, "F": 2, "R": 2, "py": 8}
    assert dict(solve(toy(python=8, runtime=1))) == {"P": 2, "F": 2, "R": 1, "py": 8}


def test_no_fit_and_its_reasons():
    no = Constraint(("P",), lambda a: "P is never allowed")
    assert solve(toy(extra=[no])) is None
    assert violations(toy(), {"P": 2, "F": 3, "R": 1, "py": 8}) == ["F3 needs R2", "F3 needs py >= 9"]


def test_conflicting_constraints_are_solved_by_freeing_one_fact():
    want_f3 = Constraint(("F",), lambda a: None if a["F"] == 3 else "you asked for F3")
    build = lambda relax: toy(python=8, runtime=1, relax=relax, extra=[want_f3])  # noqa: E731
    assert solve(build(frozenset())) is None
    res = solve_relaxed(build, [("py",), ("R",), ("py", "R")])
    assert res.ok and res.relaxed == ["R", "py"]  # F3 needs both a newer runtime and a newer Python
    assert dict(res.solution) == {"P": 2, "F": 3, "R": 2, "py": 10}
    assert res.blocked_by == ["F3 needs R2", "F3 needs py >= 9"]
    assert res.tried == [[], ["py"], ["R"], ["R", "py"]]


def test_smallest_relaxation_first_and_cost_breaks_ties():
    want_f3 = Constraint(("F",), lambda a: None if a["F"] == 3 else "you asked for F3")
    build = lambda relax: toy(python=9, runtime=1, relax=relax, extra=[want_f3])  # noqa: E731
    res = solve_relaxed(build, [("py",), ("R",)])
    assert res.relaxed == ["R"]  # freeing Python alone does not help
    # a cost makes the solver keep what is "installed" (P1) although P2 is preferred
    sol = solve(toy(python=9), cost=lambda a: 0 if a["P"] == 1 else 1)
    assert sol["P"] == 1 and sol["F"] == 3


def test_bad_problems_are_refused():
    with pytest.raises(ValueError):
        Problem([Var("a", [1]), Var("a", [2])], [])
    with pytest.raises(ValueError):
        Problem([Var("a", [1])], [Constraint(("b",), lambda a: None)])


# --- plans from the shipped tables -------------------------------------------------------------
def plan(python, cann=None, installed=None, stack="mindone", wants=(), arch="x86_64", driver=None, new_env=False):
    facts = Facts(python, arch, cann=cann, driver=driver, installed=installed or {}, executable="/env/bin/python",
                  new_env=new_env)
    return make_plan(facts, stack, parse_wants(list(wants), stack))


def commands(p):
    return [c for s in p.steps for c in s["commands"]]


def test_seed_environment_python38_mindspore_230rc1_cann80():
    """The seed posts' container: Python 3.8, MindSpore 2.3.0rc1, CANN 8.0.RC1, mindone from master (0.5.0)."""
    p = plan("3.8.18", "8.0.RC1", {"mindspore": "2.3.0rc1", "mindone": "0.5.0", "transformers": "4.39.3",
                                   "numpy": "1.24.4"})
    assert p.status == "changes" and not p.relaxed
    assert p.choice["mindspore"] == "2.3.0rc1" and p.choice["mindone"] == "0.2.0"
    assert p.choice["transformers"] == "==4.38.*" and p.choice["numpy"] == "<2"
    assert commands(p) == ['/env/bin/python -m pip install mindone==0.2.0 "transformers==4.38.*" "numpy<2"',
                           "ascendfix check --python /env/bin/python"]
    assert "replacing mindone 0.5.0" in p.steps[0]["title"]


def test_mindspore_27_on_311_gets_mindone_050():
    p = plan("3.11.7", "8.2.RC1", {"mindspore": "2.7.0", "numpy": "1.26.4"})
    assert p.choice["mindone"] == "0.5.0" and p.choice["mindspore"] == "2.7.0"
    assert commands(p)[0] == "/env/bin/python -m pip install mindone==0.5.0 transformers==4.57.1 \"numpy<2\""


def test_python38_asking_for_mindone_05_needs_a_new_environment():
    p = plan("3.8.18", "8.0.RC1", {"mindspore": "2.3.0rc1"}, wants=["mindone>=0.5"])
    assert p.status == "relaxed" and p.relaxed == ["python", "cann"]
    assert "mindone 0.5.0 requires Python >=3.9" in p.blocked_by
    assert p.steps[0]["kind"] == "shell" and p.steps[0]["commands"][0] == "python3.11 -m venv ~/sdxl-env"
    assert p.choice["python"] == "3.11" and p.choice["cann"] == "8.3.RC1" and p.choice["mindone"] == "0.5.0"
    assert "~/sdxl-env/bin/python -m pip install mindspore==2.7.1" in commands(p)


def test_keeps_what_is_installed_when_it_fits():
    p = plan("3.11.7", "8.2.RC1", {"mindspore": "2.7.0", "mindone": "0.2.0", "transformers": "4.38.2",
                                   "numpy": "1.26.4"})
    assert p.status == "ok" and p.steps == []


def test_no_cann_installed_the_plan_installs_one():
    p = plan("3.11.7", None, {}, arch="aarch64")
    assert p.steps[0]["packages"] == ["cann"] and "CANN 8.3.RC1" in p.steps[0]["title"]
    assert any("Ascend-cann-kernels-910b_8.3.RC1" in c for c in p.steps[0]["commands"])


def test_old_mindspore_comes_from_mindspores_own_server():
    p = plan("3.8.18", "8.0.RC2", {}, arch="aarch64")
    assert p.choice["mindspore"] == "2.3.1"
    ms = [s for s in p.steps if s["packages"] == ["mindspore"]][0]
    assert ms["commands"] == ["/env/bin/python -m pip install https://ms-release.obs.cn-north-4.myhuaweicloud.com/2.3.1/"
                              "MindSpore/unified/aarch64/mindspore-2.3.1-cp38-cp38-linux_aarch64.whl --trusted-host "
                              "ms-release.obs.cn-north-4.myhuaweicloud.com"]
    assert ms["verifiable"] is False and "MindSpore's own download server" in ms["title"]


def test_driver_too_old_for_the_cann_upgrades_the_driver_not_the_stack():
    p = plan("3.11.7", "8.1.RC1", {"mindspore": "2.6.0", "mindone": "0.5.0", "transformers": "4.57.1",
                                   "numpy": "1.26.4"}, driver="24.1.rc3")
    assert p.relaxed == ["driver"] and "CANN 8.1.RC1 needs driver 25.0.rc1 or newer, found 24.1.rc3" in p.blocked_by
    assert [s["packages"] for s in p.steps] == [["driver"], []]


def test_asking_for_what_no_table_has_is_unsolvable_with_one_reason():
    p = plan("3.8.18", "8.0.RC1", {}, wants=["mindone>=0.9"])
    assert p.status == "unsolvable" and not p.steps
    assert p.blocked_by == ["no mindone in the shipped tables matches mindone>=0.9 (the tables list 0.5.0, 0.4.0, "
                            "0.3.0, 0.2.0)"]


def test_wants_are_validated():
    with pytest.raises(AscendfixError, match="not a requirement"):
        parse_wants(["mindone>>0.5"], "mindone")
    with pytest.raises(AscendfixError, match="the mindone stack plans"):
        parse_wants(["torch>=2"], "mindone")


def test_torch_stack_range_semantics_and_final_builds_first():
    p = plan("3.11.7", "9.1.1", {}, stack="torch-npu")  # CANN 9.1.1: only the rows documented for 9.1.x fit
    assert p.choice["torch_npu"] == "2.14.0" and p.choice["torch"] == "2.14.0"
    p = plan("3.11.7", "8.5.0", {}, stack="torch-npu")  # 2.12.0rc1 is newer, but a pre-release build
    assert p.choice["torch_npu"] == "2.9.0"
    assert commands(p)[0] == ("/env/bin/python -m pip install torch==2.9.0+cpu --index-url "
                              "https://download.pytorch.org/whl/cpu")
    p = plan("3.11.7", "8.5.0", {}, stack="torch-npu", arch="aarch64")
    assert commands(p)[0] == "/env/bin/python -m pip install torch==2.9.0"


def test_mindie_plugins_and_wheels_per_architecture():
    x86 = plan("3.11.7", "9.1.0", {"torch": "2.14.0", "torch-npu": "2.14.0"}, stack="mindie")
    assert x86.choice["mindiesd"] == "3.1.0" and x86.choice["torch"] == "2.13.0"  # 3.1.0 has no torch 2.14 plugin
    arm = plan("3.11.7", "9.1.0", {}, stack="mindie", arch="aarch64")  # 3.1.0 has no cp311 aarch64 wheel
    assert arm.choice["mindiesd"] == "3.0.0" and compat.minor(arm.choice["torch"]) in ("2.6", "2.7", "2.8", "2.9", "2.10")


def test_ascendfixs_own_environment_gets_a_new_one():
    p = plan("3.11.7", "8.2.RC1", {}, new_env=True)
    assert p.steps[0]["commands"][0] == "python3.11 -m venv ~/sdxl-env"
    assert "ascendfix's own environment" in p.steps[0]["title"]
    assert all(c.startswith(("python3.11", "(or:", "~/sdxl-env/bin/python", "ascendfix check")) for c in commands(p))


# --- every plan ends where check reports clean ---------------------------------------------------
FULL_GRID = list(itertools.product(["3.8.18", "3.9.19", "3.10.14", "3.11.7", "3.12.3"],
                                   [None, "8.0.RC1", "8.0.RC2", "8.0.0", "8.1.RC1", "8.2.RC1", "8.3.RC1", "8.5.0",
                                    "9.0.0", "9.1.0"]))
FAST = {("3.8.18", "8.0.RC1"), ("3.8.18", None), ("3.10.14", "8.2.RC1"), ("3.11.7", "8.5.0"), ("3.12.3", "9.1.0")}
GRID = [pytest.param(py, c, marks=() if (py, c) in FAST else pytest.mark.full) for py, c in FULL_GRID]


def _installed_after(p):
    c = p.choice
    env = {"numpy": "1.26.4", "huggingface-hub": "0.36.2", "safetensors": "0.4.5"}
    if p.stack == "mindone":
        pin = c["transformers"].lstrip("=").replace(".*", ".2")
        row = compat.top_row("mindone", c["mindone"])
        env.update({"mindspore": c["mindspore"], "mindone": (c["mindone"], row["requires"], row["requires_python"]),
                    "transformers": pin, "mindcv": "0.3.0"})
    else:
        env.update({"torch": c["torch"], "torch-npu": (c["torch_npu"], ["torch=={}.*".format(c["torch"])]),
                    "diffusers": "0.35.1", "transformers": "4.57.1"})
        if p.stack == "mindie":
            env["mindiesd"] = (c["mindiesd"], ["torch", "torch-npu"], ">=3.10")
    return env


@pytest.mark.parametrize("python,cann", GRID)
@pytest.mark.parametrize("stack", ["mindone", "torch-npu"])
def test_after_the_plan_the_pairing_checks_are_clean(tmp_path, python, cann, stack):
    from test_check_helpers import add_cann85, add_toolkit_plain

    p = plan(python, cann, {}, stack=stack)
    assert p.status in ("changes", "relaxed"), (p.status, p.blocked_by)
    py = p.choice["python"] if "python" not in p.relaxed else p.choice["python"] + ".0"
    new_cann = p.choice["cann"]
    if compat.ver(new_cann) >= compat.ver("8.5"):
        add_cann85(tmp_path, version=new_cann)
    else:
        add_toolkit_plain(tmp_path, new_cann)
    env = fake_env(py, _installed_after(p))
    f = {x["id"]: x for x in run_checks(root=str(tmp_path), env={"HOME": "/root"}, environment=env, stack=stack,
                                        only=["python", "packages", "pairing"])}
    bad = {k: (v["status"], v["detail"]) for k, v in f.items()
           if v["status"] in ("error", "warn", "crashed") and k not in ("mindie.version", "mindie.nnal", "mindie.atb_env",
                                                                        "mindone.transformers_imports")}
    assert not bad, (p.headline(), bad)
    # and the plan of the result is empty
    assert make_plan(Facts(py, "x86_64", cann=new_cann, installed={k: (v[0] if isinstance(v, tuple) else v)
                                                                 for k, v in _installed_after(p).items()}),
                     stack).steps == []


def test_keeping_what_is_installed_names_the_newer_release_that_also_fits():
    p = plan("3.11.7", "8.2.RC1", {"mindspore": "2.7.0", "mindone": "0.2.0", "transformers": "4.38.2", "numpy": "1.26.4"})
    assert p.status == "ok" and p.notes == ["mindone 0.5.0 fits here too: --want 'mindone>=0.5.0' plans for it"]
    asked = plan("3.11.7", "8.2.RC1", {"mindspore": "2.7.0", "mindone": "0.2.0", "transformers": "4.38.2",
                                       "numpy": "1.26.4"}, wants=["mindone>=0.5.0"])
    assert asked.choice["mindone"] == "0.5.0" and asked.choice["mindspore"] == "2.7.0" and not asked.notes
