"""Ascend HDK driver and NPU firmware."""

from ascendfix.check import facts
from ascendfix.check.engine import check, ev, finding
from ascendfix.check.parsers import in_range, parse_kv, parse_ranges


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
