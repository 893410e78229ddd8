"""Category inference: what a failure most likely is when no signature, code or fault entry matched.

The evidence is data, per category, in ``rules/explain_categories.yaml`` (``evidence``: regexes with a weight;
``next``: a generic first step). It is searched only in *failing lines* — the last exception, ERROR-level lines,
fatal lines (a segfault, "Killed"), lines that say error / failed — never in warnings or INFO lines. Each regex
counts once per log (its weight; a negative weight is evidence against the category), and once more when it is in
the last exception (the line a traceback ends on is
the best single witness). The category with the highest total, if it reaches :data:`THRESHOLD` (a category marked
``generic`` — "an inner error" — only when no other one does), is reported as an
*inference* (``kind: inferred``): below every cause and consequence a signature, code or fault entry names, above
the generic wrappers (which name no cause). A log whose run went on after its last failing line (a success line
follows; not a tool's own success line after its report, such as pip's "Successfully installed ..." after its
resolver report: a category's ``report_lines`` / ``report_own_ok``, see :meth:`Inference.report_of`) infers nothing.

Traceback frames are a second witness (a category's ``frame_evidence``: regexes over ``"<file path> in <function>"``,
see :func:`frame_text`): only the frames of the traceback the log's last exception closes (its last block when chained,
read back from that exception to its ``Traceback (most recent call last):`` header among the log's last lines,
``Matcher.last_frames``), each regex once. They add at most :data:`FRAME_CAP` to a category, or up to
:data:`FRAME_CAP_BLAND` when the last exception line names no specific category (``AssertionError``, ``KeyError: 'x'``,
a terse or foreign message), and lose ties to the lines' evidence; the innermost frame that decided is shown with the
evidence lines. Frames are no failing lines (the pre-filter does not pass them; they are re-read from the log's end)
and the run-went-on veto above silences them too. Measured in round 20: no change on the guiding sets or
leave-one-signature-out at any weight tried (2 or 3, cap 1 or 3), so the shipped weights stay low (2: one machinery
alone does not name a category, two of the same category do when the last line is bland).
"""

import re

THRESHOLD = 3  # the least total weight that names a category
MAX_LINES = 3  # evidence lines shown
MAX_WORDS = 4  # matched words quoted in the cause
# traceback frames (a category's ``frame_evidence``, see decide): the most their weights add to a category's total,
# when the last exception line names a category and when it is bland
FRAME_CAP = 1
FRAME_CAP_BLAND = THRESHOLD

# lines that may carry failure evidence without an ERROR header or an exception (pre-filter markers, plain EREs that
# grep and Python read the same; ``timed out`` / ``not found`` included: "connect() timed out", "file not found")
# the failure words in Chinese (a hiascend / CSDN post, a tool's Chinese message: "报错", "失败", "错误", "异常", "无法",
# "找不到" / "未找到"; "超时" only as an event, not the noun "timeout" of a setting): a plain ERE that Python reads the
# same, a pre-filter marker and part of _FAIL_RE
ZH_FAIL = "报错|失败|错误|异常|无法|找不到|未找到|(连接|等待|执行|请求|通信|已)超时|超时(退出|错误|失败)"
# the typing machinery's functions that evaluate string annotations (a traceback frame in one of them is failure
# evidence): a plain alternation that grep -E and Python read the same, used by the pre-filter marker and _TYPING_FRAME_RE
TYPING_FUNCS = "_eval_type|get_type_hints|_evaluate|eval_type_backport|_eval_type_backport|evaluate_forwardref|resolve_types"
# a metric that became NaN or infinite, as a pre-filter marker: "loss: nan", "'grad_norm': nan", "Loss nan",
# "grad_norm: inf", "loss=nan", a 0-d tensor ("loss: tensor(nan, device='npu:0')"), C's printf of a negative NaN
# (Caffe's solver: "Iteration 100, loss = -nan"), print()'s separator after a label ("loss:  nan": print("loss: ",
# loss)) and fixed-width formatting ("loss:     nan" from f"{loss:8.4f}"). A plain ERE (grep -E and Python read it the
# same) that holds every line _NAN_METRIC accepts in the lower, Capitalised and UPPER forms a logger prints;
# _NAN_METRIC then refuses a setting ("--max_grad_norm inf"). Mixed case ("LoSs: nAn") passes _NAN_METRIC (re.I) and
# not this marker: a known gap, accepted (no logger prints it; tests/test_explain_kb17g.py documents it)
NAN_METRIC_ERE = ("(oss|OSS|[Nn]orm|NORM)[A-Za-z0-9_]{0,20}['\"]?[ \t]{0,8}[:=]?[ \t]{0,8}(tensor\\()?-?([Nn]a[Nn]|NAN|[Ii]nf|INF)"
                  "([^A-Za-z]|$)")
# the error words of a failing line as pre-filter markers; the failure statements that carry no error word ("out of
# memory", "terminate called", pip check's "but you have", "is occupied", ...) are data: rules/explain_failures.yaml,
# each entry's ``prefilter`` (fail_prefilters() is both; ``FAIL_PREFILTERS`` reads it for the current rules folder)
_BASE_PREFILTERS = (
    "[Ee]rror([: ]|$)",
    # a bare level tag opening the line ("[ERROR] the dynamic_batch_size parameter is not specified", "[Error]: Stream
    # resources are insufficient."): what the line is, whatever words follow
    "^\\[(ERROR|[Ee]rror)\\]",
    "[Ff]ail(ed|ure)",
    "FAILED",
    "SIGSEGV|SIGABRT|SIGBUS",
    # (upper case too: "[libprotobuf FATAL google/protobuf/stubs/common.cc:83] ...", a "FATAL" level word)
    "[Ff]atal|FATAL",
    # ("can not" in two words: the spelling of many Ascend / MindSpore messages, "Can not select a valid kernel info")
    "[Cc]annot |[Cc]an't |[Cc]an not |CAN ?NOT |[Uu]nable to|[Cc]ould not|[Cc]ould NOT",
    "[Nn]ot [Ff]ound|NOT (found|FOUND)|[Pp]ermission denied|[Tt]imed out|[Nn]o such file",
    # a statement that two things disagree ("CANN version mismatch. The build version is ...", "size mismatch for
    # weight: copying a param with shape ...")
    # (and PyTorch's shape checks, which say it as "must match": "The expanded size of the tensor (751) must match the
    # existing size (752) at non-singleton dimension 1", printed alone by ComfyUI's "Error occurred when executing")
    "[Mm]ismatch|MISMATCH|[Mm]ust match",
    # a value refused or a resource that is too small, stated without an error word ("The argument is invalid.",
    # "Value ... for environment variable ASCEND_OPP_PATH is invalid", "There are not enough slots available",
    # "shared memory size is not enough", "Stream resources are insufficient")
    "[Ii]s invalid|[Aa]re invalid|[Nn]ot enough|[Ii]nsufficient|INSUFFICIENT",
    # the C library's words for a resource the system refused (strerror: ENOSPC, EAGAIN, EMFILE, EROFS), like "No such
    # file" / "Permission denied" above ("bash: fork: retry: Resource temporarily unavailable"), and a process killed by
    # signal 9 as launchers report it ("... exited on signal 9 (Killed).")
    "[Nn]o space left on device|Resource temporarily unavailable|Too many open files|Read-only file system|[Ss]ignal 9([^0-9]|$)",
    # a dependency resolver's report that no set of versions fits (pip: "... requires idna<3, but you have idna 3.6 which is
    # incompatible.", "The conflict is caused by:"; the PubGrub resolvers of uv / poetry: "... we can conclude that your
    # requirements are unsatisfiable.")
    "[Ii]s incompatible|[Uu]nsatisfiable|[Cc]onflict is caused by",
    ZH_FAIL,
    # an ImportError's message printed on its own (a launcher or a bare print of the exception)
    "^No module named",
    # the CUDA stack saying it is not there ("CUDA_HOME environment variable is not set", "NCCL seems unavailable",
    # accelerate's "Your assigned backend ... is not avaliable")
    "environment variable is not set|(NCCL|CUDA|GPU|backend).{0,60}(seems unavailable|is not ava(il|li)able)",
    "[Ee]rror!|[Ee]xception (during|in|occurred|raised|thrown)|SIGKILL|[0-9] +killed |^Killed",
    # a metric that became NaN or infinite (NAN_METRIC_ERE below)
    NAN_METRIC_ERE,
    # traceback frames inside the typing machinery that evaluates string annotations (read as failing lines), also as a
    # rich traceback box prints them ("│ .../typing.py:518 in _evaluate      │")
    "in (" + TYPING_FUNCS + ") *(│ *)?$",
)
# lines saying the run went on (pre-filter markers)
OK_PREFILTERS = (
    "[Ss]uccessfully",
    "[Ff]inished|[Cc]ompleted|startup complete",
    # benign wording (rules/explain_benign.yaml): "can be ignored", "ignore and continue", "falling back to"
    "[Ii]gnor(e|ed|ing)|IGNORED|[Ff]all(ing|s)? back to|[Ff]all back to",
)

# a training metric that became NaN or infinite ("loss: nan", "'grad_norm': nan", "grad_norm: inf"): the failure itself, even on the INFO line a
# trainer logs its metrics on (mmcv / mmengine "- INFO - Epoch [1][50/3862] ... loss: nan, grad_norm: nan")
# (the word that names the metric starts a word and is not a setting: "max_grad_norm: inf", "--max_grad_norm inf" and
# "clip_grad_norm=inf" are a clipping threshold a log prints with its configuration, no metric; every line it accepts
# passes NAN_METRIC_ERE when written in lower, Capitalised or UPPER case: space and tab only, ASCII word characters;
# mixed case such as "LoSs: nAn" is the one known difference, see NAN_METRIC_ERE)
_NAN_METRIC = (r"(?<![\w-])(?!(?:max|clip)_)[A-Za-z0-9_]{0,30}?(?:loss|norm)[A-Za-z0-9_]{0,20}['\"]?"
               r"(?:[ \t]{0,8}[:=]?[ \t]{0,8}(?:tensor\()?-?nan|[ \t]{0,8}[:=][ \t]{0,8}(?:tensor\()?-?inf|[ \t]{1,8}-?inf)(?![A-Za-z])")
# a failing line's words (one search: the error wording, then the failure statements of rules/explain_failures.yaml,
# see _failure_res)
_FAIL_CORE = (
    r"error(?:[: !]|$)|fail(?:ed|ure)|SIGSEGV|SIGABRT|SIGBUS|SIGKILL|fatal|can ?not |can't |unable to|could not|not found"
    r"|permission denied|timed out|no such file|\bmismatch|\bmust match\b|^\[error\]|\b(?:is|are) invalid\b|\bnot enough\b|\binsufficient\b"
    r"|no space left on device|resource temporarily unavailable|too many open files|read-only file system|\bsignal 9\b"
    r"|\bis incompatible\b|\bunsatisfiable\b|\bconflict is caused by\b|" + ZH_FAIL +
    r"|^no module named|environment variable is not set"
    r"|(?:nccl|cuda|gpu|backend)[^\n]{0,60}(?:seems unavailable|is not ava(?:il|li)able)"
    r"|exception (?:during|in|occurred|raised|thrown)|\d \s{0,6}killed |^killed"
    r"|" + _NAN_METRIC
)


def _failure_res(failures):
    """``(failing-line regex, failure-statement regex, pre-filter markers)`` for the entries of
    rules/explain_failures.yaml (kb.failure_entries): the error words above, then the ``statement`` entries, then the
    ``tool`` entries (each an alternative of one regex, case-insensitive)."""
    key = id(failures)
    got = _FAIL_CACHE.get(key)
    if got is None:
        words = [e["regex"] for e in failures if e["kind"] == "statement"]
        tools = [e["regex"] for e in failures if e["kind"] == "tool"]
        fail = re.compile("|".join([_FAIL_CORE] + words + tools), re.I)
        words_re = re.compile("|".join(words), re.I) if words else re.compile(r"(?!)")
        got = (fail, words_re, _BASE_PREFILTERS + tuple(e["prefilter"] for e in failures), failures)
        if len(_FAIL_CACHE) > 8:
            _FAIL_CACHE.clear()
        _FAIL_CACHE[key] = got  # (the entries are kept: their id stays valid while cached)
    return got


_FAIL_CACHE = {}


def _current():
    from ascendfix.explain.kb import failure_entries

    return _failure_res(failure_entries())


def fail_prefilters():
    """The failing-line pre-filter markers of the current rules folder: the error words and every
    rules/explain_failures.yaml entry's ``prefilter`` (plain EREs that grep -E and Python read the same)."""
    return _current()[2]


def __getattr__(name):  # PEP 562: the names that were Python lists before the failure statements became data
    if name == "FAIL_PREFILTERS":
        return _current()[2]
    if name == "_FAIL_RE":
        return _current()[0]
    if name == "_FAIL_WORDS_RE":
        return _current()[1]
    raise AttributeError("module {!r} has no attribute {!r}".format(__name__, name))


_NAN_METRIC_RE = re.compile(_NAN_METRIC, re.I)
# a traceback frame in the typing machinery that evaluates string annotations: failure evidence of its own, as CPython
# ('File ".../typing.py", line 891, in _evaluate'), pytest (".../typing.py:891: in _evaluate") and rich ("│
# .../typing.py:518 in _evaluate   │") print it
_TYPING_FRAME_RE = re.compile(r'^(?:File "[^"\n]{1,500}", line \d{1,7}, in |[^\s"│][^\n"│]{0,500}?\.py:\d{1,7}: in '
                              r"|│ [^\n│]{1,500}?\.py:\d{1,7} in )(?:" + TYPING_FUNCS + r")\s{0,200}│?$")
# any traceback frame, as CPython ('File ".../torch/_dynamo/convert_frame.py", line 569, in _compile') and rich ("│
# .../torch/_dynamo/convert_frame.py:569 in _compile │") print it: the file's path and the function (see frame_text)
# (conv27: also a frame whose "<module>" a web page dropped as an HTML tag, 'File "/x/y.py", line 42, in')
_FRAME_RE = re.compile(r'^(?:File "(?P<path>[^"\n]{1,500})", line \d{1,7}, in(?: (?P<func>[^\s│]{1,200})|(?=\s{0,200}$))'
                       r"|│ (?P<rpath>[^\n│]{1,500}?\.py):\d{1,7} in (?P<rfunc>[^\s│]{1,200}))\s{0,200}│?$")
_WARN_RE = re.compile(r"\w{0,40}Warning\b|\bwarn(?:ing)?s?\b\s{0,2}[:\]]|warnings\.warn|\[W\d{0,4}[ \]]|警告\s{0,2}[:：\]]",
                      re.I)
# (inf26) a Kubernetes event row of type Warning whose reason names a failure, as `kubectl describe` / `kubectl get
# events` print it ("  Warning  FailedScheduling  27s  default-scheduler  0/1 nodes are available: 1 Insufficient
# huawei.com/Ascend910", "Warning  FailedCreatePodSandBox ...", "Warning  UnexpectedAdmissionError ..."; Type Reason Age
# From Message): "Warning" is the event's type there, not a log level - the row is a failing line, not a warning
# (rev26i: kubectl's columns are 2+ spaces or a tab apart; one space would take a program's own "Warning Failed to
# load ..." message, a warning of a run that went on, for a failing line)
_K8S_FAIL_EVENT = re.compile(r"^Warning(?:\t|\s{2,10})(?:Failed\w{0,40}|UnexpectedAdmissionError)(?:\t|\s{2})")
_OK_RE = re.compile(r"successfully|\bfinished\b|\bcompleted?\b|startup complete", re.I)
# ("not" vetoes "... not completed"; transformers' Trainer ends a finished run with "Training completed. Do not forget
# to share your model on huggingface.co/models =)", trainer.py at v5.25.0 — that "not" is no veto)
_OK_VETO = re.compile(r"exit(?:ed)? (?:with )?(?:code|status) [1-9-]|with errors?|\bnot\b(?! forget to share your model)"
                      r"|un(?:successfully|finished)|failed|error", re.I)


class Inference(object):
    """The compiled evidence of every category (read once per rules folder)."""

    def __init__(self, entries, benign=(), failures=None):
        from ascendfix.explain.kb import evidence_regex

        if failures is None:
            from ascendfix.explain.kb import failure_entries

            failures = failure_entries()
        # the failing-line regex (error words + rules/explain_failures.yaml), passed to classify_line
        self.fail_re = _failure_res(failures)[0]
        # wording that says a line is benign (rules/explain_benign.yaml): ``veto`` ones also silence matches
        self.benign = re.compile("|".join("(?:{})".format(b["regex"]) for b in benign), re.I) if benign else None
        veto = [b for b in benign if b.get("veto")]
        self.benign_veto = re.compile("|".join("(?:{})".format(b["regex"]) for b in veto), re.I) if veto else None
        # (conv27) the veto entries that also show the run going on past the failing lines before them (all but those
        # marked ``went_on: false``, whose line speaks only for a step of its own: see rules/explain_benign.yaml)
        on = [b for b in veto if b.get("went_on", True)]
        self.benign_went_on = re.compile("|".join("(?:{})".format(b["regex"]) for b in on), re.I) if on else None
        self.categories = []  # [(id, title, next, links)]
        self.evidence = []  # [(category index, evidence index, weight, compiled regex)]
        self.weights = {}  # (category index, evidence index) -> weight
        self.generic = set()  # category indexes marked generic: chosen only when no other category qualifies
        self.agree = set()  # (category index, evidence index) of words that must agree with another: no last-exception bonus
        self.reports = []  # [(category index, report regex, own success-line regex)] (report_lines / report_own_ok)
        self.frames = []  # [(category index, frame evidence index, weight, regex source)] (frame_evidence)
        self._frames_rx = None  # the same with compiled regexes, on first use (most logs never need them)
        self.frame_weights = {}  # (category index, frame evidence index) -> weight
        # (conv27) evidence with ``own_frame`` (see kb.EVIDENCE_FIELDS): (category index, evidence index) -> (the
        # key it counts under instead — (target category index, ("own", ci, ei)), None for no category — regex)
        self.own_frame = {}
        ids = [e["id"] for e in entries]
        for ci, e in enumerate(entries):
            if e.get("generic"):
                self.generic.add(ci)
            self.categories.append((e["id"], e["title"], (e.get("next") or "").strip(), list(e.get("links") or [])))
            for ei, ev in enumerate(e.get("evidence") or []):
                self.evidence.append((ci, ei, ev["weight"], evidence_regex(ev["regex"])))
                self.weights[(ci, ei)] = ev["weight"]
                if ev.get("agree"):
                    self.agree.add((ci, ei))
                own = ev.get("own_frame")
                if own is not None:
                    key = None
                    if own in ids:
                        key = (ids.index(own), ("own", ci, ei))
                        self.weights[key] = ev["weight"]
                    self.own_frame[(ci, ei)] = (key, evidence_regex(ev["regex"]))
            for fi, ev in enumerate(e.get("frame_evidence") or []):
                self.frames.append((ci, fi, ev["weight"], ev["regex"]))
                self.frame_weights[(ci, fi)] = ev["weight"]
            if e.get("report_lines") and e.get("report_own_ok"):
                self.reports.append((ci, re.compile(e["report_lines"]), re.compile(e["report_own_ok"])))
        # (post25) Ascend-only categories: category index -> the index of its fallback category (``npu_only``)
        self.npu_only = {ci: ids.index(e["npu_only"]) for ci, e in enumerate(entries)
                         if e.get("npu_only") and e["npu_only"] in ids}

    def report_of(self, msg, state):
        """The index of the category whose tool report (a ``state`` "fail" line) or whose tool's own success line (an
        "ok" line) this classified line is, or None."""
        scan = msg[:4096]
        for ci, report, own_ok in self.reports:
            if (report if state == "fail" else own_ok).search(scan):
                return ci
        return None

    def line_evidence(self, msg):
        """``((category index, evidence index, matched word), ...)`` in one failing line."""
        out = []
        scan = msg[:4096]
        for ci, ei, _w, rx in self.evidence:
            m = rx.search(scan)
            if m:
                out.append((ci, ei, m.group(0).strip()[:60]))
        return tuple(out)

    def weight(self, ci, ei):
        return self.weights.get((ci, ei), 0)

    def frame_weight(self, ci, fi):
        return self.frame_weights.get((ci, fi), 0)

    def frame_evidence(self, frames):
        """``[(category index, frame evidence index, matched words, line), ...]`` over the frames of one traceback.

        ``frames``: ``[(line, "path in function"), ...]`` in the order printed (outermost first, see
        :func:`frame_text`). Each regex counts once, on the innermost frame it matches (the one nearest the failure)."""
        if self._frames_rx is None:
            from ascendfix.explain.kb import evidence_regex

            self._frames_rx = [(ci, fi, w, evidence_regex(rx)) for ci, fi, w, rx in self.frames]
        found = {}
        for line, text in reversed(frames):
            for ci, fi, _w, rx in self._frames_rx:
                if (ci, fi) not in found:
                    m = rx.search(text)
                    if m:
                        found[(ci, fi)] = (m.group(0).strip("/ ")[:60], line)
        return [(ci, fi, word, line) for (ci, fi), (word, line) in found.items()]


_CACHE = {}


def load():
    """The :class:`Inference` of the current rules folder."""
    from ascendfix.explain.kb import benign_entries, category_entries, failure_entries

    entries = category_entries()
    benign = benign_entries()
    failures = failure_entries()
    key = (id(entries), id(benign), id(failures))
    inf = _CACHE.get(key)
    if inf is None:
        _CACHE.clear()
        inf = _CACHE[key] = Inference(entries, benign, failures)
        inf._entries = (entries, benign, failures)  # keeps the ids valid while cached
    return inf


def frame_text(msg):
    """A traceback frame line (prefixes removed, stripped) as ``"<path> in <function>"`` (the path with ``/``), the
    text frame evidence is searched in; None when the line is no frame."""
    m = _FRAME_RE.match(msg)
    if m is None:
        return None
    path = m.group("path") or m.group("rpath")
    return path.replace("\\", "/") + " in " + (m.group("func") or m.group("rfunc") or "")


_SITE_DIR = re.compile(r"[/\\](?:site|dist)-packages[/\\]")


def own_frame(rx, exception, frame):
    """(conv27) Is the innermost frame of the last traceback the own code of what ``exception`` (its last exception
    line) names through ``rx``'s group ``own_pkg`` / ``own_self`` / ``own_code`` (kb.EVIDENCE_FIELDS ``own_frame``)?
    ``frame``: ``(path, code line)`` of that frame (path with ``/``), or None."""
    if frame is None:
        return False
    m = rx.search(exception[:4096])
    if m is None:
        return False
    groups = m.groupdict()
    path, code = frame
    pkg = groups.get("own_pkg")
    if pkg:
        # (review conv27) the missing module's top package, and its first subpackage when the name is longer: a
        # namespace package's sibling or a script in a clone's examples/ folder is no import of the package's own part
        parts = pkg.split(".")
        folder = "/" + "/".join(parts[:2] if len(parts) > 2 else parts[:1]) + "/"
        if folder.lower() in ("/" + path).lower():
            return True
    if groups.get("own_code") and _SITE_DIR.search(path) is None:
        return True
    attr = groups.get("own_self")
    return bool(attr and code and _SITE_DIR.search(path) is None
                and re.search(r"\bself\." + re.escape(attr) + r"\b", code) is not None)


def is_warning_head(msg):
    """Does the line start like a warning (``UserWarning: ...``, ``WARNING: ...``, ``[W...]``)?"""
    return _WARN_RE.search(msg[:200]) is not None


def classify_line(msg, info, key, benign=None, veto=None, fail=None):
    """Is this decoded line a failing line (``"fail"``), a success line (``"ok"``) or neither (None)?

    ``info``: its :class:`~ascendfix.explain.lines.LineInfo`; ``key``: the key-line kind the engine gave it;
    ``benign``: the compiled benign wording (a line saying it can be ignored / falls back goes on: ``"ok"``);
    ``fail``: the failing-line regex (:attr:`Inference.fail_re`; default: the current rules folder's)."""
    if benign is not None and key not in ("exception", "fatal") and benign.search(msg[:4096]):
        # "the above error log can be ignored" speaks for the lines before it: the run went on; "falling back to"
        # only says this line is no failure (a traceback may still follow or precede it)
        return "ok" if veto is not None and veto.search(msg[:4096]) else None
    if info.module is not None and not info.is_error_level:
        return None  # a CANN / MindSpore component's own INFO line ("... finished") says nothing about the run
    if info.is_quiet_level:
        if info.level == "INFO" and _NAN_METRIC_RE.search(msg[:4096]):
            return "fail"
        return "ok" if _OK_RE.search(msg) and not _OK_VETO.search(msg) else None
    head = msg[:200]
    if key in ("exception", "fatal") or _TYPING_FRAME_RE.match(msg):
        return "fail"
    if _WARN_RE.search(head) and not info.is_error_level and not _K8S_FAIL_EVENT.match(msg):
        return None
    if key == "ascend_error" or info.is_error_level or (fail or _current()[0]).search(msg[:4096]):
        return "fail"
    if _OK_RE.search(head) and not _OK_VETO.search(msg):
        return "ok"
    return None


def decide(inf, seen, last_exception_evidence, frames=(), npu_context=True):
    """``(category index, score, [(category index, evidence index, word)...])`` of the best category, or None.

    ``seen``: {(category index, evidence index): word} over the failing lines of a log; ``frames``: the frame evidence
    of the last exception's traceback (:meth:`Inference.frame_evidence`). Frames are a second witness: their weights
    count up to :data:`FRAME_CAP` per category, or up to :data:`FRAME_CAP_BLAND` when the last exception line is bland
    (it names no specific category: ``RuntimeError: ``, ``AssertionError``, ``KeyError: 'x'``, a message in a language
    the evidence does not cover); on equal totals the category with more evidence from the lines wins.

    ``npu_context``: does the log show an Ascend NPU context? Without it (False) an Ascend-only category (``npu_only``,
    cann_env) gives way to the best other category that qualifies, else to its fallback category when the failing
    lines hold positive evidence of it (a loader failure of a CUDA library: install); with neither it stays."""
    scores = {}
    words = {}
    for (ci, ei), word in seen.items():
        scores[ci] = scores.get(ci, 0) + inf.weight(ci, ei)
        if inf.weight(ci, ei) > 0:  # a negative weight counts against the category and is never quoted
            words.setdefault(ci, []).append((inf.weight(ci, ei), word))
    in_last = {}
    for ci, ei, _word in last_exception_evidence:
        in_last[ci] = True
        if (ci, ei) in inf.agree:
            continue  # a word that must agree with another counts once, even in the last exception
        scores[ci] = scores.get(ci, 0) + inf.weight(ci, ei)
    lines_score = dict(scores)
    if frames:
        bland = not any(inf.weight(ci, ei) > 0 and ci not in inf.generic for ci, ei, _ in last_exception_evidence)
        cap = FRAME_CAP_BLAND if bland else FRAME_CAP
        fscores = {}
        for ci, fi, _word, _line in frames:
            fscores[ci] = fscores.get(ci, 0) + inf.frame_weight(ci, fi)
        for ci, fs in fscores.items():
            scores[ci] = scores.get(ci, 0) + min(fs, cap)
    if not scores:
        return None
    qualified = [ci for ci in scores if scores[ci] >= THRESHOLD]
    if not qualified:
        return None
    specific = [ci for ci in qualified if ci not in inf.generic]

    def order(ci):
        return (scores[ci], lines_score.get(ci, 0), in_last.get(ci, False),
                max(w for w, _ in words.get(ci, [(0, "")])), -ci)

    best = max(specific or qualified, key=order)
    if not npu_context and best in inf.npu_only:
        others = [ci for ci in (specific or qualified) if ci not in inf.npu_only]
        if others:
            best = max(others, key=order)
        elif lines_score.get(inf.npu_only[best], 0) > 0 and words.get(inf.npu_only[best]):
            best = inf.npu_only[best]
    ws = [w for _, w in sorted(words.get(best, []), key=lambda x: -x[0])]
    return best, scores[best], ws
