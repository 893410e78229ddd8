"""The knowledge base of error signatures: ``rules/signatures/*.yaml``, validated and compiled.

One YAML entry per signature (format: see the FIELDS / PATTERN_FIELDS below and any entry). This module only
loads data; matching lives in :mod:`ascendfix.explain.engine`. It imports nothing heavy (no
libcst, no frameworks) so ``ascendfix explain`` starts fast.
"""

import re

from ascendfix.data import Field, display_path, load_entries, validate
from ascendfix.explain.codes import plain_prefilter, validate_examples
from ascendfix.errors import DataError

# The categories (rules/explain_categories.yaml) and the apply rules a signature may name (the codemod folders and
# rules/patches) are data: read on first use, see categories() and apply_rules(). ``CATEGORIES`` / ``APPLY_RULES``
# stay importable (module __getattr__).
CATEGORY_FILE = "explain_categories.yaml"
# wording that says a line is benign ("this error log can be ignored", "falling back to"): see benign_entries()
BENIGN_FILE = "explain_benign.yaml"
NPU_CONTEXT_FILE = "explain_npu_context.yaml"
NPU_CONTEXT_FIELDS = {"id": Field(str), "regex": Field(str)}
BENIGN_FIELDS = {"id": Field(str), "regex": Field(str), "veto": Field(bool, required=False),
                 "went_on": Field(bool, required=False),
                 "templates": Field(list, items=dict)}
# failure statements that carry no error word ("out of memory", pip check's "..., but you have X 1.0."): see
# failure_entries() and explain/infer.py
FAILURE_FILE = "explain_failures.yaml"
FAILURE_KINDS = ("statement", "tool")
FAILURE_FIELDS = {"id": Field(str), "kind": Field(str, choices=FAILURE_KINDS), "regex": Field(str),
                  "prefilter": Field(str), "examples": Field(dict)}
CATEGORY_FIELDS = {
    "id": Field(str),
    "title": Field(str),
    "description": Field(str),
    # category inference (explain/infer.py): a generic first step and the words that point to the category
    "next": Field(str, required=False),
    "evidence": Field(list, items=dict, required=False),
    # the frames of the last traceback that point to the category (regex over "<file path> in <function>", weight;
    # explain/infer.py decide: a second witness, or the deciding one when the last exception line is bland)
    "frame_evidence": Field(list, items=dict, required=False),
    "links": Field(list, items=str, required=False),
    # a category that names no cause by itself ("a runtime task failed"): the inference prefers any other category
    # that reaches its threshold
    "generic": Field(bool, required=False),
    # a tool's report that stays a failing line when the tool's own success line follows it (pip's resolver report,
    # then pip's "Successfully installed ..."): case-sensitive regexes for the report and for the tool's success lines
    "report_lines": Field(str, required=False),
    "report_own_ok": Field(str, required=False),
    # (post25) an Ascend-only category (cann_env): the inference names it only when the log shows an Ascend NPU
    # context (rules/explain_npu_context.yaml); otherwise the best other category that reaches the threshold, else
    # this fallback category when the failing lines hold evidence of it (explain/infer.py decide)
    "npu_only": Field(str, required=False),
    # (learn26) the learned fallback (explain/learned.py) names this category only when the log shows an Ascend NPU
    # context (Matcher.names_npu), as an npu_only category is inferred only then
    "guess_needs_npu": Field(bool, required=False),
}
# ``agree``: a word that names its category only with another word of it ("weight 2 each, two must agree"): it is
# not counted again when it is in the last exception (explain/infer.py decide)
# ``own_frame`` (conv27): a category id, or "none": the evidence counts for that category (for none) instead when the
# innermost frame of the last traceback is the named thing's own code — the regex's group ``own_pkg`` names a dotted module
# (the frame's file lies in its top package's folder — its first subpackage's for a name of three parts or more: the
# package imports its own part), ``own_self`` an attribute (the
# frame's code line reads ``self.<attribute>`` in a file outside site-packages / dist-packages: the program's own class)
# or ``own_code`` is present (the frame's file is outside site-packages / dist-packages: the program's own code)
EVIDENCE_FIELDS = {"regex": Field(str), "weight": Field(int), "agree": Field(bool, required=False),
                   "own_frame": Field(str, required=False)}
FRAME_EVIDENCE_FIELDS = {"regex": Field(str), "weight": Field(int)}
SEVERITIES = ("error", "context")  # older spelling of role: error = cause, context = context
ROLES = ("cause", "consequence", "wrapper", "context")
# AF001..AF999, then AF1000 and up (a four-digit id never starts with 0: AF0123 is not an id)
ID_RE = re.compile(r"^AF(?:\d{3}|[1-9]\d{3})$")
_ID_NUM_RE = re.compile(r"^AF(\d+)$")


def id_key(sig_id):
    """Sort key of an id: AF ids by number (AF999 < AF1000 < AF1001; as strings AF1000 would sort between AF100 and
    AF101), any other id (an error code) as its string. Three-digit ids keep their string order, also against codes."""
    m = _ID_NUM_RE.match(sig_id or "")
    return "AF" + m.group(1).zfill(8) if m else sig_id

FIELDS = {
    "id": Field(str),
    "category": Field(str),
    "title": Field(str),
    "priority": Field(int),
    "severity": Field(str, required=False, choices=SEVERITIES),
    "role": Field(str, required=False, choices=ROLES),
    "codes": Field(list, items=str, required=False),
    # the warning itself is the problem (the run goes on, but not on the NPU): a diagnosis even in a log with no
    # failing line (otherwise a cause matched only on warning / INFO lines of such a log is shown as a note)
    "warning_is_cause": Field(bool, required=False),
    # (eng24b) the category named instead of ``category`` when the log shows an Ascend NPU context
    # (rules/explain_npu_context.yaml): the same message means another root cause on an NPU host
    "npu_category": Field(str, required=False),
    # the matched lines are a warning or a report the program prints and goes past (pip's post-install resolver report,
    # a deprecation warning): the match counts only when the run stopped after it (a failing line after its last
    # matched line, other than a user's Ctrl-C) or when nothing after it shows the run went on (a success line, the
    # program's own output as the log's last line, a user's Ctrl-C); otherwise it is a note (see Matcher.went_on). A
    # cause read only from warning lines gets the same veto without the flag, except the Ctrl-C (people press it on
    # runs that hung).
    "needs_failure": Field(bool, required=False),
    # (rev23c) the matched line is a field of a status listing that a tool prints before unrelated lines: kubectl
    # describe pod prints a container's "Last State: Terminated / Reason: OOMKilled", then the state's "Finished:
    # <time>" and the pod's events ("Successfully assigned ..."), which come after it in the paste but say nothing
    # about the run going on: a success line after the match does not make it a note (see Matcher.went_on)
    "state_report": Field(bool, required=False),
    # with needs_failure: a regex for success lines the emitting command itself prints after its report (pip's
    # "Successfully installed ..."): such a line is no sign that the program went on
    "own_lines": Field(str, required=False),
    "patterns": Field(list, items=dict),
    "cause": Field(str),
    "fix": Field(str),
    "defaults": Field(dict, required=False),
    # environment variables that change what the fix means (HF_ENDPOINT for a hub that cannot be reached): name ->
    # a sentence with {value}; when the variable is set where ascendfix runs (smoke's runner inherits that
    # environment), the match's fix gets the sentence and --json the values (``environment``), redacted.
    # A boolean flag is a mapping {sentence: ..., when: truthy}: named only when its value is on (see env_truthy)
    "env": Field(dict, required=False),
    "apply_rule": Field(str, required=False),
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
    # a regex: the pattern does not count on a line that also matches it (a benign form of the same words, such as a
    # Python warning that says it can be ignored)
    "unless": Field(str, required=False),
    # the line this pattern reads is what a launcher or daemon prints when it kills its own process group after a
    # failure (the shell's bare "Killed"): when every line the signature matched comes after a failing line of the
    # same log, the match is a consequence of that failure, not a cause of its own
    "consequence_after_failure": Field(bool, required=False),
    # the line this pattern reads is a traceback frame inside a check function that catches an exception and logs it
    # with its traceback (logger.warning(..., exc_info=True)) before going on: the exception line that ends this
    # traceback is part of that notice, not a failure (only on context signatures)
    "notice_traceback": Field(bool, required=False),
}
EXAMPLE_FIELDS = {"text": Field(str), "source": Field(str)}

_TEMPLATE_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# "[? ... ?]" is an optional phrase: kept only when every {field} inside it was captured from the log
_OPTIONAL_RE = re.compile(r"\[\?(.{0,600}?)\?\]", re.S)


_GROUP_RE = re.compile(r"\(\?P<([A-Za-z_][A-Za-z0-9_]*)>")


class Pattern(object):
    """One regex of a signature; compiled on first use (start-up: most patterns never run)."""

    __slots__ = ("source", "_regex", "where", "anchors", "required", "alone", "index", "skip_quiet_lines",
                 "unless_source", "_unless", "consequence_after_failure", "notice_traceback")

    def __init__(self, source, anchors, required, alone, index, where="", skip_quiet_lines=False, unless=None,
                 consequence_after_failure=False, notice_traceback=False):
        self.source = source
        self._regex = None
        self.where = where
        self.anchors = anchors
        self.required = required  # the signature matches only if every required pattern matched
        self.alone = alone  # False: supporting evidence only, never enough on its own
        self.index = index
        self.skip_quiet_lines = skip_quiet_lines
        self.unless_source = unless
        self._unless = None
        self.consequence_after_failure = consequence_after_failure
        self.notice_traceback = notice_traceback

    @property
    def unless(self):
        """The compiled ``unless`` regex, or None."""
        if self.unless_source is None:
            return None
        if self._unless is None:
            try:
                self._unless = re.compile(self.unless_source)
            except re.error as e:
                raise DataError("{}: bad 'unless' regex: {}".format(self.where, e))
        return self._unless

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


class _Where(object):
    """Where an entry is, for messages: ``<file>: entry '<id>'`` and a suffix, made into text only when a message
    needs it (display_path resolves the file's path: for every signature on every start, that was a tenth of a small
    log's time)."""

    __slots__ = ("path", "entry_id", "suffix")

    def __init__(self, path, entry_id, suffix=""):
        self.path = path
        self.entry_id = entry_id
        self.suffix = suffix

    def sub(self, suffix):
        return _Where(self.path, self.entry_id, self.suffix + suffix)

    def __str__(self):
        return "{}: entry '{}'{}".format(display_path(self.path), self.entry_id, self.suffix)

    def __format__(self, spec):
        return format(str(self), spec)


class Signature(object):
    """A compiled KB entry."""

    kind = "signature"

    def __init__(self, entry, path, known_categories=None):
        """``known_categories``: the category ids (default: :func:`categories`; load_signatures reads them once)."""
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
        self.warning_is_cause = bool(entry.get("warning_is_cause"))
        self.npu_category = entry.get("npu_category")
        self.needs_failure = bool(entry.get("needs_failure"))
        self.state_report = bool(entry.get("state_report"))
        self.own_lines = None  # compiled ``own_lines`` (see FIELDS)
        self.codes = []  # code-table codes this entry explains: their rows are dropped when it matches
        self.cause = entry["cause"].strip()
        self.fix = entry["fix"].strip()
        self.defaults = dict(entry.get("defaults") or {})
        self.env = dict(entry.get("env") or {})
        self.apply_rule = entry.get("apply_rule")
        self.links = list(entry["links"])
        self.explanation = entry["explanation"].rstrip()
        self.examples = entry["examples"]
        self.patterns = []
        where = _Where(path, self.id)
        if not ID_RE.match(self.id):
            raise DataError("{}: id must look like AF001 (AF001..AF999, then AF1000 and up)".format(where))
        if self.category not in (categories() if known_categories is None else known_categories):
            raise DataError("{}: unknown category '{}' (known: {})".format(where, self.category, ", ".join(categories())))
        if self.npu_category is not None and (
                self.npu_category == self.category
                or self.npu_category not in (categories() if known_categories is None else known_categories)):
            raise DataError("{}: npu_category '{}' must be a known category other than its category".format(
                where, self.npu_category))
        if self.apply_rule is not None and self.apply_rule not in apply_rules():
            raise DataError("{}: unknown apply_rule '{}' (known: {})".format(
                where, self.apply_rule, ", ".join(apply_rules())))
        for c in entry.get("codes") or []:
            try:
                self.codes.append(re.compile("(?:{})$".format(c)))
            except re.error as e:
                raise DataError("{}: bad 'codes' regex {!r}: {}".format(where, c, e))
        if entry.get("own_lines") is not None:
            if not self.needs_failure:
                raise DataError("{}: 'own_lines' is only for entries with 'needs_failure'".format(where))
            try:
                self.own_lines = re.compile(entry["own_lines"])
            except re.error as e:
                raise DataError("{}: bad 'own_lines' regex: {}".format(where, e))
        for name, spec in self.env.items():
            flag = isinstance(spec, dict) and not set(spec) - {"sentence", "when"} \
                and isinstance(spec.get("sentence"), str) and spec.get("when", "truthy") == "truthy"
            if not (isinstance(spec, str) or flag):
                raise DataError("{}: env '{}' must be a sentence or {{sentence: ..., when: truthy}}".format(where, name))
        if self.needs_failure and self.warning_is_cause:
            raise DataError("{}: 'needs_failure' and 'warning_is_cause' contradict each other".format(where))
        if not 1 <= self.priority <= 100:
            raise DataError("{}: priority must be 1..100".format(where))
        if not entry["patterns"]:
            raise DataError("{}: field 'patterns' is empty".format(where))
        for i, p in enumerate(entry["patterns"]):
            pwhere = where.sub(" patterns[{}]".format(i))
            validate(p, PATTERN_FIELDS, pwhere)
            if not p["anchors"] or not all(p["anchors"]):
                raise DataError("{}: 'anchors' needs at least one non-empty literal".format(pwhere))
            alone = p.get("alone")
            self.patterns.append(
                Pattern(p["regex"], tuple(p["anchors"]), bool(p.get("required")), alone is not False, i, pwhere,
                        bool(p.get("skip_quiet_lines")), p.get("unless"), bool(p.get("consequence_after_failure")),
                        bool(p.get("notice_traceback")))
            )
            if p.get("notice_traceback") and self.role != "context":
                raise DataError("{}: 'notice_traceback' is only for context entries".format(pwhere))
        if not any(p.alone or p.required for p in self.patterns):
            raise DataError("{}: every pattern has 'alone: false'; nothing can trigger it".format(where))
        validate_examples(self.examples, where, EXAMPLE_FIELDS)
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
        fields take the capture, else the entry's ``defaults``, else stay as written. A capture is redacted like
        the ``env:`` values (URL user information, NAME=secret): a log's ``https://user:pw@mirror`` endpoint is
        not repeated in the fix.
        """
        from ascendfix.redact import redact_text

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
                return redact_text(value) if isinstance(value, str) else value
            if name in self.defaults:
                return str(self.defaults[name])
            return m.group(0)

        return _TEMPLATE_RE.sub(sub, text)


# huggingface_hub's boolean variables (constants._is_true: ``value.upper() in {"1", "ON", "YES", "TRUE"}``):
# HF_HUB_OFFLINE=0 / false / no / anything else means off
TRUTHY = frozenset({"1", "ON", "YES", "TRUE"})


def env_truthy(value):
    """True when an environment flag's ``value`` is on the way huggingface_hub reads it."""
    return value is not None and str(value).upper() in TRUTHY


def env_notes(sig, environ=None):
    """({name: value}, [sentence]) for the variables of ``sig.env`` set in ``environ`` (default: os.environ); an
    entry ``{sentence, when: truthy}`` counts only when its value is on (``env_truthy``)."""
    import os

    from ascendfix.redact import redact_value

    spec = getattr(sig, "env", None) or {}
    environ = os.environ if environ is None else environ
    values, lines = {}, []
    for name, sentence in spec.items():
        value = environ.get(name)
        if isinstance(sentence, dict):
            if not env_truthy(value):
                continue
            sentence = sentence["sentence"]
        if value:
            value = redact_value(name, value)
            values[name] = value
            lines.append("Set where ascendfix runs: {}={} — {}".format(name, value, sentence.replace("{value}", value)))
    return values, lines


_CACHE = {}
_CATS = {}
# compiled evidence regexes, by source (case-insensitive): category_entries checks each one and the inference uses the
# same objects. Not left to re's own cache: it holds 512 patterns, and the rules compile more than that at start-up, so
# the second compile of an evidence regex missed it and cost the whole compile again (~40 ms a run, round 26)
_EVIDENCE_RX = {}


def evidence_regex(source):
    """``source`` compiled case-insensitively, once per process (raises re.error like re.compile)."""
    rx = _EVIDENCE_RX.get(source)
    if rx is None:
        rx = _EVIDENCE_RX[source] = re.compile(source, re.I)
    return rx


def category_entries():
    """``[{id, title, description}]`` of every category, in file order (rules/explain_categories.yaml; the copy
    shipped with ascendfix when a custom rules folder has none)."""
    from ascendfix.data import load_yaml_cached

    path = _rules_path(CATEGORY_FILE)
    key = str(path)
    if key not in _CATS:
        doc = load_yaml_cached(path)
        if not isinstance(doc, list) or not doc:
            raise DataError("{}: expected a list of categories".format(display_path(path)))
        seen = set()
        for i, entry in enumerate(doc):
            where = "{}: entry {}".format(display_path(path), i + 1)
            if not isinstance(entry, dict):
                raise DataError("{} must be a mapping".format(where))
            validate(entry, CATEGORY_FIELDS, where)
            for j, ev in enumerate(entry.get("evidence") or []):
                validate(ev, EVIDENCE_FIELDS, "{} evidence[{}]".format(where, j))
                if not (1 <= ev["weight"] <= 5 or -5 <= ev["weight"] <= -1):
                    raise DataError("{} evidence[{}]: weight must be 1..5 (or -5..-1: evidence against)".format(where, j))
                try:
                    evidence_regex(ev["regex"])
                except re.error as e:
                    raise DataError("{} evidence[{}]: bad regex: {}".format(where, j, e))
            for j, ev in enumerate(entry.get("frame_evidence") or []):
                validate(ev, FRAME_EVIDENCE_FIELDS, "{} frame_evidence[{}]".format(where, j))
                if not (1 <= ev["weight"] <= 5 or -5 <= ev["weight"] <= -1):
                    raise DataError("{} frame_evidence[{}]: weight must be 1..5 (or -5..-1: evidence against)".format(
                        where, j))
                try:
                    evidence_regex(ev["regex"])
                except re.error as e:
                    raise DataError("{} frame_evidence[{}]: bad regex: {}".format(where, j, e))
            if not re.match(r"^[a-z][a-z0-9_]{1,40}$", entry["id"]) or entry["id"] in seen:
                raise DataError("{}: bad or duplicate id '{}'".format(where, entry["id"]))
            seen.add(entry["id"])
        for i, entry in enumerate(doc):
            for j, ev in enumerate(entry.get("evidence") or []):
                own = ev.get("own_frame")
                if own is not None and (own != "none" and own not in seen or not any(
                        g in evidence_regex(ev["regex"]).groupindex for g in ("own_pkg", "own_self", "own_code"))):
                    raise DataError("{}: entry {}: evidence[{}]: own_frame '{}' needs a category id (or none) and a "
                                    "regex group own_pkg, own_self or own_code".format(display_path(path), i + 1, j, own))
            fb = entry.get("npu_only")
            if fb is not None and (fb == entry["id"] or fb not in seen or any(
                    e["id"] == fb and e.get("npu_only") for e in doc)):
                raise DataError("{}: entry {}: npu_only '{}' must be another category that is not npu_only".format(
                    display_path(path), i + 1, fb))
        _CATS[key] = [dict(e) for e in doc]
    return _CATS[key]


def _rules_path(name):
    """The rules file ``name``: the rules folder's copy, else the one shipped with ascendfix (which may not exist)."""
    from ascendfix.data import builtin_root, data_root

    path = data_root("rules") / name
    return path if path.is_file() else builtin_root("rules") / name


def _rules_list(name, kind):
    """``(cache key, path, entries)`` of a list-of-mappings rules file: the rules folder's copy, else the shipped one
    (no file at all: an empty list). The entries are read only when the cache does not hold them yet."""
    from ascendfix.data import load_yaml_cached

    path = _rules_path(name)
    key = (kind, str(path))
    if key in _CATS:
        return key, path, None
    doc = load_yaml_cached(path) if path.is_file() else []
    if not isinstance(doc, list):
        raise DataError("{}: expected a list".format(display_path(path)))
    return key, path, doc


def _mappings(path, doc):
    """``(where, entry)`` for each entry of a rules list, each checked to be a mapping."""
    for i, entry in enumerate(doc):
        where = "{}: entry {}".format(display_path(path), i + 1)
        if not isinstance(entry, dict):
            raise DataError("{} must be a mapping".format(where))
        yield where, entry


def benign_entries():
    """``[{id, regex, veto, templates}]`` from rules/explain_benign.yaml (the shipped copy when a custom rules folder
    has none; an empty list when neither exists)."""
    key, path, doc = _rules_list(BENIGN_FILE, "benign")
    if key not in _CATS:
        for where, entry in _mappings(path, doc):
            validate(entry, BENIGN_FIELDS, where)
            try:
                re.compile(entry["regex"], re.I)
            except re.error as e:
                raise DataError("{}: bad regex: {}".format(where, e))
        _CATS[key] = [dict(e) for e in doc]
    return _CATS[key]


def failure_entries():
    """``[{id, kind, regex, prefilter, examples}]`` from rules/explain_failures.yaml (the shipped copy when a custom
    rules folder has none; an empty list when neither exists), in file order."""
    key, path, doc = _rules_list(FAILURE_FILE, "failures")
    if key not in _CATS:
        seen = set()
        for where, entry in _mappings(path, doc):
            validate(entry, FAILURE_FIELDS, where)
            if entry["id"] in seen:
                raise DataError("{}: duplicate id '{}'".format(where, entry["id"]))
            seen.add(entry["id"])
            for field, flags in (("regex", re.I), ("prefilter", 0)):
                try:
                    rx = re.compile(entry[field], flags)
                except re.error as e:
                    raise DataError("{}: bad {}: {}".format(where, field, e))
                if rx.search("") is not None:  # '' or 'x?': every line would fail / pass the pre-filter
                    raise DataError("{}: {} {!r} matches an empty line".format(where, field, entry[field]))
            if not plain_prefilter(entry["prefilter"]):
                raise DataError("{}: prefilter must be a plain ERE (letters, [classes], {{n}}, |), got {!r}".format(
                    where, entry["prefilter"]))
            validate_examples(entry["examples"], where, EXAMPLE_FIELDS)
        _CATS[key] = [dict(e) for e in doc]
    return _CATS[key]


def npu_context():
    """``(context, not_context)``: the compiled regexes (bytes) of rules/explain_npu_context.yaml — a line that matches
    one of ``context`` and none of ``not_context`` shows an Ascend NPU context (see ``npu_category``); ``(None, None)``
    when the file is missing or empty."""
    from ascendfix.data import load_yaml_cached

    path = _rules_path(NPU_CONTEXT_FILE)
    key = ("npu_context", str(path))
    if key not in _CATS:
        doc = load_yaml_cached(path) if path.is_file() else None
        if doc is None:
            doc = {}
        if not isinstance(doc, dict) or set(doc) - {"context", "not_context"}:
            raise DataError("{}: expected a mapping with 'context' and 'not_context' lists".format(display_path(path)))
        out = []
        for field in ("context", "not_context"):
            entries = doc.get(field) or []
            if not isinstance(entries, list):
                raise DataError("{}: '{}' must be a list".format(display_path(path), field))
            parts = []
            for i, entry in enumerate(entries):
                where = "{}: {}[{}]".format(display_path(path), field, i)
                validate(entry, NPU_CONTEXT_FIELDS, where)
                if set(entry) - set(NPU_CONTEXT_FIELDS):
                    raise DataError("{} must be a mapping {{id, regex}}".format(where))
                try:
                    rx = re.compile(entry["regex"])
                except re.error as e:
                    raise DataError("{}: bad regex: {}".format(where, e))
                if rx.search("") is not None:
                    raise DataError("{}: regex {!r} matches an empty line".format(where, entry["regex"]))
                parts.append("(?:{})".format(entry["regex"]))
            out.append(re.compile("|".join(parts).encode("utf-8")) if parts else None)
        _CATS[key] = tuple(out) if out[0] is not None else (None, None)
    return _CATS[key]


def categories():
    """The category ids, in order."""
    return tuple(e["id"] for e in category_entries())


def category_title(cat):
    for e in category_entries():
        if e["id"] == cat:
            return e["title"]
    return None


def apply_rules():
    """The rule ids a signature's ``apply_rule`` may name: the built-in codemods and the extra patch rules."""
    from ascendfix.codemods import builtin_rule_entries
    from ascendfix.data import data_root, load_entries

    key = ("apply_rules", str(data_root("rules")))
    if key in _CATS:
        return _CATS[key]
    # (the files read through the disk cache: explain reads them on every start; apply reads them itself, uncached)
    ids = [entry.get("id") for _, entry in builtin_rule_entries(cached=True)]
    try:
        ids += [entry.get("id") for _, entry in load_entries("rules", "patches", disk_cache=True)]
    except DataError:
        pass  # a malformed patch rule is reported by apply, not here
    _CATS[key] = tuple(i for i in ids if isinstance(i, str))
    return _CATS[key]


def __getattr__(name):  # PEP 562: CATEGORIES / APPLY_RULES computed from the data on first use
    if name == "CATEGORIES":
        return categories()
    if name == "APPLY_RULES":
        return apply_rules()
    raise AttributeError("module {!r} has no attribute {!r}".format(__name__, name))


def load_signatures(compile_all=False):
    """All signatures, in id order (AF999 before AF1000; see id_key). Raises DataError on a malformed entry.

    Regexes compile lazily; ``compile_all=True`` compiles (and so checks) every one now.
    """
    from ascendfix.data import data_root

    key = str(data_root("rules"))
    if key not in _CACHE:
        known = frozenset(categories())
        sigs = [Signature(entry, path, known) for path, entry in load_entries("rules", "signatures", FIELDS)]
        sigs.sort(key=lambda s: id_key(s.id))  # file names sort AF1000-… between AF100-… and AF101-…
        if not sigs:
            raise DataError("no signatures found under {}/signatures".format(key))
        _CACHE[key] = sigs
    if compile_all:
        for sig in _CACHE[key]:
            for p in sig.patterns:
                p.regex  # noqa: B018 - compiles, raising DataError on a bad regex
                p.unless  # noqa: B018
    return _CACHE[key]


def find_signature(sig_id):
    want = sig_id.strip().upper()
    for sig in load_signatures():
        if sig.id == want:
            return sig
    return None
