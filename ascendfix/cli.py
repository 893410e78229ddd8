"""The ``ascendfix`` command: parses arguments and dispatches to one verb module.

Each verb lives in its own package (``ascendfix/<verb>/cli.py``) exposing ``HELP`` (one line),
``add_arguments(parser)`` and ``run(args) -> int``. This file holds no verb logic: it maps
exceptions to the exit-code scheme in :mod:`ascendfix.errors` and guarantees that a user
mistake never prints a traceback.
"""

import argparse
import importlib
import os
import sys
import traceback

from ascendfix import __version__
from ascendfix.errors import EXIT_INTERNAL, EXIT_USAGE, AscendfixError

# verb -> module; order is the order shown in --help
VERBS = {
    "check": "ascendfix.check.cli",
    "apply": "ascendfix.apply.cli",
    "revert": "ascendfix.apply.revert_cli",
    "explain": "ascendfix.explain.cli",
    "smoke": "ascendfix.smoke.cli",
}


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (plus a pointer to --help) and exit code 2."""

    def error(self, message):
        json_mode = "--json" in sys.argv[1:]
        line = "{}: error: {} (see '{} --help')".format(self.prog, message, self.prog)
        if json_mode:
            from ascendfix.output import emit_json

            emit_json({"error": {"message": message, "exit_code": EXIT_USAGE}})
        sys.stderr.write(line + "\n")
        raise SystemExit(EXIT_USAGE)


def build_parser():
    parser = _Parser(
        prog="ascendfix",
        description="Doctor, patcher, log explainer and smoke test for Stable Diffusion XL on Huawei Ascend NPUs.",
        epilog="Exit codes: 0 success, 1 negative outcome (issues found / changes pending / no known "
        "signature / smoke failed), 2 usage or input error, 3 internal error.",
    )
    parser.add_argument("--version", action="version", version="ascendfix " + __version__)
    subs = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    parser.verb_parsers = {}
    for verb, modname in VERBS.items():
        mod = importlib.import_module(modname)
        doc = (mod.__doc__ or "").strip()
        p = subs.add_parser(
            verb,
            help=mod.HELP,
            description=doc or mod.HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.add_argument("--version", action="version", version="ascendfix " + __version__)
        p.add_argument("--json", action="store_true", help="print one JSON document on stdout and nothing else")
        mod.add_arguments(p)
        p.set_defaults(handler=mod.run)
        parser.verb_parsers[verb] = p
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        target = parser.verb_parsers.get(getattr(args, "verb", None), parser)
        target.error("unrecognized arguments: " + " ".join(extra))
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    prog = "ascendfix " + args.verb
    try:
        return int(args.handler(args) or 0)
    except AscendfixError as e:
        return _fail(prog, str(e), e.exit_code, args)
    except KeyboardInterrupt:
        sys.stderr.write("{}: interrupted\n".format(prog))
        return 130
    except BrokenPipeError:
        # `ascendfix explain big.log | head`: the reader went away; not an error of ours.
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except Exception as e:  # a bug: one line, exit 3; the traceback only on request
        if os.environ.get("ASCENDFIX_DEBUG"):
            traceback.print_exc()
        msg = "internal error: {}: {} (set ASCENDFIX_DEBUG=1 for the traceback; please report it)".format(
            type(e).__name__, e
        )
        return _fail(prog, msg, EXIT_INTERNAL, args)


def _fail(prog, message, code, args):
    if getattr(args, "json", False):
        from ascendfix.output import emit_json

        emit_json({"error": {"message": message, "exit_code": code}})
    sys.stderr.write("{}: error: {}\n".format(prog, message))
    return code


if __name__ == "__main__":
    raise SystemExit(main())
