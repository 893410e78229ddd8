"""Version pairing from the shipped tables in ``rules/compat/*.yaml`` (data, not code).

Each evaluator takes plain version strings and returns ``(status, row, message)`` with status
ok / warn / error / skip; the rows' own ``examples`` exercise them (tests/test_check_data.py).
"""

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from ascendfix import data
from ascendfix.check.parsers import norm_cann, norm_driver, vtuple

F = data.Field
_EXAMPLES = F(list, required=False, items=dict)
_SOURCE = F(list, items=str)
SCHEMAS = {
    "mindspore.yaml": {"id": F(str), "mindspore": F(list, items=str), "cann": F(list, items=str), "python": F(str),
                       "numpy": F(str), "source": _SOURCE, "examples": _EXAMPLES},
    "cann_driver.yaml": {"id": F(str), "cann": F(str), "driver": F(list, items=str), "firmware": F(str, required=False),
                         "source": _SOURCE, "examples": _EXAMPLES},
    "torch_npu.yaml": {"id": F(str), "cann": F(str), "pairs": F(list, items=dict), "source": _SOURCE,
                       "examples": _EXAMPLES},
    "mindone.yaml": {"id": F(str), "mindone": F(str), "mindspore": F(str), "requires_python": F(str),
                     "requires": F(list, items=str), "source": _SOURCE, "examples": _EXAMPLES},
    "packages.yaml": {"id": F(str), "package": F(str), "version": F(str), "requires_python": F(str),
                      "source": _SOURCE},
}


def table(name):
    """Rows of ``rules/compat/<name>``, validated."""
    rows = [e for p, e in data.load_entries("rules", "compat") if p.name == name]
    for row in rows:
        data.validate(row, SCHEMAS[name], "rules/compat/{}: entry '{}'".format(name, row.get("id")))
    return rows


def source_of(row):
    return list(row.get("source") or [])


def _ver(v):
    try:
        return Version(str(v))
    except InvalidVersion:
        return None


def in_spec(version, spec):
    """True/False, or None when either side cannot be parsed."""
    v = _ver(version)
    try:
        s = SpecifierSet(spec)
    except InvalidSpecifier:
        return None
    if v is None:
        return None
    return s.contains(v, prereleases=True)


def same_release(a, b):
    """'2.6.0' == '2.6.0', '2.7.1.post2' vs '2.7.1.post2'; tolerant of local tags (+cpu)."""
    va, vb = _ver(str(a).split("+")[0]), _ver(str(b).split("+")[0])
    if va is None or vb is None:
        return str(a) == str(b)
    return va == vb


# ---------------------------------------------------------------------------------------------
def mindspore_row(ms_version):
    for row in table("mindspore.yaml"):
        if any(same_release(ms_version, v) for v in row["mindspore"]):
            return row
    return None


def eval_mindspore(ms_version, cann):
    row = mindspore_row(ms_version)
    if row is None:
        return "warn", None, "MindSpore {} is not in the shipped pairing table".format(ms_version)
    if cann is None:
        return "skip", row, "no CANN found to compare with"
    if any(norm_cann(cann) == norm_cann(c) for c in row["cann"]):
        return "ok", row, "MindSpore {} pairs with CANN {}".format(ms_version, cann)
    return "error", row, "MindSpore {} needs CANN {}, found {}".format(ms_version, " or ".join(row["cann"]), cann)


def mindspore_for_cann(cann):
    """MindSpore versions documented for a CANN release (newest last)."""
    out = []
    for row in table("mindspore.yaml"):
        if any(norm_cann(cann) == norm_cann(c) for c in row["cann"]):
            out.extend(row["mindspore"])
    return [v for v in out if "rc" not in v]


def eval_cann_driver(cann, driver):
    row = None
    for r in table("cann_driver.yaml"):
        if norm_cann(r["cann"]) == norm_cann(cann):
            row = r
    if row is None:
        return "warn", None, "CANN {} is not in the shipped CANN/driver table".format(cann)
    d = norm_driver(driver)
    listed = [norm_driver(x) for x in row["driver"]]
    if d in listed:
        return "ok", row, "driver {} is documented for CANN {}".format(driver, cann)
    oldest = min(listed, key=_driver_key)
    if _driver_key(d) < _driver_key(oldest):
        return "error", row, "CANN {} needs driver {} or newer, found {}".format(cann, row["driver"][0], driver)
    return "warn", row, "driver {} is newer than the line documented for CANN {} ({}); usually works".format(
        driver, cann, ", ".join(row["driver"]))


def _driver_key(v):
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


def eval_torch_npu(cann, torch, torch_npu):
    """Is (torch, torch_npu) a documented pair, and is it documented for this CANN?"""
    rows = table("torch_npu.yaml")
    pair_rows = [(r, p) for r in rows for p in r["pairs"] if same_release(p["torch_npu"], torch_npu)]
    if not pair_rows:
        base = str(torch_npu).split("+")[0]
        pair_rows = [(r, p) for r in rows for p in r["pairs"]
                     if _ver(base) and _ver(p["torch_npu"]) and _ver(base).release == _ver(p["torch_npu"]).release]
    if not pair_rows:
        return "warn", None, "torch_npu {} is not in the shipped table".format(torch_npu)
    if torch is not None and not any(same_release(p["torch"], torch) for _, p in pair_rows):
        return "error", pair_rows[0][0], "torch_npu {} needs torch {}, found torch {}".format(
            torch_npu, pair_rows[0][1]["torch"], torch)
    if cann is None:
        return "skip", pair_rows[0][0], "no CANN found to compare with"
    for r, p in pair_rows:
        if norm_cann(r["cann"]) == norm_cann(cann):
            return "ok", r, "torch {} + torch_npu {} is documented for CANN {}".format(torch, torch_npu, cann)
    canns = sorted({r["cann"] for r, _ in pair_rows}, key=vtuple)
    return "error", pair_rows[0][0], "torch_npu {} is documented for CANN {}, found CANN {}".format(
        torch_npu, " / ".join(canns), cann)


def torch_pairs_for_cann(cann):
    for r in table("torch_npu.yaml"):
        if norm_cann(r["cann"]) == norm_cann(cann):
            return r["pairs"]
    return []


def mindone_row(version):
    for row in table("mindone.yaml"):
        if same_release(row["mindone"], version):
            return row
    return None


def package_requires_python(package, pin):
    """Requires-Python of the exact version pinned (``transformers==4.57.1``), from packages.yaml."""
    for row in table("packages.yaml"):
        if row["package"] == package and row["version"] == pin:
            return row
    return None


def eval_mindone(row, python, mindspore):
    """mindone release row vs a Python version and an installed MindSpore (either may be None)."""
    problems = []
    if python and in_spec(python, row["requires_python"]) is False:
        problems.append("mindone {} requires Python {}, this is {}".format(row["mindone"], row["requires_python"], python))
    newer = False
    if mindspore and in_spec(mindspore, row["mindspore"]) is False:
        floors = ",".join(s for s in row["mindspore"].split(",") if s.strip().startswith((">", "!")))
        if floors and in_spec(mindspore, floors) and not problems:
            newer = True
        else:
            problems.append("mindone {} works with MindSpore {}, found {}".format(row["mindone"], row["mindspore"], mindspore))
    if problems:
        return "error", row, "; ".join(problems)
    if newer:
        return "warn", row, "MindSpore {} is newer than the range mindone {} was released for ({}); untested".format(
            mindspore, row["mindone"], row["mindspore"])
    return "ok", row, "mindone {} fits".format(row["mindone"])


def pinned_blockers(row, python):
    """Pins of a mindone release that cannot install on ``python`` (e.g. transformers==4.57.1 on 3.8)."""
    from packaging.requirements import InvalidRequirement, Requirement

    out = []
    for req in row["requires"]:
        try:
            r = Requirement(req)
        except InvalidRequirement:
            continue
        for spec in r.specifier:
            if spec.operator == "==":
                prow = package_requires_python(r.name, spec.version)
                if prow and in_spec(python, prow["requires_python"]) is False:
                    out.append((req, prow))
    return out


def newest_mindone_for(python):
    """Newest mindone release whose Requires-Python and pinned packages resolve on ``python``."""
    rows = sorted(table("mindone.yaml"), key=lambda r: _ver(r["mindone"]), reverse=True)
    for row in rows:
        if in_spec(python, row["requires_python"]) is False:
            continue
        if pinned_blockers(row, python):
            continue
        return row
    return None


def evaluate_example(filename, row, given):
    """Run one data example (used by the data test): the status the engine gives for ``given``."""
    if filename == "mindspore.yaml":
        return eval_mindspore(given["mindspore"], given.get("cann"))[0]
    if filename == "cann_driver.yaml":
        return eval_cann_driver(given["cann"], given["driver"])[0]
    if filename == "torch_npu.yaml":
        return eval_torch_npu(given.get("cann"), given.get("torch"), given["torch_npu"])[0]
    if filename == "mindone.yaml":
        return eval_mindone(row, given.get("python"), given.get("mindspore"))[0]
    raise ValueError(filename)
