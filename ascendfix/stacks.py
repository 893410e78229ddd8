"""The stacks ascendfix knows, read from ``rules/stacks.yaml`` (the one place a stack is described).

::

    from ascendfix import stacks
    stacks.ids()                            # ("mindone", "torch-npu", "mindie"), file order
    stacks.get("torch-npu")["requires_from"]
    stacks.packages()                       # {"torch_npu": "torch-npu", ...}  import name -> distribution
    stacks.detect(has_dist, has_dir)        # ("mindie", "mindie-sd is installed")
    stacks.preflight("mindone", "CPU")      # check categories smoke runs first

A malformed file is a :class:`DataError` naming the file and the field (exit 2).
"""

import functools

from ascendfix.data import DataError, Field, builtin_root, data_root, load_yaml, validate

DEVICE_CLASSES = ("npu", "cpu")

TOP_FIELDS = {
    "packages": Field(dict),
    "default": Field(str),
    "stacks": Field(list, items=dict),
}
FIELDS = {
    "id": Field(str),
    "title": Field(str),
    "distributions": Field(list, items=str),
    "imports": Field(list, items=str),
    "requires_from": Field(list, items=str),
    "devices": Field(list, items=str),
    "runner": Field(str),
    "tiny": Field(str, choices=("mindone", "diffusers")),
    "preflight": Field(dict),
    "recipe": Field(str),
    "detect": Field(list, items=dict),
    "examples": Field(list, items=dict),
}
DETECT_FIELDS = {
    "installed": Field(list, required=False, items=str),
    "installed_all": Field(list, required=False, items=str),
    "path": Field(str, required=False),
    "reason": Field(str),
    "order": Field(int),
}
EXAMPLE_FIELDS = {"installed": Field(list, items=str), "paths": Field(list, required=False, items=str),
                  "stack": Field(str)}


def _path():
    """rules/stacks.yaml of the rules folder in use; the shipped one when that folder has none (a user's own
    rules folder may hold only signatures or patch rules)."""
    path = data_root("rules") / "stacks.yaml"
    return path if path.is_file() else builtin_root("rules") / "stacks.yaml"


@functools.lru_cache(maxsize=8)
def _load(path_str, _size, _mtime):
    where = "rules/stacks.yaml"
    doc = load_yaml(path_str)
    validate(doc, TOP_FIELDS, where)
    seen = {}
    for entry in doc["stacks"]:
        sid = entry.get("id")
        w = "{}: stack '{}'".format(where, sid) if sid else where
        validate(entry, FIELDS, w)
        if sid in seen:
            raise DataError("{}: duplicate stack id".format(w))
        for cls, cats in entry["preflight"].items():
            if cls not in DEVICE_CLASSES or not isinstance(cats, list):
                raise DataError("{}: preflight must map {} to lists of check categories".format(
                    w, " and ".join(DEVICE_CLASSES)))
        for rule in entry["detect"]:
            validate(rule, DETECT_FIELDS, w + " detect")
            if sum(1 for k in ("installed", "installed_all", "path") if rule.get(k)) != 1:
                raise DataError("{} detect: each rule has exactly one of installed, installed_all, path".format(w))
        for ex in entry["examples"]:
            validate(ex, EXAMPLE_FIELDS, w + " example")
        seen[sid] = entry
    if doc["default"] not in seen:
        raise DataError("{}: default '{}' is not a stack".format(where, doc["default"]))
    for imp, dist in doc["packages"].items():
        if not isinstance(imp, str) or not isinstance(dist, str):
            raise DataError("{}: packages must map import names to distribution names".format(where))
    return doc


def load():
    """The whole file, validated (re-read when it changes)."""
    path = _path()
    try:
        st = path.stat()
    except OSError:
        raise DataError("rules/stacks.yaml: not found (broken install?)")
    return _load(str(path), st.st_size, st.st_mtime_ns)


def ids():
    return tuple(s["id"] for s in load()["stacks"])


def get(stack_id):
    for s in load()["stacks"]:
        if s["id"] == stack_id:
            return s
    raise KeyError(stack_id)


def default():
    return load()["default"]


def packages():
    """Import name -> distribution name, for everything the stacks import."""
    return dict(load()["packages"])


def requires_from(stack_id):
    return list(get(stack_id)["requires_from"])


def all_requires_from():
    """Every distribution whose Requires-Dist some stack checks, in file order."""
    out = []
    for s in load()["stacks"]:
        out += [d for d in s["requires_from"] if d not in out]
    return out


def device_class(device):
    return "npu" if str(device).lower() in ("ascend", "npu") else "cpu"


def preflight(stack_id, device):
    """The check categories smoke runs before a generation of ``stack_id`` on ``device``."""
    return list(get(stack_id)["preflight"][device_class(device)])


def runner(stack_id):
    return get(stack_id)["runner"]


def tiny_builder(stack_id):
    return get(stack_id)["tiny"]


def detect(has_dist, has_dir):
    """(stack id, reason) from what is installed: ``has_dist(name)`` and ``has_dir(path)`` answer the questions.

    Distribution rules go first (by ``order``); an unexpected error there skips to the path rules, and nothing
    matching means the file's ``default``.
    """
    from ascendfix.errors import AscendfixError

    rules = sorted(((r["order"], s["id"], r) for s in load()["stacks"] for r in s["detect"]), key=lambda t: t[0])
    try:
        for _, sid, r in rules:
            if r.get("installed") and any(has_dist(n) for n in r["installed"]):
                return sid, r["reason"]
            if r.get("installed_all") and all(has_dist(n) for n in r["installed_all"]):
                return sid, r["reason"]
    except AscendfixError:
        raise
    except Exception:
        pass
    for _, sid, r in rules:
        if r.get("path") and has_dir(r["path"]):
            return sid, r["reason"]
    return default(), "assumed: no framework installed yet; --stack to choose"
