"""The Kubernetes manifests in deploy/k8s: invariants (fast) and the Kubernetes schema (full tier, with
kubernetes-validate from PyPI, which ships the schemas in its wheel)."""

import subprocess
from pathlib import Path

import pytest
import yaml

from test_fleet_helpers import ROOT

K8S = ROOT.parent / "deploy" / "k8s"
MANIFESTS = sorted(K8S.glob("*.yaml"))
VALIDATOR = ["kubernetes-validate==1.37.0"]


def _docs(path):
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def _pod_spec(doc):
    return doc["spec"]["template"]["spec"]


def test_manifests_exist():
    assert [p.name for p in MANIFESTS] == ["ascendfix-check-daemonset.yaml", "ascendfix-check-job.yaml"]


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_pods_read_the_host_read_only_and_write_nothing_on_it(path):
    workloads = [d for d in _docs(path) if d["kind"] in ("DaemonSet", "Job")]
    assert len(workloads) == 1
    spec = _pod_spec(workloads[0])
    host_paths = {v["name"]: v["hostPath"] for v in spec["volumes"] if "hostPath" in v}
    assert {"/usr/local/Ascend/driver", "/usr/local/bin/npu-smi", "/etc/ascend_install.info"} <= {
        h["path"] for h in host_paths.values()}
    assert all(h["type"] in ("Directory", "File") for h in host_paths.values())  # never *OrCreate
    containers = spec.get("initContainers", []) + spec["containers"]
    check = [c for c in containers if c["name"] == "check"][0]
    assert check["command"][:2] == ["sh", "-c"] and check["command"][2].startswith("ascendfix check --json")
    assert check["command"][2].endswith("|| [ $? -eq 1 ]")  # issues found still completes; 2/3 fail
    for m in check["volumeMounts"]:
        if m["name"] in host_paths:
            assert m.get("readOnly") is True, m
    assert spec["nodeSelector"] == {"accelerator": "huawei-Ascend910"}
    assert [e["valueFrom"]["fieldRef"]["fieldPath"] for e in check["env"] if e["name"] == "ASCENDFIX_NODE_NAME"] == [
        "spec.nodeName"]


def test_job_takes_every_npu_of_its_node_and_one_pod_per_node():
    job = [d for d in _docs(K8S / "ascendfix-check-job.yaml") if d["kind"] == "Job"][0]
    spec = _pod_spec(job)
    res = spec["containers"][0]["resources"]
    assert res["limits"]["huawei.com/Ascend910"] == res["requests"]["huawei.com/Ascend910"] == 8
    assert job["spec"]["parallelism"] == job["spec"]["completions"]
    term = spec["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    assert "--out /reports" in spec["containers"][0]["command"][2]


def test_daemonset_takes_no_npu():
    ds = [d for d in _docs(K8S / "ascendfix-check-daemonset.yaml") if d["kind"] == "DaemonSet"][0]
    for c in _pod_spec(ds)["initContainers"] + _pod_spec(ds)["containers"]:
        assert not any(k.startswith("huawei.com/") for k in (c.get("resources") or {}).get("limits", {}))


@pytest.mark.full
@pytest.mark.parametrize("version", ["1.28.0", "1.37.0"])
def test_manifests_validate_against_the_kubernetes_schema(version, tmp_path):
    from support import framework_venv

    exe = Path(framework_venv("kubernetes-validate-1.37", VALIDATOR)).parent / "kubernetes-validate"
    r = subprocess.run([str(exe), "--strict", "-k", version] + [str(p) for p in MANIFESTS],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("passed for resource") == 5
    # the validator does reject a broken manifest: a misspelt field, a string where a number belongs
    text = (K8S / "ascendfix-check-job.yaml").read_text()
    for broken, needle in ((text.replace("volumeMounts:", "volumeMount:", 1), "volumeMount"),
                           (text.replace("backoffLimit: 0", "backoffLimit: none"), "backoffLimit")):
        bad = tmp_path / "bad.yaml"
        bad.write_text(broken)
        r = subprocess.run([str(exe), "--strict", "-k", version, str(bad)], capture_output=True, text=True,
                           timeout=600)
        assert r.returncode != 0 and needle in r.stdout + r.stderr, r.stdout
