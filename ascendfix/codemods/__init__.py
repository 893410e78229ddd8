"""The codemods of ``ascendfix apply``: one folder per rule.

    codemods/<rule_id>/rule.yaml     id, title, why, kind, codemod (class name), targets, options, examples
    codemods/<rule_id>/__init__.py   the codemod class (see ascendfix.apply.base for the contract)
    codemods/scope.py                names and scopes over the stdlib ast (imports, bindings, fresh names)
    codemods/imports.py              import edits with libcst over a module's header
    codemods/pyversion.py            Python version strings as tuples

The folder is the rule id with dashes as underscores (rule ``masked-fill-dtype`` lives in
``codemods/masked_fill_dtype/``). Adding a rule is adding a folder: the engine finds it, and
``tests/test_patch_rules.py`` runs its examples.
"""

import functools
from pathlib import Path

HERE = Path(__file__).resolve().parent


def folder_for(rule_id):
    """The module name of rule ``rule_id``'s folder (``masked-fill-dtype`` -> ``masked_fill_dtype``)."""
    return rule_id.replace("-", "_")


@functools.lru_cache(maxsize=None)
def _entries(cached=False):
    from ascendfix.data import load_yaml, load_yaml_cached
    from ascendfix.errors import DataError

    out = []
    for path in sorted(HERE.glob("*/rule.yaml")):
        entry = load_yaml_cached(path) if cached else load_yaml(path)
        where = display(path)
        if not isinstance(entry, dict):
            raise DataError("{}: expected one mapping (the rule)".format(where))
        rid = entry.get("id")
        if not isinstance(rid, str) or folder_for(rid) != path.parent.name:
            raise DataError("{}: rule id {!r} does not match its folder '{}'".format(where, rid, path.parent.name))
        spec = entry.get("codemod")
        if isinstance(spec, str) and ":" not in spec:
            entry = dict(entry, codemod="{}.{}:{}".format(__name__, path.parent.name, spec))
        out.append((path, entry))
    return tuple(out)


def builtin_rule_entries(cached=False):
    """``[(path of rule.yaml, entry)]`` of every codemod folder, the ``codemod`` field made ``module:Class``.

    ``cached``: read through the disk cache (explain, on every start: :func:`ascendfix.data.load_yaml_cached`);
    apply reads them as they are (a dry run writes nothing)."""
    return list(_entries(bool(cached)))


def display(path):
    """``ascendfix/codemods/<rule_id>/rule.yaml`` for messages."""
    try:
        return str(Path(path).resolve().relative_to(HERE.parent.parent))
    except ValueError:
        return str(path)
