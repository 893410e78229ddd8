"""Every patch rule's YAML examples, run through the real engine path (prefilter → ast → libcst).

For each example of each rule in rules/patches/*.yaml:
- the output is exactly ``after`` (or the text is left unchanged when ``after`` is absent);
- applying the rule to its own output changes nothing (idempotency) and adds no change findings;
- when ``findings`` is given, the (kind, line) multiset matches exactly, and each ``contains``
  is a substring of the matching finding's message.
Adding a rule or an example needs no change here.
"""

from pathlib import Path

import pytest

from ascendfix.apply.base import Context
from ascendfix.apply.engine import apply_to_text, load_rules

RULES = load_rules()
CASES = [(rule.id, i, ex) for rule in RULES for i, ex in enumerate(rule.examples)]


def _context(ex):
    return Context(root=Path("."), target_python=str(ex.get("target_python", "3.8")))


def test_every_rule_has_examples():
    assert RULES, "no rules in rules/patches"
    for rule in RULES:
        assert rule.examples, rule.id
        names = [ex["name"] for ex in rule.examples]
        assert len(names) == len(set(names)), "duplicate example names in {}".format(rule.id)
        # at least one example per rule shows a rewrite (a rule that never changes anything is a stub)
        assert any("after" in ex for ex in rule.examples), rule.id


@pytest.mark.parametrize("rule_id,i,ex", CASES, ids=["{}:{}".format(r, ex["name"]) for r, _, ex in CASES])
def test_example(rule_id, i, ex):
    relpath = ex.get("path", "example.py")
    new, findings = apply_to_text(rule_id, ex["before"], relpath, ex.get("options"), _context(ex), ex.get("files"))
    expected = ex.get("after")
    if expected is None:
        assert new is None, "expected no change, got:\n" + (new or "")
    else:
        assert new is not None, "expected a change, got none; findings: {}".format(findings)
        assert new == expected
        assert expected != ex["before"]
        # idempotent: the rule leaves its own output alone
        again, findings2 = apply_to_text(rule_id, new, relpath, ex.get("options"), _context(ex), ex.get("files"))
        assert again is None, "not idempotent; second run gave:\n" + again
        assert not [f for f in findings2 if f.kind == "change"]
    if "findings" in ex:
        want = sorted((f["kind"], f.get("line")) for f in ex["findings"])
        got = sorted((f.kind, f.line) for f in findings if f.kind != "info")
        assert got == want, [f.to_dict() for f in findings]
        for spec in ex["findings"]:
            if "contains" in spec:
                cands = [f for f in findings if f.kind == spec["kind"] and f.line == spec.get("line")]
                assert any(spec["contains"] in f.message for f in cands), (spec, [f.message for f in cands])
    for f in findings:
        assert f.rule == rule_id and f.path == relpath and f.kind in ("change", "skip", "report", "info")
