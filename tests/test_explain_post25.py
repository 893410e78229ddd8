"""post25: Ascend-only categories need an Ascend NPU context.

AF024 ("X.so: undefined symbol: Y") is install (a library that does not load) and cann_env (its ``npu_category``) when
the log shows an Ascend NPU context; the category inference names cann_env (``npu_only: install`` in
rules/explain_categories.yaml) only with that context — otherwise the best other category, else install when the
failing lines hold install's evidence. Both paths (pure Python and grep), a file and a pipe.

Lines are copied from public threads (URL next to them, registered in the round's kb-sources) or captured here."""


import pytest

from ascendfix.explain import kb
from ascendfix.explain.engine import explain_stream
from test_explain_npu_context import _top as npu_top

PATHS = pytest.mark.parametrize("use_grep", [False, True], ids=["python", "grep"])

# https://github.com/pytorch/pytorch/issues/111469 (a CUDA host)
CUSPARSE = ("ImportError: /usr/local/lib/python3.10/dist-packages/torch/lib/../../nvidia/cusparse/lib/libcusparse.so.12: "
            "undefined symbol: __nvJitLinkAddData_12_1, version libnvJitLink.so.12")
# https://github.com/Ascend/pytorch/issues/99 (AF024's own example: the ATB tree is NPU context)
ATB = (" OSError: /home/mtp/Ascend/nnal/atb/latest/atb/cxx_abi_1/lib/libtbe_adapter.so: undefined symbol: "
       "_ZN3Mki2DlC1ERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEEb")
# a torch_npu frame of a traceback on an Atlas 910B host: https://github.com/opendatalab/MinerU/issues/2258
NPU_FRAME = ('  File "/opt/mineru_venv/lib/python3.10/site-packages/torch_npu/npu/npu_config.py", line 89, '
             'in set_compile_mode')
# captured: python3 -c "import ctypes; ctypes.CDLL('libamdhip64.so.6')"  (the traceback it prints, on a host without
# ROCm)
HIP = ['Traceback (most recent call last):',
       '  File "<string>", line 1, in <module>',
       '  File "/root/.pyenv/versions/3.11.7/lib/python3.11/ctypes/__init__.py", line 376, in __init__',
       '    self._handle = _dlopen(self._name, mode)',
       '                   ^^^^^^^^^^^^^^^^^^^^^^^^^^^',
       'OSError: libamdhip64.so.6: cannot open shared object file: No such file or directory']
# captured: python3 -c "import ctypes; ctypes.CDLL('libascendcl.so')"  (its last line, on a host without CANN)
ACL = "OSError: libascendcl.so: cannot open shared object file: No such file or directory"


def _top(lines, use_grep, tmp_path, pipe):
    """The first match (or None) for these lines, as a file or through a pipe (test_explain_npu_context's reader)."""
    return npu_top(("\n".join(lines) + "\n").encode(), use_grep, tmp_path, pipe)


@PATHS
@pytest.mark.parametrize("pipe", [False, True], ids=["file", "pipe"])
def test_af024_off_ascend_is_install(use_grep, pipe, tmp_path):
    top = _top([CUSPARSE], use_grep, tmp_path, pipe)
    assert (top["id"], top["category"]) == ("AF024", "install")
    assert "because" not in top


@PATHS
@pytest.mark.parametrize("pipe", [False, True], ids=["file", "pipe"])
def test_af024_on_ascend_is_cann_env(use_grep, pipe, tmp_path):
    top = _top([ATB], use_grep, tmp_path, pipe)
    assert (top["id"], top["category"], top["category_without_context"]) == ("AF024", "cann_env", "install")
    top = _top([NPU_FRAME, CUSPARSE], use_grep, tmp_path, pipe)
    assert (top["id"], top["category"]) == ("AF024", "cann_env")
    assert top["because"] == "the log shows an Ascend NPU context: line 1: " + NPU_FRAME.strip()


def test_af024_page_names_both():
    sig = kb.find_signature("AF024")
    assert (sig.category, sig.npu_category) == ("install", "cann_env")


@PATHS
@pytest.mark.parametrize("pipe", [False, True], ids=["file", "pipe"])
def test_inference_loader_failure_off_ascend_is_install(use_grep, pipe, tmp_path):
    top = _top(HIP, use_grep, tmp_path, pipe)
    assert (top["id"], top["category"]) == ("inferred:install", "install")
    assert "because" not in top


@PATHS
def test_inference_loader_failure_on_ascend_stays_cann_env(use_grep, tmp_path):
    top = _top([NPU_FRAME] + HIP, use_grep, tmp_path, pipe=False)
    assert (top["id"], top["category"], top["category_without_context"]) == (
        "inferred:cann_env", "cann_env", "install")
    assert top["context"]["line"] == 1 and top["because"].startswith("the log shows an Ascend NPU context: line 1:")


@PATHS
def test_cann_library_is_its_own_context(use_grep, tmp_path):
    """A loader failure of CANN's own library stays cann_env with no other Ascend word in the log."""
    top = _top(HIP[:-1] + [ACL], use_grep, tmp_path, pipe=False)
    assert top["category"] == "cann_env"


def test_context_regexes():
    ctx, veto = kb.npu_context()
    for line in (ACL, ATB, "/usr/lib/libfoo.so: undefined symbol: _ZN6c10_npu7getDeviceEv",
                 "libx.so: undefined symbol: aclrtSetDevice",
                 # https://github.com/Ascend/pytorch/issues/29 (AF064's example: a CANN log header, CANN's tbe package)
                 '[ERROR] TUNE(2440326,python):2024-04-08-15:18:43.444.270 [pywrapper.cpp:94][CANNKB][Tid:2440326]'
                 '"ModuleNotFoundError: No module named \'tbe.common\''):
        assert ctx.search(line.encode()) and not veto.search(line.encode()), line
    # lines of other stacks are no NPU context
    for line in [CUSPARSE] + HIP + ["OSError: libacl.so.1: cannot open shared object file",
                                   "undefined symbol: acl_get_file", "libgeos_c.so: undefined symbol: GEOSFoo",
                                   # captured: python3 -c "import tbe_tools"
                                   "ModuleNotFoundError: No module named 'tbe_tools'"]:
        assert not ctx.search(line.encode()), line


def test_npu_only_must_name_another_category(tmp_path, monkeypatch):
    import yaml

    from ascendfix.errors import DataError

    entries = [{"id": "aaa", "title": "A", "description": "a", "npu_only": "aaa"}]
    p = tmp_path / "explain_categories.yaml"
    p.write_text(yaml.safe_dump(entries))
    monkeypatch.setattr(kb, "_rules_path", lambda name: p)
    monkeypatch.setattr(kb, "_CATS", {})
    with pytest.raises(DataError, match="npu_only 'aaa' must be another category"):
        kb.category_entries()


# captured: python3 -c "import torch_npu" 2>&1 | tr '\n' ' '   (a traceback flattened onto one line, as a Hugging Face
# Space's "Runtime error" page shows it)
FLAT = ('Traceback (most recent call last):   File "<string>", line 1, in <module> ModuleNotFoundError: No module named '
        "'torch_npu' ")


@PATHS
@pytest.mark.parametrize("pipe", [False, True], ids=["file", "pipe"])
def test_flattened_traceback_ends_with_its_exception(use_grep, pipe, tmp_path):
    top = _top([FLAT], use_grep, tmp_path, pipe)
    assert (top["id"], top["category"]) == ("inferred:cann_env", "cann_env")
    assert any("ModuleNotFoundError: No module named 'torch_npu'" in e["text"] for e in top["evidence"])


def test_flattened_traceback_key_line_is_its_exception(tmp_path):
    p = tmp_path / "flat.log"
    p.write_bytes((FLAT + "\n").encode())
    with open(str(p), "rb") as fh:
        doc = explain_stream(fh, limit=None)
    assert [(k["kind"], k["text"]) for k in doc["key_lines"]] == [
        ("exception", "ModuleNotFoundError: No module named 'torch_npu'")]


def test_flattened_traceback_reader():
    from ascendfix.explain.engine import _flat_traceback

    assert _flat_traceback(FLAT) == "ModuleNotFoundError: No module named 'torch_npu'"
    # a traceback header alone, or one with its frame on the next line, is no flattened traceback
    assert _flat_traceback("Traceback (most recent call last):") is None
    assert _flat_traceback("ERROR Traceback (most recent call last): see above") is None
