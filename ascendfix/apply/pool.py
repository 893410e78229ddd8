"""Run the per-file pipeline over many files: in this process, or in a pool of forked workers.

One code path for both: the parent sets the run's state (root, rules, codemods, scan cache entries)
and hands out chunks of files, largest first; each chunk is read, triaged and processed by
:func:`work_chunk`, either here or in a worker that inherited the state when it was forked. Each file's
bytes are read once, where they are processed, and no phase waits for another.
"""

import gc
import hashlib
import multiprocessing
import os

from ascendfix.apply import pipeline

# Below these (files some rule targets, and their bytes) a pool costs more than it saves.
POOL_MIN_FILES = 4
POOL_MIN_BYTES = 200000
# A chunk holds about this many bytes (a big file alone) and at most this many files ...
CHUNK_BYTES = 1 << 20
CHUNK_FILES = 64
# ... and the chunks are small enough that every worker gets several.
CHUNKS_PER_JOB = 8
GC_EVERY = 25

# The run's state: set in the parent; forked workers inherit it (spawned ones get it from _init_worker).
_STATE = {}


def run_files(root, files, rules, mods, cache_old, verify, jobs, consume):
    """Triage and process ``files`` (relpaths under ``root``); ``consume(n_files, outcomes)`` per chunk.

    ``mods``: the codemods of ``rules``, in the same order. Each outcome is
    ``(relpath, scanned ids, candidate ids, findings, cache entry, FileResult or None, original bytes, digest)``
    (see :func:`work_chunk`).
    """
    sized = []
    for f in files:
        try:
            sized.append((os.path.getsize(os.path.join(str(root), f)), f))
        except OSError:
            sized.append((0, f))
    total = sum(n for n, _ in sized)
    jobs = max(1, int(jobs or 1))
    pooled = jobs > 1 and len(sized) >= POOL_MIN_FILES and total >= POOL_MIN_BYTES
    budget = min(CHUNK_BYTES, max(1, total // (jobs * CHUNKS_PER_JOB))) if pooled else CHUNK_BYTES
    chunks = _chunks_by_size(sized, budget)
    _STATE.clear()
    pairs = [(r.id, m) for r, m in zip(rules, mods)]
    _STATE.update(root=str(root), rules=list(rules), mods=list(mods), by_id=dict(pairs),
                  verify=pairs if verify else None, cache_old=cache_old or {}, n=0)
    try:
        if not pooled:
            _run_here(chunks, consume)
        else:
            _run_pooled(chunks, min(jobs, len(chunks)), consume)
    finally:
        _STATE.clear()


def _run_here(chunks, consume):
    was_enabled = gc.isenabled()
    gc.disable()  # see _init_worker
    try:
        for chunk in chunks:
            consume(*work_chunk(chunk))
    finally:
        if was_enabled:
            gc.enable()


def _run_pooled(chunks, jobs, consume):
    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:  # pragma: no cover - platforms without fork
        ctx = multiprocessing.get_context()
    pool = ctx.Pool(jobs, initializer=_init_worker, initargs=(dict(_STATE),))
    try:
        for n_files, outcomes in pool.imap_unordered(work_chunk, chunks):
            consume(n_files, outcomes)
    finally:
        pool.terminate()
        pool.join()


def _init_worker(state):
    # libcst trees are millions of short-lived objects freed by refcount; the cyclic GC only slows
    # them down (about 20 % of parse time here). Collect now and then instead.
    gc.disable()
    if not _STATE:  # a spawned worker: nothing inherited
        _STATE.update(state)


def _chunks_by_size(sized, budget):
    """Files largest first, in chunks of about ``budget`` bytes (a big file alone)."""
    sized = sorted(sized, key=lambda t: (-t[0], t[1]))
    chunks, cur, size = [], [], 0
    for n, f in sized:
        cur.append(f)
        size += n
        if size >= budget or len(cur) >= CHUNK_FILES:
            chunks.append(cur)
            cur, size = [], 0
    if cur:
        chunks.append(cur)
    return chunks


def work_chunk(relpaths):
    """Triage and process a chunk of files: ``(len(relpaths), outcomes)``.

    An outcome is ``(relpath, scanned, ids, findings, entry, res, original, digest)``: the rules
    whose targets match, those whose prefilter passed, findings of the triage, the scan cache entry
    that already covers this content (``res`` is then None), the :class:`pipeline.FileResult`, the
    original bytes when the file changed, else their sha1 (for the scan cache).
    """
    st = _STATE
    rules, mods, by_id = st["rules"], st["mods"], st["by_id"]
    out = []
    for relpath in relpaths:
        t = pipeline.triage(st["root"], relpath, rules, mods, st["cache_old"])
        if t is None:
            continue
        relpath, scanned, ids, findings, data, entry = t
        res = original = digest = None
        if data is not None:
            try:
                res = pipeline.process_source([(rid, by_id[rid]) for rid in ids], data, relpath, verify=st["verify"])
            finally:
                st["n"] += 1
                if st["n"] % GC_EVERY == 0:
                    gc.collect()
            if res.new is not None:
                original = data
            else:
                digest = hashlib.sha1(data).hexdigest()
        out.append((relpath, scanned, ids, findings, entry, res, original, digest))
    return len(relpaths), out
