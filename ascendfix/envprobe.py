"""Inspect a Python environment — the current one or another interpreter's — without importing its packages.

ascendfix often lives in its own venv while the user's MindSpore project lives elsewhere; every verb that
asks "what is installed there" takes ``--python PATH`` and goes through here. For another interpreter,
``_envprobe_script.py`` is run by it in a subprocess (it needs nothing but the standard library).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from ascendfix.errors import AscendfixError

_SCRIPT = Path(__file__).resolve().parent / "_envprobe_script.py"
_CACHE = {}


def canonical(name):
    """PEP 503 normalised distribution name."""
    import re

    return re.sub(r"[-_.]+", "-", name).lower()


def resolve_python(python):
    """Validate ``--python PATH`` (a file that runs); return an absolute path (or sys.executable for None)."""
    if python is None:
        return sys.executable
    p = Path(os.path.expanduser(str(python)))
    if p.is_dir():
        for cand in (p / "bin" / "python", p / "bin" / "python3"):
            if cand.exists():
                p = cand
                break
    if not p.exists():
        raise AscendfixError("--python {}: no such interpreter".format(python))
    if not os.access(str(p), os.X_OK) or p.is_dir():
        raise AscendfixError("--python {}: not an executable Python interpreter".format(python))
    return str(p.absolute())


def probe_environment(python=None, packages=(), timeout=60):
    """Facts about an environment as a dict.

    Keys: ``python`` {executable, version, version_info, implementation, platform, machine, prefix},
    ``distributions`` {canonical name: {name, version, requires, requires_python, location, path}},
    ``duplicates`` {canonical name: [{version, location}, ...]}, ``broken`` [{path, error}],
    ``sys_path`` [...], ``packages`` {pkg: {origin, dir} | None} for the names in ``packages``.
    """
    exe = resolve_python(python)
    key = (exe, tuple(packages))
    if key in _CACHE:
        return _CACHE[key]
    if exe == sys.executable:
        import importlib.util

        spec = importlib.util.spec_from_file_location("_ascendfix_envprobe_script", str(_SCRIPT))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        import io

        buf = io.StringIO()
        old = sys.stdout
        sys.stdout = buf
        try:
            mod.main(list(packages))
        finally:
            sys.stdout = old
        doc = json.loads(buf.getvalue())
    else:
        try:
            r = subprocess.run(
                # not -I: the user's PYTHONPATH (CANN's te/hccl, a mindone checkout) is part of the environment
                [exe, "-c", _SCRIPT.read_text(encoding="utf-8"), "--"] + list(packages),
                cwd=os.path.abspath(os.sep),
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            raise AscendfixError("--python {}: the interpreter did not answer within {} s".format(exe, timeout))
        except OSError as e:
            raise AscendfixError("--python {}: cannot run it: {}".format(exe, e))
        if r.returncode != 0:
            raise AscendfixError(
                "--python {}: not a working Python interpreter (the environment probe exited {})".format(exe, r.returncode)
            )
        try:
            doc = json.loads(r.stdout)
        except ValueError:
            raise AscendfixError("--python {}: the environment probe printed no JSON (is it Python >= 3.8?)".format(exe))
    _CACHE[key] = doc
    return doc


def dist_version(env, name):
    """Installed version of distribution ``name`` in a probed ``env`` dict, or None."""
    d = env.get("distributions", {}).get(canonical(name))
    return d["version"] if d else None


def find_package_dir(package, python=None):
    """Directory of an importable top-level package in the target environment (not imported), or None."""
    env = probe_environment(python, packages=(package,))
    info = env.get("packages", {}).get(package)
    if not info or "error" in info:
        return None
    return info.get("dir")
