"""Python-level families written from their emitting sources (round 11a): structural evidence that must hold
together, and the category inference for lines no signature claims. Fast tier, in-process."""

from ascendfix.explain.kb import find_signature
from explain_support import hits, infer_only


# captured: CPython 3.11.7 running a module whose `def totals(self) -> Iterator[Decimal]` names Decimal imported only
# under `if TYPE_CHECKING:` (no future import)
DEF_TRACEBACK = """Traceback (most recent call last):
  File "tc_def.py", line 7, in <module>
    class Ledger:
  File "tc_def.py", line 8, in Ledger
    def totals(self) -> Iterator[Decimal]:
                                 ^^^^^^^
NameError: name 'Decimal' is not defined"""


def test_a_nameerror_at_an_annotated_def_needs_both_lines():
    assert "AF154" in hits(DEF_TRACEBACK)
    lines = DEF_TRACEBACK.split("\n")
    assert "AF154" not in hits("\n".join(lines[:-1]))  # the def line without the NameError
    assert "AF154" not in hits("\n".join(l for l in lines if "def " not in l))  # the NameError alone


def test_type_enforced_only_when_the_accepted_types_are_strings():
    sig = find_signature("AF153")
    assert "AF153" in hits(sig.examples["match"][2]["text"])
    assert "AF153" not in hits(sig.examples["no_match"][0]["text"])


def test_a_class_only_attribute_looked_up_on_a_str_infers_the_future_import_side_effect():
    # captured: CPython 3.11.7, a dataclass loader calling f.type.from_dict(...) for each field of a dataclass in a
    # module with `from __future__ import annotations` (f.type is the string 'Item')
    text = ("    kw[f.name] = item_cls.from_dict(d[f.name])\n"
            "                 ^^^^^^^^^^^^^^^^^^\n"
            "AttributeError: 'str' object has no attribute 'from_dict'")
    assert infer_only(text)["category"] == "patch_side_effect"
    # an instance method missing on a str is not evidence (captured: python -c "'a'.pop()")
    got = infer_only("AttributeError: 'str' object has no attribute 'pop'")
    assert got is None or got["category"] != "patch_side_effect"


def test_tyro_advice_alone_is_py38_not_the_future_import_side_effect():
    text = find_signature("AF011").examples["match"][-1]["text"]
    assert hits(text)[0] == "AF011"


def test_the_cuda_lazy_init_frame_ranks_below_the_specific_cuda_error():
    text = (find_signature("AF157").examples["match"][0]["text"]
            + "\nAssertionError: Torch not compiled with CUDA enabled")
    order = hits(text)
    assert order.index("AF088") < order.index("AF157")


def test_python_too_old_is_inferred_without_the_signature():
    """The inference names the same family when AF164's exact wording is missing (captured: CPython 3.8.18)."""
    for text in ("ImportError: cannot import name 'Annotated' from 'typing' "
                 "(/root/.pyenv/versions/3.8.18/lib/python3.8/typing.py)",
                 "ModuleNotFoundError: No module named 'tomllib'",
                 "TypeError: dataclass() got an unexpected keyword argument 'kw_only'"):
        assert infer_only(text)["category"] == "py38_subscript", text
