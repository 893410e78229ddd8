"""The failure statements that carry no error word are data (rules/explain_failures.yaml, read by explain/infer.py):
every entry's real examples run here. A match example passes the entry's regex and its grep pre-filter form and is a
failing line (classify_line); a no_match example does not pass the entry's regex. Adding an entry to the file adds
its cases here without touching this file."""

import re

import pytest

from ascendfix.data import data_root
from ascendfix.errors import DataError
from ascendfix.explain import infer, kb, lines

ENTRIES = kb.failure_entries()
SOURCE_PREFIXES = ("https://", "captured: ")


def _cases(kind):
    for e in ENTRIES:
        for i, ex in enumerate(e["examples"][kind]):
            yield pytest.param(e, ex, id="{}-{}{}".format(e["id"], kind, i))


@pytest.mark.parametrize("entry,example", list(_cases("match")))
def test_match_examples(entry, example):
    text = example["text"]
    assert example["source"].startswith(SOURCE_PREFIXES), example["source"]
    assert re.compile(entry["prefilter"]).search(text), "the grep pre-filter form must pass it"
    info = lines.parse(text)
    msg = info.message.strip()
    assert re.compile(entry["regex"], re.I).search(msg), "the regex must find it"
    assert infer.classify_line(msg, info, None) == "fail"


@pytest.mark.parametrize("entry,example", list(_cases("no_match")))
def test_no_match_examples(entry, example):
    assert example["source"].startswith(SOURCE_PREFIXES), example["source"]
    msg = lines.parse(example["text"]).message.strip()
    assert not re.compile(entry["regex"], re.I).search(msg)


def test_the_entries_are_the_failing_line_regex_and_pre_filter():
    """Every entry is one alternative of the failing-line regex and one pre-filter marker (the Matcher's grep ERE)."""
    from ascendfix.explain.engine import Matcher

    assert len(ENTRIES) >= 13 and {e["kind"] for e in ENTRIES} == {"statement", "tool"}
    pattern = infer._FAIL_RE.pattern
    for e in ENTRIES:
        assert "|" + e["regex"] in pattern and e["prefilter"] in infer.FAIL_PREFILTERS
    ere = Matcher().grep_ere()
    for e in ENTRIES:
        assert b"(" + e["prefilter"].encode() + b")" in ere
    words = infer._FAIL_WORDS_RE.pattern
    assert all((e["regex"] in words) == (e["kind"] == "statement") for e in ENTRIES)


def test_a_rule_is_added_by_data_alone(tmp_path, monkeypatch):
    """A new entry in a copy of rules/ makes its words a failing line and a pre-filter marker; a bad entry is a
    DataError naming the file, no traceback."""
    import shutil

    from ascendfix.explain.engine import Matcher

    rules = tmp_path / "rules"
    shutil.copytree(str(data_root("rules")), str(rules))
    # CPython's RuntimeError text when a thread pool is used after shutdown (captured: CPython 3.11.7, python3 -c "from
    # concurrent.futures import ThreadPoolExecutor as T; e = T(); e.shutdown(); e.submit(print)"), its words without
    # "cannot " (an error word already): no failing line until an entry names them
    full = "cannot schedule new futures after shutdown"
    line = full[len("cannot "):]
    assert infer.classify_line(line, lines.parse(line), None) is None
    source = ("captured: CPython 3.11.7, python3 -c \"from concurrent.futures import ThreadPoolExecutor as T; e = T(); "
              "e.shutdown(); e.submit(print)\"")
    with open(str(rules / "explain_failures.yaml"), "a", encoding="utf-8") as fh:
        fh.write("- id: futures-after-shutdown\n  kind: tool\n  regex: 'schedule new futures after shutdown'\n"
                 "  prefilter: 'new futures after shutdown'\n  examples:\n"
                 "    match: [{text: '%s', source: '%s'}]\n    no_match: [{text: 'RuntimeError', source: '%s'}]\n"
                 % (full, source, source))
    monkeypatch.setenv("ASCENDFIX_RULES_DIR", str(rules))
    try:
        assert kb.failure_entries()[-1]["id"] == "futures-after-shutdown"
        assert infer.classify_line(line, lines.parse(line), None) == "fail"
        assert "new futures after shutdown" in infer.fail_prefilters()
        assert b"(new futures after shutdown)" in Matcher().grep_ere()
        assert infer.load().fail_re.search(line)
        (rules / "explain_failures.yaml").write_text("- id: x\n  kind: other\n  regex: 'x'\n  prefilter: 'x'\n"
                                                     "  examples: {}\n", encoding="utf-8")
        kb._CATS.pop(("failures", str(rules / "explain_failures.yaml")), None)
        with pytest.raises(DataError, match="explain_failures.yaml"):
            kb.failure_entries()
    finally:
        kb._CATS.pop(("failures", str(rules / "explain_failures.yaml")), None)
