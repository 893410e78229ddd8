"""`ascendfix check`: the environment doctor.

Library API::

    from ascendfix.check import check
    report = check(stack="mindone", python="~/sdxl-env/bin/python", wants=["mindone>=0.5"])
    report.ok            # no errors (with strict=True: no warnings either)
    report.plan          # the stack plan (ascendfix.check.plan.Plan)
    report.to_dict()     # the `ascendfix check --json` document

``run_checks(...)`` returns just the findings (used by smoke's preflight). Each finding is a dict
``{id, check, category, status, title, detail, evidence, expected, fix}`` exactly as ``--json`` prints it.

Check modules are the ``checks_<category>.py`` files of this package: adding one (with its category, see
:func:`ascendfix.check.engine.add_category`) touches nothing else.
"""

import importlib
import pkgutil

from ascendfix.check import engine

_LOADED = False


def load_checks():
    """Import the check modules (registration happens at import): known categories first, then any other."""
    global _LOADED
    if not _LOADED:
        import ascendfix.check as pkg

        names = sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if m.name.startswith("checks_"))
        order = ["checks_" + c for c, _ in engine.CATEGORIES]
        names.sort(key=lambda n: (order.index(n) if n in order else len(order), n))
        for name in names:
            importlib.import_module("ascendfix.check." + name)
        _LOADED = True
    return engine.REGISTRY


def make_context(stack=None, weights=None, python=None, root=None, deep=False, script=None, mindone=None,
                 env=None, commands=None, environment=None, wants=(), discover=None, own_env=False, **kw):
    """A check context. Without ``python`` (and without an injected ``environment``) the user's environment
    is looked for (``discover``, default on: see :mod:`ascendfix.check.which_env`)."""
    from ascendfix.errors import AscendfixError

    from ascendfix import stacks

    if stack is not None and stack not in stacks.ids():
        raise AscendfixError("--stack {}: expected one of {}".format(stack, ", ".join(stacks.ids())))
    how = None
    if python is not None:
        from ascendfix.target import resolve_python

        python = resolve_python(python)
        how = "--python"
    elif environment is None and (discover is None or discover):
        from ascendfix.check import which_env

        choice = which_env.choose(env)
        python, how, own_env = choice.python, choice.how, choice.own_env
    ctx = engine.Context(root=root, env=env, commands=commands, python=python, stack=stack, weights=weights,
                         deep=deep, script=script, mindone=mindone, environment=environment, own_env=own_env,
                         python_how=how, **kw)
    if wants:
        from ascendfix.check.plan import parse_wants

        ctx.wants = parse_wants(wants, ctx.stack) if isinstance(wants[0], str) else list(wants)
    return ctx


def run_checks(only=None, stack=None, weights=None, python=None, root=None, deep=False, **kw):
    """Run the doctor and return the findings (list of dicts, as in ``--json``)."""
    load_checks()
    ctx = make_context(stack=stack, weights=weights, python=python, root=root, deep=deep, **kw)
    return engine.run(ctx, only=only)


def _known_command(name):
    """A recorded command's name must be one a check runs (a typo would replay nothing, silently)."""
    import re

    from ascendfix.check.checks_hccl import hccn_rules
    from ascendfix.errors import AscendfixError

    options = [r["option"] for r in hccn_rules().values()]
    m = re.match(r"hccn_tool -i \d+ (.+)$", name)
    if name == "npu-smi info" or (m and any(m.group(1) == o or m.group(1).startswith(o + " ") for o in options)):
        return
    raise AscendfixError("--command-output {!r}: not a command check runs (known: 'npu-smi info', {})".format(
        name, ", ".join("'hccn_tool -i N {}'".format(o) for o in options)))


def _inputs(weights=None, mindone=None, root=None, script=None, command_output=None, timeout=None):
    """User-given paths checked (one-line errors) and recorded command outputs read: (commands, paths...)."""
    import os
    from pathlib import Path

    from ascendfix.errors import AscendfixError

    expand = lambda p: os.path.expanduser(str(p)) if p is not None else None  # noqa: E731
    for flag, p in (("--weights", weights), ("--mindone", mindone), ("--root", root)):
        if p is not None and not Path(expand(p)).is_dir():
            what = "not a directory" if Path(expand(p)).exists() else "no such directory"
            raise AscendfixError("{} {}: {}".format(flag, p, what))
    if script is not None and not Path(expand(script)).is_file():
        what = "a directory, not a file" if Path(expand(script)).is_dir() else "no such file"
        raise AscendfixError("--script {}: {}".format(script, what))
    commands = {}
    for name, path in (command_output or {}).items():
        name = " ".join(str(name).split())
        _known_command(name)
        try:
            commands[name] = Path(expand(path)).read_text(encoding="utf-8", errors="replace")
        except OSError as e:
            raise AscendfixError("--command-output {}: cannot read {}: {}".format(name, path, e.strerror))
    if timeout is not None and timeout <= 0:
        raise AscendfixError("--timeout must be positive")
    return commands, expand(weights), expand(mindone), expand(script)


def check(only=None, stack=None, weights=None, python=None, root=None, deep=False, strict=False, wants=(),
          script=None, mindone=None, command_output=None, timeout=None, progress=None, node=True, launch=None,
          **kw):
    """Run the doctor; return a :class:`~ascendfix.check.report.CheckReport` (``ascendfix check --json``).

    ``only``: check ids, id prefixes or categories; ``wants``: requirements the plan must meet ('mindone>=0.5');
    ``command_output``: {command: file with its recorded output} (replay); ``root``: read system files under this
    folder instead of /; ``timeout``: seconds per --deep probe; ``node``: add the node section (what
    ``ascendfix compare`` reads; ``launch``: the launcher variables already read, see check/node.py).
    """
    from ascendfix import __version__
    from ascendfix.check import plan as planmod

    commands, weights, mindone, script = _inputs(weights, mindone, root, script, command_output, timeout)
    if commands:
        kw["commands"] = dict(kw.get("commands") or {}, **commands)
    if timeout is not None:
        kw["deep_timeout"] = timeout
    load_checks()
    engine.select(only)  # an unknown --only id is a usage error before anything runs
    ctx = make_context(stack=stack, weights=weights, python=python, root=root, deep=deep, wants=wants,
                       script=script, mindone=mindone, **kw)
    ctx.prefetch()
    findings = engine.run(ctx, only=only, progress=progress)
    try:
        plan = planmod.plan_for(ctx)
    except Exception as e:  # the plan must never hide the findings
        import os

        if os.environ.get("ASCENDFIX_DEBUG"):
            raise
        plan = None
        findings.append({"id": "plan.crashed", "check": "plan", "category": "pairing", "status": "crashed",
                         "title": "Stack plan", "detail": "the plan itself failed: {}: {}".format(type(e).__name__, e),
                         "evidence": [], "expected": None,
                         "fix": ["please report this (ASCENDFIX_DEBUG=1 shows the traceback); the checks still ran"]})
    summary = engine.summarize(findings, strict=strict)
    py = ctx.environment.get("python", {})
    summary.update({"tool_version": __version__, "stack": ctx.stack, "stack_source": ctx.stack_source,
                    "python": py.get("version"), "executable": py.get("executable"), "python_source": ctx.python_how,
                    "root": str(ctx.root), "deep": bool(deep)})
    from ascendfix.check.report import CheckReport

    node_section = None
    if node:  # this node, for `ascendfix compare` (ascendfix/check/node.py)
        from ascendfix.check import node as nodemod

        node_section = nodemod.describe(ctx, launch)
    return CheckReport(findings, summary, plan, node=node_section)

# `import ascendfix as af; af.check(...)`: this package is callable as the library call (ascendfix.api.check)
from ascendfix.api import callable_package as _callable_package  # noqa: E402

_callable_package(__name__)
