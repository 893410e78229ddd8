"""The Ansible collection path, for real: ansible-core from PyPI runs deploy/ansible/ascendfix-check.yml (and the
README's ad-hoc one-liner) against three inventory hosts on this machine (ansible_connection=local), each
pointed at its own fake root (--root), recorded hccn_tool / npu-smi outputs (--command-output) and its own
Python environment (--python), so the nodes really differ; `ascendfix compare` must name exactly the planted
differences, and exit 0 on the two nodes that only differ where nodes may differ."""

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from test_fleet_helpers import (NPU_SMI_2X910B4, RANK_TABLE_PATH, ROOT, cann_env, command_flags, make_node,
                                rank_table)

ANSIBLE = ["ansible-core==2.19.14"]
PLAYBOOK = ROOT.parent / "deploy" / "ansible" / "ascendfix-check.yml"
NODES = {  # the planted differences: node-b has another CANN, driver, HCCL_CONNECT_TIMEOUT and an extra package
    "node-a": dict(ip_set="worker0", cann="8.0.0", driver="24.1.rc3", venv="plain", timeout="1200", if_ip="10.20.0.11"),
    "node-b": dict(ip_set="worker9", cann="8.3.RC2", driver="23.0.7", venv="six", timeout="600", if_ip="10.20.0.12"),
    "node-c": dict(ip_set="kg-parse", cann="8.0.0", driver="24.1.rc3", venv="plain", timeout="1200", if_ip="10.20.0.13"),
}
PLANTED = ["cann.version", "driver.version", "env.HCCL_CONNECT_TIMEOUT", "package.six"]


def _run(cmd, env=None, cwd=None, timeout=900):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env, cwd=cwd and str(cwd),
                          timeout=timeout)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Three fake nodes + a YAML inventory of local hosts; returns (workdir, inventory, ansible bin dir, env)."""
    from support import framework_venv

    ansible_bin = Path(framework_venv("ansible-core-2.19", ANSIBLE)).parent
    work = tmp_path_factory.mktemp("fleet-ansible")
    venvs = {"plain": work / "venv-plain", "six": work / "venv-six"}
    for v in venvs.values():
        r = _run([sys.executable, "-m", "venv", "--without-pip", v])
        assert r.returncode == 0, r.stderr
    r = _run([sys.executable, "-m", "pip", "--python", venvs["six"] / "bin" / "python", "install", "-q", "--no-deps",
              "--disable-pip-version-check", "six==1.16.0"])
    if r.returncode != 0:
        pytest.fail("could not install six into the node-b venv: " + r.stderr[-800:])
    table = rank_table([("node-a", "worker0", 2), ("node-b", "worker9", 2), ("node-c", "kg-parse", 2)])
    hosts = {}
    for host, n in NODES.items():
        root = work / "roots" / host
        cmds = make_node(root, host=host, cann=n["cann"], driver=n["driver"], devices=2, ip_set=n["ip_set"],
                         rank_table_text=table, npu_smi=NPU_SMI_2X910B4)
        args = ["--root", root, "--stack", "torch-npu", "--python", venvs[n["venv"]] / "bin" / "python"]
        args += command_flags(cmds)
        hosts[host] = {
            "ansible_connection": "local", "ansible_python_interpreter": sys.executable,
            "ascendfix_command": "{} -m ascendfix".format(shlex.quote(sys.executable)),
            "ascendfix_check_args": " ".join(shlex.quote(str(a)) for a in args),
            "ascendfix_env": dict(cann_env(), RANK_TABLE_FILE=RANK_TABLE_PATH, HCCL_CONNECT_TIMEOUT=n["timeout"],
                                  HCCL_IF_IP=n["if_ip"], ASCEND_ACCESS_KEY="AK-s3cr3t-{}".format(host)),
        }
    inventory = work / "inventory.yml"
    inventory.write_text(json.dumps({"all": {"hosts": hosts}}, indent=1))  # JSON is YAML
    env = dict(os.environ)
    env.pop("ASCENDFIX_DEBUG", None)
    env.update(NO_COLOR="1", ANSIBLE_NOCOLOR="1", ANSIBLE_HOME=str(work / ".ansible"),
               ANSIBLE_LOCAL_TEMP=str(work / ".ansible-local"), ANSIBLE_REMOTE_TEMP=str(work / ".ansible-remote"),
               ANSIBLE_HOST_KEY_CHECKING="False", PYTHONPATH=str(ROOT.parent))
    return work, inventory, ansible_bin, env


def _compare(*paths):
    r = _run([sys.executable, "-m", "ascendfix", "compare", "--json"] + list(paths))
    return r.returncode, json.loads(r.stdout)


def _failing(doc):
    return sorted(r["item"] for r in doc["differences"] if r["fails"])


@pytest.mark.full
def test_playbook_collects_differing_reports_and_compare_names_the_planted_differences(cluster):
    work, inventory, ansible_bin, env = cluster
    reports = work / "reports"
    r = _run([ansible_bin / "ansible-playbook", "-i", inventory, PLAYBOOK, "-e", "reports_dir={}".format(reports)],
             env=env)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert sorted(os.listdir(str(reports))) == ["node-a.json", "node-b.json", "node-c.json"]
    for host in NODES:
        doc = json.loads((reports / (host + ".json")).read_text())
        assert doc["node"]["host"] == host and doc["node"]["env"]["ASCEND_ACCESS_KEY"] == "***"
        assert "s3cr3t" not in (reports / (host + ".json")).read_text()
        assert doc["node"]["npu"]["model"] == "910B4-1" and doc["node"]["hccl"]["server_id"] == host
    rc, doc = _compare(reports)
    assert rc == 1 and _failing(doc) == PLANTED
    values = {r["item"]: r["values"] for r in doc["differences"]}
    assert values["cann.version"] == {"node-a": "8.0.0", "node-b": "8.3.RC2", "node-c": "8.0.0"}
    assert values["package.six"] == {"node-a": None, "node-b": "1.16.0", "node-c": None}
    rc, doc = _compare(reports / "node-a.json", reports / "node-c.json")
    assert rc == 0 and _failing(doc) == [] and doc["summary"]["ok"]
    # the fake roots are the "nodes": the playbook wrote nothing into them
    for host in NODES:
        assert not list((work / "roots" / host).rglob("*.json")) or all(
            p.name == "rank_table.json" for p in (work / "roots" / host).rglob("*.json"))


@pytest.mark.full
def test_adhoc_one_liner_with_the_tree_callback_feeds_compare(cluster):
    work, inventory, ansible_bin, env = cluster
    tree = work / "tree"
    # README: ANSIBLE_LOAD_CALLBACK_PLUGINS=1 ANSIBLE_CALLBACKS_ENABLED=ansible.builtin.tree \
    #         ANSIBLE_CALLBACK_TREE_DIR=reports ansible all -i inventory.ini -m ansible.builtin.command \
    #         -a "ascendfix check --json"      (the tree callback replaces the deprecated --tree flag)
    env = dict(env, ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_CALLBACKS_ENABLED="ansible.builtin.tree",
               ANSIBLE_CALLBACK_TREE_DIR=str(tree))
    cmd = "{} -m ascendfix check --json {{{{ ascendfix_check_args }}}}".format(shlex.quote(sys.executable))
    r = _run([ansible_bin / "ansible", "all", "-i", inventory, "-m", "ansible.builtin.command", "-a", cmd], env=env)
    # ascendfix check exits 1 when it finds issues, which ad-hoc ansible reports as a failed host; the tree keeps all
    assert tree.is_dir() and sorted(os.listdir(str(tree))) == ["node-a", "node-b", "node-c"], (
        r.stdout[-2000:] + r.stderr[-2000:])
    rc, doc = _compare(tree)
    # ad-hoc commands carry no per-host environment, so the HCCL variable is not among the differences here
    assert rc == 1 and _failing(doc) == ["cann.version", "driver.version", "package.six"]
