"""Declarative checks from ``rules/checks/*.yaml``: environment variables and the ``--script`` lint.

Adding an entry touches no code here: the evaluators below interpret the fields, and each entry's
``examples`` are run by tests/test_check_data.py.
"""

import ast
import re

from ascendfix import data
from ascendfix.astutil import dotted
from ascendfix.errors import AscendfixError

F = data.Field
ENV_FIELDS = {
    "id": F(str), "kind": F(str, choices=["enum", "kv", "devices", "combo", "ineffective", "dir"]),
    "var": F(str, required=False), "family": F(list, required=False, items=str),
    "uses": F(list, required=False, items=str),
    "values": F(list, required=False, items=str), "default": F(str, required=False),
    "warn_values": F(dict, required=False), "keys": F(dict, required=False), "when": F(dict, required=False),
    "message": F(str, required=False), "note": F(str, required=False), "fix": F(str, required=False),
    "source": F(list, items=str), "examples": F(list, items=dict),
}
SCRIPT_FIELDS = {
    "id": F(str), "call": F(list, items=str), "kwargs": F(dict, required=False),
    "status": F(str, choices=["warn", "error"]), "title": F(str), "detail": F(str), "fix": F(list, items=str),
    "source": F(list, items=str), "examples": F(list, items=dict),
}


def _entries(filename, fields):
    return data.file_entries("rules", "checks", filename, fields)


def env_rules():
    from ascendfix import stacks

    rules = _entries("env.yaml", ENV_FIELDS)
    families = stacks.families()
    for r in rules:
        if r["kind"] != "combo" and not r.get("var"):
            raise data.DataError("rules/checks/env.yaml: entry '{}': field 'var' is missing".format(r["id"]))
        unknown = [f for f in r.get("family") or [] if f not in families]
        if unknown:
            raise data.DataError("rules/checks/env.yaml: entry '{}': family '{}' is not one of {} (rules/stacks.yaml)".format(
                r["id"], unknown[0], ", ".join(families)))
    return rules


def script_rules():
    return _entries("script.yaml", SCRIPT_FIELDS)


# --- environment variables ---------------------------------------------------------------------
_SIZE = re.compile(r"^\d+(\.\d+)?\s*(B|KB|MB|GB|TB)?$", re.I)


def _kv_problem(value, keys):
    items = [p.strip() for p in value.split(",") if p.strip()]
    if not items:
        return "empty value"
    for item in items:
        if ":" not in item:
            return "'{}' is not key:value (the separator is ':', items are separated by ',')".format(item)
        k, v = [s.strip() for s in item.split(":", 1)]
        if k not in keys:
            return "unknown key '{}' (known: {})".format(k, ", ".join(sorted(keys)))
        allowed = keys[k]
        if isinstance(allowed, list):
            if v not in allowed:
                return "{}:{} — expected one of {}".format(k, v, "/".join(allowed))
        elif allowed == "int":
            if not re.match(r"^\d+$", v):
                return "{}:{} — expected an integer".format(k, v)
        elif allowed == "float":
            try:
                float(v)
            except ValueError:
                return "{}:{} — expected a number".format(k, v)
        elif allowed == "size":
            if not _SIZE.match(v):
                return "{}:{} — expected a size like 2MB".format(k, v)
    return None


def eval_env_rule(rule, env, device_count=None, is_dir=None):
    """(status, detail, value) for one rule against an environment dict; status ok or warn.

    ``is_dir(path)`` answers for ``dir`` rules (the check passes one that looks under --root).
    """
    kind = rule["kind"]
    if kind == "combo":
        for var, allowed in rule["when"].items():
            if env.get(var) is None or (allowed != "*" and env.get(var) not in allowed):
                return "ok", None, None
        return "warn", rule["message"], ", ".join("{}={}".format(k, env.get(k)) for k in rule["when"])
    var = rule["var"]
    value = env.get(var)
    if value is None:
        dflt = " (default {})".format(rule["default"]) if rule.get("default") else ""
        return "ok", "{} is not set{}".format(var, dflt), None
    if kind == "ineffective":
        return "warn", rule["message"], value
    if kind == "dir":
        import os

        if not (is_dir or os.path.isdir)(value):
            return "warn", "{}={}: not an existing directory. {}".format(var, value, rule["message"]), value
        return "ok", "{}={}".format(var, value), value
    if kind == "enum":
        v = value.strip()
        if v not in rule["values"]:
            return "warn", "{}={!r} is not a valid value (expected {})".format(var, value, "/".join(rule["values"])), value
        why = (rule.get("warn_values") or {}).get(v)
        if why:
            return "warn", "{}={}: {}".format(var, v, why), value
        return "ok", "{}={}".format(var, v), value
    if kind == "kv":
        problem = _kv_problem(value, rule.get("keys") or {})
        if problem:
            return "warn", "{}={!r}: {}".format(var, value, problem), value
        return "ok", "{}={}".format(var, value), value
    if kind == "devices":
        parts = [p.strip() for p in value.split(",")]
        if not all(re.match(r"^\d+$", p) for p in parts):
            return "warn", "{}={!r}: expected comma-separated device ids like 0,1".format(var, value), value
        if device_count is not None:
            bad = [p for p in parts if int(p) >= device_count]
            if bad:
                return "warn", "{}={}: device {} does not exist (this machine shows {} NPU device node(s))".format(
                    var, value, ",".join(bad), device_count), value
        return "ok", "{}={}".format(var, value), value
    raise ValueError(kind)


# --- script lint -------------------------------------------------------------------------------
class _Aliases(ast.NodeVisitor):
    """Map local names to dotted module paths from import statements."""

    def __init__(self):
        self.names = {}

    def visit_Import(self, node):
        for a in node.names:
            if a.asname:
                self.names[a.asname] = a.name
            else:
                top = a.name.split(".")[0]
                self.names[top] = top

    def visit_ImportFrom(self, node):
        if node.module and not node.level:
            for a in node.names:
                self.names[a.asname or a.name] = node.module + "." + a.name


def _kw_matches(call, kwargs):
    for name, allowed in (kwargs or {}).items():
        kw = [k for k in call.keywords if k.arg == name]
        if not kw:
            return False
        val = kw[0].value
        if not (isinstance(val, ast.Constant) and val.value in allowed):
            return False
    return True


def lint_source(source, rules, filename="<script>"):
    """Hits [(rule, lineno, col, source_line)] of the script rules in Python ``source``."""
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as e:
        raise AscendfixError("--script {}: not valid Python: line {}: {}".format(filename, e.lineno, e.msg))
    aliases = _Aliases()
    aliases.visit(tree)
    lines = source.splitlines()
    hits = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = dotted(node.func)
        if not name:
            continue
        parts = name.split(".")
        head = aliases.names.get(parts[0])
        full = ".".join(([head] if head else [parts[0]]) + parts[1:])
        for rule in rules:
            if full in rule["call"] and _kw_matches(node, rule.get("kwargs")):
                line = lines[node.lineno - 1].strip() if node.lineno - 1 < len(lines) else ""
                hits.append((rule, node.lineno, node.col_offset, line))
    hits.sort(key=lambda h: (h[1], h[2]))
    return hits
