"""Python packages: the stack's pins satisfied, NumPy 2 under a NumPy-1 stack, broken or duplicate distributions,
and the names a MindOne tree imports from transformers."""

from packaging.markers import InvalidMarker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

from ascendfix import stacks
from ascendfix.check import advice, compat, facts
from ascendfix.check.engine import check, ev, finding
from ascendfix.target import canonical_name

# besides what the stacks install (rules/stacks.yaml): packages their pipelines load through
_PIPELINE_DEPS = ("huggingface-hub", "safetensors", "numpy", "mindcv", "tokenizers")


def relevant():
    """Distributions whose absence or duplicate install breaks a stack (an error, not a warning)."""
    return set(stacks.all_distributions()) | set(_PIPELINE_DEPS)


def _pyver(ctx):
    return ".".join(str(x) for x in ctx.py_version)


def _exe(ctx):
    return ctx.environment.get("python", {}).get("executable") or "python"


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


@check("pkgs.pins", "packages", "Installed packages satisfy the stack's pins")
def pkgs_pins(ctx):
    """Requires-Dist of mindone (mindone stack) / torch_npu, diffusers (torch stack) vs installed versions."""
    out = []
    owners = stacks.requires_from(ctx.stack)  # rules/stacks.yaml
    must = relevant()
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
                if canonical_name(name) in must:
                    out.append(finding("error", "{} requires {}, which is not installed".format(d["name"], r), [where],
                                       id="pkgs.pins." + name.lower(), expected=str(r), fix=[advice.for_requirement(ctx, r, owner)]))
                continue
            v = _vers(inst)
            if v is not None and r.specifier and not r.specifier.contains(v, prereleases=True):
                out.append(finding("error", "{} {} is installed; {} {} requires {}".format(
                    name, inst, d["name"], d["version"], r), [where, ev(name, inst)],
                    id="pkgs.pins." + name.lower(), expected=str(r), fix=[advice.for_requirement(ctx, r, owner)]))
    framework = stacks.family_info(ctx.stack)["framework"]
    for floor in compat.floors(ctx.stack):  # the floors the stack names (rules/stacks.yaml)
        pkg = floor["package"]
        have = ctx.version(pkg)
        need = pkg + floor["version"]
        fix = advice.for_packages(ctx, pkg) or [advice.pip(ctx, need)]
        if have and compat.in_spec(have, floor["version"]) is False:
            out.append(finding("error", "{} {}: {} (needs {})".format(pkg, have, floor["why"], need),
                               [ev(pkg, have)], id="pkgs.pins." + pkg, expected=need, fix=fix, links=floor["source"]))
        elif not have and all(ctx.version(d) for d in framework):
            out.append(finding("warn", "{} is not installed ({})".format(pkg, floor["why"]), [ev(pkg, "not installed")],
                               id="pkgs.pins." + pkg, expected=need, fix=fix, links=floor["source"]))
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
                   expected="numpy<2", fix=advice.for_packages(ctx, "numpy") or [advice.pip(ctx, "numpy<2")])


def _instead(ctx, row):
    """What to install in place of a placeholder (``instead: cann``: the plan's CANN step, else the row's words)."""
    if row.get("instead") == "cann":
        return advice.for_packages(ctx, "cann") or [
            "install CANN from the Ascend download page (the toolkit .run and the operator package), or with pip "
            "from Ascend's own index (rules/compat/cann.yaml: cann-pip), then source its set_env.sh"]
    return [row["instead"]] if row.get("instead") else []


def placeholders(ctx):
    """Installed distributions that rules/compat/packages.yaml lists as placeholders (not what their name says)."""
    out = []
    cann_found = facts.cann(ctx)["selected"] is not None
    for name, d in sorted((ctx.environment.get("distributions") or {}).items()):
        row = compat.placeholder_row(d["name"], d["version"])
        if row is None:
            continue
        what = "not CANN" if row.get("instead") == "cann" else "not a working package"
        detail = "{} {} is installed but is {}: {}".format(d["name"], d["version"], what, row["why"])  # one line
        if row.get("instead") == "cann" and cann_found:
            detail += " (the CANN found on this machine is used instead)"
        out.append(finding("warn" if cann_found else "error", detail,
                           [ev(d.get("location") or name, "{} {}".format(d["name"], d["version"]))],
                           id="pkgs.placeholder." + name, expected="no placeholder distribution",
                           fix=["{} -m pip uninstall -y {}".format(_exe(ctx), d["name"])] + _instead(ctx, row),
                           links=row["source"]))
    return out


@check("pkgs.consistency", "packages", "Broken, duplicate or placeholder distributions")
def consistency(ctx):
    """Unreadable dist-info, duplicate installs of one package, placeholder distributions (rules/compat/packages.yaml
    kind placeholder: PyPI's `cann`, metadata-only `ascend-cann-nnrt` 8.0.0), stale te/hccl wheels after a CANN
    upgrade."""
    env = ctx.environment
    out = placeholders(ctx)
    for b in env.get("broken") or []:
        out.append(finding("warn", "broken distribution metadata: {} ({})".format(b["path"], b["error"]),
                           [ev(b["path"], b["error"])], id="pkgs.broken",
                           fix=["remove the directory {} (or reinstall that package)".format(b["path"])]))
    for name, items in sorted((env.get("duplicates") or {}).items()):
        rel = name in relevant()
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
        return finding("ok", "{} distributions, none broken, duplicated or a placeholder".format(
            len(env.get("distributions") or {})))
    return out



# --- mindone tree vs installed transformers ----------------------------------------------------------
@check("mindone.transformers_imports", "packages", "mindone's transformers imports resolve", uses=["mindone"], slow=True)
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
                       fix=advice.for_packages(ctx, "transformers") or [advice.pip(ctx, *(
                           [str(r) for r in requirements_of(ctx, "mindone") if r.name == "transformers"] or ["transformers"]))])
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
                   fix=[advice.for_requirement(ctx, p, "mindone") for p in pin_s])
