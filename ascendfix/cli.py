"""The ``ascendfix`` command: parses arguments and dispatches to one verb module.

Each verb lives in its own package (``ascendfix/<verb>/cli.py``) exposing a module docstring (the long
help), ``add_arguments(parser)`` and ``run(args) -> int``; its one-line help is in :data:`VERBS`. This file holds no verb logic: it maps
exceptions to the exit-code scheme in :mod:`ascendfix.errors` and guarantees that a user
mistake never prints a traceback.
"""

import argparse
import importlib
import os
import sys

from ascendfix import __version__
from ascendfix.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, AscendfixError, exit_code_help

# verb -> (module, one-line help); order is the order shown in --help. Only the module of the verb being run is
# imported, so `ascendfix explain small.log` does not pay for importing check, apply or smoke.
VERBS = {
    "check": ("ascendfix.check.cli", "environment doctor before setup (NPU, driver, CANN, versions, pins, env vars, weights)"),
    "apply": ("ascendfix.apply.cli", "patch a MindOne checkout for Python 3.8 / Ascend (pins, annotations, masked_fill dtype)"),
    "revert": ("ascendfix.apply.revert_cli", "undo every change `ascendfix apply` made to a tree"),
    "explain": ("ascendfix.explain.cli", "name the cause and the fix of an error log (or: explain ID)"),
    "smoke": ("ascendfix.smoke.cli", "run an SDXL generation from a recipe and report it (--tiny for a CPU check)"),
    "report": ("ascendfix.report.cli", "write one shareable HTML page (+ JSON): check findings, the last smoke, a log explained"),
    "compare": ("ascendfix.compare.cli", "what differs between nodes: reports from check --json/--out, Ansible, msprechecker dumps"),
}


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (plus a pointer to --help) and exit code 2 (a JSON error document too
    when the command line asked for --json)."""

    def __init__(self, *args, json_mode=False, library=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.json_mode = json_mode
        self.library = library  # the library API: raise instead of printing and exiting

    def error(self, message):
        if self.library:
            raise AscendfixError(message)
        json_mode = self.json_mode
        line = "{}: error: {} (see '{} --help')".format(self.prog, message, self.prog)
        if json_mode:
            from ascendfix.output import emit_json

            emit_json({"error": {"message": message, "exit_code": EXIT_USAGE}})
        sys.stderr.write(line + "\n")
        raise SystemExit(EXIT_USAGE)


def build_parser(only=None, json_mode=False, library=False):
    """The parser; only the verb ``only`` gets its full arguments (and its module imported)."""
    parser = _Parser(
        json_mode=json_mode,
        library=library,
        prog="ascendfix",
        description="Doctor, patcher, log explainer and smoke test for Stable Diffusion XL on Huawei Ascend NPUs.",
        epilog=exit_code_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version="ascendfix " + __version__)
    subs = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    parser.verb_parsers = {}
    for verb, (modname, help_line) in VERBS.items():
        p = subs.add_parser(verb, help=help_line, description=help_line, json_mode=json_mode, library=library,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("--version", action="version", version="ascendfix " + __version__)
        p.add_argument("--json", action="store_true", help="print one JSON document on stdout and nothing else")
        parser.verb_parsers[verb] = p
        if verb != only:
            continue
        mod = importlib.import_module(modname)
        p.description = (mod.__doc__ or "").strip() or help_line
        mod.add_arguments(p)
        p.set_defaults(handler=mod.run)
    return parser


def main(argv=None):
    _tolerant_streams()
    try:
        return _main(argv)
    except KeyboardInterrupt as e:  # Ctrl-C while parsing or importing a verb: no traceback either
        return _interrupted("ascendfix", e, None)
    except Exception as e:
        if _interrupt_inside(e):
            return _interrupted("ascendfix", KeyboardInterrupt(), None)
        raise


def _tolerant_streams():
    """Names the user gave us may hold bytes that are not UTF-8 (a file name in another encoding arrives as lone
    surrogates): print them as ``\\udcff`` escapes instead of failing where stdout/stderr encode strictly (a
    UTF-8 locale's stdout). In a JSON string that escape is valid JSON and reads back as the same name."""
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (AttributeError, ValueError, OSError):
                pass


def _main(argv):
    argv = sys.argv[1:] if argv is None else list(argv)
    verb = next((a for a in argv if not a.startswith("-")), None)
    try:
        parser = build_parser(only=verb if verb in VERBS else None, json_mode="--json" in argv)
    except AscendfixError as e:  # a verb's data read while building its arguments (e.g. rules/stacks.yaml)
        return _fail("ascendfix " + verb if verb in VERBS else "ascendfix", str(e), e.exit_code,
                     argparse.Namespace(json="--json" in argv))
    args, extra = parser.parse_known_args(argv)
    if extra:
        target = parser.verb_parsers.get(getattr(args, "verb", None), parser)
        target.error("unrecognized arguments: " + " ".join(extra))
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    prog = "ascendfix " + args.verb
    try:
        target = sys.modules.get("ascendfix.target")
        if target is not None:  # (not imported yet: nothing probed to forget, and explain never needs it)
            target.forget()  # a new run: every interpreter is probed (at most) once in it
        return int(args.handler(args) or 0)
    except AscendfixError as e:
        return _fail(prog, str(e), e.exit_code, args)
    except KeyboardInterrupt as e:
        return _interrupted(prog, e, args)
    except BrokenPipeError:
        # The reader went away (errors.PIPE_RULE). Verbs render inside output.reader_may_leave() and return their
        # own exit code, so this is only reached from a write outside it (a verb's code cannot be known here):
        # stay quiet, and let the interpreter's final flush go to /dev/null.
        from ascendfix.output import reader_gone

        reader_gone()
        return 0
    except Exception as e:  # a bug: one line, exit 3; the traceback only on request
        if _interrupt_inside(e):  # Ctrl-C during an import: Python may wrap it in a RuntimeError
            return _interrupted(prog, KeyboardInterrupt(), args)
        if os.environ.get("ASCENDFIX_DEBUG"):
            import traceback

            traceback.print_exc()
        msg = "internal error: {}: {} (set ASCENDFIX_DEBUG=1 for the traceback; please report it)".format(
            type(e).__name__, e
        )
        return _fail(prog, msg, EXIT_INTERNAL, args)


def _interrupt_inside(exc):
    for _ in range(10):
        exc = exc.__cause__ or exc.__context__
        if exc is None:
            return False
        if isinstance(exc, KeyboardInterrupt):
            return True
    return False


def _interrupted(prog, exc, args):
    """Ctrl-C: one line (what the verb says is on disk, when it says so), exit 130 (128 + the signal)."""
    detail = str(exc)
    code = getattr(exc, "exit_code", EXIT_INTERRUPTED)
    message = "interrupted" + (": " + detail if detail else "")
    try:
        if getattr(args, "json", False):
            from ascendfix.output import emit_json

            emit_json({"error": {"message": message, "exit_code": code}})
        sys.stderr.write("{}: {}\n".format(prog, message))
    except (OSError, ValueError):
        pass
    return code


def _fail(prog, message, code, args):
    if getattr(args, "json", False):
        from ascendfix.output import emit_json

        emit_json({"error": {"message": message, "exit_code": code}})
    sys.stderr.write("{}: error: {}\n".format(prog, message))
    return code


if __name__ == "__main__":
    raise SystemExit(main())
