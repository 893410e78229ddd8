"""Version pairing: MindSpore <-> CANN, mindone <-> MindSpore, torch <-> torch_npu <-> CANN, mindiesd <-> torch,
CANN <-> driver, MindIE / NNAL / ATB. Every pair is judged from rules/compat (compat.py); fixes come from the plan.

The stack's top package (rules/stacks.yaml ``top``: mindone on MindSpore, mindiesd on torch_npu) is judged by its
own table; its findings are named after it (``mindone.mindspore``, ``mindiesd.torch``)."""

import re

from ascendfix import stacks
from ascendfix.check import advice, compat, facts
from ascendfix.check.engine import check, ev, finding
from ascendfix.check.parsers import norm_cann, parse_kv


@check("mindspore.cann", "pairing", "MindSpore <-> CANN", family="mindspore")
def mindspore_cann(ctx):
    """Installed MindSpore (metadata only) against the CANN found, from rules/compat/mindspore.yaml."""
    ms = ctx.version("mindspore")
    inst = facts.cann(ctx)["selected"]
    cann_v = inst["version"] if inst else None
    if not ms:
        p = advice.plan(ctx)
        want = "MindSpore {}".format(p.choice["mindspore"]) if p.choice.get("mindspore") else "a MindSpore release"
        return finding("error", "MindSpore is not installed", [ev("mindspore", "not installed")],
                       expected="{}{}".format(want, " for CANN {}".format(cann_v) if cann_v else ""),
                       fix=advice.for_packages(ctx, "mindspore") or [advice.whole_plan(ctx) or "see the plan below"])
    status, row, msg = compat.eval_mindspore(ms, cann_v)
    e = [ev("mindspore (dist-info)", ms)] + ([ev(inst["source"] or inst["path"], cann_v)] if inst else [])
    expected = "CANN {}".format(" / ".join(row["cann"])) if row else None
    if status == "skip":
        return finding("skip", "MindSpore {}: {}".format(ms, msg), e, expected=expected)
    fix = advice.for_packages(ctx, "mindspore", "cann") if status != "ok" else []
    return finding(status, msg, e, expected=expected, fix=fix, links=compat.source_of(row) or None)


def _top(ctx, suffix, title):
    """(top distribution, finding id and title for it) of the stack's top package."""
    top = stacks.top(ctx.stack)
    return top, {"id": "{}.{}".format(stacks.top_table(top)[1], suffix), "title": title.format(top)}


@check("mindone.mindspore", "pairing", "mindone <-> MindSpore", family="mindspore")
def mindone_mindspore(ctx):
    """The installed mindone release's MindSpore range (mindone does not declare it to pip)."""
    top, name = _top(ctx, "mindspore", "{} <-> MindSpore")
    mo = ctx.version(top)
    if not mo:
        return finding("skip", "{} not installed".format(top), **name)
    row = compat.top_row(top, mo)
    if row is None:
        return finding("warn", "{} {} is not in the shipped table".format(top, mo), [ev(top, mo)],
                       fix=advice.for_packages(ctx, top), **name)
    ms = ctx.version("mindspore")
    e = [ev(top, mo), ev("mindspore", ms or "not installed")]
    if not ms:
        return finding("skip", "MindSpore not installed ({} {} wants {})".format(top, mo, row["mindspore"]), e, **name)
    status, _, msg = compat.eval_top_mindspore(top, row, None, ms)
    fix = advice.for_packages(ctx, top, "mindspore") if status != "ok" else []
    return finding(status, msg if status != "ok" else "{} {} with MindSpore {} (wants {})".format(
        top, mo, ms, row["mindspore"]), e, expected="MindSpore " + row["mindspore"], fix=fix,
        links=compat.source_of(row), **name)


@check("torch_npu.compat", "pairing", "torch <-> torch_npu <-> CANN", family="torch")
def torch_npu_compat(ctx):
    """torch_npu's exact torch pin and the CANN it is documented for (a range for newer lines), from torch_npu.yaml."""
    tn, torch = ctx.version("torch-npu"), ctx.version("torch")
    inst = facts.cann(ctx)["selected"]
    cann_v = inst["version"] if inst else None
    e = [ev("torch-npu", tn or "not installed"), ev("torch", torch or "not installed")] + (
        [ev(inst["source"] or inst["path"], cann_v)] if inst else [])
    if not tn:
        return finding("error", "torch_npu is not installed", e,
                       fix=advice.for_packages(ctx, "torch-npu") or [advice.whole_plan(ctx) or "see the plan below"])
    status, row, msg = compat.eval_torch_npu(cann_v, torch, tn)
    if status == "skip":
        status = "ok" if torch else "warn"
        msg = "torch {} + torch_npu {} ({}; no CANN to compare with)".format(
            torch or "(not installed)", tn, "the pinned pair" if torch else "torch missing")
    fix = advice.for_packages(ctx, "torch", "torch-npu", "cann") if status != "ok" else []
    if row is None and status == "warn":  # a torch_npu the table does not know: its own Requires-Dist pin
        status, msg, fix = _torch_pin_from_metadata(ctx, tn, torch, msg, fix)
    return finding(status, msg, e, fix=fix, links=compat.source_of(row) or None)


def _torch_pin_from_metadata(ctx, tn, torch, msg, fix):
    """torch_npu pins one torch (2.14.0: torch==2.14.0.*; 2.9.0: torch==2.9.0+cpu) in its installed metadata."""
    from ascendfix.check.checks_packages import requirements_of

    pins = [r for r in requirements_of(ctx, "torch-npu") if r.name.lower() == "torch" and r.specifier]
    if not pins or not torch:
        return "warn", msg, fix
    pin = pins[0]
    if compat.in_spec(torch, str(pin.specifier)) is False and not _local_pin_matches(torch, pin):
        return "error", "torch_npu {} requires {} (its Requires-Dist), found torch {}".format(tn, pin, torch), [
            advice.for_requirement(ctx, pin, "torch-npu")]
    return "warn", "{}; its Requires-Dist {} is met by torch {}".format(msg, pin, torch), []


def _local_pin_matches(torch, pin):
    """`torch==2.9.0+cpu` is met by 2.9.0+cpu exactly (in_spec compares public versions only)."""
    from packaging.version import InvalidVersion, Version

    try:
        return pin.specifier.contains(Version(torch), prereleases=True)
    except InvalidVersion:
        return False


@check("mindiesd.torch", "pairing", "mindiesd <-> torch (operator plugins) <-> Python", family="torch", top=True)
def mindiesd_torch(ctx):
    """The installed mindiesd ships operator plugins for some torch versions only; its wheels for some Pythons only."""
    top, name = _top(ctx, "torch", "{} <-> torch (operator plugins) <-> Python")
    sd = ctx.version(top)
    if not sd:
        return finding("error", "{} is not installed".format(top), [ev(top, "not installed")],
                       fix=advice.for_packages(ctx, top) or [advice.whole_plan(ctx) or "see the plan below"], **name)
    row = compat.top_row(top, sd)
    if row is None:
        return finding("warn", "{} {} is not in the shipped table".format(top, sd), [ev(top, sd)], **name)
    torch = ctx.version("torch")
    py = ".".join(str(x) for x in ctx.py_version)
    status, _, msg = compat.eval_top_torch(top, row, py, None, torch)
    e = [ev(top, sd), ev("torch", torch or "not installed")]
    if status == "ok":
        msg = "{} {} has a plugin for torch {}".format(top, sd, compat.minor(torch)) if torch else msg
    fix = advice.for_packages(ctx, top, "torch", "torch-npu") if status != "ok" else []
    return finding(status, msg, e, expected="torch {}".format(" / ".join(row["torch"])), fix=fix,
                   links=compat.source_of(row), **name)


@check("cann.driver_compat", "pairing", "CANN <-> driver")
def cann_driver(ctx):
    """CANN version against the installed HDK driver, from rules/compat/cann_driver.yaml."""
    inst = facts.cann(ctx)["selected"]
    d = facts.driver(ctx)
    if inst is None or not inst["version"] or d is None or not d["version"]:
        return finding("skip", "needs both a CANN toolkit and a driver")
    status, row, msg = compat.eval_cann_driver(inst["version"], d["version"])
    e = [ev(inst["source"], "CANN {}".format(inst["version"])), ev(d["path"], "driver {}".format(d["version"]))]
    # heuristic from the fields (not documented): toolkit compatible_version lists the driver's C-line
    inner = (d["info"].get("Innerversion") or "")[:11]
    compat_list = inst["info"].get("compatible_version", "")
    if inner and compat_list:
        e.append(ev("compatible_version (heuristic)", "{} {} in {}".format(inner, "is" if inner in compat_list else "is NOT", compat_list)))
    fix = []
    if status == "error" and row:
        fix = advice.for_packages(ctx, "driver", "cann") or [
            "install the driver line documented for CANN {}: {}".format(row["cann"], ", ".join(row["driver"]))]
    return finding(status if status != "skip" else "warn", msg, e,
                   expected="driver {}".format(" / ".join(row["driver"])) if row else None,
                   fix=fix, links=compat.source_of(row) if row else None)



# --- MindIE-SD stack ---------------------------------------------------------------------------
def _first_readable(ctx, paths):
    for p in paths:
        t = ctx.read_text(p)
        if t:
            return p, t
    return None, None


@check("mindie.components", "pairing", "MindIE and NNAL/ATB located, versioned, sourced", uses=["mindiesd"])
def mindie_components(ctx):
    """/usr/local/Ascend/mindie/latest/version.info, nnal/atb/latest/version.info, $ATB_HOME_PATH ABI."""
    env = ctx.env
    out = []
    mp, mt = _first_readable(ctx, [p for p in [
        (env.get("MINDIE_LLM_HOME_PATH") or "").rstrip("/") + "/../version.info" if env.get("MINDIE_LLM_HOME_PATH") else None,
        "/usr/local/Ascend/mindie/latest/version.info"] if p])
    sd_dist = ctx.dist("mindiesd") or ctx.dist("mindie-sd") or ctx.dist("mindie_sd")
    if mt:
        info = parse_kv(mt)
        ver = info.get("Ascend-mindie") or info.get("mindie-sd") or info.get("mindie-rt")
        what = "MindIE {}".format(ver) if ver else "MindIE (version not readable)"
        if info.get("mindie-sd") and info.get("mindie-sd") != ver:
            what += " (mindie-sd {})".format(info["mindie-sd"])
        out.append(finding("ok", what, [ev(mp, ver or "no version field")], id="mindie.version"))
        mindie_vars = sorted(k for k in env if k.startswith("MINDIE"))
        if mindie_vars:
            out.append(finding("ok", "MindIE environment set ({})".format(", ".join(mindie_vars[:3])),
                               [ev("env", ", ".join(mindie_vars))], id="mindie.env"))
        else:
            out.append(finding("warn", "MindIE's set_env.sh does not seem sourced (inferred: no MINDIE_* variable is set)",
                               [ev("env", "no MINDIE_* variables")], id="mindie.env",
                               fix=["source /usr/local/Ascend/mindie/set_env.sh"]))
    elif sd_dist:
        out.append(finding("ok", "MindIE-SD Python package {} installed".format(sd_dist["version"]),
                           [ev("distribution", "{} {}".format(sd_dist["name"], sd_dist["version"]))], id="mindie.version"))
    else:
        out.append(finding("error", "MindIE not found", [ev("/usr/local/Ascend/mindie/latest/version.info", "missing")],
                           id="mindie.version",
                           fix=["install MindIE (Ascend-mindie_<ver>_linux-$(uname -m).run --install) or use the "
                                "ascend-mindie container image; MindIE-SD sources: https://gitcode.com/Ascend/MindIE-SD"]))
    ap, at = _first_readable(ctx, ["/usr/local/Ascend/nnal/atb/latest/version.info"])
    inst = facts.cann(ctx)["selected"]
    if at:
        info = parse_kv(at)
        atb = info.get("Ascend-cann-atb")
        e = [ev(ap, "Ascend-cann-atb : {}".format(atb))]
        if inst and inst["version"] and atb and norm_cann(atb) != norm_cann(inst["version"]):
            out.append(finding("error", "NNAL/ATB {} does not match CANN {} (undefined symbol errors in libatb / "
                               "libtbe_adapter)".format(atb, inst["version"]), e, id="mindie.nnal",
                               expected="NNAL {}".format(inst["version"]),
                               fix=["install Ascend-cann-nnal_{}_linux-$(uname -m).run --install".format(inst["version"])],
                               links=["https://github.com/Ascend/pytorch/issues/99", "https://github.com/vllm-project/vllm-ascend/issues/117"]))
        else:
            out.append(finding("ok", "NNAL/ATB {}".format(atb) if atb else "NNAL/ATB (version not readable)", e,
                           id="mindie.nnal"))
    else:
        out.append(finding("error", "NNAL/ATB not found", [ev("/usr/local/Ascend/nnal/atb/latest/version.info", "missing")],
                           id="mindie.nnal",
                           fix=["install Ascend-cann-nnal_<CANN version>_linux-$(uname -m).run --install",
                                "source /usr/local/Ascend/nnal/atb/set_env.sh"]))
    atb_home = env.get("ATB_HOME_PATH")
    if not atb_home:
        out.append(finding("error" if at else "skip", "ATB set_env.sh not sourced ($ATB_HOME_PATH unset)",
                           [ev("$ATB_HOME_PATH", None)], id="mindie.atb_env",
                           fix=["source /usr/local/Ascend/nnal/atb/set_env.sh"]))
    else:
        m = re.search(r"cxx_abi_([01])", atb_home)
        abi = m.group(1) if m else None
        out.append(finding("ok", "ATB sourced{} ({}); --deep compares it with torch's ABI".format(
            " with C++ ABI " + abi if abi else "", atb_home), [ev("$ATB_HOME_PATH", atb_home)], id="mindie.atb_env"))
        ctx._cache["atb_abi"] = abi
    return out
