"""Round 16 (kb16a): MindIE's and vllm-ascend's own error texts. The documented cases themselves are data
(tests/data/explain_documented/mindie_code.yaml, mindie_docs.yaml, vllm_ascend_code.yaml, torch_npu_error_codes.yaml);
these tests pin the engine-facing decisions behind them."""

from explain_support import example, hits, top, top_category

LOG_PREFIX = "[2026-12-04 20:41:19,180] : [ERROR] "


def test_bracketed_mie_code_reaches_the_code_table():
    # MindIE LLM's log format puts the code in brackets before the message; AF032's "[MIE...]" pattern no longer
    # stands alone, so the specific rows of rules/codes/mindie.yaml are read (device memory, HBM ECC)
    assert top(LOG_PREFIX + "[MIE05E01000A] Num_npu_blocks must be non-negative.") == ("MIE05E01000A", "device_oom")
    assert top_category(LOG_PREFIX + "[MIE05E01000B] HBM MULTI BIT ECC ERROR") == "device_unavailable"
    # a code with no row of its own still gets the MindIE group (a service failure)
    assert top_category(LOG_PREFIX + "[MIE05E030001] Initialize modelBackends_ failed") == "mindie_service"
    # and the daemon's own failed start still names AF032
    assert "AF032" in hits("[Start mindie server] [fail]")


def test_permission_check_disabled_by_env_is_not_a_failure():
    bad = example("AF075", "match", 4)  # "Path permission exceeds maximum allowed: ..."
    assert top_category(bad) == "permission"
    assert top_category(example("AF075", "no_match", 1)) is None


def test_coordinator_waiting_at_start_is_not_a_failure():
    assert top_category("MindIE-MS Coordinator is not ready") == "mindie_service"
    assert top_category(example("AF523", "no_match")) is None


def test_mindie_port_in_use_is_the_host_not_the_launcher():
    # the fault table's "Address already in use" entry is torch.distributed's port (dist_launch); MindIE's HTTP
    # endpoint words it its own way
    assert top_category("Socket bind failed, bind_result is -1. Address already in use") == "host_system"
    assert top_category(example("AF526")) == "dist_launch"
