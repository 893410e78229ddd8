"""Round 23, after the held-out sets AE and AF were measured: families their misses showed, written from the emitting
code and from other public threads (AF1390-AF1392, AF285 widened). Each signature's own examples run in
tests/test_explain_kb.py; here, how they rank against their neighbours.
"""

import pytest

from explain_support import hits, top

# https://github.com/pizlonator/fil-c/issues/110 (the build log as posted)
GCC_KILLED = """[12/2239] Building CXX object lib/Transforms/Coroutines/CMakeFiles/LLVMCoroutines.dir/CoroElide.cpp.o
ninja: job failed: /usr/bin/c++ -<snip> /fil-c/llvm/lib/Transforms/Coroutines/CoroSplit.cpp
c++: fatal error: Killed signal terminated program cc1plus
compilation terminated.
ninja: subcommand failed"""

# https://github.com/ymcui/Chinese-LLaMA-Alpaca/issues/258 (the traceback as posted)
GRADIO_SERIALIZED = """Traceback (most recent call last):
  File "server.py", line 885, in <module>
    create_interface()
  File "server.py", line 803, in create_interface
    extensions_module.create_extensions_block()
  File "/usr/local/lib/python3.8/dist-packages/gradio/blocks.py", line 1285, in __exit__
    self.config = self.get_config_file()
  File "/usr/local/lib/python3.8/dist-packages/gradio/blocks.py", line 1261, in get_config_file
    "input": list(block.input_api_info()),  # type: ignore
  File "/usr/local/lib/python3.8/dist-packages/gradio_client/serializing.py", line 40, in input_api_info
    return (api_info["serialized_input"][0], api_info["serialized_input"][1])
KeyError: 'serialized_input'"""

# https://github.com/flagos-ai/vllm-plugin-FL/issues/446 (the two lines the issue quotes)
VLLM_INSPECT_IMPORT = """Model architectures ['Qwen3_5MoeForConditionalGeneration'] failed to be inspected.
...
ImportError: cannot import name 'ModelRegistry' from 'vllm' (unknown location)"""


def test_compiler_killed_names_host_memory():
    assert top(GCC_KILLED) == ("AF1390", "host_oom")


@pytest.mark.parametrize("line", [
    # https://github.com/BLAST-WarpX/warpx/issues/4613: a crash of the tool (signal 11), not the OOM killer
    "nvcc error   : 'cicc' died due to signal 11 (Invalid memory reference)",
    # https://github.com/TrinityCore/TrinityCore/issues/17751: GCC's internal compiler error, not the OOM killer
    "c++: internal compiler error: Segmentation fault (program cc1plus)",
])
def test_compiler_crash_is_not_host_memory(line):
    assert "AF1390" not in hits(line)


def test_gradio_client_serialized_key_is_version_skew():
    assert top(GRADIO_SERIALIZED) == ("AF1391", "version_skew")


def test_bare_serialized_key_error_is_not_gradio():
    # the KeyError without gradio_client's frame (a user's own dict lookup reads the same)
    assert "AF1391" not in hits("KeyError: 'serialized_input'")


def test_failed_inspection_yields_to_the_import_error_it_wraps():
    got = hits(VLLM_INSPECT_IMPORT)
    assert "AF1392" in got and got[0] != "AF1392", got


def test_failed_inspection_alone_is_version_skew():
    line = "ValueError: Model architectures ['MiniCPMO'] failed to be inspected. Please check the logs for more details."
    assert top(line) == ("AF1392", "version_skew")


@pytest.mark.parametrize("line", [
    # https://github.com/open-mmlab/mmdetection/issues/11653 (Windows spelling of the dtype)
    "RuntimeError: Input type (struct c10::Half) and bias type (float) should be the same",
    # https://github.com/zjukg/KoPA/issues/11
    "RuntimeError: expected mat1 and mat2 to have the same dtype, but got: float != c10::Half",
])
def test_dtype_mismatch_wordings(line):
    assert top(line) == ("AF285", "tensor_mismatch")
