"""The doctor on fake filesystem roots built from recorded real samples: every probe without an NPU."""

import re

import pytest

from ascendfix.check import engine, run_checks
from test_check_helpers import (MINDONE_050_REQUIRES, add_cann85, add_devices, add_driver, add_pci, add_toolkit,
                                fake_env, sample, sourced_env)

MS26 = fake_env("3.11.7", {"mindspore": ("2.6.0", ["numpy<2.0.0,>=1.20.0"]), "numpy": "1.26.4",
                           "mindone": ("0.5.0", MINDONE_050_REQUIRES), "transformers": "4.57.1",
                           "huggingface-hub": "0.36.2", "safetensors": "0.8.0", "mindcv": "0.3.0"})


def by_id(findings):
    return {f["id"]: f for f in findings}


def run(root, env=None, commands=None, environment=MS26, **kw):
    return by_id(run_checks(root=str(root), env=env or {"HOME": "/root"}, commands=commands or {},
                            environment=environment, **kw))


def healthy_root(tmp_path, smi="npu-smi/vllm-ascend-955_910b2c_idle.txt"):
    add_devices(tmp_path, 8)
    add_pci(tmp_path, 8)
    add_driver(tmp_path, firmware="7.5.0.1.129")
    home = add_toolkit(tmp_path, "cann/vllm-ascend-955_x86_64_ascend_toolkit_install.info", "8.1.RC1", arch="x86_64")
    return home, {"npu-smi info": sample(smi)}


def test_no_npu_is_an_error_with_a_fix_not_a_crash(tmp_path):
    f = run(tmp_path)
    assert f["npu.devices"]["status"] == "error"
    assert "no NPU found" in f["npu.devices"]["detail"] and f["npu.devices"]["fix"]
    assert f["cann.locate"]["status"] == "error"
    # MindSpore 2.6.0 is installed: the fix points at the plan step installing a CANN it pairs with
    assert any(re.search(r"install CANN 8\.[12]\.RC1", x) for x in f["cann.locate"]["fix"]), f["cann.locate"]["fix"]
    assert f["npu.smi"]["status"] == "skip" and f["driver.version"]["status"] == "skip"
    assert not any(x["status"] == "crashed" for x in f.values())


def test_healthy_910b_machine_with_cann_81(tmp_path):
    home, cmds = healthy_root(tmp_path)
    f = run(tmp_path, env=sourced_env(home), commands=cmds)
    assert f["npu.devices"]["status"] == "ok" and "8 NPU device node(s) (Ascend 910B)" in f["npu.devices"]["detail"]
    assert f["npu.smi"]["status"] == "ok" and "10 chip(s) healthy" in f["npu.smi"]["detail"]
    assert f["driver.version"]["detail"] == "driver 24.1.rc3"
    assert f["firmware.version"]["status"] == "ok"
    assert f["cann.locate"]["status"] == "ok" and "CANN 8.1.RC1" in f["cann.locate"]["detail"]
    assert f["cann.kernels"]["status"] == "ok"
    assert f["cann.env_sourced"]["status"] == "ok"
    assert f["mindspore.cann"]["status"] == "ok"
    # CANN 8.1.RC1 is documented with driver 25.0.RC1: 24.1.rc3 is too old
    assert f["cann.driver_compat"]["status"] == "error"
    assert "25.0.rc1" in f["cann.driver_compat"]["fix"][0]


def test_busy_hbm_is_a_warning_naming_the_processes(tmp_path):
    home, cmds = healthy_root(tmp_path, smi="npu-smi/vllm-ascend-5606_910b4-1_busy.txt")
    f = run(tmp_path, env=sourced_env(home), commands=cmds)
    s = f["npu.smi"]
    assert s["status"] == "warn"
    assert "61825/65536" in s["detail"] and "VLLMWorker_TP" in s["detail"] and "19334" in s["detail"]
    assert any("ASCEND_RT_VISIBLE_DEVICES" in x for x in s["fix"])


def test_dcmi_failure_is_an_error_with_the_real_message(tmp_path):
    add_devices(tmp_path, 1)
    f = run(tmp_path, commands={"npu-smi info": (255, sample("npu-smi/vllm-ascend-2698_dcmi-8005.txt"))})
    assert f["npu.smi"]["status"] == "error"
    assert "ret is -8005" in f["npu.smi"]["detail"]
    assert any("HwHiAiUser" in x for x in f["npu.smi"]["fix"])


def test_container_without_device_nodes(tmp_path):
    add_pci(tmp_path, 8)
    f = run(tmp_path)
    assert f["npu.devices"]["status"] == "error"
    assert "without --device" in f["npu.devices"]["detail"]
    assert any("--device=/dev/davinci0" in x for x in f["npu.devices"]["fix"])


def test_missing_helper_nodes_warn(tmp_path):
    add_devices(tmp_path, 1, helpers=False)
    f = run(tmp_path)
    assert f["npu.devices"]["status"] == "warn" and "/dev/davinci_manager" in f["npu.devices"]["detail"]


def test_firmware_outside_driver_range(tmp_path):
    add_devices(tmp_path, 1)
    add_driver(tmp_path, firmware="7.7.0.1.231")
    f = run(tmp_path)
    assert f["firmware.version"]["status"] == "error"
    assert "[7.0.0,7.5.99]" in f["firmware.version"]["detail"]


def test_env_not_sourced(tmp_path):
    home, cmds = healthy_root(tmp_path)
    f = run(tmp_path, env={"HOME": "/root"}, commands=cmds)
    assert f["cann.env_sourced"]["status"] == "error"
    assert f["cann.env_sourced"]["fix"][0] == "source /usr/local/Ascend/ascend-toolkit/set_env.sh"


def test_version_cfg_fallback_and_mindspore_mismatch(tmp_path):
    add_devices(tmp_path, 1)
    base = tmp_path / "usr/local/Ascend/ascend-toolkit/8.0.0"
    base.mkdir(parents=True)
    (base / "version.cfg").write_text(sample("cann/vllm-ascend-451_version.cfg"))
    (tmp_path / "usr/local/Ascend/ascend-toolkit/latest").symlink_to("8.0.0")
    f = run(tmp_path)
    assert "CANN 8.0.0" in f["cann.locate"]["detail"]
    # the kernels package shows up as opp_kernel in version.cfg
    assert f["cann.kernels"]["status"] == "ok"
    m = f["mindspore.cann"]
    assert m["status"] == "error" and "needs CANN 8.1.RC1 or 8.2.RC1, found 8.0.0" in m["detail"]
    # MindSpore 2.6.0 + mindone 0.5.0 on CANN 8.0.0: the plan keeps CANN and moves to MindSpore 2.5.0 + mindone 0.3.0
    assert any("MindSpore 2.5.0" in x for x in m["fix"]), m["fix"]


def test_cann_85_layout_with_ops_package(tmp_path):
    add_devices(tmp_path, 8)
    add_pci(tmp_path, 8)
    home = add_cann85(tmp_path)
    f = run(tmp_path, env=sourced_env(home), environment=fake_env("3.11.7", {"mindspore": "2.7.2", "numpy": "1.26.4"}))
    assert "CANN 8.5.0 at /usr/local/Ascend/cann (cann (>= 8.5))" == f["cann.locate"]["detail"]
    assert f["cann.kernels"]["status"] == "ok" and "Ascend-cann-910b-ops" in f["cann.kernels"]["detail"]
    assert f["cann.env_sourced"]["status"] == "ok"
    assert f["mindspore.cann"]["status"] == "ok"


def test_cann_85_ops_for_the_wrong_chip_or_missing(tmp_path):
    add_devices(tmp_path, 8)
    add_pci(tmp_path, 8)
    add_cann85(tmp_path, ops_chip="310p")
    f = run(tmp_path)
    assert f["cann.kernels"]["status"] == "error" and "310p" in f["cann.kernels"]["detail"]

    other = tmp_path / "b"
    add_devices(other, 1)
    add_cann85(other, ops_chip=None)
    f = run(other)
    assert f["cann.kernels"]["status"] == "error"
    assert "Ascend-cann-910b-ops_8.5.0" in f["cann.kernels"]["fix"][0]


def test_two_cann_installs_warn(tmp_path):
    add_devices(tmp_path, 1)
    home = add_toolkit(tmp_path, "cann/vllm-ascend-843_aarch64_ascend_toolkit_install.info", "8.0.0")
    add_cann85(tmp_path)
    f = run(tmp_path, env=sourced_env(home))
    assert f["cann.multiple"]["status"] == "warn" and "8.0.0" in f["cann.multiple"]["detail"]


def test_a_crashing_check_is_reported_and_the_others_run(tmp_path, monkeypatch):
    def boom(ctx):
        raise RuntimeError("kaboom")

    chk = [c for c in engine.REGISTRY if c.id == "npu.devices"][0]
    monkeypatch.setattr(chk, "fn", boom)
    f = run(tmp_path)
    assert f["npu.devices"]["status"] == "crashed" and "kaboom" in f["npu.devices"]["detail"]
    assert f["cann.locate"]["status"] == "error"  # still ran
    assert not engine.summarize(list(f.values()))["ok"]


def test_only_and_unknown_ids(tmp_path):
    f = run(tmp_path, only=["cann"])
    assert set(f) <= {"cann.locate", "cann.kernels", "cann.env_sourced", "cann.driver_compat", "cann.multiple"}
    assert "npu.devices" not in f
    from ascendfix.errors import AscendfixError

    with pytest.raises(AscendfixError):
        run(tmp_path, only=["no.such.check"])


def test_stack_detection_and_scoping(tmp_path):
    torch_env = fake_env("3.10.17", {"torch": "2.5.1+cpu", "torch_npu": ("2.5.1", ["torch==2.5.1"]),
                                      "numpy": "1.26.4", "diffusers": "0.30.0"})
    home, cmds = healthy_root(tmp_path)
    env = sourced_env(home, {"ATB_HOME_PATH": "/usr/local/Ascend/nnal/atb/latest/atb/cxx_abi_1",
                             "TASK_QUEUE_ENABLE": "2", "ASCEND_LAUNCH_BLOCKING": "1",
                             "PYTORCH_NPU_ALLOC_CONF": "expandable_segments=True"})
    f = run(tmp_path, env=env, commands=cmds, environment=torch_env)
    assert "mindspore.cann" not in f  # not the mindone stack
    assert f["torch_npu.compat"]["status"] == "ok" and "CANN 8.1.RC1" in f["torch_npu.compat"]["detail"]
    assert f["env.launch-blocking-disables-task-queue"]["status"] == "warn"
    assert f["env.PYTORCH_NPU_ALLOC_CONF"]["status"] == "warn"
    assert "env.MS_ALLOC_CONF" not in f  # mindone-only variable
    assert all(x["status"] != "error" for k, x in f.items() if k.startswith("env."))


def test_torch_npu_mismatch(tmp_path):
    home, cmds = healthy_root(tmp_path)
    bad = fake_env("3.10.17", {"torch": "2.6.0", "torch_npu": ("2.5.1", ["torch==2.5.1"]), "numpy": "1.26.4"})
    f = run(tmp_path, env=sourced_env(home), commands=cmds, environment=bad, stack="torch-npu")
    t = f["torch_npu.compat"]
    assert t["status"] == "error" and "needs torch 2.5.1, found torch 2.6.0" in t["detail"]
    assert f["pkgs.pins.torch"]["status"] == "error"
    assert "torch 2.5.1" in f["pkgs.pins.torch"]["fix"][0]


def test_mindie_components_from_recorded_files(tmp_path):
    home = add_toolkit(tmp_path, "cann/vllm-ascend-843_aarch64_ascend_toolkit_install.info", "8.0.0")
    (tmp_path / "usr/local/Ascend/nnal/atb/latest").mkdir(parents=True)
    (tmp_path / "usr/local/Ascend/nnal/atb/latest/version.info").write_text(sample("atb/vllm-ascend-451_version.info"))
    env = sourced_env(home, {"ATB_HOME_PATH": "/usr/local/Ascend/nnal/atb/latest/atb/cxx_abi_1"})
    f = run(tmp_path, env=env, stack="mindie",
            environment=fake_env("3.11.6", {"torch": "2.4.0", "torch_npu": ("2.4.0.post2", ["torch==2.4.0"])}))
    assert f["mindie.version"]["status"] == "error"  # no MindIE installed in this root
    assert "https://gitcode.com/Ascend/MindIE-SD" in f["mindie.version"]["fix"][0]
    assert f["mindie.nnal"]["status"] == "ok" and f["mindie.atb_env"]["status"] == "ok"
    assert "ABI 1" in f["mindie.atb_env"]["detail"]
    # NNAL from another CANN release
    (tmp_path / "usr/local/Ascend/nnal/atb/latest/version.info").write_text(
        sample("atb/vllm-ascend-451_version.info").replace("8.0.0", "8.3.RC1"))
    f = run(tmp_path, env=env, stack="mindie", environment=fake_env("3.11.6", {}))
    assert f["mindie.nnal"]["status"] == "error" and "does not match CANN 8.0.0" in f["mindie.nnal"]["detail"]


def test_mindie_version_file_and_env(tmp_path):
    # the format of /usr/local/Ascend/mindie/latest/version.info ("Ascend-mindie : MindIE x", "mindie-sd:x")
    (tmp_path / "usr/local/Ascend/mindie/latest").mkdir(parents=True)
    (tmp_path / "usr/local/Ascend/mindie/latest/version.info").write_text(
        "Ascend-mindie : MindIE 2.0.T3.B010\nmindie-rt: 2.0.T3.B010\nmindie-sd:2.0.T3.B010\nPlatform : aarch64\n")
    f = run(tmp_path, stack="mindie", environment=fake_env("3.11.6", {}))
    assert f["mindie.version"]["status"] == "ok" and "mindie-sd 2.0.T3.B010" in f["mindie.version"]["detail"]
    assert f["mindie.env"]["status"] == "warn"
    f = run(tmp_path, stack="mindie", environment=fake_env("3.11.6", {}), env={"MINDIE_LOG_TO_STDOUT": "1"})
    assert f["mindie.env"]["status"] == "ok"


def test_env_device_list_uses_the_device_count(tmp_path):
    add_devices(tmp_path, 2)
    f = run(tmp_path, env={"ASCEND_RT_VISIBLE_DEVICES": "0,3"})
    assert f["env.ASCEND_RT_VISIBLE_DEVICES"]["status"] == "warn"
    assert "device 3 does not exist" in f["env.ASCEND_RT_VISIBLE_DEVICES"]["detail"]


def test_secrets_are_redacted():
    assert engine.redact("HF_TOKEN", "hf_abc") == "***"
    assert engine.redact("MODELSCOPE_API_KEY", "x") == "***"
    assert engine.redact("DB_PASSWORD", "x") == "***"
    assert engine.redact("TASK_QUEUE_ENABLE", "1") == "1"
    assert engine.redact("ASCEND_RT_VISIBLE_DEVICES", "0") == "0"


def test_host_memory_and_cgroup_limit(tmp_path, monkeypatch):
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/meminfo").write_text("MemTotal:       263786544 kB\nMemFree:  1000 kB\nMemAvailable:   250000000 kB\n")
    f = run(tmp_path, only=["sys.memory"])
    assert f["sys.memory"]["status"] == "ok"
    (tmp_path / "sys/fs/cgroup").mkdir(parents=True)
    (tmp_path / "sys/fs/cgroup/memory.max").write_text(str(6 * 1024 ** 3) + "\n")
    f = run(tmp_path, only=["sys.memory"])
    assert f["sys.memory"]["status"] == "error" and "cgroup" in f["sys.memory"]["detail"]
    (tmp_path / "sys/fs/cgroup/memory.max").write_text("max\n")
    assert run(tmp_path, only=["sys.memory"])["sys.memory"]["status"] == "ok"


def test_disk_thresholds(tmp_path, monkeypatch):
    from collections import namedtuple

    from ascendfix.check import checks_system

    du = namedtuple("du", "total used free")
    monkeypatch.setattr(checks_system, "disk_usage", lambda p: du(500 * 1024 ** 3, 0, 1 * 1024 ** 3))
    f = run(tmp_path, only=["sys.disk"])
    assert f["sys.disk"]["status"] == "error"
    monkeypatch.setattr(checks_system, "disk_usage", lambda p: du(500 * 1024 ** 3, 0, 300 * 1024 ** 3))
    assert run(tmp_path, only=["sys.disk"])["sys.disk"]["status"] == "ok"


def test_disk_one_line_per_filesystem(tmp_path, monkeypatch):
    """The model cache and /tmp on one filesystem are one line, even when the free space moves between the two
    readings (another process writing) -- the figures used to be the key, so the same disk came out twice."""
    from collections import namedtuple
    import itertools

    from ascendfix.check import checks_system

    (tmp_path / "root/.cache").mkdir(parents=True)
    (tmp_path / "tmp").mkdir()
    du = namedtuple("du", "total used free")
    free = itertools.count(300 * 1024 ** 3, 4096)
    monkeypatch.setattr(checks_system, "disk_usage", lambda p: du(500 * 1024 ** 3, 0, next(free)))
    found = [f for f in run_checks(root=str(tmp_path), env={"HOME": "/root"}, commands={}, environment=MS26,
                                   only=["sys.disk"]) if f["id"] == "sys.disk"]
    assert len(found) == 1, [f["detail"] for f in found]
    assert found[0]["status"] == "ok" and found[0]["detail"].startswith("model cache:")


def test_permissions_denied(tmp_path, monkeypatch):
    from ascendfix.check import checks_npu

    add_devices(tmp_path, 2)
    # the old id still selects the check
    assert run(tmp_path, only=["sys.permissions"])["npu.permissions"]["status"] == "ok"
    real = checks_npu.os.access
    # the suite may run as root (os.access always allows), so deny through the seam the check uses
    monkeypatch.setattr(checks_npu.os, "access", lambda p, m: not p.endswith("davinci1") and real(p, m))
    f = run(tmp_path, only=["npu.permissions"])
    assert f["npu.permissions"]["status"] == "error" and "/dev/davinci1" in f["npu.permissions"]["detail"]
    assert "usermod -aG HwHiAiUser" in f["npu.permissions"]["fix"][0]


def test_findings_have_the_documented_shape(tmp_path):
    home, cmds = healthy_root(tmp_path)
    for f in run_checks(root=str(tmp_path), env=sourced_env(home), commands=cmds, environment=MS26):
        assert set(f) >= {"id", "category", "status", "title", "detail", "evidence", "expected", "fix"}
        assert f["status"] in engine.STATUSES
        assert isinstance(f["fix"], list) and isinstance(f["evidence"], list)
        if f["status"] == "error":
            assert f["fix"] or f["id"].startswith(("npu.smi",)), f


# --- CANN layouts from rules/compat/cann.yaml --------------------------------------------------------------
def test_pip_installed_cann_is_found_in_the_target_environment(tmp_path):
    """`pip install ascend-cann-toolkit==8.5.0` puts CANN in <site-packages>/ascend/cann-8.5.0 (CANN install guide)."""
    site = "/env/lib/python3.11/site-packages"
    d = site + "/ascend/cann-8.5.0"
    from test_check_helpers import write

    write(tmp_path, d + "/aarch64-linux/ascend_toolkit_install.info",
          "package_name=Ascend-cann-toolkit\nversion=8.5.0\narch=aarch64\nos=linux\npath={}\n".format(d))
    write(tmp_path, d + "/aarch64-linux/ascend_ops_install.info",
          "package_name=Ascend-cann-910b-ops\nversion=8.5.0\narch=aarch64\nos=linux\npath={}\n".format(d))
    write(tmp_path, d + "/set_env.sh", "# set_env\n")
    env = fake_env("3.11.7", {"mindspore": "2.7.2", "numpy": "1.26.4", "ascend-cann-toolkit": "8.5.0"})
    env["distributions"]["ascend-cann-toolkit"]["location"] = site
    f = run(tmp_path, environment=env, only=["cann", "mindspore.cann"])
    assert f["cann.locate"]["status"] == "ok" and "CANN 8.5.0 at {} (pip-installed)".format(d) == f["cann.locate"]["detail"]
    assert f["cann.kernels"]["status"] == "ok"
    assert f["cann.env_sourced"]["fix"][0] == "source {}/set_env.sh".format(d)
    assert f["mindspore.cann"]["status"] == "ok"


def test_install_path_recorded_under_etc_ascend(tmp_path):
    from test_check_helpers import write

    write(tmp_path, "/etc/Ascend/ascend_cann_install.info", "Install_Path=/opt/ascend\n")
    d = "/opt/ascend/cann-8.5.0"
    write(tmp_path, d + "/x86_64-linux/ascend_toolkit_install.info", "package_name=Ascend-cann-toolkit\nversion=8.5.0\n")
    (tmp_path / "opt/ascend/cann").symlink_to("cann-8.5.0")
    f = run(tmp_path, only=["cann.locate"])
    assert "CANN 8.5.0 at /opt/ascend/cann" in f["cann.locate"]["detail"]


@pytest.mark.parametrize("toolkit,ops,status", [
    ("9.1.0", "9.1.1", "ok"),      # CANN 9 versions toolkit and ops separately: the same line is enough
    ("9.1.0", "9.0.0", "error"),
    ("8.5.0", "8.5.1", "error"),   # CANN 8.5: toolkit and ops of the same version
    ("8.5.0", "8.5.0", "ok"),
])
def test_ops_package_version_rule_per_cann_line(tmp_path, toolkit, ops, status):
    add_devices(tmp_path, 1)
    add_pci(tmp_path, 1)
    home = add_cann85(tmp_path, version=toolkit, ops_version=ops)
    f = run(tmp_path, env=sourced_env(home), only=["cann.kernels"])
    assert f["cann.kernels"]["status"] == status, f["cann.kernels"]["detail"]
    if status == "error":
        assert "Ascend-cann-910b-ops_{}_linux-$(uname -m).run".format(toolkit) in f["cann.kernels"]["fix"][0]
