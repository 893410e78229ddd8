"""Match a log against the knowledge base of Ascend/MindSpore error signatures."""

from ascendfix.errors import AscendfixError

HELP = "name the cause and the fix of an error log (or: explain ID)"


def add_arguments(parser):
    parser.add_argument("target", nargs="?", help="log file, '-' for stdin, or a signature id")


def run(args):
    raise AscendfixError("explain: not implemented yet", exit_code=3)
