"""Round 18 (kb18c): side effects of `from __future__ import annotations` (PEP 563) in libraries that read annotations
at run time, written from the emitting sources (diffusers' _get_signature_types warning, transformers' early
HfArgumentParser refusal) and from tracebacks captured here in the forms people paste them in (IPython 7 / Jupyter
verbose frames without line numbers, pytest's "path.py:N: in fn" frames). Every text is a signature's own example
(sources in the YAML). Fast tier, in-process."""

from explain_support import hits, top, top_category
from ascendfix.explain.kb import find_signature


def _example_with(sig_id, marker, kind="match"):
    for ex in find_signature(sig_id).examples[kind]:
        if marker in ex["text"]:
            return ex["text"]
    raise AssertionError("no {} example of {} holds {!r}".format(kind, sig_id, marker))


def test_diffusers_component_without_a_class_annotation_is_the_patch():
    text = _example_with("AF710", "cannot get type annotation for Parameter vae")
    assert "AF710" in hits(text)
    assert top_category(text) == "patch_side_effect"
    # the warnings alone, the pipeline loading on after them: a note at most, no diagnosis
    warnings = "\n".join(line for line in text.split("\n") if line.startswith("cannot get type annotation"))
    went_on = warnings + "\nLoading pipeline components...: 100%|██████████| 5/5 [00:01<00:00,  2.86it/s]"
    assert top(went_on) == (None, None)
    # an argument that is not a component (annotations a healthy pipeline may leave unread) is not this family
    other = warnings.replace("Parameter vae ", "Parameter callback_steps ").replace(
        "Parameter text_encoder ", "Parameter callback_steps ")
    assert "AF710" not in hits(other + "\nKeyError: 'callback_steps'")


def test_early_hfargumentparser_refusal_names_the_future_import():
    text = _example_with("AF050", "not compatible with Postponed Evaluation of Annotations")
    assert top(text) == ("AF050", "patch_side_effect")


def test_ipython_and_pytest_tracebacks_of_a_library_reading_a_string_annotation():
    ipy = _example_with("AF263", "Traceback (most recent call last)\n<project>/omega.py in <module>")
    assert top(ipy) == ("AF263", "patch_side_effect")
    pyt = _example_with("AF263", "E       TypeError: issubclass() arg 2 must be a class")
    assert top(pyt) == ("AF263", "patch_side_effect")
    # the same exception with no annotation-reading library among the frames stays out of AF263
    plain = "\n".join(line for line in ipy.split("\n") if "omegaconf" not in line)
    assert "AF263" not in hits(plain)
    # an ordinary 'str' bug (AF263's own no_match) is still silent for it
    assert "AF263" not in hits(find_signature("AF263").examples["no_match"][0]["text"])


def test_ipython_typing_frames_with_a_nameerror_are_the_string_annotation():
    text = _example_with("AF057", "typing.py in _eval_type(")
    assert "AF057" in hits(text)
    assert top_category(text) == "patch_side_effect"
    # the NameError without the typing frame is not AF057
    bare = "\n".join(line for line in text.split("\n") if "typing.py" not in line and "_evaluate" not in line)
    assert "AF057" not in hits(bare)


def test_ipython_frame_of_fastapi_evaluating_an_annotation():
    text = _example_with("AF543", "utils.py in get_typed_annotation(")
    assert "AF543" in hits(text)
    assert top_category(text) == "patch_side_effect"


def test_source_line_using_a_field_type_or_an_annotation_as_a_class():
    for i in range(3):
        text = find_signature("AF711").examples["match"][i]["text"]
        assert top(text) == ("AF711", "patch_side_effect"), i
    # the same exceptions from a plain string bug stay silent for AF711 and name no patch side effect
    for ex in find_signature("AF711").examples["no_match"]:
        assert "AF711" not in hits(ex["text"])
        assert top_category(ex["text"]) != "patch_side_effect"
    # an assignment to a field's type is no use of it as a class
    text = find_signature("AF711").examples["match"][0]["text"].replace(
        "return Cfg(**{f.name: f.type(raw[f.name]) for f in fields(Cfg) if f.name in raw})", "f.type = str")
    assert "AF711" not in hits(text)
    # a .type compared or a method called on it is no use of it as a class: onnx helper.py's get_attribute_value line
    # ("if attr.type == AttributeProto.FLOAT:") over a str called elsewhere, and a str method on f.type
    onnx = ("Traceback (most recent call last):\n  File \"helper.py\", line 9, in get_attribute_value\n"
            "    if attr.type == AttributeProto.FLOAT:\nTypeError: 'str' object is not callable")
    assert "AF711" not in hits(onnx)
    upper = ("Traceback (most recent call last):\n  File \"x.py\", line 4, in <module>\n    print(f.type.upper())\n"
             "AttributeError: 'str' object has no attribute 'foo'")
    assert "AF711" not in hits(upper)
    # isinstance(v, f.type) and cls.__annotations__[name](v) are uses as a class
    for line in ("    if not isinstance(value, f.type):", "    return cls.__annotations__[name](value)"):
        text = ("Traceback (most recent call last):\n  File \"x.py\", line 4, in <module>\n" + line +
                "\nTypeError: isinstance() arg 2 must be a type" if "isinstance" in line else
                "Traceback (most recent call last):\n  File \"x.py\", line 4, in <module>\n" + line +
                "\nTypeError: 'str' object is not callable")
        assert "AF711" in hits(text), line
