"""transformers' lazy-import conventions, as the import checker needs to read them statically.

transformers (and packages built like it) do not bind their public names with plain imports: a package's
``__init__`` fills an *import structure* (``_import_structure = {"module": ["Name", ...]}``, edited with
``["x"].append``/``.extend``/``.update``, or ``[n for n in dir(dummy_module)]``), or calls
``define_import_structure(<its directory>)`` which scans the directory's files for ``__all__`` and
``@requires(...)``-decorated definitions, and replaces itself with a ``_LazyModule(..., extra_objects={...})``.
The functions here turn those constructs into names; :class:`~ascendfix.importcheck.resolver.Resolver` applies
them. Adding a convention (another package's lazy loader) means adding a rule here.
"""

import ast
import os

DEFINE_IMPORT_STRUCTURE = "define_import_structure"
LAZY_MODULE = "_LazyModule"
# the markers that make the resolver look for the calls above inside nested expressions too
MARKERS = (LAZY_MODULE.encode("ascii"), DEFINE_IMPORT_STRUCTURE.encode("ascii"))
# builtins whose first argument is the list of names (list([...]), sorted(...))
_NAME_LIST_CALLS = ("list", "set", "sorted", "tuple")
# path functions define_import_structure's argument goes through
_PATH_CALLS = ("Path", "dirname", "abspath", "realpath", "str", "fspath")


def str_consts(node):
    """The strings of a list/tuple/set literal (its non-string items ignored), or None for anything else."""
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return None


def is_structure_var(node):
    """``_import_structure`` / ``import_structure`` (a Name), or a subscript of it."""
    if isinstance(node, ast.Subscript):
        node = node.value
    return isinstance(node, ast.Name) and node.id.endswith("import_structure")


def structure_names_of(expr, from_names, dir_modules):
    """Names listed by an import-structure value expression.

    ``[n for n in dir(X)]`` over a name imported from module M (``from_names``: local name -> "M.name") lists
    whatever M exports: M is appended to ``dir_modules`` for the resolver to expand.
    """
    out = set()
    if expr is None:
        return out
    consts = str_consts(expr)
    if consts is not None:
        out.update(consts)
    elif isinstance(expr, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
        it = expr.generators[0].iter
        if (isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "dir"
                and it.args and isinstance(it.args[0], ast.Name) and it.args[0].id in from_names):
            dir_modules.append(from_names[it.args[0].id])
    elif isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        out |= structure_names_of(expr.left, from_names, dir_modules) | structure_names_of(expr.right, from_names,
                                                                                           dir_modules)
    elif isinstance(expr, ast.Call) and expr.args and isinstance(expr.func, ast.Name) \
            and expr.func.id in _NAME_LIST_CALLS:
        out |= structure_names_of(expr.args[0], from_names, dir_modules)
    return out


def structure_dict_names(d, from_names, dir_modules):
    """Names in the values of an import-structure dict literal."""
    out = set()
    if isinstance(d, ast.Dict):
        for v in d.values:
            out |= structure_names_of(v, from_names, dir_modules)
    return out


def structure_dir(arg, module_path):
    """The directory a ``define_import_structure(...)`` argument denotes (in the module at ``module_path``),
    or None."""
    if isinstance(arg, ast.Name) or isinstance(arg, ast.Subscript):
        return os.path.dirname(module_path)  # _file / __file__ / globals()["__file__"]
    if isinstance(arg, ast.Attribute) and arg.attr == "parent":
        return structure_dir(arg.value, module_path)
    if isinstance(arg, ast.Call):
        f = arg.func
        fname = f.id if isinstance(f, ast.Name) else (f.attr if isinstance(f, ast.Attribute) else "")
        if fname in _PATH_CALLS and arg.args:
            return structure_dir(arg.args[0], module_path)
        if fname == "join" and arg.args:
            d = structure_dir(arg.args[0], module_path)
            for a in arg.args[1:]:
                if d is None or not (isinstance(a, ast.Constant) and isinstance(a.value, str)):
                    return None
                d = os.path.join(d, a.value)
            return d
    if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Div):
        d = structure_dir(arg.left, module_path)
        r = arg.right
        if d is not None and isinstance(r, ast.Constant) and isinstance(r.value, str):
            return os.path.join(d, r.value)
    return None


def structure_files(files):
    """The files of a directory ``define_import_structure`` reads: not ``__init__.py``; ``modular_*`` files are
    dropped when ``modeling_*`` files sit beside them (they are generated from them)."""
    files = [f for f in files if f != "__init__.py"]
    if any("modular_" in f for f in files) and any("modeling_" in f for f in files):
        files = [f for f in files if "modular_" not in f]
    return [f for f in files if f.endswith(".py")]


def file_exports(text):
    """What one file contributes to ``define_import_structure``: its ``@requires`` definitions and ``__all__``."""
    names = set()
    if "@requires" in text:
        names.update(_requires_exports(text))
    if "__all__" in text:
        names.update(_fetch_all(text))
    return names


def _fetch_all(text):
    """``__all__`` names the way transformers' ``fetch__all__`` reads them (last line starting with it)."""
    idx = text.rfind("\n__all__")
    if idx >= 0:
        start = idx + 1
    elif text.startswith("__all__"):
        start = 0
    else:
        return []
    lines = text[start:].splitlines()
    first = lines[0]
    if first.endswith("]"):
        return [o.strip("\"' ") for o in first.split("=")[1].strip(" []").split(",")]
    out = []
    for line in lines[1:]:
        if line.strip() == "]":
            break
        out.append(line.strip("\"', "))
    return out


def _requires_exports(text):
    """Top-level class/def names decorated with ``@requires(...)`` (transformers' export decorator)."""
    out = []
    pending = False
    for line in text.split("\n"):
        if line.startswith("@requires"):
            pending = True
            continue
        if line.startswith((" ", "\t", "@", ")")):
            continue
        if pending and line.startswith(("class", "def")):
            start = 6 if line.startswith("class") else 4
            out.append(line[start:].split("(")[0].strip(":").strip())
            pending = False
    return out
