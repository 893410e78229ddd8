"""Round 19 (ev19c): category evidence that generalizes, for numerics, host_oom, missing_weights, tensor_mismatch,
shape_mismatch, py38_subscript and patch_side_effect (rules/explain_categories.yaml, entries marked "ev19c").

Each new or widened evidence entry: a real line from an emitting source, a doc, or a command run here (captured) —
none of them a signature's example — that the category inference alone names correctly, and a harmless or
neighbour line it must not claim."""

import re

import pytest

from ascendfix.explain.kb import category_entries
from tests.explain_support import example, infer_only


def inferred(text):
    found = infer_only(text)
    return found["category"] if found else None


def entry_matching(category, regex_part):
    """The compiled evidence regex of ``category`` whose source contains ``regex_part``."""
    for e in category_entries():
        if e["id"] == category:
            for ev in e.get("evidence") or []:
                if regex_part in ev["regex"]:
                    return re.compile(ev["regex"], re.I)
    raise AssertionError("no evidence entry of {} contains {!r}".format(category, regex_part))


POSITIVE = [
    # DeepSpeed's dynamic loss scaler stopping the run, as Python prints the exception it raises
    # (https://github.com/deepspeedai/DeepSpeed/blob/68ee9f83ae9a278ac09e02b3697094673c9896cd/deepspeed/runtime/fp16/loss_scaler.py)
    ("numerics", "Exception: Current loss scale already at minimum - cannot decrease scale anymore. Exiting run."),
    # Ray's docs, the memory monitor killing a task (the exception and the advice lines of the example run in
    # https://github.com/ray-project/ray/blob/014b81869de39cca16acefe392a488357bded856/doc/source/ray-core/scheduling/ray-oom-prevention.rst)
    ("host_oom", "ray.exceptions.OutOfMemoryError: Task was killed due to the node running low on memory.\n"
                 "Memory on the node (IP: 172.17.0.2, ID: 3a4b60759256926fd0e84a9ff596dab3d7be854134107ef21b0e0260) where the "
                 "task was running was 32.53GB / 33.28GB (0.977449), which exceeds the memory usage threshold of 0.969955. Ray "
                 "killed this worker (ID: 39416ad98016ee6a63173856a9b4e4100625be22e6ee4192722388ba) because it was the most "
                 "recently scheduled task; to see more information about memory usage on this node, use `ray logs raylet.out "
                 "-ip 172.17.0.2`. To see the logs of the worker, use `ray logs "
                 "worker-39416ad98016ee6a63173856a9b4e4100625be22e6ee4192722388ba*out -ip 172.17.0.2`.\n"
                 "Consider provisioning more memory on this node or reducing task parallelism by requesting more CPUs per "
                 "task. To adjust the eviction threshold, set the environment variable `RAY_memory_usage_threshold_fraction` "
                 "when starting Ray. To disable worker eviction, set the environment variable "
                 "`RAY_memory_monitor_interval_ms` to zero."),
    # a DataLoader worker's shared-memory segment in a container with the default /dev/shm (Lightly's docker FAQ,
    # https://github.com/lightly-ai/lightly/blob/93d2676ee4f00a4fdf850aa98f68d20bc83aee19/docs/source/docker/known_issues_faq.rst)
    ("host_oom", "RuntimeError: unable to write to file </torch_31_1030151126>"),
    # transformers' cached_file with no network and an empty cache, default endpoint
    # (https://github.com/huggingface/transformers/blob/main/src/transformers/utils/hub.py)
    ("missing_weights", "OSError: We couldn't connect to 'https://huggingface.co' to load the files, and couldn't find them "
                        "in the cached files."),
    # captured: CPython 3.11.7, python3 -c "open('model.pth')" (what torch.load prints for a weights path that is
    # not there)
    ("missing_weights", "FileNotFoundError: [Errno 2] No such file or directory: 'model.pth'"),
    # aten's Generator.h check_generator, a CPU generator given to a CUDA sampling call
    # (https://github.com/pytorch/pytorch/blob/main/aten/src/ATen/core/Generator.h)
    ("tensor_mismatch", "RuntimeError: Expected a 'cuda' device type for generator but found 'cpu'"),
    # PyTorch's NCCL process group given a CPU tensor
    # (https://github.com/pytorch/pytorch/blob/main/torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp)
    ("tensor_mismatch", "RuntimeError: Tensors must be CUDA and dense"),
    # aten's checkScalarTypes for embedding indices on CUDA (https://github.com/pytorch/pytorch/blob/main/aten/src/ATen/TensorUtils.cpp)
    ("tensor_mismatch", "RuntimeError: Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                        "Long, Int; but got torch.cuda.FloatTensor instead (while checking arguments for embedding)"),
    # transformers' attention check ("The hidden size (%d) is not a multiple of the number of attention heads (%d)",
    # https://github.com/huggingface/transformers/blob/main/src/transformers/models/bert/modeling_bert.py) for a config
    # with hidden_size=512, num_attention_heads=9
    ("shape_mismatch", "ValueError: The hidden size (512) is not a multiple of the number of attention heads (9)"),
    # diffusers' prepare_latents, a list of 2 generators for a batch of 4
    # (https://github.com/huggingface/diffusers/blob/main/src/diffusers/pipelines/stable_diffusion/pipeline_stable_diffusion.py)
    ("shape_mismatch", "ValueError: You have passed a list of generators of length 2, but requested an effective batch size "
                       "of 4. Make sure the batch size matches the length of the generators."),
    # PEFT's injection finding none of the LoRA's target modules
    # (https://github.com/huggingface/peft/blob/v0.21.2/src/peft/tuners/tuners_utils.py)
    ("shape_mismatch", "ValueError: Target modules [q_proj,v_proj] not found in the base model. Please check the target "
                       "modules and try again."),
    # OpenVINO's infer request check (strNotMatched in inference-engine's ie_infer_request_internal.cpp,
    # https://github.com/openvinotoolkit/openvino), as the Python binding raises it
    ("shape_mismatch", "RuntimeError: The input blob size is not equal to the network input size"),
    # a changelog quoting the error with typographic quotes
    # (https://github.com/valkey-io/valkey-glide/blob/main/CHANGELOG.md)
    ("py38_subscript", 'Python: Fix typing error "‘type’ object is not subscriptable"'),
    # captured: CPython 3.8.18, pathlib.Path(...).write_text("a", newline="\n")
    ("py38_subscript", "TypeError: write_text() got an unexpected keyword argument 'newline'"),
    # captured: CPython 3.8.18, hashlib.sha256(b"x", usedforsecurity=False)
    ("py38_subscript", "TypeError: openssl_sha256() takes at most 1 argument (2 given)"),
    # captured: CPython 3.9.18, python3.9 -c "import sys; sys.orig_argv"
    ("py38_subscript", "AttributeError: module 'sys' has no attribute 'orig_argv'"),
    # captured: cattrs 26.2.1 on CPython 3.11.7, cattrs.structure({"x": 1}, "Point") (a class named by a string, as a
    # postponed annotation is)
    ("patch_side_effect", "cattrs.errors.StructureHandlerNotFoundError: Unsupported type: 'Point'. Register a structure hook "
                          "for it."),
    # captured: CPython 3.11.7, python3 nm2.py: typing.get_type_hints of a dataclass whose field annotation OrderedDict
    # is imported only under `if TYPE_CHECKING:`, module with `from __future__ import annotations` (the traceback's
    # typing frames and its NameError line)
    ("patch_side_effect", '  File "<pyenv>/lib/python3.11/typing.py", line 891, in _evaluate\n'
                          "    eval(self.__forward_code__, globalns, localns),\n"
                          '  File "<string>", line 1, in <module>\n'
                          "NameError: name 'OrderedDict' is not defined"),
]

# captured: CPython 3.11.7, python3 nm3.py: p.annotation.__name__ for the parameters of inspect.signature(resize),
# resize(image: bytes, width: int), module with `from __future__ import annotations`. Its AttributeError reads the same
# as a string passed where a function was expected (review 19 item 4), so the '__name__' word (weight 1) names nothing
# on its own: tests/test_explain_fix19.py
NM3_CAPTURE = ('Traceback (most recent call last):\n'
               '  File "<cwd>/nm3.py", line 8, in <module>\n'
               '    print(name, p.annotation.__name__)\n'
               "AttributeError: 'str' object has no attribute '__name__'. Did you mean: '__ne__'?")
# diffusers' _get_signature_types for a pipeline whose __init__ parameters carry string annotations
# (https://github.com/huggingface/diffusers/blob/v0.42.1/src/diffusers/pipelines/pipeline_utils.py): the two
# logger.warning lines alone, with no failure after them. A healthy pipeline prints this warning too, for an argument
# with an unusual annotation (AF710's needs_failure), so the inference alone must not name patch_side_effect from it
# (review 19 item 5); AF710 names it once from_pretrained fails (tests/test_explain_fix19.py)
DIFFUSERS_WARNINGS = ("cannot get type annotation for Parameter unet of <class 'diffusers.pipelines.stable_diffusion."
                      "pipeline_stable_diffusion.StableDiffusionPipeline'>.\n"
                      "cannot get type annotation for Parameter scheduler of <class 'diffusers.pipelines."
                      "stable_diffusion.pipeline_stable_diffusion.StableDiffusionPipeline'>.")


@pytest.mark.parametrize("category,text", POSITIVE, ids=["{}-{}".format(c, i) for i, (c, _) in enumerate(POSITIVE)])
def test_inference_names_the_category(category, text):
    assert inferred(text) == category


NEGATIVE = [
    # captured: CPython 3.11.7, argparse given "--min-loss-scale tiny" (a setting named like the loss scaler's floor)
    ("numerics", "train.py: error: argument --min-loss-scale: invalid float value: 'tiny'"),
    # a full disk (host_system, AF280's example), no torch shared-memory segment
    ("host_oom", example("AF280")),
    # captured: CPython 3.11.7, a data file that is not there (no weights word)
    ("missing_weights", "FileNotFoundError: [Errno 2] No such file or directory: 'data/train.json'"),
    # a dtype without a kernel: kernel_unsupported (AF058's examples), no expected-but-got dtype
    ("tensor_mismatch", example("AF058", i=3)),
    ("tensor_mismatch", example("AF058", i=4)),
    # an aten operator with no NPU kernel (AF042): still kernel_unsupported
    ("tensor_mismatch", example("AF042")),
    # a weights file missing (AF270's sentencepiece line) is no shape error
    ("shape_mismatch", example("AF270", i=2)),
    # captured: CPython 3.11.7, a library's own keyword argument the installed version lacks (version_skew's wording)
    ("py38_subscript", "TypeError: from_pretrained() got an unexpected keyword argument 'use_auth_token'"),
    # the same capture's NameError line alone: weak evidence (1), no category without another word
    # (tests/test_explain_infer.py test_typing_frames_are_failure_evidence)
    ("patch_side_effect", "NameError: name 'OrderedDict' is not defined"),
    # captured: CPython 3.11.7, python3 -c "np.zeros(3)": a forgotten import of a module name
    ("patch_side_effect", "NameError: name 'np' is not defined"),
    # captured: CPython 3.10.13, raise ExceptionGroup(...): a builtin of a newer Python (py38_subscript)
    ("patch_side_effect", "NameError: name 'ExceptionGroup' is not defined"),
    # captured: pydantic 2.14.4 on CPython 3.11.7, a BaseModel with a field of a plain class (no future import): an
    # arbitrary type, not a string annotation
    ("patch_side_effect", "pydantic.errors.PydanticSchemaGenerationError: Unable to generate pydantic-core schema for <class "
                          "'__main__.Engine'>. Set `arbitrary_types_allowed=True` in the model_config to ignore this error or "
                          "implement `__get_pydantic_core_schema__` on your type to fully support it."),
    # the kernel_unsupported reading of "Unsupported" stays for an operator's dtype (AF058)
    ("patch_side_effect", example("AF058", i=1)),
    ("patch_side_effect", DIFFUSERS_WARNINGS),
    # an operator's own dtype-support check is no dtype mismatch between tensors (review 19 item 6): the CANN ops
    # torch extension's flat_quant meta function, torch._check(x.dtype in (torch.float16, torch.bfloat16), lambda:
    # f"x dtype must be float16 or bfloat16, but got {x.dtype}") for a float32 input
    # (https://github.com/hicann/ops-nn/blob/31a8ed4c6c80982384e35dbe00c3c69365134293/quant/flat_quant/torch_extension/flat_quant.py)
    ("tensor_mismatch", "RuntimeError: x dtype must be float16 or bfloat16, but got torch.float32"),
]


@pytest.mark.parametrize("category,text", NEGATIVE, ids=["not-{}-{}".format(c, i) for i, (c, _) in enumerate(NEGATIVE)])
def test_inference_does_not_claim(category, text):
    assert inferred(text) != category


def test_neighbours_keep_their_category():
    assert inferred(example("AF280")) == "host_system"
    assert inferred(example("AF042")) == "kernel_unsupported"
    assert inferred("NameError: name 'ExceptionGroup' is not defined") == "py38_subscript"


def test_ray_advice_words_are_evidence():
    # the advice line alone carries no failure word; its words are the evidence the memory monitor's lines add
    # (ray-oom-prevention.rst above)
    rx = entry_matching("host_oom", "memory_usage_threshold")
    assert rx.search("To adjust the eviction threshold, set the environment variable `RAY_memory_usage_threshold_fraction` "
                     "when starting Ray.")
    node = entry_matching("host_oom", "Memory on (?:the|this) node")
    assert node.search("Consider provisioning more memory on this node or reducing task parallelism")


def test_underscored_nameerror_is_not_a_class_annotation():
    # PEP 8 CapWords: a name with an underscore is not read as a class named by an annotation
    rx = entry_matching("patch_side_effect", "NameError: name")
    assert rx.search("NameError: name 'OrderedDict' is not defined")
    assert not rx.search("NameError: name 'Model_V2' is not defined")
    assert not rx.search("NameError: name 'np' is not defined")

