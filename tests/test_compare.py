"""`ascendfix compare`: exactly the planted differences, identical nodes exit 0, msprechecker dumps, Ansible tree
results, collisions of per-node values, redaction, bad input."""

import json

import pytest

from ascendfix.cli import main
from ascendfix.compare import compare_paths
from test_fleet_helpers import FLEET, RANK_TABLE_PATH, make_node, rank_table, report

DUMPS = FLEET / "msprechecker"
TABLE = rank_table([("node-a", "worker0", 2), ("node-b", "worker9", 2), ("node-c", "kg-parse", 2)])
BASE_ENV = {"RANK_TABLE_FILE": RANK_TABLE_PATH, "HCCL_CONNECT_TIMEOUT": "1200", "HCCL_EXEC_TIMEOUT": "1800",
            "ASCEND_ACCESS_KEY": "AK-s3cr3t", "LD_LIBRARY_PATH": "/usr/local/Ascend/driver/lib64/driver"}
PKGS = {"torch": "2.1.0", "torch-npu": "2.1.0.post8", "numpy": "1.26.4"}


def _node(tmp_path, host, ip_set, cann="8.0.0", driver="24.1.rc3", env=None, packages=None, **kw):
    root = tmp_path / host
    cmds = make_node(root, host=host, cann=cann, driver=driver, devices=2, ip_set=ip_set, rank_table_text=TABLE, **kw)
    doc = report(root, dict(BASE_ENV, **(env or {})), cmds, packages=packages or PKGS, only=["hccl", "cann", "npu"])
    out = tmp_path / "reports" / (host + ".json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(doc), encoding="utf-8")
    return out


def _failing(rep):
    return sorted(r["item"] for r in rep.to_dict()["differences"] if r["fails"])


def test_names_exactly_the_planted_differences(tmp_path, capsys):
    _node(tmp_path, "node-a", "worker0")
    _node(tmp_path, "node-b", "worker9", cann="8.3.RC2", driver="23.0.7", env={"HCCL_CONNECT_TIMEOUT": "600"},
          packages=dict(PKGS, numpy="2.0.1"))
    _node(tmp_path, "node-c", "kg-parse")
    rep = compare_paths([str(tmp_path / "reports")])
    assert _failing(rep) == ["cann.version", "driver.version", "env.HCCL_CONNECT_TIMEOUT", "package.numpy"]
    row = {r["item"]: r for r in rep.to_dict()["differences"]}["env.HCCL_CONNECT_TIMEOUT"]
    assert row["values"] == {"node-a": "1200", "node-b": "600", "node-c": "1200"}
    assert row["group"] == "HCCL environment" and row["policy"] == "match"
    assert main(["compare", str(tmp_path / "reports")]) == 1
    out = capsys.readouterr().out
    assert "Must match across nodes — 4 item(s) differ" in out
    assert "s3cr3t" not in out


def test_identical_nodes_exit_0(tmp_path, capsys):
    _node(tmp_path, "node-a", "worker0")
    _node(tmp_path, "node-c", "kg-parse")
    rep = compare_paths([str(tmp_path / "reports")])
    assert rep.ok and _failing(rep) == []
    shown = {r["item"] for r in rep.to_dict()["differences"]}
    assert shown == {"host"}  # device IPs and rank-table servers differ by design: unique, no collision
    assert main(["compare", str(tmp_path / "reports" / "node-a.json"), str(tmp_path / "reports" / "node-c.json"),
                 "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["ok"] is True and doc["summary"]["must_match_differences"] == 0


def test_per_node_values_must_not_collide(tmp_path):
    _node(tmp_path, "node-a", "worker0", env={"HCCL_IF_IP": "10.20.0.11"})
    _node(tmp_path, "node-b", "worker0", env={"HCCL_IF_IP": "10.20.0.11"})  # same device IPs and host IP as node-a
    rep = compare_paths([str(tmp_path / "reports")])
    rows = {r["item"]: r for r in rep.to_dict()["differences"] if r["fails"]}
    assert set(rows) == {"env.HCCL_IF_IP", "hccl.device_ip", "hccl.server_id"}
    assert rows["env.HCCL_IF_IP"]["policy"] == "unique"
    assert "configured on more than one node" in rows["hccl.device_ip"]["note"]
    assert not rep.ok


def test_msprechecker_dumps_planted_differences():
    rep = compare_paths([str(DUMPS)])
    assert [n.kind for n in rep.nodes] == ["msprechecker"] * 3
    assert _failing(rep) == ["ascend.atb", "driver.version", "env.HCCL_CONNECT_TIMEOUT"]
    assert {r["item"] for r in rep.to_dict()["differences"] if not r["fails"]} == {"host"}
    text = json.dumps(rep.to_dict())
    assert "s3cr3t" not in text and "MY_SERVICE_TOKEN" not in text


def test_msprechecker_identical_pair_exits_0(capsys):
    assert main(["compare", str(DUMPS / "node-a.json"), str(DUMPS / "node-c.json")]) == 0
    assert "every must-match item is identical" in capsys.readouterr().out


def test_mixed_report_and_dump_compare_only_what_both_have(tmp_path):
    report_path = _node(tmp_path, "node-a", "worker0")
    rep = compare_paths([str(report_path), str(DUMPS / "node-b.json")])
    items = {r["item"] for r in rep.to_dict()["differences"]}
    assert "driver.version" in items and not any(i.startswith("package.") for i in items)
    assert not any(i.startswith("npu.") for i in items)


def test_ansible_tree_results_are_unwrapped(tmp_path):
    a = _node(tmp_path, "node-a", "worker0")
    b = _node(tmp_path, "node-b", "worker9", env={"HCCL_CONNECT_TIMEOUT": "600"})
    tree = tmp_path / "tree"
    tree.mkdir()
    for host, path in (("node-a", a), ("node-b", b)):  # `ansible ... --tree DIR`: one file per host, no extension
        (tree / host).write_text(json.dumps({"changed": True, "cmd": ["ascendfix", "check", "--json"], "rc": 1,
                                             "stdout": path.read_text(), "stderr": ""}))
    (tree / "node-x").write_text(json.dumps({"changed": False, "rc": 127, "cmd": "ascendfix check --json",
                                             "stdout": "", "msg": "[Errno 2] No such file or directory"}))
    rep = compare_paths([str(tree)])
    assert [n.id for n in rep.nodes] == ["node-a", "node-b"]
    assert _failing(rep) == ["env.HCCL_CONNECT_TIMEOUT"]
    assert any("node-x" in n and "No such file or directory" in n for n in rep.notes)


@pytest.mark.parametrize("files,needle", [
    (["one"], "compare needs at least two node reports, got 1"),
    (["one", "notreport"], "not an ascendfix check report or a msprechecker dump"),
    (["one", "notjson"], "not JSON"),
    (["one", "nosuch"], "no such file or folder"),
    (["one", "old"], "has no node section"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, capsys, files, needle):
    one = _node(tmp_path, "node-a", "worker0")
    paths = {"one": one, "notreport": tmp_path / "x.json", "notjson": tmp_path / "y.json",
             "nosuch": tmp_path / "missing.json", "old": tmp_path / "old.json"}
    (tmp_path / "x.json").write_text('{"hello": 1}')
    (tmp_path / "y.json").write_text("{oops")
    (tmp_path / "old.json").write_text(json.dumps({"findings": [], "summary": {}}))
    assert main(["compare"] + [str(paths[f]) for f in files]) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1


def test_non_reports_in_a_folder_are_skipped_with_a_note(tmp_path):
    _node(tmp_path, "node-a", "worker0")
    _node(tmp_path, "node-c", "kg-parse")
    (tmp_path / "reports" / "README.json").write_text('{"what": "not a report"}')
    (tmp_path / "reports" / "node-z.json").write_text(json.dumps({"skipped": "local rank 1 writes nothing"}))
    rep = compare_paths([str(tmp_path / "reports")])
    assert len(rep.nodes) == 2 and rep.ok
    assert sum(n.startswith("skipped") for n in rep.notes) == 2


def test_many_nodes_render_by_value(tmp_path, capsys):
    for i in range(7):
        _node(tmp_path, "node-{}".format(i), "worker0" if i % 2 else "worker9",
              env={"HCCL_CONNECT_TIMEOUT": "600" if i == 3 else "1200"}, hccn_conf=True)
    assert main(["compare", str(tmp_path / "reports"), "--must-match-only"]) == 1
    out = capsys.readouterr().out
    assert "1200: node-0, node-1, node-2, node-4, node-5, node-6" in out and "600: node-3" in out


def test_pod_logs_with_stray_lines_are_read(tmp_path):
    a = _node(tmp_path, "node-a", "worker0")
    c = _node(tmp_path, "node-c", "kg-parse")
    logs = tmp_path / "logs"
    logs.mkdir()
    for p in (a, c):  # `kubectl logs pod > x.json` also carries the container's stderr lines
        (logs / p.name).write_text("W0102 12:00:00 some runtime warning\n" + p.read_text() + "\ntrailing line\n")
    rep = compare_paths([str(logs)])
    assert [n.id for n in rep.nodes] == ["node-a", "node-c"] and rep.ok


@pytest.mark.full
def test_msprechecker_own_compare_exits_0_on_the_same_differences(tmp_path):
    """The anchor: msprechecker 0.4.0's compare prints the differences of these dumps but exits 0; ours exits 1."""
    import subprocess
    import sys
    from pathlib import Path

    from support import framework_venv

    exe = Path(framework_venv("msprechecker-0.4.0", ["msprechecker==0.4.0"])).parent / "msprechecker"
    r = subprocess.run([str(exe), "compare", str(DUMPS / "node-a.json"), str(DUMPS / "node-b.json")],
                       capture_output=True, text=True, cwd=str(tmp_path), timeout=300)
    assert r.returncode == 0 and "HCCL_CONNECT_TIMEOUT" in r.stdout + r.stderr
    ours = subprocess.run([sys.executable, "-m", "ascendfix", "compare", str(DUMPS / "node-a.json"),
                           str(DUMPS / "node-b.json")], capture_output=True, text=True, timeout=300)
    assert ours.returncode == 1


def test_per_node_value_set_on_some_nodes_only_is_shown_not_failed(tmp_path):
    _node(tmp_path, "node-a", "worker0", env={"HCCL_IF_IP": "10.20.0.11"})
    _node(tmp_path, "node-c", "kg-parse")
    rep = compare_paths([str(tmp_path / "reports")])
    rows = {r["item"]: r for r in rep.to_dict()["differences"]}
    assert rep.ok and rows["env.HCCL_IF_IP"]["note"] == "set on some nodes only" and not rows["env.HCCL_IF_IP"]["fails"]


@pytest.mark.parametrize("item,policy", [
    ("cann.version", "match"), ("driver.version", "match"), ("firmware.version", "match"), ("npu.model", "match"),
    ("python.version", "match"), ("package.torch-npu", "match"), ("env.HCCL_CONNECT_TIMEOUT", "match"),
    ("env.HCCL_SOME_FUTURE_VAR", "match"), ("env.TASK_QUEUE_ENABLE", "match"), ("hccl.rank_table.sha256", "match"),
    ("env.HCCL_IF_IP", "unique"), ("hccl.device_ip.3", "unique"), ("hccl.server_id", "unique"),
    ("host", "free"), ("rank.rank", "free"), ("npu.health.0", "free"), ("hccl.link.5", "free"),
    ("env.RANK", "free"), ("env.LD_LIBRARY_PATH", "free"), ("check.errors", "free"), ("python.executable", "free"),
])
def test_what_must_match_and_what_may_differ(item, policy):
    from ascendfix.compare.engine import Classifier

    assert Classifier()(item)[1] == policy


def test_incomplete_reports_are_not_compared_where_they_have_nothing(tmp_path):
    a = _node(tmp_path, "node-a", "worker0")
    _node(tmp_path, "node-c", "kg-parse", cann="8.3.RC2")
    doc = json.loads(a.read_text())
    doc["node"]["cann"] = None
    doc["node"]["errors"] = ["cann: OSError: simulated"]
    a.write_text(json.dumps(doc))
    rep = compare_paths([str(tmp_path / "reports")])
    assert "cann.version" not in {r["item"] for r in rep.to_dict()["differences"]}
    assert any("node-a: part of its report is missing (cann: OSError: simulated)" == n for n in rep.notes)


def _schema_errors(verb, doc):
    from support import schema_validator  # the schema checked against the metaschema once per process

    return [e.message[:200] for e in schema_validator(verb).iter_errors(doc)]


def test_library_call_is_the_json_document_and_follows_the_schema(tmp_path, capsys):
    import ascendfix as af
    from ascendfix.compare.engine import CompareReport

    rep = af.compare(DUMPS)
    assert isinstance(rep, CompareReport) and capsys.readouterr().out == ""
    assert main(["compare", str(DUMPS), "--json"]) == rep.exit_code == 1 and not rep.ok
    printed = json.loads(capsys.readouterr().out)
    assert rep.to_dict() == printed and _schema_errors("compare", printed) == []
    assert [r["item"] for r in rep.failing] == ["ascend.atb", "driver.version", "env.HCCL_CONNECT_TIMEOUT"]
    assert main(["compare", str(DUMPS / "node-a.json"), "--json"]) == 2
    assert _schema_errors("compare", json.loads(capsys.readouterr().out)) == []


def test_verbose_lists_every_item_not_only_the_differences(tmp_path, capsys):
    _node(tmp_path, "node-a", "worker0")
    _node(tmp_path, "node-c", "kg-parse", env={"HCCL_CONNECT_TIMEOUT": "600"})
    reports = str(tmp_path / "reports")
    assert main(["compare", reports]) == 1
    quiet = capsys.readouterr().out
    assert main(["compare", reports, "-v"]) == 1
    loud = capsys.readouterr().out
    assert "cann.version" not in quiet and "The same on every node" not in quiet
    same = loud.split("The same on every node", 1)[1]
    for item, value in (("cann.version", "8.0.0"), ("driver.version", "24.1.rc3"), ("package.numpy", "1.26.4"),
                        ("env.HCCL_EXEC_TIMEOUT", "1800"), ("env.ASCEND_ACCESS_KEY", "***")):
        line = next(ln for ln in same.splitlines() if item in ln.split())
        assert value in line.split(), line
    assert "env.HCCL_CONNECT_TIMEOUT" not in same and "hccl.device_ip" not in same  # those differ
    assert "s3cr3t" not in loud
    assert str(tmp_path / "reports" / "node-a.json") in loud  # where each report came from
    assert main(["compare", reports, "-v", "--must-match-only"]) == 1
    strict = capsys.readouterr().out.split("The same on every node", 1)[1]
    assert "cann.version" in strict and "package.numpy" in strict and "host " not in strict
