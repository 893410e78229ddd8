"""Every patch rule's YAML examples, run through the real engine path (prefilter → ast → libcst).

For each example of each rule (ascendfix/codemods/*/rule.yaml, and any rules/patches/*.yaml):
- the output is exactly ``after`` (or the text is left unchanged when ``after`` is absent);
- applying the rule to its own output changes nothing (idempotency) and adds no change findings;
- when ``findings`` is given, the (kind, line) multiset matches exactly, and each ``contains``
  is a substring of the matching finding's message.
Adding a rule or an example needs no change here.
"""

import sys
from pathlib import Path

import pytest

from ascendfix.apply.base import Context
from ascendfix.apply.engine import apply_to_text, load_rules

RULES = load_rules()
CASES = [(rule.id, i, ex) for rule in RULES for i, ex in enumerate(rule.examples)]


def _context(ex):
    return Context(root=Path("."), target_python=str(ex.get("target_python", "3.8")))


def test_every_rule_has_examples():
    assert RULES, "no patch rules found"
    for rule in RULES:
        assert rule.examples, rule.id
        names = [ex["name"] for ex in rule.examples]
        assert len(names) == len(set(names)), "duplicate example names in {}".format(rule.id)
        # at least one example per rule shows a rewrite (a rule that never changes anything is a stub)
        assert any("after" in ex for ex in rule.examples), rule.id


@pytest.mark.parametrize("rule_id,i,ex", CASES, ids=["{}:{}".format(r, ex["name"]) for r, _, ex in CASES])
def test_example(rule_id, i, ex):
    needs = ex.get("needs_python")
    if needs and sys.version_info[:2] < tuple(int(x) for x in str(needs).split(".")):
        pytest.skip("this example's syntax needs Python {} to parse (the interpreter running ascendfix)".format(needs))
    relpath = ex.get("path", "example.py")
    new, findings = apply_to_text(rule_id, ex["before"], relpath, ex.get("options"), _context(ex), ex.get("files"))
    if sys.version_info < (3, 9) and any((f.data or {}).get("reason") == "syntax" for f in findings) and not any(
            f.get("kind") == "skip" for f in ex.get("findings") or []):
        # newer syntax the rule reports, which this interpreter cannot even parse (on 3.8 itself the file is
        # skipped as "does not parse", which is what it does there)
        pytest.skip("Python {}.{} cannot parse this example".format(*sys.version_info[:2]))
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


@pytest.mark.parametrize("rule", [r for r in RULES if r.kind == "python"], ids=lambda r: r.id)
def test_plans_carry_everything_no_state_on_the_codemod(rule):
    """One codemod instance scans every example first, then transforms them in reverse order: each
    output is still exactly the example's ``after`` (a transform needs nothing but its plan)."""
    import ast

    from ascendfix.apply.source import SourceEdit

    from ascendfix.apply.base import BytesCodemod

    by_target = {}
    for ex in rule.examples:
        if "after" in ex and not ex.get("options") and not ex.get("files"):
            by_target.setdefault(str(ex.get("target_python", "3.8")), []).append(ex)
    checked = 0
    for target, exs in by_target.items():
        mod = rule.make(Context(root=Path("."), target_python=target))
        plans = []
        for ex in exs:
            if isinstance(mod, BytesCodemod):
                plans.append((ex, None, mod.scan_bytes(ex["before"].encode(), ex.get("path", "example.py"))))
                continue
            tree = ast.parse(ex["before"])
            plans.append((ex, tree, mod.scan(tree, ex["before"], ex.get("path", "example.py"))))
        for ex, tree, plan in reversed(plans):
            assert plan is not None and plan.rewrite, ex["name"]
            if isinstance(mod, BytesCodemod):
                assert mod.transform_bytes(ex["before"].encode(), plan)[0].decode() == ex["after"], ex["name"]
                checked += 1
                continue
            src = SourceEdit(ex["before"], tree)
            src.owner = rule.id
            mod.transform(src, plan)
            assert src.result() == ex["after"], ex["name"]
            checked += 1
    assert checked >= (1 if issubclass(rule.codemod_class(), BytesCodemod) else 2)


def test_rule_folder_must_match_its_id(tmp_path, monkeypatch):
    import ascendfix.codemods as codemods
    from ascendfix.errors import DataError

    (tmp_path / "some_rule").mkdir()
    (tmp_path / "some_rule" / "rule.yaml").write_text(
        "id: other-rule\ntitle: t\nwhy: w\nkind: python\ncodemod: X\nexamples: []\n")
    monkeypatch.setattr(codemods, "HERE", tmp_path)
    codemods._entries.cache_clear()
    try:
        with pytest.raises(DataError, match="does not match its folder 'some_rule'"):
            codemods.builtin_rule_entries()
        (tmp_path / "some_rule" / "rule.yaml").write_text(
            "id: some-rule\ntitle: t\nwhy: w\nkind: python\ncodemod: X\nexamples: []\n")
        codemods._entries.cache_clear()
        ((_, entry),) = codemods.builtin_rule_entries()
        assert entry["codemod"] == "ascendfix.codemods.some_rule:X"
    finally:
        codemods._entries.cache_clear()
