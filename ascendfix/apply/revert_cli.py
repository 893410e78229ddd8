"""Restore every file `ascendfix apply` changed, byte for byte, from the journal in PATH/.ascendfix/."""

from ascendfix.errors import AscendfixError

HELP = "undo every change `ascendfix apply` made to a tree"


def add_arguments(parser):
    parser.add_argument("path", help="the tree apply patched")


def run(args):
    raise AscendfixError("revert: not implemented yet", exit_code=3)
