"""Pure parsers for the files and command outputs the doctor reads (tested on recorded real samples)."""

import re


def parse_kv(text):
    """``key=value`` / ``key : value`` lines (driver/firmware version.info, *_install.info, MindIE/ATB version.info).

    Keys are kept as written and also lower-cased; the first occurrence wins.
    """
    out = {}
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([^=:]+?)\s*[=:]\s*(.*)$", line)
        if not m:
            continue
        key, value = m.group(1).strip(), m.group(2).strip().strip('"')
        if key not in out:
            out[key] = value
        low = key.lower()
        if low not in out:
            out[low] = value
    return out


def driver_version(info):
    """Public driver version from a parsed driver version.info: package_version first, then Version."""
    return info.get("package_version") or info.get("version")


def parse_ranges(text):
    """``[7.0.0,7.2.99],[7.3.0,7.5.99]`` -> [("7.0.0", "7.2.99"), ...]; ``[V100R001C18]`` -> [("V100R001C18", None)]."""
    out = []
    for m in re.finditer(r"\[([^\]]*)\]", text or ""):
        parts = [p.strip() for p in m.group(1).split(",")]
        if len(parts) >= 2 and parts[1]:
            out.append((parts[0], parts[1]))
        elif parts and parts[0]:
            out.append((parts[0], None))
    return out


def parse_version_cfg(text):
    """CANN ``version.cfg``: ``runtime_running_version=[7.6.0.1.220:8.0.0]`` -> ("8.0.0", "7.6.0.1.220")."""
    for key in ("toolkit_running_version", "runtime_running_version", "compiler_running_version"):
        m = re.search(r"^" + key + r"=\[([^:\]]+):([^\]]+)\]", text or "", re.M)
        if m:
            return m.group(2).strip(), m.group(1).strip()
    return None, None


def vtuple(v):
    """A loose numeric tuple for firmware-style versions: '7.5.0.1.129' -> (7, 5, 0, 1, 129)."""
    out = []
    for p in re.split(r"[.\-]", str(v or "")):
        m = re.match(r"(\d+)", p)
        out.append(int(m.group(1)) if m else 0)
    return tuple(out)


def in_range(version, lo, hi):
    v = vtuple(version)
    return vtuple(lo) <= v <= vtuple(hi)


def norm_cann(v):
    """Normalise a CANN version for comparison: '8.0.RC2.beta1' -> '8.0.rc2', '8.1.RC1' -> '8.1.rc1'."""
    v = (v or "").strip().lower()
    v = re.sub(r"\.(beta|alpha)\d*$", "", v)
    return v


def norm_driver(v):
    """'24.1.rc2.2' -> '24.1.rc2' (the hotfix digit does not change the pairing)."""
    v = (v or "").strip().lower()
    m = re.match(r"^(\d+\.\d+\.(?:rc\d+|\d+))", v)
    return m.group(1) if m else v


_BORDER = re.compile(r"^\+[-=+]+\+$")


def parse_npu_smi(text):
    """Parse ``npu-smi info`` (the table format of HDK 23.x-26.x).

    Returns {"version": str|None, "chips": [{npu, name, health, chip, bus_id, hbm_used, hbm_total}],
    "processes": [{npu, chip, pid, name, memory}], "error": str|None}.
    """
    res = {"version": None, "chips": [], "processes": [], "error": None}
    text = text or ""
    m = re.search(r"npu-smi\s+(\S+)\s+Version:\s*(\S+)", text)
    if m:
        res["version"] = m.group(2)
    err = re.search(r"(dcmi module initialize failed[^\n]*|Failed to[^\n]*|command not found[^\n]*)", text, re.I)
    if err and not res["version"]:
        res["error"] = err.group(1).strip()
    rows = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line.startswith("|") or _BORDER.match(line):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows.append(cells)
    section = "chips"
    pending = None
    for cells in rows:
        joined = " ".join(cells)
        if joined.startswith("NPU") and "Process id" in joined:
            section = "procs"
            continue
        if joined.startswith(("NPU ", "Chip ", "npu-smi")) or "Health" in joined or "Bus-Id" in joined:
            continue
        if section == "procs":
            if joined.startswith("No running processes"):
                continue
            if len(cells) >= 4:
                head = cells[0].split()
                if len(head) >= 2 and head[0].isdigit():
                    mem = re.match(r"(\d+)", cells[3])
                    res["processes"].append({
                        "npu": int(head[0]), "chip": int(head[1]) if head[1].isdigit() else head[1],
                        "pid": cells[1], "name": cells[2], "memory": int(mem.group(1)) if mem else None,
                    })
            continue
        if len(cells) < 3:
            continue
        first = cells[0].split()
        if pending is None:
            # chip line: "0     910B4-1" | "OK" | power temp hugepages
            if len(first) >= 2 and first[0].isdigit() and re.match(r"^[A-Za-z]", cells[1] or "x"):
                pending = {"npu": int(first[0]), "name": " ".join(first[1:]), "health": cells[1]}
            continue
        # detail line: "0   0" | "0000:9D:00.0" | aicore mem hbm
        chip = first[0] if first else ""
        hbm = re.findall(r"(\d+)\s*/\s*(\d+)", cells[2])
        used, total = (int(hbm[-1][0]), int(hbm[-1][1])) if hbm else (None, None)
        pending.update({"chip": int(chip) if chip.isdigit() else chip, "bus_id": cells[1],
                        "hbm_used": used, "hbm_total": total})
        res["chips"].append(pending)
        pending = None
    return res


# PCI device ids of Huawei Ascend chips (vendor 0x19e5): model shown to people, and the chip family used in
# CANN package names (Ascend-cann-kernels-910b..., Ascend-cann-910b-ops...). The one place this map lives.
ASCEND_PCI = {
    "d100": ("Ascend 310", "310"),
    "d500": ("Ascend 310P", "310p"),
    "d801": ("Ascend 910", "910"),
    "d802": ("Ascend 910B", "910b"),
    "d803": ("Ascend 910 A3", "a3"),
}
