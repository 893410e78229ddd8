"""Round 22 (kb22g): precision. Harmless logs from public threads (start-ups and reports of runs that went on) must stay
silent; each one explain flagged before is here with the family fix that silences it, next to a failure of the same
shape that must still be named. Fast tier, in-process."""

import pytest

from ascendfix.explain.lines import parse
from explain_support import top

# Text Generation Inference's launcher logs through Rust's tracing-subscriber (default "Full" format: RFC 3339 time,
# level right-aligned to five); the optional-model import notices are WARN lines and the server goes on
# (https://github.com/huggingface/text-generation-inference/pull/2702)
TGI_START = """2024-10-28T08:34:40.548403Z  INFO shard-manager: text_generation_launcher: Starting shard rank=0
2024-10-28T08:34:43.836780Z  INFO text_generation_launcher: Using prefix caching = False
2024-10-28T08:34:43.836810Z  INFO text_generation_launcher: Using Attention = paged
2024-10-28T08:34:43.886426Z  WARN text_generation_launcher: Could not import Flash Attention enabled models: No module named 'triton'
2024-10-28T08:34:43.886914Z  WARN text_generation_launcher: Could not import Mamba: No module named 'mamba_ssm'
2024-10-28T08:34:46.605594Z  INFO text_generation_launcher: Using experimental prefill chunking = False"""

# text-embeddings-inference's router, the same tracing format: a WARN notice of a start-up that goes on
# (https://github.com/huggingface/text-embeddings-inference/issues/171)
TEI_START = """2024-02-26T08:41:20.505801Z  WARN text_embeddings_router: router/src/lib.rs:200: Could not find a Sentence Transformers config
2024-02-26T08:41:20.505831Z  INFO text_embeddings_router: router/src/lib.rs:204: Maximum number of tokens per request: 512
2024-02-26T08:41:20.507483Z  INFO text_embeddings_core::tokenization: core/src/tokenization.rs:23: Starting 72 tokenization workers"""

# DeepSpeed's installer probing for build tools with the shell's `type` (bash as /bin/sh prints the negative answer on
# stderr) and going on (https://github.com/deepspeedai/DeepSpeed/issues/1126)
DS_PROBE = """No hostfile exists at /job/hostfile, installing locally
Building deepspeed wheel
DS_BUILD_OPS=0
/bin/sh: line 1: type: llvm-config-9: not found
/bin/sh: line 1: type: cmake: not found
 [WARNING]  sparse_attn requires the 'cmake' command, but it does not exist!
 [WARNING]  sparse_attn requires CUDA version 10.1+, does not currently support >=11 or <10.1
 [WARNING]  async_io requires the libraries: ['libaio-dev'] but are missing. Can be fixed by: `apt install libaio-dev`.
Install Ops={'cpu_adam': False, 'fused_adam': False, 'fused_lamb': False, 'sparse_attn': False, 'transformer': False, 'stochastic_transformer': False, 'async_io': False, 'transformer_inference': False, 'utils': False, 'quantizer': False}"""


@pytest.mark.parametrize("text", [TGI_START, TEI_START, DS_PROBE],
                         ids=["tgi-tracing-warn", "tei-tracing-warn", "deepspeed-type-probe"])
def test_harmless_start_up_stays_silent(text):
    assert top(text) == (None, None)


@pytest.mark.parametrize("line, level, message", [
    ("2024-10-28T08:34:43.886426Z  WARN text_generation_launcher: Could not import Mamba: No module named 'mamba_ssm'",
     "WARNING", "text_generation_launcher: Could not import Mamba: No module named 'mamba_ssm'"),
    # tokio-rs/tracing's own example output of the Full format (tracing-subscriber/src/fmt/format/mod.rs)
    ("2022-02-15T18:40:14.290268Z ERROR shaving_yaks{yaks=3}: fmt::yak_shave: failed to shave yak yak=3 error=missing yak "
     "error.sources=[out of space, out of cash]",
     "ERROR", "shaving_yaks{yaks=3}: fmt::yak_shave: failed to shave yak yak=3 error=missing yak "
     "error.sources=[out of space, out of cash]"),
    ("2022-02-15T18:40:14.289898Z  INFO fmt: preparing to shave yaks number_of_yaks=3", "INFO",
     "fmt: preparing to shave yaks number_of_yaks=3"),
])
def test_tracing_subscriber_level_is_read(line, level, message):
    info = parse(line)
    assert (info.level, info.message) == (level, message)


def test_a_container_timestamp_before_a_vllm_header_is_still_read_as_before():
    """A container timestamp before vLLM's own "WARNING 07-29 15:39:27 [file.py:17]" header: the vLLM header is read
    (level, message), not taken for a tracing line (rev22g: the line is copied from
    https://github.com/allenai/open-instruct/pull/838; an earlier version of this test used a made-up ERROR line)."""
    line = ("2025-07-29T15:39:27.815Z WARNING 07-29 15:39:27 [env_override.py:17] NCCL_CUMEM_ENABLE is set to 0, skipping "
            "override. This may increase memory overhead with cudagraph+allreduce: https://github.com/NVIDIA/nccl/issues/1234")
    info = parse(line)
    assert info.level == "WARNING" and info.message.startswith("NCCL_CUMEM_ENABLE is set to 0, skipping override.")


def test_a_command_the_shell_could_not_run_is_still_a_failure():
    """Only the `type` builtin's answer is benign; a build step whose command is missing still fails (captured: GNU
    make 4.3 with /bin/sh = dash, a Makefile whose recipe runs "nosuchcmd_kb22g --version; true && nosuchcmd_kb22g")."""
    text = ("/bin/sh: 1: nosuchcmd_kb22g: not found\n/bin/sh: 1: nosuchcmd_kb22g: not found\n"
            "make: *** [Makefile:2: all] Error 127")
    assert top(text) != (None, None)


# rev22g: the test above passes on the make line alone, so it cannot see the benign wording growing; check the wording
# itself against the shells' own answers for a command they could not run (each captured here:
# `/bin/bash -c nosuchcmd_kb22g`, `bash -c nosuchcmd_kb22g` (bash 5), and the make recipe above with dash as /bin/sh)
# and for the `type` probe (`/bin/bash -c 'type nosuchcmd_kb22g'`)
@pytest.mark.parametrize("line, benign", [
    ("/bin/bash: line 1: nosuchcmd_kb22g: command not found", False),
    ("bash: nosuchcmd_kb22g: command not found", False),
    ("/bin/sh: 1: nosuchcmd_kb22g: not found", False),
    ("/bin/bash: line 1: type: nosuchcmd_kb22g: not found", True),
])
def test_shell_type_probe_wording_is_only_the_type_answer(line, benign):
    import re

    from ascendfix.explain.kb import benign_entries

    entry = next(e for e in benign_entries() if e["id"] == "shell-type-probe-not-found")
    assert (re.search(entry["regex"], line, re.I) is not None) is benign
