"""`ascendfix check --out DIR` under launchers: DIR/<host>-<rank>.json from local rank 0 only, redaction,
nothing written on the node but the report; launcher detection examples from rules/fleet/launchers.yaml."""

import json
import os

import pytest

from ascendfix.check import node
from ascendfix.cli import main
from test_fleet_helpers import make_node

LAUNCH_VARS = sorted({v for spec in node.launchers() for v in spec["detect"] + [
    spec["rank"], spec.get("local_rank") or "", spec.get("world_size") or "", spec.get("node_rank") or "",
    spec.get("rank_fallback") or ""] if v} | {"MS_ROLE"})


def _examples():
    return [pytest.param(spec, ex, id="{}:{}".format(spec["id"], i))
            for spec in node.launchers() for i, ex in enumerate(spec["examples"])]


@pytest.mark.parametrize("spec,example", _examples())
def test_launcher_examples(spec, example):
    got = node.launcher_from_env(example["env"])
    want = example["expect"]
    if want is None:
        assert got is None
        return
    assert got["launcher"] == want["launcher"] and got["rank"] == want["rank"]
    for key in ("local_rank", "world_size", "node_rank"):
        if key in want:
            assert got.get(key) == want[key], key
    assert got["skip"] == want.get("skip", False)


@pytest.fixture
def clean_env(own_python_first):  # the node's check: the same PATH as a run_cli command line
    monkeypatch = own_python_first
    for v in LAUNCH_VARS:
        monkeypatch.delenv(v, raising=False)
    return monkeypatch


def _tree(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def _check(root, out, *extra):
    return main(["check", "--json", "--only", "hccl", "npu.devices", "--root", str(root), "--out", str(out)] +
                list(extra))


def test_torchrun_local_rank_0_writes_host_rank_json(tmp_path, clean_env, capsys):
    root = tmp_path / "root"
    make_node(root, host="node-a", devices=2, ip_set="kg-parse")
    before = _tree(root)
    for k, v in {"TORCHELASTIC_RUN_ID": "job1", "RANK": "8", "LOCAL_RANK": "0", "WORLD_SIZE": "16",
                 "GROUP_RANK": "1", "HCCL_CONNECT_TIMEOUT": "1200", "ASCEND_ACCESS_KEY": "AK-s3cr3t",
                 "MINDIE_MODEL_URL": "https://alice:pw0rd@models.example.org/sdxl"}.items():
        clean_env.setenv(k, v)
    rc = _check(root, tmp_path / "reports")
    printed = json.loads(capsys.readouterr().out)
    assert rc in (0, 1)
    files = sorted(os.listdir(str(tmp_path / "reports")))
    assert files == ["node-a-8.json"]
    doc = json.loads((tmp_path / "reports" / "node-a-8.json").read_text())
    assert doc == printed
    assert doc["node"]["rank"] == {"launcher": "torchrun", "title": "torchrun (torch.distributed.run)", "rank": 8,
                                   "local_rank": 0, "world_size": 16, "node_rank": 1}
    env = doc["node"]["env"]
    assert env["HCCL_CONNECT_TIMEOUT"] == "1200" and env["ASCEND_ACCESS_KEY"] == "***"
    assert env["MINDIE_MODEL_URL"] == "https://***@models.example.org/sdxl"
    text = (tmp_path / "reports" / "node-a-8.json").read_text()
    assert "s3cr3t" not in text and "pw0rd" not in text
    assert _tree(root) == before  # nothing written on the node but the report


def test_other_local_ranks_write_nothing_unless_all_ranks(tmp_path, clean_env, capsys):
    root = tmp_path / "root"
    make_node(root, host="node-a", devices=2, ip_set="kg-parse")
    for k, v in {"TORCHELASTIC_RUN_ID": "job1", "RANK": "9", "LOCAL_RANK": "1", "WORLD_SIZE": "16"}.items():
        clean_env.setenv(k, v)
    assert _check(root, tmp_path / "reports") == 0
    doc = json.loads(capsys.readouterr().out)
    assert "local rank 1 writes nothing" in doc["skipped"]
    assert not (tmp_path / "reports").exists()
    assert _check(root, tmp_path / "reports", "--all-ranks") in (0, 1)
    capsys.readouterr()
    assert os.listdir(str(tmp_path / "reports")) == ["node-a-9.json"]


def test_msrun_scheduler_writes_nothing(tmp_path, clean_env, capsys):
    root = tmp_path / "root"
    make_node(root, host="node-a", devices=2, ip_set="kg-parse")
    clean_env.setenv("MS_ROLE", "MS_SCHED")
    clean_env.setenv("RANK_ID", "0")
    assert main(["check", "--only", "npu.devices", "--root", str(root), "--out", str(tmp_path / "r")]) == 0
    assert "not a worker" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_without_a_launcher_the_report_is_named_by_host(tmp_path, clean_env, capsys):
    root = tmp_path / "root"
    make_node(root, host="gpu node/7", devices=2, ip_set="kg-parse")
    assert main(["check", "--only", "npu.devices", "--root", str(root), "--out", str(tmp_path / "r")]) in (0, 1)
    assert "report written to" in capsys.readouterr().out
    assert os.listdir(str(tmp_path / "r")) == ["gpu_node_7.json"]


def test_unwritable_out_is_one_line_exit_2(tmp_path, clean_env, capsys):
    root = tmp_path / "root"
    make_node(root, host="node-a", devices=2, ip_set="kg-parse")
    (tmp_path / "afile").write_text("x")
    assert main(["check", "--only", "npu.devices", "--root", str(root), "--out", str(tmp_path / "afile" / "sub")]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and len(err.strip().splitlines()) == 1


def test_redaction_helpers():
    assert node.redact_value("HCCL_BUFFSIZE", "200") == "200"
    assert node.redact_value("MS_SECRET", "x") == "***"
    assert node.redact_value("ASCEND_CACHE_URL", "http://u:p@h:8080/x") == "http://***@h:8080/x"
    sel = node.collect_env({"PATH": "/usr/bin", "HCCL_IF_IP": "10.0.0.1", "AWS_SECRET_ACCESS_KEY": "x",
                            "RANK": "0", "LD_LIBRARY_PATH": "/a"})
    assert sel == {"HCCL_IF_IP": "10.0.0.1", "LD_LIBRARY_PATH": "/a", "RANK": "0"}


def test_a_failing_part_of_the_node_section_does_not_lose_the_report(tmp_path, clean_env, capsys, monkeypatch):
    from ascendfix.check import checks_hccl

    def boom(ctx):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(checks_hccl, "node_facts", boom)
    root = tmp_path / "root"
    make_node(root, host="node-a", devices=2, ip_set="kg-parse")
    assert main(["check", "--json", "--only", "npu.devices", "--root", str(root), "--out", str(tmp_path / "r")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["node"]["hccl"] is None and doc["node"]["errors"] == ["hccl: RuntimeError: simulated bug"]
    assert doc["node"]["cann"]["version"] == "8.0.0"
    assert os.listdir(str(tmp_path / "r")) == ["node-a.json"]


def test_check_documents_with_node_and_skipped_follow_the_schema(tmp_path, clean_env, capsys):
    import jsonschema

    from test_fleet_helpers import ROOT, RANK_TABLE_PATH, rank_table

    schema = json.loads((ROOT.parent / "schemas" / "check.schema.json").read_text(encoding="utf-8"))
    v = jsonschema.Draft202012Validator(schema)
    root = tmp_path / "root"
    make_node(root, host="node-a", devices=2, ip_set="kg-parse", rank_table_text=rank_table([("node-a", "kg-parse", 2)]))
    for k, v_ in {"TORCHELASTIC_RUN_ID": "j", "RANK": "3", "LOCAL_RANK": "0", "RANK_TABLE_FILE": RANK_TABLE_PATH}.items():
        clean_env.setenv(k, v_)
    _check(root, tmp_path / "r")
    doc = json.loads(capsys.readouterr().out)
    assert doc["node"]["hccl"]["rank_table"]["server_count"] == 1
    assert [e.message[:200] for e in v.iter_errors(doc)] == []
    clean_env.setenv("LOCAL_RANK", "1")
    _check(root, tmp_path / "r")
    doc = json.loads(capsys.readouterr().out)
    assert "skipped" in doc and [e.message[:200] for e in v.iter_errors(doc)] == []
