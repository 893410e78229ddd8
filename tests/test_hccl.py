"""HCCL readiness: hccn_tool outputs, rank tables and HCCL variables, on recorded real samples and fake roots."""

import json

import pytest

from ascendfix.check import checks_hccl, hcclparse
from test_fleet_helpers import (FLEET, HCCN, HEALTH_FAULT, HEALTH_INIT, IP_SETS, LINK_DOWN, RANK_TABLE_PATH,
                                make_node, rank_table, recorded_ip, report)


def _read(name):
    return (HCCN / name).read_text(encoding="utf-8")


# --- parsers on the recorded outputs -----------------------------------------------------------------
@pytest.mark.parametrize("name,expect", [
    ("mind-cluster-faultdiag-docs_link-g_up.txt", "UP"),
    ("driver-hccn-tool-docs_link-g_down.txt", "DOWN"),
])
def test_link(name, expect):
    assert hcclparse.parse_link(_read(name)) == expect


@pytest.mark.parametrize("name,expect", [
    ("mind-cluster-faultdiag-docs_net_health-g_init.txt", "Init"),
    ("mind-cluster-elastic-training_net_health-g_fault.txt", "Fault"),
    ("mind-cluster-elastic-training_net_health-g_success.txt", "Success"),
])
def test_net_health(name, expect):
    assert hcclparse.parse_net_health(_read(name)) == expect
    assert expect in hcclparse.NET_HEALTH


def test_ip_outputs_of_three_machines():
    got = {s: [hcclparse.parse_ip(_read(f)) for f in files] for s, files in IP_SETS.items()}
    assert got["worker0"][0] == {"address": "10.10.0.10", "netmask": "255.255.255.0"}
    assert [g["address"] for g in got["worker0"]] == ["10.10.0.1{}".format(i) for i in range(8)]
    assert got["worker9"][7] == {"address": "192.4.32.120", "netmask": "255.255.0.0"}
    assert got["kg-parse"][1]["address"] == "192.161.201.10"
    assert hcclparse.parse_ip(_read("driver-hccn-tool-cmd_ip-g_not-preset.txt")) == {}


def test_ping_summary_line():
    got = hcclparse.parse_ping(_read("mind-cluster-faq_ping-g_all-lost.txt"))
    assert got == {"transmitted": 3, "received": 0, "loss": 100.0}


def test_hccn_conf_parser_keeps_every_key_per_device():
    conf = hcclparse.parse_hccn_conf("address_0=29.1.137.205\nnetmask_0=255.255.0.0\nnetdetect_0=29.1.0.1\n"
                                     "gateway_0=29.1.0.1\nsend_arp_status_0=1\n# comment\nbogus\naddress_7=29.1.170.143\n")
    assert conf[0] == {"address": "29.1.137.205", "netmask": "255.255.0.0", "netdetect": "29.1.0.1",
                       "gateway": "29.1.0.1", "send_arp_status": "1"}
    assert conf[7] == {"address": "29.1.170.143"}


# --- rule files: every entry runs its own examples ------------------------------------------------
def _env_examples():
    return [pytest.param(r, ex, id="{}:{}".format(r["id"], i))
            for r in checks_hccl.env_rules() for i, ex in enumerate(r["examples"])]


@pytest.mark.parametrize("rule,example", _env_examples())
def test_hccl_env_rule_examples(rule, example):
    status, detail, _ = checks_hccl.eval_env_rule(rule, example["env"])
    assert status == example["expect"], (detail, example)


def _hccn_examples():
    return [pytest.param(r, ex, id="{}:{}".format(r["id"], i))
            for r in checks_hccl.hccn_rules().values() for i, ex in enumerate(r["examples"])]


@pytest.mark.parametrize("rule,example", _hccn_examples())
def test_hccn_rule_examples(rule, example):
    out = example["output"]
    value = {"link": hcclparse.parse_link, "net_health": hcclparse.parse_net_health}.get(rule["parse"])
    if rule["parse"] == "ip":
        got = "set" if hcclparse.parse_ip(out) else "unset"
    elif rule["parse"] == "ping":
        p = hcclparse.parse_ping(out)
        got = "all" if p["received"] == p["transmitted"] else ("none" if p["received"] == 0 else "some")
    else:
        got = value(out)
    status = (rule["states"].get(got) or rule["other"])["status"]
    assert status == example["expect"]


def test_rules_cite_sources():
    for r in checks_hccl.env_rules() + list(checks_hccl.hccn_rules().values()):
        assert r["source"] and all(s.startswith("https://") for s in r["source"]), r["id"]
        assert r["examples"], r["id"]


# --- recorded rank tables -------------------------------------------------------------------------
def _table(name):
    doc, err = hcclparse.load_rank_table((FLEET / "ranktable" / name).read_text(encoding="utf-8"))
    return doc, err


def test_recorded_a3_table_version_1_2_is_valid():
    doc, err = _table("mind-cluster-faultdiag-docs_a3_v1.2.json")
    s = hcclparse.summarize_rank_table(doc)
    assert err is None and s["problems"] == []
    assert (s["version"], len(s["servers"]), s["rank_count"]) == ("1.2", 1, 16)
    assert hcclparse.device_ips_of(s)["10.0.3.48"] == ("141.61.57.128", 15)


def test_documentation_tables_with_placeholders_are_rejected():
    doc, _ = _table("mindspore-docs_rank_table_8pcs.json")
    probs = hcclparse.summarize_rank_table(doc)["problems"]
    assert len(probs) == 1 and "8 device(s) is a documentation placeholder" in probs[0][1]
    doc, _ = _table("mindspore-docs_rank_table_16pcs.json")
    texts = [p[1] for p in hcclparse.summarize_rank_table(doc)["problems"]]
    assert any("server_id '10.*.*.*' appears twice" in t for t in texts)


def test_table_copied_with_comments_is_not_json_and_says_why():
    doc, err = _table("hccl-docs_a2_v1.0_with-comments.json")
    assert doc is None and "comments are not allowed in JSON" in err


@pytest.mark.parametrize("mutate,needle", [
    (lambda d: d.update(status="initializing"), "status is 'initializing'"),
    (lambda d: d.update(server_count="3"), "server_count is 3 but server_list has 2"),
    (lambda d: d["server_list"][1]["device"][0].update(rank_id="0"), "rank_id 0 appear(s) more than once"),
    (lambda d: d["server_list"][1]["device"][0].update(device_ip=d["server_list"][0]["device"][0]["device_ip"]),
     "is used twice"),
    (lambda d: d["server_list"][0]["device"][1].update(device_id="0"), "device_id 0 appears twice"),
    (lambda d: (d["server_list"][0]["device"][1].update(rank_id="15"), d["server_list"][1]["device"][7].update(
        rank_id="1")), "must be consecutive"),
    (lambda d: d.update(version="1.1"), "version '1.1' is not a rank table version"),
    (lambda d: d["server_list"][1]["device"][2].pop("device_ip"), "has no device_ip"),
])
def test_rank_table_field_errors(mutate, needle):
    doc = json.loads(rank_table([("node-a", "worker0", 8), ("node-b", "worker9", 8)]))
    assert hcclparse.summarize_rank_table(doc)["problems"] == []
    mutate(doc)
    texts = [p[1] for p in hcclparse.summarize_rank_table(doc)["problems"] if p[0] == "error"]
    assert any(needle in t for t in texts), texts


def test_version_1_2_needs_super_device_id():
    doc = json.loads(rank_table([("node-a", "worker0", 2)], version="1.2"))
    texts = [p[1] for p in hcclparse.summarize_rank_table(doc)["problems"]]
    assert any("no super_device_id" in t for t in texts)


# --- the checks on fake node roots ------------------------------------------------------------------
TABLE = rank_table([("node-a", "worker0", 8), ("node-b", "worker9", 8)])


def _hccl(tmp_path, env=None, **kw):
    cmds = make_node(tmp_path / "root", **kw)
    env = dict({"RANK_TABLE_FILE": RANK_TABLE_PATH}, **(env or {}))
    doc = report(tmp_path / "root", env, cmds, only=["hccl"])
    return doc, {f["id"]: f for f in doc["findings"]}


def test_healthy_node_of_a_two_server_job(tmp_path):
    doc, by_id = _hccl(tmp_path, rank_table_text=TABLE, env={"HCCL_CONNECT_TIMEOUT": "1200"})
    assert doc["summary"]["ok"], [f["detail"] for f in doc["findings"] if f["status"] != "ok"]
    assert "this node is server node-a (found by device IPs), 8 device(s) match" in by_id["hccl.ranktable"]["detail"]
    assert by_id["hccn.link"]["detail"] == "hccn_tool -link -g: NPU 0,1,2,3,4,5,6,7 UP"
    assert by_id["hccl.HCCL_CONNECT_TIMEOUT"]["status"] == "ok"
    h = doc["node"]["hccl"]
    assert h["server_id"] == "node-a" and h["device_ip"]["7"] == "10.10.0.17"
    assert h["rank_table"]["server_count"] == 2 and len(h["rank_table"]["sha256"]) == 64


def test_rank_table_ip_disagreeing_with_hccn_conf_is_EI0014(tmp_path):
    doc = json.loads(TABLE)
    doc["server_list"][0]["device"][3]["device_ip"] = "10.10.0.99"
    _, by_id = _hccl(tmp_path, rank_table_text=json.dumps(doc))
    f = by_id["hccl.ranktable"]
    assert f["status"] == "error" and "(EI0014)" in f["detail"]
    assert "device 3: rank table says 10.10.0.99, /etc/hccn.conf says 10.10.0.13" in f["detail"]


def test_node_missing_from_rank_table(tmp_path):
    _, by_id = _hccl(tmp_path, host="node-x", ip_set="kg-parse", devices=2, rank_table_text=TABLE)
    assert by_id["hccl.ranktable"]["status"] == "warn" and "this node is not in it" in by_id["hccl.ranktable"]["detail"]


def test_entry_per_visible_device(tmp_path):
    _, by_id = _hccl(tmp_path, rank_table_text=TABLE, env={"ASCEND_RT_VISIBLE_DEVICES": "0,1,2,3"})
    f = by_id["hccl.ranktable"]
    assert f["status"] == "warn" and "lists device(s) [0, 1, 2, 3, 4, 5, 6, 7] but this node has [0, 1, 2, 3]" in f["detail"]


def test_missing_and_broken_rank_table_files(tmp_path):
    _, by_id = _hccl(tmp_path / "a")
    assert by_id["hccl.ranktable"]["status"] == "error" and "cannot read /etc/hccl/rank_table.json" in by_id[
        "hccl.ranktable"]["detail"]
    text = (FLEET / "ranktable" / "hccl-docs_a2_v1.0_with-comments.json").read_text(encoding="utf-8")
    _, by_id = _hccl(tmp_path / "b", rank_table_text=text)
    assert "comments are not allowed in JSON" in by_id["hccl.ranktable"]["detail"]


def test_link_down_and_unhealthy_ports_name_the_npus(tmp_path):
    doc, _ = _hccl(tmp_path, rank_table_text=TABLE, link={5: LINK_DOWN}, health={2: HEALTH_FAULT, 6: HEALTH_INIT})
    bad = [(f["id"], f["status"], f["detail"]) for f in doc["findings"] if f["status"] != "ok"]
    assert ("hccn.link", "error", "hccn_tool -link -g: NPU 5 DOWN — the NPU's RoCE port is down: check the optical "
            "module, the cable and the switch port") in bad
    assert any(i == "hccn.net_health" and s == "error" and d.startswith("hccn_tool -net_health -g: NPU 2 Fault")
               for i, s, d in bad)
    assert any(i == "hccn.net_health" and s == "warn" and "NPU 6 Init" in d for i, s, d in bad)
    assert doc["node"]["hccl"]["link"]["5"] == "DOWN"


def test_runtime_ip_differing_from_hccn_conf_is_drift(tmp_path):
    root = tmp_path / "root"
    cmds = make_node(root, rank_table_text=TABLE)
    conf = (root / "etc/hccn.conf").read_text().replace("address_1=10.10.0.11", "address_1=10.10.0.111")
    (root / "etc/hccn.conf").write_text(conf)
    doc = report(root, {}, cmds, only=["hccl.hccn_tool"])
    drift = [f for f in doc["findings"] if f["id"] == "hccn.drift"]
    assert drift and "NPU 1 address: hccn_tool says 10.10.0.11, /etc/hccn.conf says 10.10.0.111" in drift[0]["detail"]


def test_hccn_conf_duplicates_and_bad_masks(tmp_path):
    root = tmp_path / "root"
    cmds = make_node(root, devices=2, ip_set="kg-parse")
    (root / "etc/hccn.conf").write_text("address_0=192.161.200.10\nnetmask_0=255.255.255.0\n"
                                        "address_1=192.161.200.10\nnetmask_1=255.255.300.0\n")
    doc = report(root, {}, cmds, only=["hccl.hccn_conf"])
    texts = [f["detail"] for f in doc["findings"] if f["status"] == "error"]
    assert any("address_0 and address_1 are both 192.161.200.10" in t for t in texts)
    assert any("netmask_1=255.255.300.0 is not a netmask" in t for t in texts)


def test_hccl_env_errors_carry_the_range(tmp_path):
    doc, by_id = _hccl(tmp_path, env={"HCCL_CONNECT_TIMEOUT": "60", "HCCL_IF_IP": "eth0",
                                      "HCCL_WHITELIST_DISABLE": "0"}, rank_table_text=TABLE)
    assert by_id["hccl.HCCL_CONNECT_TIMEOUT"]["detail"].startswith(
        "HCCL_CONNECT_TIMEOUT='60': out of range [120, 7200]")
    assert by_id["hccl.HCCL_IF_IP"]["status"] == "error"
    assert by_id["hccl.whitelist-without-file"]["status"] == "error"
    assert not doc["summary"]["ok"]


def test_ping_peers_with_deep(tmp_path):
    from ascendfix import check as pkg
    from ascendfix.check import engine
    from test_fleet_helpers import command_texts, environment

    root = tmp_path / "root"
    cmds = command_texts(make_node(root, rank_table_text=rank_table([("node-a", "worker0", 2),
                                                                     ("node-b", "worker9", 2)]), devices=2))
    lost = _read("mind-cluster-faq_ping-g_all-lost.txt")
    peer0, peer1 = recorded_ip("worker9", 0)[0], recorded_ip("worker9", 1)[0]
    cmds["hccn_tool -i 0 -ping -g address {}".format(peer0)] = lost
    ctx = pkg.make_context(root=str(root), env={"RANK_TABLE_FILE": RANK_TABLE_PATH}, commands=cmds, deep=True,
                           environment=environment({}), stack="mindone")
    out = engine.run(ctx, only=["hccl.ping"])
    assert [(f["status"], f["detail"].split(" —")[0]) for f in out] == [
        ("error", "NPU 0 -> {} (server node-b): 0/3 received".format(peer0)),
        ("warn", "NPU 1 -> {} (server node-b): no answer".format(peer1))]


def test_netdetect_gateway_and_ping_recorded_on_a_real_node():
    """hccn_tool -netdetect -g, -gateway -g and a whole -ping answer as a MindIE multi-node guide recorded them
    (tests/data/fleet/README.md)."""
    assert hcclparse.parse_netdetect(_read("itove-ascend_netdetect-g.txt")) == "11.12.165.1"
    for d in range(8):
        assert hcclparse.parse_gateway(_read("itove-ascend_gateway-g_dev{}.txt".format(d))) == {
            "gateway": "11.12.165.1", "iface": "eth{}".format(d)}
    assert hcclparse.parse_ping(_read("itove-ascend_ping-g_dev0.txt")) == {
        "target": "11.12.165.80", "transmitted": 3, "received": 3, "loss": 0.0}


@pytest.mark.parametrize("conf_gateway,drift", [("11.12.165.1", False), ("11.12.165.254", True)])
def test_recorded_netdetect_and_gateway_against_hccn_conf(tmp_path, conf_gateway, drift):
    """The NPUs' runtime netdetect/gateway (recorded outputs) are compared with /etc/hccn.conf: equal is quiet,
    another gateway in the file is drift naming the NPU."""
    from ascendfix import check as pkg
    from ascendfix.check import engine
    from test_fleet_helpers import command_texts, environment

    root = tmp_path / "root"
    cmds = command_texts(make_node(root, devices=2))
    conf = root / "etc/hccn.conf"
    extra = ["netdetect_{}=11.12.165.1".format(d) for d in range(2)]
    extra += ["gateway_0=11.12.165.1", "gateway_1={}".format(conf_gateway)]
    conf.write_text(conf.read_text() + "\n".join(extra) + "\n")
    for d in range(2):
        cmds["hccn_tool -i {} -netdetect -g".format(d)] = _read("itove-ascend_netdetect-g.txt")
        cmds["hccn_tool -i {} -gateway -g".format(d)] = _read("itove-ascend_gateway-g_dev{}.txt".format(d))
    ctx = pkg.make_context(root=str(root), env={}, commands=cmds, environment=environment({}), stack="mindone")
    out = {f["id"]: f for f in engine.run(ctx, only=["hccl.hccn_tool"])}
    if drift:
        assert out["hccn.drift"]["status"] == "warn"
        assert "NPU 1 gateway: hccn_tool says 11.12.165.1, /etc/hccn.conf says 11.12.165.254" in out["hccn.drift"]["detail"]
        assert "NPU 0" not in out["hccn.drift"]["detail"]
    else:
        assert "hccn.drift" not in out, out["hccn.drift"]["detail"]


def test_netdetect_and_gateway_lines_in_the_tools_printf_formats():
    """The newer tools' `netdetect addr:` wording and the no-gateway message have no recorded capture with a public
    URL (the older `netdetect address:` and the gateway line do: the test above); these lines are the 910B
    hccn_tool's own printf formats (driver sources: tool_ops_ext.c `"netdetect addr: %s"` and
    `"default gateway:%s, Iface:eth%d"`), not a capture."""
    assert hcclparse.parse_netdetect("netdetect addr: 10.10.0.1") == "10.10.0.1"
    assert hcclparse.parse_gateway("default gateway:10.10.0.1, Iface:eth3") == {"gateway": "10.10.0.1", "iface": "eth3"}
    assert hcclparse.parse_gateway("Get gateway failed, because no gateway was preset there!") == {}
