"""Run a full SDXL generation from a recipe and report it."""

from ascendfix.errors import AscendfixError

HELP = "run an SDXL generation from a recipe and report it (--tiny for a CPU check)"


def add_arguments(parser):
    pass


def run(args):
    raise AscendfixError("smoke: not implemented yet", exit_code=3)
