"""The library API: each verb as a function returning a typed report (:mod:`ascendfix.reports`).

::

    import ascendfix as af
    r = af.check(python="/opt/venvs/ms/bin/python", only=["python", "packages"])
    r.ok, r.findings, r.to_dict()                 # to_dict() is exactly `ascendfix check --json`
    af.apply("mindone/", rules=["py38-annotations"], mode="diff").changed_files
    af.revert("mindone/").restored
    af.explain(open("run.log", "rb")).matches     # a path, a signature id, bytes, text or a binary stream
    af.smoke(tiny=True, device="CPU").ok
    af.report(out="issue.html", log="run.log").written   # the page and its JSON

A user mistake raises :class:`ascendfix.errors.AscendfixError` (one line; ``exit_code`` 2, or 1 where the CLI
exits 1 for it, e.g. revert refusing to drop edits); nothing is printed on stdout.

How it is wired: every function calls its verb's operation directly (check, apply, revert, explain, smoke,
compare, report) and returns the report object that operation builds; the CLI renders the same object, so a
report's ``to_dict()`` is the verb's ``--json`` document. One exception: a page asked for by id (``explain("AF003")``,
an error code or a fault id) is built by running the explain verb's own ``run(args)`` in ``--json`` mode in this
process and capturing the document it prints; those calls are serialised.
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
          root=None, command_output=None, timeout=None, wants=None):
    """The doctor: :class:`~ascendfix.check.report.CheckReport` (``ascendfix check --json``), with the stack plan.

    ``only``: check ids, id prefixes or categories; ``wants``: requirements the plan must meet ('mindone>=0.5');
    ``command_output``: {command: file with its recorded output} (replay); ``root``: read system files under this
    folder instead of /. Calls the check operation directly (the CLI renders the same report).
    """
    from ascendfix import target
    from ascendfix.check import check as run_check

    with _LOCK:
        target.forget()  # a new run
        return run_check(only=_many(only), stack=stack, weights=_fspath(weights), python=_fspath(python),
                         root=_fspath(root), deep=deep, strict=strict, wants=_many(wants) or (),
                         script=_fspath(script), mindone=_fspath(mindone),
                         command_output={k: _fspath(v) for k, v in (command_output or {}).items()}, timeout=timeout)


def _fspath(value):
    return os.fspath(value) if value is not None and hasattr(value, "__fspath__") else value


def apply(tree, rules=None, mode="apply", python=None, target_python=None, force=False, jobs=None):
    """Patch a MindOne checkout: :class:`~ascendfix.apply.report.Report` (``ascendfix apply --json``).

    ``mode``: "apply" (write, journalled), "check" (report pending changes) or "diff" (also the diffs);
    ``rules``: rule ids (default: all). A direct call of ``ascendfix.apply.operations.apply``.
    """
    from ascendfix import target
    from ascendfix.apply.operations import apply as run

    with _LOCK:
        target.forget()  # a new run
        return run(os.fspath(tree), rules=_many(rules), mode=mode, python=_fspath(python),
                   target_python=target_python or "3.8", force=force, jobs=jobs)


def revert(tree, force=False, dry_run=False):
    """Undo every change apply made to ``tree``: :class:`~ascendfix.apply.operations.RevertReport`.

    A direct call of ``ascendfix.apply.operations.revert``.
    """
    from ascendfix.apply.operations import revert as run

    with _LOCK:
        return run(os.fspath(tree), force=force, dry_run=dry_run)


def explain(source, limit=3):
    """Name the cause and fix of an error log: :class:`~ascendfix.reports.ExplainReport`.

    ``source``: a path (str or PathLike; a folder, a glob), a list of paths (one log per rank), a signature id
    such as "AF003" (then a :class:`~ascendfix.reports.SignaturePage`), the log itself as bytes or as text (a str
    holding a newline), or a stream (binary or text). An error code ("EZ9999", "507011") or a known fault's id gives its page
    (a :class:`~ascendfix.reports.SignaturePage`) like a signature id. ``limit``: at most this many causes (0 = all).
    """
    from ascendfix.explain.operation import explain as _explain

    if limit is not None and (not isinstance(limit, int) or limit < 0):
        raise AscendfixError("limit must be 0 or more, got {!r}".format(limit))  # as --limit
    lim = limit or None
    if isinstance(source, io.TextIOBase):  # a text stream (open(path), sys.stdin, StringIO): its bytes if it has them
        buffer = getattr(source, "buffer", None)
        return _explain(buffer, limit=lim) if buffer is not None else _explain(text=source.read(), limit=lim)
    if hasattr(source, "read"):
        return _explain(source, limit=lim)
    if isinstance(source, (bytes, bytearray)):
        return _explain(text=bytes(source), limit=lim)
    if isinstance(source, str) and "\n" in source:
        return _explain(text=source, limit=lim)
    if isinstance(source, (list, tuple)):
        return _explain([os.fspath(s) for s in source], limit=lim)
    path = os.fspath(source)
    from ascendfix.explain.cli import _CODE_RE, _FAULT_RE, _ID_RE

    if not os.path.exists(path) and any(rx.match(path) for rx in (_ID_RE, _CODE_RE, _FAULT_RE)):
        # a page, as `ascendfix explain ID` shows it: a signature, an error code (EZ9999, 507011) or a known fault
        return _run("explain", ["--limit", limit, path], reports.SignaturePage)
    return _explain(path, limit=lim)


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


def report(out=None, smoke=None, log=None, check=True, python=None, stack=None, weights=None, force=False):
    """Write the shareable page: :class:`~ascendfix.report.build.ReportDocument` (``ascendfix report --json``;
    ``.written`` names the HTML file and the JSON beside it).

    ``smoke``: a smoke report.json or its folder (None: the newest ./smoke-*/report.json; False: leave it out);
    ``log``: a log to explain on the page; ``check=False`` leaves the environment check out; ``out``: the HTML
    file (default ./ascendfix-report-<time>.html), kept unless ``force``. A direct call of
    ``ascendfix.report.build.write_page``.
    """
    from ascendfix import target
    from ascendfix.report.build import write_page

    with _LOCK:
        target.forget()  # a new run
        return write_page(out=_fspath(out), force=force, smoke=_fspath(smoke), log=_fspath(log), check=check,
                          python=_fspath(python), stack=stack, weights=_fspath(weights))


_FUNCS = {"check": check, "apply": apply, "revert": revert, "explain": explain, "smoke": smoke, "compare": compare,
          "report": report}


class _CallableModule(type(sys)):
    """A verb's package that can be called: ``ascendfix.check(...)`` is :func:`ascendfix.api.check` even after
    ``ascendfix.check`` (the package) has been imported and bound to that name."""

    def __call__(self, *args, **kwargs):
        return _FUNCS[self.__name__.rsplit(".", 1)[1]](*args, **kwargs)


def callable_package(modname):
    """Make the package ``modname`` (ascendfix.check, .apply, .explain, .smoke, .compare, .report) callable as its
    verb."""
    sys.modules[modname].__class__ = _CallableModule
