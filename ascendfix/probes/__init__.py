"""Probes: small stdlib-only Python files that the TARGET interpreter runs (Python 3.8-3.13, no ascendfix needed).

``ascendfix.target.Target`` runs one as ``<python> probes/_run.py probes/<name>.py ARGS...``. The protocol is
the one the smoke runner speaks too — JSON lines on the probe's original stdout:

- every line is one JSON object ``{"event": NAME, "t": seconds, ...}``; ``_run.py`` sends everything else the
  process prints (Python or C++) to stderr, so the stream stays clean;
- ``start`` first (pid, python, python_version), progress events as the probe likes (``emit(name, **data)``);
- then ``result`` (the probe's answer: the fields of the event, minus ``event``/``t``) and exit 0, or ``error``
  (type, message, traceback) and exit 1;
- a line that is a JSON object without an ``event`` key is taken as the result (a probe may just print its
  answer).

A probe file defines ``main(args, emit) -> dict`` and nothing runs at import; it imports only the standard
library at module level (frameworks inside ``main``). This package is never imported by the probes themselves.
"""
