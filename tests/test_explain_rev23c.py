"""Review of the kb23c families (rev23c): the DataLoader's "worker ... exited unexpectedly" is the cause only when
nothing failed before it; a container's OOMKilled state in `kubectl describe pod` stays the cause although the
describe output prints the state's Finished time and the pod's events ("Successfully assigned ...") after it.

Every text here is real: signature examples (each with its public source) or lines copied from the public thread
named next to them.
"""

from explain_support import example, run


# https://github.com/facebookresearch/pycls/issues/146 (the worker's own segfault notice and the main process's
# signal report, copied from the issue)
_WORKER_SEGFAULT = """ERROR: Unexpected segmentation fault encountered in worker.
RuntimeError: DataLoader worker (pid 624) is killed by signal: Segmentation fault. """
_EXITED = example("AF1280", "match", 0)


def test_worker_exited_alone_names_host_oom():
    # (the example's first line, the user's "I received the following error:", is a failing line of its own: the report
    # is then a consequence, but nothing names another cause, so it still leads with its category)
    m, ranked = run(_EXITED)
    assert ranked[0].id == "AF1280"
    assert m.results()[0]["category"] == "host_oom"
    line = _EXITED.splitlines()[-1].strip("` ")
    assert line.startswith("RuntimeError: DataLoader worker (pid(s) 25)")
    m, ranked = run(line)
    assert ranked[0].id == "AF1280" and ranked[0].role == "cause"


def test_worker_exited_after_a_segfault_in_the_worker_is_its_consequence():
    # a segfault in a worker is no shortage of memory: the report after it must not name host_oom first
    m, ranked = run(_WORKER_SEGFAULT + "\n" + _EXITED)
    exited = [h for h in ranked if h.id == "AF1280"][0]
    assert exited.role == "consequence" and exited.after_failure
    assert m.results()[0]["category"] != "host_oom"


def test_worker_exited_after_the_bus_error_leaves_af181_first():
    text = example("AF181", "match", 0) + "\n" + _EXITED
    m, ranked = run(text)
    assert ranked[0].id == "AF181"
    assert [h for h in ranked if h.id == "AF1280"][0].role == "consequence"


def test_oomkilled_state_with_its_finished_time_stays_the_cause():
    # kubectl describe pod prints "Finished: <time>" after "Reason: OOMKilled" (starburst-terraform#1, AF1278's
    # example): a success word, but the run it times is the one that was killed
    text = example("AF1278", "match", 2)
    assert "Finished:" in text.splitlines()[4]
    m, ranked = run(text)
    assert ranked[0].id == "AF1278" and ranked[0].role == "cause"
    assert m.results()[0]["category"] == "host_oom"
