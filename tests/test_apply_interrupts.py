"""Ctrl-C sent to the process group of `ascendfix apply` on the real mindone 0.5.0 tree (full tier).

As a user's terminal does it: SIGINT to every process of the group (the parent and its pool
workers) at many points of a run: while Python starts, while the pool starts, during the scan, at
fractions of a measured run, and inside the write phase (the moment the journal appears), once and
twice in a row. Every try must end quickly with no traceback and a one-line message; every file
changed before the interrupt is journalled and reverts byte for byte; no temporary file survives;
a rerun finishes the job with exactly the result of an uninterrupted apply.
"""

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.full

UNDO = re.compile(r"^ascendfix apply: interrupted: (\d+) file\(s\) changed before it are journalled; "
                  r"`ascendfix revert (.+)` undoes them$")


def _snapshot(root):
    out = {}
    for d, _, files in os.walk(str(root)):
        for f in files:
            p = os.path.join(d, f)
            rel = os.path.relpath(p, str(root))
            if rel.startswith(".ascendfix" + os.sep):
                continue
            with open(p, "rb") as fh:
                out[rel] = hashlib.sha1(fh.read()).hexdigest()
    return out


def _temp_files(root):
    return [os.path.join(d, f) for d, _, fs in os.walk(str(root)) for f in fs
            if f.startswith(".ascendfix-") and f.endswith(".tmp")]


def _python_start_up(err):
    """Is ``err`` CPython's KeyboardInterrupt traceback from before ascendfix's first line ran?

    Python itself (site, runpy, the first opcode of ``ascendfix/__main__.py``) cannot be reached by
    any handler of ours; every frame of ascendfix's own code can, so one of those fails the test.
    """
    if not err.strip().endswith("KeyboardInterrupt") or "Traceback" not in err:
        return False
    import ascendfix

    pkg = os.path.dirname(os.path.abspath(ascendfix.__file__)) + os.sep
    frames = re.findall(r'File "([^"]+)", line (\d+)', err)
    ours = [(f, n) for f, n in frames if os.path.abspath(f).startswith(pkg)]
    return all(f.endswith("__main__.py") and n == "1" for f, n in ours)


def _env():
    env = dict(os.environ, NO_COLOR="1")
    env.pop("ASCENDFIX_DEBUG", None)
    return env


def _start(tree):
    return subprocess.Popen(
        [sys.executable, "-m", "ascendfix", "apply", str(tree)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=_env(), cwd=str(tree.parent), start_new_session=True,
        # a terminal's foreground job gets Ctrl-C with the default disposition, whatever ran this test
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _ctrl_c(proc, times=1):
    for n in range(times):
        if n:
            time.sleep(0.05)
        try:
            os.killpg(proc.pid, signal.SIGINT)
        except ProcessLookupError:
            return


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The real tree, and its state after an uninterrupted apply (and how long that took)."""
    from support import copy_tree, mindone_tree

    src = mindone_tree("0.5.0")
    tree = copy_tree(src, tmp_path_factory.mktemp("ref") / "mindone")
    before = _snapshot(tree)
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "ascendfix", "apply", str(tree), "--json"], capture_output=True,
                       env=_env(), timeout=1200)
    took = time.monotonic() - t0
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    return {"src": src, "before": before, "after": _snapshot(tree), "seconds": took}


def _tries(seconds):
    fixed = [("start", 0.05), ("start", 0.2), ("imports", 0.5), ("pool", 0.8), ("pool", 1.2), ("scan", 2.0)]
    frac = [("fraction {:.2f}".format(f), seconds * f) for f in (0.3, 0.6, 0.9)]
    return [(name, delay, 1) for name, delay in fixed + frac] + [
        ("scan, twice", 1.5, 2), ("write phase", ("journal", 0.0), 1), ("write phase", ("journal", 0.03), 1),
        ("write phase, twice", ("journal", 0.01), 2)]


def test_ctrl_c_to_the_process_group_at_many_points(reference, tmp_path):
    from support import copy_tree

    results = []
    for n, (name, delay, times) in enumerate(_tries(reference["seconds"])):
        tree = copy_tree(reference["src"], tmp_path / "t{}".format(n) / "mindone")
        proc = _start(tree)
        if isinstance(delay, tuple):  # the journal is written right before the first patched file
            journal = tree / ".ascendfix" / "journal.json"
            deadline = time.monotonic() + 1200
            while not journal.exists() and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.001)
            time.sleep(delay[1])
        else:
            time.sleep(delay)
        sent = time.monotonic()
        _ctrl_c(proc, times)
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            pytest.fail("{}: still running 60 s after Ctrl-C (hang)".format(name))
        waited = time.monotonic() - sent
        err = err.decode(errors="replace")
        lines = err.strip().splitlines()
        where = "{} ({} Ctrl-C after {}): exit {}, stderr {!r}".format(name, times, delay, proc.returncode, err[-600:])
        if _python_start_up(err):  # the signal came before any ascendfix code ran: Python's own message
            assert proc.returncode == -signal.SIGINT and not _temp_files(tree), where
            assert _snapshot(tree) == reference["before"] and not (tree / ".ascendfix").exists(), where
            results.append((name, times, "python start-up", 0, round(time.monotonic() - sent, 2)))
            continue
        assert "Traceback" not in err and "Exception ignored" not in err, where
        assert proc.returncode in (0, 130), where
        assert not _temp_files(tree), where
        now = _snapshot(tree)
        changed = sorted(p for p in now if now[p] != reference["before"].get(p))
        if proc.returncode == 130:
            assert len(lines) == 1, where
            m = UNDO.match(lines[0])
            if m:
                assert int(m.group(1)) == len(changed) > 0, where
                doc = json.loads((tree / ".ascendfix" / "journal.json").read_text())
                assert sorted(doc["files"]) == sorted(p.replace(os.sep, "/") for p in changed), where
            else:
                # before apply's own code ran (while Python imported it) the message cannot know more
                assert lines[0] in ("ascendfix apply: interrupted: nothing written", "ascendfix apply: interrupted",
                                    "ascendfix: interrupted"), where
                assert changed == [] and not (tree / ".ascendfix").exists(), where
        else:
            assert now == reference["after"], where
        results.append((name, times, proc.returncode, len(changed), round(waited, 2)))
        # every interrupted state reverts byte for byte, or a rerun finishes the job exactly
        if n % 2 and (tree / ".ascendfix").exists():
            rv = subprocess.run([sys.executable, "-m", "ascendfix", "revert", str(tree)], capture_output=True,
                                env=_env(), timeout=600)
            assert rv.returncode == 0, (where, rv.stderr)
            assert _snapshot(tree) == reference["before"], where
        elif n % 2 == 0:
            again = subprocess.run([sys.executable, "-m", "ascendfix", "apply", str(tree)], capture_output=True,
                                   env=_env(), timeout=1200)
            assert again.returncode == 0, (where, again.stderr)
            assert _snapshot(tree) == reference["after"], where
            rv = subprocess.run([sys.executable, "-m", "ascendfix", "revert", str(tree)], capture_output=True,
                                env=_env(), timeout=600)
            assert rv.returncode == 0 and _snapshot(tree) == reference["before"], (where, rv.stderr)
    print("\n".join("{:<22} x{}  exit {!s:>3}  {:>3} file(s) changed  exited {:.2f}s after the signal".format(*r)
                    for r in results))
    # the write phase was really hit (not only before or after it)
    assert any(r[0].startswith("write phase") and r[2] == 130 and r[3] > 0 for r in results), results
