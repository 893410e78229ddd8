"""NPU devices: /dev/davinci* nodes and the PCI bus, npu-smi, permission to use the devices."""

import os

from ascendfix.check import facts
from ascendfix.check.engine import check, ev, finding

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


@check("npu.permissions", "npu", "Permission to use the NPU")
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
