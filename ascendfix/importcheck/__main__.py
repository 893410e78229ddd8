"""``python -m ascendfix.importcheck``: the import checker on its own (a developer entry point)."""

import json
import os
import sys

from ascendfix.errors import AscendfixError
from ascendfix.importcheck.check import check_imports


def _main(argv=None):
    """python -m ascendfix.importcheck TREE [--package P] [--python PY | --package-dir DIR] [--json]

    A developer entry point (the user-facing commands are ``ascendfix apply``/``check``). Exit 0 when
    every import resolves, 1 when some are missing, 2 on bad input.
    """
    import argparse
    import time

    ap = argparse.ArgumentParser(prog="python -m ascendfix.importcheck", description=_main.__doc__.splitlines()[0])
    ap.add_argument("tree")
    ap.add_argument("--package", default="transformers")
    ap.add_argument("--python")
    ap.add_argument("--package-dir")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    try:
        res = check_imports(args.tree, args.package, python=args.python, package_dir=args.package_dir)
    except AscendfixError as e:
        sys.stderr.write("importcheck: error: {}\n".format(e))
        return 2
    dt = time.perf_counter() - t0
    try:
        if args.json:
            print(json.dumps(res.to_dict(), indent=2))
        else:
            print("{} .py files scanned in {:.2f}s; {} at {}".format(res.scanned, dt, res.package, res.location))
            print(res.summary(limit=len(res.missing)))
            for path, err in res.unparsable:
                print("  skipped {}: {}".format(path, err))
    except BrokenPipeError:
        sys.stdout = open(os.devnull, "w")
    return 1 if res.missing else 0


if __name__ == "__main__":
    raise SystemExit(_main())
