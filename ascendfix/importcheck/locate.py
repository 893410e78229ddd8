"""Where the package lives: located in the target interpreter's environment through :mod:`ascendfix.target`
(``find_spec`` of the top-level name, nothing imported), or read from a directory (``--package-dir``)."""

import os
import re

from ascendfix.errors import AscendfixError
from ascendfix.importcheck.model import PackageInfo, check_package_name
from ascendfix.target import canonical_name


def locate_package(package="transformers", python=None):
    """Find ``package`` in the environment of ``python`` (path, venv folder or command; None = this interpreter).

    Uses ``importlib.util.find_spec`` on the top-level name (does not execute the package) and
    ``importlib.metadata`` for the version, through :mod:`ascendfix.target` (a subprocess of the target
    interpreter, or this process when that is the same environment).
    """
    from ascendfix import target

    check_package_name(package)
    t = target.get(python)
    loc = t.locate(package)
    info = PackageInfo(package, False, python=t.python["executable"], python_version=t.version)
    if not loc.found:
        return info
    locations = [p for p in loc.locations if os.path.isdir(p)]
    origin = loc.origin
    if locations:
        location = locations[0]
    elif origin and os.path.isfile(origin) and origin.endswith(".py"):
        location = origin  # a single-module distribution
        locations = [origin]
    else:
        return info  # compiled or frozen: nothing to read statically
    info.installed = True
    info.location = location
    info.locations = locations
    info.version = loc.version or _static_version(location, package)
    return info


def _package_info_from_dir(package, package_dir):
    path = os.path.abspath(os.fspath(package_dir))
    if not os.path.exists(path):
        raise AscendfixError("{}: no such package directory".format(package_dir))
    if os.path.isdir(path) and not os.path.isfile(os.path.join(path, "__init__.py")):
        # given the site-packages dir (or wheel root) holding the package
        inner = os.path.join(path, package)
        if os.path.isdir(inner):
            path = inner
    return PackageInfo(package, True, _static_version(path, package), path, [path])


def _static_version(location, package):
    """Version from a ``<name>-<ver>.dist-info`` next to the package, else ``__version__ = "..."``."""
    parent = os.path.dirname(os.path.abspath(location))
    try:
        entries = os.listdir(parent)
    except OSError:
        entries = []
    for entry in sorted(entries):
        if not entry.endswith(".dist-info"):
            continue
        stem = entry[: -len(".dist-info")]
        name, _, version = stem.rpartition("-")
        if name and canonical_name(name) == canonical_name(package):
            return version
    init = os.path.join(location, "__init__.py") if os.path.isdir(location) else location
    try:
        with open(init, "rb") as fh:
            text = fh.read().decode("utf-8", "replace")
    except OSError:
        return None
    m = re.search(r"""^__version__\s*=\s*["']([^"']+)["']""", text, re.M)
    return m.group(1) if m else None
