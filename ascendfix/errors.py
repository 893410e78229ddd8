"""Exit codes and the user-facing error type.

One scheme for every verb (documented in README.md and `ascendfix --help`, both from :data:`NEGATIVE_OUTCOMES`):

    0  success
    1  the verb's negative outcome (:data:`NEGATIVE_OUTCOMES`)
    2  usage or input error (bad flag, missing file, malformed rule file)
    3  internal error (a bug in ascendfix)
    130 interrupted (Ctrl-C; 143 for SIGTERM where a verb holds it): what is on disk is said in one line
"""

import textwrap

EXIT_OK = 0
EXIT_NEGATIVE = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130

# What exit 1 means, per verb: the one text behind `ascendfix --help` and the README's exit-code table
# (tests/test_cli.py checks that both say it).
NEGATIVE_OUTCOMES = (
    ("check", "errors found (with --strict: warnings too)"),
    ("apply", "a rule's preflight refused; with --check/--diff: changes pending or findings left for a person"),
    ("revert", "nothing to revert, or files edited since apply (--force restores them anyway)"),
    ("explain", "no known signature (no failure, or an unknown one)"),
    ("smoke", "the generation or an image check failed; with --compare: a regression or settings that differ"),
    ("compare", "a must-match item differs between nodes, or a per-node value collides"),
    ("report", "none: the page is written whatever it shows (bad input is 2)"),
)
# The reader of the output going away (`ascendfix VERB ... | head -1`), the same for every verb.
PIPE_RULE = ("When the reader of the output goes away early (`| head`), a verb finishes its work (files it writes are "
             "written), stops printing quietly and exits with its own exit code; nothing is printed on stderr "
             "for it.")


def exit_code_help():
    """The exit-code text of `ascendfix --help` (plain text, one line per code and per verb)."""
    width = max(len(v) for v, _ in NEGATIVE_OUTCOMES)
    lines = ["Exit codes (every verb):",
             "  0    success",
             "  1    the verb's negative outcome:"]
    lines += ["         {:<{w}}  {}".format(verb, what, w=width) for verb, what in NEGATIVE_OUTCOMES]
    lines += ["  2    usage or input error (bad flag, missing file, unknown id, malformed rule file): one line",
              "  3    internal error (ASCENDFIX_DEBUG=1 shows the traceback; please report it)",
              "  130  interrupted (Ctrl-C): one line saying what is on disk",
              ""]
    lines += textwrap.wrap(PIPE_RULE.replace("`", ""), 100)
    return "\n".join(lines)


class AscendfixError(Exception):
    """A problem with the user's input: printed as one line, exit code 2.

    Never raise it for a bug; let those propagate (they become exit 3).
    """

    exit_code = EXIT_USAGE

    def __init__(self, message, exit_code=None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class DataError(AscendfixError):
    """A malformed file in rules/ or recipes/ (or a user-supplied rule/recipe file)."""
