"""Patch a MindOne checkout with the rules in rules/patches (revertible)."""

from ascendfix.errors import AscendfixError

HELP = "patch a MindOne checkout for Python 3.8 / Ascend (pins, annotations, masked_fill dtype)"


def add_arguments(parser):
    parser.add_argument("path", help="MindOne checkout")


def run(args):
    raise AscendfixError("apply: not implemented yet", exit_code=3)
