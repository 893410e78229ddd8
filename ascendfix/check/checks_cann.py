"""CANN toolkit (both layouts), kernels/ops package, set_env sourced, CANN<->driver, MindIE / NNAL / ATB."""

import re

from ascendfix.check import compat, facts
from ascendfix.check.engine import check, ev, finding
from ascendfix.check.parsers import norm_cann, parse_kv, vtuple


def _install_hint(ctx):
    """(what to install, the CANN version or None) for the installed framework."""
    ms = ctx.version("mindspore") if ctx.stack == "mindone" else None
    if ms:
        row = compat.mindspore_row(ms)
        if row:
            c = row["cann"][0]
            return "install CANN {} (toolkit + the 910B kernels/ops package) for MindSpore {}".format(c, ms), c
    tn = ctx.version("torch-npu")
    if tn:
        for r in compat.table("torch_npu.yaml"):
            if any(compat.same_release(p["torch_npu"], tn) for p in r["pairs"]):
                return "install CANN {} (toolkit + 910B kernels/ops) for torch_npu {}".format(r["cann"], tn), r["cann"]
    return "install the CANN toolkit + the 910B kernels/ops package matching your framework (see `ascendfix check -v`)", None


def _set_env_for(cann_version):
    new = "source /usr/local/Ascend/cann/set_env.sh"
    old = "source /usr/local/Ascend/ascend-toolkit/set_env.sh"
    if cann_version is None:
        return "then: {}  (CANN >= 8.5: {})".format(old, new)
    return "then: " + (new if vtuple(cann_version) >= (8, 5) else old)


@check("cann.locate", "cann", "CANN toolkit located and versioned")
def cann_locate(ctx):
    """$ASCEND_HOME_PATH, ascend-toolkit/latest (<= 8.3) and cann[-X] (>= 8.5); public version."""
    c = facts.cann(ctx)
    if not c["installs"]:
        hint, cver = _install_hint(ctx)
        return finding("error", "CANN toolkit not found (looked in {})".format(", ".join(dict.fromkeys(c["looked"]))),
                       [ev(p, "missing") for p in list(dict.fromkeys(c["looked"]))[:4]],
                       expected="a CANN toolkit, e.g. /usr/local/Ascend/ascend-toolkit/latest or /usr/local/Ascend/cann",
                       fix=[hint, _set_env_for(cver)])
    out = []
    sel = c["selected"]
    evidence = [ev(i["source"] or i["path"], "version={} ({}, found via {})".format(i["version"], i["layout"], i["how"]))
                for i in c["installs"]]
    if sel["version"] is None:
        out.append(finding("warn", "CANN at {} but its version could not be read".format(sel["path"]), evidence,
                           expected="<arch>-linux/ascend_toolkit_install.info or version.cfg"))
    else:
        out.append(finding("ok", "CANN {} at {} ({})".format(sel["version"], sel["path"], sel["layout"]), evidence))
    versions = {norm_cann(i["version"]) for i in c["installs"] if i["version"]}
    if len(versions) > 1:
        out.append(finding("warn", "several CANN versions installed ({}); the one used is {} ({})".format(
            ", ".join(sorted(i["version"] for i in c["installs"] if i["version"])), sel["version"], sel["how"]),
            evidence, id="cann.multiple",
            fix=["make sure only one set_env.sh is sourced, and it is the one your framework needs"]))
    return out


def _kernels(ctx, inst):
    """(status, detail, evidence) for the operator kernels of a CANN install."""
    root = inst["path"]
    chip = facts.chip_family(ctx)
    for arch in [d for d in ctx.listdir(root) if d.endswith("-linux")]:
        p = "{}/{}/ascend_ops_install.info".format(root, arch)
        text = ctx.read_text(p)
        if text:
            info = parse_kv(text)
            name, ver = info.get("package_name", ""), info.get("version")
            e = [ev(p, "package_name={} version={}".format(name, ver))]
            m = re.match(r"Ascend-cann-(.+)-ops", name, re.I)
            pkg_chip = m.group(1).lower() if m else None
            if chip and pkg_chip and pkg_chip != chip:
                return "error", "ops package is for {} but this machine has {} (\"socversion ... does not match\")".format(
                    pkg_chip, chip), e
            if ver and inst["version"] and norm_cann(ver) != norm_cann(inst["version"]):
                return "error", "ops package {} does not match toolkit {}".format(ver, inst["version"]), e
            return "ok", "{} {}".format(name, ver), e
    p = root + "/opp_kernel/version.info"
    text = ctx.read_text(p)
    if text:
        info = parse_kv(text)
        return "ok", "kernels package installed (opp_kernel {})".format(info.get("version")), [ev(p, text.strip()[:120])]
    cfg = ctx.read_text(root + "/version.cfg") or ""
    m = re.search(r"^opp_kernel_running_version=\[([^\]]*)\]", cfg, re.M)
    if m:
        return "ok", "kernels package installed (opp_kernel {})".format(m.group(1)), [
            ev(root + "/version.cfg", "opp_kernel_running_version=[{}]".format(m.group(1)))]
    kdir = root + "/opp/built-in/op_impl/ai_core/tbe/kernel"
    chips = [d for d in ctx.listdir(kdir) if d.startswith("ascend")]
    if chips:
        want = "ascend" + chip if chip else None
        if want and want not in chips:
            return "error", "kernels installed for {} but not for {}".format(", ".join(chips), want), [ev(kdir, ", ".join(chips))]
        return "ok", "kernels for " + ", ".join(chips), [ev(kdir, ", ".join(chips))]
    return "error", "no operator kernels package found for this CANN", [
        ev(root, "no ascend_ops_install.info, opp_kernel/version.info or opp_kernel entry in version.cfg")]


@check("cann.kernels", "cann", "CANN kernels/ops package for this chip")
def cann_kernels(ctx):
    """<= 8.3: Ascend-cann-kernels-910b (opp_kernel); >= 8.5: Ascend-cann-910b-ops (ascend_ops_install.info)."""
    inst = facts.cann(ctx)["selected"]
    if inst is None:
        return finding("skip", "no CANN toolkit found")
    status, detail, e = _kernels(ctx, inst)
    fix = []
    if status != "ok":
        chip = facts.chip_family(ctx) or "910b"
        v = inst["version"] or "<version>"
        if inst["layout"].startswith("cann"):
            fix = ["install Ascend-cann-{}-ops_{}_linux-$(uname -m).run --install".format(chip, v)]
        else:
            fix = ["install Ascend-cann-kernels-{}_{}_linux-$(uname -m).run --install".format(chip, v)]
    return finding(status, detail, e, fix=fix)


@check("cann.env_sourced", "cann", "CANN set_env.sh sourced in this shell")
def cann_env_sourced(ctx):
    """ASCEND_HOME_PATH / ASCEND_OPP_PATH / LD_LIBRARY_PATH point into the CANN install."""
    c = facts.cann(ctx)
    inst = c["selected"]
    if inst is None:
        return finding("skip", "no CANN toolkit found")
    script = facts.set_env_script(ctx, inst)
    env = ctx.env
    home = env.get("ASCEND_HOME_PATH") or env.get("ASCEND_TOOLKIT_HOME")
    ld = env.get("LD_LIBRARY_PATH", "")
    e = [ev("$ASCEND_HOME_PATH", env.get("ASCEND_HOME_PATH")), ev("$ASCEND_OPP_PATH", env.get("ASCEND_OPP_PATH")),
         ev("$LD_LIBRARY_PATH", "contains lib64 of CANN" if (home and home.rstrip("/") + "/lib64" in ld) else "no CANN lib64")]
    problems = []
    if not home:
        problems.append("ASCEND_HOME_PATH is not set")
    elif not ctx.is_dir(home):
        problems.append("ASCEND_HOME_PATH={} does not exist".format(home))
    if not env.get("ASCEND_OPP_PATH"):
        problems.append("ASCEND_OPP_PATH is not set")
    if home and home.rstrip("/") + "/lib64" not in ld:
        problems.append("LD_LIBRARY_PATH lacks {}/lib64".format(home.rstrip("/")))
    if problems:
        return finding("error", "set_env.sh was not sourced: " + "; ".join(problems), e,
                       expected="the variables set by " + script,
                       fix=["source " + script, "add it to ~/.bashrc so every shell has it: echo 'source {}' >> ~/.bashrc".format(script)])
    if "/usr/local/Ascend/driver/lib64" not in ld:
        return finding("warn", "CANN env sourced, but LD_LIBRARY_PATH lacks the driver libraries", e,
                       fix=["export LD_LIBRARY_PATH=/usr/local/Ascend/driver/lib64/driver:/usr/local/Ascend/driver/lib64/common:$LD_LIBRARY_PATH"])
    if ctx.realpath(home) != inst["real"] and home.rstrip("/") != inst["path"]:
        other = [i for i in c["installs"] if i["path"] == home.rstrip("/") or i["real"] == ctx.realpath(home)]
        if other and other[0]["version"] != inst["version"]:
            return finding("warn", "the sourced CANN ({}) differs from the one found first ({})".format(home, inst["path"]), e)
    return finding("ok", "sourced ({})".format(home), e)


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
        fix = ["install the driver line documented for CANN {}: {}".format(row["cann"], ", ".join(row["driver"]))]
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


@check("mindie.components", "pairing", "MindIE and NNAL/ATB located, versioned, sourced", stacks=["mindie"])
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
        out.append(finding("ok", "MindIE {} (mindie-sd {})".format(ver, info.get("mindie-sd")), [ev(mp, ver)],
                           id="mindie.version"))
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
            out.append(finding("ok", "NNAL/ATB {}".format(atb), e, id="mindie.nnal"))
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
        out.append(finding("ok", "ATB sourced with C++ ABI {} ({}); `--deep` compares it with torch's ABI".format(
            abi, atb_home), [ev("$ATB_HOME_PATH", atb_home)], id="mindie.atb_env"))
        ctx._cache["atb_abi"] = abi
    return out
