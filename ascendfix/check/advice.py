"""Fix lines for findings, taken from the stack plan so that no finding and no plan step disagree.

A finding about a package the plan installs points at that plan step (with its command); a plan that
needs a new environment or a CANN change is pointed at as a whole; anything the plan does not cover
(a missing huggingface-hub, a duplicate install) gets a pip command for the same interpreter the plan uses.
"""

from packaging.requirements import InvalidRequirement, Requirement

from ascendfix.check import plan as planmod


def plan(ctx):
    return planmod.plan_for(ctx)


def pip(ctx, *reqs):
    """A pip command for the target interpreter (the plan's interpreter)."""
    return planmod.pip_command(_exe(ctx), [str(r) for r in reqs])


def _exe(ctx):
    return ctx.environment.get("python", {}).get("executable") or "python"


def whole_plan(ctx):
    """A line pointing at the plan when it moves to a new environment or changes CANN, else None."""
    p = plan(ctx)
    if p.status == "unsolvable":
        return "nothing in the shipped tables fits this request: {}".format("; ".join(p.blocked_by[:2]) or "see the plan")
    if p.relaxed:
        changes = []
        if "python" in p.relaxed:
            changes.append("a new Python {} environment".format(p.choice.get("python")))
        if "cann" in p.relaxed:
            changes.append("CANN {}".format(p.choice.get("cann")))
        if "driver" in p.relaxed:
            changes.append("a newer driver")
        return "follow the plan below ({}; {} steps)".format(", ".join(changes), len(p.steps))
    return None


def for_packages(ctx, *packages):
    """Fix lines for findings about ``packages``: the plan steps that install them (and a pointer to the whole
    plan when it also changes CANN or the driver); only the whole plan when it moves to a new environment."""
    p = plan(ctx)
    whole = whole_plan(ctx)
    if p.status == "unsolvable" or "python" in p.relaxed:
        return [whole]
    out = []
    for pkg in packages:
        line = p.fix_for(pkg)
        if line and line not in out:
            out.append(line)
    if whole and out:
        out.append(whole)
    return out or ([whole] if whole else [])


def for_requirement(ctx, req, owner=None):
    """Fix line for an unmet requirement ``req`` (str or Requirement) of ``owner``: the plan step installing it, or
    the step replacing its owner (whose own pins come with it), else a pip command for the same interpreter."""
    try:
        r = Requirement(str(req))
    except InvalidRequirement:
        return pip(ctx, str(req))
    p = plan(ctx)
    if p.status == "unsolvable" or "python" in p.relaxed:
        return whole_plan(ctx)
    for name in (r.name, owner):
        line = p.fix_for(name) if name else None
        if line:
            return line
    return pip(ctx, str(r))
