"""The stacks ascendfix knows, read from ``rules/stacks.yaml`` (the one place a stack is described).

::

    from ascendfix import stacks
    stacks.ids()                            # ("mindone", "torch-npu", "mindie"), file order
    stacks.get("torch-npu")["requires_from"]
    stacks.packages()                       # {"torch_npu": "torch-npu", ...}  import name -> distribution
    stacks.detect(has_dist, has_dir)        # ("mindie", "mindie-sd is installed")
    stacks.preflight("mindone", "CPU")      # check categories smoke runs first
    stacks.family("mindie")                 # "torch": the plan model, the checks that apply, smoke modes
    stacks.top("mindie")                    # "mindiesd": the package the plan picks first (None: the framework)
    stacks.applies("mindie", family="torch", uses=["mindiesd"], top=True)   # scope of a check or env rule

A malformed file is a :class:`DataError` naming the file and the field (exit 2).
"""

import functools

from ascendfix.data import DataError, Field, builtin_root, data_root, load_yaml, validate

DEVICE_CLASSES = ("npu", "cpu")

TOP_FIELDS = {
    "packages": Field(dict),
    "families": Field(dict),
    "default": Field(str),
    "stacks": Field(list, items=dict),
}
FAMILY_FIELDS = {
    "title": Field(str),
    "framework": Field(list, items=str),
    "top": Field(str, choices=("required", "optional")),
    "modes": Field(list, items=str),
    "dtype_arg": Field(str),
}
FIELDS = {
    "id": Field(str),
    "title": Field(str),
    "family": Field(str),
    "top": Field(str, required=False),
    "floors": Field(list, required=False, items=str),
    "distributions": Field(list, items=str),
    "imports": Field(list, items=str),
    "requires_from": Field(list, items=str),
    "devices": Field(list, items=str),
    "runner": Field(str),
    "tiny": Field(str),  # a builder of ascendfix/smoke/tiny.py (BUILDERS)
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
    for fid, fam in doc["families"].items():
        if not isinstance(fam, dict):
            raise DataError("{}: family '{}' must be a mapping".format(where, fid))
        validate(fam, FAMILY_FIELDS, "{}: family '{}'".format(where, fid))
    seen = {}
    for entry in doc["stacks"]:
        sid = entry.get("id")
        w = "{}: stack '{}'".format(where, sid) if sid else where
        validate(entry, FIELDS, w)
        if sid in seen:
            raise DataError("{}: duplicate stack id".format(w))
        fam = doc["families"].get(entry["family"])
        if fam is None:
            raise DataError("{}: family '{}' is not one of {}".format(w, entry["family"], ", ".join(doc["families"])))
        if entry.get("top") and entry["top"] not in entry["distributions"]:
            raise DataError("{}: top '{}' is not one of its distributions".format(w, entry["top"]))
        if fam["top"] == "required" and not entry.get("top"):
            raise DataError("{}: field 'top' is missing (the {} family plans a package on top of the framework)".format(
                w, entry["family"]))
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


def described():
    """'mindone = MindSpore + MindOne; torch-npu = ...' for help texts."""
    return "; ".join("{} = {}".format(s["id"], s["title"]) for s in load()["stacks"])


def default():
    return load()["default"]


def packages():
    """Import name -> distribution name, for everything the stacks import."""
    return dict(load()["packages"])


def families():
    return dict(load()["families"])


def family(stack_id):
    """The framework family id of a stack (``mindspore``, ``torch``)."""
    return get(stack_id)["family"]


def family_info(stack_id):
    """The ``families`` entry of a stack's family (title, framework, top, modes, dtype_arg)."""
    return load()["families"][family(stack_id)]


def top(stack_id):
    """The distribution the stack's plan chooses first (``mindone``, ``mindiesd``), or None (the framework)."""
    return get(stack_id).get("top") or None


def top_table(dist):
    """The pairing table of a top package and the column holding its version: ``("mindiesd.yaml", "mindiesd")``."""
    stem = dist.replace("-", "_")
    return stem + ".yaml", stem


def top_tables():
    """{table file name: family id} of every stack's top package (rules/compat/<top>.yaml)."""
    out = {}
    for s in load()["stacks"]:
        if s.get("top"):
            out.setdefault(top_table(s["top"])[0], s["family"])
    return out


def floors(stack_id):
    """Ids of the rules/compat/packages.yaml floor rows the stack needs."""
    return list(get(stack_id).get("floors") or [])


def distributions(stack_id):
    return list(get(stack_id)["distributions"])


def modes(stack_id):
    """The smoke --mode values the stack's runner supports (its family's)."""
    return list(family_info(stack_id)["modes"])


def all_modes():
    """Every smoke mode some family supports, in file order."""
    out = []
    for fam in load()["families"].values():
        out += [m for m in fam["modes"] if m not in out]
    return out


def applies(stack_id, family=None, uses=None, top=None):
    """Whether a check or env rule scoped this way runs for ``stack_id``: ``family`` (an id or a list of ids) of
    the stack's family, ``uses`` (distributions, any of them) that the stack installs, ``top`` (True: the stack
    names a top package). No scope: every stack."""
    s = get(stack_id)
    if family is not None and s["family"] not in ([family] if isinstance(family, str) else family):
        return False
    if uses is not None:
        from ascendfix.target import canonical_name

        mine = {canonical_name(d) for d in s["distributions"]}
        if not any(canonical_name(d) in mine for d in ([uses] if isinstance(uses, str) else uses)):
            return False
    if top is not None and bool(s.get("top")) != bool(top):
        return False
    return True


def all_distributions():
    """Every distribution some stack installs, in file order."""
    out = []
    for s in load()["stacks"]:
        out += [d for d in s["distributions"] if d not in out]
    return out


def framework_distributions():
    """Distributions that mark an environment as a framework's: the families' frameworks, the stacks' top
    packages and the names their detection looks for (mindie-sd as well as mindiesd)."""
    from ascendfix.target import canonical_name

    doc = load()
    names = [d for fam in doc["families"].values() for d in fam["framework"]]
    for s in doc["stacks"]:
        names += ([s["top"]] if s.get("top") else []) + [n for r in s["detect"] for n in (r.get("installed") or [])]
    out = []
    for n in names:
        if canonical_name(n) not in out:
            out.append(canonical_name(n))
    return out


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
