"""The target interpreter's environment, read without importing any third-party package.

``main(["--", PACKAGE, ...])`` answers: the interpreter (version, arch, prefix, venv/conda, site-packages),
every installed distribution (name, version, requires, location; from metadata only), unreadable
dist-infos, ``sys.path``, and where each named top-level package would be imported from (``find_spec`` of the
top-level name: the package is found, not executed). Runs on Python 3.6+ (without distributions before 3.8).
"""

import os
import platform
import sys


def _interpreter():
    import sysconfig

    paths = sysconfig.get_paths()
    site_packages = []
    for key in ("purelib", "platlib"):
        p = paths.get(key)
        if p and p not in site_packages:
            site_packages.append(p)
    base_prefix = getattr(sys, "base_prefix", sys.prefix)
    return {
        "executable": sys.executable,
        "version": platform.python_version(),
        "version_info": list(sys.version_info[:3]),
        "implementation": platform.python_implementation(),
        "platform": sys.platform,
        "machine": platform.machine(),
        "prefix": sys.prefix,
        "base_prefix": base_prefix,
        "venv": sys.prefix != base_prefix,
        "conda": os.path.isdir(os.path.join(sys.prefix, "conda-meta")),
        "site_packages": site_packages,
    }


def _distributions():
    """Every distribution in sys.path order (the first of a name is the one Python imports) and the broken ones."""
    dists, broken = [], []
    try:
        from importlib import metadata
    except ImportError:  # Python < 3.8: no metadata to read (the caller still learns the version)
        return dists, broken
    for dist in metadata.distributions():
        path = getattr(dist, "_path", None)
        try:
            meta = dist.metadata
            name = meta["Name"]
            version = meta["Version"]
            if not name:
                raise ValueError("no Name in metadata")
            requires = list(dist.requires or [])
            requires_python = meta.get("Requires-Python")
        except Exception as e:  # a broken dist-info: report it, keep going
            broken.append({"path": str(path) if path is not None else "?", "error": "{}: {}".format(type(e).__name__, e)})
            continue
        dists.append({
            "name": name,
            "version": version,
            "requires": requires,
            "requires_python": requires_python,
            "location": str(path.parent) if path is not None else None,
            "path": str(path) if path is not None else None,
        })
    return dists, broken


def locate(package):
    """Where top-level ``package`` would be imported from, or None; ``{"error": ...}`` when the lookup fails."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(package)  # a top-level name: found, not executed
    except Exception as e:
        return {"error": "{}: {}".format(type(e).__name__, e)}
    if spec is None:
        return None
    locations = list(spec.submodule_search_locations or [])
    origin = spec.origin
    try:
        from importlib import metadata

        version = metadata.version(package)
    except Exception:
        version = None
    return {
        "origin": origin if spec.has_location else None,
        "dir": locations[0] if locations else (os.path.dirname(origin) if origin else None),
        "locations": locations,
        "version": version,
    }


def main(args, emit):
    packages = [a for a in args if a != "--"]
    dists, broken = _distributions()
    return {
        "python_version": platform.python_version(),
        "python": _interpreter(),
        "distributions": dists,
        "broken": broken,
        "sys_path": [p for p in sys.path if p],
        "packages": dict((p, locate(p)) for p in packages),
    }


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import _run

    sys.exit(_run.main([os.path.abspath(__file__)] + sys.argv[1:]))
