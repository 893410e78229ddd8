try:
    import signal
    import sys

    from ascendfix.cli import main
except KeyboardInterrupt:  # Ctrl-C while Python imports ascendfix: no traceback
    import sys

    sys.stderr.write("ascendfix: interrupted\n")
    raise SystemExit(130)

code = main()
try:  # the work is done and said: a late Ctrl-C must not print a traceback while Python exits
    signal.signal(signal.SIGINT, signal.SIG_IGN)
except (ValueError, OSError):  # pragma: no cover
    pass
# A Ctrl-C that landed inside code run from a string (dataclasses and namedtuple build methods with
# exec) makes CPython remember an "unhandled KeyboardInterrupt" even though main() handled it, and
# `python -m` then exits by killing itself with SIGINT instead of with `code`. Evaluating any string
# resets that flag (CPython 3.8-3.12: run_eval_code_obj).
exec("None")
raise SystemExit(code)
