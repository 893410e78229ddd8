"""The stack plan: the newest combination that fits every pairing table, as commands that work where they run.

Inputs are the facts that cannot change cheaply — the target interpreter's Python and architecture, the
installed CANN, the driver — what is installed now, and what the user asked for (the stack, ``--want``
requirements). :func:`make_plan` builds a :class:`~ascendfix.check.solver.Problem` per stack from the tables
in ``rules/compat`` and solves it; when nothing fits it frees the fixed facts one set at a time (a new Python
environment, a CANN upgrade, ...) and says which had to change and why.

A stack names its framework family and its top package in ``rules/stacks.yaml``; the family's plan model
(:data:`FAMILIES`) reads the family's tables and the top package's own table (``rules/compat/<top>.yaml``), so no
code here names a stack. Preferences, most important first: the stack's top package (mindone / mindiesd; the
torch_npu build when the stack has none) — the installed release when it fits, else the newest; then the
framework — installed when it fits, else newest; then the facts (CANN, Python) as they are. The plan never
proposes a version the tables do not list, and every pip command names a version that has a wheel for that
Python and architecture; where a wheel does not come from PyPI the command says where it does
(``rules/compat/wheels.yaml``). The floors a stack names (``floors``: the diffusers that has its pipeline) are
installed with it.
"""

import shlex

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet

from ascendfix import stacks
from ascendfix.check import compat
from ascendfix.check.solver import Constraint, Problem, Var, solve_relaxed

PYTHONS = ("3.12", "3.11", "3.10", "3.9", "3.8")  # interpreters a new environment may use, newest first
UPGRADE = "(upgrade)"
NEW_ENV_DIR = "~/sdxl-env"
CANN_DOWNLOAD = "https://www.hiascend.com/developer/download/community/result?module=cann"
DRIVER_DOWNLOAD = "https://www.hiascend.com/hardware/firmware-drivers/community"
RELAXATIONS = (("python",), ("driver",), ("cann",), ("python", "driver"), ("python", "cann"), ("cann", "driver"),
               ("python", "cann", "driver"))
# what --want may name in each family's plan, after the stack's top package
FAMILY_WANTS = {
    "mindspore": ("mindspore", "transformers", "python", "cann"),
    "torch": ("torch", "torch-npu", "python", "cann"),
}
_FACT_LABELS = {"python": "Python", "cann": "CANN", "driver": "the driver"}


def canonical(name):
    """PEP 503 name (the one normaliser, :func:`ascendfix.target.canonical_name`)."""
    from ascendfix.target import canonical_name

    return canonical_name(name)


def want_names(stack):
    """The distributions ``--want`` may name for ``stack``: its top package, then its family's."""
    top = stacks.top(stack)
    return ((canonical(top),) if top else ()) + FAMILY_WANTS.get(stacks.family(stack), ())


def _col(top):
    """The plan variable (and choice key) of a top package: its table's release column."""
    return stacks.top_table(top)[1]


class Facts(object):
    """What the plan starts from. ``installed`` maps canonical distribution names to versions."""

    def __init__(self, python, arch="x86_64", cann=None, cann_path=None, cann_kind="run", driver=None, chip=None,
                 installed=None, executable="python", new_env=False, locations=None):
        self.python = python
        self.arch = arch or "x86_64"
        self.cann = cann
        self.cann_path = cann_path
        self.cann_kind = cann_kind or "run"
        self.driver = driver
        self.chip = chip
        self.installed = {canonical(k): v for k, v in (installed or {}).items()}
        self.executable = executable or "python"
        self.new_env = bool(new_env)  # the target must not receive the frameworks (ascendfix's own environment)
        self.locations = dict(locations or {})

    def to_dict(self):
        return {"python": self.python, "arch": self.arch, "cann": self.cann, "driver": self.driver, "chip": self.chip,
                "executable": self.executable, "new_env": self.new_env}


def parse_wants(wants, stack):
    """``['mindone>=0.5']`` -> [Requirement]; a one-line AscendfixError for anything else."""
    from ascendfix.errors import AscendfixError

    out = []
    for w in wants or []:
        try:
            r = Requirement(w)
        except InvalidRequirement as e:
            why = str(e).splitlines()[0].strip() if str(e).strip() else "invalid"
            raise AscendfixError("--want {!r}: not a requirement like 'mindone>=0.5' ({})".format(w, why))
        name = canonical(r.name)
        allowed = want_names(stack)
        if name not in allowed:
            raise AscendfixError("--want {}: the {} stack plans {} (not {})".format(w, stack, ", ".join(allowed), r.name))
        out.append(r)
    return out


def _want_constraints(wants, names):
    """Constraints for ``--want``: each requirement on a plan variable (canonical name -> variable name)."""
    out = []
    for r in wants:
        var = names.get(canonical(r.name))
        if var is None:
            continue

        def check(a, r=r, var=var):
            value = a[var]
            if value in (None, UPGRADE):
                return None
            v = compat.ver(str(value))
            if v is None or not r.specifier.contains(v, prereleases=True):
                return "you asked for {}".format(r)
            return None

        out.append(Constraint((var,), check, "want " + str(r)))
    return out


# --- shared variables --------------------------------------------------------------------------------
def _python_var(facts, relax):
    if "python" in relax or facts.new_env:
        here = compat.minor(facts.python)
        values = list(PYTHONS)
        if facts.new_env and here in values:  # a new environment on the Python already there comes first
            values.remove(here)
            values.insert(0, here)
        return Var("python", values, "Python")
    return Var("python", [facts.python], "Python")


def _cann_var(facts, relax, candidates):
    if facts.cann and "cann" not in relax:
        return Var("cann", [facts.cann], "CANN")
    return Var("cann", compat.newest_first(dict.fromkeys(candidates)), "CANN")


def _driver_var(facts, relax):
    if "driver" in relax:
        return Var("driver", [UPGRADE], "driver")
    return Var("driver", [facts.driver], "driver")


def _driver_constraint():
    def check(a):
        if a["driver"] in (None, UPGRADE):
            return None
        if compat.driver_fits(a["cann"], a["driver"]) is False:
            row = compat.cann_driver_row(a["cann"])
            return "CANN {} needs driver {} or newer, found {}".format(a["cann"], row["driver"][0], a["driver"])
        return None

    return Constraint(("cann", "driver"), check, "cann-driver")


def _installed_first(values, installed, same=compat.same_release):
    """Candidates with the installed version first (when it is one of them)."""
    if installed is None:
        return list(values)
    hit = [v for v in values if same(v, installed)]
    return hit + [v for v in values if v not in hit]


# --- the MindSpore family: a top package (mindone) on MindSpore -----------------------------------------
def _mindspore_problem(facts, wants, relax, top):
    installed = {} if ("python" in relax or facts.new_env) else facts.installed
    col = _col(top)
    rows = compat.top_rows(top)
    top_values = _installed_first(compat.newest_first(rows), installed.get(canonical(top)))
    ms_rows = compat.table("mindspore.yaml")
    ms_versions = []
    for r in ms_rows:
        for v in r["mindspore"]:
            pre = compat.ver(v).is_prerelease
            if not pre or compat.same_release(v, installed.get("mindspore") or "") or any(
                    canonical(w.name) == "mindspore" for w in wants):
                ms_versions.append(v)
    inst_ms = installed.get("mindspore")
    ms_values = compat.newest_first(ms_versions)
    if inst_ms and compat.mindspore_row(inst_ms) is not None:
        # the installed build itself (e.g. 2.7.1.post1) rather than the table's spelling of its release
        ms_values = [inst_ms] + [v for v in ms_values if not compat.same_release(v, inst_ms)]
    cann_candidates = [c for r in ms_rows for c in r["cann"]]

    def ms_python(a):
        row = compat.mindspore_row(a["mindspore"])
        if not compat.mindspore_wheel_python(row, a["python"]):
            return "MindSpore {} has wheels for Python {} only".format(a["mindspore"], row["python"])

    def ms_cann(a):
        row = compat.mindspore_row(a["mindspore"])
        if compat.mindspore_cann_fits(row, a["cann"]) != "documented":
            return "MindSpore {} is documented for CANN {}, not {}".format(a["mindspore"], " / ".join(row["cann"]), a["cann"])

    def mo_ms(a):
        row = rows[a[col]]
        if not compat.top_mindspore_fits(row, a["mindspore"]):
            return "{} {} works with MindSpore {}, not {}".format(top, row[col], row["mindspore"], a["mindspore"])

    def mo_python(a):
        row = rows[a[col]]
        if compat.in_spec(a["python"], row["requires_python"]) is False:
            return "{} {} requires Python {}".format(top, row[col], row["requires_python"])
        blockers = compat.pinned_blockers(row, a["python"])
        if blockers:
            req, prow = blockers[0]
            return "{} {} pins {}, which requires Python {}".format(top, row[col], req, prow["requires_python"])

    variables = [Var(col, top_values, top), Var("mindspore", ms_values, "MindSpore"),
                 _cann_var(facts, relax, cann_candidates), _python_var(facts, relax), _driver_var(facts, relax)]
    constraints = [Constraint((col, "python"), mo_python, col + "-python"),
                   Constraint((col, "mindspore"), mo_ms, col + "-mindspore"),
                   Constraint(("mindspore", "cann"), ms_cann, "mindspore-cann"),
                   Constraint(("mindspore", "python"), ms_python, "mindspore-python"),
                   _driver_constraint()]

    constraints += _want_constraints(wants, {canonical(top): col, "mindspore": "mindspore", "python": "python",
                                             "cann": "cann"})
    for r in wants:
        if canonical(r.name) == "transformers":
            def tr(a, r=r):
                pin = _pin(rows[a[col]], "transformers")
                probe = pin.replace(".*", ".0") if pin else None
                if probe is None or not r.specifier.contains(compat.ver(probe), prereleases=True):
                    return "{} {} pins transformers=={}; you asked for {}".format(top, a[col], pin, r)
            constraints.append(Constraint((col,), tr, "want transformers"))
    return Problem(variables, constraints)


def _reqs(row, package):
    """The requirements of a table row on ``package`` (a canonical name), in order; unparsable ones skipped."""
    for req in row["requires"]:
        try:
            r = Requirement(req)
        except InvalidRequirement:
            continue
        if canonical(r.name) == package:
            yield r


def _pin(row, package):
    """The ``==`` version a row pins ``package`` to, or None."""
    for r in _reqs(row, package):
        for s in r.specifier:
            if s.operator == "==":
                return s.version
    return None


def _req(row, package):
    return next(_reqs(row, package), None)


# --- the torch stacks --------------------------------------------------------------------------------
def _builds():
    """torch_npu builds: {torch_npu version: {"torch", "pair", "rows"}} in table order."""
    out = {}
    for row, pair in compat.torch_npu_pairs():
        b = out.setdefault(pair["torch_npu"], {"torch_npu": pair["torch_npu"], "torch": pair["torch"], "pair": pair,
                                                "rows": []})
        b["rows"].append(row)
    return out


def _build_values(builds, installed):
    # newest torch first; a final torch_npu build before a pre-release one (2.9.0 before 2.12.0rc1)
    order = sorted(builds.values(), key=lambda b: (not compat.ver(b["torch_npu"]).is_prerelease, compat.ver(b["torch"]),
                                                   compat.ver(b["torch_npu"])), reverse=True)
    inst_tn, inst_torch = installed.get("torch-npu"), installed.get("torch")
    if inst_tn:
        hit = [b for b in order if compat.exact(b["torch_npu"], inst_tn)] or \
              [b for b in order if compat.same_release(b["torch_npu"], inst_tn)]
        order = hit[:1] + [b for b in order if b not in hit[:1]]
    elif inst_torch:
        hit = [b for b in order if compat.same_release(b["torch"], inst_torch)]
        order = hit + [b for b in order if b not in hit]
    return order


def _torch_constraints(facts):
    def tn_python(a):
        b = a["torch_npu"]
        spec = compat.pair_python(b["pair"], facts.arch)
        if compat.in_spec(a["python"], spec) is False:
            return "torch_npu {} has {} wheels for Python {} only".format(b["torch_npu"], facts.arch, spec)

    def tn_cann(a):
        b = a["torch_npu"]
        if not any(compat.torch_npu_cann_fits(r, a["cann"]) for r in b["rows"]):
            return "torch_npu {} is documented for CANN {}, not {}".format(
                b["torch_npu"], " / ".join(dict.fromkeys(compat.cann_label(r) for r in b["rows"])), a["cann"])

    return [Constraint(("torch_npu", "python"), tn_python, "torch_npu-python"),
            Constraint(("torch_npu", "cann"), tn_cann, "torch_npu-cann")]


def _torch_cann_candidates():
    return [r["cann"] for r in compat.table("torch_npu.yaml")]


def _torch_problem(facts, wants, relax, top=None):
    installed = {} if ("python" in relax or facts.new_env) else facts.installed
    builds = _builds()
    variables = [Var("torch_npu", _build_values(builds, installed), "torch_npu"),
                 _cann_var(facts, relax, _torch_cann_candidates()), _python_var(facts, relax), _driver_var(facts, relax)]
    constraints = _torch_constraints(facts) + [_driver_constraint()]
    constraints += _torch_wants(wants)
    names = {"python": "python", "cann": "cann"}
    if top:  # a package on top of torch_npu (mindiesd): chosen first, its table decides Python and torch
        col = _col(top)
        variables.insert(0, Var(col, _installed_first(compat.newest_first(compat.top_rows(top)),
                                                      installed.get(canonical(top))), top))
        constraints = _top_torch_constraints(facts, top, col) + constraints
        names[canonical(top)] = col
    constraints += _want_constraints(wants, names)
    return Problem(variables, constraints)


def _torch_wants(wants):
    out = []
    for r in wants:
        name = canonical(r.name)
        if name in ("torch", "torch-npu"):
            key = "torch" if name == "torch" else "torch_npu"

            def check(a, r=r, key=key):
                v = compat.ver(a["torch_npu"][key])
                if v is None or not r.specifier.contains(v, prereleases=True):
                    return "you asked for {}".format(r)

            out.append(Constraint(("torch_npu",), check, "want " + str(r)))
    return out


def _top_torch_constraints(facts, top, col):
    rows = compat.top_rows(top)

    def sd_python(a):
        row = rows[a[col]]
        if compat.in_spec(a["python"], row["requires_python"]) is False:
            return "{} {} requires Python {}".format(top, row[col], row["requires_python"])
        spec = compat.top_python(row, facts.arch)
        if spec is None:
            return "{} {} has no {} wheel".format(top, row[col], facts.arch)
        if compat.in_spec(a["python"], spec) is False:
            return "{} {} has {} wheels for Python {} only".format(top, row[col], facts.arch, spec)

    def sd_torch(a):
        row = rows[a[col]]
        if not compat.top_torch_fits(row, a["torch_npu"]["torch"]):
            return "{} {} has no plugin for torch {} (plugins: {})".format(
                top, row[col], compat.minor(a["torch_npu"]["torch"]), ", ".join(row["torch"]))

    return [Constraint((col, "python"), sd_python, col + "-python"),
            Constraint((col, "torch_npu"), sd_torch, col + "-torch")]


# the plan model of each framework family (rules/stacks.yaml `families`): fn(facts, wants, relax, top) -> Problem
FAMILIES = {"mindspore": _mindspore_problem, "torch": _torch_problem}
# the choice keys of each family's framework, in headline order (the top package follows them)
_FRAMEWORK_CHOICES = {"mindspore": (("mindspore", "MindSpore"),), "torch": (("torch", "torch"), ("torch_npu", "torch_npu"))}


def builder(stack):
    """The plan model of ``stack``: fn(facts, wants, relax) -> Problem."""
    from ascendfix.data import DataError

    family, top = stacks.family(stack), stacks.top(stack)
    model = FAMILIES.get(family)
    if model is None:
        raise DataError("rules/stacks.yaml: stack '{}': family '{}' has no plan model in ascendfix "
                        "(known: {})".format(stack, family, ", ".join(FAMILIES)))
    return lambda facts, wants, relax: model(facts, wants, relax, top)


# --- the plan ----------------------------------------------------------------------------------------
class Plan(object):
    """A solved plan. ``status``: ok (nothing to do), changes (pip-level steps), relaxed (a fixed fact must change),
    unsolvable (nothing in the tables fits the request)."""

    def __init__(self, stack, facts, wants):
        self.stack = stack
        self.family = stacks.family(stack)
        self.top = stacks.top(stack)
        self.facts = facts
        self.wants = [str(w) for w in wants]
        self.status = "ok"
        self.choice = {}
        self.relaxed = []
        self.blocked_by = []
        self.steps = []
        self.notes = []
        self.sources = []
        self.executable = facts.executable

    @property
    def ok(self):
        return self.status in ("ok", "changes")

    def add(self, title, commands, kind="pip", packages=(), source=None, verifiable=True):
        step = {"n": len(self.steps) + 1, "title": title, "commands": list(commands), "kind": kind,
                "packages": list(packages), "source": source, "verifiable": bool(verifiable)}
        self.steps.append(step)
        return step

    def step_for(self, package):
        """The step that installs ``package`` (canonical name), or None."""
        package = canonical(package)
        for s in self.steps:
            if package in s["packages"]:
                return s
        return None

    def fix_for(self, package):
        """A fix line for a finding about ``package``: the plan's command for it, numbered."""
        s = self.step_for(package)
        if s is None:
            return None
        return "plan step {} below: {}".format(s["n"], s["title"])

    def headline(self):
        c = self.choice
        parts = []
        keys = _FRAMEWORK_CHOICES.get(self.family, ()) + (((_col(self.top), self.top),) if self.top else ()) + (
            ("transformers", "transformers"), ("numpy", "numpy"), ("diffusers", "diffusers"))
        for key, label in keys:
            if c.get(key):
                v = c[key]
                parts.append("{}{}{}".format(label, "" if v[:1] in "<>=!~" else " ", v))
        where = "Python {}".format(c.get("python"))
        if c.get("cann"):
            where += ", CANN {}".format(c["cann"])
        return "{} ({})".format(" + ".join(parts), where)

    def to_dict(self):
        return {"stack": self.stack, "status": self.status, "wants": self.wants, "facts": self.facts.to_dict(),
                "choice": dict(self.choice), "relaxed": list(self.relaxed), "blocked_by": list(self.blocked_by),
                "steps": [dict(s) for s in self.steps], "notes": list(self.notes), "sources": list(self.sources)}


def make_plan(facts, stack=None, wants=()):
    """Solve the stack for ``facts`` and return a :class:`Plan` (never raises for a table that does not fit)."""
    wants = list(wants)
    stack = stack or stacks.default()
    plan = Plan(stack, facts, wants)
    build = builder(stack)
    relaxations = [r for r in RELAXATIONS if not (facts.driver is None and "driver" in r)]
    res = solve_relaxed(lambda relax: build(facts, wants, relax), relaxations, cost=lambda sol, relax: _cost(facts, sol, relax))
    if not res.ok:
        plan.status = "unsolvable"
        plan.blocked_by = _unsolvable_reasons(build(facts, wants, frozenset(("python", "cann", "driver"))), wants)
        plan.notes.append("nothing in the shipped tables satisfies {} for the {} stack on {}".format(
            ", ".join(plan.wants) or "the request", stack, facts.arch))
        return plan
    relax = set(res.relaxed)
    if facts.new_env:
        relax.add("python")
    plan.relaxed = [n for n in ("python", "cann", "driver") if n in res.relaxed]
    plan.blocked_by = res.blocked_by
    _steps(plan, res.solution, relax)
    if not res.relaxed:
        _newer_note(plan, build(facts, wants, frozenset()), res.solution)
    if plan.relaxed:
        plan.status = "relaxed"
    elif plan.steps:
        plan.status = "changes"
    return plan


def _cost(facts, sol, relax=()):
    """How much a solution changes: installed packages replaced, plus the facts (Python, CANN, driver) changed."""
    n = 0
    fresh = facts.new_env or "python" in relax  # a new environment: nothing installed there to keep
    for name, value in sol.items():
        if name == "python":
            n += compat.minor(value) != compat.minor(facts.python)
        elif name == "cann":
            n += value != facts.cann
        elif name == "driver":
            n += value == UPGRADE
        elif not fresh:
            version = value["torch_npu"] if isinstance(value, dict) else value
            inst = facts.installed.get(canonical(name.replace("_", "-")))
            n += bool(inst) and not compat.same_release(inst, version)
            if isinstance(value, dict) and facts.installed.get("torch"):
                n += not compat.same_release(facts.installed["torch"], value["torch"])
    return n


def _newer_note(plan, problem, sol):
    """When keeping what is installed wins, say whether a newer top package also fits (and how to ask for it)."""
    from ascendfix.check.solver import solve

    head = problem.variables[0]

    def key(v):
        if isinstance(v, dict):
            return (not compat.ver(v["torch_npu"]).is_prerelease, compat.ver(v["torch"]), compat.ver(v["torch_npu"]))
        return (True, compat.ver(v), compat.ver(v))

    head.values = sorted(head.values, key=key, reverse=True)  # newest first, installed or not
    newest = solve(problem)
    top = head.name
    if newest is None or newest[top] == sol[top]:
        return
    mine, new = sol[top], newest[top]
    label = problem.variables[0].label
    if isinstance(new, dict):
        mine, new, label = mine["torch_npu"], new["torch_npu"], "torch_npu"
    if compat.ver(new) is not None and compat.ver(mine) is not None and compat.ver(new) > compat.ver(mine):
        name = plan.top if plan.top and top == _col(plan.top) else top.replace("_", "-")
        plan.notes.append("{} {} fits here too: --want '{}>={}' plans for it".format(label, new, name, new))


def _unsolvable_reasons(problem, wants):
    """Why nothing fits even with every fact freed: a request no candidate meets, else the first few reasons."""
    from ascendfix.check.solver import first_failure

    out = []
    for c in problem.constraints:
        if not c.name.startswith("want ") or len(c.over) != 1:
            continue
        var = problem.var(c.over[0])
        if not any(c.check({var.name: v}) is None for v in var.values):
            shown = [v["torch_npu"] if isinstance(v, dict) else v for v in var.values]
            out.append("no {} in the shipped tables matches {} (the tables list {})".format(
                var.label, c.name[5:], ", ".join(str(v) for v in shown[:6])))
    return out or first_failure(problem)[:3]


# --- steps -------------------------------------------------------------------------------------------
def _q(arg):
    if all(c.isalnum() or c in "-_=.:/+~@," for c in arg):
        return arg
    if not any(c in arg for c in '"$`\\!'):
        return '"{}"'.format(arg)
    return shlex.quote(arg)


def pip_command(exe, args):
    exe = exe if " " not in exe else shlex.quote(exe)
    return "{} -m pip install {}".format(exe, " ".join(_q(a) for a in args))


def _steps(plan, sol, relax):
    facts = plan.facts
    new_env = "python" in relax
    exe = facts.executable
    installed = {} if new_env else facts.installed
    python = sol["python"]
    py_minor = compat.minor(python)
    plan.choice["python"] = python if not new_env else py_minor
    cann = sol["cann"]
    plan.choice["cann"] = cann
    if new_env:
        exe = NEW_ENV_DIR + "/bin/python"
        why = "this interpreter is ascendfix's own environment" if (facts.new_env and "python" not in plan.relaxed) \
            else "Python {} cannot run this stack".format(compat.minor(facts.python))
        plan.add("a new Python {} environment ({})".format(py_minor, why),
                 ["python{} -m venv {}".format(py_minor, NEW_ENV_DIR),
                  "(or: conda create -n sdxl python={} && conda activate sdxl)".format(py_minor)], kind="shell")
    plan.executable = exe
    if sol.get("driver") == UPGRADE:
        row = compat.cann_driver_row(cann)
        plan.add("install the Ascend HDK driver {} or newer (documented for CANN {}), then reboot".format(
            row["driver"][0] if row else "documented for CANN " + cann, cann),
            ["download: " + DRIVER_DOWNLOAD], kind="manual", packages=["driver"], source=row and row["source"][0])
    if cann != facts.cann or "cann" in relax:
        _cann_step(plan, cann)
    if plan.family == "mindspore":
        _mindspore_steps(plan, sol, installed, exe, python)
    else:
        _torch_steps(plan, sol, installed, exe, python)
    if plan.steps:
        plan.add("check the result", ["ascendfix check --python {}".format(exe)], kind="verify")


def _cann_step(plan, cann):
    facts = plan.facts
    chip = facts.chip or "910b"
    arch = "$(uname -m)"
    layout = compat.cann_layout(cann, "run")
    toolkit = "Ascend-cann-toolkit_{}_linux-{}.run".format(cann, arch)
    ops = compat.ops_package(cann, chip, arch, "run") or "the kernels/ops package for {}".format(chip)
    home = compat.fill(layout["homes"][0], version=cann, home="$HOME") if layout else "/usr/local/Ascend/cann"
    set_env = compat.set_env_for(cann, home, "run")
    title = "install CANN {} (toolkit and the {} operator package){}".format(
        cann, chip, ", replacing {}".format(facts.cann) if facts.cann else "")
    cmds = ["bash ./{} --install".format(toolkit), "bash ./{} --install".format(ops), "source " + set_env,
            "(packages: {})".format(CANN_DOWNLOAD)]
    pip_layout = compat.cann_layout(cann, "pip")
    if pip_layout and compat.SpecifierSet(pip_layout["cann"]).contains(compat.ver(cann), prereleases=True):
        pkgs = [compat.fill(x, version=cann, chip=chip) for x in pip_layout["pip"]]
        cmds.append("(or with pip, into the target environment: {} --extra-index-url {}; then source "
                    "<site-packages>/ascend/cann-{}/set_env.sh)".format(
                        pip_command(plan.executable, pkgs), pip_layout["index"], cann))
    plan.add(title, cmds, kind="manual", packages=["cann"], source=layout["source"][0] if layout else None)


def _mindspore_steps(plan, sol, installed, exe, python):
    facts = plan.facts
    top, col = plan.top, _col(plan.top)
    dist = canonical(top)
    mo_row = compat.top_row(top, sol[col])
    ms = sol["mindspore"]
    ms_row = compat.mindspore_row(ms)
    plan.choice.update({"mindspore": ms, col: sol[col]})
    plan.sources = compat.source_of(ms_row) + compat.source_of(mo_row)
    if not (installed.get("mindspore") and compat.exact(installed["mindspore"], ms)):
        args, src = compat.mindspore_install_args(ms, facts.arch, python)
        title = "MindSpore {} for CANN {} ({}, Python {})".format(ms, sol["cann"], facts.arch, compat.minor(python))
        if installed.get("mindspore"):
            title += ", replacing {}".format(installed["mindspore"])
        if src != "pypi":
            title += "; the wheel comes from MindSpore's own download server, not PyPI"
        plan.add(title, [pip_command(exe, args)], packages=["mindspore"], source=src, verifiable=(src == "pypi"))
        if ms_row.get("te_hccl") and compat.ver(sol["cann"]) < compat.ver("8.5"):
            home = facts.cann_path if (facts.cann_path and sol["cann"] == facts.cann) else \
                "/usr/local/Ascend/ascend-toolkit/latest"
            # the globs are for the shell to expand, as in the install docs
            plan.add("CANN's te and hccl wheels (the MindSpore install docs add them)",
                     ["{} sympy {}/lib64/te-*-py3-none-any.whl {}/lib64/hccl-*-py3-none-any.whl".format(
                         pip_command(exe, []).rstrip(), home, home)],
                     packages=["te", "hccl"], source=ms_row["source"][0], verifiable=False)
    numpy_spec = _numpy_spec(ms_row, mo_row)
    tr_req = _req(mo_row, "transformers")
    plan.choice["transformers"] = str(tr_req.specifier) if tr_req else None
    plan.choice["numpy"] = numpy_spec
    args = []
    keep_mo = installed.get(dist) and compat.same_release(installed[dist], sol[col])
    if not keep_mo:
        args.append("{}=={}".format(top, sol[col]))
    if tr_req and (not keep_mo or not _satisfied(installed.get("transformers"), tr_req.specifier)):
        args.append("transformers{}".format(tr_req.specifier))
    if numpy_spec and (not keep_mo or not _satisfied(installed.get("numpy"), SpecifierSet(numpy_spec))):
        args.append("numpy{}".format(numpy_spec))
    if args:
        pkgs = [canonical(a.split("=")[0].split("<")[0].split(">")[0]) for a in args]
        title = "{} {} and the versions it pins".format(top, sol[col]) if not keep_mo else \
            "the versions {} {} pins".format(top, sol[col])
        if installed.get(dist) and not keep_mo:
            where = facts.locations.get(dist)
            title += ", replacing {} {}{}".format(top, installed[dist], " from " + where if where else "")
        plan.add(title, [pip_command(exe, args)], packages=pkgs, source="pypi")
    extra = _floor_args(plan, installed)
    if extra:
        plan.add("the pipeline packages ({})".format(", ".join(extra)), [pip_command(exe, extra)],
                 packages=_pkg_names(extra), source="pypi")


def _floor_args(plan, installed):
    """pip arguments for the floors the stack names (rules/stacks.yaml `floors`: the diffusers with the SDXL
    pipeline) that the installed versions do not meet."""
    out = []
    for floor in compat.floors(plan.stack):
        pkg = floor["package"]
        if not _satisfied(installed.get(canonical(pkg)), SpecifierSet(floor["version"])):
            out.append("{}{}".format(pkg, floor["version"]))
            plan.choice[pkg] = floor["version"]
    return out


def _pkg_names(args):
    return [canonical(a.split("=")[0].split(">")[0].split("<")[0]) for a in args]


def _numpy_spec(ms_row, mo_row):
    specs = []
    for s in (ms_row.get("numpy"), compat.requires_spec(mo_row, "numpy")):
        if s:
            specs.extend(x.strip() for x in s.split(","))
    merged = []
    for s in specs:
        norm = s.replace("<2.0", "<2")
        if norm not in merged:
            merged.append(norm)
    return ",".join(merged) or None


def _satisfied(version, specifier):
    if version is None:
        return False
    v = compat.ver(str(version).split("+")[0])
    return v is not None and specifier.contains(v, prereleases=True)


def _torch_steps(plan, sol, installed, exe, python):
    facts = plan.facts
    b = sol["torch_npu"]
    plan.choice.update({"torch": b["torch"], "torch_npu": b["torch_npu"]})
    plan.sources = [s for r in b["rows"] for s in compat.source_of(r)]
    if plan.top:
        col = _col(plan.top)
        plan.choice[col] = sol[col]
        plan.sources += compat.source_of(compat.top_row(plan.top, sol[col]))
    if not (installed.get("torch") and compat.same_release(installed["torch"], b["torch"])):
        args, src = compat.torch_install_args(b["torch"], facts.arch)
        title = "torch {} (CPU build; torch_npu adds the NPU){}".format(
            b["torch"], ", replacing {}".format(installed["torch"]) if installed.get("torch") else "")
        plan.add(title, [pip_command(exe, args)], packages=["torch"], source=src, verifiable=(src == "pypi"))
    if not (installed.get("torch-npu") and compat.exact(installed["torch-npu"], b["torch_npu"])):
        pin = compat.torch_npu_torch_requirement(b["torch_npu"], b["torch"], facts.arch)
        local = "+" in pin  # the wheel needs the CPU build of torch, which only the step above installs
        plan.add("torch_npu {} (documented for CANN {}){}".format(
            b["torch_npu"], " / ".join(dict.fromkeys(compat.cann_label(r) for r in b["rows"])),
            "; its {} wheel requires {} from the torch step".format(facts.arch, pin) if local else ""),
            [pip_command(exe, ["torch_npu=={}".format(b["torch_npu"])])], packages=["torch-npu"], source="pypi",
            verifiable=not local)
    extra = _floor_args(plan, installed)
    if not installed.get("transformers"):
        extra.append("transformers")
    if plan.top:
        col, dist = _col(plan.top), canonical(plan.top)
        if not (installed.get(dist) and compat.same_release(installed[dist], sol[col])):
            extra.insert(0, "{}=={}".format(plan.top, sol[col]))
    if extra:
        plan.add("the pipeline packages ({})".format(", ".join(extra)), [pip_command(exe, extra)],
                 packages=_pkg_names(extra), source="pypi")


# --- facts from a check context ----------------------------------------------------------------------
def facts_from_context(ctx):
    """Facts for the plan from a check :class:`~ascendfix.check.engine.Context`."""
    from ascendfix.check import facts as f

    env = ctx.environment
    py = env.get("python", {})
    dists = env.get("distributions") or {}
    installed = {k: d.get("version") for k, d in dists.items()}
    locations = {k: d.get("location") for k, d in dists.items() if d.get("location")}
    c = f.cann(ctx)["selected"]
    d = f.driver(ctx)
    return Facts(python=py.get("version") or ".".join(str(x) for x in ctx.py_version), arch=py.get("machine") or "x86_64",
                 cann=c["version"] if c and c.get("version") else None, cann_path=c["path"] if c else None,
                 cann_kind=c.get("kind", "run") if c else "run", driver=d["version"] if d else None,
                 chip=f.chip_family(ctx), installed=installed, executable=py.get("executable") or "python",
                 new_env=bool(getattr(ctx, "own_env", False)), locations=locations)


def plan_for(ctx):
    """The plan of a check run (computed once per context)."""
    def build():
        return make_plan(facts_from_context(ctx), ctx.stack, getattr(ctx, "wants", ()) or ())

    return ctx.cached("plan", build)
