"""The learned fallback of ``explain``: a naive-Bayes guess over the words of the failing lines (``kind: guess``).

Reached only when nothing else answers — no signature, code row or fault entry names a cause, consequence or wrapper,
the category inference (:mod:`.infer`) names nothing — and the log has failing lines, and the run-went-on veto does not
apply (the run did not go on after its last failing line: :meth:`engine.Matcher.guess_allowed`). It is ranked below
everything (it only ever stands alone), exits like an inference (status 1: no known cause) and says what it is: the words
of the failing lines are most like those of known failures of a category.

The model is data: ``rules/explain_learned.json``, written by :mod:`ascendfix.explain._learngen` from the signatures'
real examples and the labelled logs of an explicit list of validation sets; it holds, per class (a category, or
``harmless``: harmless logs, benign ``context`` signatures and the benign wording's templates), the number of training
documents and how many of them hold each feature seen in at least ``min_df`` documents. Log-likelihoods are computed
from those counts with the model's ``alpha`` when the model is first needed — never on the common path (a log that a
signature answers, or a log without failing lines, never reads the file).

Features of a set of failing lines (:func:`features`): their words (lower case, 2-41 characters starting with a
letter, a few stop words left out), adjacent word pairs, error codes (``EZ9999`` -> ``code:ez9999`` and its family
``code2:ez``; a six-digit code -> ``rc:507035`` and ``rc3:507``) and the type of the last exception (``exc:oserror``).
Each counts once per log. The decision rule (all in the model file, measured leave-one-set-out by
``benchmarks/bench_explain_learned.py``): the top class is a category (not harmless, other or a category's near misses,
``near:<category>``: the signatures' ``examples.no_match`` excerpts), its posterior reaches ``threshold``, its log-odds
over the second class reach ``margin``, and at least ``min_features`` of the log's features are known to the model.

A naive-Bayes posterior is over-confident: the guess's ``posterior`` is a rank, not a probability. Its honest
confidence is ``measured_precision`` (guess27): the share of this rule's guesses that were right leave-one-set-out on
the labelled logs it reached (the model file's ``rule.measured``, written from the benchmark's figure).
"""

import json
import math
import re

from ascendfix.explain.engine import LEARNED_LINE_CHARS, _snippet

MODEL_FILE = "explain_learned.json"
HARMLESS = "harmless"
OTHER = "other"  # a real failure outside the categories (a validation log labelled other:...): never answered
ABSTAIN = (HARMLESS, OTHER)  # classes the fallback never names
# (guess27) a signature's examples.no_match excerpt is a document of the class "near:<its category>": words a rule's
# writer decided are NOT that category's failure (a near miss, the benign form, another family). Never named either: a
# log whose words are most like a category's near misses gets no guess.
NEAR = "near:"
# characters of each failing line read: the engine keeps no more of it (the first engine.LEARNED_MAX_FAILING lines)
LINE_CHARS = LEARNED_LINE_CHARS
MAX_WORDS = 4  # shared words quoted in the cause
MAX_LINES = 3  # failing lines shown as evidence

_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_]{1,40}|\b[EW][A-Z0-9]\d{4}\b|\b\d{6}\b")
_STOP = frozenset("the a an of to in is and or for on at by with from this that be it as are was not no".split())
_CODE = re.compile(r"^[ew][a-z0-9]\d{4}$")
_EXC = re.compile(r"^(?:[A-Za-z_]\w{0,60}\.){0,8}([A-Za-z_]\w{0,80}(?:Error|Exception|Interrupt|Exit))\b")


# (rev26l) Failing lines whose words are no evidence of any category: the guess needs at least one failing line that is
# neither. (1) A launcher's relay of a worker's exit: torchrun's report (torch/distributed/elastic/multiprocessing/
# api.py "failed (exitcode: {}) local_rank: {} (pid: {}) of binary: {}", errors/__init__.py ChildFailedError's
# "<name> FAILED", "Failures:", "<NO_OTHER_FAILURES>", "Root Cause (first observed failure):") and hydra's "Error
# executing job with overrides: [...]" — the same words whatever the worker died of (a negative exit code, a signal,
# is left to the rules). (2) A Python built-in exception whose message is only CPython's fixed template with the
# program's own names in quotes (captured: python3.11 -c "Size" / "'s'()" / "None[0]" / "'s'.__name__" / "1|None" /
# "issubclass('s', int)" / "iter(1)"; "import json; json.loads('')"): the same words for every bug of that kind.
_RELAY = re.compile(
    r"\bfailed \(exitcode: \d{1,3}\) local_rank: |\bChildFailedError\b|^\s{0,8}\S{1,300} FAILED\s{0,8}$"
    r"|^\s{0,8}(?:Failures|Root Cause \(first observed failure\)):\s{0,8}$|<NO_OTHER_FAILURES>"
    r"|\bError executing job with overrides: ")
_TEMPLATE = re.compile(
    r"(?:^|[\s:.\]])(?:NameError: name '[^']{1,200}' is not defined"
    r"|TypeError: '[^']{1,200}' object is not (?:callable|subscriptable|iterable)"
    r"|AttributeError: '[^']{1,200}' object has no attribute '[^']{1,200}'"
    r"|TypeError: unsupported operand type\(s\) for [^:' ]{1,5}: '[^']{1,200}' and '[^']{1,200}'"
    r"|TypeError: issubclass\(\) arg 1 must be a class"
    r"|JSONDecodeError: Expecting value: line \d{1,9} column \d{1,9} \(char \d{1,12}\))"
    r"(?:\. Did you mean: '[^']{1,200}'\?)?\s{0,8}$")


# (guess27) (3) A CUDA kernel fault: the CUDA runtime's error string of a kernel that faulted (cudaGetErrorString of
# cudaErrorIllegalAddress, cudaErrorAssert, cudaErrorMisalignedAddress, cudaErrorLaunchFailure,
# cudaErrorIllegalInstruction: docs.nvidia.com/cuda/cuda-runtime-api/group__CUDART__TYPES.html) as PyTorch raises it
# ("CUDA error: <string>", c10/cuda/CUDAException.cpp), and ATen's device-side assertion report
# ("<file>.cu:<line>: <kernel>: block: [x,y,z], thread: [x,y,z] Assertion `<condition>` failed."): a kernel bug or bad
# input, the same words whatever it was — no category of ours (not device_oom: the memory is not exhausted), and not
# cuda_on_npu (a CUDA kernel ran; tests/test_explain_fix20.py). (4) A line with no word the model reads (only digits,
# punctuation or non-Latin script).
# (rev-guess27) The same CUDA strings as other emitters print them: PyTorch's old THC check ("cuda runtime error (77) :
# <string> at <file>:<line>", "THCudaCheck FAIL file=<file> line=<n> error=<n> : <string>": aten/src/THC/THCGeneral.cpp
# before 1.8) and a driver-API error's name and string ("CUDA_ERROR_ILLEGAL_ADDRESS: <string>", as TensorFlow and CuPy
# print cuGetErrorName / cuGetErrorString: docs.nvidia.com/cuda/cuda-driver-api/group__CUDA__TYPES.html).
_KERNEL_FAULT = re.compile(
    r"(?:\bCUDA error: |\bcuda runtime error \(\d{1,4}\) : |\bTHCudaCheck FAIL file=\S{1,400} line=\d{1,7} "
    r"error=\d{1,4} : |\bCUDA_ERROR_[A-Z_]{2,40}: )"
    r"(?:an illegal memory access was encountered|device-side assert triggered|misaligned address"
    r"|unspecified launch failure|an illegal instruction was encountered)\.?(?: at \S{1,400}:\d{1,7})?\s{0,8}$"
    r"|\.cu:\d{1,7}: .{0,300}\bblock: \[\d{1,7},\d{1,7},\d{1,7}\], thread: \[\d{1,7},\d{1,7},\d{1,7}\] "
    r"Assertion `.{0,400}` failed\.?\s{0,8}$")


def no_evidence(line):
    """Is this failing line a launcher's relay report, a bare built-in exception template, a CUDA kernel fault or a
    line without a word the model reads (see _RELAY, _TEMPLATE, _KERNEL_FAULT)?"""
    line = line[:LINE_CHARS]
    return (_RELAY.search(line) is not None or _TEMPLATE.search(line) is not None
            or _KERNEL_FAULT.search(line) is not None or _TOKEN.search(line) is None)


def speaks(lines):
    """(rev26l) Does at least one failing line carry words of its own (not only relay reports, templates and CUDA
    kernel faults)?"""
    return any(not no_evidence(t) for t in lines)


def features(lines, exception=None, pairs=True):
    """The feature set of failing lines (texts) and, optionally, the log's last exception line (``pairs``: with
    adjacent word pairs)."""
    out = set()
    for line in lines:
        if _KERNEL_FAULT.search(line[:LINE_CHARS]):
            continue  # (guess27: a CUDA kernel fault's words say nothing of the cause, see _KERNEL_FAULT)
        toks = [t.lower() for t in _TOKEN.findall(line[:LINE_CHARS])]
        toks = [t for t in toks if t not in _STOP]
        for i, t in enumerate(toks):
            if t.isdigit():
                out.update(("rc:" + t, "rc3:" + t[:3]))
            elif _CODE.match(t):
                out.update(("code:" + t, "code2:" + t[:2]))
            else:
                out.add(t)
            if pairs and i + 1 < len(toks):
                out.add(t + " " + toks[i + 1])
    if exception:
        m = _EXC.match(exception.strip())
        if m:
            out.add("exc:" + m.group(1).lower())
    return out


def train(docs, alpha=0.5, min_df=2, rule=None):
    """The model document (JSON-able) of ``[(feature set, class), ...]``: per class its document count and the
    documents holding each feature seen in at least ``min_df`` documents over all classes."""
    df = {}
    for f, _y in docs:
        for x in f:
            df[x] = df.get(x, 0) + 1
    vocab = {x for x, n in df.items() if n >= min_df}
    classes = {}
    counts = {}
    for f, y in docs:
        classes[y] = classes.get(y, 0) + 1
        c = counts.setdefault(y, {})
        for x in f:
            if x in vocab:
                c[x] = c.get(x, 0) + 1
    return {
        "alpha": alpha,
        "min_df": min_df,
        "rule": dict(rule or {}),
        "classes": {y: classes[y] for y in sorted(classes)},
        "counts": {y: {x: counts[y][x] for x in sorted(counts[y])} for y in sorted(counts)},
    }


class Model(object):
    """A model document (:func:`train`) ready to predict. (guess27) A feature's log-likelihoods are computed when a log
    first asks for it (:meth:`row`), not for the whole vocabulary when the file is read: a guess reads a few hundred."""

    def __init__(self, doc):
        self.alpha = float(doc["alpha"])
        self.rule = dict(doc.get("rule") or {})
        self.classes = dict(doc["classes"])
        n = float(sum(self.classes.values()))
        a = self.alpha
        self.prior = {y: math.log(ny / n) for y, ny in self.classes.items()}
        # (a feature a class never saw: its default log-likelihood)
        self.default = {y: math.log(a / (ny + 2 * a)) for y, ny in self.classes.items()}
        self._counts = [(y, c, self.classes[y]) for y, c in doc["counts"].items()]
        if not all(isinstance(c, dict) for _y, c, _ny in self._counts):
            raise TypeError("counts")  # (rev-guess27: not a model; load() reads it as none, as before the lazy rows)
        self._rows = {}

    def row(self, x):
        """``{class: log-likelihood}`` of feature ``x`` for the classes that saw it (empty: unknown to the model)."""
        r = self._rows.get(x)
        if r is None:
            a = self.alpha
            r = {}
            try:
                for y, c, ny in self._counts:
                    k = c.get(x)
                    if k:
                        r[y] = math.log((k + a) / (ny + 2 * a))
            except (TypeError, ValueError, ZeroDivisionError):
                r = {}  # (rev-guess27: a malformed count, read lazily: the feature is unknown, never a traceback)
            self._rows[x] = r
        return r

    def scores(self, f):
        """``({class: log score}, known features)``."""
        rows = [(x, self.row(x)) for x in f]
        known = [x for x, r in rows if r]
        s = dict(self.prior)
        for _x, row in rows:
            if row:
                for y in s:
                    s[y] += row.get(y, self.default[y])
        return s, known

    def predict(self, f, harmless_bias=None):
        """``(class, posterior, log-odds over the second class, known features)``; class None without features.

        ``harmless_bias``: added to the harmless class's log score (default: the rule's ``harmless_bias``, else 0) —
        the fallback is only reached where no rule answers, where harmless logs are far more common than in training."""
        s, known = self.scores(f)
        if HARMLESS in s:
            s[HARMLESS] += self.rule.get("harmless_bias", 0.0) if harmless_bias is None else harmless_bias
        if not known:
            return None, 0.0, 0.0, known
        order = sorted(s, key=lambda y: (-s[y], y))
        top = order[0]
        z = sum(math.exp(v - s[top]) for v in s.values())
        margin = s[top] - s[order[1]] if len(order) > 1 else float("inf")
        return top, 1.0 / z, margin, known

    def fires(self, top, posterior, margin, known):
        """Does the model's decision rule let this prediction answer?"""
        return fires(self.rule, top, posterior, margin, known)

    def shared_words(self, top, known, n=MAX_WORDS):
        """The single words of the log that speak most for ``top`` against every other class (plain words only)."""
        out = []
        for x in known:
            if ":" in x or " " in x:  # (a word pair, a code or an exception type: the words say it plainer)
                continue
            row = self.row(x)
            mine = row.get(top, self.default[top])
            other = max(row.get(y, self.default[y]) for y in self.classes if y != top)
            if mine > other:
                out.append((mine - other, x))
        out.sort(key=lambda t: (-t[0], t[1]))
        return [x for _, x in out[:n]]


def abstains(y):
    """Is ``y`` a class the fallback never names (harmless, other, a category's near misses)?"""
    return y in ABSTAIN or y.startswith(NEAR)


def fires(rule, top, posterior, margin, known):
    """Does the decision rule (``threshold``, ``margin``, ``min_features``) let a prediction answer?"""
    return (top is not None and not abstains(top) and posterior >= rule.get("threshold", 0.9)
            and margin >= rule.get("margin", 0.0) and len(known) >= rule.get("min_features", 1))


def needs_npu(entry):
    """Does a guess of this category (its rules/explain_categories.yaml entry) need an Ascend NPU context in the log?
    An Ascend-only category (``npu_only``, like the inference) and one marked ``guess_needs_npu`` (cuda_on_npu)."""
    return bool(entry.get("npu_only") or entry.get("guess_needs_npu"))


_MODELS = {}


def load():
    """The :class:`Model` of the current rules folder (the shipped one when the folder has none), or None when there
    is no model file or it cannot be read. Read once, on first use."""
    from ascendfix.explain.kb import _rules_path

    path = _rules_path(MODEL_FILE)
    key = str(path)
    if key not in _MODELS:
        model = None
        try:
            with open(key, encoding="utf-8") as fh:
                model = Model(json.load(fh))
        except (OSError, ValueError, KeyError, TypeError, AttributeError, ZeroDivisionError):
            model = None  # (no file, or not a model: the fallback stays silent)
        _MODELS.clear()
        _MODELS[key] = model
    return _MODELS[key]


def guess(matcher, ranked):
    """The learned fallback's answer for a matcher that reached it (a ``matches`` dict, ``kind: guess``), or None."""
    if not matcher.guess_allowed(ranked):
        return None
    model = load()
    if model is None:
        return None
    exc = matcher.last_exception[1] if matcher.last_exception else None
    top, posterior, margin, known = model.predict(features([t for _, t in matcher.failing], exc))
    if not model.fires(top, posterior, margin, known):
        return None
    from ascendfix.explain.kb import category_entries

    entry = next((e for e in category_entries() if e["id"] == top), None)
    if entry is None:
        return None  # (a category the current rules folder does not have)
    if needs_npu(entry) and not matcher.names_npu():
        return None  # (an Ascend-only category, or one whose convention asks for an NPU context: cuda_on_npu)
    words = model.shared_words(top, known)
    lines = _shown(matcher, words)
    quoted = ", ".join("'{}'".format(w) for w in words)
    out = {
        "id": "guess:" + top,
        "category": top,
        "title": "Perhaps: " + entry["title"],
        "rank": 1,
        "role": "cause",
        "kind": "guess",
        "evidence": [{"line": ln, "text": t} for ln, t in lines],
        "cause": ("No known signature matched and no category's evidence was found; the words of the failing lines are "
                  "most like known {} failures{} (a statistical guess from labelled logs, no rule: read the lines "
                  "shown before acting on it).".format(top, ": " + quoted if quoted else "")),
        "fix": (entry.get("next") or "").strip() or "Read the failing lines shown above first.",
        "apply_rule": None,
        "links": list(entry.get("links") or []),
        "posterior": round(posterior, 3),
    }
    cal = model.rule.get("measured")
    right, n = (cal.get("right"), cal.get("guesses")) if isinstance(cal, dict) else (None, None)
    if (isinstance(right, int) and isinstance(n, int) and not isinstance(right, bool) and not isinstance(n, bool)
            and 0 <= right <= n and n > 0):
        # (guess27) the honest confidence: how many of the guesses this decision rule made were right, measured
        # leave-one-set-out (benchmarks/bench_explain_learned.py) on the labelled logs it reached (the posterior: a rank).
        # (rev-guess27) a malformed figure in a rules folder's model: no figure, never a traceback; and the text says
        # the rule was chosen on the same logs (~90 settings tried), so the figure is optimistic, and how few they are
        out["measured_precision"] = round(float(right) / n, 2)
        out["measured_on"] = ("{} of {} guesses right, leave-one-set-out on the labelled logs the fallback reached, "
                              "by benchmarks/bench_explain_learned.py; the rule was chosen on the same logs, so "
                              "optimistic".format(right, n))
    return out


def _shown(matcher, words):
    """Up to :data:`MAX_LINES` failing lines to show, in line order: the last exception line, then the lines holding
    most of the shared words, then the last failing lines."""
    picked = {}
    if matcher.last_exception:
        picked[matcher.last_exception[0]] = matcher.last_exception[1]
    lows = [(ln, t, t.lower()) for ln, t in matcher.failing]
    ranked = sorted(lows, key=lambda x: (-sum(1 for w in words if w in x[2]), -x[0]))
    for ln, t, _low in ranked:
        if len(picked) >= MAX_LINES:
            break
        picked.setdefault(ln, _snippet(t))
    return sorted(picked.items())
