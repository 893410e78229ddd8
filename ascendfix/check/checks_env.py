"""Environment variables (rules/checks/env.yaml) and the --script lint (rules/checks/script.yaml)."""

from pathlib import Path

from ascendfix.check import facts, rules
from ascendfix.check.engine import check, ev, finding, redact
from ascendfix.errors import AscendfixError


@check("env.vars", "env", "Runtime environment variables")
def env_vars(ctx):
    """Values and syntax of TASK_QUEUE_ENABLE, PYTORCH_NPU_ALLOC_CONF, ASCEND_GLOBAL_LOG_LEVEL, ... per stack."""
    out = []
    n = facts.npu(ctx)
    devices = len(n["nodes"]) if n["nodes"] else None
    for rule in rules.env_rules():
        if rule.get("stacks") and ctx.stack not in rule["stacks"]:
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
                           expected=", ".join(rule["values"]) if rule.get("values") else None,
                           links=rule.get("source")))
    return out


@check("script.lint", "script", "API mistakes in your script (--script)", needs="script")
def script_lint(ctx):
    """ast-based lint of the user's script: torch.compile(backend='ascend'), torch.npu.set_benchmark_mode, ..."""
    p = Path(str(ctx.script))
    try:
        src = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise AscendfixError("--script {}: cannot read: {}".format(ctx.script, e))
    hits = rules.lint_source(src, rules.script_rules(), filename=str(p))
    if not hits:
        return finding("ok", "{}: none of the {} known API mistakes found".format(p.name, len(rules.script_rules())),
                       [ev(str(p), "parsed")])
    out = []
    for rule, line, col, text in hits:
        out.append(finding(rule["status"], "{}:{}: {} — {}".format(p, line, rule["title"], rule["detail"]),
                           [ev("{}:{}:{}".format(p, line, col + 1), text)], id=rule["id"], title=rule["title"],
                           fix=rule["fix"], links=rule["source"]))
    return out
