"""Which Python environment to check when ``--python`` is not given.

ascendfix usually lives in its own virtual environment, and the frameworks in the user's. Checking
ascendfix's own environment and advising to install MindSpore into it sends people the wrong way, so:

1. the interpreter running ascendfix, when a framework is installed there;
2. else the user's environment: the active ``$VIRTUAL_ENV``, then ``$CONDA_PREFIX``, then ``python3`` and
   ``python`` on ``PATH`` — the first with a framework installed; an active venv/conda env without one is
   still the user's (planning before installing);
3. else ascendfix's own interpreter, marked ``own_env``: its facts are checked, but the plan puts the
   frameworks in a new environment.

Every candidate is asked through :mod:`ascendfix.target` (metadata only, nothing imported).
"""

import os
import shutil
import sys



class Choice(object):
    def __init__(self, python, how, own_env=False):
        self.python = python
        self.how = how
        self.own_env = own_env

    def __repr__(self):
        return "Choice({!r}, {!r}, own_env={})".format(self.python, self.how, self.own_env)


def _has_framework(env):
    from ascendfix import stacks

    dists = env.get("distributions") or {}
    # the families' frameworks and the stacks' top packages (rules/stacks.yaml)
    return [n for n in stacks.framework_distributions() if n in dists]


def _same_prefix(a, b):
    try:
        return os.path.realpath(a) == os.path.realpath(b)
    except (TypeError, ValueError):
        return False


def candidates(environ=None):
    """(python path, how) to try, in order; paths that do not exist are left out."""
    environ = os.environ if environ is None else environ
    out = []
    for var in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        prefix = environ.get(var)
        if prefix:
            for name in ("python", "python3"):
                p = os.path.join(prefix, "bin", name)
                if os.path.exists(p):
                    out.append((p, "from ${}".format(var)))
                    break
    path = environ.get("PATH", os.defpath)
    for name in ("python3", "python"):  # `python` only where there is no `python3`
        p = shutil.which(name, path=path)
        if p:
            out.append((p, "`{}` on PATH".format(name)))
            break
    return out


def choose(environ=None, probe=None):
    """A :class:`Choice` for a run without ``--python``."""
    from ascendfix.errors import AscendfixError

    if probe is None:
        from ascendfix import target

        def probe(python):
            return target.get(python).environment()
    own = sys.executable
    here = probe(None)
    if _has_framework(here):
        return Choice(own, "the interpreter running ascendfix")
    seen = {os.path.realpath(sys.prefix)}
    fallback = None
    for path, how in candidates(environ):
        if any(_same_prefix(os.path.dirname(os.path.dirname(path)), s) for s in seen):
            continue  # <prefix>/bin/python of an environment already seen: no need to ask it
        try:
            env = probe(path)
        except AscendfixError:
            continue
        prefix = env.get("python", {}).get("prefix") or path
        if any(_same_prefix(prefix, s) for s in seen):
            continue
        seen.add(os.path.realpath(prefix))
        if _has_framework(env):
            return Choice(path, how)
        if fallback is None and how.startswith("from $"):
            fallback = Choice(path, how + "; no framework installed there yet")
    if fallback is not None:
        return fallback
    return Choice(own, "ascendfix's own environment: no other Python environment with a framework was found "
                       "(--python checks another)", own_env=True)


def target_python(python=None, environ=None):
    """The interpreter a verb works with, and how it was chosen: ``(path, how, own_env)``. ``python`` (a path or
    a venv folder) when given; else :func:`choose` — the same environment ``ascendfix check`` picks, so ``check``
    and ``smoke`` without ``--python`` look at one environment."""
    if python is not None:
        from ascendfix.target import resolve_python

        return resolve_python(python), "--python", False
    c = choose(environ)
    return c.python, c.how, c.own_env
