"""Environment variables, from rules/checks/env.yaml."""

from ascendfix import stacks
from ascendfix.check import facts, rules
from ascendfix.check.engine import check, ev, finding, redact


@check("env.vars", "env", "Runtime environment variables")
def env_vars(ctx):
    """Values and syntax of TASK_QUEUE_ENABLE, PYTORCH_NPU_ALLOC_CONF, ASCEND_GLOBAL_LOG_LEVEL, ... per stack."""
    out = []
    n = facts.npu(ctx)
    devices = len(n["nodes"]) if n["nodes"] else None
    for rule in rules.env_rules():
        # scoped by what the stack declares in rules/stacks.yaml: its family, a distribution it installs
        if not stacks.applies(ctx.stack, family=rule.get("family"), uses=rule.get("uses")):
            continue
        status, detail, value = rules.eval_env_rule(rule, ctx.env, devices, is_dir=ctx.is_dir)
        var = rule.get("var") or ", ".join(rule.get("when") or {})
        e = [ev("$" + var, redact(var, value))] if rule.get("var") else [ev("env", value)]
        fix = []
        if status == "warn" and rule.get("fix"):
            fix = [rule["fix"]]
        note = rule.get("note")
        if status == "ok" and note and value is None:
            detail = "{} ({})".format(detail, note)
        out.append(finding(status, detail or "", e, id=rule["id"], fix=fix,
                           expected="{} one of {}".format(var, ", ".join(rule["values"])) if rule.get("values") else None,
                           links=rule.get("source")))
    return out
