"""Where Ascend errors really land: CANN log folders (plog / device logs), `--plog` discovery, several logs
at once (one per rank), and the plog / torch_npu / launcher line formats. Fixtures: tests/data/plog (see its
README for the public sources)."""

import json
import os
import shutil
from pathlib import Path

import pytest

from ascendfix.cli import main
from ascendfix.errors import AscendfixError
from ascendfix.explain import lines as L
from ascendfix.explain.operation import explain
from ascendfix.explain.sources import cann_logs, default_log_roots, rank_from_path, resolve

PLOG = Path(__file__).parent / "data" / "plog"
MODELARTS = PLOG / "modelarts_8p" / "process_log"


@pytest.fixture
def cli(capsys, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "250")

    def _run(*args):
        rc = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return rc, out, err

    return _run


# -- line formats ---------------------------------------------------------------------------------------
def test_plog_header_is_parsed():
    info = L.parse("[ERROR] HCCL(2717288,python3):2025-07-23-03:49:57.177.194 [hccl_socket_manager.cc:778] "
                   "[2734049][Wait][LinkEstablish]wait socket establish timeout, role[1] rank[12] timeout[120]")
    assert (info.level, info.module, info.pid, info.time) == ("ERROR", "HCCL", "2717288", "2025-07-23-03:49:57.177.194")
    assert info.message.startswith("[ERROR] HCCL(")  # the Ascend header is kept for the patterns
    ms = L.parse("[WARNING] ME(8310:139698865970048,MainProcess):2026-11-21-23:16:47.196.000 [mindspore/context.py:1412] x")
    assert (ms.level, ms.module, ms.pid) == ("WARNING", "ME", "8310") and ms.is_quiet_level


def test_torch_npu_and_errmsg_headers():
    t = L.parse("[rank1]: [ERROR] 2025-04-08-18:07:20 (PID:1292363, Device:1, RankID:1) ERR01100 OPS call acl api failed.")
    assert (t.rank, t.level, t.device, t.time) == ("1", "ERROR", "1", "2025-04-08-18:07:20")
    e = L.parse("EI0006: [PID: 1292363] 2025-04-08-18:07:20.444.436 Getting socket times out.")
    assert e.time == "2025-04-08-18:07:20.444.436" and e.is_error_level


@pytest.mark.parametrize("line,rank,rest", [
    ("[rank3]: RuntimeError: x", "3", "RuntimeError: x"),
    ("(Worker_TP3 pid=221636) ERROR 11-20 02:28:06 [multiproc_executor.py:671] The error from device", None,
     "The error from device"),
    ("(VllmWorker rank=2 pid=88) RuntimeError: y", "2", "RuntimeError: y"),
    ("2025-01-02T03:04:05.123456789Z RuntimeError: z", None, "RuntimeError: z"),
    ("2024-05-17 18:46:14,721 - mindone.diffusers - ERROR - failed", None, "failed"),
])
def test_launcher_prefixes_are_removed(line, rank, rest):
    info = L.parse(line)
    assert info.message == rest and info.rank == rank


def test_times_parse_across_formats():
    assert L.parse_time("2025-07-23-03:49:57.177.194").microsecond == 177194
    assert L.parse_time("2024-05-17 18:46:14,721").microsecond == 721000
    assert L.parse_time("11-20 02:28:06", year=2025).year == 2025
    assert L.parse_time("no time") is None


# -- discovery --------------------------------------------------------------------------------------------
def test_rank_from_file_and_folder_names():
    assert rank_from_path("logs/rank3.log") == "3"
    assert rank_from_path("msrun_log/worker_5.log") == "5"
    assert rank_from_path("out/attempt_0/7/stderr.log") == "7"
    assert rank_from_path("out/node0/rank_12/train.log") == "12"
    assert rank_from_path("plog/plog-11116_20230131024824451.log") is None


def test_cann_log_folder_layout_is_found():
    found = cann_logs(str(MODELARTS))
    kinds = sorted({k for _, k in found})
    assert kinds == ["device", "plog"]
    assert len(found) == 10
    assert all("plog-" in os.path.basename(p) or "device-" in os.path.basename(p) for p, _ in found)
    assert len(cann_logs(str(MODELARTS), max_files=3)) == 3


def test_newest_first_and_bounded(tmp_path):
    root = tmp_path / "log"
    shutil.copytree(str(MODELARTS), str(root))
    newest = root / "debug" / "plog" / "plog-11481_20230131024825182.log"
    os.utime(str(newest), (2_000_000_000, 2_000_000_000))
    assert cann_logs(str(root), max_files=1)[0][0] == str(newest)


def test_default_roots_follow_cann_order(tmp_path):
    env = {"ASCEND_PROCESS_LOG_PATH": "/a", "ASCEND_WORK_PATH": "/w", "HOME": "/h"}
    assert default_log_roots(env) == ["/a", "/w/log", "/w", "/h/ascend/log"]
    assert default_log_roots({"HOME": "/h"}) == ["/h/ascend/log"]


@pytest.mark.parametrize("var", ["ASCEND_PROCESS_LOG_PATH", "ASCEND_WORK_PATH", "HOME"])
def test_plog_flag_finds_the_folder(cli, tmp_path, monkeypatch, var):
    for v in ("ASCEND_PROCESS_LOG_PATH", "ASCEND_WORK_PATH"):
        monkeypatch.delenv(v, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "empty-home"))
    target = {"ASCEND_PROCESS_LOG_PATH": tmp_path / "pl", "ASCEND_WORK_PATH": tmp_path / "wp" / "log",
              "HOME": tmp_path / "home" / "ascend" / "log"}[var]
    shutil.copytree(str(MODELARTS), str(target))
    monkeypatch.setenv(var, str({"ASCEND_WORK_PATH": tmp_path / "wp", "HOME": tmp_path / "home"}.get(var, target)))
    rc, out, _ = cli("explain", "--json", "--plog")
    doc = json.loads(out)
    assert rc == 0 and len(doc["sources"]) == 10
    assert doc["first_failure"]["id"] == "AF045"


def test_plog_flag_without_logs_is_one_line_exit_2(cli, tmp_path, monkeypatch):
    for v in ("ASCEND_PROCESS_LOG_PATH", "ASCEND_WORK_PATH"):
        monkeypatch.delenv(v, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    rc, _, err = cli("explain", "--plog")
    assert rc == 2 and err.count("\n") == 1 and "no CANN logs found" in err


def test_resolve_targets(tmp_path):
    assert len(resolve([str(PLOG / "ranks_oom" / "rank*.log")])) == 2
    with pytest.raises(AscendfixError):
        resolve([str(tmp_path / "nothing-*.log")])
    srcs = resolve([str(PLOG / "ranks_oom")])
    assert sorted(s.rank_id for s in srcs) == ["0", "1"]


# -- several logs: the first failure and its consequences -----------------------------------------------
def test_cann_folder_names_the_first_failing_rank(cli):
    rc, out, _ = cli("explain", "--json", MODELARTS)
    doc = json.loads(out)
    ff = doc["first_failure"]
    assert rc == 0
    assert ff["id"] == "AF045" and ff["rank_id"] == "2" and ff["time"].startswith("2022-09-22-09:27:46")
    assert ff["source"].endswith("plog-11116_20230131024824451.log")
    assert doc["matches"][0]["id"] == "AF045" and doc["matches"][0]["category"] == "ascend_inner_error"
    timeouts = [m for m in doc["matches"] if m["id"] == "AF008"]
    assert timeouts and timeouts[0]["consequence_of"] == "AF045"
    assert {e["source"] for e in timeouts[0]["evidence"]} > {ff["source"]}  # seen on several ranks
    ranks = {s["rank_id"] for s in doc["sources"] if s["kind"] == "plog" and s["failed"]}
    assert ranks == {str(i) for i in range(8)}
    # the human report says the same in words
    rc, out, _ = cli("explain", MODELARTS)
    assert "First failure: rank 2" in out and "2022-09-22-09:27:46" in out and "consequence of AF045" in out


def test_a_rank_with_a_cause_beats_ranks_that_only_time_out(cli):
    """rank 1 ran out of NPU memory; rank 0 only shows the collective timeout that followed."""
    doc = json.loads(cli("explain", "--json", PLOG / "ranks_oom" / "rank0.log", PLOG / "ranks_oom" / "rank1.log")[1])
    assert doc["first_failure"]["rank_id"] == "1" and doc["first_failure"]["id"] == "AF004"
    assert [m["id"] for m in doc["matches"]][:2] == ["AF004", "AF037"]
    assert doc["matches"][1]["consequence_of"] == "AF004" and doc["matches"][1]["role"] == "consequence"
    assert doc["matches"][0]["category"] == "device_oom"


def test_only_timeouts_the_earliest_rank_is_named(cli):
    doc = json.loads(cli("explain", "--json", str(PLOG / "ranks_mismatch" / "rank*.log"))[1])
    ff = doc["first_failure"]
    assert ff["rank_id"] == "0" and ff["time"] == "2025-10-24-11:18:29.499.235" and ff["id"] == "AF037"
    assert doc["matches"][0]["category"] == "hccl"
    assert {e["source"].rsplit(os.sep, 1)[-1] for e in doc["matches"][0]["evidence"]} == {"rank0.log", "rank1.log"}


def test_two_nodes_of_link_timeouts(cli):
    doc = json.loads(cli("explain", "--json", PLOG / "transport_timeout")[1])
    assert doc["matches"][0]["id"] == "AF008" and doc["matches"][0]["category"] == "hccl"
    assert doc["first_failure"]["time"].startswith("2025-06-19-09:09:19")  # worker-0 failed 19 minutes earlier
    assert "worker-0" in doc["first_failure"]["source"]


def test_library_call_on_several_sources():
    report = explain([str(PLOG / "ranks_oom" / "rank0.log"), str(PLOG / "ranks_oom" / "rank1.log")], limit=None)
    assert report.ok and report.exit_code == 0
    assert report.first_failure["rank_id"] == "1"
    d = report.to_dict()
    assert list(d) == ["matches", "lines_read", "notes", "key_lines", "sources", "first_failure"]
    assert [s["top"]["role"] for s in d["sources"]] == ["consequence", "cause"]


def test_folder_with_cann_logs_and_a_run_log(tmp_path):
    """A job folder: the launcher's own log next to CANN's plog folder — both are read."""
    shutil.copytree(str(PLOG / "transport_timeout" / "worker-0" / "process_log"), str(tmp_path / "log"))
    shutil.copy(str(PLOG / "ranks_oom" / "rank1.log"), str(tmp_path / "train_rank1.log"))
    report = explain(str(tmp_path))
    kinds = sorted(r.source.kind for r in report.results)
    assert kinds == ["log", "plog", "plog"]
    assert report.first_failure["id"] == "AF004" and report.first_failure["rank_id"] == "1"
