"""Round 19 (eng19): failing lines the category inference never saw. The emitting tools' failure statements that carry
no error word (optparse's / click's "no such option", `pip check`'s "has requirement ..., but you have", conda's
"... to be incompatible with ...", a port or device that "is occupied", the CANN runtime's "CANN and HDK may not be
compatible" / "The driver interface X does not exist.", libprotobuf's "File already exists in database") are now
pre-filter markers (infer.FAIL_PREFILTERS) and failing lines (infer._FAIL_RE), and pip's own "Successfully installed"
after its resolver report no longer reads as the run going past the report. Each line is real: a signature's own
example (its source is in the YAML), a line of the emitting source (URL here) or a capture run here (named). The
quiet neighbours are the same texts behind a WARNING / INFO header, captured with Python's logging. Fast tier."""

import re

import pytest

from ascendfix.explain import infer, lines

from tests.explain_support import example, grep_prefilter_lines, infer_only

# captured: pip 23.2.1 on CPython 3.11, `python -m pip install --bogus-opt x` (pip's optparse parser; its last line)
PIP_NO_SUCH_OPTION = "no such option: --bogus-opt"
# captured: pip 23.2.1, `PYTHONPATH=<tmp> python -m pip check` with two installed distributions in <tmp>: demoa 1.0
# (Requires-Dist: demob>=2.0) and demob 1.0 (commands/check.py, the legacy "has requirement" wording)
PIP_CHECK = "demoa 1.0 has requirement demob>=2.0, but you have demob 1.0."
# conda's UnsatisfiableError, the "virtual_package" message (its first line):
# https://github.com/conda/conda/blob/9c644e1e92ad349a30f2fd956c0b2388b6a3129b/conda/exceptions.py
CONDA_SYSTEM = "The following specifications were found to be incompatible with your system:"
# the same file's "python" message, which conda breaks after "found" (its second line)
CONDA_PYTHON = "to be incompatible with the existing python installation in your environment:"

# (text, category the inference alone names): the new failing lines with an evidence word of their category
NAMED = [
    (PIP_NO_SUCH_OPTION, "version_skew"),
    (example("AF092", i=2), "version_skew"),  # the same pip capture, in the signature
    (example("AF735", i=0), "pip_conflict"),  # conda exceptions.py "direct"
    (CONDA_SYSTEM, "pip_conflict"),
    (example("AF240", i=0), "device_busy"),  # the driver's DRV_ERROR_RESOURCE_OCCUPIED text
    (example("AF240", i=1), "device_busy"),  # npu-smi's "The chip 0 is occupied by Docker."
    (example("AF670", i=1), "cann_env"),  # runtime.cc: "CANN and HDK may not be compatible."
    (example("AF670", i=2), "cann_env"),  # npu_driver.cc: "The driver interface halShmemInfoGet does not exist."
    (example("AF104", i=1), "cann_env"),  # libprotobuf descriptor_database.cc, its ERROR tag cut off
    # named since the lead added the evidence these lines lacked (round 19): pip check's "has requirement ..., but you
    # have" and conda's "... incompatible with the existing python installation" (pip_conflict), a listening port
    # "is occupied" (host_system, as AF282)
    (PIP_CHECK, "pip_conflict"),
    (CONDA_PYTHON, "pip_conflict"),
    (example("AF282", i=0), "host_system"),
]


# captured: CPython 3.11.7, logging.basicConfig(format="%(asctime)s - %(name)s - %(levelname)s - %(message)s"), the
# same texts logged with logger.warning / logger.info: warnings and INFO lines saying so stay quiet
QUIET = [
    "2026-12-05 04:52:42,108 - demo - WARNING - no such option: --bogus-opt",
    "2026-12-05 04:52:42,109 - demo - INFO - Management or Business or Metrics Http server listen port is occupied",
    "2026-12-05 04:52:42,109 - demo - WARNING - The driver interface halShmemInfoGet does not exist.",
    "2026-12-05 04:52:42,109 - demo - WARNING - The following specifications were found to be incompatible with "
    "each other:",
    "2026-12-05 04:52:42,109 - demo - INFO - File already exists in database: EntityType.proto",
    "2026-12-05 04:52:42,109 - demo - WARNING - demoa 1.0 has requirement demob>=2.0, but you have demob 1.0.",
]


def _state(text):
    info = lines.parse(text)
    return infer.classify_line(info.message.strip(), info, None)


def _prefilter():
    return re.compile("|".join("(?:{})".format(p) for p in infer.FAIL_PREFILTERS))


@pytest.mark.parametrize("text,category", NAMED)
def test_a_tool_failure_statement_is_a_failing_line_and_names_its_category(text, category):
    assert _prefilter().search(text), text
    assert _state(text) == "fail", text
    found = infer_only(text)
    assert found is not None and found["category"] == category, (text, found)


@pytest.mark.parametrize("text", QUIET)
def test_the_same_words_behind_a_warning_or_info_header_stay_quiet(text):
    assert _state(text) is None, text
    assert infer_only(text) is None


def test_a_missing_path_alone_is_no_failing_line():
    # "does not exist" counts only after an interface / symbol / function / entry point / API ("Directory ... does not
    # exist, creating it" is ordinary output): a bare missing checkpoint path (AF158's example, mindformers'
    # FileNotFoundError message, which its signature and the exception line read) is not made a failing line
    text = example("AF158", i=1)
    assert "does not exist" in text and _prefilter().search(text)
    assert _state(text) is None


def test_pips_own_success_line_after_its_report_is_not_the_run_going_on():
    """AF022's example 6 (captured: pip 23.2.1): the resolver report, then pip's own "Successfully installed": with no
    signature the inference now names pip_conflict, as AF022 does (the corpus convention: a bare resolver report is
    pip_conflict; pip prints the success line either way)."""
    text = example("AF022", i=5)
    assert text.splitlines()[-1].startswith("Successfully installed")
    found = infer_only(text)
    assert found is not None and found["category"] == "pip_conflict"


def test_a_program_going_on_after_the_report_still_silences_it():
    # uvicorn once the served application started (lifespan/on.py, the line tests/test_explain_kb16veto.py uses):
    # https://github.com/encode/uvicorn/blob/00cb13dd08ccceebe9a65810a70588e66971e305/uvicorn/lifespan/on.py
    assert infer_only(example("AF022", i=5) + "\nApplication startup complete.") is None


def test_pips_success_line_after_another_failure_still_reads_as_the_run_going_on():
    # only pip's resolver report is exempt: conda's solver line (AF735's example) then a pip success line (AF022's
    # example 6, its last line) is a run that went on
    text = example("AF735", i=0) + "\n" + example("AF022", i=5).splitlines()[-1]
    assert infer_only(example("AF735", i=0)) is not None
    assert infer_only(text) is None


@pytest.mark.process
def test_grep_reads_the_new_markers_as_python_does(tmp_path):
    texts = [t for t, _ in NAMED]
    got = grep_prefilter_lines(texts, tmp_path)
    if got is None:
        pytest.skip("no grep")
    assert got == list(range(1, len(texts) + 1))
