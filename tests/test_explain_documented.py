"""Errors quoted by official documentation, each with the category of the cause its page gives: one parametrized test
over every file of tests/data/explain_documented/ (a list of ``id``, ``source``, ``category``, ``text``; ``category:
null`` where explain must stay silent). Add a documented case by adding an entry there."""

from pathlib import Path

import pytest
import yaml

from explain_support import top_category

DATA = Path(__file__).parent / "data" / "explain_documented"
CASES = [(path.stem, case) for path in sorted(DATA.glob("*.yaml"))
         for case in yaml.safe_load(path.read_text(encoding="utf-8"))]


def test_every_documented_case_is_complete():
    assert len(CASES) >= 90
    assert len({(stem, c["id"]) for stem, c in CASES}) == len(CASES)
    for _, case in CASES:
        assert set(case) == {"id", "source", "category", "text"} and case["source"].startswith("https://"), case


@pytest.mark.parametrize("stem, case", CASES, ids=["{}/{}".format(s, c["id"]) for s, c in CASES])
def test_documented_case_gets_its_category(stem, case):
    assert top_category(case["text"]) == case["category"], (case["id"], case["source"])


# Cases of round 15 (kb15c) whose pages turned out to be sources of validation set A (set A is exempt from the
# corpus's own independence tests, so nothing caught it then); listed so that no new case can cite a validation source.
CITE_SET_A_SOURCES = {
    "pt-hccl-timeout-ei0002", "pt-init-aclsetcompileopt", "pt-verify-op-params-device", "pt-operator-called-no-bin",
    "pt-unsupported-op-fallback", "pt-port-in-use", "pt-isin-bf16", "pt-faq-libgfortran-link", "pt-faq-submodule-missing",
    "pt-faq-crlf", "pt-faq-cmake-too-new", "pt-faq-symlink-header", "pt-faq-filesystem-header", "pt-faq-wheel-platform",
    "pt-faq-libhccl", "pt-faq-torch-npu-c",
}


def test_no_documented_case_cites_a_validation_source():
    from test_explain_validation_corpus import ENTRIES, norm_source
    corpus = {norm_source(e["source"]) for e in ENTRIES}
    clash = sorted(c["id"] for _, c in CASES if norm_source(c["source"]) in corpus)
    assert set(clash) <= CITE_SET_A_SOURCES, [i for i in clash if i not in CITE_SET_A_SOURCES]
