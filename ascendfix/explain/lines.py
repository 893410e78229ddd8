"""One log line: the prefixes launchers add, the headers Ascend components write, and what they tell.

Logs reach users through layers that each prefix the line: torchrun (``[rank3]: ``), vLLM / Ray
workers (``(Worker_TP3 pid=123) ``), container runtimes (an ISO timestamp), Python ``logging`` and
vLLM headers (``ERROR 04-09 21:56:46 [core.py:12] ``), pytest's ``E       `` before a failing test's exception. :func:`parse` removes those *transport*
prefixes (so a signature sees the same message however the log was collected) and reads the
*Ascend* headers it keeps — a CANN plog line ``[ERROR] HCCL(2717288,python3):2025-07-23-03:49:57.177.194
[file.cc:778] ...``, torch_npu's ``[ERROR] 2025-04-08-18:07:20 (PID:1, Device:1, RankID:1) ERR01100``,
CANN's error-message lines ``EI0006: [PID: 1] 2025-04-08-18:07:20.444.436 ...`` — into :class:`LineInfo`
(level, module, time, rank, pid, device). Every regex here is bounded; only lines that passed the
anchor pre-filter are parsed.

A log pasted as grep / ripgrep output ("plog-1.log:14:[ERROR] HCCL(...)", "14:Traceback ...") carries one more prefix
per line; that one is decided once per log (:func:`detect_grep_prefix`, from its first lines) and removed by the engine
before the pre-filter (:meth:`GrepPrefix.strip`), never guessed per line. (read26) So is a log escaped by another
layer — Docker's json-file lines, a log in a JSON string, an HTML page's ``&quot;``, ANSI colours —
(:func:`detect_escapes`), unescaped before the pre-filter (:meth:`Escapes.decode`). (read27) So is the prefix a collector
puts before every line — docker compose's ``svc-1  | ``, ``kubectl logs --prefix``'s ``[pod/NAME/CONTAINER] ``,
journald's ``May 01 10:00:00 host app[123]: ``, a GitHub Actions runner's time, pdsh's ``worker-0: ``, srun's ``0: ``,
BuildKit's ``#12 43.30 `` (:func:`detect_transport_prefix`), removed before the pre-filter with the grep prefix
(:meth:`TransportPrefix.strip`). (A Docker or JSON log's line numbers are those of its unescaped text.)
"""

import datetime
import re

# -- transport prefixes, removed (repeatedly: "[rank0]: (Worker pid=1) ERROR ..." nests) -------------
_PREFIXES = (
    # torch.distributed elastic / torchrun: "[rank3]: " and "[default0]:"
    re.compile(r"^\[(?:rank|default)\s?(?P<rank>\d{1,6})\]:\s?"),
    # Open MPI's mpirun --tag-output / --output tag (MindSpore and Horovod jobs started with mpirun):
    # "[1,0]<stderr>: Traceback ..." (jobid, rank; Open MPI 4 writes no space after the colon)
    re.compile(r"^\[\d{1,10},(?P<rank>\d{1,6})\]<std(?:out|err|diag)>:\s?"),
    # vLLM / Ray actors: "(Worker_TP3 pid=123) ", "(VllmWorker rank=0 pid=12) ", "(EngineCore_DP0 pid=7) "
    re.compile(
        r"^\((?P<actor>[A-Za-z_][\w.\-]{0,60})(?: (?:rank=(?P<rank>\d{1,6})|[\w.\-]{1,40}=[\w.\-]{1,40}))"
        r"{0,3} pid=(?P<pid>\d{1,10})(?:, ip=[\w.:\-]{1,60})?\)\s?"
    ),
    # (read27: docker compose's "svc-1  | ", kubectl logs --prefix's "[pod/NAME/CONTAINER] ", journald's "Jan 30 16:21:56
    # host app[123]: " and the other prefixes a collector puts before every line are decided once per log, see
    # detect_transport_prefix below, and removed before the pre-filter.)
    # (rev-read27) The three read26 per-line forms stay as a fallback for a line the once-per-log decision did not strip:
    # a paste whose collector lines start after the head (docker compose up --build: the build's lines, then "Attaching
    # to ..." and the services' lines; a user's notes, then kubectl logs). Only pre-filtered lines are parsed.
    # kubectl logs --prefix: https://kubernetes.io/docs/reference/kubectl/generated/kubectl_logs/
    re.compile(r"^\[pod/[\w.\-]{1,253}/[\w.\-]{1,253}\] "),
    # docker compose logs, only a service name ending in compose's replica number ("web-1  | ", "survival_1     | "):
    # a table's first column and a logger's level column ("ERROR    | ") keep their head
    # (https://docs.docker.com/reference/cli/docker/compose/logs/)
    re.compile(r"^[A-Za-z][\w.\-]{0,62}[-_]\d{1,4} {1,40}\| "),
    # journald "short" output (https://www.freedesktop.org/software/systemd/man/latest/journalctl.html)
    re.compile(
        r"^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 0-3]\d \d\d:\d\d:\d\d(?: [\w.\-]{1,64})? "
        r"[\w.\-/@]{1,64}\[(?P<pid>\d{1,10})\]: "
    ),
    # Rust's tracing-subscriber default ("Full") format, used by Text Generation Inference's launcher and router,
    # text-embeddings-inference and other Rust servers: an RFC 3339 UTC time, then the level right-aligned to five
    # ("2024-10-28T08:34:43.886426Z  WARN text_generation_launcher: Could not import ...", "...Z ERROR shard-manager:
    # ..."); the level is read and removed, the span / target names are kept. (kb22g: without it a WARN line of a run
    # that went on read as a failing line.) Source: tokio-rs/tracing tracing-subscriber/src/fmt/format/mod.rs, the
    # example output of `Full`,
    # https://github.com/tokio-rs/tracing/blob/016c37b3448d01ecd4093f352d2831d6f8ba1fe0/tracing-subscriber/src/fmt/format/mod.rs
    re.compile(
        r"^(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z)\s{1,2}(?P<level>TRACE|DEBUG|INFO|WARN|ERROR) (?=\S)(?!\d\d-\d\d \d\d:)"
    ),
    # container runtimes (docker logs -t, kubectl --timestamps): "2025-01-02T03:04:05.123456789Z "; pip's --log file
    # (pip/_internal/utils/logging.py, IndentingFormatter with timestamps: "2026-12-05T00:49:37,884 " then the message
    # with its own indentation, kept)
    re.compile(r"^(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:Z|[+-]\d\d:?\d\d)?)\s"),
    # vLLM / vllm-ascend: "ERROR 04-09 21:56:46 [core.py:123] " (no year)
    re.compile(
        r"^(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL) (?P<time>\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})?)"
        r"(?: \[[\w./\-]{1,160}:\d{1,7}\])?\s"
    ),
    # Python logging defaults and common formats:
    # "2024-05-17 18:46:14,721 - mindone.diffusers - ERROR - ", "2024-05-17 18:46:14 | ERROR | ",
    # "[2024-05-17 18:46:14,721] [ERROR] ", "[2024-05-17 18:46:14,721][mod][ERROR] - ", Ray's CLI "... 18:57:03,337 ERR "
    re.compile(
        r"^\[?(?P<time>\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d{1,6})?)\]?\s{0,2}(?:[-|:]\s{0,2})?"
        r"(?:\[?[\w.\-]{1,80}\]?\s{0,2}[-|:]?\s{0,2})??"
        r"\[?(?P<level>DEBUG|INFO|WARNING|WARN|ERROR|ERR\b|CRITICAL|FATAL)\]?\s{0,2}(?:[-|:]\s{0,2})?"
    ),
    # spdlog's default pattern and the C++ loggers built on it (ATB, MindIE, xLLM): "[2025-12-08 11:52:44.735471]
    # [error] [69197] [operation_util.h:156] ", "[2025-12-08 11:52:44.735] [logger] [warning] " (lower-case levels)
    re.compile(
        r"^\[(?P<time>\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d{1,9})?)\] (?:\[[\w.\-]{1,80}\] )?"
        r"\[(?P<level>trace|debug|info|warning|warn|error|err|critical)\]\s(?:\[\d{1,10}\]\s)?"
        r"(?:\[[\w./\-]{1,160}:\d{1,7}\]\s?)?"
    ),
    # PyTorch's C++ log (c10, torch_npu): "[E1212 12:10:10.131512730 compiler_depend.ts:1675] ", older
    # "[W compiler_depend.ts:51] ", "[E OpParamMaker.cpp:273] "
    # (the month is not zero-padded: "[E107 02:38:42.269 ...]" is January 7)
    re.compile(r"^\[(?P<level>[EWIF])(?:\d{3,4} \d\d:\d\d:\d\d\.\d{1,9})? {1,2}[\w./\-]{1,160}:\d{1,7}\]\s?"),
    # a log pasted as a Markdown / e-mail quote: "> Traceback ...", "> RuntimeError: ..."
    re.compile(r"^>(?: |$)"),
    # pytest's report of a failing test: "E       ModuleNotFoundError: No module named 'torch_npu'"
    # (read26: "E" and 7 blanks, a test function's column, is stripped exactly; what follows keeps its own indentation, a
    # frame's "  File ...". rev26r: pytest's column is "E" and the failing source line's indentation + 3 blanks
    # (_pytest/_code/code.py get_exconly: fail_marker + indentstr[1:]), so a deeper test's "E           " keeps 4 blanks)
    re.compile(r"^E(?: {7}| {2,6}(?=\S))"),
    # glog (MindSpore C++ / TensorFlow style): "E0517 18:46:14.123456  1234 file.cc:12] "
    # (glog >= 0.7 writes the year: "E20251208 11:52:44.736321 69197 file.cpp:96] ")
    # (rev22f: PyTorch's glog lines on Windows name the file with backslashes: "W0627 10:16:57.530000 11028
    # venv\Lib\site-packages\torch\_dynamo\convert_frame.py:1280] ", or with a drive "C:\...")
    re.compile(r"^(?P<level>[EWIF])(?:\d{4})?\d{4} \d\d:\d\d:\d\d\.\d{1,6}\s{1,4}\d{1,10} (?:[A-Za-z]:)?[\w./\\\-]{1,120}:\d{1,7}\]\s"),
)
_MAX_PREFIXES = 4
# (read27) IPython / Jupyter's traceback marks the failing code line "----> 12 " (its line number) where Python indents the
# frame's code line by 4 blanks (the line stripped of its own indentation); read as Python writes it, so a pattern written for a frame's code line ("^\s{2,16}def
# ...") reads both. IPython/core/ultratb.py (IPython 8: the arrow "---->" then the line number,
# https://github.com/ipython/ipython/blob/main/IPython/core/ultratb.py; older releases "---> 12").
_IPYTHON_CODE = re.compile(r"^-{2,5}> {0,2}\d{1,7} {1,40}(?=\S)")

# -- Ascend headers, read but kept ---------------------------------------------------------------------
# CANN plog / MindSpore (ME) / MindIE lines: "[ERROR] HCCL(2717288,python3):2025-07-23-03:49:57.177.194 [f.cc:778]"
# (MindSpore writes "ME(8310:139698865970048,MainProcess)"; some versions omit the space after "]")
_PLOG = re.compile(
    r"^\[(?P<level>ERROR|WARNING|WARN|INFO|DEBUG|EVENT|TRACE|CRITICAL)\]\s{0,2}"
    r"(?P<module>[A-Za-z][\w\-]{0,30})\((?P<pid>\d{1,10})[,:](?P<proc>[^)]{0,80})\):\s{0,2}"
    r"(?P<time>\d{4}-\d\d-\d\d[- ]\d\d:\d\d:\d\d(?:[.,]\d{1,3}(?:\.\d{1,3})?)?)"
)
# torch_npu: "[ERROR] 2025-04-08-18:07:20 (PID:1292363, Device:1, RankID:1) ERR01100 OPS call acl api failed"
_TORCH_NPU = re.compile(
    r"\[(?P<level>ERROR|WARNING|INFO)\] (?P<time>\d{4}-\d\d-\d\d-\d\d:\d\d:\d\d) "
    r"\(PID:(?P<pid>\d{1,10}), Device:(?P<device>-?\d{1,4}), RankID:(?P<rank>-?\d{1,7})\)"
)
# CANN error message: "EI0006: [PID: 1292363] 2025-04-08-18:07:20.444.436 Getting socket times out."
_ERRMSG = re.compile(
    r"(?P<code>E[0-9A-Z]\d{4})\)?:?\s{0,2}\[PID: ?(?P<pid>\d{1,10})\]\s{0,2}"
    r"(?P<time>\d{4}-\d\d-\d\d-\d\d:\d\d:\d\d(?:\.\d{1,3}\.\d{1,3})?)"
)
# any other timestamp near the start of a line
_TIME = re.compile(r"(?P<time>\d{4}-\d\d-\d\d[-T ]\d\d:\d\d:\d\d(?:[.,]\d{1,3}(?:\.\d{1,3})?|\.\d{1,9})?)")
_TIME_PARTS = re.compile(
    r"(?:(?P<y>\d{4})-)?(?P<mo>\d\d)-(?P<d>\d\d)[-T ](?P<h>\d\d):(?P<mi>\d\d):(?P<s>\d\d)"
    r"(?:[.,](?P<f1>\d{1,9})(?:\.(?P<f2>\d{1,3}))?)?"
)

# HCCL lines that name the local rank: hcom init / SetupAgent ("rankNum[8], rank[2]"), "LocalRank Key Info ...
# userRank[6]", task exceptions ("rankSize[4], rankId[2]")
_RANK_HINT = re.compile(
    r"rankNum\[\d{1,6}\], ?rank\[(?P<a>\d{1,6})\]|\]userRank\[(?P<b>\d{1,6})\]|rankSize\[\d{1,6}\], rankId\[(?P<c>\d{1,6})\]"
)

_LEVELS = {"WARN": "WARNING", "ERR": "ERROR", "FATAL": "CRITICAL", "E": "ERROR", "W": "WARNING", "I": "INFO", "F": "CRITICAL"}


class LineInfo(object):
    """What a line says about itself: ``message`` (transport prefixes removed) and its header fields."""

    __slots__ = ("message", "level", "module", "time", "rank", "pid", "device")

    def __init__(self, message):
        self.message = message
        self.level = None  # ERROR / WARNING / INFO / DEBUG / ...
        self.module = None  # CANN module (HCCL, RUNTIME, GE, ...), "ME" for MindSpore
        self.time = None  # the timestamp as written
        self.rank = None  # distributed rank, when the line says
        self.pid = None
        self.device = None

    @property
    def is_error_level(self):
        return self.level in ("ERROR", "CRITICAL")

    @property
    def is_quiet_level(self):
        """A header says DEBUG / INFO / WARNING / EVENT / TRACE: not an error report."""
        return self.level is not None and self.level not in ("ERROR", "CRITICAL")


def _set(info, m, names):
    for name in names:
        try:
            v = m.group(name)
        except IndexError:
            continue
        if v is not None and getattr(info, name) is None:
            setattr(info, name, v)


def parse(text):
    """A decoded, cleaned line -> :class:`LineInfo`."""
    info = LineInfo(text)
    msg = text
    for _ in range(_MAX_PREFIXES):
        for rx in _PREFIXES:
            m = rx.match(msg)
            if m:
                _set(info, m, ("rank", "pid", "time", "level"))
                msg = msg[m.end():]
                break
        else:
            break
    if msg[:1] == "-":
        m = _IPYTHON_CODE.match(msg)
        if m:
            msg = "    " + msg[m.end():]
    info.message = msg
    m = _PLOG.match(msg)
    if m:
        _set(info, m, ("level", "module", "pid", "time"))
        if info.module and info.module.upper() == "ME":
            info.module = "ME"
    else:
        m = _TORCH_NPU.search(msg, 0, 200)
        if m:
            _set(info, m, ("level", "time", "pid", "device"))
            if m.group("rank") and not m.group("rank").startswith("-") and info.rank is None:
                info.rank = m.group("rank")
        else:
            m = _ERRMSG.search(msg, 0, 200)
            if m:
                info.level = info.level or "ERROR"
                _set(info, m, ("pid", "time"))
    if info.rank is None and "ank" in msg:
        m = _RANK_HINT.search(msg)
        if m:
            info.rank = m.group("a") or m.group("b") or m.group("c")
    if info.time is None:
        m = _TIME.search(msg, 0, 160)
        if m:
            info.time = m.group("time")
    if info.level is not None:
        level = info.level.upper()
        info.level = _LEVELS.get(level, level)
    return info


def parse_time(text, year=None):
    """A timestamp as logs write it -> naive datetime (None if unreadable).

    ``2025-07-23-03:49:57.177.194`` (CANN: milliseconds.microseconds), ``2024-05-17 18:46:14,721``,
    ``2025-01-02T03:04:05.123456789Z``, ``04-09 21:56:46`` (vLLM: no year; ``year`` or 1900 is used).
    """
    if not text:
        return None
    m = _TIME_PARTS.search(text)
    if not m:
        return None
    try:
        y = int(m.group("y")) if m.group("y") else (year or 1900)
        micro = 0
        f1, f2 = m.group("f1"), m.group("f2")
        if f1 is not None:
            if f2 is not None:  # CANN: .mmm.uuu
                micro = int(f1[:3].ljust(3, "0")) * 1000 + int(f2[:3].ljust(3, "0"))
            else:
                micro = int(f1[:6].ljust(6, "0"))
        return datetime.datetime(
            y, int(m.group("mo")), int(m.group("d")), int(m.group("h")), int(m.group("mi")), int(m.group("s")), micro
        )
    except ValueError:
        return None


# -- grep / ripgrep output pasted as a log: "plog-1.log:14:[ERROR] ...", "plog-1.log-13-...", "14:[ERROR] ..." -------
# ``grep -n`` / ``grep -rn`` / ``grep -C2`` / ``zgrep`` / ``rg -n`` put the file name and / or the line number before
# each line: "PATH:N:" (a matching line), "PATH-N-" (a context line of -A/-B/-C), "PATH:" (no -n), "N:" / "N-" (one
# file with -n); "--" between context groups. Decided once per log from its first lines (:func:`detect_grep_prefix`),
# never per line with a loose regex: ordinary text ("File \"x.py\", line 3", "error: foo:12: bar", "10:00:00",
# "host:8080", a compiler's "file.c:12:5: error:") must never lose its head.
GREP_HEAD_LINES = 60
# a path as grep prints it: no blank, no colon; a file name with an extension, or a path with a "/"
_GREP_PATH = rb"[^\s:]{1,400}"
_GREP_PN = re.compile(rb"^(?P<p>" + _GREP_PATH + rb"):(?P<n>\d{1,9}):")
_GREP_N = re.compile(rb"^(?P<n>\d{1,9})(?P<s>[:-])")
_GREP_P = re.compile(rb"^(?P<p>" + _GREP_PATH + rb"):")
_PATH_EXT = re.compile(rb"\.[A-Za-z][A-Za-z0-9_]{0,9}(?:\.\d{1,4})?$")
# a log file's own name ("PATH:" without a line number: only these; "/usr/bin/ld:", "torch.distributed.DistBackendError:"
# and an exception's module path are message heads)
_LOG_EXT = re.compile(rb"\.(?:log|txt|out|err|gz|trace|stderr|stdout)(?:\.\d{1,4})?$", re.I)
# source files: "x.py:12: UserWarning", "file.c:12:5: error:" are the program's / compiler's own format
_SOURCE_EXT = re.compile(
    rb"\.(?:py|pyx|pxd|pyi|c|cc|cpp|cxx|c\+\+|h|hh|hpp|hxx|cu|cuh|inc|inl|java|go|rs|js|ts|m|mm|s|asm|f|f90|sh|"
    rb"cmake|proto|yaml|yml|toml|cfg|ini|json)$",
    re.I,
)
_COMPILER_COLUMN = re.compile(rb"\d{1,5}:\s")  # "file.c:12:5: error:" (N then the column and a blank)
# "10:00:00" read as "10:" + "00:00"; "12:45 RuntimeError ..." (a clock time without seconds)
_TIME_HEAD = re.compile(rb"\d\d(?:[:.]\d\d|[ \t]|$)")
_HEAD_LINE_BYTES = 4096  # of a head line, enough to read its prefix (a huge single line is not copied whole)


def _path_ok(path, strict=False):
    if _SOURCE_EXT.search(path):
        return False
    if strict:
        return _LOG_EXT.search(path) is not None
    return b"/" in path or _PATH_EXT.search(path) is not None


def _pn_match(line):
    """The "PATH:N:" prefix of a line (a match with groups ``p`` and ``n``), or None: a source file's or a compiler's own
    "file.c:12:5: error:" head is not one."""
    m = _GREP_PN.match(line)
    if m and _path_ok(m.group("p")) and not _COMPILER_COLUMN.match(line, m.end()):
        return m
    return None


class GrepPrefix(object):
    """The grep / ripgrep prefix a log carries: ``kind`` "pn" (PATH:N:), "n" (N:) or "p" (PATH:), ``paths`` seen in the
    log's first lines. :meth:`strip` removes it from one line (bytes); :attr:`ere` is the same prefix as a POSIX ERE."""

    __slots__ = ("kind", "paths", "_known", "ere")

    def __init__(self, kind, paths=()):
        self.kind = kind
        self.paths = tuple(sorted(set(paths), key=len, reverse=True))[:64]
        known = b"|".join(re.escape(p) for p in self.paths)
        num = rb"\d{1,9}[:-]" if kind in ("pn", "n") else b""
        self._known = re.compile(rb"^(?:" + known + rb")[:-]" + num) if self.paths else None
        self.ere = {
            "pn": b"[^[:space:]:]+[:-][0-9]+[:-]",
            "n": b"[0-9]+[:-]",
            "p": b"[^[:space:]:]+[:-]",
        }[kind]

    def strip(self, raw):
        """``raw`` (bytes) without its grep prefix; unchanged when it carries none."""
        if self._known is not None:
            m = self._known.match(raw)
            if m:
                return raw[m.end():]
        if self.kind == "pn":
            m = _pn_match(raw)
            if m:
                return raw[m.end():]
        elif self.kind == "n":
            m = _GREP_N.match(raw)
            if m:
                return raw[m.end():]
        else:
            m = _GREP_P.match(raw)
            if m and _path_ok(m.group("p"), strict=True):
                return raw[m.end():]
        return raw


def _runs(lines, read):
    """The longest run of consecutive ``lines`` that ``read`` accepts (``read(line) -> (path, n) or None``), line
    numbers rising per path, and the paths of that run."""
    best, best_paths = 0, set()
    run, paths, last = 0, set(), {}
    for line in lines:
        got = read(line)
        if got is not None:
            path, n = got
            if n is not None and path in last and n <= last[path]:
                got = None
        if got is None:
            run, paths, last = 0, set(), {}
            continue
        path, n = got
        run += 1
        paths.add(path)
        if n is not None:
            last[path] = n
        if run > best:
            best, best_paths = run, set(paths)
    return best, best_paths


def detect_grep_prefix(lines):
    """Does a log (its first lines: bytes or str) read as grep / ripgrep output? -> :class:`GrepPrefix` or None.

    Yes only when the whole head (one line or more: "PATH:N:" and "PATH:" forms; two or more: "N:"), or a run of at
    least 3 consecutive lines, carries the same prefix shape with the line numbers rising per file."""
    head = []
    for line in lines:
        line = line[:_HEAD_LINE_BYTES]
        if isinstance(line, str):
            line = line.encode("utf-8", "replace")
        line = bytes(line).rstrip(b"\r\n")
        if not line.strip() or line == b"--":
            continue
        head.append(line)
        if len(head) >= GREP_HEAD_LINES:
            break
    if not head:
        return None

    def pn_colon(line):
        m = _pn_match(line)
        return (m.group("p"), int(m.group("n"))) if m else None

    colon_paths = {m[0] for m in (pn_colon(line) for line in head) if m}
    known = sorted(colon_paths, key=len, reverse=True)

    def pn(line):
        got = pn_colon(line)
        if got is not None:
            return got
        for p in known:  # a context line: "PATH-N-"
            if line.startswith(p + b"-"):
                m = re.match(rb"(\d{1,9})-", line[len(p) + 1:])
                if m:
                    return p, int(m.group(1))
        return None

    def n_only(line):
        m = _GREP_N.match(line)
        if m and not _TIME_HEAD.match(line, m.end()):
            return b"", int(m.group("n"))
        return None

    def p_only(line):
        m = _GREP_P.match(line)
        if m and _path_ok(m.group("p"), strict=True) and not re.match(rb"\d{1,9}:", line[m.end():]):
            return m.group("p"), None
        return None

    for kind, read, least in (("pn", pn, 1), ("n", n_only, 2), ("p", p_only, 1)):
        run, paths = _runs(head, read)
        if run >= 3 or (run == len(head) and run >= least):
            # a head of one or two "PATH:N:" lines: only a log file's name ("src/Makefile:12: ***", "pod/x:12:",
            # "node1.example.com:29500:", "index.rst:12: WARNING:" are the message's own head)
            if kind == "pn" and run < 3 and not all(_path_ok(p, strict=True) for p in paths):
                continue
            return GrepPrefix(kind, paths if kind != "n" else ())
    return None


def grep_ere_anchored(ere, prefix_ere):
    """``ere`` (a POSIX ERE) with each line-start anchor ``^`` allowed to follow a grep prefix: ``^(PREFIX)?``."""
    out = bytearray()
    i, n, in_class = 0, len(ere), False
    while i < n:
        c = ere[i:i + 1]
        if c == b"\\" and i + 1 < n:
            out += ere[i:i + 2]
            i += 2
            continue
        if in_class:
            if c == b"]" and not (ere[i - 1:i] == b"[" or ere[i - 2:i] == b"[^"):
                in_class = False
            out += c
        elif c == b"[":
            in_class = True
            out += c
        elif c == b"^":
            out += b"^(" + prefix_ere + b")?"
        else:
            out += c
        i += 1
    return bytes(out)


# -- transport prefixes on every line (read27): a log collected through docker compose ("sdxl-worker-1  | ..."),
# kubectl logs --prefix ("[pod/NAME/CONTAINER] ..."), journald ("Jan 30 16:21:56 host python3[3633]: ..."), a GitHub
# Actions job log ("2025-07-04T14:32:14.5612144Z ..."), pdsh / DeepSpeed's multi-node launcher ("worker-0: ..."),
# Slurm's srun --label ("0: ...") or Docker BuildKit's plain progress ("#12 43.30 ..."). Each collector puts its
# prefix before *every* line, so it is decided once per log from its first lines, like the grep prefix, and removed
# before the pre-filter (:meth:`TransportPrefix.strip`): a pattern anchored at the line's start ("^Killed") then reads
# the line as the program wrote it, on both pre-filter paths; a message the program cut over two lines can be joined
# (the collector's time is no header of the program's own); and no line of a log without such a prefix pays for the
# checks (read26 tried them on every pre-filtered line).
# (read26 sources: https://docs.docker.com/reference/cli/docker/compose/logs/,
# https://kubernetes.io/docs/reference/kubectl/generated/kubectl_logs/,
# https://www.freedesktop.org/software/systemd/man/latest/journalctl.html; read27: GitHub Actions
# https://github.com/cli/cli/pull/11172, pdsh https://linux.die.net/man/1/pdsh ("host: output", as DeepSpeed's
# PDSHRunner launches its workers: https://github.com/deepspeedai/DeepSpeed/blob/master/deepspeed/launcher/multinode_runner.py),
# srun -l / --label https://slurm.schedmd.com/srun.html, BuildKit --progress=plain
# https://docs.docker.com/build/building/variables/#buildkit_progress, its printer
# https://github.com/moby/buildkit/blob/master/util/progress/progressui/printer.go: "#N <step>", "#N DONE 0.3s")
_MONTHS = rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_TRANSPORT = (
    # (kind, regex on bytes: group "n" the name the collector gives the source, when it gives one; POSIX ERE for grep)
    ("kubectl", re.compile(rb"^\[pod/[\w.\-]{1,253}/[\w.\-]{1,253}\] "), rb"\[pod/[^]/]+/[^]/]+\] "),
    ("journald", re.compile(_MONTHS + rb" [ 0-3]\d \d\d:\d\d:\d\d(?: [\w.\-]{1,64})? [\w.\-/@]{1,64}\[\d{1,10}\]: "),
     rb"[A-Z][a-z][a-z] [ 0-3][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]( [^ ]+)? [^ []+\[[0-9]+\]: "),
    # docker compose: the service (and replica) padded to one width for all services, then "| "
    ("compose", re.compile(rb"^(?P<n>[A-Za-z][\w.\-]{0,62}) {1,40}(?P<bar>\|)(?: |$)"), rb"[A-Za-z][A-Za-z0-9_.-]* +\| "),
    # the GitHub Actions runner's time (7 decimals) and docker logs -t's (9): not the 6 of a Rust tracing header
    # ("...886426Z  WARN target: ", which parse reads as the program's own level)
    ("gha", re.compile(rb"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7,9}Z (?! {0,2}(?:TRACE|DEBUG|INFO|WARN|ERROR) )"),
     rb"[0-9]{4}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]+Z "),
    ("buildkit", re.compile(rb"^#\d{1,5} \d{1,6}\.\d{1,3} "), rb"#[0-9]+ [0-9]+\.[0-9]+ "),
    # srun --label: the task number, right-aligned to the widest one
    ("srun", re.compile(rb"^ {0,6}(?P<n>\d{1,6}):(?: |$)"), rb" *[0-9]+: "),
    # pdsh: the host, as the hostfile names it (a name with a digit, "worker-0", "node3", or an IPv4 address)
    ("pdsh", re.compile(rb"^(?P<n>[A-Za-z][\w.\-]{0,62}|\d{1,3}(?:\.\d{1,3}){3}):(?: |$)"), rb"[A-Za-z0-9][A-Za-z0-9_.-]*: "),
)
_COMPOSE_REPLICA = re.compile(rb"[-_]\d{1,4}$")
# (rev-read27) level names a logger pads into a "|" column (loguru's "INFO     | ", "SUCCESS  | "): a compose service is
# never detected from them
_LEVEL_COLUMN = frozenset(x.encode() for x in (
    "TRACE", "DEBUG", "INFO", "SUCCESS", "NOTICE", "WARN", "WARNING", "ERROR", "CRITICAL", "FATAL", "EXCEPTION"))
_BUILDKIT_STEP = re.compile(rb"^#\d{1,5} ")


_HOST = re.compile(rb"^(?:\d{1,3}(?:\.\d{1,3}){3}|[a-z][a-z0-9\-]{0,62}(?:(?:\.[a-z][a-z0-9\-]{0,62}){2,8})?)$")
_HOST_ALONE = re.compile(rb"^(?:\d{1,3}(?:\.\d{1,3}){3}|[a-z][a-z0-9]{0,30}(?:-[a-z0-9]{1,30}){0,4}-\d{1,4}(?:\.[a-z][a-z0-9\-]{0,62}){0,8})$")


def _pdsh_host(name, alone=False):
    """A host name as a hostfile writes one: lower case with a digit, one label or three and more ("worker-0", "node3",
    "ddp-0.ddp.ml-dev.svc.cluster.local") or an IPv4 address — not an exception class ("Py4JJavaError: ",
    "onnxruntime.capi.onnxruntime_pybind11_state.Fail: ", "cv2.error: "), a script's name ("run2.sh: line 3: ") nor a
    word in capitals ("NOTE2: "). ``alone``: the only evidence is a line or two, so only a name like "worker-0" / an
    address."""
    if not any(48 <= c <= 57 for c in name):
        return False
    return (_HOST_ALONE if alone else _HOST).match(name) is not None


class TransportPrefix(object):
    """The prefix a collector put before every line of a log (``kind``: see _TRANSPORT). :meth:`strip` removes it from
    one line (bytes); :attr:`ere` is the same prefix as a POSIX ERE (a little broader: Python decides)."""

    __slots__ = ("kind", "names", "_rx", "ere")

    def __init__(self, kind, names=()):
        self.kind = kind
        self.names = frozenset(names)
        for k, rx, ere in _TRANSPORT:
            if k == kind:
                self._rx, self.ere = rx, ere

    def __repr__(self):
        return "TransportPrefix({}, {})".format(self.kind, sorted(self.names))

    def strip(self, raw):
        m = self._rx.match(raw)
        if m is None:
            return raw
        if self.kind in ("compose", "pdsh"):
            name = m.group("n")
            # another service / host than the head's: compose's replica number, pdsh's digit
            if name not in self.names and not (_COMPOSE_REPLICA.search(name) if self.kind == "compose"
                                               else _pdsh_host(name)):
                return raw
        return raw[m.end():]


class _Chain(object):
    """Two line prefixes, one after the other (a grep prefix, then a collector's)."""

    __slots__ = ("first", "second", "ere", "kind")

    def __init__(self, first, second):
        self.first, self.second = first, second
        self.kind = first.kind
        self.ere = b"(" + first.ere + b")?(" + second.ere + b")?"

    def strip(self, raw):
        return self.second.strip(self.first.strip(raw))


def chain_prefixes(first, second):
    """The log's grep prefix and collector prefix as one (either may be None)."""
    if first is None or second is None:
        return first if second is None else second
    return _Chain(first, second)


def _head(lines, max_bytes):
    """The first GREP_HEAD_LINES non-blank lines of ``lines`` (bytes or str) as bytes, each cut to ``max_bytes``
    without its line end: what the once-per-log decisions (transport prefix, escapes) read."""
    head = []
    for line in lines:
        if isinstance(line, str):
            line = line.encode("utf-8", "replace")
        line = bytes(line[:max_bytes]).rstrip(b"\r\n")
        if line.strip():
            head.append(line)
        if len(head) >= GREP_HEAD_LINES:
            break
    return head


def detect_transport_prefix(lines):
    """Does a log (its first lines: bytes or str, grep prefixes removed) carry a collector's prefix on every line? ->
    :class:`TransportPrefix` or None.

    Yes when a run of at least 3 consecutive non-blank lines of the head carries it (or the whole head, 1 or 2 lines,
    for the prefixes no plain line starts with: kubectl's, journald's, a runner's time, a compose service with its
    replica number, one pdsh host or srun task; BuildKit: 3 step lines "#N ..." in the head). Named prefixes must show the collector: compose's "| " at one column for the run and a
    service named on several lines (a padded table's first column names one row each: "x_1  | ...", "x_2  | ..."),
    pdsh's host with a digit, srun's task numbers repeated (a numbered list counts up)."""
    head = _head(lines, _HEAD_LINE_BYTES)
    if not head:
        return None
    # BuildKit: its step lines ("#5 [2/7] RUN ...", "#5 DONE 0.3s") and the step's output ("#5 12.30 ...")
    steps = sum(1 for line in head if _BUILDKIT_STEP.match(line))
    for kind, rx, _ in _TRANSPORT:
        if kind == "buildkit":
            if steps >= 3 and any(rx.match(line) for line in head):
                return TransportPrefix(kind)
            continue
        best, best_names = 0, ()
        run, names, col = 0, [], None
        for line in head:
            m = rx.match(line)
            ok = m is not None
            if ok and kind == "compose" and m.group("n") in _LEVEL_COLUMN:
                ok = False  # (rev-read27) a logger's level column ("INFO     | ", loguru's), not a service
            if ok and kind == "compose":
                ok = col is None or m.start("bar") == col
                if not ok and run:  # a new run at another column
                    run, names = 0, []
                    ok = True
                col = m.start("bar")
            if ok and kind == "pdsh":
                n = m.group("n")
                ok = _pdsh_host(n)
            if not ok:
                run, names, col = 0, [], None
                continue
            run += 1
            if "n" in rx.groupindex:
                names.append(m.group("n"))
            if run > best:
                best, best_names = run, list(names)
        if not best:
            continue
        if kind in ("compose", "srun", "pdsh") and best >= 3:
            # the names repeat: a collector's, not a table's or a list's first column
            if 2 * len(set(best_names)) > best:
                continue
            return TransportPrefix(kind, best_names)
        if best >= 3 or (best == len(head) and (
                kind in ("kubectl", "journald", "gha") or
                kind == "compose" and all(_COMPOSE_REPLICA.search(n) for n in best_names) or
                kind == "srun" and len(set(best_names)) == 1 or
                kind == "pdsh" and len(set(best_names)) == 1 and _pdsh_host(best_names[0], alone=True))):
            return TransportPrefix(kind, best_names)
    return None


# -- escaped logs (read26): a log that reached the user escaped by one more layer — Docker's json-file driver (each line a
# JSON object, the line in "log": https://docs.docker.com/engine/logging/drivers/json-file/), a whole log held in a JSON
# string field (literal "\n", '\"'), a log copied from an HTML page's source (&quot; &#39; &lt;), terminal colours kept
# in the paste (ANSI escape sequences, which can cut an anchor in two: IPython writes "\x1b[0;31mValueError\x1b[0m: ...").
# Decided once per log from its first lines (:func:`detect_escapes`) and undone on the bytes before the pre-filter
# (:meth:`Escapes.decode`), so grep and Python read the same text; never guessed per line.
_DOCKER_JSON_HEAD = re.compile(rb'^\{"log":"')
# a Docker json-file line: the "log" string (its escapes undone by json), then the rest of the object
_DOCKER_JSON_LINE = re.compile(rb'^\{"log":"((?:[^"\\\n]|\\.){0,4194304})"[^\n]{0,4096}(?:\n|$)', re.M)
# a JSON string literal: the log in a JSON field. In a log judged JSON, one that holds a line break ("\n") is read as
# lines of its own, a sentence unescaped in place (see _json_lines); the head needs one with two breaks after a key, or a
# first line that is a JSON object / array (rev26r: the string a JSON value — after a quoted key, "[" or "{" — not after a
# plain "stderr: " or a call's ", ")
_JSON_LITERAL = re.compile(rb'"((?:[^"\\\n]|\\.){1,16777216})"')
_JSON_DOC_HEAD = re.compile(rb'^\s{0,8}(?:[\[{]\s{0,8}$|\[?\{\s{0,8}"[^"\n]{1,200}"\s{0,8}:)')
_JSON_HEAD_NL = re.compile(rb'(?:^|"\s{0,8}:|[\[{])\s{0,8}"(?:[^"\\\n]|\\[^n\n]){0,16384}\\n(?:[^"\\\n]|\\[^n\n]){0,16384}\\n')
_HTML_ENTITY = re.compile(rb"&(?:quot|apos|lt|gt|amp|nbsp|#\d{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_HTML_HEAD = re.compile(rb"&(?:quot|#39|#x27|#34|lt|gt);")
_ANSI_BYTES = re.compile(rb"\x1b\[[0-?]{0,64}[ -/]{0,8}[@-~]|\x1b\][^\x07\x1b\n]{0,4096}(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")
_JSON_SIMPLE = {b"n": b"\n", b"t": b"\t", b'"': b'"', b"\\": b"\\", b"/": b"/", b"r": b"\r", b"b": b"", b"f": b""}


def _json_string(body):
    """The bytes of a JSON string literal's body (between its quotes) with its escapes undone (UTF-8)."""
    try:
        import json

        return json.loads(b'"' + body + b'"').encode("utf-8", "surrogatepass")
    except (ValueError, UnicodeError):
        return re.sub(rb"\\(.)", lambda m: _JSON_SIMPLE.get(m.group(1), m.group(0)), body)


def _json_lines(m):
    """A JSON string literal (a match of _JSON_LITERAL) that holds line breaks as those lines, on lines of their own; a
    sentence (16 characters or more with a blank) unescaped where it is, between blanks (a structured log's "message":
    the line stays one line, its number the file's); a short word ("stderr", a key) as it is."""
    body = m.group(1)
    if b"\\n" in body:
        return b"\n" + _json_string(body).rstrip(b"\n") + b"\n"
    if len(body) < 16 or b" " not in body or b"\\" not in body:
        # (rev26r) a literal with no escape in it is left as it is: nothing to undo, and a plain line that reads as one
        # (a frame's 'File "/home/my user/run.py", line 3') keeps its quotes
        return m.group(0)
    return b" " + _json_string(body).replace(b"\n", b" ").replace(b"\r", b" ") + b" "


_JSON_KEY_AFTER = re.compile(rb"\s{0,8}:")


def _json_values(m):
    """In a one-line JSON document: a string value (not a key) on a line of its own, its escapes undone; keys and short
    words as _json_lines leaves them."""
    if b"\\n" in m.group(1) or _JSON_KEY_AFTER.match(m.string, m.end()):
        return _json_lines(m)
    return b"\n" + _json_string(m.group(1)).replace(b"\r", b" ") + b"\n"


def _html_char(html, m):
    """An HTML character reference (a match of _HTML_ENTITY) as UTF-8; one for a line break or another control character
    (``&#10;``) becomes a blank: undoing the escapes never adds a line."""
    c = html.unescape(m.group(0).decode("ascii"))
    return b" " if c < " " else c.encode("utf-8", "surrogatepass")


class Escapes(object):
    """The escaping layers a log carries (``docker``, ``json``, ``html``, ``ansi``: see :func:`detect_escapes`);
    :meth:`decode` undoes them on a block of whole lines."""

    __slots__ = ("docker", "json", "html", "ansi", "json_line")

    def __init__(self, docker=False, json=False, html=False, ansi=False, json_line=False):
        self.docker, self.json, self.html, self.ansi = docker, json, html, ansi
        # (read27) a log that is one JSON document on one line: each string value on a line of its own (a one-line log
        # held in a field, "{"log": "Killed"}", then starts its line, as it did in the log)
        self.json_line = json_line

    def __repr__(self):
        return "Escapes({})".format(", ".join(k for k in self.__slots__ if getattr(self, k)))

    def decode(self, data):
        """``data`` (bytes: whole lines, the last one maybe without its newline) with the log's escapes undone. A
        Docker json-file line becomes its "log" text (a line Docker cut in pieces joins its next piece, as Docker
        wrote it); a JSON string that holds line breaks becomes those lines, on lines of their own."""
        given = data
        if self.docker:
            data = _DOCKER_JSON_LINE.sub(lambda m: _json_string(m.group(1)), data)
        if self.ansi and b"\x1b" in data:
            data = _ANSI_BYTES.sub(b"", data)
        if self.html and b"&" in data:
            import html

            data = _HTML_ENTITY.sub(lambda m: _html_char(html, m), data)
        if self.json:
            out = _JSON_LITERAL.sub(_json_values if self.json_line else _json_lines, data)
        else:
            out = data
        # (a last line that was only escape sequences stays a line, blank, as the log had it)
        return out if out or not given else b" "


def detect_escapes(lines):
    """Is a log (its first lines: bytes or str) escaped by another layer? -> :class:`Escapes` or None.

    ``docker``: its first line, and half of its first lines or more, are Docker json-file objects (``{"log":"...``);
    ``json``: a JSON value string (after a quoted key, "[" or "{") with two line breaks ("\\n") or more in one of its
    first lines, or a first line that opens a JSON object / array when half of the first lines or more open one too
    (JSON lines; a one-line log) (after the others: a Docker log, an HTML page can hold one);
    ``html``: an HTML character reference (``&quot;``, ``&#39;``, ``&#x27;``, ``&#34;``, ``&lt;``, ``&gt;``);
    ``ansi``: an ANSI escape sequence."""
    head = _head(lines, _HEAD_LINE_BYTES * 8)
    if not head:
        return None
    esc = Escapes()
    docker = sum(1 for line in head if _DOCKER_JSON_HEAD.match(line))
    if _DOCKER_JSON_HEAD.match(head[0]) and docker * 2 >= len(head):
        esc.docker = True
        head = esc.decode(b"\n".join(head) + b"\n").split(b"\n")
    data = b"\n".join(head)
    esc.html = _HTML_HEAD.search(data) is not None
    esc.ansi = b"\x1b[" in data
    if esc.html or esc.ansi:
        data = esc.decode(data)
    # (rev26r) a first line that opens a JSON object is a JSON log only when half of the head's lines or more open one
    # too (JSON lines, one record a line) or hold a string with line breaks: a plain log that prints its config as
    # JSON first ('{', '{"model": "sdxl", ...}') then runs on is read as it is
    lines_json = data.split(b"\n")
    doc = _JSON_DOC_HEAD.match(data) is not None and (
        len(lines_json) == 1 or 2 * sum(1 for line in lines_json if line.lstrip()[:1] in (b"{", b"[")) >= len(lines_json))
    # (read27) a string with line breaks in a JSON line (one that opens an object or array, or a pretty-printed
    # document's '"key": ...' line): not a program's code line holding a dict or a message with "\n" (a traceback's
    # 'x = {"a": "b\n\n"}', 'print("...\n\n")')
    esc.json = doc or any(line.lstrip()[:1] in (b"{", b"[", b'"') and _JSON_HEAD_NL.search(line) is not None
                          for line in lines_json)
    esc.json_line = esc.json and len(lines_json) == 1 and doc
    return esc if (esc.docker or esc.json or esc.html or esc.ansi) else None
