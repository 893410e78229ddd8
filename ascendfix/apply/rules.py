"""Patch rules: ``ascendfix/codemods/<rule_id>/rule.yaml`` (one folder per codemod, see ascendfix.codemods),
plus any extra ``rules/patches/*.yaml`` (one mapping or a list per file).

::

    id: masked-fill-dtype                 # what --rule selects
    title: one line
    why: the reason, with links
    kind: python | file                   # PythonCodemod over .py files, FileCodemod over named files
    codemod: MaskedFillDtype              # in a codemod folder; elsewhere module:Class
    targets: {include: ["**/*.py"], exclude: ["tests/**"]}   # optional, '/'-separated globs
    options: {...}                        # optional, passed to the codemod (overlaid by an example's options)
    only_when: target-below-requires-python   # optional precondition (apply/preflight.py PRECONDITIONS)
    examples:                             # run by tests/test_patch_rules.py
      - name: short-name
        path: pkg/mod.py                  # optional (default example.py)
        options: {...}                    # optional
        target_python: "3.8"              # optional
        before: |
          ...
        after: |                          # absent = must stay unchanged
          ...
        findings:                         # optional; when given, the exact multiset of (kind, line)
          - {kind: skip, line: 3, contains: "receiver"}   # contains: substring of the message (optional)
        files:                            # optional: other files of the tree {relpath: text}, for rules
          pkg/base.py: |                  # with a tree-level index (see ascendfix/apply/index.py)
            ...
"""

import importlib

from ascendfix.apply.base import FileCodemod, PythonCodemod
from ascendfix.apply.files import matches
from ascendfix.apply.preflight import PRECONDITIONS
from ascendfix.data import Field, display_path, load_entries, validate
from ascendfix.errors import AscendfixError, DataError

RULE_FIELDS = {
    "id": Field(str),
    "title": Field(str),
    "why": Field(str),
    "kind": Field(str, choices=["python", "file"]),
    "codemod": Field(str),
    "targets": Field(dict, required=False),
    "options": Field(dict, required=False),
    "only_when": Field(str, required=False, choices=sorted(PRECONDITIONS)),
    "examples": Field(list, items=dict),
}
EXAMPLE_FIELDS = {
    "name": Field(str),
    "path": Field(str, required=False),
    "options": Field(dict, required=False),
    "target_python": Field(str, required=False),
    "before": Field(str),
    "after": Field(str, required=False),
    "findings": Field(list, required=False, items=dict),
    "files": Field(dict, required=False),
    "needs_python": Field(str, required=False),  # the example's syntax needs this Python to parse (tests skip below)
}


class Rule:
    """One validated patch rule (the YAML entry plus its resolved codemod class)."""

    def __init__(self, entry, source):
        self.entry = entry
        self.source = source
        self.id = entry["id"]
        self.title = entry["title"]
        self.why = entry["why"]
        self.kind = entry["kind"]
        self.codemod_spec = entry["codemod"]
        targets = entry.get("targets") or {}
        self.include = list(targets.get("include") or (["**/*.py"] if self.kind == "python" else []))
        self.exclude = list(targets.get("exclude") or [])
        self.options = dict(entry.get("options") or {})
        self.only_when = entry.get("only_when")
        self.examples = entry["examples"]

    def codemod_class(self):
        where = "{}: rule '{}'".format(display_path(self.source), self.id)
        mod_name, _, cls_name = self.codemod_spec.partition(":")
        if not mod_name or not cls_name:
            raise DataError("{}: field 'codemod' must be 'module:Class', got {!r}".format(where, self.codemod_spec))
        try:
            mod = importlib.import_module(mod_name)
        except ImportError as e:
            raise DataError("{}: cannot import codemod module {!r}: {}".format(where, mod_name, e))
        cls = getattr(mod, cls_name, None)
        base = PythonCodemod if self.kind == "python" else FileCodemod
        if not (isinstance(cls, type) and issubclass(cls, base)):
            raise DataError("{}: {} is not a {} subclass".format(where, self.codemod_spec, base.__name__))
        return cls

    def make(self, context, options=None):
        opts = dict(self.options)
        opts.update(options or {})
        return self.codemod_class()(self.id, opts, context)

    def wants(self, relpath):
        return matches(relpath, self.include, self.exclude)


def load_rules(ids=None):
    """All rules (sorted by id), or those named in ``ids`` (unknown id → AscendfixError, exit 2)."""
    from ascendfix.codemods import builtin_rule_entries

    rules = []
    seen = {}
    for path, entry in builtin_rule_entries() + load_entries("rules", "patches", RULE_FIELDS):
        validate(entry, RULE_FIELDS, "{}: rule '{}'".format(display_path(path), entry.get("id")))
        if entry["id"] in seen:
            raise DataError("{}: duplicate rule id '{}' (also in {})".format(
                display_path(path), entry["id"], display_path(seen[entry["id"]])))
        seen[entry["id"]] = path
        for i, ex in enumerate(entry["examples"]):
            validate(ex, EXAMPLE_FIELDS, "{}: rule '{}' example {}".format(display_path(path), entry["id"], i + 1))
        for key in ("include", "exclude"):
            val = (entry.get("targets") or {}).get(key)
            if val is not None and not (isinstance(val, list) and all(isinstance(v, str) for v in val)):
                raise DataError("{}: rule '{}': targets.{} must be a list of globs".format(display_path(path), entry["id"], key))
        rules.append(Rule(entry, path))
    rules.sort(key=lambda r: r.id)
    if ids:
        by_id = {r.id: r for r in rules}
        unknown = [i for i in ids if i not in by_id]
        if unknown:
            raise AscendfixError(
                "unknown rule {} (known: {})".format(", ".join(repr(u) for u in unknown), ", ".join(sorted(by_id)) or "none")
            )
        seen = []
        for i in ids:
            if by_id[i] not in seen:
                seen.append(by_id[i])
        rules = seen
    return rules
