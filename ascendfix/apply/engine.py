"""The apply engine: load patch rules, run them over a tree (or one text), report, write.

Rules: ``ascendfix/codemods/<rule_id>/rule.yaml`` (one folder per codemod, see ascendfix.codemods), plus
any extra ``rules/patches/*.yaml`` (one mapping or a list per file)::

    id: masked-fill-dtype                 # what --rule selects
    title: one line
    why: the reason, with links
    kind: python | file                   # PythonCodemod over .py files, FileCodemod over named files
    codemod: MaskedFillDtype              # in a codemod folder; elsewhere module:Class
    targets: {include: ["**/*.py"], exclude: ["tests/**"]}   # optional, '/'-separated globs
    options: {...}                        # optional, passed to the codemod (overlaid by an example's options)
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

Python rules run as: prefilter(text) → stdlib ``ast`` scan → the transforms of the rules whose scan
asked for a rewrite record edits on one :class:`ascendfix.apply.source.SourceEdit` (libcst sees only the
statements and the import header they rewrite) → all edits applied at once → re-parse → (parent)
journal + atomic write. Reading, prefiltering and processing run in a process pool (largest files
first). Files no rule is interested in are never parsed.
"""

import ast
import difflib
import gc
import hashlib
import importlib
import multiprocessing
import os
from pathlib import Path

from ascendfix.apply.base import Context, FileCodemod, Finding, PythonCodemod
from ascendfix.apply.files import decode_source, matches, source_encoding, walk
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


# --------------------------------------------------------------------------------------------
# One Python file through a set of codemods (used by the pool workers and by apply_to_text)


class FileResult:
    __slots__ = ("relpath", "new", "findings", "status", "changed_rules", "error", "post_findings")

    def __init__(self, relpath):
        self.relpath = relpath
        self.new = None  # new bytes, or None when unchanged
        self.findings = []
        self.status = "unchanged"  # unchanged | changed | unparsed | undecodable | broken
        self.changed_rules = []
        self.error = None
        self.post_findings = None  # rescan of the new bytes: findings, when no rule wants another rewrite


def process_source(mods, data, relpath, text=None, verify=None):
    """Run ``mods`` [(rule_id, PythonCodemod)] over the bytes ``data`` of one file.

    ``verify`` (all the run's codemods): scan the rewritten bytes again; when no rule wants another
    rewrite (the rules are idempotent on this file), ``post_findings`` holds what a rerun would
    report, so the scan cache can remember the new file as done.
    """
    res = FileResult(relpath)
    if text is None:
        try:
            text = decode_source(data)
        except (UnicodeDecodeError, SyntaxError, LookupError) as e:
            res.status = "undecodable"
            res.error = "cannot decode: {}".format(e)
            res.findings = [Finding(rid, relpath, None, "skip", res.error) for rid, _ in mods]
            return res
    interested = [(rid, m) for rid, m in mods if m.prefilter(text)]
    if not interested:
        return res
    try:
        tree = ast.parse(data, filename=relpath)
    except (SyntaxError, ValueError) as e:
        res.status = "unparsed"
        line = getattr(e, "lineno", None)
        res.error = "does not parse: {}".format(getattr(e, "msg", None) or e)
        res.findings = [Finding(rid, relpath, line, "skip", res.error, {"reason": "syntax"}) for rid, _ in interested]
        return res
    rewrite = []
    for rid, m in interested:
        try:
            plan = m.scan(tree, text, relpath)
        except Exception as e:  # a codemod bug must not take the whole run down
            res.findings.append(_crash(rid, relpath, "scan", e))
            continue
        if plan is None:
            continue
        res.findings.extend(plan.findings)
        if plan.rewrite:
            rewrite.append((rid, m, plan))
    if not rewrite:
        return res
    try:
        new_text, changed = _transform(rewrite, text, tree, relpath, res)
    except _Unparsable as e:
        res.status = "unparsed"
        res.error = "libcst cannot parse: {}".format(e)
        res.findings.extend(Finding(rid, relpath, None, "skip", res.error, {"reason": "syntax"}) for rid, _, _ in rewrite)
        return res
    res.changed_rules = changed
    if new_text == text:
        res.changed_rules = []
        res.findings = [f for f in res.findings if f.kind != "change"]
        return res
    try:
        new = new_text.encode(source_encoding(data))
    except (UnicodeEncodeError, LookupError, SyntaxError) as e:
        new, error = None, "rewrite cannot be encoded like the original ({}); file left unchanged".format(e)
    if new is not None:
        try:
            new_tree = ast.parse(new, filename=relpath)
        except (SyntaxError, ValueError) as e:
            error = "rewrite would not parse ({}); file left unchanged".format(getattr(e, "msg", None) or e)
            new = None
    if new is None:
        res.status = "broken"
        res.error = error
        res.findings = [f for f in res.findings if f.kind != "change"]
        res.findings.extend(Finding(rid, relpath, None, "skip", res.error, {"reason": "reparse"}) for rid in res.changed_rules)
        res.changed_rules = []
        return res
    res.new = new
    res.status = "changed"
    if verify:
        res.post_findings = _rescan(verify, new, new_tree, relpath)
    return res


class _Unparsable(Exception):
    """libcst cannot parse a part of the file Python's ast could (grammar differences)."""


def _transform(rewrite, text, tree, relpath, res):
    """Run the transforms of ``rewrite`` over one file: (new text, ids of the rules that changed it).

    All rules' edits are collected against the text their scans saw and applied at once; when two
    rules' edits overlap, the rules run one after the other instead (each rescanning the text the
    previous one left).
    """
    from ascendfix.apply.source import EditConflict, SourceEdit

    found = []
    src = SourceEdit(text, tree)
    for rid, m, plan in rewrite:
        src.owner = rid
        out, problem = _guarded(rid, relpath, lambda: m.transform(src, plan))
        if problem is not None:
            src.drop(rid)
            found.append(problem)
        else:
            found.extend(out)
    try:
        new_text, problem = _guarded(None, relpath, src.result)
    except EditConflict:
        return _one_after_the_other(rewrite, text, tree, relpath, res)
    if problem is not None:  # the file's edits cannot be made: leave the file, say so for the rules
        rids = [rid for rid, _, _ in rewrite] if problem.data.get("reason") == "roundtrip" else sorted(src.owners())
        res.findings.extend(_guarded_finding(problem, rid) for rid in rids)
        return text, []
    owners = src.owners()
    res.findings.extend(found)
    return new_text, [rid for rid, _, _ in rewrite if rid in owners and any(
        f.rule == rid and f.kind == "change" for f in found)]


def _one_after_the_other(rewrite, text, tree, relpath, res):
    from ascendfix.apply.source import SourceEdit

    changed = []
    found = []
    for n, (rid, m, plan) in enumerate(rewrite):
        if n:
            try:
                tree = ast.parse(text, filename=relpath)
            except SyntaxError as e:
                found.append(_crash(rid, relpath, "transform", e))
                break
            plan = m.scan(tree, text, relpath)
            if plan is None or not plan.rewrite:
                continue
        src = SourceEdit(text, tree)
        src.owner = rid

        def run():
            return m.transform(src, plan), src.result()

        done, problem = _guarded(rid, relpath, run)
        if problem is not None:
            found.append(problem)
            continue
        out, new_text = done
        found.extend(out)
        if new_text != text and any(f.kind == "change" for f in out):
            changed.append(rid)
        text = new_text
    res.findings.extend(found)
    return text, changed


def _guarded(rid, relpath, fn):
    """``(fn(), None)``, or ``(None, skip finding)`` when a rule's transform or its edits fail.

    libcst failing to parse what Python's ast parsed raises :class:`_Unparsable` (the whole file is
    skipped); edits that overlap across rules raise ``EditConflict`` (the caller retries).
    """
    import libcst

    from ascendfix.apply.source import EditConflict, RoundTripError

    try:
        return fn(), None
    except libcst.ParserSyntaxError as e:
        raise _Unparsable(_first_line(e))
    except EditConflict:
        raise
    except RoundTripError as e:
        return None, _roundtrip(rid, relpath, e)
    except Exception as e:  # a codemod bug must not take the whole run down
        return None, _crash(rid, relpath, "transform", e)


def _guarded_finding(problem, rid):
    """The same skip finding, for rule ``rid``."""
    return Finding(rid, problem.path, problem.line, problem.kind, problem.message, dict(problem.data))


def _roundtrip(rid, relpath, exc):
    return Finding(rid, relpath, None, "skip", "{}; file left unchanged by this rule".format(exc), {"reason": "roundtrip"})


def _first_line(exc):
    msg = str(exc).strip()
    return msg.splitlines()[0] if msg else type(exc).__name__


def _rescan(mods, data, tree, relpath):
    try:
        text = decode_source(data)
    except (UnicodeDecodeError, SyntaxError, LookupError):
        return None
    out = []
    for rid, m in mods:
        if not m.prefilter(text):
            continue
        try:
            plan = m.scan(tree, text, relpath)
        except Exception:
            return None
        if plan is None:
            continue
        if plan.rewrite:
            return None
        out.extend(plan.findings)
    return out


def _crash(rid, relpath, phase, exc):
    msg = "rule crashed in {} ({}: {}); file left unchanged by this rule, please report it".format(
        phase, type(exc).__name__, exc
    )
    return Finding(rid, relpath, None, "skip", msg, {"reason": "crash"})


# Pool workers: codemods are built once per process.
_WORKER = {}


def _init_worker(rule_specs, context, cache_old=None, verify=True):
    # libcst trees are millions of short-lived objects freed by refcount; the cyclic GC only slows
    # them down (about 20 % of parse time here). Collect now and then instead.
    gc.disable()
    rules = {r.id: r for r in load_rules([rid for rid, _ in rule_specs])}
    _WORKER["rules"] = [rules[rid] for rid, _ in rule_specs]
    _WORKER["mods"] = {rid: rules[rid].make(context, opts) for rid, opts in rule_specs}
    _WORKER["cache_old"] = cache_old or {}
    _WORKER["verify"] = verify


def _triage(root, relpath, rules, mods, cache_old):
    """Read one file and decide who wants it: (relpath, scanned ids, candidate ids, findings, data, cache entry).

    ``data`` is None when no rule is a candidate or the cache already knows this content
    (``cache entry`` is then that entry).
    """
    wanted = [(r, m) for r, m in zip(rules, mods) if r.wants(relpath)]
    if not wanted:
        return None
    scanned = [r.id for r, _ in wanted]
    try:
        with open(os.path.join(root, relpath), "rb") as fh:
            data = fh.read()
    except OSError as e:
        return relpath, scanned, [], [Finding(r.id, relpath, None, "skip", "cannot read: {}".format(e)) for r, _ in wanted], None, None
    try:
        text = decode_source(data)
    except (UnicodeDecodeError, SyntaxError, LookupError) as e:
        return relpath, scanned, [], [
            Finding(r.id, relpath, None, "skip", "cannot decode: {}".format(e), {"reason": "encoding"}) for r, _ in wanted
        ], None, None
    ids = [r.id for r, m in wanted if m.prefilter(text)]
    if not ids:
        return relpath, scanned, [], [], None, None
    entry = cache_old.get(relpath)
    if entry is not None and entry.get("sha1") == hashlib.sha1(data).hexdigest():
        return relpath, scanned, ids, [], None, entry
    return relpath, scanned, ids, [], data, None


def _work(task):
    relpath, data, rule_ids = task
    mods = [(rid, _WORKER["mods"][rid]) for rid in rule_ids]
    try:
        verify = list(_WORKER["mods"].items()) if _WORKER["verify"] else None
        return process_source(mods, data, relpath, verify=verify)
    finally:
        _WORKER["n"] = _WORKER.get("n", 0) + 1
        if _WORKER["n"] % 25 == 0:
            gc.collect()


# --------------------------------------------------------------------------------------------
# A whole tree


class RuleStats:
    def __init__(self, rule):
        self.rule = rule
        self.scanned = 0  # files the rule's targets matched
        self.candidates = 0  # files that passed its text prefilter
        self.changed_files = 0
        self.changes = 0
        self.skipped = 0
        self.reported = 0
        self.blocked = False
        self.note = None

    def to_dict(self):
        return {
            "id": self.rule.id,
            "title": self.rule.title,
            "kind": self.rule.kind,
            "scanned": self.scanned,
            "candidates": self.candidates,
            "changed_files": self.changed_files,
            "changes": self.changes,
            "skipped": self.skipped,
            "reported": self.reported,
            "blocked": self.blocked,
        }


class Report:
    def __init__(self, root, rules, mode):
        self.root = root
        self.mode = mode
        self.stats = {r.id: RuleStats(r) for r in rules}
        self.order = [r.id for r in rules]
        self.findings = []
        self.changes = {}  # relpath -> (old bytes, new bytes)
        self.files_seen = 0
        self.written = False

    def add_findings(self, findings):
        for f in findings:
            self.findings.append(f)
            st = self.stats.get(f.rule)
            if st is None:
                continue
            if f.kind == "change":
                st.changes += 1
            elif f.kind == "skip":
                st.skipped += 1
            elif f.kind == "report":
                st.reported += 1

    def triaged(self, scanned, ids, findings):
        """Count one file read by the run: the rules that target it, those whose prefilter passed."""
        self.files_seen += 1
        for rid in scanned:
            self.stats[rid].scanned += 1
        for rid in ids:
            self.stats[rid].candidates += 1
        self.add_findings(findings)

    def processed(self, res, original, cache, digest=None):
        """Record one processed file (a :class:`FileResult`) and what the scan cache learns from it."""
        self.add_findings(res.findings)
        if res.new is not None:
            self.changes[res.relpath] = (original, res.new)
            for rid in res.changed_rules:
                self.stats[rid].changed_files += 1
            if res.post_findings is not None:
                cache.store(res.relpath, res.new, res.post_findings)
        elif res.status != "broken":
            cache.store_digest(res.relpath, digest or hashlib.sha1(original).hexdigest(), res.findings)

    @property
    def pending(self):
        return bool(self.changes)

    @property
    def blocked(self):
        return [s.rule.id for s in self.stats.values() if s.blocked]

    @property
    def open_findings(self):
        return [f for f in self.findings if f.kind in ("skip", "report")]

    def diff(self, relpath):
        old, new = self.changes[relpath]
        enc = _encoding_for(relpath, old)
        a = old.decode(enc, errors="replace").splitlines(True)
        b = new.decode(enc, errors="replace").splitlines(True)
        lines = difflib.unified_diff(a, b, "a/" + relpath, "b/" + relpath)
        out = []
        for ln in lines:
            out.append(ln if ln.endswith("\n") else ln + "\n\\ No newline at end of file\n")
        return "".join(out)


def _encoding_for(relpath, data):
    if relpath.endswith(".py"):
        try:
            return source_encoding(data)
        except SyntaxError:
            return "latin-1"
    return "utf-8-sig" if data[:3] == b"\xef\xbb\xbf" else "utf-8"


def run_tree(root, rules, context, mode="apply", jobs=None, on_progress=None):
    """Run ``rules`` over the tree at ``root``; in mode "apply" write changes (journal first).

    mode: "apply" (write), "check" or "diff" (compute only). Returns a :class:`Report`.
    ``on_progress(total)`` may return a callable ``advance(n)`` (or be None).
    """
    root = Path(root)
    report = Report(root, rules, mode)
    py_rules = [r for r in rules if r.kind == "python"]
    file_rules = [r for r in rules if r.kind == "file"]

    if py_rules:
        # the rescan of rewritten files only feeds the scan cache, which only a writing apply saves
        _run_python_rules(root, py_rules, context, report, jobs, on_progress, verify=mode == "apply")
    for rule in file_rules:
        _run_file_rule(root, rule, context, report)

    if mode == "apply" and report.changes:
        from ascendfix.apply import journal

        journal.record(root, report.changes, [r.id for r in rules])
        from ascendfix.fsutil import atomic_write

        for relpath in sorted(report.changes):
            atomic_write(root / relpath, report.changes[relpath][1])
        report.written = True
    cache = getattr(report, "cache", None)
    if mode == "apply" and cache is not None and (root / ".ascendfix" / "journal.json").is_file():
        cache.save()  # only next to a journal: a tree apply never changed gets no .ascendfix/
    return report


def _run_python_rules(root, rules, context, report, jobs, on_progress, verify=True):
    from ascendfix.apply.scancache import ScanCache

    mods = [(r.id, r.make(context)) for r in rules]
    cache = ScanCache(root, rules, context)
    report.cache = cache
    jobs = max(1, int(jobs or os.cpu_count() or 1))
    files = walk(root)
    if jobs > 1 and len(files) >= TRIAGE_POOL_MIN_FILES:
        # a big tree: each worker reads, prefilters and processes whole files (largest first),
        # so no file's bytes travel twice and no phase waits for another
        pool = _make_pool(jobs, rules, context, cache.old, verify)
        try:
            _run_pooled(root, files, pool, report, cache, on_progress, mods, verify)
        finally:
            pool.terminate()
            pool.join()
        return
    plain = [m for _, m in mods]
    tasks = []
    for f in files:
        t = _triage(str(root), f, rules, plain, cache.old)
        if t is None:
            continue
        relpath, scanned, ids, findings, data, entry = t
        report.triaged(scanned, ids, findings)
        if entry is not None:  # this exact content was already found to need nothing
            hit = cache.use(relpath, entry)
            if hit is not None:
                report.add_findings(hit)
                continue
            with open(str(root / relpath), "rb") as fh:  # unreadable cache entry: scan after all
                data = fh.read()
        if data is not None:
            tasks.append((relpath, data, ids))
    _process_tasks(rules, context, report, jobs, on_progress, mods, cache, tasks, verify)


TRIAGE_POOL_MIN_FILES = 300


def _chunks_by_size(root, files, budget=1 << 20, most=64):
    """Files largest first, in chunks of about ``budget`` bytes (a big file alone)."""
    sized = []
    for f in files:
        try:
            sized.append((os.path.getsize(os.path.join(root, f)), f))
        except OSError:
            sized.append((0, f))
    sized.sort(key=lambda t: (-t[0], t[1]))
    chunks, cur, size = [], [], 0
    for n, f in sized:
        cur.append(f)
        size += n
        if size >= budget or len(cur) >= most:
            chunks.append(cur)
            cur, size = [], 0
    if cur:
        chunks.append(cur)
    return chunks


def _work_files(args):
    """Pool worker: triage and process a chunk of files."""
    root, relpaths = args
    rules = _WORKER["rules"]
    mods = [_WORKER["mods"][r.id] for r in rules]
    out = []
    for relpath in relpaths:
        t = _triage(root, relpath, rules, mods, _WORKER["cache_old"])
        if t is None:
            continue
        relpath, scanned, ids, findings, data, entry = t
        res = original = digest = None
        if data is not None:
            res = _work((relpath, data, ids))
            if res.new is not None:
                original = data
            else:
                digest = hashlib.sha1(data).hexdigest()
        out.append((relpath, scanned, ids, findings, entry, res, original, digest))
    return len(relpaths), out


def _run_pooled(root, files, pool, report, cache, on_progress, mods, verify):
    advance = on_progress(len(files)) if on_progress else None
    late = []
    chunks = [(str(root), c) for c in _chunks_by_size(str(root), files)]
    for n_files, batch in pool.imap_unordered(_work_files, chunks):
        for relpath, scanned, ids, findings, entry, res, original, digest in batch:
            report.triaged(scanned, ids, findings)
            if entry is not None:
                hit = cache.use(relpath, entry)
                if hit is not None:
                    report.add_findings(hit)
                else:
                    late.append((relpath, ids))
            elif res is not None:
                report.processed(res, original, cache, digest)
        if advance:
            advance(n_files)
    for relpath, ids in late:  # a cache entry that could not be read back: process here after all
        with open(os.path.join(str(root), relpath), "rb") as fh:
            data = fh.read()
        report.processed(_process_here(mods, ids, data, relpath, verify), data, cache)


def _process_here(mods, ids, data, relpath, verify):
    """process_source in this process, for the rules ``ids`` of ``mods``."""
    by_id = dict(mods)
    return process_source([(rid, by_id[rid]) for rid in ids], data, relpath, verify=mods if verify else None)


def _make_pool(jobs, rules, context, cache_old, verify=True):
    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:  # pragma: no cover - platforms without fork
        ctx = multiprocessing.get_context()
    specs = [(r.id, None) for r in rules]
    return ctx.Pool(jobs, initializer=_init_worker, initargs=(specs, context, cache_old, verify))


def _process_tasks(rules, context, report, jobs, on_progress, mods, cache, tasks, verify=True):
    originals = {t[0]: t[1] for t in tasks}
    tasks.sort(key=lambda t: -len(t[1]))
    total_bytes = sum(len(t[1]) for t in tasks)
    advance = on_progress(len(tasks)) if on_progress else None

    def collect(res):
        report.processed(res, originals[res.relpath], cache)
        if advance:
            advance(1)

    if jobs == 1 or len(tasks) < 4 or total_bytes < 200000:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            for n, (relpath, data, ids) in enumerate(tasks):
                collect(_process_here(mods, ids, data, relpath, verify))
                if n % 25 == 24:
                    gc.collect()
        finally:
            if was_enabled:
                gc.enable()
        return
    pool = _make_pool(min(jobs, len(tasks)), rules, context, None, verify)
    try:
        for res in pool.imap_unordered(_work, tasks, chunksize=1):
            collect(res)
    finally:
        pool.terminate()
        pool.join()


def _run_file_rule(root, rule, context, report):
    mod = rule.make(context)
    st = report.stats[rule.id]
    pending = {}
    for relpath in mod.targets(root):
        if not rule.wants(relpath) and rule.include:
            continue
        path = root / relpath
        if not path.is_file() or path.is_symlink():
            continue
        st.scanned += 1
        st.candidates += 1
        data = path.read_bytes()
        bom = data[:3] == b"\xef\xbb\xbf"
        try:
            text = data[3 if bom else 0:].decode("utf-8")
        except UnicodeDecodeError as e:
            report.add_findings([Finding(rule.id, relpath, None, "skip", "not UTF-8: {}".format(e), {"reason": "encoding"})])
            continue
        new_text, found = mod.transform_text(text, relpath)
        report.add_findings(found)
        if new_text is not None and new_text != text:
            pending[relpath] = (data, (b"\xef\xbb\xbf" if bom else b"") + new_text.encode("utf-8"))
    if not pending:
        return
    pre = mod.preflight(root)
    blocking = [f for f in pre if f.kind == "skip"]
    if blocking and context.force:
        for f in blocking:
            f.kind = "report"
            f.message += " (relaxed anyway: --force)"
        blocking = []
    report.add_findings(pre)
    if blocking:
        st.blocked = True
        report.findings = [f for f in report.findings if not (f.rule == rule.id and f.kind == "change")]
        st.changes = 0
        return
    for relpath, change in pending.items():
        report.changes[relpath] = change
        st.changed_files += 1


# --------------------------------------------------------------------------------------------
# One text (rule examples, tests)


def apply_to_text(rule_id, text, relpath="example.py", options=None, context=None):
    """Run one rule over one text: ``(new_text or None when unchanged, findings)``.

    Python rules go through the same prefilter → ast → libcst path as a tree run; file rules
    through ``transform_text`` (their preflight is not run here).
    """
    rules = load_rules([rule_id])
    rule = rules[0]
    context = context or Context(root=Path("."))
    mod = rule.make(context, options)
    if rule.kind == "file":
        new, found = mod.transform_text(text, relpath)
        return (None if new is None or new == text else new), found
    data = text.encode("utf-8")
    res = process_source([(rule.id, mod)], data, relpath, text=text)
    if res.new is None:
        return None, res.findings
    return res.new.decode("utf-8"), res.findings
