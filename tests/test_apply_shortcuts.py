"""The cheap paths of the Python rules decide exactly like the full ones, on every file of real MindOne trees.

apply is fast because it skips work: a text prefilter decides which files are parsed, py38-stdlib's
scope-free node pass decides which trees get the scope-aware visit, and py38-annotations visits only
the statements on lines holding a PEP 585 subscript or a ``|`` (plus every class). Each shortcut must
lose nothing. Here every .py file goes through the full path as well — scope-aware visit of the whole
file, no prefilter — and the results must be the same: in the fast tier on a small real excerpt of
mindone 0.5.0 (tests/data/mindone-excerpt), in the full tier on every file of mindone 0.5.0 and 0.4.0.
"""

import ast
from pathlib import Path

import pytest

from ascendfix.apply.base import Context
from ascendfix.apply.engine import load_rules
from ascendfix.apply.files import decode_source, walk
from ascendfix.codemods import py38_stdlib


def _rule(rule_id, root):
    return load_rules([rule_id])[0].make(Context(root=root))


def _plan_key(plan):
    return (plan.future, sorted((s, e, t) for s, e, _, t in plan.edits), plan.changes, plan.skips)


EXCERPT = Path(__file__).resolve().parent / "data" / "mindone-excerpt"


def test_shortcuts_lose_nothing_on_a_real_excerpt():
    missed, seen = _compare(EXCERPT)
    assert missed == []
    # 3 files with py38-stdlib findings; 3 that py38-annotations rewrites (the SDXL pipeline is left alone)
    assert seen == {"std": 3, "ann": 3, "ann_pruned": 3}, seen


@pytest.mark.full
@pytest.mark.parametrize("version,min_std,min_ann", [("0.5.0", 8, 200), ("0.4.0", 5, 50)])
def test_shortcuts_lose_nothing_on_a_real_tree(version, min_std, min_ann):
    from support import mindone_tree

    missed, seen = _compare(mindone_tree(version))
    assert missed == []
    # the comparison covered real work (files with py38-stdlib findings; files py38-annotations rewrites)
    assert seen["std"] >= min_std and seen["ann"] >= min_ann and seen["ann_pruned"] == seen["ann"], seen


def _compare(root):
    std = _rule("py38-stdlib", root)
    ann = _rule("py38-annotations", root)
    full_ann = _rule("py38-annotations", root)
    seen = {"std": 0, "ann": 0, "ann_pruned": 0}
    missed = []
    for rel in walk(root):
        if not rel.endswith(".py"):
            continue
        data = (root / rel).read_bytes()
        try:
            text = decode_source(data)
            tree = ast.parse(data)
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        # py38-stdlib: the scope-aware visit of the whole file, whatever the prefilter says
        full = py38_stdlib._Scan(std, tree, text)
        full.visit(tree)
        if full.reports or full.rewrites or full.cache_imports:
            seen["std"] += 1
            if not std.prefilter(text):
                missed.append(("py38-stdlib prefilter", rel))
            elif not std._interesting(tree, text):
                missed.append(("py38-stdlib node pass", rel))
        # py38-annotations: every line a candidate (so every statement visited) vs the pruned visit
        n_lines = text.count("\n") + 2
        full_ann._candidate_lines = lambda t, x, n=n_lines: list(range(1, n))
        reference = full_ann.plan(tree, text)
        if reference.future or reference.edits or reference.skips:
            seen["ann"] += 1
            if not ann.prefilter(text):
                missed.append(("py38-annotations prefilter", rel))
                continue
        pruned = ann.plan(tree, text)
        if _plan_key(pruned) != _plan_key(reference):
            missed.append(("py38-annotations pruned visit", rel))
        elif pruned.future or pruned.edits or pruned.skips:
            seen["ann_pruned"] += 1
    return missed, seen
