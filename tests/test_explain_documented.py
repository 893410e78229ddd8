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
