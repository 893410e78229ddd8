"""Filesystem helpers shared by the verbs: nothing a user owns is ever half-written."""

import json
import os
import tempfile


def utf8(text):
    """``text`` as UTF-8 bytes for a file a person or program reads. A name the user gave may hold bytes that are not
    UTF-8 (a file name in another encoding arrives as lone surrogates): those become ``\\udcff`` escapes, which
    in a JSON string are valid JSON and read back as the same name, instead of failing the whole write."""
    return text.encode("utf-8", "backslashreplace")


def json_bytes(doc):
    """A report as the bytes of its JSON file (indented, UTF-8, non-ASCII kept readable)."""
    return utf8(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n")


def unused_name(stem, *suffixes):
    """``stem``, or ``stem-2``, ``stem-3``... the first for which no ``name + suffix`` exists yet (no suffixes: the
    name itself). A default output name made from the time is not unique when two runs start in the same second."""
    n = 1
    while True:
        name = stem + ("-{}".format(n) if n > 1 else "")
        if not any(os.path.lexists(name + suffix) for suffix in (suffixes or ("",))):
            return name
        n += 1


def write_output(path, data, flag):
    """:func:`atomic_write` for a file the user asked for with ``flag`` (e.g. ``--out``): a folder that cannot be
    written (read-only, full, permissions) is one line (:class:`~ascendfix.errors.AscendfixError`), not a crash."""
    try:
        atomic_write(path, data)
    except OSError as e:
        from ascendfix.errors import AscendfixError

        raise AscendfixError("{} {}: cannot write it: {}".format(flag, path, e.strerror or e))


def atomic_write(path, data, mode=None):
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``: the data is synced
    before the rename and the folder after it, so a crash leaves the old file or the whole new one.

    Keeps the permission bits of the file it replaces (or ``mode`` when given); a new file gets 0666 & ~umask.
    """
    path = str(path)
    folder = os.path.dirname(path) or "."
    if mode is None:
        try:
            mode = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask  # a new file gets the usual mode, not mkstemp's 0600
    fd, tmp = tempfile.mkstemp(prefix=".ascendfix-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_folder(folder)


def _fsync_folder(folder):
    """Make a rename in ``folder`` durable (POSIX: the new directory entry is on disk only once the folder itself is
    synced). Best effort: the file is already complete under its name; a file system or platform that cannot open or
    sync a folder (Windows, some network mounts) keeps the rename as the kernel has it."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(folder, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
