"""Filesystem helpers shared by the verbs: nothing a user owns is ever half-written."""

import os
import tempfile


def atomic_write(path, data, mode=None):
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``.

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
