"""Helpers for the fleet / compare / HCCL tests: fake node roots built from the recorded real samples.

Holds no tests itself; imported by test_hccl*, test_compare*, test_fleet*. A node root has /dev/davinciN, a
recorded driver (and firmware) version.info, a recorded CANN install info, /etc/hostname, /etc/hccn.conf with
the device IPs of a recorded `hccn_tool -ip -g` capture, and (optionally) a rank table; the hccn_tool outputs
are the recorded files, replayed as `--command-output 'hccn_tool -i N -link -g=FILE'`.
"""

import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "data"
FLEET = DATA / "fleet"
HCCN = FLEET / "hccn"

# Recorded `hccn_tool -i N -ip -g` captures of three different real machines (see tests/data/fleet/README.md).
IP_SETS = {
    "worker0": ["mind-cluster-worker0_ip-g_dev{}.txt".format(i) for i in range(8)],
    "worker9": ["mind-cluster-worker9_ip-g_dev{}.txt".format(i) for i in range(8)],
    "kg-parse": ["mind-cluster-kg-parse_ip-g_dev{}.txt".format(i) for i in range(2)],
}
LINK_UP = "mind-cluster-faultdiag-docs_link-g_up.txt"
LINK_DOWN = "driver-hccn-tool-docs_link-g_down.txt"
HEALTH_OK = "mind-cluster-elastic-training_net_health-g_success.txt"
HEALTH_FAULT = "mind-cluster-elastic-training_net_health-g_fault.txt"
HEALTH_INIT = "mind-cluster-faultdiag-docs_net_health-g_init.txt"

CANN = {  # version -> (recorded install info, arch)
    "8.0.0": ("check/cann/vllm-ascend-843_aarch64_ascend_toolkit_install.info", "aarch64"),
    "8.1.RC1": ("check/cann/vllm-ascend-955_x86_64_ascend_toolkit_install.info", "x86_64"),
    "8.3.RC2": ("check/cann/vllm-ascend-5606_aarch64_ascend_toolkit_install.info", "aarch64"),
}
DRIVER = {"24.1.rc3": "check/driver/vllm-ascend-451_version.info",
          "23.0.7": "fleet/driver/mind-cluster-worker0_driver_version.info"}
FIRMWARE = "fleet/driver/mind-cluster-worker0_firmware_version.info"
NPU_SMI_2X910B4 = DATA / "check/npu-smi/hami-webui-47_910b4-1_idle.txt"  # recorded: 2 x 910B4-1, healthy
RANK_TABLE_PATH = "/etc/hccl/rank_table.json"


def text(rel):
    return (DATA / rel).read_text(encoding="utf-8")


def write(root, rel, content):
    p = Path(root) / rel.lstrip("/")
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(content, encoding="utf-8")
    return p


def recorded_ip(ip_set, device):
    """(address, netmask) from a recorded `hccn_tool -ip -g` file."""
    from ascendfix.check.hcclparse import parse_ip

    got = parse_ip((HCCN / IP_SETS[ip_set][device]).read_text(encoding="utf-8"))
    return got["address"], got["netmask"]


def rank_table(servers, version="1.0"):
    """A rank table (JSON text) for [(server_id, ip_set, n_devices)], ranks numbered server by server."""
    out, rank = [], 0
    for sid, ip_set, n in servers:
        devs = []
        for d in range(n):
            devs.append({"device_id": str(d), "device_ip": recorded_ip(ip_set, d)[0], "rank_id": str(rank)})
            rank += 1
        out.append({"server_id": sid, "device": devs, "host_nic_ip": "reserve"})
    return json.dumps({"version": version, "server_count": str(len(out)), "server_list": out,
                       "status": "completed"}, indent=2)


def make_node(root, host="node-a", cann="8.0.0", driver="24.1.rc3", devices=8, ip_set="worker0",
              rank_table_text=None, link=None, health=None, hccn_conf=True, npu_smi=None):
    """Build a node root; returns {command name: recorded output file} for its hccn_tool outputs.

    ``link`` / ``health``: {device: recorded file} overrides (default: UP / Success for every device)."""
    root = Path(root)
    for i in range(devices):
        write(root, "/dev/davinci{}".format(i), "")
    for h in ("davinci_manager", "devmm_svm", "hisi_hdc"):
        write(root, "/dev/" + h, "")
    write(root, "/etc/hostname", host + "\n")
    write(root, "/usr/local/Ascend/driver/version.info", text(DRIVER[driver]))
    write(root, "/usr/local/Ascend/firmware/version.info", text(FIRMWARE))
    info, arch = CANN[cann]
    write(root, "/usr/local/Ascend/ascend-toolkit/{}/{}-linux/ascend_toolkit_install.info".format(cann, arch),
          text(info))
    latest = root / "usr/local/Ascend/ascend-toolkit/latest"
    if not latest.exists():
        os.symlink(cann, str(latest))
    (root / "usr/local/Ascend/ascend-toolkit" / cann / "lib64").mkdir(parents=True, exist_ok=True)
    (root / "usr/local/Ascend/ascend-toolkit" / cann / "opp/built-in/op_impl/ai_core/tbe/kernel/ascend910b").mkdir(
        parents=True, exist_ok=True)
    write(root, "/usr/local/Ascend/ascend-toolkit/set_env.sh", "# set_env\n")
    if hccn_conf:
        lines = []
        for d in range(devices):
            addr, mask = recorded_ip(ip_set, d)
            lines += ["address_{}={}".format(d, addr), "netmask_{}={}".format(d, mask)]
        write(root, "/etc/hccn.conf", "\n".join(lines) + "\n")
    if rank_table_text is not None:
        write(root, RANK_TABLE_PATH, rank_table_text)
    link, health = link or {}, health or {}
    cmds = {}
    if npu_smi:
        cmds["npu-smi info"] = npu_smi
    for d in range(devices):
        cmds["hccn_tool -i {} -link -g".format(d)] = HCCN / link.get(d, LINK_UP)
        cmds["hccn_tool -i {} -net_health -g".format(d)] = HCCN / health.get(d, HEALTH_OK)
        cmds["hccn_tool -i {} -ip -g".format(d)] = HCCN / IP_SETS[ip_set][d]
    return cmds


def cann_env():
    """The variables CANN's set_env.sh exports, as the check tests use them (ascend-toolkit layout)."""
    home = "/usr/local/Ascend/ascend-toolkit/latest"
    return {"ASCEND_HOME_PATH": home, "ASCEND_OPP_PATH": home + "/opp",
            "LD_LIBRARY_PATH": home + "/lib64:/usr/local/Ascend/driver/lib64/driver/"}


def command_texts(cmds):
    """{name: output text} for the in-process API (recorded files read)."""
    return {k: Path(v).read_text(encoding="utf-8") for k, v in cmds.items()}


def command_flags(cmds):
    """--command-output flags for the CLI."""
    out = []
    for k, v in sorted(cmds.items()):
        out += ["--command-output", "{}={}".format(k, v)]
    return out


def environment(packages, version="3.10.12"):
    """A pre-probed Python environment (the envprobe format) with the given {name: version} distributions."""
    return {
        "python": {"version": version, "version_info": [int(x) for x in version.split(".")],
                   "implementation": "CPython", "executable": "/usr/bin/python3", "machine": "aarch64",
                   "platform": "linux"},
        "distributions": {k.lower(): {"name": k, "version": v, "requires": [], "requires_python": None,
                                      "location": "/usr/lib/python3/site-packages", "path": None}
                          for k, v in packages.items()},
    }


def report(root, env, cmds, packages=None, only=None, stack="torch-npu"):
    """An `ascendfix check --json` document built in-process (what `check --json --root ROOT` prints)."""
    from ascendfix import check as pkg
    from ascendfix.check import engine, node

    pkg.load_checks()
    ctx = pkg.make_context(root=str(root), env=env, commands=command_texts(cmds), stack=stack,
                           environment=environment(packages or {"torch": "2.1.0", "torch-npu": "2.1.0.post8"}))
    findings = engine.run(ctx, only=only)
    summary = engine.summarize(findings)
    return {"findings": findings, "summary": summary, "node": node.describe(ctx)}
