"""Facts shared by several checks (NPU presence, driver, CANN location), computed once per run."""

import os
import re

from ascendfix.check.parsers import ASCEND_PCI, driver_version, parse_kv, parse_npu_smi, parse_version_cfg

DEVICE_HELPERS = ("/dev/davinci_manager", "/dev/devmm_svm", "/dev/hisi_hdc")
# Where the .run installers record their install path ("Install_Path=..."), as Ascend/pytorch's env.sh reads it:
# https://github.com/Ascend/pytorch/blob/v2.1.0-5.0.0/env.sh
CANN_INSTALL_INFO = "/etc/Ascend/ascend_cann_install.info"
DRIVER_INFO = "/usr/local/Ascend/driver/version.info"
FIRMWARE_INFO = "/usr/local/Ascend/firmware/version.info"


def npu(ctx):
    return ctx.cached("npu", lambda: _npu(ctx))


def _npu(ctx):
    nodes = [n for n in ctx.listdir("/dev") if re.match(r"^davinci\d+$", n)]
    nodes.sort(key=lambda n: int(n[7:]))
    helpers = [h for h in DEVICE_HELPERS if ctx.exists(h)]
    pci = []
    for dev in ctx.listdir("/sys/bus/pci/devices"):
        base = "/sys/bus/pci/devices/" + dev
        vendor = (ctx.read_text(base + "/vendor") or "").strip().lower()
        if vendor != "0x19e5":
            continue
        device = (ctx.read_text(base + "/device") or "").strip().lower().replace("0x", "")
        if device in ASCEND_PCI:
            pci.append({"address": dev, "device": device, "model": ASCEND_PCI[device][0],
                        "family": ASCEND_PCI[device][1]})
    return {"nodes": nodes, "helpers": helpers, "pci": pci}


def npu_present(ctx):
    n = npu(ctx)
    return bool(n["nodes"] or n["pci"])


def smi(ctx):
    """(command result or None, parsed dict or None)."""

    def _run():
        res = ctx.command("npu-smi info", ["npu-smi", "info"])
        if res is None:
            return None, None
        return res, parse_npu_smi(res[1])

    return ctx.cached("smi", _run)


def driver(ctx):
    def _read():
        text = ctx.read_text(DRIVER_INFO)
        if text is None:
            return None
        info = parse_kv(text)
        return {"info": info, "version": driver_version(info), "path": DRIVER_INFO}

    return ctx.cached("driver", _read)


def _arch_dirs(ctx, root):
    return [d for d in ctx.listdir(root) if d.endswith("-linux") and ctx.is_dir(root + "/" + d)]


def cann_version_at(ctx, root):
    """(public version, evidence source, install info dict) for a CANN install dir, or (None, None, {})."""
    for arch in _arch_dirs(ctx, root):
        p = "{}/{}/ascend_toolkit_install.info".format(root, arch)
        text = ctx.read_text(p)
        if text:
            info = parse_kv(text)
            if info.get("version"):
                return info["version"], p, info
    p = root + "/version.cfg"
    text = ctx.read_text(p)
    if text:
        public, inner = parse_version_cfg(text)
        if public:
            return public, p, {"innerversion": inner}
    for sub in ("compiler/version.info", "opp/version.info", "runtime/version.info"):
        p = "{}/{}".format(root, sub)
        text = ctx.read_text(p)
        if text:
            info = parse_kv(text)
            v = info.get("version_dir") or None
            if v:
                return v, p, info
    return None, None, {}


def _pip_cann(ctx):
    """(path, how) of CANN installed with pip into the target environment (<site-packages>/ascend/cann-<ver>)."""
    out = []
    try:
        dist = ctx.dist("ascend-cann-toolkit")
    except Exception:  # no environment to ask (bad --python is reported elsewhere)
        dist = None
    if dist and dist.get("location"):
        base = dist["location"].rstrip("/") + "/ascend"
        for d in ctx.real_view().listdir(base) if ctx.real_root else ctx.listdir(base):
            if d.startswith("cann-"):
                out.append((base + "/" + d, "pip (ascend-cann-toolkit {})".format(dist.get("version"))))
    return out


def cann_candidates(ctx):
    """(path, how it was found, kind) of every place a CANN toolkit may be, in the order they are tried."""
    env = ctx.env
    cands = []
    for var in ("ASCEND_HOME_PATH", "ASCEND_TOOLKIT_HOME"):
        if env.get(var):
            cands.append((env[var].rstrip("/"), "$" + var, "run"))
    info = parse_kv(ctx.read_text(CANN_INSTALL_INFO) or "")
    base = (info.get("Install_Path") or info.get("install_path") or "").rstrip("/")
    if base and base != "/usr/local/Ascend":
        cands.append((base + "/ascend-toolkit/latest", CANN_INSTALL_INFO, "run"))
        cands.append((base + "/cann", CANN_INSTALL_INFO, "run"))
    cands.append(("/usr/local/Ascend/ascend-toolkit/latest", "default (CANN <= 8.3 layout)", "run"))
    cands.append(("/usr/local/Ascend/cann", "default (CANN >= 8.5 layout)", "run"))
    for d in ctx.listdir("/usr/local/Ascend"):
        if d.startswith("cann-"):
            cands.append(("/usr/local/Ascend/" + d, "versioned (CANN >= 8.5 layout)", "run"))
    home = env.get("HOME")
    if home:
        cands.append((home + "/Ascend/ascend-toolkit/latest", "non-root install", "run"))
        cands.append((home + "/Ascend/cann", "non-root install", "run"))
    cands.extend((p, how, "pip") for p, how in _pip_cann(ctx))
    return cands


def cann(ctx):
    return ctx.cached("cann", lambda: _cann(ctx))


def _cann(ctx):
    found, seen, looked = [], set(), []
    for path, how, kind in cann_candidates(ctx):
        looked.append(path)
        view = ctx.real_view() if (kind == "pip" and not ctx.real_root and not ctx.is_dir(path)) else ctx
        if not view.is_dir(path):
            continue
        real = view.realpath(path)
        if real in seen:
            continue
        seen.add(real)
        version, source, info = cann_version_at(view, path)
        if kind == "pip":
            layout = "pip-installed"
            version = version or path.rsplit("cann-", 1)[-1]
        else:
            layout = "cann (>= 8.5)" if re.search(r"/cann(-[^/]*)?/?$", path) else "ascend-toolkit (<= 8.3)"
        found.append({"path": path, "real": real, "how": how, "version": version, "source": source, "info": info,
                      "layout": layout, "kind": kind})
    return {"installs": found, "looked": looked, "selected": found[0] if found else None}


def set_env_script(ctx, install):
    """The set_env.sh that belongs to a CANN install (the layout's rule from rules/compat/cann.yaml, then what exists)."""
    from ascendfix.check import compat

    path = install["path"]
    documented = compat.set_env_for(install.get("version"), path, install.get("kind", "run")) if install.get("version") \
        else None
    cands = [c for c in (documented, path + "/set_env.sh", os.path.dirname(path) + "/set_env.sh") if c]
    for c in cands:
        if ctx.exists(c):
            return c
    return cands[0]


def chip_family(ctx):
    """'910b' / '310p' / '910' / 'a3' from npu-smi names or the PCI id, or None."""
    _, parsed = smi(ctx)
    names = [c["name"] for c in (parsed or {}).get("chips", [])]
    for name in names:
        low = name.lower().replace("ascend", "")
        if low.startswith("910b"):
            return "910b"
        if low.startswith("310p"):
            return "310p"
        if low.startswith("910_93"):
            return "a3"
    for p in npu(ctx)["pci"]:
        return p["family"]
    return None
