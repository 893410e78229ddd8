"""The worker pool of `apply` (ascendfix/apply/pool.py): same results as in-process, and no way to hang.

A worker that dies, a chunk function that raises and a Ctrl-C in the parent each end the run at once
with every worker killed and reaped (multiprocessing.Pool waited forever on a dead worker's chunk,
and its terminate() could hang on a lock a Ctrl-C left held).
"""

import os
import signal
import time

import pytest

from ascendfix.apply import pool


def _files(tmp_path, n=12):
    for i in range(n):
        (tmp_path / "f{:02d}.py".format(i)).write_bytes(b"x" * (1000 * (i + 1)))
    return sorted(p.name for p in tmp_path.iterdir())


def _work(state, relpaths):
    return len(relpaths), [(r, os.path.getsize(os.path.join(state["root"], r)), state["tag"], os.getpid())
                           for r in relpaths]


def _run(tmp_path, work, jobs, consume=None):
    got = []
    pool.run_chunks(tmp_path, _files(tmp_path), {"tag": "t"}, work, jobs, consume or (lambda n, o: got.extend(o)))
    return got


def _children():
    """Live child processes of this one (zombies count: a child not reaped is a leak too)."""
    me = str(os.getpid())
    out = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open("/proc/{}/stat".format(pid)) as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == me:
                out.append(int(pid))
    return out


HANG_LIMIT = 20  # seconds: a pool test that takes longer hangs (each takes well under a second)


def _hung(signum, frame):
    raise AssertionError("the pool hung (a worker that never sees the end of its task pipe is never reaped)")


@pytest.fixture
def small_pool(monkeypatch):
    """A pool even for small trees; the test fails (workers killed by the pool's cleanup) instead of hanging."""
    monkeypatch.setattr(pool, "POOL_MIN_BYTES", 1)
    monkeypatch.setattr(pool, "CHUNK_FILES", 2)
    before = set(_children())
    previous = signal.signal(signal.SIGALRM, _hung)  # raised in the parent; a fork does not inherit the alarm
    signal.alarm(HANG_LIMIT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert set(_children()) <= before, "a worker was left behind"


def test_pooled_results_equal_in_process_results(tmp_path, small_pool):
    here = _run(tmp_path, _work, 1)
    pooled = _run(tmp_path, _work, 2)
    assert sorted(o[:3] for o in pooled) == sorted(o[:3] for o in here)
    assert len(here) == 12 and {o[3] for o in here} == {os.getpid()}
    assert os.getpid() not in {o[3] for o in pooled}  # it really ran in workers


def _dies(state, relpaths):
    if "f05.py" in relpaths:
        os._exit(9)  # as the kernel's OOM killer would end it
    return _work(state, relpaths)


def test_a_worker_that_dies_is_an_error_not_a_wait(tmp_path, small_pool):
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match="a worker process exited with code 9"):
        _run(tmp_path, _dies, 2)
    assert time.monotonic() - t0 < 30


def _raises(state, relpaths):
    if "f03.py" in relpaths:
        raise ValueError("chunk went wrong")
    return _work(state, relpaths)


def test_an_exception_in_a_worker_is_raised_in_the_parent(tmp_path, small_pool):
    with pytest.raises(ValueError, match="chunk went wrong"):
        _run(tmp_path, _raises, 2)


def test_ctrl_c_in_the_parent_kills_and_reaps_the_workers(tmp_path, small_pool):
    seen = []

    def consume(n, outcomes):
        seen.append(n)
        if len(seen) == 2:
            raise KeyboardInterrupt()

    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path, _work, 2, consume)


def test_a_second_ctrl_c_during_the_cleanup_still_kills_the_workers(tmp_path, small_pool, monkeypatch):
    """It lands inside the cleanup (as a second Ctrl-C does, also through another thread of this process):
    the cleanup finishes, every worker is killed and reaped (the fixture checks), and the Ctrl-C is raised."""
    real = pool._Worker.kill
    sent, killed = [], set()

    def kill(self):
        if not sent:
            sent.append(1)
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)  # it is raised in here
        if self.pid:
            killed.add(self.pid)
        return real(self)

    monkeypatch.setattr(pool._Worker, "kill", kill)

    def consume(n, outcomes):
        raise ValueError("not a Ctrl-C")

    # a terminal's SIGINT disposition, even when the suite runs in the background (a non-interactive shell starts
    # background jobs with SIGINT ignored: the signal would then never arrive as a KeyboardInterrupt)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            _run(tmp_path, _work, 2, consume)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert sent and len(killed) == 2


def test_workers_ignore_ctrl_c_sent_to_them(tmp_path, small_pool):
    """A terminal's Ctrl-C reaches every process of the group; in a worker it changes nothing."""
    def work(state, relpaths):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.01)
        return _work(state, relpaths)

    got = _run(tmp_path, work, 2)
    assert len(got) == 12


def _state_of(pid):
    """"Z" (exited, not reaped yet), "gone", or the /proc state letter of a live process."""
    try:
        with open("/proc/{}/stat".format(pid)) as fh:
            return fh.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def test_a_worker_with_no_more_tasks_exits_while_its_siblings_still_work(tmp_path, small_pool):
    """Each worker closes the pipes of the workers forked before it: otherwise the parent's "no more tasks"
    (closing a worker's task pipe) never reaches a worker whose pipe a later sibling still holds open, and
    it lingers until that sibling exits. The second worker's first chunk (f10.py) waits, at most 5 s, for
    the first worker, which takes every other chunk, to exit."""
    files = _files(tmp_path)
    (tmp_path / "pids").mkdir()

    def work(state, relpaths):
        me = os.getpid()
        (tmp_path / "pids" / str(me)).write_text("")
        waited = None
        if "f10.py" in relpaths:
            deadline = time.monotonic() + 5
            waited = "timeout"
            while time.monotonic() < deadline:
                others = [int(p) for p in os.listdir(str(tmp_path / "pids")) if int(p) != me]
                if others and all(_state_of(p) in ("Z", "gone") for p in others):
                    waited = "sibling exited"
                    break
                time.sleep(0.01)
        n, outcomes = _work(state, relpaths)
        return n, [o + (waited,) for o in outcomes]

    got = []
    pool.run_chunks(tmp_path, files, {"tag": "t"}, work, 2, lambda n, o: got.extend(o))
    assert sorted(o[0] for o in got) == files
    f10 = [o for o in got if o[0] == "f10.py"][0]
    assert f10[4] == "sibling exited"
    assert len({o[3] for o in got}) == 2  # two workers did the work
