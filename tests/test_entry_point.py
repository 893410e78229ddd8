"""What only a real process shows: the entry points, a reader closing the pipe, Ctrl-C.

Every other CLI test calls ``ascendfix.cli.main`` in-process (the ``run_cli`` fixture); these few start
``python -m ascendfix`` / the ``ascendfix`` script the way a user does. (NO_COLOR and a pipe instead of a
terminal are covered in tests/test_explain_cli.py, also with real processes.) The pipe and Ctrl-C tests start a
process or two each (~0.5 s of CPU apiece): they are marked ``process`` and run with ``pytest --full`` and in CI's
Python 3.8 run; the two entry-point tests stay in the fast tier.
"""

import json
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


def _reader_gone(args, cwd):
    """Run ``ascendfix ARGS`` with stdout a pipe whose reader is already gone (``| head -0`` at its most abrupt:
    every write fails with EPIPE). Returns (exit code, stderr)."""
    r, w = os.pipe()
    os.close(r)
    try:
        p = subprocess.Popen([sys.executable, "-m", "ascendfix"] + [str(a) for a in args], stdout=w,
                             stderr=subprocess.PIPE, env=_env(), cwd=str(cwd))
    finally:
        os.close(w)
    err = p.communicate(timeout=300)[1].decode()
    return p.returncode, err


def _quiet(err):
    return "Traceback" not in err and "Exception ignored" not in err and "BrokenPipe" not in err


@pytest.mark.process
@pytest.mark.parametrize("args", [["explain", "--list"], ["explain", "--list", "--json"], ["check", "--list-checks"],
                                  ["smoke", "--list", "--json"]])
def test_reader_closing_the_pipe_is_quiet_and_exit_0(args, tmp_path):
    """``ascendfix ... | head -1``: the reader is gone before the first write; no traceback, no rich exit 1."""
    assert _reader_gone(args, tmp_path) == (0, "")


def _mindone_tree(root):
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("import mindspore as ms\n\n\ndef f(x, m):\n    return x.masked_fill(m, 0)\n")
    (root / "pyproject.toml").write_text('[project]\nname = "mindone"\n')
    return root


def _node_report(path, host, cann):
    path.write_text(json.dumps({"findings": [], "summary": {}, "node": {"host": host, "cann": {"version": cann}}}))
    return path


@pytest.mark.process
@pytest.mark.parametrize("verb", ["check", "apply", "revert", "explain", "smoke", "report", "compare"])
def test_reader_closing_the_pipe_keeps_the_verbs_exit_code(verb, tmp_path):
    """One rule for every verb: the verb finishes its work, stops printing, and exits with its own code (here its
    negative outcome wherever it has one that is printed on stdout); nothing on stderr but what the verb says there."""
    log = tmp_path / "hello.log"
    log.write_text("hello\n")
    tree = _mindone_tree(tmp_path / "t")
    cases = {
        "check": (["check", "--only", "npu.devices", "--root", tmp_path, "-v"], 1),  # no NPU under an empty root
        "apply": (["apply", tree, "--check", "-v", "--rule", "masked-fill-dtype"], 1),
        "revert": (["revert", tree, "--json"], 1),  # a file edited after apply
        "explain": (["explain", log, "-v"], 1),  # no known signature
        "smoke": (["smoke", "--tiny", "--device", "CPU", "--no-preflight", "--out", tmp_path / "s"], 1),  # no framework
        "report": (["report", "--no-check", "--no-smoke", "--log", log, "--out", tmp_path / "p.html", "-v"], 0),
        "compare": (["compare", _node_report(tmp_path / "a.json", "a", "8.0.0"),
                     _node_report(tmp_path / "b.json", "b", "8.3.RC1"), "-v"], 1),  # CANN differs
    }
    if verb == "revert":
        assert _reader_gone(["apply", tree, "--rule", "masked-fill-dtype"], tmp_path) == (0, "")
        with open(str(tree / "pkg" / "a.py"), "a") as fh:
            fh.write("# edited after apply\n")
    args, code = cases[verb]
    rc, err = _reader_gone(args, tmp_path)
    assert rc == code, err
    assert _quiet(err), err
    if verb == "revert":  # its error line (the JSON document went to the closed stdout)
        assert err.count("\n") == 1 and "changed since ascendfix apply" in err, err
    elif verb == "smoke":  # its progress is on stderr; the run went on and wrote its report
        assert (tmp_path / "s" / "report.json").is_file()
        assert json.loads((tmp_path / "s" / "report.json").read_text())["failure"]["stage"] == "requirements"
    else:
        assert err == "", err
    if verb == "report":
        assert (tmp_path / "p.html").is_file() and (tmp_path / "p.json").is_file()


def _state(pid):
    with open("/proc/{}/stat".format(pid)) as fh:
        return fh.read().rsplit(")", 1)[1].split()[0]


@pytest.mark.process
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
