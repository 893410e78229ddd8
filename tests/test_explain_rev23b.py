"""Review rev23b of kb23b: the xFormers import warnings (AF1240 built for another torch, AF1248 not built) are context,
like AF095 / AF200 — a note when the run goes on, never the cause of a later failure of another kind; a "size
mismatch for" line of the same load_state_dict error leads the key-name signature AF1243. Fast tier, in-process."""

from explain_support import hits, matcher, top

# https://github.com/Engineer-of-Stuff/stable-diffusion-paperspace/issues/111 (the xFormers warning at start-up, then a
# torchvision failure of another package: not the xFormers warning's doing)
PAPERSPACE = "\n".join([
    "WARNING[XFORMERS]: xFormers can't load C++/CUDA extensions. xFormers was built for:",
    "PyTorch 2.1.0+cu121 with CUDA 1201 (you have 2.0.1+cu118)",
    "Python  3.10.13 (you have 3.10.10)",
    "",
    "Please reinstall xformers (see https://github.com/facebookresearch/xformers#installing-xformers)",
    "Memory-efficient attention, SwiGLU, sparse and more won't be available.",
    "Set XFORMERS_MORE_DETAILS=1 for more details",
    "",
    "RuntimeError: Couldn't load custom C++ ops. ",
])
# https://github.com/baichuan-inc/Baichuan2/issues/248 (asked whether the warning affects the chat: it does not)
BAICHUAN = "\n".join([
    "WARNING[XFORMERS]: xFormers can't load C++/CUDA extensions. xFormers was built for:",
    "    PyTorch 2.1.0+cu121 with CUDA 1201 (you have 2.1.0+cpu)",
    "    Python  3.8.10 (you have 3.8.0)",
    "  Please reinstall xformers (see https://github.com/facebookresearch/xformers#installing-xformers)",
    "  Memory-efficient attention, SwiGLU, sparse and more won't be available.",
    "  Set XFORMERS_MORE_DETAILS=1 for more details",
])
# https://github.com/JarrentWu1031/CCPL/issues/13 (one load_state_dict error with an unexpected key and size mismatches)
CCPL = "\n".join([
    "RuntimeError: Error(s) in loading state_dict for SCT:",
    '        Unexpected key(s) in state_dict: "cnet.4.weight", "cnet.4.bias", "snet.4.weight", "snet.4.bias".',
    "        size mismatch for cnet.0.weight: copying a param with shape torch.Size([256, 512, 1, 1]) from checkpoint, "
    "the shape in current model is torch.Size([128, 256, 1, 1]).",
])


def test_af1240_is_context_not_the_cause_of_another_failure():
    r = matcher(PAPERSPACE).ranked()
    assert [h.id for h in r] == ["AF1240"] and r[0].role == "context"
    assert top(PAPERSPACE)[0] != "AF1240"


def test_af1240_alone_is_a_note():
    m = matcher(BAICHUAN)
    assert [h.id for h in m.ranked()] == ["AF1240"]
    assert m.results() == [] and not m.failed()


def test_af1248_is_context():
    # https://github.com/facebookresearch/xformers/issues/1281 (AF1248's own example, first line)
    r = matcher("WARNING[XFORMERS]: Need to compile C++ extensions to use all xFormers features.").ranked()
    assert [(h.id, h.role) for h in r] == [("AF1248", "context")]


def test_size_mismatch_leads_the_key_names_of_the_same_error():
    assert top(CCPL) == ("AF100", "shape_mismatch")
    assert "AF1243" in hits(CCPL)


def test_af1245_anchor_carries_the_exception_name():
    from ascendfix.explain.kb import find_signature
    # "Parent directory " alone let every line naming a parent directory through the pre-filter
    assert [a for p in find_signature("AF1245").patterns for a in p.anchors] == ["RuntimeError: Parent directory "]
    # https://github.com/thunlp/KnowledgeablePromptTuning/issues/24 (AF1245's example)
    assert "AF1245" in hits("RuntimeError: Parent directory ckpts does not exist.")
