"""Match one log against the knowledge base: signatures (``rules/signatures``), the error-code table
(``rules/codes``) and the fault-knowledge table (``rules/faults``).

Pipeline, per input line (streamed, binary, never the whole file in memory):

1. pre-filter: does the raw line hold a literal *anchor* of a signature, a code a code family can
   detect (``E?####``, ``ERR#####``, ``MIE…``, ``error code is 507035``...) or a *key-line* marker
   (a Python exception line, ``Traceback``, a ``[ERROR]`` header)? One combined scan: ``grep -E`` with
   one alternation (a DFA in C) when a working grep is on PATH, else one Python ``re`` per line (also
   forced by ``ASCENDFIX_EXPLAIN_NO_GREP=1``, and used for a regular file under ``GREP_MIN_BYTES``, read whole and
   pre-filtered with only the anchors it holds: Python then reads it before grep has compiled its expression). Both
   paths use the same expression, so they agree.
2. only for lines that hit: decode (UTF-8, then GB18030, then UTF-8 with replacement), drop ANSI
   colour codes and CR, strip launcher prefixes and read the Ascend header (:mod:`.lines`), run the
   signature patterns whose anchors occur and the code detectors. Lines longer than ``WINDOW_LIMIT``
   are matched on bounded windows around each anchor.
   Wrapped pastes: a line that passed the pre-filter and matched no signature is also read joined with the line
   before it and the line after it (one neighbour each side, each short; see :meth:`Matcher._try_join`), so a message
   a paste split over two lines still matches; grep prints those neighbours as context lines (``-B1 -A1``).
3. accumulate per signature / per code: evidence lines, named captures (first wins), the matched
   pattern set, the first line and its time; remember the key lines (the last exception, the first and
   last Ascend error lines) for when nothing matches.
4. rank (see :func:`rank_key`): causes before consequences before wrappers before context; a
   signature before a code-table row or fault entry; a code / fault cause of the generic category
   (``ascend_inner_error``: "a runtime task failed") after consequences; then priority, patterns matched,
   first line. A code or fault entry on a line a cause / consequence signature already explains (through a
   pattern that stands alone) is dropped, and so are codes a matched signature claims (``codes:``).
   Patterns marked ``skip_quiet_lines`` ignore lines whose header says DEBUG / INFO / WARNING, and a pattern's
   ``unless`` regex vetoes it on a line that shows the benign form of the same words. A pattern marked
   ``consequence_after_failure`` (the shell's "Killed") makes its match a consequence when it comes after a failing
   line — not when that failing line is a build step's "FAILED:" header (ninja prints the step's output under it:
   its compiler killed, conv26). A cause read only from a quiet line by a ``skip_quiet_lines`` pattern is named last, and only when the log
   failed and nothing else (no cause, consequence or inference) explains it. A code / fault cause of the generic
   category does not keep the category inference from naming the failing lines' category first.
   The number shown is the *rank* (1 = most likely root cause); it is an order, not a measured probability.

Public API, stable (smoke uses :func:`explain_text`): :func:`explain_text`, :func:`explain_lines`,
:func:`explain_stream`, :class:`Matcher`.
"""

import collections
import io
import itertools
import os
import re
import stat

from ascendfix.explain import infer
from ascendfix.explain import lines as linefmt
from ascendfix.explain.kb import env_notes, id_key, load_signatures, npu_context

READ_CHUNK = 1 << 20  # bytes per read from the input
LINE_PART = 1 << 20  # longest piece of one line handled at once (huge lines come in pieces)
# A regular file smaller than this goes through the Python pre-filter even when grep is there: grep spends ~50 ms of
# CPU compiling the anchor alternation (plus starting it, and a probe of grep itself), more than Python needs for such a
# log. The file is read whole first, and unless this process compiled the whole pre-filter already (a library caller
# explaining many logs, the test suite) the pre-filter is narrowed to the anchors the file holds (compiling the whole one
# in Python costs ~0.1 s; see Matcher.narrow_prefilter).
GREP_MIN_BYTES = 64 * 1024
WINDOW_LIMIT = 16384  # lines longer than this are matched on windows around anchors
WINDOW = 2048  # chars each side of an anchor in a window
MAX_WINDOWS = 64  # per line piece
MAX_EVIDENCE = 3  # evidence lines kept per signature
EVIDENCE_CHARS = 300  # longest evidence text shown
CACHE_MAX = 8192  # distinct short hit lines remembered (logs repeat themselves)
CACHE_LINE_MAX = 4096
OVERLAP = 512  # bytes of a huge line's previous piece re-scanned with the next (anchors across pieces)
KEY_FIRST = 3  # first Ascend error lines kept as key lines
KEY_LAST = 2  # last Ascend error lines kept as key lines
# wrapped pastes (see Matcher._try_join): a line that passed the pre-filter but matched no signature is also read joined
# with the line before it and the line after it (one neighbour each side), when both are short and the pair reads as one
# message cut in two; at most MAX_JOINS such tries per log
JOIN_MAX = 2048  # bytes of each line of a pair
MAX_JOINS = 4096

ROLE_TIER = {"cause": 0, "consequence": 2, "wrapper": 3, "context": 4}
# (learn26) the failing lines the learned fallback reads (explain/learned.py): the first ones, each cut to this length
LEARNED_MAX_FAILING = 200
LEARNED_LINE_CHARS = 600

_ANSI_RE = re.compile(r"\x1b\[[0-?]{0,64}[ -/]{0,8}[@-~]|\x1b\][^\x07\x1b]{0,4096}(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")

# key lines: markers found by the pre-filter (plain EREs, the same for grep and Python) ...
# fatal lines beyond the English shell's: the same reports under a Chinese locale (bash 5.2 / glibc zh_CN catalogues:
# "段错误 （核心已转储）", "bash: 第 1 行： 9941 已杀死  python3 ...", "已放弃", "总线错误", "非法指令") and glibc's
# heap-corruption aborts ("double free or corruption (out)", "free(): invalid pointer"). Each is a plain ERE that
# Python reads the same: a pre-filter marker and part of _FATAL_RE.
FATAL_MORE = (
    "核心已转储|段错误|总线错误|非法指令|(^|[0-9] {1,24})已杀死|(^|[0-9] {1,24})已放弃",
    "double free or corruption|free\\(\\): invalid|malloc\\(\\): (memory corruption|corrupted)|munmap_chunk\\(\\): invalid",
)
# the English shell's other reports of a killed job: SIGILL ("Illegal instruction", "bash: line 1: 9941 Illegal
# instruction  python ...", as 非法指令 above), and "Killed" written after an unfinished progress bar ("Loading
# checkpoint shards:  38%|███| 3/8 [00:02<00:03,  1.28it/s]Killed": tqdm redraws its line with a carriage return, so the
# shell's report lands at its end)
FATAL_ENGLISH = ("^Illegal instruction|[0-9] {1,24}Illegal instruction", "\\]Killed {0,8}$")
KEY_PREFILTERS = (
    "Traceback \\(most recent call last\\)",
    "[a-z](Error|Exception|Interrupt|Exit)(:|$)",
    "(^|[^A-Za-z0-9_])(Exception|Error): ",  # a bare ``raise Exception("...")``
    "[a-z](Error|Exception)\\([\"']",  # an exception's repr on its own line (torch.compile: ``ValueError("...")``)
    "[a-z0-9_]\\.[A-Z][A-Za-z0-9_]{2,80}: ",  # a module-qualified exception class not named *Error (``exc.Unsupported: ``)
    "\\[ERROR\\]",
    "\\[E[0-9]{3,4} [0-9]{2}:[0-9]{2}:[0-9]{2}",  # glog / c10 error header ("[E522 11:31:08.878 file.cpp:454]")
    # c10's short error header, without the date (older torch releases: "[E ProcessGroupNCCL.cpp:1414] ..."): linefmt reads
    # both forms as error level, so both must reach it
    "\\[E [A-Za-z_][A-Za-z0-9_./-]{0,160}:[0-9]{1,7}\\]",
    "ERROR[ :]",
    "\\] \\[(error|critical)\\] ",  # spdlog-style C++ loggers (ATB, MindIE): "[2025-12-08 11:52:44.735] [error] "
    "^[EF][0-9]{4}([0-9]{4})? [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{1,9} {1,4}[0-9]{1,10} ",  # glog error line, glog >= 0.7 adds the year
    "Segmentation fault",
    "core dumped",
    # a non-zero exit status (_EXIT_FAIL_RE): read by went_on, never a key line
    "[Ee]xit(ed)?( with)? (code|status)[ :=]{0,2}(0{0,2}[1-9]|-[0-9])",
    "^Killed",
    *FATAL_ENGLISH,
    *FATAL_MORE,
    # lines that name the local rank (read for the rank of a plog; never key lines themselves)
    "rankNum\\[[0-9]{1,6}\\], ?rank\\[",
    "\\]userRank\\[",
    "rankSize\\[[0-9]{1,6}\\], rankId\\[",
)
# ... and what they are, once a line is decoded and its prefixes are gone
_EXCEPTION_RE = re.compile(
    r"^(?:[A-Za-z_]\w{0,60}\.){0,8}(?:[A-Za-z_]\w{0,80}(?:Error|Exception|Interrupt|Exit)(?::\s{0,4}\S.{0,2000}|:?\s{0,4})"
    r"|(?:Exception|Error):\s{1,4}\S.{0,2000}"
    r"|(?:[A-Za-z_]\w{0,60}\.){0,8}[A-Za-z_]\w{0,80}(?:Error|Exception)\((?:\"[^\n]{1,2000}\"|'[^\n]{1,2000}')\)"
    # a module-qualified exception class named otherwise ("torch._dynamo.exc.Unsupported: ...", onnxruntime's
    # "onnxruntime.capi.onnxruntime_pybind11_state.InvalidArgument: ..."): two or more lower-case module parts and a
    # CapWords class (a logger name such as "torch.distributed.run:" ends in lower case)
    r"|(?:_{0,2}[a-z][a-z0-9_]{0,60}\.){2,8}[A-Z][A-Za-z0-9_]{2,80}:\s{1,4}\S.{0,2000})$"
)
# a process that ended with a non-zero exit status, as a launcher, an IDE or a debugger reports it ("Process finished with
# exit code 1", "... exited with code 1", "[Inferior 1 (process 42) exited with code 01]", "returned non-zero exit status
# 2", "exit status -9"); the pre-filter marker below (KEY_PREFILTERS) is the same words as a plain ERE (a little broader).
# Not a status a sentence states as a rule ("Exit with status 1 if the detection is not possible.", ischroot's manual:
# a help text or a setting, no run ended) nor a user's Ctrl-C (exit status 130 = 128 + SIGINT, -2, "interrupted by
# signal 2: SIGINT", "interrupted by Ctrl+C": a stop the user chose, as a Ctrl-C's own traceback, see went_on)
_EXIT_FAIL_RE = re.compile(
    r"\bexit(?:ed)?(?: with)? (?:code|status)[ :=]{0,2}(?!130(?![0-9])|-2(?![0-9]))(?:0{0,2}[1-9]|-[0-9])"
    r"(?![0-9]{0,9}[ \t]{1,4}(?:if|when|whenever|unless|means|indicates)\b)"
    r"(?![^\n]{0,120}?(?:SIGINT|ctrl[+-]c\b|KeyboardInterrupt))", re.I)
# an INFO line about the process stopping is no sign that the run went on
_STOPPING_RE = re.compile(r"shut(?:ting)? ?down|\bexit|terminat|abort|\bstop|kill|clean(?:ing)? ?up|destroy|tear(?:ing)? ?down"
                          r"|error|fail|traceback|exception|retry|retrying", re.I)
# (conv26) ninja's header for a build step that failed (src/status_printer.cc / build.cc: "FAILED: " and the step's
# outputs, then the command and its output): a shell's "Killed" printed under it is that step's own compiler or tool
# killed by SIGKILL (the OOM killer while compiling), not a launcher killing its group after the failure
# (``consequence_after_failure``): ninja and make never SIGKILL their steps
_BUILD_STEP_FAILED_RE = re.compile(r"^\s{0,8}FAILED: \S")
# a user's Ctrl-C: the interpreter's KeyboardInterrupt, and torch.distributed.elastic's launcher passing SIGINT on
# ("torch.distributed.elastic.multiprocessing.api.SignalException: Process 1234 got signal: 2"); the run did not fail
_INTERRUPT_RE = re.compile(r"^(?:[A-Za-z_]\w{0,60}\.){0,8}(?:KeyboardInterrupt\b|SignalException: Process \d{1,10} got signal: 2$)")
# a finished progress bar (tqdm: "100%|██████████| 50/50 [00:10<00:00,  4.91it/s]"): the work it counted completed
_DONE_BAR_RE = re.compile(r"(?:^|[:\s])100%\|[^|\n]{0,200}\| ?(\d{1,9})/(\d{1,9}) ")
# a program computing: a progress bar's rate (tqdm's "[00:10<00:00,  4.91it/s]" / "1.25s/it]") or a training metric with
# a number ("loss: 0.4321", "'loss': 0.52", "loss=1.2e-3"; not "loss: nan", which is the failure itself)
_PROGRESS_RE = re.compile(r"\d(?:it|s)/(?:s|it)\]|\b(?:loss|Loss|LOSS)['\"]?\s{0,2}[:=]\s{0,2}-?\d"
                          # an epoch counter opening the line ("Epoch 3", "epoch: 2/10")
                          r"|^(?:Epoch|epoch|EPOCH)\b[\s:=\[]{0,3}\d"
                          # a Python warning printed by the program's code ("<path>/torch/nn/functional.py:718:
                          # UserWarning: ..."): Python code ran (pip's own notices read "WARNING: ..." / "DEPRECATION: ...")
                          r"|\.py:\d{1,6}: [A-Z]\w{0,40}Warning: ")
# ... but not a warning of the installer's own code (a system pip printing pkg_resources' PkgResourcesDeprecationWarning
# while it installs): no sign that the program ran
_TOOL_WARNING_RE = re.compile(r"[/\\](?:pkg_resources|setuptools|pip|_distutils_hack)[/\\][^:\n]{0,200}\.py:\d{1,6}: ")
TAIL_LINES = 8  # last lines of a log kept for :meth:`Matcher.continued`
TAIL_BYTES = 8192
HEAD_BYTES = 32 * 1024  # the log's head read to decide whether it is pasted grep output (lines.detect_grep_prefix)
_UNDECIDED = object()
# the log's last lines kept for the frames of its last traceback (see Matcher.last_frames): a traceback is read only
# when its exception line is among them
FRAME_TAIL_LINES = 400
FRAME_TAIL_BYTES = 64 * 1024
_FATAL_RE = re.compile("|".join((r"Segmentation fault|core dumped|^Killed\b|^Aborted\b",) + FATAL_ENGLISH + FATAL_MORE))
_TRACEBACK = "Traceback (most recent call last)"
# (review conv27) an IPython / Jupyter frame header, for the innermost frame (own_frame) only: IPython 8 "Cell In[2],
# line 6, in Trainer.fit(self)" / "File ~/envs/x/lib/python3.11/site-packages/m.py:12, in f(a)", IPython 7
# "<ipython-input-2-8a1d9c3e> in fit(self)"; the frame's code line is the arrowed one ("----> 6     return self.x")
_IPY_FRAME_RE = re.compile(r"^(?:Cell In\[\d{1,6}\], line \d{1,7}|File (\S[^\n]{0,500}?):\d{1,7}"
                           r"|<ipython-input-[\w-]{1,80}>)(?:, in | in |$)")
_IPY_ARROW_RE = re.compile(r"^-{1,8}> {0,2}\d")
# (post25) a traceback flattened onto one line (Hugging Face Space "Runtime error" pages, some forum pastes:
# 'Traceback (most recent call last): File "app.py", line 3, in <module> import x ... AttributeError: ...'): its frames,
# and the exception after the last frame (the first exception class with a message there: the frame's code comes first)
_FLAT_FRAME_RE = re.compile(r'File "([^"\n]{1,500})", line \d{1,7}, in ([^\s│]{1,200})')
_FLAT_EXC_RE = re.compile(r"(?<![\w.])(?:[A-Za-z_]\w{0,60}\.){0,8}[A-Za-z_]\w{0,80}(?:Error|Exception|Interrupt|Exit)"
                          r"(?::\s{1,4}\S.{0,2000}|:?\s{0,4}$)")


def _flat_frames(msg):
    """The frame matches (_FLAT_FRAME_RE) of the last traceback header on the line ``msg``."""
    return _FLAT_FRAME_RE.finditer(msg, max(msg.rfind(_TRACEBACK), 0))


def _flat_traceback(msg):
    """The exception text that ends a traceback flattened onto the line ``msg`` (see _FLAT_FRAME_RE), or None. Cheap:
    only a line with a traceback header followed by ' File "' on the same line is read further."""
    i = msg.rfind(_TRACEBACK)
    if i < 0 or msg.find(" File \"", i, i + len(_TRACEBACK) + 24) < 0:
        return None
    last = None
    for last in _flat_frames(msg):
        pass
    if last is None:
        return None
    m = _FLAT_EXC_RE.search(msg, last.end())
    return m.group(0).strip() if m else None
# a line that starts a record of its own, never the rest of the line before it (its message, prefixes removed): a
# traceback header or frame, the chained-exception sentences, a bracketed level header, a CANN error-code head
# ("EZ9999: ..."), a c10 / glog header that linefmt did not read as a level
_NEW_RECORD_RE = re.compile(
    r"(?:Traceback \(most recent call last\)|File \"|During handling of the above exception"
    r"|The above exception was the direct cause|\[(?:ERROR|WARNING|WARN|INFO|DEBUG|TRACE|EVENT|CRITICAL|FATAL)\]"
    r"|E[0-9A-Z]{5}:|\[[EWIF][0-9]{0,4} |[EWIF][0-9]{4} [0-9]{2}:)")
_NO_SIGS = frozenset()  # the signatures a line matched, for a line that matched none (see Matcher._neighbour)
# a line that ends inside a string literal printed in pieces: a quote closing a piece that starts on the same line
_QUOTE_SPLIT_RE = re.compile(r"""(?:^|[\s(\[,=])(?:'[^'\n]{8,}'|"[^"\n]{8,}")$""")
# the end of a sentence: a line ending so and a next line starting upper-case read as two messages (see _looks_cut)
_SENTENCE_END = frozenset(".!?。！？")


def decode_line(raw, partial=False):
    """Bytes of one log line -> text: UTF-8, else GB18030 (Chinese logs), else UTF-8 with U+FFFD.

    ``partial``: a piece of a huge line, which may start or end inside a UTF-8 character.
    """
    if partial:
        i = 0
        while i < 3 and i < len(raw) and 0x80 <= raw[i] <= 0xBF:
            i += 1
        raw = raw[i:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        if partial and e.start >= len(raw) - 3 and e.reason == "unexpected end of data":
            return raw[: e.start].decode("utf-8")
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace")


def clean_text(text):
    """Strip ANSI escape sequences and carriage returns."""
    if "\x1b" in text:
        text = _ANSI_RE.sub("", text)
    if "\r" in text:
        text = text.rstrip("\r").replace("\r", " ")
    return text


def _variants(anchor):
    """The byte strings an anchor can take in a log (UTF-8; GB18030 too when not ASCII)."""
    out = [anchor.encode("utf-8")]
    try:
        gb = anchor.encode("gb18030")
    except UnicodeEncodeError:
        gb = None
    if gb is not None and gb not in out:
        out.append(gb)
    return out


def _snippet(text, start=0):
    text = text.strip()
    if len(text) <= EVIDENCE_CHARS:
        return text
    start = max(0, start - EVIDENCE_CHARS // 3)
    piece = text[start : start + EVIDENCE_CHARS]
    return ("…" if start > 0 else "") + piece + ("…" if start + EVIDENCE_CHARS < len(text) else "")


def _program_info_line(text):
    """Is ``text`` an ordinary INFO / DEBUG line of the program itself, not about stopping? (A CANN component's own INFO
    line, "[INFO] OP(pid,python):... ~aclOpExecutor", is the failing call's teardown in the same process, not the
    program going on.)"""
    info = linefmt.parse(text)
    return info.level in ("INFO", "DEBUG") and info.module is None and not _STOPPING_RE.search(info.message)


class Hit(object):
    """Everything one log said about one signature or one code."""

    __slots__ = ("kind", "key", "sig", "row", "code", "patterns", "evidence", "captures", "count", "first_line",
                 "time", "lines", "loud", "after_failure", "last_line", "went_on", "npu", "in_build_step")

    def __init__(self, kind, key, line, sig=None, row=None, code=None):
        self.kind = kind  # "signature" | "code"
        self.key = key
        self.sig = sig
        self.row = row
        self.code = code
        self.patterns = set()
        self.evidence = []
        self.captures = {}
        self.count = 0
        self.first_line = line
        self.time = None
        self.lines = set()  # line numbers (bounded), for "already explained" checks
        self.loud = False  # matched at least one line that is not a warning / INFO line
        # matched only through ``consequence_after_failure`` patterns, after a failing line: a consequence
        self.after_failure = False
        self.last_line = line  # the last line it matched
        # a warning / report the run went past (see Matcher.went_on): a note, like a context entry
        self.went_on = False
        # (eng24b) the log's Ascend NPU context line ``(line, text)`` when the signature has ``npu_category``: the
        # category is then that one (see Matcher.npu_context)
        self.npu = None
        # (conv26) a ``consequence_after_failure`` line of it came right under a build step's "FAILED:" header (the
        # failing line before it): the step's own output, so never a consequence (see _BUILD_STEP_FAILED_RE)
        self.in_build_step = False

    @property
    def role(self):
        if self.went_on:
            return "context"
        if self.after_failure:
            return "consequence"
        return self.row.role if self.kind == "code" else self.sig.role

    @property
    def priority(self):
        return self.row.priority if self.kind == "code" else self.sig.priority

    @property
    def id(self):
        if self.kind == "code":
            return self.row.id if self.row.code else self.code
        return self.sig.id

    @property
    def category(self):
        if self.kind == "code":
            return self.row.category
        if self.npu is not None:
            return self.sig.npu_category
        return self.sig.category


GENERIC_CATEGORY = "ascend_inner_error"


def rank_key(hit):
    """Sort key, best first: role tier, priority, number of distinct patterns matched, first line, id.

    Tiers: signature causes (0); code-table / fault-table causes of a specific category (1);
    consequences (2); code / fault causes of the generic category — "a runtime task failed", "an
    internal error" — which name less than a specific consequence such as an HCCL timeout (2.5);
    wrappers (3); context (4)."""
    tier = ROLE_TIER[hit.role]
    if hit.kind in ("code", "fault") and hit.role == "cause":
        tier = 2.5 if hit.category == GENERIC_CATEGORY else 1
    return (tier, -hit.priority, -len(hit.patterns), hit.first_line, id_key(hit.id))


def _generic_code(hit):
    """A code-table or fault-table cause of the generic category (tier 2.5 of :func:`rank_key`)."""
    return hit.kind in ("code", "fault") and hit.role == "cause" and hit.category == GENERIC_CATEGORY


def _quiet(hit):
    """Did this hit come from warning lines only (and is it not a signature whose warning is the failure)?"""
    return not hit.loud and not (hit.sig is not None and getattr(hit.sig, "warning_is_cause", False))


def _warnings_after_failures(ranked):
    """A cause read only from warning lines (``UserWarning: Failed to initialize NumPy``, a ``[W ...]`` header)
    ranks after the causes and consequences read from failing lines: the run printed the warning and went on
    until something else stopped it. Without such a failure the order is unchanged. A code of the generic category
    ("a runtime task failed", ERR99999 / 500001 printed after a NumPy 2 warning) names no cause of its own: it does not
    push the warning's cause back."""
    quiet = [h for h in ranked if h.role == "cause" and _quiet(h)]
    rest = [h for h in ranked if not (h.role == "cause" and _quiet(h))]
    loud = [i for i, h in enumerate(rest)
            if h.role in ("cause", "consequence") and not _quiet(h) and not _generic_code(h)]
    if not quiet or not loud:
        return ranked
    last = loud[-1]
    return rest[: last + 1] + quiet + rest[last + 1 :]


def _looks_cut(a, b):
    """Does ``a`` (a line's message, right-stripped) read as cut before ``b`` (the next line's, stripped)? Decided from
    real wrapped pastes (tests/data/logs/wrapped/README.md). Yes when ``a`` ends inside a sentence (no sentence end: a
    terminal or a commit message wrapped it mid-sentence, "...libgomp-d22c30c5.so.1: cannot" / "allocate memory in static
    TLS block", or after a colon, "...libncurses.so.5:" / "cannot open shared object file"), or when ``b`` goes on as a
    sentence's continuation does (lower case, a digit, a closing bracket or quote, a comma / full stop). A line that ends
    a sentence followed by one that starts a sentence is two messages, even when one program printed both as one
    message a sentence per line ("ERROR: Unexpected bus error encountered in worker." / "This might be caused by
    insufficient shared memory (shm)."), which is rarer than two messages and is left to the signatures that read one
    sentence alone (AF181's second pattern)."""
    if a[-1] not in _SENTENCE_END:
        return True
    c = b[0]
    return c.islower() or c.isdigit() or c in ")]}'\"`,.;:"


def _alone(pat, ma, mb):
    """Does the pattern match one of the two lines by itself? (then the join adds nothing)."""
    return pat.regex.search(ma) is not None or pat.regex.search(mb) is not None


class _LineResult(object):
    __slots__ = ("sigs", "codes", "key", "key_text", "time", "rank", "level", "state", "infer", "snippet", "quiet",
                 "quiet_sigs", "interrupt", "own", "report", "exit_fail", "flat_exc", "exc_infer", "build_step",
                 "fail_text")

    @classmethod
    def signatures_only(cls, sigs, quiet_sigs, quiet):
        """A result that holds signature matches and nothing else (a joined pair's, see Matcher._try_join)."""
        res = cls()
        for name in cls.__slots__:
            setattr(res, name, None)
        res.sigs, res.quiet_sigs, res.quiet = sigs, quiet_sigs, quiet
        res.codes = res.infer = res.own = ()
        return res


class Matcher(object):
    """Accumulates matches over a stream of lines. Feed it with :meth:`feed_piece` / :meth:`feed_lines`,
    then read :meth:`matches` / :meth:`report`."""

    def __init__(self, signatures=None, families=None, keylines=True, faults=None, max_evidence=MAX_EVIDENCE):
        self.max_evidence = max_evidence  # evidence lines kept per entry (explain -v keeps more)
        self.signatures = list(signatures if signatures is not None else load_signatures())
        if families is None:
            from ascendfix.explain.codes import load_families

            families = load_families()
        if faults is None:
            from ascendfix.explain.faults import load_fault_families

            faults = [r for fam in load_fault_families() for r in fam.rules] if signatures is None else []
        self.families = list(families)
        self.keylines = keylines
        idx = _index(self.signatures + list(faults), self.families, keylines)
        self.detectors = idx["detectors"]
        self.by_anchor = idx["by_anchor"]
        self.variant_anchor = idx["variant_anchor"]
        self.variants = idx["variants"]
        self.extra_prefilters = idx["extra_prefilters"]
        self.claims = idx["claims"]
        self._idx = idx
        self.hits = {}
        self.quiet_hits = {}  # signature id -> Hit read only from quiet lines by ``skip_quiet_lines`` patterns
        self.lines_read = 0
        self._cache = {}
        self._narrow_re = None  # the pre-filter narrowed to one small log's anchors (narrow_prefilter)
        # key lines
        self.last_traceback = None
        self.last_exception = None  # (line, text)
        self.ascend_first = []
        self.ascend_last = []
        self.fatal = []
        self.last_time = None
        self.ranks = {}
        # category inference (explain/infer.py): evidence words seen in failing lines
        self.inference = infer.load() if keylines else None
        self.infer_seen = {}  # (category index, evidence index) -> the word as written
        self.infer_lines = {}  # category index -> [(line, text)]
        self.last_exception_infer = ()
        # (learn26) the learned fallback (explain/learned.py): the text of the first failing lines, and its answer once
        # computed (_UNDECIDED until then)
        self.failing = []  # [(line, text)]
        self._guess = _UNDECIDED
        self.last_fail = 0
        self.first_fail = 0
        self.last_build_step = 0  # (conv26) the last failing line that is a build step's "FAILED:" header
        self.last_ok = 0
        self.fail_report = None  # the category whose tool report the last failing line is (Inference.report_of)
        # the run-went-on veto (see went_on): the last failing line other than a user's Ctrl-C, the last Ctrl-C, and per
        # signature with ``own_lines`` the last success line that is not one of its command's own lines
        self.last_stop = 0
        self.last_interrupt = 0
        # the last line that shows the run failing, for the success-line part of went_on: a failing line other than a
        # user's Ctrl-C, a traceback header (not the one a Ctrl-C ends), a non-zero exit status ("exited with code 1")
        self.last_stop_evidence = 0
        self._evidence_before_tb = 0
        self.own_sigs = [s for s in self.signatures if getattr(s, "own_lines", None) is not None]
        self.ok_not_own = {}
        self.tail = []  # [(line number, bytes)] of the log's last lines, when known
        # the same for the frames of the last traceback: up to FRAME_TAIL_LINES lines (a deque while feed_lines runs)
        self.frame_tail = collections.deque(maxlen=FRAME_TAIL_LINES)
        self._frames = None  # the last traceback's frame evidence, once read (see last_frames)
        self._innermost = None  # (conv27) its innermost frame as (path, code line), read with it
        # inside a traceback that a check function logged as a notice (see Pattern.notice_traceback)
        self.notice_tb = False
        self.tb_before = None  # the last traceback line before the current one
        # the grep / ripgrep prefix every line of a pasted grep output carries (lines.detect_grep_prefix), decided
        # once per log from its first lines (_UNDECIDED until then; feed_piece alone strips nothing)
        self.line_prefix = _UNDECIDED
        # (read26) the escaping layers the log carries (lines.detect_escapes: Docker json-file, a JSON string, HTML,
        # ANSI), decided with the grep prefix from its first lines and undone before the pre-filter (scan_stream,
        # feed_lines); None: none
        self.escapes = _UNDECIDED
        self._prefix_lineno = None  # the line of the last piece fed: only a line's first piece loses the prefix
        # wrapped pastes (see _try_join): the last line fed, when short (number, bytes, the signatures it matched,
        # whether it passed the pre-filter and matched none), and the joins tried
        self._prev = None
        self.joins = 0
        # (eng24b) the first pre-filtered line that shows an Ascend NPU context (rules/explain_npu_context.yaml), as
        # (line, text); read only while some signature has ``npu_category``
        self.npu_line = None
        self.npu_named = False  # (post25) a pre-filtered line named the NPU stack only to say it is missing
        # (post25: also while an inference category is Ascend-only, ``npu_only``)
        self._npu_res = npu_context() if any(getattr(s, "npu_category", None) for s in self.signatures) or (
            self.inference is not None and self.inference.npu_only) else (None, None)

    def decide_line_prefix(self, head):
        """Read the log's first lines (a list of lines, bytes or str) once: do they carry grep / ripgrep prefixes? (See
        :func:`lines.detect_grep_prefix`.) Later calls change nothing."""
        if self.line_prefix is _UNDECIDED:
            self.escapes = linefmt.detect_escapes(head)
            if self.escapes is not None:  # the grep prefix of the log as it reads once its escapes are undone
                head = [self.escapes.decode(_item_bytes(line)) for line in head]
                head = [part for line in head for part in line.split(b"\n")]
            grep = linefmt.detect_grep_prefix(head)
            if grep is not None:
                head = [grep.strip(_item_bytes(line)) for line in head]
            # (read27) and the prefix a collector put before every line (compose, kubectl, journald, GitHub Actions, pdsh,
            # srun --label, BuildKit: lines.detect_transport_prefix), removed with the grep prefix
            self.line_prefix = linefmt.chain_prefixes(grep, linefmt.detect_transport_prefix(head))
        return self.line_prefix

    def _unprefixed(self, raw):
        """A line (bytes) without the log's grep prefix."""
        lp = self.line_prefix
        return raw if lp is None or lp is _UNDECIDED else lp.strip(raw)

    # -- the pre-filter ------------------------------------------------------------------------
    @property
    def anchor_re(self):
        """Does a line hold anything worth decoding? (the pure-Python pre-filter; for a small log read whole, the
        same pre-filter narrowed to the anchors that log holds, see :meth:`narrow_prefilter`)."""
        if self._narrow_re is not None:
            return self._narrow_re
        idx = self._idx
        if idx["prefilter_re"] is None:
            parts = [re.compile(_trie_regex(self.variants))] if self.variants else []
            idx["prefilter_re"] = _AnyOf(parts + self._extra_res())
        return idx["prefilter_re"]

    def _extra_res(self):
        """The compiled ``extra_prefilters`` (code detectors, key-line markers), shared by both pre-filters."""
        idx = self._idx
        if idx.get("extra_res") is None:
            idx["extra_res"] = [re.compile(p.encode("utf-8")) for p in self.extra_prefilters]
        return idx["extra_res"]

    def narrow_prefilter(self, data):
        """Pre-filter only the lines of ``data`` (bytes: the whole log, read before it is fed): the anchors ``data``
        does not hold cannot be in any of its lines, so the pre-filter is the same for those lines with only the
        anchors it holds — a trie of a few words instead of every anchor of the knowledge base, whose compilation
        costs more than a small log's whole scan (~0.1 s; grep spends ~50 ms compiling it). Lines that are not
        pieces of ``data`` must not be fed after this."""
        present = [v for v in self.variants if v in data]
        parts = [re.compile(_trie_regex(present))] if present else []
        self._narrow_re = _AnyOf(parts + self._extra_res())

    @property
    def prefilter_compiled(self):
        """Has this process compiled the Python pre-filter already (:attr:`anchor_re`)?"""
        return self._idx["prefilter_re"] is not None

    @property
    def anchor_bytes(self):
        return sorted(self.variant_anchor)

    def grep_ere(self, line_prefix=None):
        """The same pre-filter as one POSIX extended regex (bytes) for ``grep -E``. ``line_prefix``: the log's
        :class:`lines.GrepPrefix` — a pre-filter anchored at the line's start (``^Killed``) then also passes a line
        that starts with that prefix."""
        parts = [_ere_escape(a) for a in self.anchor_bytes]
        extra = [p.encode("utf-8") for p in self.extra_prefilters]
        if line_prefix is not None and line_prefix is not _UNDECIDED:
            extra = [linefmt.grep_ere_anchored(p, line_prefix.ere) if b"^" in p else p for p in extra]
        parts += [b"(" + p + b")" for p in extra]
        return b"|".join(parts)

    # -- feeding ---------------------------------------------------------------------------
    def feed_piece(self, lineno, raw, partial=False, prefiltered=False):
        """One line (bytes, without its newline) or a piece of a huge line; line numbers from 1.

        ``prefiltered``: the caller already knows the line passed the pre-filter (grep said so).
        """
        first, stripped = self._first_piece(lineno, raw)
        if stripped is not raw:
            # grep passed the line with its prefix (grep_ere(line_prefix) is a little broader): the Python pre-filter
            # decides on the line without it, as on the same log pasted without grep
            prefiltered = False
            raw = stripped
        if not prefiltered and self.anchor_re.search(raw) is None:
            if first:
                prev = self._prev
                if prev is not None and prev[3] and prev[0] == lineno - 1:
                    self._neighbour(lineno, raw, partial)  # the line after an anchor line that matched nothing
                else:  # (inline: the pure-Python path passes here for nearly every line)
                    self._prev = (lineno, raw, _NO_SIGS, False) if not partial and len(raw) <= JOIN_MAX else None
            return
        if self.npu_line is None and self._npu_res[0] is not None:
            self.npu_line = self._npu_text(lineno, raw, partial)
        res = self._analysed(raw, partial)
        self._record(lineno, res)
        if first:
            self._neighbour(lineno, raw, partial, res)

    def _npu_text(self, lineno, raw, partial=False):
        """``(lineno, text)`` when the line ``raw`` (bytes) shows an Ascend NPU context, else None."""
        ctx, veto = self._npu_res
        if ctx is None or ctx.search(raw) is None:
            return None
        if veto is not None and veto.search(raw) is not None:
            self.npu_named = True  # (post25) the line names the Ascend stack, only to say it is missing
            return None
        return (lineno, _snippet(clean_text(decode_line(raw, partial))))

    def names_npu(self):
        """(post25) Does the log name the Ascend NPU stack at all — an NPU context line (:meth:`npu_context`), or a line
        that names it only to say it is missing ("No module named 'torch_npu'")? An Ascend-only inference category
        (``npu_only``: cann_env, whose evidence is such lines too) is named only then."""
        # (npu_context() reads the last lines too, and marks a vetoed one as naming the stack)
        return self.npu_context() is not None or self.npu_named

    def npu_context(self):
        """The line ``(line, text)`` that shows the log comes from an Ascend NPU host, or None: the first such line of
        those that passed the pre-filter, else of the log's last lines (:attr:`frame_tail`) — lines both the pure-Python
        path and the grep path read, so both give the same answer (the pre-filter is not widened for it)."""
        if self.npu_line is not None or self._npu_res[0] is None:
            return self.npu_line
        for lineno, raw in self.frame_tail:
            found = self._npu_text(lineno, self._unprefixed(raw))
            if found is not None:
                return found
        return None

    def feed_context(self, lineno, raw, partial=False):
        """A line that did not pass the pre-filter, fed only as the neighbour of one that did (grep's context lines,
        ``-B1 -A1``): what the pure-Python path learns from the lines it reads and drops (see :meth:`_try_join`)."""
        first, raw = self._first_piece(lineno, raw)
        if first:
            self._neighbour(lineno, raw, partial)

    def _first_piece(self, lineno, raw):
        """(is this piece a line's first?, the piece without the log's grep prefix — the same object when it has
        none). Only a line's first piece carries the prefix: a huge line's next pieces go on with its text."""
        first = lineno != self._prefix_lineno
        self._prefix_lineno = lineno
        return first, (self._unprefixed(raw) if first else raw)

    def _neighbour(self, lineno, raw, partial, res=None):
        """Remember line ``lineno`` as the next one's neighbour, and read it joined with the line before it when one of
        the two passed the pre-filter and matched no signature (a wrapped paste, see :meth:`_try_join`)."""
        if partial or len(raw) > JOIN_MAX:
            self._prev = None
            return
        sigs = frozenset(x[0].id for x in res.sigs + res.quiet_sigs) if res is not None else _NO_SIGS
        wants = res is not None and not sigs
        prev = self._prev
        self._prev = (lineno, raw, sigs, wants)
        if prev is not None and prev[0] == lineno - 1 and (wants or prev[3]):
            self._try_join(prev[0], prev[1], raw, prev[2] | sigs)

    def _try_join(self, a_no, a_raw, b_raw, seen):
        """Wrapped pastes: line ``a_no`` and the next one read as one line (``a`` + " " + ``b``'s message), recorded at
        line ``a_no`` (where the message starts) with the joined text as evidence. Only signatures that neither line
        matched alone (``seen``: the ids they did match) and whose pattern needs both lines (a pattern that matches
        either line alone adds nothing) count, and only when the pair reads as one message cut in two: ``b`` has no
        log header (level or time) of its own — a launcher prefix such as ``[rank0]:`` is fine — and starts no record
        of its own (a traceback, a frame, an exception line, a CANN code head), and ``a`` looks cut (see
        :func:`_looks_cut`). Each pair of lines is tried at most once, after
        the second line's own record. The same on both pre-filter paths: the Python one sees every line, grep prints
        each hit line's neighbours as context (``-B1 -A1``)."""
        if self.joins >= MAX_JOINS or not a_raw or not b_raw:
            return
        ta = clean_text(decode_line(a_raw))
        tb = clean_text(decode_line(b_raw))
        ia = linefmt.parse(ta)
        ib = linefmt.parse(tb)
        ma = ia.message.rstrip()
        mb = ib.message.strip()
        if not ma.strip() or not mb:
            return
        if ib.level is not None or ib.time is not None:
            # a record of its own: a log header, even one like ``a``'s (two records of one second: a guiding log's
            # two lines with one header were read as one and named another category)
            return
        if _NEW_RECORD_RE.match(mb) or _EXCEPTION_RE.match(mb) or _FATAL_RE.search(mb):
            return
        quoted = _QUOTE_SPLIT_RE.search(ma) is not None and mb[0] in "'\"" and len(mb) > 1
        if not quoted and not _looks_cut(ma, mb):
            return
        if quoted:
            # a long string literal printed in pieces (pytest / pprint: 'ImportError: ... version '
            # "`GLIBCXX_3.4.29' not found ..."): the two pieces are one string, the quotes between them go
            texts = (ta.rstrip()[:-1] + mb[1:],)
        elif ta[-1:].isalpha() and mb[0].isalpha():
            # cut between two letters: a terminal (or fold -w) may have cut inside a word ("cannot open s" /
            # "hared object file"), or at a space it dropped; the word-cut reading is tried second. Not between
            # digits: a line ending in a number and the next starting with one (counters, tables) are two numbers
            # far more often than one cut in two (a guiding log's "...5" / "6..." fused into a watchdog's seconds)
            texts = (ta.rstrip() + " " + mb, ta + mb)
        else:
            texts = (ta.rstrip() + " " + mb,)
        for joined in texts:
            self.joins += 1
            # a pair repeated through a log (a message and its continuation printed again and again) is analysed
            # once: the same cache as single lines (the analysis depends on the bytes only)
            res = self._analysed(joined.encode("utf-8", "surrogateescape"), False)
            # (signatures only: a fault-table entry is a set of literals, which two unrelated lines can share)
            sigs, quiet = ([x for x in found if x[0].kind == "signature" and x[0].id not in seen
                            and not _alone(x[1], ma, mb)] for found in (res.sigs, res.quiet_sigs))
            if sigs or quiet:
                break
        else:
            return
        self._record(a_no, _LineResult.signatures_only(sigs, quiet, res.quiet))

    def _analysed(self, raw, partial):
        """``_analyse(raw, partial)`` through the line cache (a whole line up to CACHE_LINE_MAX bytes: logs repeat
        lines, and a line's analysis depends on its bytes only)."""
        cacheable = not partial and len(raw) <= CACHE_LINE_MAX
        res = self._cache.get(raw) if cacheable else None
        if res is None:
            res = self._analyse(raw, partial)
            if cacheable:
                if len(self._cache) >= CACHE_MAX:
                    self._cache.clear()
                self._cache[raw] = res
        return res

    def _analyse(self, raw, partial):
        # which anchors are in the line (all of them, overlapping ones too): a few dozen `in` tests,
        # only for the rare lines that passed the pre-filter
        anchors = {self.variant_anchor[v] for v in self.variants if v in raw}
        text = clean_text(decode_line(raw, partial))
        info = linefmt.parse(text) if len(text) <= WINDOW_LIMIT else linefmt.parse(text[:WINDOW_LIMIT])
        msg = info.message if len(text) <= WINDOW_LIMIT else text
        cut = len(text) - len(msg) if len(text) <= WINDOW_LIMIT else 0
        windows = self._windows(msg, anchors) if anchors else []
        res = _LineResult()
        res.time = info.time
        res.rank = info.rank
        res.level = info.level
        res.flat_exc = None  # (post25) the exception that ends a flattened traceback on this line
        res.exc_infer = ()
        sigs = []
        quiet_sigs = []  # matches a ``skip_quiet_lines`` pattern made on a quiet line: kept aside (see ranked())
        # the line's patterns, each once, in knowledge-base order (see _index): the first pattern of a signature that
        # matches gives its snippet, so the order must not be that of the ``anchors`` set (str hashes are seeded per
        # process, PYTHONHASHSEED: the same log gave another evidence text in one run of two)
        # (keyed by the pattern's place: a pattern reached through several of the line's anchors is tried once)
        pairs = {n: (sig, pat) for a in anchors for n, sig, pat in self.by_anchor[a]}
        for n in sorted(pairs):
            sig, pat = pairs[n]
            out = sigs
            if getattr(pat, "skip_quiet_lines", False) and info.is_quiet_level:
                if sig.kind == "fault" or sig.role not in ("cause", "consequence"):
                    continue
                out = quiet_sigs
            for w, off in windows:
                if sig.kind == "fault":  # a fault-table entry: every literal in the line
                    if pat.search(w):
                        sigs.append((sig, pat, {}, _snippet(text, cut + off + w.find(pat.anchors[0]))))
                        break
                    continue
                m = pat.regex.search(w)
                if m and pat.unless_source is not None and pat.unless.search(w):
                    break  # the benign form of these words (see the pattern's ``unless``)
                if m:
                    caps = {k: v for k, v in m.groupdict().items() if v}
                    out.append((sig, pat, caps, _snippet(text, cut + off + m.start())))
                    break
        # the emitting source says this line can be ignored (rules/explain_benign.yaml, ``veto``): it names no cause
        vetoed = self.inference is not None and self.inference.benign_veto is not None \
            and self.inference.benign_veto.search(msg[:4096]) is not None
        if vetoed:
            sigs = [x for x in sigs if x[0].role == "context"]
        # a line is "explained" by a cause / consequence signature only through a pattern that can stand alone
        # (supporting-evidence patterns, such as an op name next to the real error, explain nothing by themselves)
        explained = any(sig.role in ("cause", "consequence") and sig.kind == "signature" and pat.alone
                        for sig, pat, _, _ in sigs)
        if explained:  # a signature written for this line says it better than a fault-table entry
            sigs = [x for x in sigs if x[0].kind == "signature"]
        res.sigs = sigs
        res.quiet_sigs = quiet_sigs if not vetoed else []
        codes = []
        if self.detectors and not explained and not vetoed:
            scan = msg if len(msg) <= WINDOW_LIMIT else msg[:WINDOW_LIMIT]
            found = set()
            for d in self.detectors:
                if d.skip_quiet_lines and info.is_quiet_level:
                    continue
                for m in d.regex.finditer(scan):
                    code = d.code(m)
                    if (d.family, code) in found or len(found) >= 8:
                        continue
                    found.add((d.family, code))
                    codes.append((d.family, code, _snippet(text, cut + m.start())))
        res.codes = codes
        res.key = None
        res.key_text = None
        if self.keylines:
            stripped = msg.strip()
            if _TRACEBACK in msg:
                res.key = "traceback"
                flat = _flat_traceback(msg)
                if flat is not None:  # (post25) a flattened traceback: read as its header and its exception
                    res.key = "exception"
                    res.flat_exc = flat
            elif _EXCEPTION_RE.match(stripped) and "Warning" not in stripped.split(":", 1)[0]:
                res.key = "exception"
            elif _FATAL_RE.search(stripped):
                res.key = "fatal"
            elif (info.is_error_level or codes) and not vetoed:
                res.key = "ascend_error"
            if res.key:
                res.key_text = _snippet(res.flat_exc) if res.flat_exc else _snippet(text)
        # a warning line (a WARNING header, or a Python ``XWarning:`` / ``WARNING:`` head) that is not an exception;
        # (INFO lines stay "loud": a metric line saying "loss: nan" is the failure itself)
        res.quiet = res.key not in ("exception", "fatal", "traceback") and not info.is_error_level and (
            info.level == "WARNING" or infer.is_warning_head(msg))
        res.state = None
        res.infer = ()
        res.snippet = None
        res.interrupt = res.key == "exception" and _INTERRUPT_RE.match(res.flat_exc or msg.strip()) is not None
        res.own = ()
        res.report = None
        res.fail_text = None
        # "Process finished with exit code 1", "[Inferior 1 (process 42) exited with code 01]": no failing line (no error
        # word), but the run did not end well: a success line before it is no sign that the run went on (went_on)
        res.exit_fail = self.inference is not None and _EXIT_FAIL_RE.search(msg[:4096]) is not None
        res.build_step = False
        if self.inference is not None and not any(sig.role == "context" for sig, _, _, _ in sigs):
            # (a line a benign signature explains is never failure evidence)
            # (conv27: a veto line marked went_on: false is no failure and no success line either)
            res.state = infer.classify_line(msg.strip(), info, res.key, self.inference.benign,
                                             self.inference.benign_went_on, self.inference.fail_re)
            # (conv26) a build step's "FAILED:" header (see _BUILD_STEP_FAILED_RE)
            res.build_step = res.state == "fail" and _BUILD_STEP_FAILED_RE.match(msg) is not None
            if res.state is not None:
                # a tool's report, and the tool's own success line after it (pip's, see Inference.report_of)
                res.report = self.inference.report_of(msg.strip(), res.state)
            if res.state == "fail":
                # (the message, not the raw line: a launcher's or collector's prefix is no word of the failure)
                res.fail_text = msg.strip()[:LEARNED_LINE_CHARS]
                res.infer = self.inference.line_evidence(msg)
                if res.flat_exc:  # the last-exception evidence: the exception's own words, not the frames' code
                    res.exc_infer = self.inference.line_evidence(res.flat_exc)
                if res.infer:
                    res.snippet = res.key_text or _snippet(text)
            elif res.state == "ok" and self.own_sigs:
                res.own = tuple(s.id for s in self.own_sigs if s.own_lines.search(msg.strip()))
        return res

    def _windows(self, text, anchors):
        """``[(window, offset)]``: the whole text, or bounded windows around each anchor of a huge line."""
        if len(text) <= WINDOW_LIMIT:
            return [(text, 0)]
        spans = []
        for a in anchors:
            start = 0
            while len(spans) < MAX_WINDOWS * 4:
                i = text.find(a, start)
                if i < 0:
                    break
                spans.append((max(0, i - WINDOW), min(len(text), i + len(a) + WINDOW)))
                start = i + len(a)
        spans.sort()
        merged = []
        for s, e in spans:
            if merged and s <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], e))
            else:
                merged.append((s, e))
        return [(text[s:e], s) for s, e in merged[:MAX_WINDOWS]] or [(text[:WINDOW_LIMIT], 0)]

    def _record(self, lineno, res):
        if res.time:
            self.last_time = res.time
        if res.rank is not None and len(self.ranks) < 64:
            self.ranks[res.rank] = self.ranks.get(res.rank, 0) + 1
        if res.key == "traceback" or res.flat_exc:
            self.notice_tb = False
            self.tb_before = self.last_traceback
        elif any(getattr(pat, "notice_traceback", False) for _, pat, _, _ in res.sigs):
            self.notice_tb = True
        elif res.key == "exception" and self.notice_tb:
            # the exception a check function caught and logged with its traceback before going on (a context
            # signature's ``notice_traceback`` frame): part of that notice, neither a failing line nor the log's
            # last exception, and its traceback is not the log's last one (nor its header a sign that the run failed)
            self.notice_tb = False
            if self.last_stop_evidence == self.last_traceback:
                self.last_stop_evidence = self._evidence_before_tb
            self.last_traceback = self.tb_before
            return
        time = res.time or self.last_time
        for sig, pat, caps, snippet in res.sigs:
            hit = self.hits.get(("s", sig.id))
            if hit is None:
                hit = self.hits[("s", sig.id)] = Hit(sig.kind, sig.id, lineno, sig=sig)
            self._add(hit, pat.index, caps, snippet, lineno, time)
            if not res.quiet:
                hit.loud = True
        for sig, pat, caps, snippet in res.quiet_sigs:
            hit = self.quiet_hits.get(sig.id)
            if hit is None:
                hit = self.quiet_hits[sig.id] = Hit(sig.kind, sig.id, lineno, sig=sig)
            self._add(hit, pat.index, caps, snippet, lineno, time)
        for fam_name, code, snippet in res.codes:
            hit = self.hits.get(("c", fam_name, code))
            if hit is None:
                fam = self._family(fam_name)
                row = fam.lookup(code)
                if row is None:
                    continue
                hit = self.hits[("c", fam_name, code)] = Hit("code", code, lineno, row=row, code=code)
            self._add(hit, 0, {"code": code}, snippet, lineno, time)
            if not res.quiet:
                hit.loud = True
        # a shell's "Killed" after an earlier failing line is that failure's consequence (see _after_failure): its
        # words ("Killed") are no evidence of a category of their own
        after = bool(self.first_fail and res.sigs) and all(
            getattr(pat, "consequence_after_failure", False) for _, pat, _, _ in res.sigs)
        # (conv26) ... unless the failing line before it is a build step's "FAILED:" header: the step's own output
        if after and self.last_fail and self.last_fail == self.last_build_step:
            after = False
            for sig, pat, _, _ in res.sigs:
                hit = self.hits.get(("s", sig.id))
                if hit is not None:
                    hit.in_build_step = True
        if res.interrupt:
            self.last_interrupt = lineno
            if self.last_stop_evidence == self.last_traceback:  # the header of this Ctrl-C's traceback
                self.last_stop_evidence = self._evidence_before_tb
        elif res.state == "fail":
            self.last_stop = lineno
        if (res.state == "fail" and not res.interrupt) or res.exit_fail:
            self.last_stop_evidence = lineno
        elif res.key == "traceback":
            self._evidence_before_tb = self.last_stop_evidence
            self.last_stop_evidence = lineno
        elif res.state == "ok":
            for s in self.own_sigs:
                if s.id not in res.own:
                    self.ok_not_own[s.id] = lineno
        if res.state == "fail":
            self.last_fail = lineno
            if res.build_step:
                self.last_build_step = lineno
            self.fail_report = res.report
            if len(self.failing) < LEARNED_MAX_FAILING and res.fail_text is not None:
                self.failing.append((lineno, res.fail_text))
            if not self.first_fail:
                self.first_fail = lineno
            for ci, ei, word in (() if after else res.infer):
                self.infer_seen.setdefault((ci, ei), word)
                lst = self.infer_lines.setdefault(ci, [])
                if len(lst) < infer.MAX_LINES and all(ln != lineno for ln, _ in lst):
                    lst.append((lineno, res.snippet))
            if res.key == "exception":
                self.last_exception_infer = (lineno, res.snippet, res.exc_infer if res.flat_exc else res.infer)
        elif res.state == "ok" and not (res.report is not None and res.report == self.fail_report):
            # (pip's own "Successfully installed ..." after its resolver report is no sign that the run went past
            # the report: pip prints it either way; the corpus convention reads a bare report as pip_conflict)
            self.last_ok = lineno
        if res.key:
            item = (lineno, res.key_text)
            if res.key == "traceback":
                self.last_traceback = lineno
            elif res.key == "exception":
                self.last_exception = item
                if res.flat_exc:
                    self.last_traceback = lineno
            elif res.key == "fatal":
                if len(self.fatal) < 3:
                    self.fatal.append(item)
            else:
                if len(self.ascend_first) < KEY_FIRST:
                    self.ascend_first.append(item)
                else:
                    self.ascend_last.append(item)
                    if len(self.ascend_last) > KEY_LAST:
                        self.ascend_last.pop(0)

    def _family(self, name):
        for fam in self.families:
            if fam.name == name:
                return fam
        raise KeyError(name)

    def _add(self, hit, pat_index, caps, snippet, lineno, time):
        hit.count += 1
        hit.last_line = max(hit.last_line, lineno)
        hit.patterns.add(pat_index)
        if hit.time is None and time:
            hit.time = time
        for k, v in caps.items():
            hit.captures.setdefault(k, v)
        if len(hit.lines) < 64:
            hit.lines.add(lineno)
        if len(hit.evidence) < self.max_evidence and all(ln != lineno for ln, _ in hit.evidence):
            hit.evidence.append((lineno, snippet))

    def feed_lines(self, lines):
        """Feed an iterable of lines (bytes or str; a trailing newline is ignored)."""
        if self.line_prefix is _UNDECIDED:
            lines = iter(lines)
            head = list(itertools.islice(lines, linefmt.GREP_HEAD_LINES))
            self.decide_line_prefix(_head_of_items(head))
            lines = itertools.chain(head, lines)
        if self.escapes is not None and self.escapes is not _UNDECIDED:
            lines = (self.escapes.decode(b if b.endswith(b"\n") else b + b"\n") for b in map(_item_bytes, lines))
        for item in lines:
            parts = _item_bytes(item).split(b"\n")
            if len(parts) > 1 and parts[-1] == b"":
                parts.pop()
            for part in parts:
                self.lines_read += 1
                self.tail.append((self.lines_read, part[:TAIL_BYTES]))
                if len(self.tail) > TAIL_LINES:
                    del self.tail[0]
                self.frame_tail.append(self.tail[-1])
                for lo in range(0, max(len(part), 1), LINE_PART):
                    piece = part[max(0, lo - OVERLAP) : lo + LINE_PART]
                    self.feed_piece(self.lines_read, piece, partial=len(part) > LINE_PART)

    # -- results ---------------------------------------------------------------------------
    def ranked(self):
        """Every hit that counts, best first (context hits included, last)."""
        matched = set()
        out = []
        for hit in self.hits.values():
            if hit.kind == "signature":
                sig = hit.sig
                required = {p.index for p in sig.patterns if p.required}
                if not required <= hit.patterns:
                    continue
                if not required and not any(p.alone for p in sig.patterns if p.index in hit.patterns):
                    continue
                matched.add(sig.id)
                hit.after_failure = self._after_failure(hit)
                hit.went_on = self.went_on(hit)
            out.append(hit)
        claimed = [rx for rx, sid in self.claims if sid in matched]
        kept = []
        for hit in out:
            if hit.kind == "code" and any(rx.match(hit.code) for rx in claimed):
                continue
            kept.append(hit)
        self._set_npu(kept)
        kept.sort(key=rank_key)
        kept = _warnings_after_failures(kept)
        fallback = self._quiet_fallback(kept, matched)
        self._set_npu(fallback)
        return kept + fallback

    def _set_npu(self, hits):
        """Give the hits of signatures with ``npu_category`` the log's NPU context line (None: no context)."""
        ctx = _UNDECIDED
        for hit in hits:
            if hit.sig is not None and getattr(hit.sig, "npu_category", None):
                if ctx is _UNDECIDED:
                    ctx = self.npu_context()
                hit.npu = ctx

    def _quiet_fallback(self, kept, matched):
        """Causes read only from warning / INFO lines by ``skip_quiet_lines`` patterns ("Warning: Failed to find
        function aclsysGetCANNVersion"): such a line is often printed by a run that goes on, so it is skipped — but
        when the log fails (a traceback, an exception, a fatal or Ascend error line) and nothing else names a cause or
        a consequence, not even the category inference, it is the most specific line the log holds: it is named then,
        last — unless the log shows the run going on after it (a success line or its last line, see
        :meth:`_tail_went_on`, with no failing line after it)."""
        if not self.quiet_hits or not (self.last_traceback or self.last_exception or self.fatal or self.ascend_first):
            return []
        if any(h.role in ("cause", "consequence") and not h.after_failure for h in kept):
            return []
        out = []
        for sid, hit in self.quiet_hits.items():
            if sid in matched:
                continue
            sig = hit.sig
            required = {p.index for p in sig.patterns if p.required}
            if not required <= hit.patterns:
                continue
            if not required and not any(p.alone for p in sig.patterns if p.index in hit.patterns):
                continue
            # (rev22d) not when the run went on after it: no failing line follows, and a success line or the log's
            # last line (the program's own output, a finished progress bar) shows it going on. A warning's
            # "RuntimeError: ..." (dynamo's suppress_errors fallback to eager) is the log's last exception all the same
            if self.last_stop <= hit.last_line and (
                    (self.last_ok > hit.last_line and self.last_stop_evidence < self.last_ok)
                    or self._tail_went_on(hit.last_line)):
                continue
            out.append(hit)
        if not out or self.inferred(kept) is not None:
            return []
        return sorted(out, key=rank_key)

    def _after_failure(self, hit):
        """Did ``hit`` match only through ``consequence_after_failure`` patterns (the shell's "Killed" when a launcher
        or daemon kills its own process group), and only after an earlier failing line? Then it is a consequence of
        that failure (MindIE's daemon, for one, sends SIGKILL to its group when its endpoint fails to start)."""
        if not self.first_fail or self.first_fail >= hit.first_line or hit.in_build_step:
            return False
        pats = [p for p in hit.sig.patterns if p.index in hit.patterns]
        return bool(pats) and all(getattr(p, "consequence_after_failure", False) for p in pats)

    def failed(self, ranked=None):
        """Did the log show a failure at all (a non-context match, an exception, an Ascend error line)?"""
        ranked = self.ranked() if ranked is None else ranked
        if self.warnings_only(ranked):
            return False
        return bool(
            any(h.role != "context" for h in ranked)
            or self.last_exception
            or self.ascend_first
            or self.fatal
            or self.inferred(ranked) is not None
            or self.guessed(ranked) is not None
        )

    def key_lines(self):
        """The lines a user should read first when nothing matched (line order)."""
        items = []
        # (post25: a flattened traceback's header and exception share a line: the exception is shown)
        if self.last_traceback and not (self.last_exception and self.last_exception[0] == self.last_traceback):
            items.append({"line": self.last_traceback, "kind": "traceback", "text": _TRACEBACK + ":"})
        if self.last_exception:
            items.append({"line": self.last_exception[0], "kind": "exception", "text": self.last_exception[1]})
        for ln, t in self.ascend_first + self.ascend_last:
            items.append({"line": ln, "kind": "ascend_error", "text": t})
        for ln, t in self.fatal:
            items.append({"line": ln, "kind": "fatal", "text": t})
        seen = set()
        out = []
        for it in sorted(items, key=lambda i: i["line"]):
            if it["line"] not in seen:
                seen.add(it["line"])
                out.append(it)
        return out

    def results(self, limit=3):
        """Matched entries as --json dicts, best first (at most ``limit``; None = all).

        Context entries (a benign warning) are listed only after a real failure, never alone.
        """
        ranked = self.ranked()
        inferred = self.inferred(ranked)
        if inferred is not None:  # nothing named a cause: the inference leads, wrappers and context follow it
            out = [inferred] + [as_dict(h, i + 2, None) for i, h in enumerate(ranked)]
            return out[:limit] if limit is not None else out
        if not any(h.role != "context" for h in ranked) or self.warnings_only(ranked):
            guess = self.guessed(ranked)
            if guess is not None:  # (learn26) nothing else answers: the learned fallback, alone
                return [guess]
            ranked = []
        ranked = self._wrapper_before_generic_code(ranked)
        if limit is not None:
            ranked = ranked[:limit]
        return [as_dict(h, i + 1, ranked[0] if ranked else None) for i, h in enumerate(ranked)]

    def _wrapper_before_generic_code(self, ranked):
        """When only code / fault entries of the generic category name a cause and the failing lines point to the
        category of a wrapper that matched on the code's own line ("call aclnnX failed, error code is 561002"
        with "layout ... not supported" after it), the inference stays silent because that wrapper already says as
        much: the wrapper then goes before the generic codes, which say less."""
        ranked = list(ranked)
        if not ranked or not _generic_code(ranked[0]):
            return ranked
        cat = self._inferred_category()
        if cat is None or cat == GENERIC_CATEGORY:
            return ranked
        for i, h in enumerate(ranked):
            # (only a wrapper read on the code's own line: the call that returned it, not a watchdog or another
            # consequence printed around it)
            if h.role == "wrapper" and h.category == cat and ranked[0].first_line in h.lines:
                return [h] + ranked[:i] + ranked[i + 1:]
        return ranked

    def _infer_decision(self, frames=True):
        """The inference's decision over the failing lines — ``(found, last)``: ``found`` is :func:`infer.decide`'s
        answer (or None), ``last`` the last exception's inference evidence when it is the log's last exception.
        ``frames``: with the frame evidence of its traceback (:meth:`last_frames`)."""
        last = self._last_evidence()
        found = self._decide(last, frames)
        if found is not None and found[0] in self.inference.npu_only and not self.names_npu():
            # (post25) an Ascend-only category (cann_env) in a log with no Ascend NPU context
            found = self._decide(last, frames, npu_context=False)
        return found, last

    def _last_evidence(self):
        """The last exception's inference evidence ``(line, text, evidence)`` when it is the log's last exception (else
        ()); evidence marked ``own_frame`` that the traceback's innermost frame moves (:meth:`_own_frame_moved`) counts
        under its new key."""
        last = self.last_exception_infer
        if last and self.last_exception and last[0] != self.last_exception[0]:
            return ()
        moved = self._own_frame_moved(last)
        if moved:
            last = (last[0], last[1], tuple((moved[(ci, ei)][0][0], moved[(ci, ei)][0][1], w)
                                            if (ci, ei) in moved else (ci, ei, w)
                                            for ci, ei, w in last[2] if moved.get((ci, ei), (1,))[0] is not None))
        return last

    def _own_frame_moved(self, last):
        """(conv27) ``{(category index, evidence index): (new key or None,)}`` of the last exception's evidence marked
        ``own_frame`` (rules/explain_categories.yaml) whose thing the innermost frame of its traceback is the own code of:
        a package importing its own missing part, the program's own class missing an attribute it reads through self."""
        own = self.inference.own_frame if self.inference is not None else None
        if not own or not last or not any((ci, ei) in own for ci, ei, _ in last[2]):
            return {}
        self.last_frames()
        return {(ci, ei): (own[(ci, ei)][0],) for ci, ei, _ in last[2]
                if (ci, ei) in own and infer.own_frame(own[(ci, ei)][1], last[1], self._innermost)}

    def _decide(self, last, frames, npu_context=True):
        """:func:`infer.decide` over the failing lines, ``last`` (the last exception's evidence, see _infer_decision)
        and, with ``frames``, the frame evidence of its traceback."""
        fr = self.last_frames() if frames and last else ()
        seen = self.infer_seen
        moved = self._own_frame_moved(self.last_exception_infer) if last else {}
        if moved:  # (the same move in the failing lines' evidence: the exception line is one of them)
            seen = dict(seen)
            for key, (new,) in moved.items():
                word = seen.pop(key, None)
                if word is not None and new is not None:
                    seen[new] = word
        return infer.decide(self.inference, seen, last[2] if last else (), fr, npu_context=npu_context)

    def _infer_without_context(self, ci):
        """(post25) ``(category id or None, (line, text))`` when the inferred category ``ci`` is Ascend-only and was
        named because of the log's NPU context line: the category named without that context (None: the same one
        stays, no other category qualifies). None when ``ci`` is no Ascend-only category."""
        if ci not in self.inference.npu_only:
            return None
        ctx = self.npu_context()
        if ctx is None:
            return None
        alt = self._decide(self._last_evidence(), True, npu_context=False)
        alt = None if alt is None or alt[0] == ci else self.inference.categories[alt[0]][0]
        return alt, ctx

    def last_frames(self):
        """The frame evidence (:meth:`infer.Inference.frame_evidence`, with each frame's line text) of the traceback
        the log's last exception closes: ``[(category index, frame evidence index, words, (line, text)), ...]``.

        Read from the log's last lines (:attr:`frame_tail`), once: only when that exception is a failing line among
        them and its ``Traceback (most recent call last):`` header is too — walking back from the exception to the
        header. Of a chained traceback ("During handling of the above exception, another exception occurred:",
        "The above exception was the direct cause of the following exception:") only the last block counts, the
        frames of the exception the log ends on (an inner exception's frames are often a handler's: a retry loop, a
        fallback import). Frames are no failing lines: nothing else reads them (the pre-filter does not pass them)."""
        if self._frames is not None:
            return self._frames
        self._frames = []
        if self.inference is None or not self.inference.frames or not self.last_exception:
            return self._frames
        end = self.last_exception[0]
        tail = list(self.frame_tail)
        if not tail or not tail[0][0] <= end <= tail[-1][0]:  # (review conv27: <=, a flattened traceback on line 1)
            return self._frames
        i = end - tail[0][0]
        if tail[i][0] != end:
            return self._frames
        text = clean_text(decode_line(self._unprefixed(tail[i][1])))
        if _TRACEBACK in text:  # (post25) a flattened traceback: its frames are on the exception's own line
            snip = _snippet(text)
            fms = list(_flat_frames(text))
            fts = [m.group(1).replace("\\", "/") + " in " + m.group(2) for m in fms]
            if fms:  # (the code after the innermost frame, up to the exception)
                self._innermost = (fms[-1].group(1).replace("\\", "/"), text[fms[-1].end():fms[-1].end() + 300])
            self._frames = [(ci, fi, word, (ln, snip)) for ci, fi, word, ln in
                            self.inference.frame_evidence([(end, ft) for ft in fts])]
            return self._frames
        frames = []
        code = None  # (conv27) the last code line seen walking back: the innermost frame's, once that frame is reached
        innermost = None
        while i > 0:
            i -= 1
            lineno, raw = tail[i]
            text = clean_text(decode_line(self._unprefixed(raw)))
            msg = linefmt.parse(text[:WINDOW_LIMIT]).message.strip()
            if _TRACEBACK in msg:
                break
            ft = infer.frame_text(msg)
            if ft is not None:
                if innermost is None:
                    innermost = (ft.rsplit(" in ", 1)[0], code)
                frames.append((lineno, ft, _snippet(text)))
            elif innermost is None and msg.strip(" ^~"):
                m = _IPY_FRAME_RE.match(msg)
                if m is not None:  # (review conv27) IPython's frame: the innermost frame only, no frame evidence
                    innermost = ((m.group(1) or "<ipython cell>").replace("\\", "/"), code)
                elif code is None or _IPY_ARROW_RE.match(code) is None:  # (IPython: the arrowed line, not context)
                    code = msg
        else:
            return self._frames  # no header: the traceback starts before the lines kept
        self._innermost = innermost
        frames.reverse()
        texts = {ln: t for ln, _, t in frames}
        self._frames = [(ci, fi, word, (ln, texts[ln])) for ci, fi, word, ln in
                        self.inference.frame_evidence([(ln, ft) for ln, ft, _ in frames])]
        return self._frames

    def _inferred_category(self):
        """The category the failing lines point to (the inference's decision), or None."""
        if self.inference is None or not (self.infer_seen or self.last_exception):
            return None
        found, _ = self._infer_decision()
        return None if found is None else self.inference.categories[found[0]][0]

    def inferred(self, ranked=None):
        """The category inference (a ``matches`` dict, ``kind: inferred``, rank 1) when no cause or consequence
        matched but the failing lines point to a category (see :mod:`.infer`); else None."""
        if self.inference is None or not (self.infer_seen or self.last_exception):
            return None
        if self.last_ok > self.last_fail:  # the run went on after its last failing line
            return None
        if self.continued():  # ... or its own logger kept writing ordinary INFO lines after it
            return None
        ranked = self.ranked() if ranked is None else ranked
        if any(h.went_on for h in ranked):  # a report / warning the run went past (see went_on): nothing failed after it
            return None
        # (a consequence read only from "Killed" after a failure names no cause: the failing lines still do; nor does a
        # code / fault entry of the generic category, "a runtime task failed": the failing lines may say which kind)
        if any(h.role in ("cause", "consequence") and not h.after_failure and not _generic_code(h) for h in ranked):
            return None
        found, last = self._infer_decision()
        if found is None:
            return None
        ci, _score, words = found
        cat, title, step, links = self.inference.categories[ci]
        if any(h.role == "wrapper" and h.category == cat for h in ranked):
            return None  # the wrapper already says as much
        lines = list(self.infer_lines.get(ci, []))
        if last and any(c == ci for c, _, _ in last[2]) and all(ln != last[0] for ln, _ in lines):
            lines = lines[: infer.MAX_LINES - 1] + [(last[0], last[1])]
        # the traceback's frames decided (without them the lines name another category or none): the innermost frame
        # that spoke is shown, with the last exception line it belongs to
        fwords = []
        if self._frames and (self._infer_decision(frames=False)[0] or (None,))[0] != ci:
            mine = [f for f in self._frames if f[0] == ci and self.inference.frame_weight(f[0], f[1]) > 0]
            if mine:
                fwords = [w for _, _, w, _ in sorted(mine, key=lambda f: -self.inference.frame_weight(f[0], f[1]))]
                frame = max((f[3] for f in mine), key=lambda x: x[0])
                shown = [x for x in lines if x[0] not in (frame[0], last[0])][: infer.MAX_LINES - 2]
                lines = shown + [frame] + ([(last[0], last[1] or self.last_exception[1])] if last else [])
        quoted = ", ".join("'{}'".format(w) for w in words[: infer.MAX_WORDS])
        from ascendfix.explain.kb import category_entries

        desc = next((e["description"] for e in category_entries() if e["id"] == cat), title)
        if fwords:
            fq = ", ".join("'{}'".format(w) for w in fwords[: infer.MAX_WORDS])
            source = ("the failing lines, which mention {}, and the frames of the last traceback, which run through {}"
                      .format(quoted, fq) if quoted else "the last traceback, whose frames run through {}".format(fq))
        else:
            source = "the failing lines, which mention {}".format(quoted)
        d = {
            "id": "inferred:" + cat,
            "category": cat,
            "title": "Probably: " + title,
            "rank": 1,
            "role": "cause",
            "kind": "inferred",
            "evidence": [{"line": ln, "text": t} for ln, t in sorted(lines)],
            "cause": "No known signature matched; this is an inference from {}: {}".format(source, desc),
            "fix": step or "Read the failing lines shown above first.",
            "apply_rule": None,
            "links": list(links),
        }
        switched = self._infer_without_context(ci)
        if switched is not None and switched[0] is not None:
            # (post25) an Ascend-only category named because of the log's NPU context: say so, as eng24b's switch does
            (ln, text) = switched[1]
            d["category_without_context"] = switched[0]
            d["because"] = "the log shows an Ascend NPU context: line {}: {}".format(ln, text)
            d["context"] = {"line": ln, "text": text}
        return d

    def guess_allowed(self, ranked):
        """(learn26) May the learned fallback answer (explain/learned.py)? Only when nothing else does — no cause,
        consequence or wrapper of a signature, code or fault entry (outside a log of warnings only), no inference —
        the log has failing lines, and the run-went-on veto of the inference does not apply: the run did not go on
        after its last failing line (a success line after it, the program's own INFO lines after it, a report or
        warning the run went past), and some failing line has words of its own: not only a launcher's relay report
        (torchrun's ChildFailedError, hydra's "Error executing job"), a bare built-in exception template (NameError:
        name 'x' is not defined) or a CUDA kernel fault (guess27: "CUDA error: an illegal memory access was
        encountered") — learned.speaks."""
        if self.inference is None or not self.failing:
            return False
        if any(h.role != "context" for h in ranked) and not self.warnings_only(ranked):
            return False
        if self.last_ok > self.last_fail or self.continued() or any(h.went_on for h in ranked):
            return False
        if self.inferred(ranked) is not None:
            return False
        from ascendfix.explain import learned

        # (rev26l) not when every failing line is a launcher's relay report or a bare built-in exception template
        return learned.speaks([t for _, t in self.failing])

    def guessed(self, ranked=None):
        """(learn26) The learned fallback's answer (a ``matches`` dict, ``kind: guess``), or None; computed once (the
        model is read only here, on first use)."""
        if self.inference is None or not self.failing:
            return None  # (the common path: no failing line, nothing to read)
        # (the answer holds while no line is fed that changes what the fallback reads)
        key = (len(self.failing), self.last_fail, self.last_ok, len(self.hits), len(self.quiet_hits), self.lines_read,
               len(self.tail), self.tail[-1][0] if self.tail else 0)
        if self._guess is _UNDECIDED or self._guess[0] != key:
            from ascendfix.explain import learned

            self._guess = (key, learned.guess(self, self.ranked() if ranked is None else ranked))
        return self._guess[1]

    def warnings_only(self, ranked):
        """Did every match come from warning lines, in a log that shows no failure at all (no exception,
        no error-level line, no fatal line, no failing line)? Then the matches are notes, not a diagnosis: a
        warning that the run printed and went past (``UserWarning: CUDA initialization: ...``)."""
        causes = [h for h in ranked if h.role != "context"]
        if not causes or any(h.loud or (h.sig is not None and getattr(h.sig, "warning_is_cause", False))
                             for h in causes):
            return False
        return not (self.last_exception or self.ascend_first or self.fatal or self.last_fail or self.last_traceback)

    def continued(self):
        """Did the log go on with ordinary INFO / DEBUG lines after its last failing line, with no exception or
        fatal line anywhere (an ERROR-level notice the program printed and went past)? Read from the last lines of
        the log (:attr:`tail`, set by :func:`scan_stream` / :meth:`feed_lines`)."""
        if not self.tail or not self.last_fail or self.last_exception or self.fatal or self.last_traceback:
            return False
        for lineno, raw in self.tail:
            if lineno <= self.last_fail:
                continue
            text = clean_text(decode_line(self._unprefixed(raw))).strip()
            if not text:
                continue
            if _program_info_line(text):
                return True
        return False

    def went_on(self, hit):
        """The run-went-on veto: is ``hit`` a warning or a report the run printed and went past? For a cause of a
        signature marked ``needs_failure`` (pip's post-install resolver report) and for a cause read only from warning
        lines (a deprecation warning; not ``warning_is_cause``): yes when no failing line other than a user's Ctrl-C
        follows its last matched line, and something after it shows that the run went on — a success line (not one of
        the command's own ``own_lines``: pip's "Successfully installed ..." is no sign the program ran), a user's
        Ctrl-C for a ``needs_failure`` signature (KeyboardInterrupt: the run was going on until the user stopped it;
        for other warnings it proves nothing, people press it on runs that hung), or the log's last line being the
        program's own output (see :meth:`_tail_went_on`). Any other cause signature is a note only when a success line
        (a ``"ok"`` line: "... finished", "Successfully ...", a benign line that vetoes) follows its last matched line
        and no failing line does: a traceback the program caught, printed and went past. A success line counts only when
        nothing after it shows the run failing (:attr:`last_stop_evidence`: a failing line, a traceback header not
        ended by a Ctrl-C, a non-zero exit status such as "Process finished with exit code 1"). Such a hit is then a
        note (role "context")."""
        sig = hit.sig
        if hit.kind != "signature" or sig.role != "cause" or self.inference is None:
            return False
        after = hit.last_line
        if self.last_stop > after:  # the run stopped after it: the match may be the cause
            return False
        if getattr(sig, "state_report", False):  # a status field: the lines after it are no later run (rev23c)
            return False
        if not (getattr(sig, "needs_failure", False) or _quiet(hit)):
            # any other cause: only a success line of the run after its last match (no failing line after it) — a
            # traceback the program caught and printed before it fell back and finished ("generation finished: 1 image
            # saved" after huggingface_hub's LocalEntryNotFoundError). Not the log's last line being ordinary output
            # (_tail_went_on) nor a Ctrl-C: measured in round 20 (fix20), that form cost two device_oom logs of the
            # guiding sets whose paste ends in a progress bar; this one changed no guiding or leave-one-out answer
            return self.last_ok > after and self.last_stop_evidence < self.last_ok
        # a Ctrl-C is a stop the user chose; it clears only a report or warning marked needs_failure (a deprecation
        # warning repeated until the user stopped a run that worked). A user often presses Ctrl-C on a run that hung,
        # so for any other warning-only cause it proves nothing
        if self.last_interrupt > after and getattr(sig, "needs_failure", False):
            return True
        own = getattr(sig, "own_lines", None)
        ok = self.ok_not_own.get(sig.id, 0) if own is not None else self.last_ok
        # (a success line counts only when nothing after it shows the run failing: a traceback header, an exit status)
        return (ok > after and self.last_stop_evidence < ok) or self._tail_went_on(after, own)

    def _tail_went_on(self, after, own=None):
        """Does the log end showing the program going on after line ``after``: is its last non-empty line an ordinary
        INFO / DEBUG line of its own (not a CANN component's, not about stopping), a finished progress bar, a progress
        bar's rate, a training metric with a number or a Python warning of the program's code (not the installer's, not
        one of the signature's ``own_lines``)? Only the last line counts: a log that goes on and then ends in a line the
        engine does not read as a failure ("zsh: killed ...", "terminate called ...") proves nothing."""
        last = None
        for lineno, raw in self.tail:
            if lineno <= after:
                continue
            text = clean_text(decode_line(self._unprefixed(raw))).strip()
            if text:
                last = text
        if last is None:
            return False
        head = last[:4096]
        if own is not None and own.search(head):
            return False
        m = _DONE_BAR_RE.search(head)
        if (m and m.group(1) == m.group(2)) or (_PROGRESS_RE.search(head) and not _TOOL_WARNING_RE.search(head)):
            return True
        return _program_info_line(last)

    def notes(self):
        """Benign entries that matched in a log without any failure (shown as notes, not causes)."""
        ranked = self.ranked()
        if (any(h.role != "context" for h in ranked) and not self.warnings_only(ranked)) \
                or self.inferred(ranked) is not None or self.guessed(ranked) is not None:
            return []
        return [as_dict(h, i + 1, None) for i, h in enumerate(ranked)]

    def rank_id(self):
        """The distributed rank the log's lines name most often, or None."""
        if not self.ranks:
            return None
        return max(self.ranks.items(), key=lambda kv: kv[1])[0]


_INDEX = {}


def _index(signatures, families, keylines):
    """The anchor maps and pre-filter of a knowledge base, built once per (signatures, families) and shared
    by every Matcher (tests and smoke create many)."""
    fail_pre = infer.fail_prefilters() if keylines else ()  # (the error words + rules/explain_failures.yaml)
    key = (tuple(id(s) for s in signatures), tuple(id(f) for f in families), keylines, id(fail_pre))
    idx = _INDEX.get(key)
    if idx is not None:
        return idx
    detectors = [d for fam in families for d in fam.detectors]
    # anchor -> [(n, sig, pat)]: n is the pattern's place in the knowledge base (signature order, then pattern
    # order), the order _analyse tries a line's patterns in, whatever the (hash-seeded) order of its anchors
    by_anchor = {}
    n = 0
    for sig in signatures:
        for pat in sig.patterns:
            for a in pat.anchors:
                by_anchor.setdefault(a, []).append((n, sig, pat))
            n += 1
    variant_anchor = {}
    for a in by_anchor:
        for v in _variants(a):
            variant_anchor[v] = a
    idx = {
        "detectors": detectors,
        "by_anchor": by_anchor,
        "variant_anchor": variant_anchor,
        "variants": sorted(variant_anchor, key=len, reverse=True),
        "extra_prefilters": [d.prefilter for d in detectors] + (
            list(KEY_PREFILTERS) + list(fail_pre) + list(infer.OK_PREFILTERS) if keylines else []),
        "claims": [(c, sig.id) for sig in signatures for c in sig.codes],
        "prefilter_re": None,
        "refs": (signatures, families, fail_pre),  # keeps the objects (and so their ids) alive while cached
    }
    if len(_INDEX) > 16:
        _INDEX.clear()
    _INDEX[key] = idx
    return idx


def as_dict(hit, rank, top=None):
    """A hit as one entry of the ``matches`` list of ``--json``."""
    from ascendfix.explain.codes import module_of

    caps = dict(hit.captures)
    if "code" in caps and "module" not in caps:
        mod = module_of(caps["code"])
        if mod:
            caps["module"] = mod
    environment = None
    if hit.kind in ("signature", "fault"):
        sig = hit.sig
        title, cause, fix, links, apply_rule = sig.title, sig.render(sig.cause, caps), sig.render(sig.fix, caps), \
            list(sig.links), sig.apply_rule
        environment, notes = env_notes(sig)
        if notes:
            fix = fix + "\n" + "\n".join(notes)
    else:
        row = hit.row
        code = hit.code
        title = "{} {}".format(code, row.title)
        cause = "{}: {}".format(code, row.meaning) if row.code else "{} ({} code without its own entry): {}".format(
            code, row.module or row.family, row.meaning)
        fix, links, apply_rule = row.next, [row.source], None
    d = {
        "id": hit.id,
        "category": hit.category,
        "title": title,
        "rank": rank,
        "role": hit.role,
        "kind": hit.kind,
        "evidence": [{"line": ln, "text": t} for ln, t in sorted(hit.evidence)],
        "cause": cause,
        "fix": fix,
        "apply_rule": apply_rule,
        "links": links,
    }
    if hit.time:
        d["time"] = hit.time
    if getattr(hit, "npu", None) is not None:
        # (eng24b) the category switched by the log's NPU context: say so, with the line that shows it
        ln, text = hit.npu
        d["category_without_context"] = hit.sig.category
        d["because"] = "the log shows an Ascend NPU context: line {}: {}".format(ln, text)
        d["context"] = {"line": ln, "text": text}
    if environment:
        d["environment"] = environment
    if top is not None and rank > 1 and top.role in ("cause", "consequence") and hit.role in ("consequence", "wrapper") \
            and ROLE_TIER[hit.role] > ROLE_TIER[top.role]:
        d["consequence_of"] = top.id
    return d


class _AnyOf(object):
    """``search`` over several regexes, the same set of lines as their alternation (grep's expression).

    Separate patterns keep re's literal-prefix scans, which one big alternation of literals and classes loses
    (about 1.5x faster on the pure-Python path)."""

    __slots__ = ("regexes",)

    def __init__(self, regexes):
        self.regexes = regexes

    def search(self, data):
        for rx in self.regexes:
            m = rx.search(data)
            if m is not None:
                return m
        return None


def _trie_regex(words):
    """One regex matching any of ``words`` (bytes), factored as a trie: (?:E(?:Z9999|L0004)|...).

    re tries the alternatives of a flat alternation one by one at every position; the trie shares
    prefixes, which makes the pure-Python pre-filter ~2.5x faster. Only used to *detect* a hit; which
    anchors are present is decided afterwards with `in`.
    """
    trie = {}
    for w in words:
        node = trie
        for b in bytearray(w):
            node = node.setdefault(b, {})
        node[None] = True

    def build(node):
        alts = [re.escape(bytes(bytearray([k]))) + build(node[k]) for k in sorted(k for k in node if k is not None)]
        if not alts:
            return b""
        if None in node:
            return b"(?:" + b"|".join(alts) + b")?"
        if len(alts) == 1:
            return alts[0]
        return b"(?:" + b"|".join(alts) + b")"

    return build(trie)


# -- streaming a file ---------------------------------------------------------------------------
def _item_bytes(item):
    """One of feed_lines' items as bytes."""
    if isinstance(item, str):
        try:
            return item.encode("utf-8", "surrogateescape")  # round-trips undecodable bytes
        except UnicodeEncodeError:
            return item.encode("utf-8", "replace")
    return bytes(item)


ESCAPED_LINE_MAX = 16 << 20  # (read26) longest line whose escapes are undone (a longer one is read as it is)


class _Unescaped(io.RawIOBase):
    """(read26) A stream with the log's escapes undone (:class:`lines.Escapes`), whole lines at a time; a line longer
    than ESCAPED_LINE_MAX is passed on as it is."""

    def __init__(self, stream, escapes):
        super(_Unescaped, self).__init__()
        self._read = getattr(stream, "read1", None) or stream.read
        self._esc = escapes
        self._carry = b""
        self._out = b""
        self._pos = 0
        self._raw_line = False  # inside a line too long to unescape
        self._eof = False

    def readable(self):
        return True

    def _fill(self):
        while self._pos >= len(self._out) and not self._eof:
            chunk = self._read(READ_CHUNK)
            if not chunk:
                self._eof = True
                out, self._carry = self._carry, b""
                self._out, self._pos = (out if self._raw_line else self._esc.decode(out)), 0
                return
            data = self._carry + chunk
            cut = data.rfind(b"\n") + 1
            if self._raw_line:
                if cut:
                    self._raw_line = False
                    self._out, self._carry = data[:cut], data[cut:]
                else:
                    self._out, self._carry = data, b""
            elif cut:
                self._out, self._carry = self._esc.decode(data[:cut]), data[cut:]
            elif len(data) > ESCAPED_LINE_MAX:
                self._raw_line = True
                self._out, self._carry = data, b""
            else:
                self._out, self._carry = b"", data
            self._pos = 0

    def readinto(self, b):
        self._fill()
        n = min(len(b), len(self._out) - self._pos)
        if n <= 0:
            return 0
        b[:n] = self._out[self._pos:self._pos + n]
        self._pos += n
        return n


def _feed_python(matcher, stream):
    """Pure-Python path: one anchor regex per line, huge lines in bounded pieces."""
    lineno = 0
    readline = stream.readline
    continuing = False
    carry = b""
    # a pipe's last lines, kept on the way (a regular file's are re-read after the scan, by _read_tail)
    tail = collections.deque(maxlen=FRAME_TAIL_LINES) if _regular_file_fd(stream)[0] is None else None
    while True:
        piece = readline(LINE_PART)
        if not piece:
            break
        if tail is not None:
            if not continuing:
                tail.append([lineno + 1, b""])
            if len(tail[-1][1]) < TAIL_BYTES:
                tail[-1][1] += piece[:TAIL_BYTES - len(tail[-1][1])]
        eol = piece.endswith(b"\n")
        # a short piece without a newline is the file's last line, whole (as grep reports it)
        complete = eol or len(piece) < LINE_PART
        if not continuing:
            lineno += 1
        body = piece[:-1] if eol else piece
        matcher.feed_piece(lineno, carry + body, partial=not complete or continuing)
        continuing = not complete
        carry = body[-OVERLAP:] if continuing else b""
    matcher.lines_read = lineno
    if tail is not None:
        matcher.frame_tail = [(n, raw.rstrip(b"\n")) for n, raw in tail]
        matcher.tail = matcher.frame_tail[-TAIL_LINES:]


_GREP = {}
_GREP_LINE_RE = re.compile(rb"([0-9]{1,12})([:-])")  # grep -n's line number, then ":" (a hit) or "-" (context)


def _grep_path():
    """A grep that understands ``-a -n -E --color=never -f FILE`` (GNU, BSD), or None.

    ``ASCENDFIX_EXPLAIN_NO_GREP=1`` forces the pure-Python pre-filter.
    """
    if os.environ.get("ASCENDFIX_EXPLAIN_NO_GREP"):
        return None
    if "path" not in _GREP:
        import shutil
        import subprocess

        path = shutil.which("grep")
        if path:
            try:
                r = subprocess.run(
                    [path, "-a", "-n", "-E", "--color=never", "-e", "b|c"],
                    input=b"a\nb\n",
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    env=dict(os.environ, LC_ALL="C"),
                    timeout=10,
                )
                if r.returncode != 0 or r.stdout != b"2:b\n":
                    path = None
            except (OSError, subprocess.SubprocessError):
                path = None
        _GREP["path"] = path
    return _GREP["path"]


_ERE_SPECIAL = re.compile(rb"([.\[()*+?{|^$\\])")


def _ere_escape(anchor):
    """A literal (bytes) as a POSIX extended regex."""
    return _ERE_SPECIAL.sub(rb"\\\1", anchor)


def _regular_file_fd(stream):
    """``(fd, offset)`` of ``stream`` when it is a regular file (not a pipe/tty), else ``(None, 0)``.

    The fd's offset is set to the stream's logical position, from where grep will read it.
    """
    if not hasattr(os, "pread"):
        return None, 0
    try:
        fd = stream.fileno()
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None, 0
        pos = stream.tell()  # logical position (a buffered reader may have read ahead)
        os.lseek(fd, pos, os.SEEK_SET)
        return fd, pos
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None, 0


def _feed_grep(matcher, stream, grep):
    """Fast path: grep -E does the pre-filter; Python only sees the lines that hit, and their neighbours as grep's
    context lines (``N-``, read only for wrapped pastes; ``--`` between groups is skipped).

    A regular file is handed to grep as its stdin (grep reads it at full speed) while a thread counts
    the lines with pread() (no shared offset); anything else (a pipe) is pumped into grep by a thread
    that counts on the way. Memory stays flat either way.
    """
    import subprocess  # (only here: a small log never starts grep, and these imports are a cost of every start)
    import tempfile
    import threading

    fd, pattern_file = tempfile.mkstemp(prefix="ascendfix-anchors-", suffix=".txt")
    try:
        with os.fdopen(fd, "wb") as fh:
            # one ERE alternation: GNU grep turns it into a DFA, which is faster than -F's keyword
            # search when some anchors are short ("DT_", "EI00")
            fh.write(matcher.grep_ere(matcher.line_prefix) + b"\n")
        env = dict(os.environ, LC_ALL="C")
        for var in ("GREP_OPTIONS", "GREP_COLOR", "GREP_COLORS"):
            env.pop(var, None)
        # -B1 -A1: each hit line's neighbours too (context lines "N-...", groups apart "--"), for wrapped pastes
        # (Matcher._try_join)
        cmd = [grep, "-a", "-n", "-B1", "-A1", "-E", "--color=never", "-f", pattern_file]
        file_fd, start = _regular_file_fd(stream)
        proc = subprocess.Popen(
            cmd,
            stdin=file_fd if file_fd is not None else subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        state = {"newlines": 0, "last": b"\n", "error": None, "tail": b"", "bytes": 0}

        def count_file():
            try:
                offset = start
                while True:
                    chunk = os.pread(file_fd, READ_CHUNK, offset)
                    if not chunk:
                        break
                    offset += len(chunk)
                    state["newlines"] += chunk.count(b"\n")
                    state["last"] = chunk[-1:]
            except Exception as e:  # reported after grep finishes
                state["error"] = e

        def pump():
            try:
                read = stream.read
                write = proc.stdin.write
                while True:
                    chunk = read(READ_CHUNK)
                    if not chunk:
                        break
                    state["newlines"] += chunk.count(b"\n")
                    state["last"] = chunk[-1:]
                    # (only the chunk's end is copied: a chunk is READ_CHUNK bytes, the tail FRAME_TAIL_BYTES)
                    state["tail"] = (state["tail"] + chunk[-FRAME_TAIL_BYTES:])[-FRAME_TAIL_BYTES:]
                    state["bytes"] += len(chunk)
                    write(chunk)
            except BrokenPipeError:
                pass
            except Exception as e:  # reported after grep finishes
                state["error"] = e
            finally:
                try:
                    proc.stdin.close()
                except OSError:
                    pass

        if file_fd is not None:
            t = threading.Thread(target=count_file, name="ascendfix-explain-count")
        else:
            t = threading.Thread(target=pump, name="ascendfix-explain-pump")
        t.daemon = True
        t.start()
        try:
            readline = proc.stdout.readline
            lineno = None
            context = False
            carry = b""
            while True:
                piece = readline(LINE_PART)
                if not piece:
                    break
                complete = piece.endswith(b"\n")
                if lineno is None:
                    if piece == b"--\n":  # grep's separator between groups of lines apart
                        continue
                    m = _GREP_LINE_RE.match(piece)
                    lineno = int(m.group(1))
                    context = m.group(2) == b"-"  # a hit line's neighbour that did not hit ("N-")
                    body = piece[m.end() :]
                    partial = not complete
                else:  # continuation of a huge line
                    body = piece
                    partial = True
                if complete:
                    body = body[:-1]
                if context:
                    matcher.feed_context(lineno, carry + body, partial=partial)
                else:
                    matcher.feed_piece(lineno, carry + body, partial=partial, prefiltered=not partial)
                if complete:
                    lineno = None
                    carry = b""
                else:
                    carry = body[-OVERLAP:]
        finally:
            t.join()
            proc.stdout.close()
            err = proc.stderr.read()
            proc.stderr.close()
            rc = proc.wait()
        if state["error"] is not None:
            raise state["error"]
        if rc not in (0, 1):
            raise RuntimeError("grep failed ({}): {}".format(rc, err.decode("utf-8", "replace").strip()))
        n = state["newlines"]
        if state["last"] not in (b"\n", b""):
            n += 1
        matcher.lines_read = n
        if file_fd is None:  # a pipe: its last lines were kept on the way (a file's are re-read after the scan)
            _set_tail(matcher, state["tail"], cut=state["bytes"] > len(state["tail"]))
    finally:
        try:
            os.unlink(pattern_file)
        except OSError:
            pass


class _Replay(io.RawIOBase):
    """A stream whose first bytes were read ahead (:func:`_head`): those bytes, then the rest of the stream."""

    def __init__(self, head, stream):
        super(_Replay, self).__init__()
        self._head = head
        self._pos = 0
        self._stream = stream
        self._read = getattr(stream, "read1", None) or stream.read

    def readable(self):
        return True

    def readinto(self, b):
        if self._pos >= len(self._head):
            self._head = b""  # replayed: not kept for the rest of the scan
            self._pos = 0
            data = self._read(len(b))
            if not data:
                return 0
            if len(data) <= len(b):
                n = len(data)
                b[:n] = data
                return n
            self._head = data  # a library stream whose read() returned more than asked: the rest comes next
        n = min(len(b), len(self._head) - self._pos)
        b[:n] = self._head[self._pos : self._pos + n]
        self._pos += n
        return n


def _read_ahead(stream, size):
    """Up to ``size`` bytes of a stream, fewer only at its end (however the stream's reads cut its bytes)."""
    parts = []
    got = 0
    while got < size:
        chunk = stream.read(size - got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def _head(stream):
    """``(lines, stream)``: the first lines of a stream for :meth:`Matcher.decide_line_prefix`, and the stream to read
    the whole log from. A regular file's head is read with pread (the stream is left as it is); any other stream's (a
    pipe, stdin) is read ahead — its first ``HEAD_BYTES``, or all of it when shorter, never what one read happened to
    return, so the decision is the same as for the file — and replayed by the stream returned."""
    fd, pos = _regular_file_fd(stream)
    if fd is not None:
        try:
            data = os.pread(fd, HEAD_BYTES, pos)
        except OSError:
            data = b""
    else:
        data = _read_ahead(stream, HEAD_BYTES)
        stream = io.BufferedReader(_Replay(data, stream), buffer_size=READ_CHUNK)
        data = data[:HEAD_BYTES]  # (a library stream's read() may return more than asked: the head is a file's)
    lines = data.split(b"\n")
    if len(lines) > 1 and len(data) >= HEAD_BYTES:  # the head cut at HEAD_BYTES: its last line is a piece of a line
        lines.pop()
    return lines[:linefmt.GREP_HEAD_LINES], stream


def _head_of_items(items):
    """The first lines of feed_lines' items, each item read no further than HEAD_BYTES (one huge item, a whole text,
    is not split for the decision)."""
    out = []
    for item in items:
        nl = "\n" if isinstance(item, str) else b"\n"
        piece = item[:HEAD_BYTES] if isinstance(item, str) else bytes(item[:HEAD_BYTES])
        parts = piece.split(nl)
        if len(item) > HEAD_BYTES and len(parts) > 1:
            parts.pop()  # a piece of a line
        out.extend(parts)
        if len(out) >= linefmt.GREP_HEAD_LINES or len(item) > HEAD_BYTES:
            break
    return out[:linefmt.GREP_HEAD_LINES]


def _small_regular_file(stream):
    """Is ``stream`` a regular file with less than ``GREP_MIN_BYTES`` left to read? (a pipe, stdin: no)."""
    try:
        st = os.fstat(stream.fileno())
        return stat.S_ISREG(st.st_mode) and st.st_size - stream.tell() < GREP_MIN_BYTES
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return False


def scan_stream(stream, signatures=None, use_grep=None, max_evidence=MAX_EVIDENCE):
    """Feed a binary file object (file or stdin) through a fresh :class:`Matcher`; return the matcher.

    ``use_grep``: None picks the pre-filter (grep when there is one, except for a small regular file once the
    Python pre-filter is compiled), True uses grep whenever there is one, False never does."""
    matcher = Matcher(signatures, max_evidence=max_evidence)
    small = _small_regular_file(stream)  # (before _head, which reads a file's head ahead where there is no pread)
    head, source = _head(stream)
    matcher.decide_line_prefix(head)
    whole = _read_small(stream) if small and use_grep is not True else None
    escapes = matcher.escapes
    if escapes is not None:
        # (read26) an escaped log: read through its unescaping, as a pipe (its last lines are kept on the way)
        if whole is not None:
            whole = escapes.decode(whole)
            if not matcher.prefilter_compiled:
                matcher.narrow_prefilter(whole)
            _feed_python(matcher, io.BytesIO(whole))
            return matcher
        source = io.BufferedReader(_Unescaped(source, escapes), buffer_size=READ_CHUNK)
        stream = source
    if whole is not None:
        # a small regular file: read whole, pre-filtered in Python (no grep started); the pre-filter narrowed to the
        # anchors it holds unless this process compiled the whole one already
        if not matcher.prefilter_compiled:
            matcher.narrow_prefilter(whole)
        _feed_python(matcher, io.BytesIO(whole))
    else:
        grep = _grep_path() if use_grep is not False else None
        if grep:
            _feed_grep(matcher, source, grep)
        else:
            _feed_python(matcher, source)
    _read_tail(matcher, stream)
    return matcher


def _read_small(stream):
    """The rest of a small regular file (:func:`_small_regular_file`), read at once without moving the stream, or None
    when it cannot be read so (no pread: then the stream is read as usual)."""
    fd, pos = _regular_file_fd(stream)
    if fd is None:
        return None
    parts = []
    got = 0
    try:
        while True:  # (to the end as it is now: a log still written to may have grown since it was measured)
            chunk = os.pread(fd, GREP_MIN_BYTES, pos + got)
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
            if got > 4 * GREP_MIN_BYTES:  # it grew a lot: read as a big log
                return None
    except OSError:
        return None
    return b"".join(parts)


def _read_tail(matcher, stream):
    """Remember the last lines of a regular file, re-read after the scan (a pipe's are kept during the scan)."""
    try:
        fd = stream.fileno()
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or not hasattr(os, "pread"):
            return
        size = st.st_size
        start = max(0, size - FRAME_TAIL_BYTES)
        data = os.pread(fd, size - start, start)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return
    _set_tail(matcher, data, cut=start > 0)


def _set_tail(matcher, data, cut):
    """:attr:`Matcher.tail` from the last bytes of a log (``cut``: its first line may be a piece of a longer one): its
    last ``TAIL_LINES`` lines within the last ``TAIL_BYTES``; :attr:`Matcher.frame_tail`: its last ``FRAME_TAIL_LINES``
    lines within ``data`` (up to ``FRAME_TAIL_BYTES``)."""
    last = matcher.lines_read
    matcher.tail = _tail_lines(data[-TAIL_BYTES:], cut or len(data) > TAIL_BYTES, TAIL_LINES, last)
    matcher.frame_tail = _tail_lines(data, cut, FRAME_TAIL_LINES, last)


def _tail_lines(data, cut, n, last):
    if data.endswith(b"\n"):
        data = data[:-1]
    parts = data.split(b"\n")
    if cut:
        parts = parts[1:]
    parts = parts[-n:]
    return [(last - len(parts) + 1 + i, p) for i, p in enumerate(parts)]


def source_dict(matcher, limit=3):
    """The one-log part of the --json document."""
    ranked = matcher.ranked()
    matches = matcher.results(limit)
    return {
        "matches": matches,
        "lines_read": matcher.lines_read,
        "notes": matcher.notes(),
        "key_lines": matcher.key_lines(),
        "failed": matcher.failed(ranked),
    }


def explain_stream(stream, limit=3, signatures=None, use_grep=None):
    """Explain a binary file object (file or stdin): ``{"matches": [...], "lines_read": N, ...}``."""
    return source_dict(scan_stream(stream, signatures, use_grep), limit)


def explain_lines(lines, limit=3, signatures=None):
    """Explain an iterable of lines (bytes or str). Returns the match dicts, best first."""
    matcher = Matcher(signatures)
    matcher.feed_lines(lines)
    return matcher.results(limit)


def explain_text(text, limit=3):
    """Explain a traceback or log held in a string. Returns the match dicts (--json shape), best first."""
    if isinstance(text, bytes):
        lines = text.split(b"\n")
    else:
        lines = text.split("\n")
    return explain_lines(lines, limit=limit)
