"""Round 18 (kb18d): message catalogues of pip / packaging / build backends and conda, of the collective libraries
(HCCL's and NCCL's own error sentences, NCCL's transport and bootstrap WARN lines as MindSpore's distributed FAQ shows
them). Written from the emitting sources (pip's exceptions, setuptools' spawn, setuptools-rust, meson, conda's
exceptions, mamba's solver, HcclGetErrorString / ncclGetErrorString, torch c10d's NCCL detail lines) and from
captures made for this round in scratch virtual environments. Every text is a signature's own example, or an example
with only the part the emitting template leaves open filled in (a tool name, a result sentence, a launcher prefix).
Fast tier, in-process."""

import pytest

from ascendfix.explain.kb import find_signature
from explain_support import example, hits, top, top_category


@pytest.mark.parametrize("sig_id,category", [
    ("AF730", "hccl"), ("AF731", "install"), ("AF732", "install"), ("AF733", "install"), ("AF734", "pip_conflict"),
    ("AF735", "pip_conflict"), ("AF736", "install"), ("AF737", "hccl"), ("AF738", "dist_launch"),
    ("AF739", "install"), ("AF740", "hccl"),
])
def test_each_family_names_its_category_first(sig_id, category):
    for ex in find_signature(sig_id).examples["match"]:
        assert top(ex["text"]) == (sig_id, category), (sig_id, ex["text"][:120])


# -- the collective libraries' own sentences ---------------------------------------------------------------------
# HcclGetErrorString's sentences (hccl_types.h's HcclResult, as HCCL's unit test asserts them), put where
# vLLM-Ascend's pyhccl_wrapper puts them: raise RuntimeError(f"HCCL error: {error_str}")
HCCL_SENTENCES = ("tcp connect fail", "roce connect fail", "timeout", "error cqe", "internal error",
                  "resource unavailable", "call runtime api fail")


@pytest.mark.parametrize("sentence", HCCL_SENTENCES)
def test_hccl_error_sentences_from_the_python_communicator_are_hccl(sentence):
    text = "RuntimeError: HCCL error: " + sentence
    assert top(text) == ("AF730", "hccl")
    # a launcher's rank prefix does not hide it
    assert top("[rank3]: " + text) == ("AF730", "hccl")


# ncclGetErrorString's sentences (NVIDIA/nccl src/init.cc) in torch c10d's C10D_NCCL_CHECK template
# ("NCCL error in: <file>:<line>, <sentence>, NCCL version <v>") and in vLLM's pynccl ("NCCL error: <sentence>")
NCCL_SENTENCES = ("unhandled system error (run with NCCL_DEBUG=INFO for details)",
                  "unhandled cuda error (run with NCCL_DEBUG=INFO for details)",
                  "internal error - please report this issue to the NCCL developers",
                  "invalid usage (run with NCCL_DEBUG=WARN for details)",
                  "remote process exited or there was a network error")


@pytest.mark.parametrize("sentence", NCCL_SENTENCES)
def test_nccl_error_sentences_are_the_collective_not_the_launch_or_cuda(sentence):
    c10d = ("torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:1275, "
            + sentence + ", NCCL version 2.18.1")
    assert top(c10d) == ("AF730", "hccl")
    assert top("RuntimeError: NCCL error: " + sentence) == ("AF730", "hccl")


def test_nccl_detail_lines_and_the_templates_without_a_sentence():
    for i in range(2):
        assert top(example("AF730", i=i)) == ("AF730", "hccl")
    # the raise line before HcclGetErrorString filled it in, and the unknown-code fallback, name no failure
    for i in range(2):
        assert "AF730" not in hits(example("AF730", "no_match", i))


def test_an_hccl_code_or_signature_with_more_detail_keeps_its_place():
    # HCCL's own timeout wording (AF008's link setup) next to the Python sentence: both hccl, AF008 is more specific
    text = ("[ERROR] HCCL(17528,python3):2026-03-18-10:33:52.113.403 [hccl_socket_manager.cc:797] [18744][Wait]"
            "[LinkEstablish]wait socket establish timeout, role[1] rank[1] timeout[120 s]\nRuntimeError: HCCL error: timeout")
    assert top_category(text) == "hccl"
    assert hits(text)[0] != "AF730"


def test_nccl_transport_and_bootstrap_split_as_the_categories_say():
    ib = example("AF737")
    assert top(ib) == ("AF737", "hccl")
    # NCCL's bootstrap connect that cannot reach the peer: one signature (AF296) whichever prefix NCCL prints
    unreachable = example("AF737", "no_match")
    assert top(unreachable) == ("AF296", "dist_launch")
    for text in ("include/socket.h:403 NCCL WARN Connect to 10.0.0.2<35443> failed : No route to host",
                 "misc/socket.cc:483 NCCL WARN socketStartConnect: Connect to 10.0.0.2<35443> failed : Network is unreachable",
                 "misc/socket.cc:483 NCCL WARN Net : Connect to 10.0.0.2<35443> failed : Network is unreachable"):
        assert hits(text) == ["AF296"], text
    # the FAQ's second case: the IB verbs failure comes first and names the cause, the refused socket follows
    both = example("AF737", i=1)
    assert hits(both)[:2] == ["AF737", "AF738"]
    # a refused socket alone is the launch too (AF738, refused / timed out only)
    assert top(example("AF738")) == ("AF738", "dist_launch")
    assert "AF296" not in hits(example("AF738"))


# -- pip, build backends, conda ----------------------------------------------------------------------------------
@pytest.mark.parametrize("tool", ["g++", "c++", "x86_64-linux-gnu-gcc", "aarch64-linux-gnu-g++", "clang"])
def test_any_missing_compiler_is_the_build_tool_family(tool):
    text = example("AF731").replace("'gcc'", "'{}'".format(tool))
    assert top(text) == ("AF731", "install")


def test_build_tool_family_outranks_the_failed_build_summary():
    # the summary alone is AF091; with the line naming the missing tool, that line leads
    summary = example("AF731", "no_match", 1)
    assert top(summary)[0] == "AF091" and top_category(summary) == "install"
    assert hits(example("AF731"))[0] == "AF731"
    # a file that is not a tool is not this family
    assert "AF731" not in hits(example("AF731", "no_match", 0))
    # a compiler that ran and failed is a build error, not a missing tool
    assert "AF731" not in hits(example("AF731", "no_match", 2))


def test_pip_refusals_before_anything_is_installed():
    assert top(example("AF732", i=0)) == ("AF732", "install")
    assert top(example("AF733")) == ("AF733", "install")
    # pip's printed-back lock line and its PEP 668 hint line name no failure
    assert top_category(example("AF732", "no_match")) is None
    assert "AF733" not in hits(example("AF733", "no_match"))


def test_requires_python_is_the_resolution_convention_and_the_notice_alone_is_not():
    assert top(example("AF734")) == ("AF734", "pip_conflict")
    notice = example("AF734", "no_match")
    assert "AF734" not in hits(notice)
    # pip's ignored-versions notice followed by its no-match verdict stays AF040's
    verdict = notice + "\nERROR: No matching distribution found for numpy==2.0.0"
    assert top(verdict) == ("AF040", "pip_conflict")


def test_conda_and_mamba_verdicts_are_pip_conflict():
    for i in range(2):
        assert top_category(example("AF735", i=i)) == "pip_conflict"
    # the classic solver's LibMamba wording with the libsolv problem line under it
    text = ("LibMambaUnsatisfiableError: Encountered problems while solving:\n"
            "  - nothing provides requested mindspore 2.3.0**")
    assert top(text) == ("AF735", "pip_conflict")
    assert "AF735" not in hits(example("AF735", "no_match"))


def test_uninstall_and_target_refusals_are_install():
    for i in range(2):
        assert top(example("AF736", i=i)) == ("AF736", "install")
    for i in range(4):
        assert top(example("AF739", i=i)) == ("AF739", "install")


@pytest.mark.parametrize("line", [
    "Requirement already satisfied: six in ./venv/lib/python3.11/site-packages (1.16.0)",
    "  Checking if build backend supports build_editable: finished with status 'done'",
    "    Found existing installation: six 1.16.0",
    "  Attempting uninstall: six",
    "Successfully installed demodist-2.0",
])
def test_harmless_pip_progress_lines_stay_silent(line):
    assert top_category(line) is None


def test_mindspore_collective_init_wrapper_yields_to_the_code_printed_with_it():
    wrapper = example("AF740")
    # the Ascend error message block MindSpore prints under it (its CANN error guide: an EI0004 rank-table error)
    text = wrapper.replace(
        "\n\n---", "\n\nEI0004: The ranktable is invalid,Reason:[The ranktable config devId is inconsistent with the "
        "local devId.]. Please check the configured ranktable.\n\n---", 1)
    assert hits(text)[0] == "EI0004" and "AF740" in hits(text)
    assert top_category(text) == "hccl"
    assert "AF740" not in hits(example("AF740", "no_match"))
