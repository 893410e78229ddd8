"""The pairing tables in ``rules/compat/*.yaml`` (data, not code) and the questions asked of them.

Each evaluator takes plain version strings and returns ``(status, row, message)`` with status
ok / warn / error / skip; every row's own ``examples`` exercise them (tests/test_check_data.py).
The plan solver (:mod:`ascendfix.check.plan`) asks the same tables through the ``*_fits`` helpers,
so a finding and a plan step can never disagree about a pair.
"""

import functools
import os
import re

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from ascendfix import data
from ascendfix.check.parsers import norm_cann, norm_driver

F = data.Field
_EXAMPLES = F(list, required=False, items=dict)
_SOURCE = F(list, items=str)
SCHEMAS = {
    "mindspore.yaml": {"id": F(str), "mindspore": F(list, items=str), "cann": F(list, items=str),
                       "accepts": F(list, required=False, items=str), "python": F(str), "numpy": F(str),
                       "wheels": F(str, choices=["pypi", "mindspore-repo"]), "te_hccl": F(bool, required=False),
                       "source": _SOURCE, "examples": _EXAMPLES},
    "cann_driver.yaml": {"id": F(str), "cann": F(str), "driver": F(list, items=str), "firmware": F(str, required=False),
                         "source": _SOURCE, "examples": _EXAMPLES},
    "torch_npu.yaml": {"id": F(str), "cann": F(str), "cann_range": F(str, required=False), "pairs": F(list, items=dict),
                       "source": _SOURCE, "examples": _EXAMPLES},
    "packages.yaml": {"id": F(str), "kind": F(str, choices=["requires_python", "floor", "placeholder"]),
                      "package": F(str), "version": F(str), "requires_python": F(str, required=False),
                      "why": F(str, required=False), "instead": F(str, required=False), "source": _SOURCE, "examples": _EXAMPLES},
    "wheels.yaml": {"id": F(str), "package": F(str), "arch": F(str, required=False), "url": F(str, required=False),
                    "pip_args": F(list, required=False, items=str), "index_url": F(str, required=False),
                    "local": F(str, required=False), "versions": F(str, required=False), "source": _SOURCE,
                    "examples": _EXAMPLES},
    "cann.yaml": {"id": F(str), "kind": F(str, choices=["run", "pip"]), "cann": F(str), "homes": F(list, items=str),
                  "set_env": F(str), "ops": F(str, required=False), "pip": F(list, required=False, items=str),
                  "index": F(str, required=False), "ops_version": F(str, choices=["same", "line"]),
                  "source": _SOURCE, "examples": _EXAMPLES},
}
# The table of a stack's top package (rules/compat/<top>.yaml, named in rules/stacks.yaml), by the stack's family;
# the release column is named like the file (mindone.yaml: `mindone`, mindiesd.yaml: `mindiesd`).
#   mindspore  the package's releases on MindSpore: the MindSpore range, Requires-Python and Requires-Dist pins
#   torch      the package's releases on torch + torch_npu: Requires-Python, wheels per architecture and the
#              torch minor versions it ships operator plugins for
TOP_SCHEMAS = {
    "mindspore": {"id": F(str), "mindspore": F(str), "tested": F(str, required=False), "requires_python": F(str),
                  "requires": F(list, items=str), "source": _SOURCE, "examples": _EXAMPLES},
    "torch": {"id": F(str), "requires_python": F(str), "python_by_arch": F(dict), "torch": F(list, items=str),
              "source": _SOURCE, "examples": _EXAMPLES},
}
_PAIR_FIELDS = {"torch": F(str), "torch_npu": F(str), "python": F(str), "python_x86_64": F(str, required=False)}

TABLES = tuple(SCHEMAS)  # the framework tables; the top packages' tables come from rules/stacks.yaml


def top_tables():
    """{file name: family} of the top-package tables the stacks name (mindone.yaml: mindspore, ...)."""
    from ascendfix import stacks

    return stacks.top_tables()


def tables():
    """Every table file in use: the framework tables and the stacks' top-package tables."""
    return TABLES + tuple(n for n in top_tables() if n not in SCHEMAS)


def schema(name):
    """The fields of a table's rows; a DataError for a table nothing names."""
    if name in SCHEMAS:
        return SCHEMAS[name]
    fam = top_tables().get(name)
    if fam is None or fam not in TOP_SCHEMAS:
        raise data.DataError("rules/compat/{}: no stack in rules/stacks.yaml names this table".format(name))
    return dict(TOP_SCHEMAS[fam], **{name[:-len(".yaml")]: F(str)})


_TABLES = {}  # name -> (stamp, rows)


def _stamp(name):
    """What the cached rows of ``name`` depend on: the data folder and the file's size and mtime (a long-lived
    process, e.g. the library API, sees an edited table like a fresh one would)."""
    root = str(data.data_root("rules"))
    try:
        st = os.stat(os.path.join(root, "compat", name))
    except OSError:
        return (root, None, None)
    return (root, st.st_size, st.st_mtime_ns)


def table(name):
    """Rows of ``rules/compat/<name>``, validated; read again only when the file changes (treat them as
    read-only). A check asks the tables a few hundred times: each ask is one stat, not a folder walk."""
    stamp = _stamp(name)
    hit = _TABLES.get(name)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    rows = _load_table(name)
    _TABLES[name] = (stamp, rows)
    return rows


def _load_table(name):
    fields = schema(name)
    rows = [e for p, e in data.load_entries("rules", "compat") if p.name == name]
    for row in rows:
        where = "rules/compat/{}: entry '{}'".format(name, row.get("id"))
        data.validate(row, fields, where)
        for i, pair in enumerate(row.get("pairs") or []):
            data.validate(pair, _PAIR_FIELDS, "{} pairs[{}]".format(where, i))
    return rows


def source_of(row):
    return list(row.get("source") or []) if row else []


# --- versions ----------------------------------------------------------------------------------
def ver(v):
    """A PEP 440 Version, tolerant of CANN spellings ('8.0.RC2.beta1' -> 8.0rc2) and local tags; None if not one."""
    if v is None:
        return None
    return _ver(str(v))


@functools.lru_cache(maxsize=4096)
def _ver(v):
    s = v.strip()
    s = re.sub(r"\.(beta|alpha)\d*$", "", s, flags=re.I)
    try:
        return Version(s)
    except InvalidVersion:
        return None


def core(v):
    """(release, pre) of a version: the same for 2.7.1, 2.7.1.post1 and 2.7.1+cpu; 2.3.0rc1 stays a pre-release."""
    p = ver(v)
    if p is None:
        return None
    return (tuple(p.release) + (0,) * max(0, 3 - len(p.release)), p.pre)


def same_release(a, b):
    """2.7.1 and 2.7.1.post2 are one release (post releases and local tags rebuild it); rc1 and rc2 are not."""
    ca, cb = core(a), core(b)
    if ca is None or cb is None:
        return str(a) == str(b)
    return ca == cb


def exact(a, b):
    """The same version, local tags ignored (2.7.1.post2 == 2.7.1.post2+cpu)."""
    va, vb = ver(str(a).split("+")[0]), ver(str(b).split("+")[0])
    if va is None or vb is None:
        return str(a) == str(b)
    return va == vb


def in_spec(version, spec):
    """True/False, or None when either side cannot be parsed. Pre-releases count (2.3.0rc1 is in >=2.3.0rc1)."""
    v = ver(str(version).split("+")[0]) if version is not None else None
    try:
        s = SpecifierSet(spec)
    except InvalidSpecifier:
        return None
    if v is None:
        return None
    return s.contains(v, prereleases=True)


def minor(v):
    """'3.8.18' -> '3.8'."""
    p = ver(v)
    return "{}.{}".format(p.release[0], p.release[1] if len(p.release) > 1 else 0) if p else None


def newest_first(versions):
    return sorted(versions, key=lambda v: ver(v) or Version("0"), reverse=True)


# --- MindSpore <-> CANN ------------------------------------------------------------------------------
def mindspore_row(ms_version):
    return _mindspore_row(str(ms_version), _stamp("mindspore.yaml"))


@functools.lru_cache(maxsize=1024)
def _mindspore_row(ms_version, stamp):
    for row in table("mindspore.yaml"):
        if any(same_release(ms_version, v) for v in row["mindspore"]):
            return row
    return None


def cann_line(cann):
    """'8.3.RC1' -> '8.3' (the line MindSpore's own check compares)."""
    p = ver(norm_cann(cann))
    return "{}.{}".format(p.release[0], p.release[1]) if p and len(p.release) > 1 else None


def mindspore_cann_fits(row, cann):
    """'documented' / 'accepted' / None for a MindSpore row and a CANN version."""
    if any(norm_cann(cann) == norm_cann(c) for c in row["cann"]):
        return "documented"
    if cann_line(cann) in (row.get("accepts") or []):
        return "accepted"
    return None


def eval_mindspore(ms_version, cann):
    row = mindspore_row(ms_version)
    if row is None:
        return "warn", None, "MindSpore {} is not in the shipped pairing table".format(ms_version)
    if cann is None:
        return "skip", row, "no CANN found to compare with"
    fit = mindspore_cann_fits(row, cann)
    if fit == "documented":
        return "ok", row, "MindSpore {} pairs with CANN {}".format(ms_version, cann)
    if fit == "accepted":
        return "warn", row, ("MindSpore {} is documented for CANN {}, found {} (its own version check accepts {}, "
                             "so it may run)".format(ms_version, " / ".join(row["cann"]), cann, cann_line(cann)))
    return "error", row, "MindSpore {} needs CANN {}, found {}".format(ms_version, " or ".join(row["cann"]), cann)


def mindspore_wheel_python(row, python):
    """True when a Linux wheel of this MindSpore line exists for ``python`` (both arches alike)."""
    return in_spec(python, row["python"]) is not False


# --- CANN <-> driver ---------------------------------------------------------------------------------
def cann_driver_row(cann):
    row = None
    for r in table("cann_driver.yaml"):
        if norm_cann(r["cann"]) == norm_cann(cann):
            row = r
    return row


def driver_key(v):
    # 24.1.rc2 < 24.1.0 < 25.0.rc1: an rc sorts before the final of the same line
    parts = str(v).lower().split(".")
    key = []
    for p in parts[:3]:
        if p.startswith("rc"):
            key.extend([-1, int(p[2:] or 0)])
        elif p.isdigit():
            key.extend([int(p), 0])
        else:
            key.extend([0, 0])
    return tuple(key)



def driver_fits(cann, driver):
    """True / False for a CANN and an installed driver, None when the table has no row for the CANN."""
    row = cann_driver_row(cann)
    if row is None or not driver:
        return None
    listed = [norm_driver(x) for x in row["driver"]]
    return driver_key(norm_driver(driver)) >= driver_key(min(listed, key=driver_key))


def eval_cann_driver(cann, driver):
    row = cann_driver_row(cann)
    if row is None:
        return "warn", None, "CANN {} is not in the shipped CANN/driver table".format(cann)
    d = norm_driver(driver)
    listed = [norm_driver(x) for x in row["driver"]]
    if d in listed:
        return "ok", row, "driver {} is documented for CANN {}".format(driver, cann)
    oldest = min(listed, key=driver_key)
    if driver_key(d) < driver_key(oldest):
        return "error", row, "CANN {} needs driver {} or newer, found {}".format(cann, row["driver"][0], driver)
    return "warn", row, "driver {} is newer than the line documented for CANN {} ({}); usually works".format(
        driver, cann, ", ".join(row["driver"]))


# --- torch <-> torch_npu <-> CANN ---------------------------------------------------------------------
def torch_npu_cann_fits(row, cann):
    if cann is None:
        return False
    if row.get("cann_range"):
        return bool(in_spec(norm_cann(cann), row["cann_range"]))
    return norm_cann(cann) == norm_cann(row["cann"])


def cann_label(row):
    """How a torch_npu row names its CANN: '9.1.0' or '9.1.x' for a documented range."""
    if row.get("cann_range"):
        p = ver(row["cann"])
        return "{}.{}.x".format(p.release[0], p.release[1]) if p else row["cann"]
    return row["cann"]


def pair_python(pair, arch=None):
    if arch == "x86_64" and pair.get("python_x86_64"):
        return pair["python_x86_64"]
    return pair["python"]


def torch_npu_pairs():
    """[(row, pair)] of every documented torch_npu build."""
    return [(r, p) for r in table("torch_npu.yaml") for p in r["pairs"]]


def _pairs_for(torch_npu):
    rows = torch_npu_pairs()
    hit = [(r, p) for r, p in rows if exact(p["torch_npu"], torch_npu)]
    if not hit:  # a build the tables do not list: judge it by its release (2.7.1.post11 -> the 2.7.1 builds)
        hit = [(r, p) for r, p in rows if same_release(p["torch_npu"], torch_npu)]
    return hit


def eval_torch_npu(cann, torch, torch_npu):
    """Is (torch, torch_npu) a documented pair, and is it documented for this CANN?"""
    pair_rows = _pairs_for(torch_npu)
    if not pair_rows:
        return "warn", None, "torch_npu {} is not in the shipped table".format(torch_npu)
    if torch is not None and not any(same_release(p["torch"], torch) for _, p in pair_rows):
        return "error", pair_rows[0][0], "torch_npu {} needs torch {}, found torch {}".format(
            torch_npu, pair_rows[0][1]["torch"], torch)
    if cann is None:
        return "skip", pair_rows[0][0], "no CANN found to compare with"
    for r, p in pair_rows:
        if torch_npu_cann_fits(r, cann):
            return "ok", r, "torch {} + torch_npu {} is documented for CANN {}".format(torch, torch_npu, cann)
    canns = []
    for r, _ in pair_rows:
        if cann_label(r) not in canns:
            canns.append(cann_label(r))
    return "error", pair_rows[0][0], "torch_npu {} is documented for CANN {}, found CANN {}".format(
        torch_npu, " / ".join(canns), cann)


# --- top packages (rules/stacks.yaml `top`: mindone on MindSpore, mindiesd on torch_npu) ------------------
def top_row(package, version):
    """The row of ``package``'s table (rules/compat/<package>.yaml) for a release, or None."""
    from ascendfix import stacks

    name, col = stacks.top_table(package)
    for row in table(name):
        if same_release(row[col], version):
            return row
    return None


def top_rows(package):
    """{release: row} of a top package's table, in table order."""
    from ascendfix import stacks

    name, col = stacks.top_table(package)
    return {r[col]: r for r in table(name)}


def row_version(package, row):
    """The release a top-package row is about."""
    from ascendfix import stacks

    return row[stacks.top_table(package)[1]]


def requires_python_row(package, pin):
    """The packages.yaml row giving the Requires-Python of an exact pin (``transformers``, ``4.57.1``)."""
    for row in table("packages.yaml"):
        if row["kind"] == "requires_python" and row["package"] == package and row["version"] == pin:
            return row
    return None


def floors(stack):
    """The floor rows ``stack`` names in rules/stacks.yaml, in its order (a name without a row: DataError)."""
    from ascendfix import stacks

    rows = {r["id"]: r for r in table("packages.yaml") if r["kind"] == "floor"}
    out = []
    for fid in stacks.floors(stack):
        if fid not in rows:
            raise data.DataError("rules/stacks.yaml: stack '{}': floor '{}' is not a floor row of "
                                 "rules/compat/packages.yaml".format(stack, fid))
        out.append(rows[fid])
    return out


def placeholder_row(package, version):
    """The placeholder row of rules/compat/packages.yaml an installed ``package`` ``version`` matches, or None."""
    from ascendfix.target import canonical_name

    name = canonical_name(package)
    for r in table("packages.yaml"):
        if r["kind"] == "placeholder" and canonical_name(r["package"]) == name and in_spec(version, r["version"]):
            return r
    return None


def pinned_blockers(row, python):
    """Pins of a top-package release that cannot install on ``python`` (e.g. transformers==4.57.1 on 3.8)."""
    from packaging.requirements import InvalidRequirement, Requirement

    out = []
    for req in row.get("requires") or []:
        try:
            r = Requirement(req)
        except InvalidRequirement:
            continue
        for spec in r.specifier:
            if spec.operator == "==":
                prow = requires_python_row(r.name, spec.version)
                if prow and in_spec(python, prow["requires_python"]) is False:
                    out.append((req, prow))
    return out


# on MindSpore
def top_mindspore_fits(row, mindspore):
    return in_spec(mindspore, row["mindspore"]) is True


def eval_top_mindspore(package, row, python, mindspore):
    """A top package's release row (on MindSpore) vs a Python version and an installed MindSpore (either may be
    None)."""
    rel = row_version(package, row)
    problems = []
    if python and in_spec(python, row["requires_python"]) is False:
        problems.append("{} {} requires Python {}, this is {}".format(package, rel, row["requires_python"], python))
    newer = False
    if mindspore and in_spec(mindspore, row["mindspore"]) is False:
        floors = ",".join(s for s in row["mindspore"].split(",") if s.strip().startswith((">", "!")))
        if floors and in_spec(mindspore, floors) and not problems:
            newer = True
        else:
            problems.append("{} {} works with MindSpore {}, found {}".format(package, rel, row["mindspore"], mindspore))
    if problems:
        return "error", row, "; ".join(problems)
    if newer:
        return "warn", row, "MindSpore {} is newer than the range {} {} was released for ({}); untested".format(
            mindspore, package, rel, row["mindspore"])
    return "ok", row, "{} {} fits".format(package, rel)


def requires_spec(row, package):
    """The specifier a top-package row's Requires-Dist puts on ``package`` ('<2.0' for numpy), or None."""
    for req in row.get("requires") or []:
        if req.replace(" ", "").lower().startswith(package):
            return req[len(package):].strip()
    return None


# on torch + torch_npu
def top_python(row, arch):
    return (row.get("python_by_arch") or {}).get(arch)


def top_torch_fits(row, torch):
    return minor(torch) in row["torch"]


def eval_top_torch(package, row, python=None, arch=None, torch=None):
    rel = row_version(package, row)
    problems = []
    if python and in_spec(python, row["requires_python"]) is False:
        problems.append("{} {} requires Python {}".format(package, rel, row["requires_python"]))
    elif python and arch:
        spec = top_python(row, arch)
        if spec is None:
            problems.append("{} {} has no {} wheel".format(package, rel, arch))
        elif in_spec(python, spec) is False:
            problems.append("{} {} has {} wheels for Python {} only".format(package, rel, arch, spec))
    if torch and not top_torch_fits(row, torch):
        problems.append("{} {} has no operator plugin for torch {} (plugins: {})".format(
            package, rel, minor(torch), ", ".join(row["torch"])))
    if problems:
        return "error", row, "; ".join(problems)
    return "ok", row, "{} {} fits".format(package, rel)


# --- where wheels come from --------------------------------------------------------------------------
def py_tag(python):
    m = minor(python)
    if m is None:
        return None
    tag = "cp" + m.replace(".", "")
    return "{}-{}m".format(tag, tag) if m == "3.7" else "{}-{}".format(tag, tag)


def wheel_row(package, arch=None):
    for row in table("wheels.yaml"):
        if row["package"] == package and (row.get("arch") in (None, arch)):
            return row
    return None


def mindspore_install_args(version, arch, python):
    """pip arguments installing MindSpore ``version`` (from PyPI or MindSpore's own server), and the source used."""
    row = mindspore_row(version)
    if row is not None and row["wheels"] == "mindspore-repo":
        w = wheel_row("mindspore")
        url = w["url"].format(version=version, arch=arch, py_tag=py_tag(python))
        return [url] + list(w.get("pip_args") or []), w["id"]
    return ["mindspore=={}".format(version)], "pypi"


def torch_install_args(version, arch):
    """pip arguments installing torch ``version`` the way torch_npu's instructions say (CPU build)."""
    w = wheel_row("torch", arch)
    if w is not None and w.get("index_url"):
        return ["torch=={}{}".format(version, w.get("local") or ""), "--index-url", w["index_url"]], w["id"]
    return ["torch=={}".format(version)], "pypi"


def torch_npu_torch_requirement(torch_npu, torch, arch):
    """The torch a torch_npu wheel requires on ``arch``: 'torch==2.9.0+cpu' (x86_64 builds before 2.12) or
    'torch==2.9.0'; the +cpu build exists only on PyTorch's CPU index."""
    for row in table("wheels.yaml"):
        if row["package"] == "torch_npu" and row.get("arch") == arch and in_spec(torch_npu, row.get("versions") or ""):
            return "torch=={}{}".format(torch, row.get("local") or "")
    return "torch=={}".format(torch)


# --- CANN installs ------------------------------------------------------------------------------------
def cann_layout(cann, kind="run"):
    """The cann.yaml row for a CANN version installed as ``kind`` (run / pip)."""
    v = ver(norm_cann(cann)) if cann else None
    for row in table("cann.yaml"):
        if row["kind"] != kind:
            continue
        if v is None or SpecifierSet(row["cann"]).contains(v, prereleases=True):
            return row
    return None


def fill(template, **kw):
    out = template
    for k, v in kw.items():
        out = out.replace("{" + k + "}", str(v))
    return out


def set_env_for(cann, path, kind="run"):
    row = cann_layout(cann, kind)
    if row is None:
        return path.rstrip("/") + "/set_env.sh"
    import posixpath

    return posixpath.normpath(fill(row["set_env"], path=path.rstrip("/"), parent=posixpath.dirname(path.rstrip("/"))))


def ops_package(cann, chip, arch, kind="run"):
    """The operator package to install with a CANN toolkit ('Ascend-cann-910b-ops_8.5.0_linux-aarch64.run')."""
    row = cann_layout(cann, kind)
    if row is None:
        return None
    if kind == "pip":
        return fill(row["pip"][-1], version=cann, chip=chip, arch=arch)
    return fill(row["ops"], version=cann, chip=chip, arch=arch)


def ops_version_fits(toolkit, ops, kind="run"):
    """Does an ops/kernels package version go with the toolkit? CANN 9 pairs by line, older CANN exactly."""
    row = cann_layout(toolkit, kind)
    rule = row["ops_version"] if row else "same"
    if rule == "line":
        return cann_line(toolkit) == cann_line(ops)
    return norm_cann(toolkit) == norm_cann(ops)


# --- the data test -----------------------------------------------------------------------------------
def evaluate_example(filename, row, given):
    """Run one data example (tests/test_check_data.py): what the engine answers for ``given``."""
    if filename == "mindspore.yaml":
        return eval_mindspore(given["mindspore"], given.get("cann"))[0]
    if filename == "cann_driver.yaml":
        return eval_cann_driver(given["cann"], given["driver"])[0]
    if filename == "torch_npu.yaml":
        return eval_torch_npu(given.get("cann"), given.get("torch"), given["torch_npu"])[0]
    family = top_tables().get(filename)
    if family == "mindspore":
        return eval_top_mindspore(filename[:-len(".yaml")], row, given.get("python"), given.get("mindspore"))[0]
    if family == "torch":
        return eval_top_torch(filename[:-len(".yaml")], row, given.get("python"), given.get("arch"), given.get("torch"))[0]
    if filename == "packages.yaml":
        if row["kind"] == "requires_python":
            return "ok" if in_spec(given["python"], row["requires_python"]) is not False else "error"
        if row["kind"] == "placeholder":
            return "error" if placeholder_row(row["package"], given["version"]) is row else "ok"
        return "ok" if in_spec(given["version"], row["version"]) else "error"
    if filename == "wheels.yaml":
        if row["package"] == "torch_npu":
            build = next((p for _, p in torch_npu_pairs() if exact(p["torch_npu"], given["version"])), None)
            return torch_npu_torch_requirement(given["version"], build["torch"], given["arch"])
        if row.get("url"):
            return fill(row["url"], version=given["version"], arch=given["arch"], py_tag=py_tag(given["python"]))
        return " ".join(torch_install_args(given["version"], given["arch"])[0])
    if filename == "cann.yaml":
        out = {"set_env": set_env_for(given["cann"], given["path"], row["kind"])}
        key = "pip" if row["kind"] == "pip" else "ops"
        out[key] = ops_package(given["cann"], given["chip"], given["arch"], row["kind"])
        return out
    raise ValueError(filename)
