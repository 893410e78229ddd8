"""Run a per-file job over many files: in this process, or in a pool of forked workers.

One code path for both: the parent sets the run's state (root, rules, codemods, scan cache entries)
and hands out chunks of files, largest first; each chunk goes to a chunk function
(``work(state, relpaths) -> (n_files, outcomes)``), called either here or in a worker that
inherited the state when it was forked. Each file's bytes are read once, where they are used.

Ctrl-C: workers ignore SIGINT (they are forked with it blocked, so not even a signal sent to the
whole process group in the first instant reaches Python code there); the parent gets the
KeyboardInterrupt, kills and reaps the workers, and re-raises it.
The jobs: :func:`ascendfix.apply.pipeline.process_chunk` (triage and process) and
:func:`ascendfix.apply.index.index_chunk` (the tree-level index pass).
"""

import gc
import importlib
import os
import pickle
import signal
from multiprocessing import connection

# Below these (files some rule targets, and their bytes) a pool costs more than it saves.
POOL_MIN_FILES = 4
POOL_MIN_BYTES = 200000
# A chunk holds about this many bytes (a big file alone) and at most this many files ...
CHUNK_BYTES = 1 << 20
CHUNK_FILES = 64
# ... and the chunks are small enough that every worker gets several.
CHUNKS_PER_JOB = 8

# The run's state: set in the parent; forked workers inherit it.
_STATE = {}


def run_chunks(root, files, state, work, jobs, consume):
    """``consume(*work(state, chunk))`` for chunks of ``files`` (relpaths under ``root``), largest first.

    ``state`` (a dict) is what ``work`` may use besides the chunk; ``state["root"]`` is set to ``root``;
    ``state["preload"]``, if given, names modules the workers will need: imported once before forking them.
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
    """Chunks over ``jobs`` forked workers, one chunk at a time each, largest first.

    Our own few lines instead of ``multiprocessing.Pool``: its shutdown (``terminate``) takes locks
    that a Ctrl-C can leave held (in the parent's threads, or in a worker blocked on the task queue),
    and then hangs; a worker that dies takes its chunk with it and ``imap`` waits forever. Here a
    worker is a forked process with two pipes and no lock anywhere: a task is a chunk's index (the
    chunks and the state are inherited at fork), a result a pickle. Any way out of this function
    other than the end of the work kills the workers (SIGKILL: they only compute, they hold nothing
    of the user's) and reaps them; a worker that dies is an error, never a wait.
    """
    if not hasattr(os, "fork"):  # pragma: no cover - not POSIX
        return _run_here(chunks, work, consume)
    for name in _STATE.get("preload") or ():
        importlib.import_module(name)
    workers = []
    try:
        blocked = _block_sigint()  # a worker must not see Ctrl-C before it ignores it
        try:
            for _ in range(jobs):
                _Worker(chunks, work, workers)  # joins ``workers`` right after the fork
        finally:
            _unblock_sigint(blocked)  # a Ctrl-C that came meanwhile is raised here, the workers are known
        todo = iter(range(len(chunks)))
        busy = {}
        for w in workers:
            if w.give(next(todo, None)):
                busy[w.results] = w
            else:
                w.stop()
        while busy:
            for conn in connection.wait(list(busy)):
                w = busy[conn]
                n_files, outcomes = w.take()
                if not w.give(next(todo, None)):
                    del busy[conn]
                    w.stop()
                consume(n_files, outcomes)
        for w in workers:
            w.reap()
    finally:
        # not the end of the work (Ctrl-C, an error, a dead worker): kill and reap them all, whatever lands meanwhile
        if _kill_all(workers):
            raise KeyboardInterrupt()


def _kill_all(workers):
    """Kill and reap every worker (no-op for those reaped already); did a Ctrl-C land meanwhile?

    Not done by blocking SIGINT: when any other thread runs (a progress bar's refresh thread), the
    signal reaches Python through that thread and is raised here all the same.
    """
    late = False
    for w in workers:
        while True:
            try:
                w.kill()  # idempotent: a retry after an interruption finishes the job
                break
            except KeyboardInterrupt:
                late = True
    return late


class _Worker(object):
    """One forked worker: ``give(i)`` sends chunk ``i``, ``take()`` returns its ``work`` result."""

    def __init__(self, chunks, work, siblings):
        task_r, self.tasks = connection.Pipe(duplex=False)
        self.results, result_w = connection.Pipe(duplex=False)
        self.pid = os.fork()
        if self.pid:
            siblings.append(self)
        else:  # the worker
            code = 1
            try:
                for c in [self.tasks, self.results] + [c for w in siblings for c in (w.tasks, w.results)]:
                    c.close()  # a sibling's task pipe must see its end of file when the parent closes it
                _init_worker()
                _serve(task_r, result_w, chunks, work)
                code = 0
            finally:
                os._exit(code)
        task_r.close()
        result_w.close()

    def give(self, i):
        if i is None:
            return False
        try:
            self.tasks.send_bytes(pickle.dumps(i))
        except OSError:  # a broken pipe: it is gone
            self._died()
        return True

    def take(self):
        try:
            status, payload = pickle.loads(self.results.recv_bytes())
        except (EOFError, OSError):
            self._died()
        if status == "error":
            raise payload
        return payload

    def _died(self):
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        how = ("was killed by signal {}".format(os.WTERMSIG(status)) if os.WIFSIGNALED(status)
               else "exited with code {}".format(os.WEXITSTATUS(status)))
        raise RuntimeError("a worker process {} (out of memory? try --jobs 1)".format(how))

    def stop(self):
        self.tasks.close()  # end of file: the worker exits

    def reap(self):
        if self.pid:
            os.waitpid(self.pid, 0)
            self.pid = 0

    def kill(self):
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                os.waitpid(self.pid, 0)
            except OSError:
                pass
            self.pid = 0
        for c in (self.tasks, self.results):
            c.close()


def _serve(tasks, results, chunks, work):
    while True:
        try:
            i = pickle.loads(tasks.recv_bytes())
        except EOFError:
            return
        try:
            reply = ("ok", work(_STATE, chunks[i]))
            data = pickle.dumps(reply, pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # the parent raises it (a chunk function catches per-file crashes itself)
            try:
                data = pickle.dumps(("error", exc), pickle.HIGHEST_PROTOCOL)
            except Exception:
                data = pickle.dumps(("error", RuntimeError("{}: {}".format(type(exc).__name__, exc))))
        results.send_bytes(data)


def _block_sigint():
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _unblock_sigint(previous):
    if previous is not None and signal.SIGINT not in previous:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _init_worker():
    # Ctrl-C is the parent's to handle: a worker never prints a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _unblock_sigint(set())
    # libcst trees are millions of short-lived objects freed by refcount; the cyclic GC only slows
    # them down (about 20 % of parse time here). Collect now and then instead (count_and_collect).
    gc.disable()


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
