"""Environment doctor: NPU, driver, CANN, framework pairing, Python, pins, env vars, weights."""

from ascendfix.errors import AscendfixError

HELP = "environment doctor before setup (NPU, driver, CANN, versions, pins, env vars, weights)"


def add_arguments(parser):
    pass


def run(args):
    raise AscendfixError("check: not implemented yet", exit_code=3)
