"""Round 23 (kb23a): families explain missed in public threads, taught from their emitting source. Fast tier,
in-process."""

from explain_support import top

from ascendfix.explain import infer

# transformers before its "does not recognize this architecture" message: AutoConfig.from_pretrained looks the
# model_type up with CONFIG_MAPPING[...] and _LazyConfigMapping.__getitem__ raises a bare KeyError
# (https://github.com/QwenLM/Qwen3/issues/434: Qwen1.5 on transformers 4.32)
QWEN2_ON_OLD_TRANSFORMERS = """Traceback (most recent call last):
  File "/cognitive_comp/Qwen1.5/examples/sft/finetune.py", line 423, in <module>
    train()
  File "/cognitive_comp/Qwen1.5/examples/sft/finetune.py", line 344, in train
    config = transformers.AutoConfig.from_pretrained(
             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/home/anaconda3/envs/qwen/lib/python3.11/site-packages/transformers/models/auto/configuration_auto.py", line 1022, in from_pretrained
    config_class = CONFIG_MAPPING[config_dict["model_type"]]
                   ~~~~~~~~~~~~~~^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/home/anaconda3/envs/qwen/lib/python3.11/site-packages/transformers/models/auto/configuration_auto.py", line 723, in __getitem__
    raise KeyError(key)
KeyError: 'qwen2'"""

# AutoModel's own mapping refusing a custom config class (a reward model's Qwen2RMConfig): the calling code's choice
# of class, not an old transformers (https://github.com/OpenRLHF/OpenRLHF/issues/1043)
CUSTOM_CONFIG_CLASS = """  File "/data/LIMR/openrlhf/models/model.py", line 75, in get_llm_for_sequence_regression
    base_class = AutoModel._model_mapping[type(config)]
  File "/data/anaconda/envs/openrlhf/lib/python3.10/site-packages/transformers/models/auto/auto_factory.py", line 771, in __getitem__
    model_type = self._reverse_config_mapping[key.__name__]
KeyError: 'Qwen2RMConfig'"""


# (rev23a) another program's KeyError naming the same model, raised in a __getitem__ frame that is not transformers'
# configuration_auto (torchtune's ModelType enum lookup; https://github.com/meta-pytorch/torchtune/issues/1359): the
# bare KeyError alone is no sign of an old release
TORCHTUNE_MODEL_TYPE_ENUM = """  File "/home/dpalmasan/local/miniconda3/lib/python3.12/site-packages/torchtune/utils/_checkpointing/_checkpointer.py", line 333, in __init__
    self._model_type = ModelType[model_type]
                       ~~~~~~~~~^^^^^^^^^^^^
  File "/home/dpalmasan/local/miniconda3/lib/python3.12/enum.py", line 814, in __getitem__
    return cls._member_map_[name]
           ~~~~~~~~~~~~~~~~^^^^^^
KeyError: 'QWEN2'"""


# (rev23a) a user program's own KeyError naming a model, with its traceback header (frames read):
# https://github.com/kwuking/TimeMixer/issues/61
USER_MODEL_DICT_KEYERROR = """Use GPU: cuda:0
Traceback (most recent call last):
  File "/mnt/workspace/baseline/project/train.py", line 77, in <module>
    exp = Exp(args)  # set experiments
  File "/mnt/workspace/baseline/project/exp/exp_long_term_forecasting.py", line 17, in __init__
    super(Exp_Long_Term_Forecast, self).__init__(args)
  File "/mnt/workspace/baseline/project/exp/exp_basic.py", line 13, in __init__
    self.model = self._build_model().to(self.device)
  File "/mnt/workspace/baseline/project/exp/exp_long_term_forecasting.py", line 20, in _build_model
    model = self.model_dict[self.args.model].Model(self.args).float()
KeyError: 'Autoformer'"""


def test_a_users_own_keyerror_is_not_read_as_an_old_release():
    assert top(USER_MODEL_DICT_KEYERROR)[1] != "version_skew"
    assert "version_skew" not in _frame_categories(USER_MODEL_DICT_KEYERROR)


def test_bare_model_type_keyerror_of_old_transformers_is_version_skew():
    assert top(QWEN2_ON_OLD_TRANSFORMERS)[1] == "version_skew"


def _frame_categories(text):
    """The categories whose frame evidence the frame lines of ``text`` give (as the engine reads a traceback's frames)."""
    inf = infer.load()
    frames = [(i, ft) for i, ft in enumerate(infer.frame_text(ln.strip()) for ln in text.split("\n")) if ft]
    assert frames  # the excerpt's frame lines are read as frames
    return {inf.categories[ci][0] for ci, _fi, _word, _line in inf.frame_evidence(frames)}


def test_auto_model_mapping_keyerror_is_not_read_as_an_old_release():
    assert top(CUSTOM_CONFIG_CLASS)[1] != "version_skew"
    # (rev23a) the public excerpts start below the "Traceback (most recent call last):" header, so the engine reads no
    # frames of them and the line above passes whatever the frame regex says: test the frame evidence itself
    assert "version_skew" in _frame_categories(QWEN2_ON_OLD_TRANSFORMERS)
    assert "version_skew" not in _frame_categories(CUSTOM_CONFIG_CLASS)


def test_another_programs_keyerror_in_a_getitem_frame_is_not_read_as_an_old_release():
    assert top(TORCHTUNE_MODEL_TYPE_ENUM)[1] != "version_skew"
    assert "version_skew" not in _frame_categories(TORCHTUNE_MODEL_TYPE_ENUM)


# PyTorch DDP's reducer (torch/csrc/distributed/c10d/reducer.cpp) refusing a parameter marked ready twice: reentrant
# gradient checkpointing or shared parameters under DDP, usually LoRA fine-tuning. None of the categories is its cause;
# its words ("`checkpoint` functions", "DDP does not support such use cases", a parameter name ending in ".weight")
# must not be read as missing weights or an operator without a kernel
DDP_READY_TWICE_SWIFT = """[rank0]: RuntimeError: Expected to mark a variable ready only once. This error is caused by one of the following reasons: 1) Use of a module parameter outside the `forward` function. Please make sure model parameters are not shared across multiple concurrent forward-backward passes. or try to use _set_static_graph() as a workaround if this module graph does not change during training loop.2) Reused parameters in multiple reentrant backward passes. For example, if you use multiple `checkpoint` functions to wrap the same part of your model, it would result in the same set of parameters been used by different reentrant backward passes multiple times, and hence marking a variable ready multiple times. DDP does not support such use cases in default. You can try to use _set_static_graph() as a workaround if your module graph does not change over iterations.
[rank0]: Parameter at index 279 with name base_model.model.model.layers.27.mlp.down_proj.lora_B.default.weight has been marked as ready twice. This means that multiple autograd engine  hooks have fired for this particular parameter during this iteration."""  # https://github.com/modelscope/ms-swift/issues/3446

DDP_READY_TWICE_HF = """RuntimeError: Expected to mark a variable ready only once. This error is caused by one of the following reasons: 1) Use of a module parameter outside the `forward` function. Please make sure model parameters are not shared across 
multiple concurrent forward-backward passes. or try to use _set_static_graph() as a workaround if this module graph does not change during training loop.2) Reused parameters in multiple reentrant backward passes. For example, if 
you use multiple `checkpoint` functions to wrap the same part of your model, it would result in the same set of parameters been used by different reentrant backward passes multiple times, and hence marking a variable ready 
multiple times. DDP does not support such use cases in default. You can try to use _set_static_graph() as a workaround if your module graph does not change over iterations.
Parameter at index 129 with name base_model.model.model.layers.31.self_attn.v_proj.lora_B.default.weight has been marked as ready twice. This means that multiple autograd engine  hooks have fired for this particular parameter """  # https://github.com/huggingface/transformers/issues/23728


def test_ddp_parameter_ready_twice_is_not_missing_weights_or_an_unsupported_kernel():
    for text in (DDP_READY_TWICE_SWIFT, DDP_READY_TWICE_HF):
        assert top(text)[1] not in ("missing_weights", "kernel_unsupported")
