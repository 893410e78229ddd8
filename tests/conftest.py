"""Shared test fixtures.

Heavy resources (MindOne source trees, framework venvs) are built on first use and cached under
``$ASCENDFIX_TEST_CACHE`` (default ``~/.cache/ascendfix-tests``), so reruns and CI on the same
machine are fast. See tests/support.py.
"""

import io
import os
import subprocess
import sys

import pytest

# explain keeps parsed signature files between runs (ascendfix/data.py, DISK_CACHED): under the tests, in a folder of
# this test session, never the user's ~/.cache (tests/test_data_cache.py checks the cache itself)
if not os.environ.get("ASCENDFIX_CACHE_DIR"):
    import atexit
    import shutil
    import tempfile

    os.environ["ASCENDFIX_CACHE_DIR"] = tempfile.mkdtemp(prefix="ascendfix-test-cache-")
    atexit.register(shutil.rmtree, os.environ["ASCENDFIX_CACHE_DIR"], True)


# Two tiers. `pytest` runs the fast tier: offline, no real MindOne trees, no framework venvs, no other
# interpreters, no browser. `pytest --full` adds every test marked `full` (real trees from PyPI sdists,
# framework venvs, Python 3.8, Chromium, ansible); there a missing resource fails instead of skipping.
# `py38` marks tests about Python 3.8 itself: under 3.8, CI runs the fast tier and those (`pytest --full -m
# "py38 or not full"`, see .ci/run). `process` marks tests whose point is a real process of ours (a reader closing
# the pipe, Ctrl-C, a timeout that kills a process group, an entry point's several runs; GNU grep as the pre-filter
# of every captured log): each costs a second of processes, so they run with `--full` only -- and, not being marked
# `full`, in CI's Python 3.8 run too. A test that needs a resource it cannot find calls `support.missing(reason)`:
# a skip in the fast tier, a failure in the full tier.
def pytest_addoption(parser):
    parser.addoption("--full", action="store_true", default=False,
                     help="also run the full tier (real trees, framework venvs, Python 3.8, browser)")


# The fast tier uses both cores: pyproject's addopts ask pytest-xdist for `-n auto`, and this hook answers it — one
# worker per core (at most 4) for the whole fast tier, none (plain in-process pytest) for the full tier, whose tests
# build venvs, time generations and interrupt process groups, and none when only some tests are named (a single
# file runs faster without starting workers). `-n N` on the command line overrides it.
def pytest_xdist_auto_num_workers(config):
    if config.getoption("--full"):
        return 0
    tests_dir = os.path.dirname(os.path.abspath(__file__))
    named = [a for a in config.args if os.path.abspath(a.split("::")[0]) != tests_dir]
    if named or config.getoption("keyword") or config.getoption("markexpr"):
        return 0
    return max(1, min(4, os.cpu_count() or 1))


def pytest_configure(config):
    import support

    support.FULL_TIER = bool(config.getoption("--full"))
    _no_rewrite_of_hypothesis(config)


def _no_rewrite_of_hypothesis(config):
    """pytest rewrites the asserts of every module of a distribution that registers a plugin, so the whole
    hypothesis package (its plugin ships with it) is rewritten when a test imports it. Its asserts are not ours to
    explain; where bytecode is not cached (PYTHONDONTWRITEBYTECODE, a fresh checkout) that rewrite costs ~0.9 s of
    CPU in every worker. Our own test modules are still rewritten."""
    must = getattr(getattr(config.pluginmanager, "rewrite_hook", None), "_must_rewrite", None)
    if isinstance(must, set):
        must.discard("hypothesis")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--full"):
        return
    skip = pytest.mark.skip(reason="full tier (run pytest --full)")
    for item in items:
        if item.get_closest_marker("full") is not None or item.get_closest_marker("process") is not None:
            item.add_marker(skip)


class _Capture(io.TextIOWrapper):
    """A text stream over bytes, like a pipe's: UTF-8, not a terminal, ``.buffer`` for binary writes."""

    def __init__(self, data=b""):
        super().__init__(io.BytesIO(data), encoding="utf-8", errors="strict", line_buffering=False)

    def getvalue(self):
        self.flush()
        return self.buffer.getvalue()


def _own_python_first(env):
    """Unless a test sets PATH itself: this interpreter's bin folder first on PATH. `check` (and report, smoke)
    without --python look for the user's environment, `python3` on PATH among the places; found first, this venv's
    python3 is ascendfix's own and is skipped without being run -- so a run does not depend on what the machine's
    PATH holds (a pyenv shim costs a second per run, a python3 with a framework would change the result)."""
    if env and "PATH" in env:
        return {}
    return {"PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", os.defpath)}


def run_in_process(args, input=None, env=None, cwd=None, timeout=None):
    """``ascendfix ARGS`` as ``ascendfix.cli.main(argv)`` in this process, as a subprocess would see it.

    stdin/stdout/stderr are byte pipes (not terminals), ``sys.argv`` is the command line, ``env`` is laid
    over a copy of ``os.environ`` (``NO_COLOR=1`` unless given, ``ASCENDFIX_DEBUG`` unset) and ``cwd`` is the
    working directory; all are restored afterwards. Returns a ``subprocess.CompletedProcess`` with bytes
    ``stdout``/``stderr`` and the exit code (``SystemExit`` included). ``timeout`` is accepted and ignored.
    """
    from ascendfix import cli

    argv = [str(a) for a in args]
    saved_env = dict(os.environ)
    saved = (sys.stdin, sys.stdout, sys.stderr, sys.argv, os.getcwd())
    out, err = _Capture(), _Capture()
    try:
        os.environ.pop("ASCENDFIX_DEBUG", None)
        os.environ.setdefault("NO_COLOR", "1")
        os.environ.update(_own_python_first(env))
        os.environ.update({k: str(v) for k, v in (env or {}).items()})
        if cwd is not None:
            os.chdir(str(cwd))
        sys.stdin, sys.stdout, sys.stderr = _Capture(input or b""), out, err
        sys.argv = ["ascendfix"] + argv
        try:
            code = cli.main(argv)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            if not isinstance(e.code, (int, type(None))):
                err.write(str(e.code) + "\n")
        return subprocess.CompletedProcess(["ascendfix"] + argv, int(code or 0), out.getvalue(), err.getvalue())
    finally:
        sys.stdin, sys.stdout, sys.stderr, sys.argv, cwd0 = saved
        os.chdir(cwd0)
        os.environ.clear()
        os.environ.update(saved_env)


@pytest.fixture
def own_python_first(monkeypatch):
    """For a library call (``af.check()``, a fleet report...) what ``run_cli`` does for a command line: this
    interpreter's bin folder first on PATH (see :func:`_own_python_first`), so the result does not depend on the
    machine's ``python3`` (and a pyenv shim is not run for each call)."""
    for k, v in _own_python_first(None).items():
        monkeypatch.setenv(k, v)
    return monkeypatch


@pytest.fixture
def run_cli(tmp_path):
    """Run ``ascendfix ARGS`` in this process (see :func:`run_in_process`), from ``tmp_path``.

    The default for CLI tests: argument parsing, output, exit codes and files written are the same as in a
    subprocess, at a fraction of the cost. What only a real process shows (the entry point, a terminal or
    pipe, signals, memory) goes through :func:`run_cli_process`.
    """

    def _run(*args, input=None, env=None, cwd=None, timeout=None):
        return run_in_process(args, input=input, env=env, cwd=cwd or tmp_path)

    return _run


@pytest.fixture
def run_cli_process(tmp_path):
    """Run ``python -m ascendfix ARGS`` in a subprocess (as a user would), from ``tmp_path``."""

    def _run(*args, input=None, env=None, cwd=None, timeout=600):
        full_env = dict(os.environ)
        full_env.pop("ASCENDFIX_DEBUG", None)
        full_env.setdefault("NO_COLOR", "1")
        full_env.update(_own_python_first(env))
        if env:
            full_env.update(env)
        return subprocess.run(
            [sys.executable, "-m", "ascendfix"] + [str(a) for a in args],
            input=input,
            capture_output=True,
            env=full_env,
            cwd=str(cwd or tmp_path),
            timeout=timeout,
        )

    return _run


@pytest.fixture(scope="session")
def py38_patched_tree(tmp_path_factory):
    """``get(version) -> (tree, CompletedProcess)``: a copy of the real MindOne ``version`` tree after
    ``ascendfix apply --rule py38-annotations --rule py38-stdlib --json``, made once per session.

    Shared by the Python 3.8 corpus test and the from_pretrained end-to-end test (which only read it),
    so the whole-tree apply runs once per version instead of once per test.
    """
    from support import copy_tree, mindone_tree

    made = {}

    def get(version):
        if version not in made:
            tree = copy_tree(mindone_tree(version), tmp_path_factory.mktemp("py38-" + version) / "mindone")
            env = dict(os.environ)
            env.pop("ASCENDFIX_DEBUG", None)
            env["NO_COLOR"] = "1"
            r = subprocess.run(
                [sys.executable, "-m", "ascendfix", "apply", str(tree), "--rule", "py38-annotations",
                 "--rule", "py38-stdlib", "--json", "--jobs", "2"],
                capture_output=True, env=env, timeout=3000,
            )
            made[version] = (tree, r)
        return made[version]

    return get
