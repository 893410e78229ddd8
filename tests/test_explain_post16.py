"""Families added after held-out set S was measured (round 16): TensorRT engine builds, TorchAir's missing converter,
a library class that is not generic in the installed release. Texts are the signatures' own examples (public threads,
pinned sources)."""

from explain_support import example, first, top_category


def test_tensorrt_no_implementation_is_an_engine_build_not_an_npu_inner_error():
    # "Error Code 10: Internal Error" is TensorRT's optimizer, not a CANN / torch_npu inner error
    for i in range(3):
        assert first(example("AF580", i=i)) == ("AF580", "graph_compile_crash")


def test_tensorrt_tactics_skipped_for_memory_outrank_the_build_failure():
    for i in range(2):
        assert first(example("AF581", i=i)) == ("AF581", "device_oom")


def test_tactic_warnings_alone_say_nothing():
    # routine: the builder chose another tactic and went on
    warning = example("AF581").split("\n")[0]
    assert first(warning) is None


def test_torchair_converter_missing_for_an_npu_op_is_a_graph_build():
    assert first(example("AF177", i=2)) == ("AF177", "graph_compile_crash")
    assert top_category("RuntimeError: Ascend op converter is not implemented of: {target}") == "graph_compile_crash"


def test_library_class_not_generic_needs_an_installed_package_frame():
    assert first(example("AF582")) == ("AF582", "version_skew")
    assert first(example("AF582", kind="no_match")) is None


def test_a_finished_trainer_run_reads_as_the_run_going_on():
    # transformers' Trainer at the end of train() (logger.info in trainer.py,
    # https://github.com/huggingface/transformers/blob/v5.25.0/src/transformers/trainer.py): the "not" of "Do not forget"
    # must not veto the success line, so a deprecation warning before it stays a note (veto16 noticed it)
    from explain_support import matcher

    done = "Training completed. Do not forget to share your model on huggingface.co/models =)"
    m = matcher(example("AF261") + "\n" + done)
    assert m.results() == [] and [n["id"] for n in m.notes()] == ["AF261"]
    assert matcher("Training not completed").last_ok == 0
