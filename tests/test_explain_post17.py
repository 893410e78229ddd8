"""Round-17 post-measure families (post17): pip backtracking left unfinished, the NCCL watchdog / heartbeat monitor,
callers written for an older vLLM, torch inductor compile failures, OneFlow's kernel-not-found error."""

from explain_support import example, top, top_category

# AF660: pip's "Will try a different candidate, due to conflict:" at the end of a log is the conflict pip was stuck on
def test_af660_unfinished_backtracking_is_pip_conflict():
    assert top(example("AF660")) == ("AF660", "pip_conflict")

def test_af660_install_that_finished_makes_it_a_note():
    text = example("AF660", i=1) + "\nInstalling collected packages: bb, cc\nSuccessfully installed bb-2.0 cc-1.0"
    assert top_category(text) is None

def test_af660_final_report_still_ranks_first():
    text = example("AF660") + (
        "\nERROR: Cannot install aa==1.0, aa==2.0, aa==3.0 and bb>=1 because these package versions have conflicting"
        " dependencies.\nERROR: ResolutionImpossible: for help visit"
        " https://pip.pypa.io/en/latest/topics/dependency-resolution/#dealing-with-dependency-conflicts")
    assert top(text) == ("AF039", "pip_conflict")


# AF661: the NCCL process group's watchdog / heartbeat monitor aborting a hung collective is hccl (between started
# ranks), and a real cause earlier in the log ranks first (it is a consequence)
def test_af661_heartbeat_monitor_abort_is_hccl():
    for i in range(4):
        assert top(example("AF661", i=i)) == ("AF661", "hccl"), i


def test_af661_earlier_cause_ranks_first():
    text = example("AF004") + "\n" + example("AF661")
    assert top(text)[0] != "AF661"


# AF663: Inductor / Triton(-Ascend) kernel compilation failing under torch.compile is graph_compile_crash; the
# unknown-chip case stays AF591 (cann_env)
def test_af663_inductor_failures_are_graph_compile_crash():
    for i in range(4):
        assert top(example("AF663", i=i)) == ("AF663", "graph_compile_crash"), i


def test_af663_unknown_target_stays_cann_env():
    text = example("AF591") + "\n[ERROR] Failed to run BiShengIR pipeline"
    assert top_category(text) == "cann_env"


# AF664: OneFlow's op_kernel_not_found_error is kernel_unsupported
def test_af664_oneflow_kernel_not_found_is_kernel_unsupported():
    for i in range(3):
        assert top(example("AF664", i=i)) == ("AF664", "kernel_unsupported"), i


# AF665: a caller written for vLLM's V0 engine reaching into the V1 LLMEngine is version_skew
def test_af665_v1_engine_attribute_is_version_skew():
    for i in range(3):
        assert top(example("AF665", i=i)) == ("AF665", "version_skew"), i
