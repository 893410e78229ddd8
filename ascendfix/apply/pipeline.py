"""One Python file through the rules: read → bytes repairs → prefilter → ast scan → transforms → re-parse.

::

    bytes --BytesCodemods (prefilter_bytes, scan_bytes, transform_bytes)--> repaired bytes
          --decode--> text --prefilter(text)--> any rule interested?     (cheap, text only)
          --ast.parse--> scan(tree, text, relpath) -> Plan | None       (stdlib ast: decide + report)
          --transform(src, plan)-->                                     (only plans with rewrite=True)
          --all edits applied at once--> new text --encode, ast.parse-->  new bytes (or the file is left)

The rules' edits are recorded on one :class:`ascendfix.apply.source.SourceEdit` (libcst sees only the
statements and the import header they rewrite). When two rules' edits overlap, the rules run one
after the other instead. A codemod that crashes costs a "skip" finding for that file, never the run.
Files no rule is interested in are never parsed.
"""

import ast
import hashlib
import os
from pathlib import Path

from ascendfix.apply.base import BytesCodemod, Context, Finding
from ascendfix.apply.files import decode_source, source_encoding


def triage(root, relpath, rules, mods, cache_old):
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
    repairs = [(r.id, m) for r, m in wanted if isinstance(m, BytesCodemod) and m.prefilter_bytes(data)]
    source = repair_bytes(repairs, data, relpath)[0] if repairs else data
    try:
        text = decode_source(source)
    except (UnicodeDecodeError, SyntaxError, LookupError) as e:
        return relpath, scanned, [rid for rid, _ in repairs], [
            Finding(r.id, relpath, None, "skip", "cannot decode: {}".format(e), {"reason": "encoding"}) for r, m in wanted
            if not isinstance(m, BytesCodemod)
        ], (data if repairs else None), None
    ids = [rid for rid, _ in repairs] + [r.id for r, m in wanted if m.prefilter(text)]
    if not ids:
        return relpath, scanned, [], [], None, None
    entry = cache_old.get(relpath)
    if entry is not None and entry.get("sha1") == hashlib.sha1(data).hexdigest():
        return relpath, scanned, ids, [], None, entry
    return relpath, scanned, ids, [], data, None


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


def repair_bytes(mods, data, relpath):
    """The bytes stage: ``(data as the BytesCodemods of mods leave it, their findings, ids of those that changed it)``."""
    found, changed = [], []
    for rid, m in mods:
        if not isinstance(m, BytesCodemod) or not m.prefilter_bytes(data):
            continue
        try:
            plan = m.scan_bytes(data, relpath)
            if plan is None:
                continue
            found.extend(plan.findings)
            if not plan.rewrite:
                continue
            new, out = m.transform_bytes(data, plan)
        except Exception as e:  # a codemod bug must not take the whole run down
            raise_if_interrupt(e)
            found.append(_crash(rid, relpath, "transform", e))
            continue
        found.extend(out)
        if new != data:
            data = new
            changed.append(rid)
    return data, found, changed


def process_source(mods, data, relpath, text=None, verify=None):
    """Run ``mods`` [(rule_id, PythonCodemod)] over the bytes ``data`` of one file.

    BytesCodemods run first, on the raw bytes; the other rules see what they leave (and the result
    holds their change even when nothing else changes). ``verify`` (all the run's codemods): scan the
    rewritten bytes again; when no rule wants another rewrite (the rules are idempotent on this file),
    ``post_findings`` holds what a rerun would report, so the scan cache can remember the new file as done.
    """
    if not any(isinstance(m, BytesCodemod) for _, m in mods):
        return _process(mods, data, relpath, text, verify)
    repaired, found, changed = repair_bytes(mods, data, relpath)
    rest = [(rid, m) for rid, m in mods if not isinstance(m, BytesCodemod)]
    res = _process(rest, repaired, relpath, text if repaired is data else None, verify)
    res.findings[:0] = found
    if changed:
        if res.new is None:
            res.new = repaired
            res.status = "changed"
            res.changed_rules = list(changed)
        else:
            res.changed_rules = list(changed) + res.changed_rules
    return res


def _process(mods, data, relpath, text=None, verify=None):
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
            raise_if_interrupt(e)
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
        raise_if_interrupt(e)
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
        except Exception as e:
            raise_if_interrupt(e)
            return None
        if plan is None:
            continue
        if plan.rewrite:
            return None
        out.extend(plan.findings)
    return out


def raise_if_interrupt(exc):
    """Re-raise a Ctrl-C that Python wrapped (a KeyboardInterrupt during a class body's ``__set_name__``
    becomes a RuntimeError): it is the user's, not a codemod bug."""
    seen = exc
    for _ in range(10):
        seen = seen.__cause__ or seen.__context__
        if seen is None:
            return
        if isinstance(seen, KeyboardInterrupt):
            raise KeyboardInterrupt() from exc


def _crash(rid, relpath, phase, exc):
    msg = "rule crashed in {} ({}: {}); file left unchanged by this rule, please report it".format(
        phase, type(exc).__name__, exc
    )
    return Finding(rid, relpath, None, "skip", msg, {"reason": "crash"})


# One text (rule examples, tests)


def apply_to_text(rule_id, text, relpath="example.py", options=None, context=None, files=None):
    """Run one rule over one text: ``(new_text or None when unchanged, findings)``.

    Python rules go through the same prefilter → ast → libcst path as a tree run; file rules
    through ``transform_text`` (their preflight is not run here). ``files`` ({relpath: text}) are
    the other files of the tree a rule with a tree-level index sees (the text itself is indexed too).
    """
    from ascendfix.apply import index
    from ascendfix.apply.rules import load_rules

    rules = load_rules([rule_id])
    rule = rules[0]
    context = context or Context(root=Path("."))
    mod = rule.make(context, options)
    if rule.kind == "file":
        new, found = mod.transform_text(text, relpath)
        return (None if new is None or new == text else new), found
    if index.uses_index(mod):
        parts = {}
        for path, body in sorted(dict(files or {}, **{relpath: text}).items()):
            if rule.wants(path) or path == relpath:
                part = index.index_text(mod, rule.id, body, path)
                if part is not None:
                    parts[path] = part
        mod.index = mod.index_merge(parts)
    data = text.encode("utf-8")
    res = process_source([(rule.id, mod)], data, relpath, text=text)
    if res.new is None:
        return None, res.findings
    return res.new.decode("utf-8"), res.findings


# Many files (pool.run_chunks)


def process_chunk(state, relpaths):
    """Triage and process a chunk of files: ``(len(relpaths), outcomes)``.

    ``state``: root, rules, mods (the rules' codemods, same order), by_id {rule id: codemod},
    verify (``[(rule id, codemod)]`` of the run, or None), cache_old (scan cache entries).
    An outcome is ``(relpath, scanned, ids, findings, entry, res, original, digest)``: the rules
    whose targets match, those whose prefilter passed, findings of the triage, the scan cache entry
    that already covers this content (``res`` is then None), the :class:`FileResult`, the original
    bytes when the file changed, else their sha1 (for the scan cache).
    """
    from ascendfix.apply.pool import count_and_collect

    rules, mods, by_id = state["rules"], state["mods"], state["by_id"]
    out = []
    for relpath in relpaths:
        t = triage(state["root"], relpath, rules, mods, state["cache_old"])
        if t is None:
            continue
        relpath, scanned, ids, findings, data, entry = t
        res = original = digest = None
        if data is not None:
            try:
                res = process_source([(rid, by_id[rid]) for rid in ids], data, relpath, verify=state["verify"])
            finally:
                count_and_collect(state)
            if res.new is not None:
                original = data
            else:
                digest = hashlib.sha1(data).hexdigest()
        out.append((relpath, scanned, ids, findings, entry, res, original, digest))
    return len(relpaths), out
