try:
    from ascendfix import interrupts

    interrupts.install()  # a Ctrl-C inside an import's lock callback: no "Exception ignored" traceback
    import signal
    import sys

    from ascendfix.cli import main
except KeyboardInterrupt:  # Ctrl-C while Python imports ascendfix: no traceback
    import sys

    sys.stderr.write("ascendfix: interrupted\n")
    raise SystemExit(130)
if interrupts.swallowed():  # it landed where Python could not raise it, while importing: nothing done yet
    sys.stderr.write("ascendfix: interrupted\n")
    raise SystemExit(130)

try:
    code = main()
except KeyboardInterrupt:  # a second Ctrl-C landed while the first one was being reported
    code = 130
# The work is done and said: a late Ctrl-C must not print a traceback while Python exits. Blocked
# (the kernel holds it, and drops it at exit) rather than only ignored: a Python-level handler can
# itself be interrupted by one that lands as it is called.
try:
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    except KeyboardInterrupt:  # it landed just before
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # and in any other thread
except (ValueError, OSError, AttributeError):  # pragma: no cover
    pass
# A Ctrl-C that landed inside code run from a string (dataclasses and namedtuple build methods with
# exec) makes CPython remember an "unhandled KeyboardInterrupt" even though main() handled it, and
# `python -m` then exits by killing itself with SIGINT instead of with `code`. Evaluating any string
# resets that flag (CPython 3.8-3.12: run_eval_code_obj).
exec("None")
raise SystemExit(code)
