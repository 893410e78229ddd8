"""Review 19 (fix19): the evidence entries and failing-line wordings that claimed common lines they do not describe.

Each test holds the reviewer's demonstration line (or a real line of the same kind) that the inference named wrongly
before the fix, and a line of the entry's own family that it still names. Every line is public text with its source
URL (format strings filled in where the comment says so) or a capture. Fast tier, in-process."""

import pytest

from ascendfix.explain import infer, lines
from ascendfix.explain.infer import decide, load

from tests.explain_support import example, infer_only, top_category
from tests.test_explain_kb19c import DIFFUSERS_WARNINGS, NM3_CAPTURE


def inferred(text):
    found = infer_only(text)
    return found["category"] if found else None


def state(text):
    info = lines.parse(text)
    return infer.classify_line(info.message.strip(), info, None)


# item 1: a serializer refusing a value's type names no source patch
@pytest.mark.parametrize("text", [
    # a small serializer's UnsupportedTypeError, f"Unsupported type: {self.value_type.__name__}", for a tuple
    # (https://github.com/raghunandanbhat/pyk/blob/7204dba435723f1c1b74f625225b7b4acad854bd/src/errors.py)
    "UnsupportedTypeError: Unsupported type: tuple",
])
def test_a_serializers_unsupported_builtin_is_no_patch_side_effect(text):
    assert inferred(text) != "patch_side_effect"
    assert top_category(text) != "patch_side_effect"


def test_nemo_runs_unsupported_builtin_and_a_quoted_annotation_still_are():
    assert inferred(example("AF305", i=1)) == "patch_side_effect"  # "UnknownTypeError: Unsupported type: int"
    assert inferred("cattrs.errors.StructureHandlerNotFoundError: Unsupported type: 'Point'. Register a structure hook "
                    "for it.") == "patch_side_effect"  # the kb19c capture (cattrs 26.2.1)


# item 2: a server that moves on to another port is no failure
@pytest.mark.parametrize("text", [
    # console.log(`this port ${port} is occupied.try another.`), port 8080
    # (https://github.com/zz0001/yitihua/blob/dfd81109ab209bb73da8a454d5df8c7e0b84e762/config/portIsOccupied.js)
    "this port 8080 is occupied.try another.",
])
def test_a_port_the_server_skips_is_no_failure(text):
    assert inferred(text) is None
    assert top_category(text) != "host_system"


def test_a_listen_port_that_is_taken_and_a_device_held_still_are():
    assert inferred(example("AF282", i=0)) == "host_system"  # "... Http server listen port is occupied"
    assert inferred(example("AF240", i=1)) == "device_busy"  # npu-smi's "The chip 0 is occupied by Docker."


# item 3: ", but you have" is pip check's only before a version
def test_an_english_but_you_have_to_is_no_failing_line():
    # a README sentence (https://github.com/cup-software2018/LSCSimulation/blob/dee057ab94ff19014efa0d7f4382f5026fe00ec5/README.md)
    text = "You can start from the installation directory, but you have to set LD_LIBRARY_PATH before running."
    assert state(text) is None
    assert inferred(text) is None


def test_pip_checks_but_you_have_a_version_still_is():
    # captured: pip 23.2.1, `pip check` (the same line tests/test_explain_eng19.py uses)
    text = "demoa 1.0 has requirement demob>=2.0, but you have demob 1.0."
    assert state(text) == "fail"
    assert inferred(text) == "pip_conflict"


# item 4: a word that must agree with another does not name its category alone in the last exception
def test_a_str_without_name_alone_names_nothing():
    # https://github.com/nonebot/plugin-apscheduler/issues/18 (the maintainer: the install is broken)
    text = ('@scheduler.scheduled_job("interval", seconds=1)\n'
            '  File "/usr/local/lib/python3.10/site-packages/nonebot/plugin/export.py", line 38, in __call__\n'
            "    self[func.__name__] = func\n"
            "AttributeError: 'str' object has no attribute '__name__'")
    assert inferred(text) != "patch_side_effect"
    assert top_category(text) != "patch_side_effect"
    # the annotation case reads the same, so it too names nothing from this word alone
    assert inferred(NM3_CAPTURE) != "patch_side_effect"


def test_every_agree_entry_alone_in_the_last_exception_names_nothing():
    inf = load()
    agree = sorted(inf.agree)
    assert len(agree) >= 8
    for ci, ei in agree:
        assert 0 < inf.weight(ci, ei) < infer.THRESHOLD
        assert decide(inf, {(ci, ei): "w"}, [(ci, ei, "w")]) is None, inf.categories[ci][0]


def test_two_agreeing_words_still_name_the_category():
    inf = load()
    by_cat = {}
    for ci, ei in inf.agree:
        by_cat.setdefault(ci, []).append(ei)
    ci, eis = next((c, e) for c, e in sorted(by_cat.items()) if len(e) >= 2)
    seen = {(ci, eis[0]): "a", (ci, eis[1]): "b"}
    assert decide(inf, seen, [(ci, eis[0], "a")])[0] == ci


# item 5: diffusers' annotation warning alone is no failure
def test_the_diffusers_annotation_warning_alone_names_nothing():
    # the format string f"cannot get type annotation for Parameter {k} of {cls}." (diffusers pipeline_utils.py), for a
    # parameter AF710 does not list
    text = ("cannot get type annotation for Parameter image_normalizer of <class 'diffusers.pipelines.stable_diffusion."
            "pipeline_stable_unclip.StableUnCLIPPipeline'>.")
    assert inferred(text) is None
    assert inferred(DIFFUSERS_WARNINGS) is None


def test_the_warning_before_from_pretrained_failing_is_af710():
    # AF710's capture: the warnings, then the KeyError from_pretrained raises
    assert top_category(example("AF710")) == "patch_side_effect"


# item 7: an import of Mooncake that failed is no collective failure
@pytest.mark.parametrize("text", [
    # vLLM's MooncakeConnector import check
    # (https://github.com/vllm-project/vllm/blob/c8bbd64a26e2d6de02b92052feaeb3d7452bc933/vllm/distributed/kv_transfer/kv_pipe/mooncake_pipe.py)
    "ImportError: Please install mooncake by following the instructions at "
    "https://github.com/kvcache-ai/Mooncake/blob/main/doc/en/build.md to run vLLM with MooncakeConnector.",
    # captured: CPython 3.11.7, python3 -c "import mooncake" with no Mooncake installed
    "ModuleNotFoundError: No module named 'mooncake'",
])
def test_a_missing_mooncake_is_no_hccl_failure(text):
    assert inferred(text) != "hccl"
    assert top_category(text) != "hccl"


def test_mooncake_transfer_failures_still_are_hccl():
    for i in range(3):
        assert inferred(example("AF593", i=i)) == "hccl"


# item 9: a hardware error report the kernel says was corrected carries no device-fault weight
def test_a_corrected_apei_report_takes_its_hardware_error_word_back():
    # the kernel's APEI report of a corrected error (ghes.c "Hardware error from APEI Generic Hardware Error Source:
    # %d", cper.c cper_estatus_print / cper_estatus_print_section, HW_ERR "[Hardware Error]: ", the "{%u}" sequence
    # prefix), for source 0
    # (https://github.com/torvalds/linux/blob/0a5a46a6a61be7b63c12c18495d427f91f3662a9/drivers/firmware/efi/cper.c)
    report = ["{1}[Hardware Error]: Hardware error from APEI Generic Hardware Error Source: 0",
              "{1}[Hardware Error]: It has been corrected by h/w and requires no further action",
              "{1}[Hardware Error]: event severity: corrected",
              "{1}[Hardware Error]:  Error 0, type: corrected"]
    inf = load()
    seen = {}
    for text in report:
        if state(text) == "fail":
            for ci, ei, word in inf.line_evidence(text):
                seen[(ci, ei)] = word
    score = {}
    for (ci, ei) in seen:
        score[inf.categories[ci][0]] = score.get(inf.categories[ci][0], 0) + inf.weight(ci, ei)
    hw = [inf.categories[ci][0] for (ci, ei) in seen if "Hardware Error" in seen[(ci, ei)]]
    assert hw, seen
    assert score[hw[0]] <= 0, score


# item 10: the grep pre-filter holds the tool markers in the case forms a message prints them in
@pytest.mark.parametrize("phrase", ["no such option", "but you have", "to be incompatible with", "is occupied",
                                    "is already occupied", "may not be compatible", "does not exist",
                                    "already exists in database"])
def test_the_tool_markers_pass_the_prefilter_lower_and_capitalised(phrase):
    # Python's re reads these plain EREs as grep -E does (the full tier runs grep itself: test_explain_eng19.py)
    import re
    pre = re.compile("|".join("(?:{})".format(p) for p in infer.FAIL_PREFILTERS))
    for form in (phrase, phrase[0].upper() + phrase[1:]):
        assert pre.search(form), form
