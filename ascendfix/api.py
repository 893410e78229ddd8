"""The library API: each verb as a function returning a typed report (:mod:`ascendfix.reports`).

::

    import ascendfix as af
    r = af.check(python="/opt/venvs/ms/bin/python", only=["python", "packages"])
    r.ok, r.findings, r.to_dict()                 # to_dict() is exactly `ascendfix check --json`
    af.apply("mindone/", rules=["py38-annotations"], mode="diff").changed_files
    af.revert("mindone/").restored
    af.explain(open("run.log", "rb")).matches     # a path, a signature id, bytes, text or a binary stream
    af.smoke(tiny=True, device="CPU").ok

A user mistake raises :class:`ascendfix.errors.AscendfixError` (one line; ``exit_code`` 2, or 1 where the CLI
exits 1 for it, e.g. revert refusing to drop edits); nothing is printed on stdout.

How it is wired today: smoke is parse -> call -> render already, so :func:`smoke` calls its operation directly.
The other functions turn their keyword arguments into the verb's command line and run the verb's own
``run(args)`` in ``--json`` mode, capturing the one JSON document it prints — so a report is the ``--json``
document by construction and the validation is the CLI's. Calls are serialised (the verb's stdout is captured
for the call). The verbs move to parse -> call -> render one by one (docs/ARCHITECTURE.md, "Library API"): a
verb's operation returns its report, the CLI renders it, and its adapter here becomes a direct call.
"""

import contextlib
import io
import json
import os
import sys
import threading

from ascendfix import reports
from ascendfix.errors import AscendfixError

_LOCK = threading.RLock()


class _Stdin(object):
    """A stand-in for sys.stdin whose ``.buffer`` is the caller's binary stream."""

    def __init__(self, buffer):
        self.buffer = buffer

    def isatty(self):
        return False


def _run(verb, argv, report_cls, stdin=None):
    """Run ``ascendfix VERB --json ARGV`` in this process; return ``report_cls(document)``."""
    from ascendfix import cli, target

    with _LOCK:
        parser = cli.build_parser(only=verb, library=True)
        args = parser.parse_args([verb, "--json"] + [str(a) for a in argv])
        out = io.StringIO()
        saved_stdin = sys.stdin
        try:
            if stdin is not None:
                sys.stdin = _Stdin(stdin)
            target.forget()  # a new run
            with contextlib.redirect_stdout(out):
                code = int(args.handler(args) or 0)
        finally:
            sys.stdin = saved_stdin
    doc = json.loads(out.getvalue())
    report = report_cls(doc)
    if report.exit_code != code:  # the mapping in ascendfix.reports must agree with the verb
        raise AssertionError("{} exited {} but its report says {}".format(verb, code, report.exit_code))
    return report


def _opt(argv, flag, value):
    if value is not None:
        argv += [flag, os.fspath(value) if hasattr(value, "__fspath__") else value]


def _many(value):
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def check(python=None, stack=None, weights=None, only=None, deep=False, strict=False, script=None, mindone=None,
          root=None, command_output=None, timeout=None):
    """The doctor: :class:`~ascendfix.reports.CheckReport` (``ascendfix check --json``).

    ``only``: check ids, id prefixes or categories; ``command_output``: {command: file with its recorded
    output} (replay); ``root``: read system files under this folder instead of /.
    """
    argv = []
    _opt(argv, "--python", python)
    _opt(argv, "--stack", stack)
    _opt(argv, "--weights", weights)
    _opt(argv, "--script", script)
    _opt(argv, "--mindone", mindone)
    _opt(argv, "--root", root)
    _opt(argv, "--timeout", timeout)
    if only:
        argv += ["--only"] + _many(only)
    for name, path in sorted((command_output or {}).items()):
        argv += ["--command-output", "{}={}".format(name, os.fspath(path))]
    if deep:
        argv.append("--deep")
    if strict:
        argv.append("--strict")
    return _run("check", argv, reports.CheckReport)


def apply(tree, rules=None, mode="apply", python=None, target_python=None, force=False, jobs=None):
    """Patch a MindOne checkout: :class:`~ascendfix.reports.ApplyReport` (``ascendfix apply --json``).

    ``mode``: "apply" (write, journalled), "check" (report pending changes) or "diff" (also the diffs);
    ``rules``: rule ids (default: all).
    """
    if mode not in ("apply", "check", "diff"):
        raise AscendfixError("mode must be apply, check or diff, got {!r}".format(mode))
    argv = [os.fspath(tree)]
    for rule in _many(rules) or []:
        argv += ["--rule", rule]
    if mode != "apply":
        argv.append("--" + mode)
    _opt(argv, "--python", python)
    _opt(argv, "--target-python", target_python)
    _opt(argv, "--jobs", jobs)
    if force:
        argv.append("--force")
    return _run("apply", argv, reports.ApplyReport)


def revert(tree, force=False, dry_run=False):
    """Undo every change apply made to ``tree``: :class:`~ascendfix.reports.RevertReport`."""
    argv = [os.fspath(tree)]
    if force:
        argv.append("--force")
    if dry_run:
        argv.append("--dry-run")
    return _run("revert", argv, reports.RevertReport)


def explain(source, limit=3):
    """Name the cause and fix of an error log: :class:`~ascendfix.reports.ExplainReport`.

    ``source``: a path (str or PathLike), a signature id such as "AF003" (then a
    :class:`~ascendfix.reports.SignaturePage`), the log itself as bytes or as text (a str holding a newline),
    or a binary stream. ``limit``: at most this many causes (0 = all).
    """
    argv = ["--limit", limit]
    if hasattr(source, "read"):
        return _run("explain", argv + ["-"], reports.ExplainReport, stdin=source)
    if isinstance(source, (bytes, bytearray)):
        return _run("explain", argv + ["-"], reports.ExplainReport, stdin=io.BytesIO(bytes(source)))
    if isinstance(source, str) and "\n" in source:
        return _run("explain", argv + ["-"], reports.ExplainReport, stdin=io.BytesIO(source.encode("utf-8")))
    path = os.fspath(source)
    from ascendfix.explain.cli import _ID_RE

    if _ID_RE.match(path) and not os.path.exists(path):
        return _run("explain", argv + [path], reports.SignaturePage)
    return _run("explain", argv + [path], reports.ExplainReport)


def smoke(recipe=None, preflight=True, **options):
    """Prove a generation works: :class:`~ascendfix.smoke.report.SmokeReport` (``ascendfix smoke --json``
    without ``out``; ``report.out`` is the folder holding the PNG and report.json).

    ``options``: python, weights, tiny, device, dtype, mode, steps, size ("WxH" or (w, h)), seed, prompt, out,
    force, timeout, runs, warmup, cache_dir, revision, compare_with (an earlier report.json, its folder or its
    dict), threshold; ``preflight=False`` skips the check categories run first. A direct call of
    ``ascendfix.smoke.operation.smoke``.
    """
    from ascendfix import target
    from ascendfix.smoke.operation import smoke as run

    size = options.get("size")
    if isinstance(size, (tuple, list)):
        options["size"] = "{}x{}".format(*size)
    for key in ("python", "weights", "out", "cache_dir"):
        if options.get(key) is not None:
            options[key] = os.fspath(options[key])
    if not preflight:
        options["no_preflight"] = True
    with _LOCK:
        target.forget()  # a new run
        try:
            return run(recipe, **options)
        except TypeError as e:  # an unknown option
            raise AscendfixError(str(e))


def compare(inputs):
    """What differs between nodes: :class:`~ascendfix.compare.engine.CompareReport` (``ascendfix compare --json``).

    ``inputs``: node reports and/or folders of them (a path or a list). A direct call of the compare operation.
    """
    from ascendfix.compare.engine import compare_paths

    paths = [inputs] if isinstance(inputs, (str, bytes)) or hasattr(inputs, "__fspath__") else list(inputs)
    return compare_paths([os.fspath(p) for p in paths])


_FUNCS = {"check": check, "apply": apply, "revert": revert, "explain": explain, "smoke": smoke, "compare": compare}


class _CallableModule(type(sys)):
    """A verb's package that can be called: ``ascendfix.check(...)`` is :func:`ascendfix.api.check` even after
    ``ascendfix.check`` (the package) has been imported and bound to that name."""

    def __call__(self, *args, **kwargs):
        return _FUNCS[self.__name__.rsplit(".", 1)[1]](*args, **kwargs)


def callable_package(modname):
    """Make the package ``modname`` (ascendfix.check, .apply, .explain, .smoke) callable as its verb."""
    sys.modules[modname].__class__ = _CallableModule
