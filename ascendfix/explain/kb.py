"""The knowledge base of error signatures: ``rules/signatures/*.yaml``, validated and compiled.

One YAML entry per signature (format: see the FIELDS / PATTERN_FIELDS below and any entry). This module only
loads data; matching lives in :mod:`ascendfix.explain.engine`. It imports nothing heavy (no
libcst, no frameworks) so ``ascendfix explain`` starts fast.
"""

import re

from ascendfix.data import Field, display_path, load_entries, validate
from ascendfix.errors import DataError

CATEGORIES = (
    "graph_compile_crash",
    "maskedfill_dtype",
    "device_oom",
    "shape_mismatch",
    "hccl",
    "py38_subscript",
    "missing_weights",
    "kernel_unsupported",
    "numpy_abi",
    "pip_conflict",
    "cann_env",
    "ascend_inner_error",
    "patch_side_effect",
    # real Ascend deployment failures outside the first thirteen
    "device_unavailable",
    "device_busy",
    "host_oom",
    "mindie_service",
    "permission",
    # installing and building the stack (wheels, source builds, source trees), launching distributed jobs, numerics
    "install",
    "dist_launch",
    "numerics",
)
APPLY_RULES = ("masked-fill-dtype", "py38-annotations", "py38-stdlib", "pins-relax")
SEVERITIES = ("error", "context")  # older spelling of role: error = cause, context = context
ROLES = ("cause", "consequence", "wrapper", "context")
ID_RE = re.compile(r"^AF\d{3}$")

FIELDS = {
    "id": Field(str),
    "category": Field(str, choices=CATEGORIES),
    "title": Field(str),
    "priority": Field(int),
    "severity": Field(str, required=False, choices=SEVERITIES),
    "role": Field(str, required=False, choices=ROLES),
    "codes": Field(list, items=str, required=False),
    "patterns": Field(list, items=dict),
    "cause": Field(str),
    "fix": Field(str),
    "defaults": Field(dict, required=False),
    "apply_rule": Field(str, required=False, choices=APPLY_RULES),
    "links": Field(list, items=str),
    "explanation": Field(str),
    "examples": Field(dict),
}
PATTERN_FIELDS = {
    "regex": Field(str),
    "anchors": Field(list, items=str),
    "required": Field(bool, required=False),
    "alone": Field(bool, required=False),
    # ignore lines whose header says DEBUG / INFO / WARNING (a module logging that it could not import something
    # and carrying on is not the failure)
    "skip_quiet_lines": Field(bool, required=False),
}
EXAMPLE_FIELDS = {"text": Field(str), "source": Field(str)}

_TEMPLATE_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# "[? ... ?]" is an optional phrase: kept only when every {field} inside it was captured from the log
_OPTIONAL_RE = re.compile(r"\[\?(.{0,600}?)\?\]", re.S)


_GROUP_RE = re.compile(r"\(\?P<([A-Za-z_][A-Za-z0-9_]*)>")


class Pattern(object):
    """One regex of a signature; compiled on first use (start-up: most patterns never run)."""

    __slots__ = ("source", "_regex", "where", "anchors", "required", "alone", "index", "skip_quiet_lines")

    def __init__(self, source, anchors, required, alone, index, where="", skip_quiet_lines=False):
        self.source = source
        self._regex = None
        self.where = where
        self.anchors = anchors
        self.required = required  # the signature matches only if every required pattern matched
        self.alone = alone  # False: supporting evidence only, never enough on its own
        self.index = index
        self.skip_quiet_lines = skip_quiet_lines

    @property
    def regex(self):
        if self._regex is None:
            try:
                self._regex = re.compile(self.source)
            except re.error as e:
                raise DataError("{}: bad regex: {}".format(self.where, e))
        return self._regex

    @property
    def group_names(self):
        return _GROUP_RE.findall(self.source)


class Signature(object):
    """A compiled KB entry."""

    kind = "signature"

    def __init__(self, entry, path):
        self.entry = entry
        self.path = path
        self.id = entry["id"]
        self.category = entry["category"]
        self.title = entry["title"].strip()
        self.priority = entry["priority"]
        self.severity = entry.get("severity") or "error"
        # cause: names a root cause; consequence: follows from a failure elsewhere (a collective timeout
        # when a peer died); wrapper: a generic error around the cause (EZ9999, "NPU function error");
        # context: benign on its own (a fallback warning), shown only next to a real failure
        self.role = entry.get("role") or ("context" if self.severity == "context" else "cause")
        self.codes = []  # code-table codes this entry explains: their rows are dropped when it matches
        self.cause = entry["cause"].strip()
        self.fix = entry["fix"].strip()
        self.defaults = dict(entry.get("defaults") or {})
        self.apply_rule = entry.get("apply_rule")
        self.links = list(entry["links"])
        self.explanation = entry["explanation"].rstrip()
        self.examples = entry["examples"]
        self.patterns = []
        where = "{}: entry '{}'".format(display_path(path), self.id)
        if not ID_RE.match(self.id):
            raise DataError("{}: id must look like AF001".format(where))
        for c in entry.get("codes") or []:
            try:
                self.codes.append(re.compile("(?:{})$".format(c)))
            except re.error as e:
                raise DataError("{}: bad 'codes' regex {!r}: {}".format(where, c, e))
        if not 1 <= self.priority <= 100:
            raise DataError("{}: priority must be 1..100".format(where))
        if not entry["patterns"]:
            raise DataError("{}: field 'patterns' is empty".format(where))
        for i, p in enumerate(entry["patterns"]):
            pwhere = "{} patterns[{}]".format(where, i)
            validate(p, PATTERN_FIELDS, pwhere)
            if not p["anchors"] or not all(p["anchors"]):
                raise DataError("{}: 'anchors' needs at least one non-empty literal".format(pwhere))
            alone = p.get("alone")
            self.patterns.append(
                Pattern(p["regex"], tuple(p["anchors"]), bool(p.get("required")), alone is not False, i, pwhere,
                        bool(p.get("skip_quiet_lines")))
            )
        if not any(p.alone or p.required for p in self.patterns):
            raise DataError("{}: every pattern has 'alone: false'; nothing can trigger it".format(where))
        ex = self.examples
        for kind in ("match", "no_match"):
            items = ex.get(kind)
            if not isinstance(items, list) or not items:
                raise DataError("{}: examples.{} needs at least one {{text, source}} item".format(where, kind))
            for j, item in enumerate(items):
                validate(item, EXAMPLE_FIELDS, "{} examples.{}[{}]".format(where, kind, j))
        names = set()
        for p in self.patterns:
            names.update(p.group_names)
        if "code" in names:
            names.add("module")  # filled from the code table (the CANN module a code belongs to)
        for name in _TEMPLATE_RE.findall(self.fix) + _TEMPLATE_RE.findall(self.cause):
            if name not in names and name not in self.defaults:
                raise DataError(
                    "{}: template field '{{{}}}' is neither a named group nor in 'defaults'".format(where, name)
                )

    @property
    def anchors(self):
        out = []
        for p in self.patterns:
            out.extend(p.anchors)
        return out

    def render(self, text, captures):
        """Fill a cause/fix template from the log's named captures.

        ``[? ... ?]`` segments are kept only if every ``{name}`` inside was captured; other ``{name}``
        fields take the capture, else the entry's ``defaults``, else stay as written.
        """

        def optional(m):
            inner = m.group(1)
            if all(captures.get(n) for n in _TEMPLATE_RE.findall(inner)):
                return inner
            return ""

        text = _OPTIONAL_RE.sub(optional, text)

        def sub(m):
            name = m.group(1)
            value = captures.get(name)
            if value:
                return value
            if name in self.defaults:
                return str(self.defaults[name])
            return m.group(0)

        return _TEMPLATE_RE.sub(sub, text)


_CACHE = {}


def load_signatures(compile_all=False):
    """All signatures, in file order. Raises DataError on a malformed entry.

    Regexes compile lazily; ``compile_all=True`` compiles (and so checks) every one now.
    """
    from ascendfix.data import data_root

    key = str(data_root("rules"))
    if key not in _CACHE:
        sigs = [Signature(entry, path) for path, entry in load_entries("rules", "signatures", FIELDS)]
        if not sigs:
            raise DataError("no signatures found under {}/signatures".format(key))
        _CACHE[key] = sigs
    if compile_all:
        for sig in _CACHE[key]:
            for p in sig.patterns:
                p.regex  # noqa: B018 - compiles, raising DataError on a bad regex
    return _CACHE[key]


def find_signature(sig_id):
    want = sig_id.strip().upper()
    for sig in load_signatures():
        if sig.id == want:
            return sig
    return None
