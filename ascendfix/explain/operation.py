"""``explain`` as an operation: inputs in, an :class:`ExplainReport` out (no printing, no exit codes here).

    from ascendfix.explain.operation import explain
    report = explain("train.log")                      # a file, a folder, a glob, "-", or a list of them
    report = explain(["rank0.log", "rank1.log"])       # one log per rank: the first failing rank is named
    report = explain(plog=True)                        # the CANN log folder ($ASCEND_PROCESS_LOG_PATH, ...)
    report = explain(text=traceback_string)            # a log held in memory
    report.ok, report.matches[0]["category"], report.to_dict()   # to_dict() is the --json document

The ``--json`` document (``to_dict()``):

- ``matches``: best first (``rank`` 1 = most likely root cause; an order, not a probability). Each has
  ``id`` (AF### signature or an error code), ``category``, ``title``, ``rank``, ``role`` (cause /
  consequence / wrapper / context), ``kind`` (signature / code / fault; ``inferred`` when no entry matched and the category is inferred from the
  words of the failing lines — rank 1, exit status 1; ``guess`` when not even the inference answers and a classifier
  learned from labelled logs finds the failing lines' words most like known failures of a category — alone, rank 1,
  exit status 1, with its ``posterior``, a rank, and ``measured_precision`` / ``measured_on``: the share of such
  guesses that were right leave-one-set-out), ``evidence`` (``line``, ``text``, and
  ``source`` when several logs were read), ``cause``, ``fix``, ``apply_rule``, ``links``, optionally
  ``time`` (of its first evidence line) and ``consequence_of`` (the id of the cause it follows from).
- ``lines_read``: lines read in all sources.
- ``notes``: benign entries (a fallback warning) of a log that shows no failure; never causes.
- ``key_lines``: the lines to read first (last exception, first / last Ascend error lines), with
  ``source`` when several logs were read — the answer when no entry matched.
- ``sources``: per log ``name``, ``kind``, ``rank_id``, ``device_id``, ``lines_read``, ``failed``,
  ``top`` (id / category / role / time of its best match, or null).
- ``first_failure``: the log, rank and time of the earliest root cause and its id, or null.
"""

import os
import sys

from ascendfix import reports
from ascendfix.errors import AscendfixError
from ascendfix.explain import engine
from ascendfix.explain.lines import parse_time
from ascendfix.explain.sources import MAX_FILES, Source, resolve

MAX_MERGED_EVIDENCE = 6
VERBOSE_EVIDENCE = 100  # evidence lines per entry with explain -v (a log repeating one error 10,000 times stays readable)


class SourceResult(object):
    """What one log said."""

    def __init__(self, source, matcher, limit):
        self.source = source
        self.name = source.name
        self.lines_read = matcher.lines_read
        ranked = matcher.ranked()
        self.failed = matcher.failed(ranked)
        self.matches = matcher.results(None)  # every match; the report applies the limit after combining
        self.notes = matcher.notes()
        self.key_lines = matcher.key_lines()
        self.rank_id = source.rank_id or matcher.rank_id()
        self.device_id = source.device_id
        self.top = self.matches[0] if self.matches else None

    @property
    def time(self):
        return self.top.get("time") if self.top else None

    def to_dict(self):
        top = None
        if self.top is not None:
            top = {"id": self.top["id"], "category": self.top["category"], "role": self.top["role"],
                   "time": self.top.get("time")}
        return {
            "name": self.name,
            "kind": self.source.kind,
            "rank_id": self.rank_id,
            "device_id": self.device_id,
            "lines_read": self.lines_read,
            "failed": self.failed,
            "top": top,
        }


class ExplainReport(reports.ExplainReport):
    """The result of :func:`explain` (a :class:`ascendfix.reports.ExplainReport`: ``ok`` — a known cause was named
    (exit 0), ``exit_code``, ``to_dict()`` = the ``--json`` document), plus the per-log ``results``."""

    def __init__(self, results, limit=3, max_evidence=None):
        self.results = results
        self.limit = limit
        self.first = _first_failure(results)
        matches = _combine(results, self.first, limit, max_evidence or MAX_MERGED_EVIDENCE)
        if any(r.matches for r in results):
            notes = []
        else:
            notes = _tag([(r, n) for r in results for n in r.notes], len(results) > 1)
        if self.first is not None:
            key_from = [self.first]
        else:
            key_from = [r for r in results if r.failed] or results
        key_lines = []
        for r in key_from[:4]:
            for k in r.key_lines:
                k = dict(k)
                if len(results) > 1:
                    k["source"] = r.name
                key_lines.append(k)
        super(ExplainReport, self).__init__({
            "matches": matches,
            "lines_read": sum(r.lines_read for r in results),
            "notes": notes,
            "key_lines": key_lines,
            "sources": [r.to_dict() for r in results],
            "first_failure": self._first_failure_doc(),
        })

    @property
    def exit_code(self):
        """0 when a known entry (signature, code, fault) named a cause; an inference or a guess alone is not a known
        cause (1)."""
        from ascendfix.errors import EXIT_NEGATIVE, EXIT_OK

        return EXIT_OK if any(m["kind"] not in ("inferred", "guess") for m in self.matches) else EXIT_NEGATIVE

    @property
    def notes(self):
        return self._doc["notes"]

    @property
    def key_lines(self):
        return self._doc["key_lines"]

    @property
    def first_failure(self):
        return self._doc["first_failure"]

    def _first_failure_doc(self):
        r = self.first
        if r is None:
            return None
        return {
            "source": r.name,
            "rank_id": r.rank_id,
            "device_id": r.device_id,
            "time": r.time,
            "id": r.top["id"],
            "category": r.top["category"],
            "title": r.top["title"],
        }


def _first_failure(results):
    """The log whose root cause came first: logs whose best match is a cause beat logs that only show
    consequences (a collective timeout waits for the peer that failed); then the earliest time."""
    with_top = [r for r in results if r.top is not None]
    if not with_top:
        return None
    causes = [r for r in with_top if r.top["role"] == "cause"]
    known = [r for r in causes if r.top["kind"] not in ("inferred", "guess")]  # a named cause beats an inferred one
    inferred = [r for r in causes if r.top["kind"] == "inferred"]  # ... and an inferred one a guess
    pool = known or inferred or causes or with_top
    year = None
    for r in pool:
        t = parse_time(r.time)
        if t is not None and t.year > 1900:
            year = t.year
            break

    def key(item):
        i, r = item
        t = parse_time(r.time, year)
        return (t is None, t or 0, engine.ROLE_TIER.get(r.top["role"], 9), i)

    return min(enumerate(pool), key=key)[1]


def _tag(pairs, multi):
    out = []
    for r, m in pairs:
        m = dict(m)
        if multi:
            m["evidence"] = [dict(e, source=r.name) for e in m["evidence"]]
        out.append(m)
    return out


def _combine(results, first, limit, max_evidence=MAX_MERGED_EVIDENCE):
    """All logs' matches as one best-first list: the first failing log's first, then the others (its
    consequences); the same id from several logs is one entry with evidence from each."""
    multi = len(results) > 1
    order = []
    if first is not None:
        order.append(first)
    rest = [r for r in results if r is not first]
    rest.sort(key=lambda r: (r.top is None, engine.ROLE_TIER.get(r.top["role"], 9) if r.top else 9))
    order.extend(rest)
    merged = []
    by_id = {}
    for r in order:
        for m in r.matches:
            m = dict(m)
            ev = [dict(e, source=r.name) for e in m["evidence"]] if multi else m["evidence"]
            if m["id"] in by_id:
                prev = by_id[m["id"]]
                prev["evidence"] = (prev["evidence"] + ev)[:max_evidence]
                continue
            m["evidence"] = ev
            if multi:
                m["source"] = r.name
            by_id[m["id"]] = m
            merged.append(m)
    if not merged:
        return []
    if multi and len(merged) > 2:
        # the first failure's best entry leads; then what followed from it on every log (the collective
        # timeouts of the other ranks), then the other causes, then wrappers; the first failing log's entries
        # first within each group
        first_name = first.name if first is not None else None
        groups = {"consequence": 0, "cause": 1, "wrapper": 2, "context": 3}

        def tier(m):
            return groups[m["role"]] * 2 + (1 if m["kind"] != "signature" else 0)

        head, rest = merged[0], merged[1:]
        order_of = {id(m): i for i, m in enumerate(rest)}
        rest.sort(key=lambda m: (tier(m), 0 if m.get("source") == first_name else 1, order_of[id(m)]))
        merged = [head] + rest
    # a context entry never leads: keep the order of roles the per-log ranking gave
    top = merged[0]
    for i, m in enumerate(merged):
        m["rank"] = i + 1
        m.pop("consequence_of", None)
        if i > 0 and top["role"] in ("cause", "consequence") and top["kind"] not in ("inferred", "guess") and (
            engine.ROLE_TIER[m["role"]] > engine.ROLE_TIER[top["role"]] and m["role"] in ("consequence", "wrapper")
        ):
            m["consequence_of"] = top["id"]
    return merged[:limit] if limit else merged


def _scan_path(src, use_grep, max_evidence=engine.MAX_EVIDENCE):
    try:
        fh = open(src.path, "rb")
    except FileNotFoundError:
        raise AscendfixError("{}: no such file".format(src.path))
    except IsADirectoryError:
        raise AscendfixError("{}: is a directory, not a log file".format(src.path))
    except OSError as e:
        raise AscendfixError("{}: cannot read: {}".format(src.path, e.strerror or e))
    with fh:
        try:
            return engine.scan_stream(fh, use_grep=use_grep, max_evidence=max_evidence)
        except OSError as e:  # a read that fails half-way (EIO: a bad disk, a network share gone, /proc/self/mem)
            raise AscendfixError("{}: cannot read: {}".format(src.path, e.strerror or e))


def explain(source=None, limit=3, plog=False, text=None, use_grep=None, max_files=MAX_FILES, stdin=None,
            max_evidence=None):
    """Explain logs; see the module docstring. Raises :class:`AscendfixError` for an input that names nothing.

    ``max_evidence``: evidence lines kept per entry (default 3 per log, 6 across logs; ``explain -v`` keeps
    up to :data:`VERBOSE_EVIDENCE`)."""
    if limit is not None and limit <= 0:
        limit = None
    per_log = max_evidence or engine.MAX_EVIDENCE
    if text is not None:
        matcher = engine.Matcher(max_evidence=per_log)
        matcher.feed_lines([text])  # lines counted as in a file: a trailing newline ends the last line
        return ExplainReport([SourceResult(Source(None, name="text", kind="text"), matcher, limit)], limit,
                             max_evidence)
    if source is not None and hasattr(source, "read"):
        matcher = engine.scan_stream(source, use_grep=use_grep, max_evidence=per_log)
        name = getattr(source, "name", "stream")
        return ExplainReport([SourceResult(Source(None, name=str(name), kind="stream"), matcher, limit)], limit,
                             max_evidence)
    if source is None:
        targets = []
    elif isinstance(source, (str, bytes, os.PathLike)):
        targets = [os.fsdecode(source)]
    else:
        targets = [os.fsdecode(s) for s in source]
    if not targets and not plog:
        raise AscendfixError("nothing to explain: give a log file, a folder, '-' for stdin, or --plog")
    sources = resolve(targets, plog=plog, max_files=max_files)
    results = []
    for src in sources:
        if src.path is None:
            stream = stdin if stdin is not None else sys.stdin.buffer
            try:
                matcher = engine.scan_stream(stream, use_grep=use_grep, max_evidence=per_log)
            except OSError as e:  # (a read that fails half-way, as in _scan_path)
                raise AscendfixError("stdin: cannot read: {}".format(e.strerror or e))
        else:
            matcher = _scan_path(src, use_grep, per_log)
        results.append(SourceResult(src, matcher, limit))
    return ExplainReport(results, limit, max_evidence)
