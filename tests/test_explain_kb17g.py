"""Round 17 gen17: families widened where the leave-one-signature-out measure showed them hanging on one source's
wording, written from the emitting sources (the code that prints the message) and public threads. Every log text is a
signature's own example (public lines / captures, sources in the YAML) or a line quoted with its source here.
Fast tier, in-process (the grep half of the pre-filter check runs with --full, like the other grep checks)."""

import re

import pytest

from ascendfix.explain import infer, lines
from ascendfix.explain.engine import Matcher
from explain_support import example, grep_prefilter_lines, hits, infer_only, top_category

# -- a metric that became NaN / inf: the pre-filter holds every form the failing-line test reads ---------------------

# the forms, each from a public log or a capture (AF074's examples hold the texts with their sources):
NAN_FORMS = (
    # Caffe's solver, C's printf of a negative NaN (https://github.com/BVLC/caffe/issues/4449)
    "I0712 12:18:40.334496  3123 solver.cpp:228] Iteration 100, loss = -nan",
    "I0712 12:18:40.334661  3123 solver.cpp:244]     Train net output #0: loss = -nan (* 1 = -nan loss)",
    # print("loss: ", loss): print()'s separator after the label (captured, AF074)
    "loss:  nan",
    # mmdet / mmengine text logs (https://github.com/HuangJunJie2017/BEVDet/issues/265, AF074)
    "task0.loss_heatmap: nan, loss: nan, grad_norm: nan",
    # insightface's trainer (https://github.com/deepinsight/insightface/issues/2262, AF074)
    "Training: 2023-03-14 09:08:43,293-Speed 2178.40 samples/sec   Loss nan   LearningRate 0.001000   Epoch: 0",
    # transformers' Trainer dict (https://github.com/hiyouga/LlamaFactory/issues/5627, AF074)
    "{'loss': 0.0, 'grad_norm': nan, 'learning_rate': 4.549912997495027e-06, 'epoch': 0.66}",
)
# the same words as a setting, not a metric: a clipping threshold a log prints with its command line / configuration
# (transformers' TrainingArguments field max_grad_norm; "--max_grad_norm inf" disables clipping)
SETTINGS = ("--max_grad_norm inf", "max_grad_norm: inf")


def _prefilter_passes(text):
    return Matcher().anchor_re.search(text.encode("utf-8")) is not None


def test_every_nan_form_passes_the_pre_filter_and_reads_as_a_failing_line():
    pre = re.compile(infer.NAN_METRIC_ERE)
    for text in NAN_FORMS:
        assert pre.search(text), text
        assert _prefilter_passes(text), text
        info = lines.parse(text)
        assert infer.classify_line(info.message.strip(), info, None) == "fail", text


def test_the_failing_line_test_accepts_nothing_the_pre_filter_drops():
    """_NAN_METRIC (Python) is narrower than NAN_METRIC_ERE (the pre-filter marker): every line it accepts passes."""
    pre = re.compile(infer.NAN_METRIC_ERE)
    for word in ("loss", "Loss", "LOSS", "train_loss", "grad_norm", "total_norm"):
        for sep in (":", ": ", ":  ", ":     ", " = ", "=", " ", "  ", "\t", "': "):
            for value in ("nan", "NaN", "NAN", "-nan", "inf", "Inf", "-inf", "tensor(nan", "INF"):
                text = "step 3 " + word + sep + value + ", lr 0.1"
                if infer._NAN_METRIC_RE.search(text):
                    assert pre.search(text), text


def test_mixed_case_is_the_known_gap_between_the_two():
    """_NAN_METRIC is compiled with re.I, the ERE lists three case forms only: a mixed-case metric ("LoSs: nAn",
    which no logger prints) passes the failing-line test and not the pre-filter marker (review 17)."""
    text = "step 3 LoSs: nAn, lr 0.1"
    assert infer._NAN_METRIC_RE.search(text)
    assert not re.compile(infer.NAN_METRIC_ERE).search(text)


def test_a_grad_norm_threshold_setting_is_no_failing_line():
    for text in SETTINGS:
        info = lines.parse(text)
        assert infer.classify_line(info.message.strip(), info, None) is None, text


def test_the_negative_nan_of_c_and_print_spacing_name_numerics():
    caffe = example("AF074", i=3)
    assert "-nan" in caffe
    assert top_category(caffe) == "numerics"
    assert "AF074" in hits(caffe)
    assert top_category(example("AF074", i=4)) == "numerics"
    # without the signature, the category evidence alone says the same
    for i in (3, 4):
        found = infer_only(example("AF074", i=i))
        assert found is not None and found["category"] == "numerics", i


@pytest.mark.process
def test_grep_reads_the_nan_forms_as_python_does(tmp_path):
    texts = NAN_FORMS
    got = grep_prefilter_lines(texts, tmp_path)
    if got is None:
        pytest.skip("no grep")
    assert got == list(range(1, len(texts) + 1))


# -- MindIE Motor: the controller's node status requests (AF630) ------------------------------------------------------

# the start-up loops' own lines after the failed polls (MindIE-Motor at 5dfb024: NodeScheduler.cpp#L473,
# ServerRequestHandler.cpp#L412), the source template bare. The ServerRequestHandler one ("All nodes are available
# after detected for %u times.") is left out: bare it has no success word, and the form with Logger.cpp's time and
# level prefix in front would be a made-up line (no public log of it found; review 17)
STARTED = (
    "[NodeScheduler] Successfully loaded rank table and obtained %zu available nodes. No faulty nodes detected.",
)


def test_each_node_status_wording_names_af630():
    for i in range(5):
        text = example("AF630", i=i)
        assert "AF630" in hits(text), i
        assert top_category(text) == "mindie_service", i
    for i in range(2):
        assert "AF630" not in hits(example("AF630", kind="no_match", i=i)), i


def test_failed_polls_the_controller_went_past_at_start_up_are_notes():
    polls = "\n".join([example("AF630", i=2), example("AF630", i=1), example("AF630", i=3)])
    assert top_category(polls) == "mindie_service"  # the log stops after them: the node did not come back
    for line in STARTED:
        assert top_category(polls + "\n" + line) is None, line


def test_a_role_request_failure_stays_af523():
    # the role a node is sent is not retried at start-up like the status polls: AF523 keeps it
    text = example("AF523", i=0)
    assert "PostSingleRole" in text
    assert "AF523" in hits(text) and "AF630" not in hits(text)


def test_motor_class_tags_infer_mindie_service_without_a_signature():
    for sig, i in (("AF630", 1), ("AF630", 4), ("AF523", 1)):
        found = infer_only(example(sig, i=i))
        assert found is not None and found["category"] == "mindie_service", (sig, i)


# -- patch_side_effect without the future import in the log: the library's own words show a string annotation ---------

def test_torchscript_printing_a_supported_torch_class_bare_got_a_string():
    # a class-level annotation torch.jit read as a string (captured; on Python 3.14 also a base class's): AF541's last
    # example
    text = example("AF541", i=4)
    assert "'torch.Tensor'" in text
    assert "AF541" in hits(text) and top_category(text) == "patch_side_effect"
    assert infer_only(text)["category"] == "patch_side_effect"
    # a torch object that is no class prints bare too: no evidence of a string
    assert "AF541" not in hits(text.replace("torch.Tensor", "torch.float32"))


def test_sqlalchemy_could_not_evaluate_a_string_annotation():
    text = next(e["text"] for e in _sig("AF153").examples["match"] if "de-stringify" in e["text"])
    assert "AF153" in hits(text) and top_category(text) == "patch_side_effect"
    assert infer_only(text)["category"] == "patch_side_effect"
    # a builtin generic (or a PEP 604 union) fails to evaluate on an old Python whatever is imported: not this family
    old = example("AF153", kind="no_match", i=0)
    assert "list[" in old
    assert "AF153" not in hits(old) and top_category(old) != "patch_side_effect"


def _sig(sig_id):
    from ascendfix.explain.kb import find_signature

    return find_signature(sig_id)


# -- install: the category evidence alone names two families the LOSO measure found answered only by their signature --

def test_desktop_libraries_and_optional_packages_infer_install():
    for sig in ("AF224", "AF564"):
        for i, ex in enumerate(_sig(sig).examples["match"]):
            found = infer_only(ex["text"])
            assert found is not None and found["category"] == "install", (sig, i)


def test_pillow_10_removed_names_infer_version_skew():
    for i, ex in enumerate(_sig("AF365").examples["match"]):
        found = infer_only(ex["text"])
        assert found is not None and found["category"] == "version_skew", i


def test_host_allocators_are_no_device_memory():
    # torch's DefaultCPUAllocator (AF363) and MindSpore's CPU memory pool (AF362) say "allocate" like a device would
    for sig in ("AF363", "AF362"):
        found = infer_only(example(sig, i=0))
        assert found is not None and found["category"] == "host_oom", sig
