"""Every entry in rules/compat and rules/checks runs its own examples (adding an entry touches no code),
and the parsers read the recorded real samples in tests/data/check."""

import pytest

from ascendfix.check import compat, parsers, rules
from test_check_helpers import sample


def _compat_examples():
    out = []
    for name in compat.tables():  # the framework tables and every stack's top-package table
        for row in compat.table(name):
            for i, ex in enumerate(row.get("examples") or []):
                out.append(pytest.param(name, row, ex, id="{}:{}:{}".format(name, row["id"], i)))
    return out


@pytest.mark.parametrize("name,row,example", _compat_examples())
def test_compat_examples(name, row, example):
    assert compat.evaluate_example(name, row, example["given"]) == example["expect"], example


def test_every_compat_row_has_a_source_and_examples():
    for name in compat.tables():
        rows = compat.table(name)
        assert rows, name
        for row in rows:
            assert row["source"] and all(s.startswith("https://") for s in row["source"]), row["id"]
            assert row.get("examples"), "{} {} has no examples".format(name, row["id"])


def _env_examples():
    return [pytest.param(r, ex, id="{}:{}".format(r["id"], i))
            for r in rules.env_rules() for i, ex in enumerate(r["examples"])]


@pytest.mark.parametrize("rule,example", _env_examples())
def test_env_rule_examples(rule, example):
    dirs = example.get("dirs")
    is_dir = (lambda p: p in dirs) if dirs is not None else None
    status, detail, _ = rules.eval_env_rule(rule, example["env"], example.get("devices"), is_dir=is_dir)
    assert status == example["expect"], (detail, example)
    assert status in ("ok", "warn")  # env recommendations are never errors


def _script_examples():
    return [pytest.param(r, ex, id="{}:{}".format(r["id"], i))
            for r in rules.script_rules() for i, ex in enumerate(r["examples"])]


@pytest.mark.parametrize("rule,example", _script_examples())
def test_script_rule_examples(rule, example):
    hits = rules.lint_source(example["code"], [rule])
    assert len(hits) == example["hits"], example["code"]


def test_env_and_script_rules_cite_sources():
    for r in rules.env_rules() + rules.script_rules():
        assert r["source"] and all(s.startswith("http") for s in r["source"]), r["id"]


def test_bad_rule_file_is_a_one_line_data_error(tmp_path, monkeypatch):
    from ascendfix import data
    from ascendfix.errors import DataError

    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "env.yaml").write_text("- id: env.X\n  kind: nonsense\n  var: X\n  source: [http://x]\n  examples: []\n")
    monkeypatch.setenv("ASCENDFIX_RULES_DIR", str(tmp_path))
    data._load_entries_cached.cache_clear()
    try:
        with pytest.raises(DataError) as e:
            rules.env_rules()
        assert "env.yaml" in str(e.value) and "'kind'" in str(e.value)
    finally:
        data._load_entries_cached.cache_clear()


# --- parsers on recorded samples ---------------------------------------------------------------
def test_npu_smi_idle_910b2c():
    r = parsers.parse_npu_smi(sample("npu-smi/vllm-ascend-955_910b2c_idle.txt"))
    assert r["version"] == "24.1.rc1" and r["error"] is None
    assert len(r["chips"]) == 10
    c0 = r["chips"][0]
    assert (c0["npu"], c0["name"], c0["health"], c0["bus_id"], c0["hbm_used"], c0["hbm_total"]) == (
        0, "910B2C", "OK", "0000:5A:00.0", 3345, 65536)
    assert [c["npu"] for c in r["chips"]] == list(range(10))
    assert r["processes"] == []


def test_npu_smi_busy_with_processes():
    r = parsers.parse_npu_smi(sample("npu-smi/vllm-ascend-5606_910b4-1_busy.txt"))
    assert r["version"] == "25.2.2"
    assert [(c["name"], c["hbm_used"], c["hbm_total"]) for c in r["chips"]] == [("910B4-1", 61825, 65536)] * 2
    assert [(p["npu"], p["pid"], p["name"], p["memory"]) for p in r["processes"]] == [
        (0, "19334", "VLLMWorker_TP", 58472), (1, "19341", "VLLMWorker_TP", 58472)]


def test_npu_smi_32g_cards_with_offset_ids():
    r = parsers.parse_npu_smi(sample("npu-smi/vllm-ascend-843_910b4_32g_busy.txt"))
    assert [c["npu"] for c in r["chips"]] == [4, 5, 6, 7]
    assert all(c["hbm_total"] == 32768 for c in r["chips"])
    assert len(r["processes"]) == 4


def test_npu_smi_truncated_table_and_error():
    r = parsers.parse_npu_smi(sample("npu-smi/hami-webui-47_910b4-1_idle.txt"))
    assert [(c["npu"], c["hbm_used"]) for c in r["chips"]] == [(0, 3197), (1, 3197)]
    e = parsers.parse_npu_smi(sample("npu-smi/vllm-ascend-2698_dcmi-8005.txt"))
    assert e["chips"] == [] and "-8005" in e["error"]


def test_driver_version_info():
    info = parsers.parse_kv(sample("driver/vllm-ascend-451_version.info"))
    assert parsers.driver_version(info) == "24.1.rc3"
    assert parsers.parse_ranges(info["compatible_version_fw"]) == [("7.0.0", "7.5.99")]
    assert parsers.in_range("7.5.0.1.129", "7.0.0", "7.5.99")
    assert not parsers.in_range("7.7.0.1.231", "7.0.0", "7.5.99")
    # newer drivers: Version= is the internal number, package_version the public one
    assert parsers.driver_version(parsers.parse_kv("Version=7.35.23\npackage_version=26.0.rc1\n")) == "26.0.rc1"


def test_cann_version_files():
    assert parsers.parse_version_cfg(sample("cann/vllm-ascend-451_version.cfg")) == ("8.0.0", "7.6.0.1.220")
    info = parsers.parse_kv(sample("cann/vllm-ascend-955_x86_64_ascend_toolkit_install.info"))
    assert (info["package_name"], info["version"], info["arch"]) == ("Ascend-cann-toolkit", "8.1.RC1", "x86_64")
    atb = parsers.parse_kv(sample("atb/vllm-ascend-451_version.info"))
    assert atb["Ascend-cann-atb"] == "8.0.0"


def test_version_normalisation():
    assert parsers.norm_cann("8.0.RC2.beta1") == parsers.norm_cann("8.0.RC2")
    assert parsers.norm_driver("24.1.rc2.2") == "24.1.rc2"
    assert compat.driver_key("24.1.rc2") < compat.driver_key("24.1.0") < compat.driver_key("25.0.rc1")
