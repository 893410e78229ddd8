"""Round 24 (kb24e): training-framework families explain missed in public logs (LLaMA-Factory, ms-swift, peft, trl,
DeepSpeed, accelerate, torchrun). Each log below is copied from the public thread named with it; the signatures' own
examples run in tests/test_explain_kb.py. Fast tier, in-process."""

from explain_support import top, top_category

# activation (gradient) checkpointing's own error is no missing weights file: torch.utils.checkpoint's CheckpointError
# under DeepSpeed ZeRO-3 + PEFT (huggingface/transformers#47254) names no category
ZERO3_RECOMPUTE = """torch.utils.checkpoint.CheckpointError: Recomputed values for the following tensors
have different metadata than during the forward pass.
tensor at position 4: saved {'shape': [1024]} vs recomputed {'shape': [0]}"""


def test_activation_checkpointing_is_no_missing_checkpoint():
    assert top_category(ZERO3_RECOMPUTE) != "missing_weights"


# LLaMA-Factory's template refusal on a rank, with the launcher's SIGTERM lines after it (hiyouga/LlamaFactory#7894)
LLAMAFACTORY_TEMPLATE = """[rank2]:   File "/usr/local/anaconda3/envs/llama-factory-cl/lib/python3.11/site-packages/llamafactory/data/template.py", line 547, in get_template_and_fix_tokenizer
[rank2]:     raise ValueError(f"Template {data_args.template} does not exist.")
[rank2]: ValueError: Template qwen3 does not exist.
W0429 11:19:48.007000 140541977510912 torch/distributed/elastic/multiprocessing/api.py:858] Sending process 122719 closing signal SIGTERM
W0429 11:19:48.007000 140541977510912 torch/distributed/elastic/multiprocessing/api.py:858] Sending process 122720 closing signal SIGTERM"""


def test_llamafactory_template_is_version_skew():
    assert top(LLAMAFACTORY_TEMPLATE) == ("AF1521", "version_skew")


# accelerate's prepare() refusing a device_map'd model in a distributed run (FreedomIntelligence/HuatuoGPT-II#32)
ACCELERATE_DEVICE_MAP = """  File "/fdudata/tsli/HuatuoGPT-II/huatuo2/lib/python3.8/site-packages/accelerate/accelerator.py", line 1250, in prepare
    raise ValueError(
ValueError: You can't train a model that has been loaded with `device_map='auto'` in any distributed mode. Please rerun your script specifying `--num_processes=1` or by launching with `python {{myscript.py}}`."""


def test_accelerate_device_map_in_distributed_mode():
    assert top(ACCELERATE_DEVICE_MAP) == ("AF1523", "dist_launch")


# Unsloth's multi-GPU refusal in a notebook, with its apology lines after it (unslothai/unsloth#724)
UNSLOTH_MULTI_GPU = """File <string>:36, in train(self, resume_from_checkpoint, trial, ignore_keys_for_eval, **kwargs)

RuntimeError: Unsloth currently does not work on multi GPU setups - sadly we are a 2 brother team so enabling it will require much more work, so we have to prioritize. Please understand!
We do have a separate beta version, which you can contact us about!
Thank you for your understanding and we appreciate it immensely!"""


def test_unsloth_multi_gpu_refusal():
    assert top(UNSLOTH_MULTI_GPU) == ("AF1526", "dist_launch")


# DeepSpeed's ZeRO resume with another DP world size is no missing kernel (deepspeedai/DeepSpeed#2898)
ZERO_WORLD_SIZE = "deepspeed.runtime.zero.utils.ZeRORuntimeException: The checkpoint being loaded used a DP world size of 4 but the current world size is 6. Automatic adjustment of ZeRO's optimizer state partitioning with a new world size is not currently supported."


def test_zero_checkpoint_world_size():
    assert top(ZERO_WORLD_SIZE) == ("AF1522", "dist_launch")


# a model class without gradient checkpointing (transformers' gradient_checkpointing_enable, Amelie-Schreiber/esm2_loras#2)
# and a LoRA target peft cannot wrap (hiyouga/LlamaFactory#9033) refuse a training feature: no operator kernel is missing
NO_GRADIENT_CHECKPOINTING = """  File "/home/sureshp/anaconda3/envs/qlora/lib/python3.11/site-packages/transformers/modeling_utils.py", line 1631, in gradient_checkpointing_enable
    raise ValueError(f"{self.__class__.__name__} does not support gradient checkpointing.")
ValueError: EsmForTokenClassification does not support gradient checkpointing."""

PEFT_TARGET_NOT_SUPPORTED = "ValueError: Target module GELUActivation() is not supported. Currently, only the following modules are supported: `torch.nn.Linear`, `torch.nn.Embedding`, `torch.nn.Conv1d`, `torch.nn.Conv2d`, `torch.nn.Conv3d`, `transformers.pytorch_utils.Conv1D`, `tor"


def test_model_feature_refusals_are_no_kernel():
    assert top_category(NO_GRADIENT_CHECKPOINTING) != "kernel_unsupported"
    assert top_category(PEFT_TARGET_NOT_SUPPORTED) != "kernel_unsupported"


# TRL's GRPO batch / generations check compares two settings, no tensor shapes (Mohammadjafari80/GSM8K-RLVR#3)
GRPO_GENERATIONS = """  File "/root/miniconda3/envs/jnu/lib/python3.12/site-packages/trl/trainer/grpo_trainer.py", line 429, in __init__
    raise ValueError(
ValueError: The global train batch size (1 x 1) must be evenly divisible by the number of generations per prompt (6). Given the current train batch size, the valid values for the number of generations are: []."""


def test_grpo_generations_is_no_shape_mismatch():
    assert top_category(GRPO_GENERATIONS) != "shape_mismatch"


# torchrun's agent hung up with its terminal: the forwarded SIGHUP, not a training failure (JingyunLiang/VRT#47)
TORCHRUN_SIGHUP = """WARNING:torch.distributed.elastic.agent.server.api:Received 1 death signal, shutting down workers
WARNING:torch.distributed.elastic.multiprocessing.api:Sending process 2704351 closing signal SIGHUP
WARNING:torch.distributed.elastic.multiprocessing.api:Sending process 2704352 closing signal SIGHUP
Traceback (most recent call last):
  File "/home/ET/huiyuxiang/miniconda3/envs/deblur/lib/python3.7/runpy.py", line 193, in _run_module_as_main
    "__main__", mod_spec)"""


def test_torchrun_sighup():
    assert top(TORCHRUN_SIGHUP) == ("AF1529", "host_system")
