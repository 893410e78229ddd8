"""`ascendfix check`: the environment doctor.

Library API (used by smoke's preflight)::

    from ascendfix.check import run_checks
    findings = run_checks(only=["npu", "cann.locate"], stack="mindone", weights="/data/sdxl")

Each finding is a dict ``{id, check, category, status, title, detail, evidence, expected, fix}`` exactly as
``ascendfix check --json`` prints it.
"""

from ascendfix.check import engine

_LOADED = False


def load_checks():
    """Import the check modules (registration happens at import)."""
    global _LOADED
    if not _LOADED:
        # import order = report order within a category
        from ascendfix.check import checks_system  # noqa: F401
        from ascendfix.check import checks_cann  # noqa: F401
        from ascendfix.check import checks_python  # noqa: F401
        from ascendfix.check import checks_misc  # noqa: F401
        from ascendfix.check import checks_hccl  # noqa: F401
        from ascendfix.check import checks_weights  # noqa: F401
        from ascendfix.check import checks_deep  # noqa: F401

        _LOADED = True
    return engine.REGISTRY


def make_context(stack=None, weights=None, python=None, root=None, deep=False, script=None, mindone=None,
                 env=None, commands=None, environment=None, **kw):
    from ascendfix.errors import AscendfixError

    from ascendfix import stacks

    if stack is not None and stack not in stacks.ids():
        raise AscendfixError("--stack {}: expected one of {}".format(stack, ", ".join(stacks.ids())))
    if python is not None:
        from ascendfix.target import resolve_python

        python = resolve_python(python)
    return engine.Context(root=root, env=env, commands=commands, python=python, stack=stack, weights=weights,
                          deep=deep, script=script, mindone=mindone, environment=environment, **kw)


def run_checks(only=None, stack=None, weights=None, python=None, root=None, deep=False, **kw):
    """Run the doctor and return the findings (list of dicts, as in ``--json``)."""
    load_checks()
    ctx = make_context(stack=stack, weights=weights, python=python, root=root, deep=deep, **kw)
    return engine.run(ctx, only=only)

# `import ascendfix as af; af.check(...)`: this package is callable as the library call (ascendfix.api.check)
from ascendfix.api import callable_package as _callable_package  # noqa: E402

_callable_package(__name__)
