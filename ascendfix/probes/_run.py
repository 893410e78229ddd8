"""Run one probe file under the JSON-lines protocol (see ascendfix/probes/__init__.py).

Usage: python _run.py PROBE.py [ARG ...]

Kept parseable by old interpreters (no f-strings, no keyword-only arguments), so that a Python 2 gets a clear
error event instead of a SyntaxError. Probes themselves target Python 3.8-3.13 (older 3.x where they say so).
"""

import json
import os
import sys
import time
import traceback

_T0 = time.time()
_EVENTS = []


def _open_event_stream():
    """Keep the real stdout for events; point fd 1 (and sys.stdout) at stderr for everything else."""
    sys.stdout.flush()
    fd = os.dup(1)
    if sys.version_info[0] >= 3:
        stream = os.fdopen(fd, "w", 1, encoding="utf-8")
    else:  # pragma: no cover - only reached by interpreters too old to probe
        stream = os.fdopen(fd, "w", 1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _EVENTS.append(stream)


def emit(event, **data):
    data["event"] = event
    data["t"] = round(time.time() - _T0, 3)
    stream = _EVENTS[0]
    stream.write(json.dumps(data, default=str) + "\n")
    stream.flush()


def _version():
    return "%d.%d.%d" % tuple(sys.version_info[:3])


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    # run as a script, this folder is sys.path[0]: a probe named like a package must not shadow it
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    _open_event_stream()
    emit("start", pid=os.getpid(), python=sys.executable, python_version=_version())
    if sys.version_info[0] < 3:
        emit("error", type="UnsupportedPython", message="Python %s is not Python 3" % _version(),
             python_version=_version())
        return 1
    if not argv:
        emit("error", type="UsageError", message="usage: _run.py PROBE.py [ARG ...]")
        return 2
    try:
        import runpy

        ns = runpy.run_path(argv[0], run_name="__ascendfix_probe__")
        result = ns["main"](list(argv[1:]), emit)
        emit("result", **(result or {}))
    except BaseException as e:  # report everything, including SystemExit from a framework
        tb = traceback.format_exc()
        sys.stderr.write(tb)
        sys.stderr.flush()
        emit("error", type=type(e).__name__, message=str(e)[:4000], traceback=tb[-20000:])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
