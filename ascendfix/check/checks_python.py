"""Python: does the target interpreter fit the stack at all (wheels, Requires-Python, pins)?"""

import os

from ascendfix import stacks
from ascendfix.check import advice, compat
from ascendfix.check.engine import check, ev, finding


TREE_PACKAGE = "mindone"  # what a --mindone tree is a checkout of


def _pyver(ctx):
    return ".".join(str(x) for x in ctx.py_version)


def _exe(ctx):
    return ctx.environment.get("python", {}).get("executable") or "python"


@check("python.version", "python", "Interpreter fits the stack")
def python_version(ctx):
    """The target interpreter against the installed framework's wheels and Requires-Python."""
    py = _pyver(ctx)
    e = [ev(_exe(ctx), "Python " + py)]
    problems, fits = [], []
    family, top = stacks.family(ctx.stack), stacks.top(ctx.stack)  # rules/stacks.yaml
    if family == "mindspore":
        ms = ctx.version("mindspore")
        if ms:
            row = compat.mindspore_row(ms)
            if row:
                (problems if compat.in_spec(py, row["python"]) is False else fits).append(
                    "MindSpore {} wheels exist for Python {}".format(ms, row["python"]))
        mo = ctx.version(top)
        if mo:
            row = compat.top_row(top, mo)
            req = row["requires_python"] if row else (ctx.dist(top) or {}).get("requires_python")
            if req:
                (problems if compat.in_spec(py, req) is False else fits).append("{} {} requires Python {}".format(top, mo, req))
    else:
        tn = ctx.version("torch-npu")
        if tn:
            hits = [p for _, p in compat.torch_npu_pairs() if compat.exact(p["torch_npu"], tn)] or \
                   [p for _, p in compat.torch_npu_pairs() if compat.same_release(p["torch_npu"], tn)]
            if hits:
                spec = compat.pair_python(hits[0], ctx.environment.get("python", {}).get("machine"))
                (problems if compat.in_spec(py, spec) is False else fits).append(
                    "torch_npu {} wheels exist for Python {}".format(tn, spec))
        sd = ctx.version(top) if top else None
        if sd:
            row = compat.top_row(top, sd)
            if row:
                status, _, msg = compat.eval_top_torch(top, row, py, ctx.environment.get("python", {}).get("machine"))
                (problems if status == "error" else fits).append(msg)
        if not tn and not ctx.version("torch"):
            fits.append("no torch installed yet")
    if problems:
        return finding("error", "Python {}: {}".format(py, "; ".join(problems)), e,
                       fix=advice.for_packages(ctx, *(["mindspore", top] if family == "mindspore" else
                                                      ["torch-npu"] + ([top] if top else []))))
    return finding("ok", "Python {}{}".format(py, " ({})".format("; ".join(fits)) if fits else ""), e)


def tree_info(ctx):
    """Version (PKG-INFO of an sdist) and requires-python / dependencies (pyproject.toml) of a --mindone tree."""
    def _read():
        import re

        tree = ctx.mindone
        if not tree:
            return None
        info = {"path": str(tree), "version": None, "requires_python": None, "dependencies": []}
        try:
            with open(os.path.join(str(tree), "PKG-INFO"), encoding="utf-8") as fh:
                m = re.search(r"^Version:\s*(\S+)", fh.read(65536), re.M)
                info["version"] = m.group(1) if m else None
        except OSError:
            pass
        try:
            import tomlkit

            with open(os.path.join(str(tree), "pyproject.toml"), encoding="utf-8") as fh:
                proj = tomlkit.parse(fh.read()).get("project") or {}
            info["requires_python"] = str(proj.get("requires-python")) if proj.get("requires-python") else None
            info["dependencies"] = [str(d) for d in (proj.get("dependencies") or [])]
        except Exception:  # a broken pyproject is reported by the verdict as "unknown"
            pass
        return info

    return ctx.cached("mindone_tree", _read)


@check("mindone.sed_future_import", "python", "mindone tree not patched by the blanket sed", uses=["mindone"])
def mindone_sed_future_import(ctx):
    """The blog's `find . -name "*.py" -exec sed -i '1i from __future__ import annotations' {} +` on a --mindone tree
    (detected like the apply rule blanket-future-import does, which repairs it)."""
    from ascendfix.codemods.blanket_future_import import survey

    tree = ctx.mindone
    if not tree:
        return finding("skip", "no mindone tree (pass --mindone PATH)")
    s = survey(tree)
    e = [ev(tree, "{} of {} non-empty .py files start with `from __future__ import annotations`".format(
        s["with_line"], s["files"]))]
    if not s["runs"]:
        return finding("ok", "no blanket `from __future__ import annotations` on line 1", e)
    return finding(
        "error", "a blanket sed put `from __future__ import annotations` on line 1 of {} of {} .py files ({} run{}): it "
        "breaks what reads annotations at run time (`import mindone.diffusers`: \"'str' object has no attribute "
        "'__args__'\"; from_pretrained: KeyError) and turns module docstrings into plain strings".format(
            s["with_line"], s["files"], s["runs"], "" if s["runs"] == 1 else "s"), e,
        fix=["ascendfix apply {}   (removes the sed's lines first, then patches only what Python 3.8 needs; "
             "`ascendfix revert` returns to the sed state)".format(tree)])


@check("python.verdict", "python", "Can this stack work on this interpreter at all?", family="mindspore")
def python_verdict(ctx):
    """Which mindone release this interpreter can run (e.g. Python 3.8: 0.2.0 at most), and what a newer one needs.

    The package judged is the stack's top package (rules/stacks.yaml); a --mindone tree counts when it is mindone."""
    from ascendfix.check import plan as planmod

    py = _pyver(ctx)
    p = planmod.plan_for(ctx)
    top = stacks.top(ctx.stack)
    col = stacks.top_table(top)[1]
    installed = ctx.version(top)
    tree = tree_info(ctx) if col == TREE_PACKAGE else None
    tree_v = tree["version"] if tree else None
    target = compat.top_row(top, installed) if installed else (compat.top_row(top, tree_v) if tree_v else None)
    e = []
    blockers = []
    if target is not None:
        if compat.in_spec(py, target["requires_python"]) is False:
            blockers.append("{} {} requires Python {}".format(top, target[col], target["requires_python"]))
        for req, prow in compat.pinned_blockers(target, py):
            blockers.append("it pins {}, which requires Python {}".format(req, prow["requires_python"]))
        e.append(ev(compat.source_of(target)[0], "{} {}: Requires-Python {}, pins {}".format(
            top, target[col], target["requires_python"], ", ".join(target["requires"]))))
    elif installed:
        return finding("warn", "{} {} is not in the shipped compatibility table".format(top, installed),
                       [ev(top, installed)])
    edited = []
    if tree and target and tree["requires_python"] and tree["requires_python"] != target["requires_python"]:
        edited.append("the tree's pyproject.toml says requires-python {} (upstream {}: {})".format(
            tree["requires_python"], target[col], target["requires_python"]))
        e.append(ev(os.path.join(tree["path"], "pyproject.toml"), "requires-python = " + tree["requires_python"]))
    fits = p.choice.get(col) if p.status in ("ok", "changes") else None
    if blockers:
        src = "installed" if installed else "the --mindone tree"
        detail = ("Python {} + {} {} cannot work ({}): {}. Relaxing the pins (sed on pyproject.toml) only moves the "
                  "failure to import time".format(py, top, target[col], src, "; ".join(blockers)))
        if edited:
            detail += "; " + "; ".join(edited)
        if col == TREE_PACKAGE:
            detail += " (the mindone.transformers_imports finding lists the names that stay unresolved)"
        if fits:
            detail += ". On Python {}, {} {} fits (see the plan)".format(py, top, fits)
        return finding("error", detail, e, expected="Python {}".format(target["requires_python"]),
                       fix=advice.for_packages(ctx, top) or [advice.whole_plan(ctx) or "see the plan below"])
    if p.status == "unsolvable":
        return finding("error", "nothing in the shipped tables fits: {}".format("; ".join(p.blocked_by)), e,
                       fix=[advice.whole_plan(ctx)])
    if "python" in p.relaxed and not ctx.own_env:
        asked = ", ".join(p.wants) if p.wants else "the {} stack".format(ctx.stack)
        row = compat.top_row(top, p.choice.get(col)) if p.choice.get(col) else None
        need = " Python {}".format(row["requires_python"]) if row and compat.in_spec(py, row["requires_python"]) is False \
            else " another Python"
        why = [b for b in p.blocked_by if "Python" in b] or p.blocked_by[:1]
        detail = "{} needs{} ({}); this is Python {}".format(asked, need, "; ".join(why), py)
        return finding("error" if installed else "warn", detail, e, expected="Python" + need, fix=[advice.whole_plan(ctx)])
    if target is not None:
        return finding("ok", "{} {} ({}) can work on Python {}".format(
            top, target[col], "installed" if installed else "the --mindone tree", py), e)
    if fits:
        newest = compat.newest_first(compat.top_rows(top))[0]
        note = "" if compat.same_release(fits, newest) else " (newer releases need more: see the plan)"
        return finding("ok", "on Python {} the newest {} that fits the tables is {}{}".format(py, top, fits, note), e)
    return finding("skip", "no {} installed and no plan to compare with".format(top), e)
