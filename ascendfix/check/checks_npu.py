"""NPU, driver/firmware and host resource checks."""

import os
import re
import shutil

from ascendfix.check import facts
from ascendfix.check.engine import check, ev, finding
from ascendfix.check.parsers import in_range, parse_kv, parse_ranges

CONTAINER_FLAGS = ("docker run --device=/dev/davinci0 --device=/dev/davinci_manager --device=/dev/devmm_svm "
                   "--device=/dev/hisi_hdc -v /usr/local/Ascend/driver:/usr/local/Ascend/driver "
                   "-v /usr/local/sbin/npu-smi:/usr/local/sbin/npu-smi ...")


@check("npu.devices", "npu", "NPU device nodes")
def npu_devices(ctx):
    """/dev/davinci* nodes and Huawei accelerators on the PCI bus."""
    n = facts.npu(ctx)
    evidence = [ev("/dev", ", ".join("/dev/" + x for x in n["nodes"]) or "no /dev/davinci* nodes"),
                ev("/sys/bus/pci/devices (vendor 0x19e5)",
                   ", ".join("{} {} ({})".format(p["address"], p["device"], p["model"]) for p in n["pci"])
                   or "no Huawei Ascend accelerator")]
    if not n["nodes"] and not n["pci"]:
        return finding("error", "no NPU found: no /dev/davinci* device nodes and no Huawei Ascend accelerator on the "
                       "PCI bus, so SDXL cannot run on an NPU here", evidence,
                       expected="/dev/davinci0 (and Ascend 910B = PCI device 19e5:d802)",
                       fix=["run on an Ascend 910B machine (Atlas 800T/800I A2) with the Ascend HDK driver installed",
                            "inside a container, pass the devices: " + CONTAINER_FLAGS,
                            "everything else (versions, pins, weights) is still checked below, so you can prepare"])
    if not n["nodes"]:
        return finding("error", "{} Ascend accelerator(s) on the PCI bus but no /dev/davinci* nodes: the driver is "
                       "not loaded, or this container was started without --device".format(len(n["pci"])), evidence,
                       expected="/dev/davinci0 ...",
                       fix=["on the host: install the Ascend HDK driver (Ascend-hdk-910b-npu-driver) and reboot",
                            "in a container: " + CONTAINER_FLAGS])
    missing = [h for h in facts.DEVICE_HELPERS if h not in n["helpers"]]
    if missing:
        return finding("warn", "{} NPU node(s), but {} missing (runtime calls fail inside containers without them)"
                       .format(len(n["nodes"]), ", ".join(missing)), evidence,
                       expected=", ".join(facts.DEVICE_HELPERS),
                       fix=["add to docker run: " + " ".join("--device=" + m for m in missing)])
    model = n["pci"][0]["model"] if n["pci"] else "model unknown"
    return finding("ok", "{} NPU device node(s) ({})".format(len(n["nodes"]), model), evidence)


@check("npu.smi", "npu", "npu-smi: driver loaded, chips healthy, HBM free")
def npu_smi(ctx):
    """Runs (or replays) `npu-smi info`; health, HBM in use, processes."""
    res, parsed = facts.smi(ctx)
    if res is None:
        if not facts.npu_present(ctx):
            return finding("skip", "npu-smi not found (no NPU on this machine)", [ev("npu-smi info", "not found")])
        return finding("error", "npu-smi not found although NPU devices are present", [ev("npu-smi info", "not found")],
                       fix=["install the Ascend HDK driver, or mount /usr/local/sbin/npu-smi into the container"])
    rc, out = res
    first = (out.strip().splitlines() or [""])
    if parsed["error"] or (rc != 0 and not parsed["chips"]):
        msg = parsed["error"] or first[-1]
        fix = ["check the driver: `lsmod | grep drv_davinci`; after a driver/firmware upgrade, reboot"]
        if "-8005" in msg or "dcmi" in msg.lower():
            fix.insert(0, "run as root or add the user to the driver group: sudo usermod -aG HwHiAiUser $USER "
                          "(then log in again); a firmware upgrade without reboot also gives -8005")
        return finding("error", "npu-smi failed: " + msg, [ev("npu-smi info (rc={})".format(rc), msg)], fix=fix)
    if not parsed["chips"]:
        return finding("warn", "npu-smi ran but no chip rows could be read", [ev("npu-smi info", first[0][:200])])
    out_f = []
    ver = parsed["version"]
    evidence = [ev("npu-smi info", "npu-smi {}; ".format(ver) + "; ".join(
        "NPU {} {} {} HBM {}/{} MB".format(c["npu"], c["name"], c["health"], c["hbm_used"], c["hbm_total"])
        for c in parsed["chips"]))]
    bad = [c for c in parsed["chips"] if c["health"].upper() != "OK"]
    if bad:
        out_f.append(finding("error", "chip health not OK: " + ", ".join(
            "NPU {} {}".format(c["npu"], c["health"]) for c in bad), evidence, expected="Health OK",
            fix=["npu-smi info -t health -i <id> for the alarm codes; contact the machine admin"]))
    busy = [c for c in parsed["chips"] if c["hbm_total"] and c["hbm_used"] is not None
            and c["hbm_used"] > 0.10 * c["hbm_total"]]
    if busy:
        procs = ["pid {} {} ({} MB on NPU {})".format(p["pid"], p["name"], p["memory"], p["npu"])
                 for p in parsed["processes"]]
        out_f.append(finding("warn", "HBM already in use: " + ", ".join(
            "NPU {} {}/{} MB".format(c["npu"], c["hbm_used"], c["hbm_total"]) for c in busy)
            + (" by " + "; ".join(procs) if procs else ""), evidence,
            expected="< 10% HBM used before starting (about 3.4 GB is the idle baseline on 64 GB cards)",
            fix=["pick a free card: export ASCEND_RT_VISIBLE_DEVICES=<free id>",
                 "or stop the other process (see the process table of npu-smi info)"]))
    if not out_f:
        free = ["NPU {} {} MB free".format(c["npu"], c["hbm_total"] - c["hbm_used"]) for c in parsed["chips"]
                if c["hbm_total"] is not None and c["hbm_used"] is not None]
        out_f.append(finding("ok", "{} chip(s) healthy; {}".format(len(parsed["chips"]), ", ".join(free)), evidence))
    return out_f


@check("driver.version", "driver", "Ascend HDK driver version")
def driver_version(ctx):
    """/usr/local/Ascend/driver/version.info (package_version, then Version)."""
    d = facts.driver(ctx)
    if d is None:
        if not facts.npu_present(ctx):
            return finding("skip", "no driver installed (no NPU on this machine)", [ev(facts.DRIVER_INFO, "missing")])
        return finding("error", "NPU present but {} is missing".format(facts.DRIVER_INFO),
                       [ev(facts.DRIVER_INFO, "missing")],
                       fix=["install the Ascend HDK driver (Ascend-hdk-910b-npu-driver_<ver>_linux-<arch>.run --full)",
                            "in a container: -v /usr/local/Ascend/driver:/usr/local/Ascend/driver"])
    info = d["info"]
    return finding("ok", "driver {}".format(d["version"]), [
        ev(d["path"], "package_version={} Version={} Innerversion={}".format(
            info.get("package_version"), info.get("Version") or info.get("version"), info.get("Innerversion")))])


@check("firmware.version", "driver", "NPU firmware within the driver's range")
def firmware_version(ctx):
    """/usr/local/Ascend/firmware/version.info against the driver's compatible_version_fw."""
    text = ctx.read_text(facts.FIRMWARE_INFO)
    d = facts.driver(ctx)
    if text is None:
        return finding("skip", "{} not found (often not mounted into containers)".format(facts.FIRMWARE_INFO),
                       [ev(facts.FIRMWARE_INFO, "missing")])
    fw = parse_kv(text).get("version")
    evidence = [ev(facts.FIRMWARE_INFO, "Version={}".format(fw))]
    if d is None or not d["info"].get("compatible_version_fw"):
        return finding("ok", "firmware {} (no driver range to compare with)".format(fw), evidence)
    ranges = [r for r in parse_ranges(d["info"]["compatible_version_fw"]) if r[1]]
    evidence.append(ev(d["path"], "compatible_version_fw=" + d["info"]["compatible_version_fw"]))
    if any(in_range(fw, lo, hi) for lo, hi in ranges):
        return finding("ok", "firmware {} is within driver {}'s range".format(fw, d["version"]), evidence)
    return finding("error", "firmware {} is outside driver {}'s compatible range {}".format(
        fw, d["version"], d["info"]["compatible_version_fw"]), evidence,
        expected=" or ".join("{}..{}".format(lo, hi) for lo, hi in ranges),
        fix=["install the firmware that ships with driver {} (Ascend-hdk-910b-npu-firmware), or the driver that "
             "matches firmware {}; then reboot".format(d["version"], fw)])


@check("sys.permissions", "npu", "Permission to use the NPU")
def permissions(ctx):
    """Read/write access to /dev/davinci* and the driver files for this user."""
    n = facts.npu(ctx)
    if not n["nodes"]:
        return finding("skip", "no device nodes to check")
    paths = ["/dev/" + x for x in n["nodes"]] + list(n["helpers"])
    denied = [p for p in paths if not os.access(str(ctx.path(p)), os.R_OK | os.W_OK)]
    ev_ = [ev("os.access(R|W)", "denied: " + ", ".join(denied) if denied else "all {} nodes".format(len(paths)))]
    if denied:
        return finding("error", "no read/write access to " + ", ".join(denied), ev_,
                       fix=["sudo usermod -aG HwHiAiUser $USER  (then log out and in)",
                            "or run the container with --device for these nodes"])
    if ctx.exists(facts.DRIVER_INFO) and not os.access(str(ctx.path(facts.DRIVER_INFO)), os.R_OK):
        return finding("error", "cannot read the driver files", [ev(facts.DRIVER_INFO, "not readable")],
                       fix=["sudo usermod -aG HwHiAiUser $USER"])
    return finding("ok", "read/write access to {} device node(s)".format(len(paths)), ev_)


# --- host resources ----------------------------------------------------------------------------
GB = 1024 ** 3


def disk_usage(path):
    """shutil.disk_usage (a seam for tests)."""
    return shutil.disk_usage(path)


def _existing_ancestor(ctx, p):
    p = os.path.abspath(p)
    while p and not ctx.exists(p):
        parent = os.path.dirname(p)
        if parent == p:
            break
        p = parent
    return p


@check("sys.disk", "system", "Free disk for weights and caches")
def disk(ctx):
    """Free space where weights, the HF/modelscope cache and the CANN kernel cache go."""
    home = ctx.env.get("HOME", "/root")
    places = []
    if ctx.weights:
        places.append(("weights", str(ctx.weights)))
    places.append(("model cache", ctx.env.get("MODELSCOPE_CACHE") or ctx.env.get("HF_HOME") or home + "/.cache"))
    for var in ("ASCEND_CACHE_PATH", "ASCEND_WORK_PATH"):
        if ctx.env.get(var):
            places.append((var, ctx.env[var]))
    places.append(("/tmp", "/tmp"))
    out, seen = [], set()
    for label, p in places:
        view = ctx.real_view() if label == "weights" else ctx
        anc = _existing_ancestor(view, p)
        try:
            du = disk_usage(str(view.path(anc)))
        except OSError:
            continue
        key = (du.total, du.free)
        if key in seen:
            continue
        seen.add(key)
        free = du.free / GB
        e = [ev("disk_usage({})".format(anc), "{:.1f} GB free of {:.1f} GB".format(free, du.total / GB))]
        need = 2 if label == "/tmp" else 15
        if free < 2:
            out.append(finding("error", "{}: only {:.1f} GB free at {}".format(label, free, anc), e,
                               expected=">= {} GB free (SDXL fp16 weights are about 7 GB; kernel caches grow)".format(need),
                               fix=["free space, or point the cache elsewhere: export MODELSCOPE_CACHE=/big/disk"]))
        elif free < need:
            out.append(finding("warn", "{}: {:.1f} GB free at {}".format(label, free, anc), e,
                               expected=">= {} GB free".format(need),
                               fix=["free space, or point the cache elsewhere: export MODELSCOPE_CACHE=/big/disk"]))
        else:
            out.append(finding("ok", "{}: {:.0f} GB free".format(label, free), e))
    return out


def _cgroup_limit(ctx):
    for p in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        t = (ctx.read_text(p) or "").strip()
        if t and t != "max" and t.isdigit() and int(t) < (1 << 60):
            return int(t), p
    return None, None


@check("sys.memory", "system", "Host memory (incl. the cgroup limit)")
def memory(ctx):
    """MemAvailable from /proc/meminfo and the container's cgroup memory limit."""
    text = ctx.read_text("/proc/meminfo")
    if not text:
        return finding("skip", "/proc/meminfo not readable")
    m = re.search(r"^MemAvailable:\s+(\d+)\s*kB", text, re.M)
    t = re.search(r"^MemTotal:\s+(\d+)\s*kB", text, re.M)
    avail = int(m.group(1)) * 1024 if m else None
    total = int(t.group(1)) * 1024 if t else None
    e = [ev("/proc/meminfo", "MemAvailable {:.1f} GB, MemTotal {:.1f} GB".format((avail or 0) / GB, (total or 0) / GB))]
    limit, lp = _cgroup_limit(ctx)
    effective = avail
    if limit is not None:
        e.append(ev(lp, "{:.1f} GB".format(limit / GB)))
        effective = min(avail or limit, limit)
    if effective is None:
        return finding("skip", "could not read available memory", e)
    g = effective / GB
    exp = ">= 16 GB available (loading the fp16 SDXL pipeline needs ~8 GB; converting an fp32 UNet ~10.3 GB)"
    if g < 8:
        return finding("error", "only {:.1f} GB host memory available{}".format(g, " (cgroup limit)" if limit and limit == effective else ""),
                       e, expected=exp, fix=["raise the container memory limit (docker run --memory=32g) or free memory"])
    if g < 16:
        return finding("warn", "{:.1f} GB host memory available".format(g), e, expected=exp,
                       fix=["raise the container memory limit (docker run --memory=32g) or free memory"])
    return finding("ok", "{:.0f} GB host memory available".format(g), e)
