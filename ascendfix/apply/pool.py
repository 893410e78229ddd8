"""Run a per-file job over many files: in this process, or in a pool of forked workers.

One code path for both: the parent sets the run's state (root, rules, codemods, scan cache entries)
and hands out chunks of files, largest first; each chunk goes to a chunk function
(``work(state, relpaths) -> (n_files, outcomes)``), called either here or in a worker that
inherited the state when it was forked. Each file's bytes are read once, where they are used.

Ctrl-C: workers ignore SIGINT (they are forked with it blocked, so not even a signal sent to the
whole process group in the first instant reaches Python code there); the parent gets the
KeyboardInterrupt, terminates the workers, and re-raises it.
The jobs: :func:`ascendfix.apply.pipeline.process_chunk` (triage and process) and
:func:`ascendfix.apply.index.index_chunk` (the tree-level index pass).
"""

import gc
import multiprocessing
import os
import signal

# Below these (files some rule targets, and their bytes) a pool costs more than it saves.
POOL_MIN_FILES = 4
POOL_MIN_BYTES = 200000
# A chunk holds about this many bytes (a big file alone) and at most this many files ...
CHUNK_BYTES = 1 << 20
CHUNK_FILES = 64
# ... and the chunks are small enough that every worker gets several.
CHUNKS_PER_JOB = 8

# The run's state: set in the parent; forked workers inherit it (spawned ones get it from _init_worker).
_STATE = {}


def run_chunks(root, files, state, work, jobs, consume):
    """``consume(*work(state, chunk))`` for chunks of ``files`` (relpaths under ``root``), largest first.

    ``state`` (a dict) is what ``work`` may use besides the chunk; ``state["root"]`` is set to ``root``.
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
    _STATE.update(state, root=str(root), n=0)
    try:
        if not pooled:
            _run_here(chunks, work, consume)
        else:
            _run_pooled(chunks, work, min(jobs, len(chunks)), consume)
    finally:
        _STATE.clear()


def _run_here(chunks, work, consume):
    was_enabled = gc.isenabled()
    gc.disable()  # see _init_worker
    try:
        for chunk in chunks:
            consume(*work(_STATE, chunk))
    finally:
        if was_enabled:
            gc.enable()


def _run_pooled(chunks, work, jobs, consume):
    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:  # pragma: no cover - platforms without fork
        ctx = multiprocessing.get_context()
    pool = None
    blocked = _block_sigint()  # the workers (and the pool's threads) start with SIGINT blocked
    try:
        try:
            pool = ctx.Pool(jobs, initializer=_init_worker, initargs=(dict(_STATE),))
        finally:
            _unblock_sigint(blocked)  # a Ctrl-C that came meanwhile is raised here, with the pool to clean up
        for n_files, outcomes in pool.imap_unordered(_call, [(work, c) for c in chunks]):
            consume(n_files, outcomes)
    finally:
        if pool is not None:
            previous = _ignore_sigint()  # a second Ctrl-C must not interrupt the cleanup
            try:
                pool.terminate()
                pool.join()
            finally:
                _restore_sigint(previous)


def _block_sigint():
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _unblock_sigint(previous):
    if previous is not None and signal.SIGINT not in previous:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _ignore_sigint():
    try:
        return signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        return None


def _restore_sigint(previous):
    if previous is not None:
        signal.signal(signal.SIGINT, previous)


def _call(task):
    work, chunk = task
    return work(_STATE, chunk)


def _init_worker(state):
    # Ctrl-C is the parent's to handle: a worker never prints a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _unblock_sigint(set())
    # libcst trees are millions of short-lived objects freed by refcount; the cyclic GC only slows
    # them down (about 20 % of parse time here). Collect now and then instead (count_and_collect).
    gc.disable()
    if not _STATE:  # a spawned worker: nothing inherited
        _STATE.update(state)


GC_EVERY = 25


def count_and_collect(state):
    """Count one processed file; collect garbage every GC_EVERY files (the cyclic GC is off in the job)."""
    state["n"] = state.get("n", 0) + 1
    if state["n"] % GC_EVERY == 0:
        gc.collect()


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
