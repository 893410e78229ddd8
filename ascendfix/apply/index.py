"""The tree-level index pass: what a rule must know about the whole tree before it decides on one file.

Some decisions need other files: is ``Base`` in ``class Config(Base)`` a project-local subclass of
pydantic's ``BaseModel`` defined elsewhere? Which modules import this one? A Python rule that needs
such context implements three optional hooks of :class:`ascendfix.apply.base.PythonCodemod`:

    index_prefilter(text) -> bool            cheap text test: is this file worth indexing?
    index_file(tree, text, relpath) -> part  this file's part (plain data), from its stdlib ast
    index_merge({relpath: part}) -> index    the tree-level index (plain data), in the parent

Before any file is scanned, the engine reads every file the rule targets (in the pool, like the
main pass), runs ``index_file`` where ``index_prefilter`` passes (one ``ast.parse`` per file for
all rules), merges the parts in the parent and sets ``codemod.index``; then the main pass runs,
and ``scan``/``transform`` read ``self.index``. Rules without ``index_file`` cost nothing here.

Parts and the index must be plain data (dict, list, tuple, set, str, int, float, bool, None): they
travel between processes and key the scan cache (a changed index rescans every file).
"""

import ast
import hashlib
import json
import os

from ascendfix.apply.base import Finding, PythonCodemod
from ascendfix.apply.files import decode_source
from ascendfix.apply.pipeline import raise_if_interrupt


def uses_index(mod):
    """Does this codemod build a tree-level index?"""
    return isinstance(mod, PythonCodemod) and type(mod).index_file is not PythonCodemod.index_file


def build(root, files, rules, mods, jobs):
    """Run the index pass for the codemods in ``mods`` that use one; set their ``.index``.

    Returns the findings of crashed hooks (kind "skip", reason "crash").
    """
    from ascendfix.apply import pool

    indexing = [(r, m) for r, m in zip(rules, mods) if uses_index(m)]
    if not indexing:
        return []
    wanted = [f for f in files if any(r.wants(f) for r, _ in indexing)]
    parts = {r.id: {} for r, _ in indexing}
    findings = []

    def consume(n_files, outcomes):
        for relpath, got, crashed in outcomes:
            for rid, part in got.items():
                parts[rid][relpath] = part
            findings.extend(crashed)

    state = {"indexing": [(r, m) for r, m in indexing]}
    pool.run_chunks(root, wanted, state, index_chunk, jobs, consume)
    for r, m in indexing:  # parts in path order, whatever order the workers finished in
        m.index = merge(m, r.id, dict(sorted(parts[r.id].items())), findings)
    return findings


def merge(mod, rid, parts, findings):
    try:
        return mod.index_merge(parts)
    except Exception as e:  # a codemod bug must not take the whole run down
        raise_if_interrupt(e)
        findings.append(Finding(rid, ".", None, "skip", "rule crashed while merging its tree index ({}: {}); "
                                "it runs without one, please report it".format(type(e).__name__, e), {"reason": "crash"}))
        return None


def index_text(mod, rid, text, relpath, tree=None):
    """One file's part for ``mod`` (None: not indexed), or raise what the hook raised."""
    if not mod.index_prefilter(text):
        return None
    if tree is None and mod.index_needs_tree:
        tree = ast.parse(text, filename=relpath)
    return mod.index_file(tree, text, relpath)


def index_chunk(state, relpaths):
    """Pool job: ``(len(relpaths), [(relpath, {rule id: part}, crash findings)])``."""
    out = []
    for relpath in relpaths:
        wanted = [(r, m) for r, m in state["indexing"] if r.wants(relpath)]
        if not wanted:
            continue
        try:
            with open(os.path.join(state["root"], relpath), "rb") as fh:
                data = fh.read()
            text = decode_source(data)
        except (OSError, UnicodeDecodeError, SyntaxError, LookupError):
            continue  # the main pass reports it
        interested = [(r, m) for r, m in wanted if m.index_prefilter(text)]
        if not interested:
            continue
        tree = None
        if any(m.index_needs_tree for _, m in interested):
            try:
                tree = ast.parse(data, filename=relpath)
            except (SyntaxError, ValueError):  # the main pass reports it; text-only indexes still see the file
                interested = [(r, m) for r, m in interested if not m.index_needs_tree]
        got, crashed = {}, []
        for r, m in interested:
            try:
                part = m.index_file(tree if m.index_needs_tree else None, text, relpath)
            except Exception as e:  # a codemod bug must not take the whole run down
                raise_if_interrupt(e)
                crashed.append(Finding(r.id, relpath, None, "skip", "rule crashed while indexing this file ({}: {}); "
                                       "the tree index lacks it, please report it".format(type(e).__name__, e),
                                       {"reason": "crash"}))
                continue
            if part is not None:
                got[r.id] = part
        out.append((relpath, got, crashed))
    return len(relpaths), out


def digest(mods):
    """A digest of the indexes of ``mods`` (None when no codemod uses one): part of the scan cache key."""
    docs = {getattr(m, "rule_id", str(n)): m.index for n, m in enumerate(mods) if uses_index(m)}
    if not docs:
        return None
    return hashlib.sha1(json.dumps(_canonical(docs)).encode("utf-8")).hexdigest()


def _canonical(obj):
    """Plain data in one order whatever the hash seed: dicts as sorted [key, value] pairs, sets sorted."""
    if isinstance(obj, dict):
        pairs = [[_canonical(k), _canonical(v)] for k, v in obj.items()]
        return {"dict": sorted(pairs, key=lambda kv: json.dumps(kv[0]))}
    if isinstance(obj, (set, frozenset)):
        return {"set": sorted((_canonical(v) for v in obj), key=json.dumps)}
    if isinstance(obj, (list, tuple)):
        return [_canonical(v) for v in obj]
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    return repr(obj)
