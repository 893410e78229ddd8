"""Run BY THE TARGET INTERPRETER (any Python >= 3.8, without ascendfix installed): print its environment as JSON.

It reads distribution metadata only; it imports no third-party package.
Usage: python _envprobe_script.py [PACKAGE ...]   (packages whose import location to find, not import)
"""

import json
import os
import platform
import sys


def _dists():
    try:
        from importlib import metadata
    except ImportError:  # pragma: no cover - Python < 3.8
        return {}, {}, []
    seen, dups, broken = {}, {}, []
    for dist in metadata.distributions():
        try:
            meta = dist.metadata
            name = meta["Name"]
            version = meta["Version"]
            if not name:
                raise ValueError("no Name in metadata")
        except Exception as e:  # broken dist-info: report, keep going
            broken.append({"path": str(getattr(dist, "_path", "?")), "error": "{}: {}".format(type(e).__name__, e)})
            continue
        canon = name.lower().replace("_", "-").replace(".", "-")
        path = getattr(dist, "_path", None)
        location = str(path.parent) if path is not None else None
        entry = {
            "name": name,
            "version": version,
            "requires": list(dist.requires or []),
            "requires_python": meta.get("Requires-Python"),
            "location": location,
            "path": str(path) if path is not None else None,
        }
        if canon in seen:
            # sys.path order: the first one found is the one Python imports
            dups.setdefault(canon, [{"version": seen[canon]["version"], "location": seen[canon]["location"]}])
            dups[canon].append({"version": version, "location": location})
            continue
        seen[canon] = entry
    return seen, dups, broken


def _find(packages):
    import importlib.util

    out = {}
    for pkg in packages:
        try:
            spec = importlib.util.find_spec(pkg)  # top-level name: does not execute the package
        except Exception as e:
            out[pkg] = {"error": "{}: {}".format(type(e).__name__, e)}
            continue
        if spec is None:
            out[pkg] = None
        else:
            locs = list(spec.submodule_search_locations or [])
            out[pkg] = {"origin": spec.origin, "dir": locs[0] if locs else (os.path.dirname(spec.origin) if spec.origin else None)}
    return out


def main(argv):
    dists, dups, broken = _dists()
    doc = {
        "python": {
            "executable": sys.executable,
            "version": platform.python_version(),
            "version_info": list(sys.version_info[:3]),
            "implementation": platform.python_implementation(),
            "platform": sys.platform,
            "machine": platform.machine(),
            "prefix": sys.prefix,
        },
        "distributions": dists,
        "duplicates": dups,
        "broken": broken,
        "sys_path": [p for p in sys.path if p],
        "packages": _find(argv),
    }
    sys.stdout.write(json.dumps(doc))


if __name__ == "__main__":
    main([a for a in sys.argv[1:] if a != "--"])
