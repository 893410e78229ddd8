"""Run by a venv's Python: really import ``from MODULE import NAME`` pairs and classify the outcome.

stdin: JSON list of [module, name]; stdout: JSON list of [module, name, outcome, detail] where
outcome is "ok", "name" (ImportError: cannot import that name from that module), "module" (the
module itself does not exist), or "inconclusive" (failed for another reason, e.g. torch absent).
Used by tests/test_importcheck.py to validate the static resolver against real transformers.
"""

import json
import sys
import warnings


def classify(module, name):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec("from {} import {}".format(module, name), {})
        return "ok", ""
    except ModuleNotFoundError as e:
        missing = e.name or ""
        if missing and (module == missing or module.startswith(missing + ".")) and missing.split(".")[0] == module.split(".")[0]:
            return "module", str(e)
        if missing == module + "." + name:
            return "name", str(e)
        return "inconclusive", str(e)
    except ImportError as e:
        msg = str(e)
        if "cannot import name '{}'".format(name) in msg and "'{}'".format(module) in msg:
            return "name", msg
        return "inconclusive", msg
    except BaseException as e:  # anything else the import ran into (backend checks, RuntimeError...)
        return "inconclusive", "{}: {}".format(type(e).__name__, e)


def main():
    pairs = json.load(sys.stdin)
    out = []
    for module, name in pairs:
        outcome, detail = classify(module, name)
        out.append([module, name, outcome, detail[:300]])
    sys.stdout.write(json.dumps(out))


if __name__ == "__main__":
    main()
