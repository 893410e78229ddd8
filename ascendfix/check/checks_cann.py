"""CANN toolkit: located (the .run layouts of CANN <= 8.3 and >= 8.5, and pip-installed CANN), versioned, its
operator package for this chip, and set_env.sh sourced. Layout facts come from rules/compat/cann.yaml."""

import re

from ascendfix.check import compat, facts
from ascendfix.check.engine import check, ev, finding
from ascendfix.check.parsers import norm_cann, parse_kv


def _plan_cann_fix(ctx):
    """The plan's CANN step (its commands), or a pointer to the plan."""
    from ascendfix.check import advice

    line = advice.plan(ctx).fix_for("cann")
    if line:
        return [line]
    return [advice.whole_plan(ctx) or "install the CANN toolkit and the operator package your framework needs (see the plan below)"]


@check("cann.locate", "cann", "CANN toolkit located and versioned")
def cann_locate(ctx):
    """$ASCEND_HOME_PATH, ascend-toolkit/latest (<= 8.3) and cann[-X] (>= 8.5); public version."""
    c = facts.cann(ctx)
    if not c["installs"]:
        return finding("error", "CANN toolkit not found (looked in {})".format(", ".join(dict.fromkeys(c["looked"]))),
                       [ev(p, "missing") for p in list(dict.fromkeys(c["looked"]))[:4]],
                       expected="a CANN toolkit, e.g. /usr/local/Ascend/ascend-toolkit/latest or /usr/local/Ascend/cann",
                       fix=_plan_cann_fix(ctx))
    out = []
    sel = c["selected"]
    evidence = [ev(i["source"] or i["path"], "version {} ({}, found via {})".format(i["version"] or "not readable", i["layout"], i["how"]))
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
            e = [ev(p, "package_name={} version={}".format(name or "(none)", ver or "(none)"))]
            m = re.match(r"Ascend-cann-(.+)-ops", name, re.I)
            pkg_chip = m.group(1).lower() if m else None
            if chip and pkg_chip and pkg_chip != chip:
                return "error", "ops package is for {} but this machine has {} (\"socversion ... does not match\")".format(
                    pkg_chip, chip), e
            if ver and inst["version"] and not compat.ops_version_fits(inst["version"], ver, inst.get("kind", "run")):
                layout = compat.cann_layout(inst["version"], inst.get("kind", "run"))
                rule = "the same {} line".format(compat.cann_line(inst["version"])) if layout and \
                    layout["ops_version"] == "line" else "the same version"
                return "error", "ops package {} does not go with toolkit {} (needs {})".format(
                    ver, inst["version"], rule), e
            return "ok", "{} {}".format(name, ver) if ver else name or "ops package installed", e
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
        return finding("skip", "operator package not checked: no CANN toolkit found")
    status, detail, e = _kernels(ctx, inst)
    fix = []
    if status != "ok":
        chip = facts.chip_family(ctx) or "910b"
        kind = inst.get("kind", "run")
        pkg = compat.ops_package(inst["version"], chip, "$(uname -m)", kind) if inst["version"] else None
        if pkg and kind == "pip":
            layout = compat.cann_layout(inst["version"], "pip")
            fix = ["{} -m pip install {} --extra-index-url {}".format(
                ctx.environment.get("python", {}).get("executable") or "python", pkg, layout["index"])]
        elif pkg:
            fix = ["bash ./{} --install   (packages: {})".format(pkg, "https://www.hiascend.com/developer/download/community/result?module=cann")]
        else:
            fix = ["install the operator package of your CANN version for {}".format(chip)]
    return finding(status, detail, e, fix=fix,
                   links=compat.source_of(compat.cann_layout(inst["version"], inst.get("kind", "run"))) or None)


@check("cann.env_sourced", "cann", "CANN set_env.sh sourced in this shell")
def cann_env_sourced(ctx):
    """ASCEND_HOME_PATH / ASCEND_OPP_PATH / LD_LIBRARY_PATH point into the CANN install."""
    c = facts.cann(ctx)
    inst = c["selected"]
    if inst is None:
        return finding("skip", "set_env.sh not checked: no CANN toolkit found")
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
