"""The --script lint: known API mistakes in the user's inference script, from rules/checks/script.yaml."""

from pathlib import Path

from ascendfix.check import rules
from ascendfix.check.engine import check, ev, finding
from ascendfix.errors import AscendfixError


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
