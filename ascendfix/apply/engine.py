"""The apply engine: run patch rules over a tree, report, write.

The jobs live in their own modules:

    rules.py      the YAML rules and their codemod classes (load_rules)
    pipeline.py   one Python file through the rules (prefilter → ast scan → transforms → re-parse)
    pool.py       a per-file job over many files, here or in forked workers (one code path)
    index.py      the tree-level index pass, for rules that need other files' facts (before the main pass)
    preflight.py  file rules (pins) and the checks that may block them before anything is written
    report.py     per-rule counts, findings, pending changes, exit code, the --json document
    writing.py    journal first, then atomic writes, then the scan cache
    scancache.py  file contents the rules already found nothing to do in

:func:`run_tree` strings them together. ``load_rules``, ``process_source`` and ``apply_to_text`` are
re-exported here for the callers that knew them from this module.
"""

import os
from pathlib import Path

from ascendfix.apply import index, pipeline, pool
from ascendfix.apply.files import walk
from ascendfix.apply.pipeline import apply_to_text, process_source  # noqa: F401 (re-exported)
from ascendfix.apply.preflight import not_needed, run_file_rule
from ascendfix.apply.report import Report
from ascendfix.apply.rules import Rule, load_rules  # noqa: F401 (re-exported)
from ascendfix.apply.writing import is_temp_debris, save_cache, write_changes


def run_tree(root, rules, context, mode="apply", jobs=None, on_progress=None, scope="", on_report=None):
    """Run ``rules`` over the tree at ``root``; in mode "apply" write changes (journal first).

    mode: "apply" (write), "check" or "diff" (compute only). Returns a :class:`Report`.
    ``on_progress(total)`` may return a callable ``advance(n)`` (or be None). ``scope``: the part of
    the tree (a relative folder) Python rules cover; file rules and the journal stay at ``root``.
    ``on_report(report)``: called with the report as soon as it exists (what a Ctrl-C handler reads).
    """
    root = Path(root)
    report = Report(root, rules, mode)
    report.scope = scope
    if on_report is not None:
        on_report(report)
    files = walk(root, scope, skipped=report.skipped_environments)
    debris = [f for f in files if is_temp_debris(f)]
    files = [f for f in files if not is_temp_debris(f)]
    for rule in rules:
        why = not_needed(rule, context)
        if why is not None:
            report.not_needed(rule.id, why)
    rules = [r for r in rules if not report.stats[r.id].not_needed]
    py_rules = [r for r in rules if r.kind == "python"]
    file_rules = [r for r in rules if r.kind == "file"]

    cache = None
    if py_rules:
        # the rescan of rewritten files only feeds the scan cache, which only a writing apply saves
        cache = _run_python_rules(root, files, py_rules, context, report, jobs, on_progress, verify=mode == "apply")
    for rule in file_rules:
        run_file_rule(root, rule, context, report)
    # one order whatever order the pool's workers finished in: by file, then line
    report.findings.sort(key=lambda f: (f.path, f.line or 0, f.rule, f.kind, f.message))

    if mode == "apply":
        write_changes(root, report, [r.id for r in rules], debris)
        save_cache(root, cache)
    return report


def _run_python_rules(root, files, rules, context, report, jobs, on_progress, verify=True):
    from ascendfix.apply.scancache import ScanCache

    mods = [r.make(context) for r in rules]
    files = [f for f in files if any(r.wants(f) for r in rules)]
    report.add_findings(index.build(root, files, rules, mods, jobs or os.cpu_count() or 1))
    cache = ScanCache(root, rules, context, index.digest(mods))
    advance = on_progress(len(files)) if on_progress else None
    late = []

    def consume(n_files, outcomes):
        for relpath, scanned, ids, findings, entry, res, original, digest in outcomes:
            report.triaged(scanned, ids, findings)
            if entry is not None:  # this exact content was already found to need nothing
                hit = cache.use(relpath, entry)
                if hit is not None:
                    report.add_findings(hit)
                else:
                    late.append((relpath, ids))
            elif res is not None:
                report.processed(res, original, cache, digest)
        if advance:
            advance(n_files)

    by_id = {r.id: m for r, m in zip(rules, mods)}
    state = {"rules": rules, "mods": mods, "by_id": by_id, "cache_old": cache.old,
             "verify": list(by_id.items()) if verify else None,
             "preload": ("libcst",)}  # a pool's workers may rewrite: import libcst once, before they fork
    pool.run_chunks(root, files, state, pipeline.process_chunk, jobs or os.cpu_count() or 1, consume)
    for relpath, ids in late:  # a cache entry that could not be read back: process here after all
        with open(os.path.join(str(root), relpath), "rb") as fh:
            data = fh.read()
        res = pipeline.process_source([(rid, by_id[rid]) for rid in ids], data, relpath,
                                      verify=list(by_id.items()) if verify else None)
        report.processed(res, data, cache)
    return cache
