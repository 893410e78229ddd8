"""Round 16 gen16 families, written from their emitting sources (the libraries' raising code, CPython's docs) and
captures of those libraries run here: a `from __future__ import annotations` side effect seen only through the code a
log shows and the library's last line (AF540), a library quoting the string annotation it refused (AF541), a NameError
where the code or a library frame evaluates annotations (AF542, AF543); NCCL's "Network is unreachable" at launch
(AF296). Every text is a signature's own example (real captures / public lines, sources in the YAML). Fast tier,
in-process."""

from explain_support import example, hits, top_category


def _last_line(text):
    return text.rstrip("\n").split("\n")[-1]


def test_future_import_in_the_code_and_the_library_error_name_the_side_effect():
    for i in range(4):
        text = example("AF540", i=i)
        assert "AF540" in hits(text), i
        assert top_category(text) == "patch_side_effect", i


def test_the_library_error_alone_is_not_enough_for_af540():
    # the same last lines without the future import: an ordinary bug as far as AF540 knows
    for i in range(3):
        assert "AF540" not in hits(_last_line(example("AF540", i=i))), i


def test_a_plain_nameerror_is_no_patch_side_effect():
    text = example("AF540", kind="no_match")
    assert top_category(text) != "patch_side_effect"
    for sig in ("AF540", "AF542", "AF543"):
        assert sig not in hits(text), sig


def test_a_quoted_string_annotation_in_a_library_message():
    for i in range(4):
        assert top_category(example("AF541", i=i)) == "patch_side_effect", i
    # a real class the library cannot turn into a dataclass prints unquoted: not this family
    assert "AF541" not in hits(example("AF541", kind="no_match"))


def test_nameerror_where_annotations_are_evaluated():
    assert top_category(example("AF542")) == "patch_side_effect"
    # the FastAPI capture without typing's own frames (a log that kept only the library's frames)
    text = "\n".join(l for l in example("AF543").split("\n") if "typing.py" not in l and "__forward_code__" not in l)
    assert "AF543" in hits(text)
    assert top_category(text) == "patch_side_effect"


def test_nccl_network_unreachable_at_launch_is_dist_launch():
    line = example("AF296", i=_nccl_index())
    assert "Network is unreachable" in line
    assert top_category(line) == "dist_launch"


def _nccl_index():
    from ascendfix.explain.kb import find_signature
    exs = find_signature("AF296").examples["match"]
    return next(i for i, e in enumerate(exs) if "Network is unreachable" in e["text"])
