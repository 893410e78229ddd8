"""An AscendCL return code after a bare "error" / "failed" and a colon (rules/codes/acl.yaml, the fifth detector), and
507008 (ACL_ERROR_RT_SOC_VERSION) read as a CANN that does not know the chip.

The lines are the AscendCL samples' model helper's format (github.com/Ascend/samples, acllite:
``ACLLITE_LOG_ERROR("Execute model(%s) error:%d", ...)``), PaddleCustomDevice's NPU runtime check
(github.com/PaddlePaddle/PaddleCustomDevice, backends/npu/runtime/runtime.cc: "Call <api> failed : <code> at file ...")
and the same check as a standalone test program prints it, filled with documented codes."""

import subprocess

import pytest

from explain_support import first
from ascendfix.explain.engine import Matcher


@pytest.mark.parametrize("line, code, category", [
    ("[ERROR]  Execute model(./model/yolov5s.om) error:507011", "507011", "ascend_inner_error"),
    ("Call aclInit(nullptr) failed : 500000 at file /paddle/backends/npu/runtime/runtime.cc line 403", "500000",
     "ascend_inner_error"),
    ("Call aclInit(nullptr) failed : 507008 at file /paddle/backends/npu/runtime/runtime.cc line 403", "507008", "cann_env"),
    ("aclrtSetDevice failed = 107001", "107001", None),
])
def test_a_code_after_a_bare_error_or_failed_is_read(line, code, category):
    got = first(line)
    assert got is not None and got[0] == code, got
    if category:
        assert got[1] == category


@pytest.mark.parametrize("line", [
    "socket(2, 1, 6) error:104",                      # errno: not an AscendCL shape
    "LoadLibrary( NTDLL.DLL ) Error:126",
])
def test_other_numbers_after_error_are_not_codes(line):
    assert first(line) is None


def test_six_digit_numbers_outside_the_documented_shapes_are_not_codes():
    for line in ("max error: 123456", "failed: 999999 times", "error=600000"):
        assert first(line) is None, line


def test_the_pre_filter_passes_what_python_reads(tmp_path):
    m = Matcher()
    ere = m.grep_ere()
    lines = ["[ERROR]  Execute model(./m.om) error:507011", "Call aclInit(nullptr) failed : 507008 at file x line 1",
             "aclrtSetDevice failed = 107001"]
    p = tmp_path / "x.log"
    p.write_text("\n".join(lines) + "\n")
    out = subprocess.run(["grep", "-c", "-E", "-f", "-", str(p)], input=ere if isinstance(ere, bytes) else ere.encode(), stdout=subprocess.PIPE,
                         env={"LC_ALL": "C"})
    assert out.stdout.strip() == b"3"


def test_pip_log_file_timestamps_are_a_transport_prefix():
    """pip --log writes "<ISO time>,<ms> " before each message and keeps the message's own indentation (captured:
    `python -m pip install --no-index --log pip.log nonexistent-pkg-zz`, pip 23.2.1): the prefix goes, the indentation
    stays, so a signature anchored at the message's start (AF660's "Will try a different candidate") reads it."""
    from ascendfix.explain import lines

    info = lines.parse("2026-12-05T00:49:37,884     raise error from e")
    assert info.message == "    raise error from e" and info.time == "2026-12-05T00:49:37,884"
    info = lines.parse("2026-12-05T00:49:37,884 pip._internal.exceptions.DistributionNotFound: No matching distribution "
                       "found for nonexistent-pkg-zz")
    assert info.message.startswith("pip._internal.exceptions.DistributionNotFound")
