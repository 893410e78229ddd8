"""Round 15 (gen15): category-level inference evidence, read on real example lines.

Each case is a signature's own ``examples.match`` text (real public text or a capture, see the signature's ``source``),
explained by the category inference alone (no signature, code table or fault entry loaded): the category the
evidence in rules/explain_categories.yaml (``# gen15:`` entries) and the failing-line reading of infer.py name.
"""

import pytest

from tests.explain_support import example, infer_only

CASES = [
    # a graph compiler's front end refusing a construct / an operator (MindSpore parser, dynamo, torchair)
    ("AF152", 0, "graph_compile_crash"),
    ("AF173", 0, "graph_compile_crash"),
    ("AF177", 0, "graph_compile_crash"),
    ("AF177", 1, "graph_compile_crash"),
    # kernel selection finding no kernel; "can not" in two words read as a failure statement
    ("AF120", 0, "kernel_unsupported"),
    ("AF120", 2, "kernel_unsupported"),
    ("AF247", 1, "kernel_unsupported"),
    # the CUDA toolkit a build step needs is absent
    ("AF163", 1, "install"),  # post24: the CUDA toolkit missing for a build is install
    # CANN's own libraries and Python packages
    ("AF023", 3, "cann_env"),
    ("AF064", 0, "cann_env"),
    # a model architecture the installed library does not know yet
    ("AF222", 0, "version_skew"),
    ("AF222", 1, "version_skew"),
    # a name of a newer Python's standard library / builtins missing
    ("AF164", 9, "py38_subscript"),
    ("AF164", 10, "py38_subscript"),
    ("AF164", 12, "py38_subscript"),
    ("AF164", 14, "py38_subscript"),
    ("AF164", 15, "py38_subscript"),
    ("AF164", 16, "py38_subscript"),
    # NumPy 2's numpy._core
    ("AF269", 3, "numpy_abi"),
    # Open MPI's launcher under another name
    ("AF178", 1, "dist_launch"),
    # typing's annotation-evaluation frame in CPython, rich and pytest tracebacks
    ("AF057", 1, "patch_side_effect"),
    ("AF057", 2, "patch_side_effect"),
    ("AF057", 3, "patch_side_effect"),
    # a companion package's "Can not find ..." (two words) now read as failing
    ("AF352", 1, "install"),
    # a bare "[ERROR]" / "[Error]:" level tag opening the line is a failing line
    ("AF034", 0, "shape_mismatch"),
    ("AF184", 0, "install"),
    ("AF307", 0, "ascend_inner_error"),
    # the English shell's fatal reports: SIGILL, and "Killed" after an unfinished progress bar
    ("AF225", 1, "install"),
    ("AF048", 12, "host_oom"),
    # a refused value / a resource too small, stated without an error word
    ("AF035", 1, "cann_env"),
    ("AF300", 0, "cann_env"),
    ("AF300", 1, "cann_env"),
    ("AF178", 0, "dist_launch"),
    ("AF252", 0, "host_oom"),
    # the C library's words for a refused resource, and signal 9 as a launcher reports it
    ("AF295", 2, "host_system"),
    ("AF048", 11, "host_oom"),
    # a dependency resolver's report that no set of versions fits (pip, uv's PubGrub derivation)
    ("AF022", 2, "pip_conflict"),
    ("AF022", 4, "pip_conflict"),
    ("AF039", 0, "pip_conflict"),
    ("AF039", 4, "pip_conflict"),
    ("AF039", 5, "pip_conflict"),
    # the fields of an HCCL rank table
    ("AF033", 1, "hccl"),
    # the vocabulary of a detected NaN; a NaN metric on a trainer's INFO line
    ("AF103", 0, "numerics"),
    ("AF074", 1, "numerics"),
    # an upper-case FATAL line passes the pre-filter
    ("AF078", 3, "cann_env"),
]


def _category(text):
    r = infer_only(text)
    return r["category"] if r else None


@pytest.mark.parametrize("sig_id,i,expected", CASES, ids=["{}-{}".format(c[0], c[1]) for c in CASES])
def test_inference_names_the_category(sig_id, i, expected):
    assert _category(example(sig_id, "match", i)) == expected


def test_plain_python_syntax_error_is_not_a_graph_refusal():
    # AF152's no_match: CPython rejecting the same syntax outside any graph mode
    assert _category(example("AF152", "no_match", 0)) != "graph_compile_crash"


def test_pip_report_followed_by_pips_own_success_line_is_pip_conflict():
    # AF022's captured pip 23.2.1 run: the incompatibility report, then pip's own "Successfully installed". Round 15
    # read that line as the run going on (no inference); since round 19 (eng19) the inference follows AF022's
    # own_lines and the corpus convention (tests/test_explain_kb16veto.py): pip prints it either way, a bare report is
    # pip_conflict. A program going on after it still silences the report (tests/test_explain_eng19.py)
    assert _category(example("AF022", "match", 5)) == "pip_conflict"
