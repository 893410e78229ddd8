"""Exit codes and the user-facing error type.

One scheme for every verb (documented in README.md):

    0  success
    1  the verb's negative outcome (check: errors found; apply --check: changes pending;
       explain: no known signature; smoke: failed)
    2  usage or input error (bad flag, missing file, malformed rule file)
    3  internal error (a bug in ascendfix)
    130 interrupted (Ctrl-C; 143 for SIGTERM where a verb holds it): what is on disk is said in one line
"""

EXIT_OK = 0
EXIT_NEGATIVE = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130


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
