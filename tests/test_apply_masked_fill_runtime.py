"""masked-fill-dtype against the real framework: MindSpore 2.7.0 on CPU (in its own venv).

The original float16 `x.masked_fill(mask, 0)` must fail the way users see it, and the code the
rule writes must run and give the right values and dtype. The patched source is produced by the
engine itself (apply_to_text), not written by hand here.
"""

import subprocess
import textwrap

import pytest

from ascendfix.apply.engine import apply_to_text

from support import ms27_python

pytestmark = pytest.mark.full

PROGRAM = textwrap.dedent(
    """\
    import numpy as np
    import mindspore
    from mindspore import ops

    mindspore.set_context(mode=mindspore.PYNATIVE_MODE)
    mindspore.set_device("CPU")


    def fill(x, mask):
        y = x.masked_fill(mask, 0)
        z = ops.masked_fill(x, mask, -1e4)
        return y, z


    x = mindspore.Tensor(np.ones((2, 3)), mindspore.float16)
    mask = mindspore.Tensor(np.array([[True, False, True], [False, True, False]]))
    y, z = fill(x, mask)
    print("RESULT", y.dtype, y.asnumpy().tolist(), z.dtype, z.asnumpy().tolist())
    """
)


@pytest.fixture(scope="module")
def ms27():
    # built from a CPython 3.11 whatever runs the suite (MindSpore 2.7.0 has no cp38 wheels)
    return ms27_python()


def _run(py, tmp_path, name, source):
    path = tmp_path / name
    path.write_text(source)
    return subprocess.run([py, str(path)], capture_output=True, text=True, timeout=600)


def test_original_fails_and_patched_runs_on_mindspore_27_cpu(ms27, tmp_path):
    orig = _run(ms27, tmp_path, "orig.py", PROGRAM)
    assert orig.returncode != 0
    assert "Select CPU operator[MaskedFill] fail" in orig.stderr, orig.stderr[-2000:]
    assert "Float16, Bool, Int64" in orig.stderr  # the int fill became an int64 scalar

    patched, findings = apply_to_text("masked-fill-dtype", PROGRAM, "fill.py")
    assert patched is not None
    assert "y = x.masked_fill(mask, mindspore.Tensor(0, dtype=x.dtype))" in patched
    assert "z = ops.masked_fill(x, mask, mindspore.Tensor(-1e4, dtype=x.dtype))" in patched
    assert [f.kind for f in findings] == ["change", "change"]

    res = _run(ms27, tmp_path, "patched.py", patched)
    assert res.returncode == 0, res.stderr[-2000:]
    line = [ln for ln in res.stdout.splitlines() if ln.startswith("RESULT")][0]
    assert line == (
        "RESULT Float16 [[0.0, 1.0, 0.0], [1.0, 0.0, 1.0]] "
        "Float16 [[-10000.0, 1.0, -10000.0], [1.0, -10000.0, 1.0]]"
    )
