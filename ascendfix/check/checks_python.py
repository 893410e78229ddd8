"""Python interpreter, package pins, numpy 2, broken/duplicate dists, framework pairing, the 3.8 verdict."""

import os

from packaging.markers import InvalidMarker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

from ascendfix import stacks
from ascendfix.check import compat, facts
from ascendfix.check.engine import check, ev, finding
from ascendfix.target import canonical_name

RELEVANT = ("mindspore", "mindone", "transformers", "diffusers", "huggingface-hub", "safetensors", "numpy",
            "torch", "torch-npu", "mindcv", "tokenizers")


def _pyver(ctx):
    return ".".join(str(x) for x in ctx.py_version)


def _exe(ctx):
    return ctx.environment.get("python", {}).get("executable") or "python"


def _pip(ctx, *reqs):
    exe = _exe(ctx)
    return "{} -m pip install {}".format(exe if " " not in exe else '"{}"'.format(exe),
                                         " ".join('"{}"'.format(r) if any(c in r for c in "<>!*") else r for r in reqs))


def _fix_for(ctx, req):
    """The pip command for a requirement, or why it cannot be installed on this interpreter."""
    try:
        r = Requirement(str(req))
    except InvalidRequirement:
        return _pip(ctx, str(req))
    for spec in r.specifier:
        if spec.operator == "==":
            prow = compat.package_requires_python(r.name, spec.version)
            if prow and compat.in_spec(_pyver(ctx), prow["requires_python"]) is False:
                return "{} cannot be installed on Python {}: it requires Python {} (see the python.verdict finding)".format(
                    r, _pyver(ctx), prow["requires_python"])
    return _pip(ctx, str(req))


def _marker_env(ctx):
    py = ctx.environment.get("python", {})
    vi = ctx.py_version
    return {"python_version": "{}.{}".format(vi[0], vi[1]), "python_full_version": _pyver(ctx),
            "sys_platform": py.get("platform", "linux"), "platform_machine": py.get("machine", ""),
            "platform_system": "Linux", "implementation_name": "cpython", "os_name": "posix", "extra": ""}


def requirements_of(ctx, dist_name):
    d = ctx.dist(dist_name)
    if not d:
        return []
    env = _marker_env(ctx)
    out = []
    for raw in d.get("requires") or []:
        try:
            r = Requirement(raw)
        except InvalidRequirement:
            continue
        try:
            if r.marker is not None and not r.marker.evaluate(env):
                continue
        except InvalidMarker:
            continue
        out.append(r)
    return out


def _vers(v):
    try:
        return Version(v)
    except (InvalidVersion, TypeError):
        return None


# --- Python ------------------------------------------------------------------------------------
@check("python.version", "python", "Interpreter fits the stack")
def python_version(ctx):
    """The target interpreter against mindone's Requires-Python, MindSpore wheel tags, the torch range."""
    py = _pyver(ctx)
    e = [ev(_exe(ctx), "Python " + py)]
    problems, fits = [], []
    if ctx.stack == "mindone":
        ms = ctx.version("mindspore")
        if ms:
            row = compat.mindspore_row(ms)
            if row:
                (problems if compat.in_spec(py, row["python"]) is False else fits).append(
                    "MindSpore {} wheels exist for Python {}".format(ms, row["python"]))
        mo = ctx.version("mindone")
        if mo:
            row = compat.mindone_row(mo)
            req = row["requires_python"] if row else (ctx.dist("mindone") or {}).get("requires_python")
            if req:
                (problems if compat.in_spec(py, req) is False else fits).append("mindone {} requires Python {}".format(mo, req))
    elif ctx.stack in ("torch-npu", "mindie"):
        torch, tn = ctx.version("torch"), ctx.version("torch-npu")
        for r in compat.table("torch_npu.yaml"):
            for p in r["pairs"]:
                if torch and compat.same_release(p["torch"], torch):
                    ok = compat.in_spec(py, p["python"]) is not False
                    (fits if ok else problems).append("torch {} supports Python {}".format(torch, p["python"]))
                    break
            else:
                continue
            break
        if tn is None and torch is None:
            fits.append("no torch installed yet")
    if problems:
        return finding("error", "Python {}: {}".format(py, "; ".join(problems)), e,
                       fix=["create an environment with Python 3.10 or 3.11: python3.10 -m venv ~/sdxl-env "
                            "(or conda create -n sdxl python=3.10), then install the stack there"])
    return finding("ok", "Python {}{}".format(py, " ({})".format("; ".join(fits)) if fits else ""), e)


def tree_info(ctx):
    """Version (PKG-INFO of an sdist) and requires-python / dependencies (pyproject.toml) of a --mindone tree."""
    def _read():
        import re

        tree = ctx.mindone
        if not tree:
            return None
        info = {"path": str(tree), "version": None, "requires_python": None, "dependencies": []}
        try:
            with open(os.path.join(str(tree), "PKG-INFO"), encoding="utf-8") as fh:
                m = re.search(r"^Version:\s*(\S+)", fh.read(65536), re.M)
                info["version"] = m.group(1) if m else None
        except OSError:
            pass
        try:
            import tomlkit

            with open(os.path.join(str(tree), "pyproject.toml"), encoding="utf-8") as fh:
                proj = tomlkit.parse(fh.read()).get("project") or {}
            info["requires_python"] = str(proj.get("requires-python")) if proj.get("requires-python") else None
            info["dependencies"] = [str(d) for d in (proj.get("dependencies") or [])]
        except Exception:  # a broken pyproject is reported by the verdict as "unknown"
            pass
        return info

    return ctx.cached("mindone_tree", _read)


@check("python.verdict", "python", "Can this stack work on this interpreter at all?", stacks=["mindone"])
def python_verdict(ctx):
    """The honest verdict (issue 7): e.g. Python 3.8 + mindone 0.5.0 cannot work, with the options."""
    py = _pyver(ctx)
    rows = sorted(compat.table("mindone.yaml"), key=lambda r: Version(r["mindone"]), reverse=True)
    installed = ctx.version("mindone")
    tree = tree_info(ctx)
    tree_v = tree["version"] if tree else None
    target = compat.mindone_row(installed) if installed else (compat.mindone_row(tree_v) if tree_v else None) or rows[0]
    if target is None:
        return finding("warn", "mindone {} is not in the shipped compatibility data".format(installed),
                       [ev("mindone", installed)])
    src = "installed" if installed else ("the --mindone tree" if tree_v and target["mindone"] == tree_v else "newest release")
    blockers = []
    if compat.in_spec(py, target["requires_python"]) is False:
        blockers.append("mindone {} requires Python {}".format(target["mindone"], target["requires_python"]))
    for req, prow in compat.pinned_blockers(target, py):
        blockers.append("it pins {}, which requires Python {}".format(req, prow["requires_python"]))
    e = [ev("rules/compat/mindone.yaml", "mindone {} ({}): Requires-Python {}, pins {}".format(
        target["mindone"], src, target["requires_python"], ", ".join(target["requires"])))]
    edited = []
    if tree and tree["requires_python"] and tree["requires_python"] != target["requires_python"]:
        edited.append("the tree's pyproject.toml says requires-python {} (upstream {}: {})".format(
            tree["requires_python"], target["mindone"], target["requires_python"]))
        e.append(ev(os.path.join(tree["path"], "pyproject.toml"), "requires-python = " + tree["requires_python"]))
    if not blockers:
        return finding("ok", "mindone {} ({}) can work on Python {}".format(target["mindone"], src, py), e)
    alt = compat.newest_mindone_for(py)
    options = ["use a Python 3.9+ environment (3.10 or 3.11 recommended): python3.10 -m venv ~/sdxl-env && "
               "~/sdxl-env/bin/pip install mindone=={} \"numpy<2\"".format(target["mindone"])]
    if alt:
        options.append("or stay on Python {} with mindone {} (the newest release whose requirements resolve on it; "
                       "pins {}; MindSpore {}): pip install mindone=={}".format(
                           "{}.{}".format(*ctx.py_version[:2]), alt["mindone"], ", ".join(alt["requires"]),
                           alt["mindspore"], alt["mindone"]))
    detail = ("Python {} + mindone {} cannot work: {}. Relaxing the pins (sed on pyproject.toml) only moves the "
              "failure to import time".format(py, target["mindone"], "; ".join(blockers)))
    if edited:
        detail += "; " + "; ".join(edited)
    if installed or ctx.mindone:
        detail += " (the mindone.transformers_imports finding lists the names that stay unresolved)"
    status = "error" if (installed or (tree_v and src == "the --mindone tree")) else "warn"
    return finding(status, detail, e, expected="Python {}".format(target["requires_python"]), fix=options)


# --- packages ----------------------------------------------------------------------------------
@check("pkgs.pins", "packages", "Installed packages satisfy the stack's pins")
def pkgs_pins(ctx):
    """Requires-Dist of mindone (mindone stack) / torch_npu, diffusers (torch stack) vs installed versions."""
    out = []
    owners = stacks.requires_from(ctx.stack)  # rules/stacks.yaml
    checked = 0
    for owner in owners:
        d = ctx.dist(owner)
        if not d:
            continue
        for r in requirements_of(ctx, owner):
            name = r.name
            inst = ctx.version(name)
            checked += 1
            where = ev("{} Requires-Dist".format(d["name"]), str(r))
            if inst is None:
                if canonical_name(name) in RELEVANT:
                    out.append(finding("error", "{} requires {}, which is not installed".format(d["name"], r), [where],
                                       id="pkgs.pins." + name.lower(), expected=str(r), fix=[_fix_for(ctx, r)]))
                continue
            v = _vers(inst)
            if v is not None and r.specifier and not r.specifier.contains(v, prereleases=True):
                out.append(finding("error", "{} {} is installed; {} {} requires {}".format(
                    name, inst, d["name"], d["version"], r), [where, ev(name, inst)],
                    id="pkgs.pins." + name.lower(), expected=str(r), fix=[_fix_for(ctx, r)]))
    if ctx.stack == "torch-npu":
        diff = ctx.version("diffusers")
        if diff and _vers(diff) and _vers(diff) < Version("0.19.0"):
            out.append(finding("error", "diffusers {} has no StableDiffusionXLPipeline (added in 0.19.0)".format(diff),
                               [ev("diffusers", diff)], id="pkgs.pins.diffusers", fix=[_pip(ctx, "diffusers>=0.19.0")]))
        elif ctx.version("torch-npu") and not diff:
            out.append(finding("warn", "diffusers is not installed (SDXL needs diffusers >= 0.19.0)", [ev("diffusers", None)],
                               id="pkgs.pins.diffusers", fix=[_pip(ctx, "diffusers>=0.19.0", "transformers")]))
    if not out:
        owners_found = [o for o in owners if ctx.dist(o)]
        if not owners_found:
            return finding("skip", "{} not installed: nothing to check pins against".format(" / ".join(owners)))
        out.append(finding("ok", "{} requirement(s) of {} satisfied".format(checked, ", ".join(owners_found)),
                           [ev(o, ctx.version(o)) for o in owners_found]))
    return out


@check("pkgs.numpy2", "packages", "NumPy 2 under a NumPy-1 stack")
def numpy2(ctx):
    """numpy >= 2 with MindSpore built against NumPy 1 (all releases so far) or mindone's numpy<2.0 pin."""
    np_v = ctx.version("numpy")
    if not np_v:
        return finding("skip", "numpy not installed")
    v = _vers(np_v)
    if v is None or v.major < 2:
        return finding("ok", "numpy {}".format(np_v), [ev("numpy", np_v)])
    who = []
    ms = ctx.version("mindspore")
    if ms:
        row = compat.mindspore_row(ms)
        if row and compat.in_spec(np_v, row["numpy"]) is False:
            who.append("MindSpore {} is compiled against NumPy 1.x (importing it warns \"A module that was compiled "
                       "using NumPy 1.x cannot be run in NumPy {}\" and ops that touch NumPy fail with "
                       "\"ImportError: numpy.core.multiarray failed to import\")".format(ms, np_v))
    for owner in stacks.all_requires_from():
        for r in requirements_of(ctx, owner):
            if r.name.lower() == "numpy" and r.specifier and not r.specifier.contains(v, prereleases=True):
                who.append("{} requires {}".format(owner, r))
    if not who:
        return finding("ok", "numpy {}".format(np_v), [ev("numpy", np_v)])
    return finding("error", "numpy {} is installed, but {}".format(np_v, "; ".join(who)), [ev("numpy", np_v)],
                   expected="numpy<2", fix=[_pip(ctx, "numpy<2")])


@check("pkgs.consistency", "packages", "Broken or duplicate distributions")
def consistency(ctx):
    """Unreadable dist-info, duplicate installs of one package, stale te/hccl wheels after a CANN upgrade."""
    env = ctx.environment
    out = []
    for b in env.get("broken") or []:
        out.append(finding("warn", "broken distribution metadata: {} ({})".format(b["path"], b["error"]),
                           [ev(b["path"], b["error"])], id="pkgs.broken",
                           fix=["remove the directory {} (or reinstall that package)".format(b["path"])]))
    for name, items in sorted((env.get("duplicates") or {}).items()):
        rel = name in RELEVANT
        out.append(finding("error" if rel else "warn", "{} is installed {} times: {}".format(
            name, len(items), "; ".join("{} in {}".format(i["version"], i["location"]) for i in items)),
            [ev(i["location"], i["version"]) for i in items], id="pkgs.duplicate." + name,
            fix=["{} -m pip uninstall -y {} (repeat until none is left), then install the one version you need".format(
                _exe(ctx), name)]))
    for name, d in (env.get("distributions") or {}).items():
        if _vers(d["version"]) is None:
            out.append(finding("warn", "{} has an invalid version {!r} (pip and packaging reject it)".format(
                d["name"], d["version"]), [ev(d.get("location") or name, d["version"])], id="pkgs.invalid_version." + name,
                links=["https://github.com/candle-org/MindAct/issues/1869"]))
    inst = facts.cann(ctx)["selected"]
    if inst:
        for pkg in ("te", "hccl"):
            d = ctx.dist(pkg)
            if not d:
                continue
            wheels = [w for w in ctx.listdir(inst["path"] + "/lib64") if w.startswith(pkg + "-") and w.endswith(".whl")]
            if wheels and not any(w.startswith("{}-{}-".format(pkg, d["version"])) for w in wheels):
                out.append(finding("warn", "installed {} {} differs from CANN's {} (stale after a CANN upgrade)".format(
                    pkg, d["version"], wheels[0]), [ev(inst["path"] + "/lib64", ", ".join(wheels))], id="pkgs.stale_" + pkg,
                    fix=["{} -m pip uninstall -y te hccl && source {}".format(_exe(ctx), facts.set_env_script(ctx, inst))]))
    if not out:
        return finding("ok", "{} distributions, none broken or duplicated".format(len(env.get("distributions") or {})))
    return out


# --- pairing -----------------------------------------------------------------------------------
@check("mindspore.cann", "pairing", "MindSpore <-> CANN", stacks=["mindone"])
def mindspore_cann(ctx):
    """Installed MindSpore (metadata only) against the CANN found, from rules/compat/mindspore.yaml."""
    ms = ctx.version("mindspore")
    inst = facts.cann(ctx)["selected"]
    cann_v = inst["version"] if inst else None
    if not ms:
        fix = []
        if cann_v:
            cands = compat.mindspore_for_cann(cann_v)
            if cands:
                fix = [_pip(ctx, "mindspore=={}".format(cands[-1]))]
        return finding("error", "MindSpore is not installed", [ev("mindspore", None)],
                       expected="a MindSpore release paired with CANN {}".format(cann_v) if cann_v else None,
                       fix=fix or [_pip(ctx, "mindspore==2.7.1") + "   (and CANN 8.3.RC1)"])
    status, row, msg = compat.eval_mindspore(ms, cann_v)
    e = [ev("mindspore (dist-info)", ms)] + ([ev(inst["source"], cann_v)] if inst else [])
    fix = []
    if status == "error":
        cands = compat.mindspore_for_cann(cann_v)
        if cands:
            fix.append(_pip(ctx, "mindspore=={}".format(cands[-1])) + "   (matches CANN {})".format(cann_v))
        fix.append("or install CANN {} for MindSpore {}".format(" / ".join(row["cann"]), ms))
    if status == "skip":
        return finding("skip", "MindSpore {}: {}".format(ms, msg), e,
                       expected="CANN {}".format(" / ".join(row["cann"])) if row else None)
    return finding(status, msg, e, expected="CANN {}".format(" / ".join(row["cann"])) if row else None, fix=fix,
                   links=compat.source_of(row) if row else None)


@check("mindone.mindspore", "pairing", "mindone <-> MindSpore", stacks=["mindone"])
def mindone_mindspore(ctx):
    """The installed mindone release's MindSpore range (mindone does not declare it to pip)."""
    mo = ctx.version("mindone")
    if not mo:
        return finding("skip", "mindone not installed")
    row = compat.mindone_row(mo)
    if row is None:
        return finding("warn", "mindone {} is not in the shipped table".format(mo), [ev("mindone", mo)])
    ms = ctx.version("mindspore")
    status, _, msg = compat.eval_mindone(row, None, ms)
    e = [ev("mindone", mo), ev("mindspore", ms)]
    if not ms:
        return finding("skip", "MindSpore not installed (mindone {} wants {})".format(mo, row["mindspore"]), e)
    fix = [] if status == "ok" else ["install a MindSpore in {} (and the CANN it pairs with)".format(row["mindspore"])]
    if status == "warn":
        fix = ["if something fails, use a MindSpore in {} (and the CANN it pairs with)".format(row["mindspore"])]
    return finding(status, msg if status != "ok" else "mindone {} with MindSpore {} (wants {})".format(
        mo, ms, row["mindspore"]), e, expected="MindSpore " + row["mindspore"], fix=fix, links=compat.source_of(row))


@check("torch_npu.compat", "pairing", "torch <-> torch_npu <-> CANN", stacks=["torch-npu", "mindie"])
def torch_npu_compat(ctx):
    """torch_npu's exact torch pin and its CANN release, from rules/compat/torch_npu.yaml."""
    tn, torch = ctx.version("torch-npu"), ctx.version("torch")
    inst = facts.cann(ctx)["selected"]
    cann_v = inst["version"] if inst else None
    if not tn:
        pairs = compat.torch_pairs_for_cann(cann_v) if cann_v else []
        fix = [_pip(ctx, "torch=={}".format(pairs[0]["torch"]), "torch_npu=={}".format(pairs[0]["torch_npu"]))] if pairs else [
            "install torch + torch_npu matching your CANN (https://github.com/Ascend/pytorch#version-support)"]
        return finding("error", "torch_npu is not installed", [ev("torch-npu", None), ev("torch", torch)], fix=fix)
    status, row, msg = compat.eval_torch_npu(cann_v, torch, tn)
    e = [ev("torch-npu", tn), ev("torch", torch)] + ([ev(inst["source"], cann_v)] if inst else [])
    fix = []
    if status == "error":
        pairs = compat.torch_pairs_for_cann(cann_v) if cann_v else []
        if pairs:
            fix.append(_pip(ctx, "torch=={}".format(pairs[0]["torch"]), "torch_npu=={}".format(pairs[0]["torch_npu"]))
                       + "   (documented for CANN {})".format(cann_v))
        elif row:
            fix.append("install CANN {} for torch_npu {}".format(row["cann"], tn))
    if status == "skip":
        status = "ok" if torch else "warn"
        msg = "torch {} + torch_npu {} ({}; no CANN to compare with)".format(torch, tn, "pinned pair" if torch else "torch missing")
    return finding(status, msg, e, fix=fix, links=compat.source_of(row) if row else None)


# --- mindone tree vs installed transformers (issue 7 part 2) -------------------------------------
@check("mindone.transformers_imports", "packages", "mindone's transformers imports resolve", stacks=["mindone"], slow=True)
def transformers_imports(ctx):
    """`from transformers... import X` names in the mindone tree (--mindone or installed) vs installed transformers."""
    tree = ctx.mindone
    pin = [r for r in requirements_of(ctx, "mindone") if r.name.lower() == "transformers"]
    tv = _vers(ctx.version("transformers"))
    pinned_ok = bool(pin) and tv is not None and all(r.specifier.contains(tv, prereleases=True) for r in pin)
    if not tree:
        if not ctx.dist("mindone"):
            return finding("skip", "no mindone tree (pass --mindone PATH or install mindone)")
        if pinned_ok and not ctx.deep:
            return finding("skip", "transformers {} satisfies mindone's pin; pass --mindone PATH or --deep to scan the "
                           "tree's imports anyway".format(ctx.version("transformers")))
        from ascendfix import target

        tree = target.get(ctx.python).package_dir("mindone")
        if not tree:
            return finding("skip", "mindone is installed but its package directory was not found")
    try:
        from ascendfix.importcheck import check_imports
    except ImportError:
        return finding("skip", "import checker not available in this ascendfix build")
    res = check_imports(str(tree), package="transformers", python=ctx.python)
    e = [ev(str(tree), "{} files, {} imported names checked".format(getattr(res, "files", "?"), getattr(res, "checked", "?")))]
    if not getattr(res, "installed", False):
        return finding("warn", "transformers is not installed in the target environment; mindone's {} transformers "
                       "imports cannot resolve".format(getattr(res, "checked", "?")), e,
                       fix=[_pip(ctx, *(str(r) for r in requirements_of(ctx, "mindone") if r.name == "transformers")
                                 or ["transformers"])])
    missing = list(res.missing or [])
    fatal = [m for m in missing if m.fails_at_import]
    ctx._cache["transformers_imports"] = {"missing": len(missing), "fatal": len(fatal), "version": res.version}
    if not missing:
        return finding("ok", "all {} transformers imports in {} files resolve in transformers {}".format(
            res.checked, res.files, res.version), e)
    files = sorted({m.path for m in missing})
    shown = fatal or missing
    first = ["{}:{} {} from {}".format(m.path, m.line, m.name, m.module) for m in shown[:5]]
    e.append(ev("first missing", "; ".join(first)))
    e.append(ev("files with missing names ({})".format(len(files)), ", ".join(files[:8]) + (" ..." if len(files) > 8 else "")))
    summary = "{} of {} `from transformers... import` names in {} file(s) do not exist in transformers {} ({} unguarded at " \
              "import time, so importing those modules raises ImportError): {}{}".format(
                  len(missing), res.checked, len(files), res.version, len(fatal), "; ".join(first),
                  " ..." if len(shown) > 5 else "")
    pin_s = [str(r) for r in pin]
    if pinned_ok:
        if not fatal:
            return finding("ok", "transformers {} satisfies mindone's pin; {} guarded import(s) of optional names are "
                           "absent (only used when available)".format(res.version, len(missing)), e)
        return finding("warn", summary, e)
    return finding("error" if fatal else "warn", summary, e,
                   expected="the transformers version mindone pins ({})".format(", ".join(pin_s) or "see its metadata"),
                   fix=[_fix_for(ctx, p) for p in pin_s])
