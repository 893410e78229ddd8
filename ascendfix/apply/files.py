"""File-system helpers for apply/revert: tree walk, target globs, decoding, atomic writes."""

import io
import os
import re
import tokenize


# Never descended into, at any depth (VCS, caches, tool and build folders, environments by name).
SKIP_DIRS = {
    ".git", ".hg", ".svn", ".ascendfix", "__pycache__", ".tox", ".nox", ".venv", "venv",
    "node_modules", ".eggs", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    "site-packages", "dist-packages", "__pypackages__",
}
# Skipped only directly under the root (build output of the checkout itself).
SKIP_ROOT_DIRS = {"build", "dist"}


def walk(root, scope="", skipped=None):
    """Sorted '/'-separated paths (relative to ``root``) of the regular files under ``root/scope``.

    Symlinks are skipped, and so are the folders above and every Python environment (a folder with
    ``pyvenv.cfg`` or ``conda-meta/``, whatever its name); ``skipped`` (a list) collects those
    environments' relative paths.
    """
    from ascendfix.apply.checkout import environment_marker

    root = str(root)
    top = os.path.join(root, scope) if scope else root
    out = []
    for dirpath, dirnames, filenames in os.walk(top):
        rel_dir = os.path.relpath(dirpath, root)
        rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
        if dirpath != top and environment_marker(dirpath, set(filenames) | set(dirnames)):
            if skipped is not None:
                skipped.append(rel_dir.rstrip("/"))
            dirnames[:] = []
            continue
        keep = []
        for d in dirnames:
            if d in SKIP_DIRS or d.endswith(".egg-info"):
                continue
            if not rel_dir and d in SKIP_ROOT_DIRS:
                continue
            if os.path.islink(os.path.join(dirpath, d)):
                continue
            keep.append(d)
        dirnames[:] = sorted(keep)
        for f in filenames:
            full = os.path.join(dirpath, f)
            if os.path.islink(full):
                continue
            out.append(rel_dir + f)
    out.sort()
    return out


_GLOB_CACHE = {}


def glob_regex(pattern):
    """Compile a path glob: ``**/`` = any number of folders, ``*`` and ``?`` stay within one folder."""
    rx = _GLOB_CACHE.get(pattern)
    if rx is not None:
        return rx
    i, out = 0, []
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    rx = re.compile("".join(out) + r"\Z")
    _GLOB_CACHE[pattern] = rx
    return rx


def matches(relpath, include, exclude):
    if include and not any(glob_regex(p).match(relpath) for p in include):
        return False
    return not any(glob_regex(p).match(relpath) for p in exclude or ())


def source_encoding(data):
    """The encoding Python uses for source ``data`` (BOM, PEP 263 cookie, else utf-8)."""
    if data[:3] == b"\xef\xbb\xbf":
        return "utf-8-sig"
    head = data[:400]
    if b"coding" not in head:
        return "utf-8"
    enc, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return enc


def decode_source(data):
    """Text of Python source bytes (BOM removed), or raise ``UnicodeDecodeError``/``SyntaxError``."""
    return data.decode(source_encoding(data))
