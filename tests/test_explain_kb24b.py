"""Round 24 (kb24b): LLM-serving families explain missed in public logs (vLLM, llama.cpp and the programs embedding it,
Ollama, TGI, Xinference). Each log below is copied from the public thread named with it; the signatures' own examples
run in tests/test_explain_kb.py. Fast tier, in-process."""

from explain_support import top

# a Ray worker of vLLM 0.4 refusing fp8 on an Ampere GPU, with the worker's wrapper lines after it
# (https://github.com/vllm-project/vllm/issues/4327)
VLLM_FP8_ON_AMPERE = """ValueError: The quantization method fp8 is not supported for the current GPU. Minimum capability: 90. Current capability: 86.
(RayWorkerWrapper pid=2202490) ERROR 04-24 16:06:40 worker_base.py:157] Error executing method load_model. This might cause deadlock in distributed execution.
(RayWorkerWrapper pid=2202490) ERROR 04-24 16:06:40 worker_base.py:157] Traceback (most recent call last):"""

# the compressed-tensors scheme check inside vLLM's EngineCore (https://github.com/1CatAI/1Cat-vLLM/issues/94)
VLLM_SCHEME_FRAMES = """(EngineCore pid=19780) ERROR 07-01 23:16:22 [core.py:1266]   File "/home/adon/miniconda3/envs/vllm_py12/lib/python3.12/site-packages/vllm/model_executor/layers/quantization/compressed_tensors/compressed_tensors.py", line 757, in get_scheme
(EngineCore pid=19780) ERROR 07-01 23:16:22 [core.py:1266]     self._check_scheme_supported(scheme.get_min_capability())
(EngineCore pid=19780) ERROR 07-01 23:16:22 [core.py:1266]   File "/home/adon/miniconda3/envs/vllm_py12/lib/python3.12/site-packages/vllm/model_executor/layers/quantization/compressed_tensors/compressed_tensors.py", line 354, in _check_scheme_supported
(EngineCore pid=19780) ERROR 07-01 23:16:22 [core.py:1266]     raise RuntimeError(
RuntimeError: ('Quantization scheme is not supported for ', 'the current GPU. Min capability: 75. ', 'Current capability: 70.')"""

# llama.cpp's CLI refusing a DeepSeek-R1 distill's pre-tokenizer (https://github.com/ggml-org/llama.cpp/issues/12021)
LLAMA_CPP_PRE_TOKENIZER = """llama_model_load: error loading model: error loading model vocabulary: unknown pre-tokenizer type: 'deepseek-r1-qwen'
llama_load_model_from_file: failed to load model
llama_init_from_gpt_params: error: failed to load model
main: error: unable to load model"""

# a phi-2 GGUF with the fused attn_qkv of newer conversions, read by llamafile 0.6
# (https://github.com/mozilla-ai/llamafile/issues/219)
LLAMAFILE_TENSOR_NOT_FOUND = """error loading model: create_tensor: tensor 'blk.0.attn_qkv.weight' not found
llama_load_model_from_file: failed to load model
llama_init_from_gpt_params: error: failed to load model 'phi-2-electrical-engineering.Q8_0.gguf'
main: error: unable to load model"""

# ... while a truncated GGUF stays with the weights (https://github.com/ollama/ollama/issues/6228)
GGUF_TRUNCATED = """llama_model_load: error loading model: tensor 'blk.2.ffn_down.weight' data is not within the file bounds, model is corrupted or incomplete
llama_load_model_from_file: failed to load model
llama_init_from_gpt_params: error: failed to load model 'models\\gemma-1.1-7b-it.Q4_K_M.gguf'
main: error: unable to load model"""

# Ollama's serve next to the running Ollama app on Windows (https://github.com/ollama/ollama/issues/3575)
OLLAMA_PORT_WINDOWS = "Error: listen tcp 127.0.0.1:11434: bind: Only one usage of each socket address (protocol/network address/port) is normally permitted."

# TGI's flash RW model over two shards (https://github.com/huggingface/text-generation-inference/issues/1354)
TGI_HEADS_OVER_SHARDS = """ValueError: `num_heads` must be divisible by `num_shards` (got `num_heads`: 71 and `num_shards`: 2

2023-12-16T09:36:23.280687Z ERROR text_generation_launcher: Error when initializing model"""


def test_vllm_quantization_capability_gate_is_kernel_unsupported():
    assert top(VLLM_FP8_ON_AMPERE) == ("AF1431", "kernel_unsupported")
    assert top(VLLM_SCHEME_FRAMES) == ("AF1431", "kernel_unsupported")


def test_llama_cpp_pre_tokenizer_and_tensor_layout_are_version_skew():
    assert top(LLAMA_CPP_PRE_TOKENIZER) == ("AF1430", "version_skew")
    assert top(LLAMAFILE_TENSOR_NOT_FOUND) == ("AF1435", "version_skew")


def test_truncated_gguf_is_not_a_tensor_layout_mismatch():
    assert top(GGUF_TRUNCATED)[0] != "AF1435"
    assert top(GGUF_TRUNCATED)[1] == "missing_weights"


def test_windows_port_in_use_wording():
    assert top(OLLAMA_PORT_WINDOWS) == ("AF282", "host_system")


def test_tgi_sharding_refusal():
    assert top(TGI_HEADS_OVER_SHARDS) == ("AF1152", "dist_launch")


# Ollama's pull: the registry out of reach from the server (https://github.com/ollama/ollama/issues/3434) and a layer
# whose checksum does not match (https://github.com/ollama/ollama/issues/8105); the registry's own "file does not
# exist" answer stays AF1102 (https://github.com/ollama/ollama/issues/1770)
OLLAMA_PULL_DNS = """pulling manifest
Error: pull model manifest: Get "https://registry.ollama.ai/v2/library/qwen/manifests/0.5b": dial tcp: lookup registry.ollama.ai: i/o timeout"""

OLLAMA_DIGEST = """verifying sha256 digest 
Error: digest mismatch, file must be downloaded again: want sha256:c5396e06af294bd101b30dce59131a76d2b773e76950acc870eda801d3ab0515, got sha256:311a8fb7a5974e069f27b27a1b300377e37bb9f31954103d96b80ce92eb0d622"""

OLLAMA_NO_SUCH_MODEL = 'I have problem with pulling manifest, while running "ollama run dolphin-mixtral:latest" for the first time I\'ve got "Error: max retries exceeded: unexpected EOF" and now I am unable to restart download getting "Error: pull model manifest: file does not exist".'


def test_ollama_pull_failures():
    assert top(OLLAMA_PULL_DNS) == ("AF1438", "missing_weights")
    assert top(OLLAMA_DIGEST) == ("AF1439", "missing_weights")
    assert top(OLLAMA_NO_SUCH_MODEL)[0] == "AF1102"


# a vLLM Ray worker that finds no weight files under the model id (https://github.com/vllm-project/vllm/issues/4333)
VLLM_NO_WEIGHTS = "(RayWorkerVllm pid=1842765) ERROR 04-24 09:33:04 ray_utils.py:44] RuntimeError: Cannot find any model weights with 'meta-llama/CodeLlama-7b-Instruct-hf'"

# Triton started from the plain image for a TensorRT-LLM model repository
# (https://github.com/triton-inference-server/server/issues/7950)
TRITON_NO_TRTLLM_BACKEND = """E0120 08:28:09.425599 2049 model_lifecycle.cc:654] "failed to load 'tensorrt_llm' version 1: Invalid argument: unable to find backend library for backend 'tensorrtllm', try specifying runtime on the model configuration."
I0120 08:28:09.425626 2049 model_lifecycle.cc:789] "failed to load 'tensorrt_llm'\""""


def test_serving_stack_missing_pieces():
    assert top(VLLM_NO_WEIGHTS) == ("AF1440", "missing_weights")
    assert top(TRITON_NO_TRTLLM_BACKEND) == ("AF1437", "install")


# llama-server older than the README it follows (https://github.com/ggml-org/llama.vim/issues/36; the pre-2024 wording,
# https://github.com/ggml-org/llama.vscode/issues/37): inferred version_skew, as argparse's "unrecognized arguments"
LLAMA_SERVER_OLD_BUILD = """❯ llama-server \\
    -hf ggml-org/Qwen2.5-Coder-7B-Q8_0-GGUF \\
    --port 8012 -ngl 99 -fa -ub 1024 -b 1024 \\
    --ctx-size 0 --cache-reuse 256
error: invalid argument: -hf"""

LLAMA_SERVER_UNKNOWN_ARG = "error: unknown argument: -hf"


def test_llama_cpp_cli_rejecting_an_option_is_version_skew():
    assert top(LLAMA_SERVER_OLD_BUILD)[1] == "version_skew"
    assert top(LLAMA_SERVER_UNKNOWN_ARG)[1] == "version_skew"
