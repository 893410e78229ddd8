"""Round 17 (kb17a): Ascend device-side and chip / CANN-mismatch families, written from their emitting sources (the
CANN runtime's device-error and GetDevMsg code, Triton-Ascend's bishengir target option, op-plugin's ATB setup check,
Mooncake's Ascend transports, TBE's compile-worker pool) and public threads other than the validation sets'. Every
text is a signature's own example (sources in the YAML). Fast tier, in-process."""

from explain_support import example, hits, top, top_category


def test_vector_core_exception_in_the_inference_card_wording_is_an_inner_error():
    # CANN 8.x "the error is aivec error, core id is", and the errorStr "Illegal instruction, which is usually caused
    # by unaligned UUB addresses" alone
    for i in (2, 3):
        text = example("AF045", i=i)
        assert "AF045" in hits(text), i
        assert top_category(text) == "ascend_inner_error", i
    # the host CPU's SIGILL stays the install family
    assert "AF045" not in hits(example("AF045", "no_match", 1))
    assert top_category(example("AF045", "no_match", 1)) == "install"


def test_compiler_without_a_target_for_an_a2_chip_is_the_cann_install():
    for i in range(2):
        assert top(example("AF591", i=i)) == ("AF591", "cann_env"), i
    # an inference card Triton-Ascend does not target is still the unsupported-chip family
    card = example("AF591", "no_match")
    assert top(card) == ("AF175", "kernel_unsupported")
    assert "AF175" not in hits(example("AF175", "no_match", 0))


def test_runtime_that_cannot_name_the_chip_is_cann_env_not_the_device():
    # the runtime's sentence (its own template; chip type 0 in a log) names the toolkit
    text = example("AF590")
    assert top(text) == ("AF590", "cann_env")
    # a chip type the runtime knows, refusing the same feature after some other failure, is not this family
    assert "AF590" not in hits(text.replace("chipType=0", "chipType=CHIP_MINI"))
    assert "AF590" not in hits(text.replace("chipType=0", "chipType=%s"))
    # the driver refusing to describe the card, or a busy card, keep their categories
    assert top_category(example("AF590", "no_match", 0)) == "device_unavailable"
    assert top_category(example("AF590", "no_match", 1)) != "cann_env"


def test_atb_setup_failure_is_an_unsupported_operation():
    for i in range(2):
        assert top(example("AF592", i=i)) == ("AF592", "kernel_unsupported"), i
    # torch_npu's wrapper that follows it names the same operator and stays a wrapper
    wrapped = example("AF592") + (
        "\nRuntimeError: The Inner error is reported as above. The process exits for this inner error, and the current"
        " working operator name is RopeOperation.")
    assert top(wrapped) == ("AF592", "kernel_unsupported")
    assert top_category(example("AF592", "no_match")) is None


def test_mooncake_kv_transfer_link_failure_is_hccl():
    for i in range(3):
        assert top(example("AF593", i=i)) == ("AF593", "hccl"), i
    for i in range(2):
        assert top_category(example("AF593", "no_match", i)) is None, i


def test_tbe_workers_losing_the_main_process_need_the_kill_in_the_log():
    assert top_category(example("AF594")) == "host_oom"
    assert "AF594" in hits(example("AF594"))
    # the workers' traceback alone says only that the main process went away (a finished run exits that way too)
    for i in range(3):
        assert "AF594" not in hits(example("AF594", "no_match", i)), i
        assert top_category(example("AF594", "no_match", i)) != "host_oom", i
    # with the main process's own failure in the log, that failure ranks first
    both = example("AF592") + "\n" + example("AF594")
    assert top(both) == ("AF592", "kernel_unsupported")


def test_atc_parser_versus_kernel_lookup_convention():
    # the model parser has no mapping for the op type: the model never becomes a graph
    assert top_category(example("AF182")) == "graph_compile_crash"
    assert top_category(example("AF467")) == "graph_compile_crash"
    # an op in the graph with no kernel on this chip (GE's op store): the operator is unsupported
    assert top_category(example("AF046")) == "kernel_unsupported"

