"""What only a real process shows: the entry points, a reader closing the pipe, Ctrl-C.

Every other CLI test calls ``ascendfix.cli.main`` in-process (the ``run_cli`` fixture); these few start
``python -m ascendfix`` / the ``ascendfix`` script the way a user does. (NO_COLOR and a pipe instead of a
terminal are covered in tests/test_explain_cli.py, also with real processes.)
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import missing

from ascendfix import __version__


def _env():
    env = dict(os.environ)
    env.pop("ASCENDFIX_DEBUG", None)
    env["NO_COLOR"] = "1"
    return env


def test_python_m_ascendfix(run_cli_process):
    r = run_cli_process("--version")
    assert (r.returncode, r.stdout.decode().strip(), r.stderr) == (0, "ascendfix " + __version__, b"")
    r = run_cli_process("explain", "--no-such-flag")
    assert r.returncode == 2 and r.stderr.decode().count("\n") == 1 and "Traceback" not in r.stderr.decode()


def test_console_script():
    script = Path(sys.executable).parent / "ascendfix"
    if not script.exists():
        script = shutil.which("ascendfix")
        if script is None:
            missing("the ascendfix script is not installed for this interpreter (pip install -e .)")
    r = subprocess.run([str(script), "--version"], capture_output=True, env=_env(), timeout=60)
    assert (r.returncode, r.stdout.decode().strip()) == (0, "ascendfix " + __version__)


@pytest.mark.parametrize("args", [["explain", "--list"], ["explain", "--list", "--json"], ["check", "--list-checks"]])
def test_reader_closing_the_pipe_is_quiet_and_exit_0(args):
    """``ascendfix ... | head -1``: the reader is gone before the first write; no traceback, no rich exit 1."""
    p = subprocess.Popen([sys.executable, "-m", "ascendfix"] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=_env())
    p.stdout.close()
    err = p.stderr.read()
    p.wait(timeout=60)
    assert (p.returncode, err) == (0, b"")


def _state(pid):
    with open("/proc/{}/stat".format(pid)) as fh:
        return fh.read().rsplit(")", 1)[1].split()[0]


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="needs /proc to see when the process waits")
def test_ctrl_c_is_one_line_and_exit_130():
    """Ctrl-C while ``ascendfix explain -`` waits for more of the log on stdin."""
    # a terminal's SIGINT disposition, even when the suite itself runs in the background (a non-interactive
    # shell starts background jobs with SIGINT ignored, and Python then installs no KeyboardInterrupt handler)
    p = subprocess.Popen([sys.executable, "-m", "ascendfix", "explain", "-"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(),
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        p.stdin.write(b"RuntimeError: something\n")
        p.stdin.flush()
        deadline = time.time() + 60
        calm = 0
        while calm < 5 and time.time() < deadline:  # sleeping (blocked on stdin) for 0.5 s in a row
            calm = calm + 1 if _state(p.pid) == "S" else 0
            time.sleep(0.1)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 130, (out, err)
    assert err == b"ascendfix explain: interrupted\n" and out == b""
