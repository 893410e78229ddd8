"""Which files to read: a log, several logs, a folder, a glob, or the CANN log folder (``--plog``).

CANN writes its logs under ``$ASCEND_PROCESS_LOG_PATH``, else ``$ASCEND_WORK_PATH/log``, else
``~/ascend/log``, as ``{debug,run}/plog/plog-<pid>_<timestamp>.log`` (host side) and
``{debug,run}/device-<id>/device-<pid>_<timestamp>.log`` (device side); older releases put ``plog/`` and
``device-<id>/`` directly under the root. A folder given by the user is searched the same way when it
looks like one (it has such files); otherwise every log-like file in it is read. Newest files first, at
most ``max_files`` of them.
"""

import glob
import os
import re

from ascendfix.errors import AscendfixError

MAX_FILES = 32
MAX_DEPTH = 5
LOG_SUFFIXES = (".log", ".txt", ".out", ".err", ".stderr", ".stdout")
_PLOG_NAME = re.compile(r"^plog-\d{1,10}_\d{8,20}\.log$")
_DEVICE_NAME = re.compile(r"^device-\d{1,10}_\d{8,20}\.log$")
_GLOB_CHARS = re.compile(r"[*?\[]")

# a rank in a file or folder name: rank3.log, rank_3, worker_3.log (msrun), proc3, node0/rank1, attempt_0/3/stderr.log
_RANK_IN_NAME = (
    re.compile(r"(?i)(?:^|[^a-z])rank[_\-.]?(\d{1,5})(?![0-9])"),
    re.compile(r"(?i)(?:^|[^a-z])worker[_\-.]?(\d{1,5})(?![0-9])"),
    re.compile(r"(?i)(?:^|[^a-z])(?:proc|process|local_rank)[_\-.]?(\d{1,5})(?![0-9])"),
)
_RANK_DIR = re.compile(r"^\d{1,5}$")  # torchrun --log-dir: <dir>/attempt_0/<rank>/stderr.log
_DEVICE_DIR = re.compile(r"^device-(\d{1,5})$")


class Source(object):
    """One input: a path (or stdin) and the rank / device its name implies."""

    __slots__ = ("path", "name", "rank_id", "device_id", "kind")

    def __init__(self, path, name=None, kind="log"):
        self.path = path  # None for stdin
        self.name = name or path
        self.kind = kind  # "log" | "plog" | "device" | "stdin"
        self.rank_id = None
        self.device_id = None
        if path is not None:
            self.rank_id = rank_from_path(path)
            self.device_id = device_from_path(path)


def rank_from_path(path):
    parts = os.path.normpath(path).split(os.sep)
    base = parts[-1]
    stem = base.rsplit(".", 1)[0]
    for rx in _RANK_IN_NAME:
        m = rx.search(stem)
        if m:
            return m.group(1)
    if len(parts) >= 2 and _RANK_DIR.match(parts[-2]) and len(parts) >= 3 and parts[-3].startswith("attempt_"):
        return parts[-2]
    for d in reversed(parts[:-1][-3:]):
        for rx in _RANK_IN_NAME:
            m = rx.search(d)
            if m:
                return m.group(1)
    return None


def device_from_path(path):
    for d in reversed(os.path.normpath(path).split(os.sep)[:-1][-3:]):
        m = _DEVICE_DIR.match(d)
        if m:
            return m.group(1)
    return None


def _mtime(path):
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


def _walk(root, max_depth=MAX_DEPTH):
    root = os.path.abspath(root)
    base_depth = root.rstrip(os.sep).count(os.sep)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        if dirpath.count(os.sep) - base_depth >= max_depth:
            dirnames[:] = []
        dirnames.sort()
        for f in filenames:
            yield os.path.join(dirpath, f)


def cann_logs(root, max_files=MAX_FILES):
    """The CANN host and device logs under ``root`` (any of the layouts), newest first, bounded."""
    found = []
    for path in _walk(root):
        name = os.path.basename(path)
        if _PLOG_NAME.match(name):
            found.append((path, "plog"))
        elif _DEVICE_NAME.match(name) and device_from_path(path) is not None:
            found.append((path, "device"))
    found.sort(key=lambda pk: (-_mtime(pk[0]), pk[0]))
    return found[:max_files]


def default_log_roots(environ=None):
    """Where CANN writes its logs, in the order it chooses: ASCEND_PROCESS_LOG_PATH, ASCEND_WORK_PATH, ~/ascend/log."""
    env = os.environ if environ is None else environ
    roots = []
    if env.get("ASCEND_PROCESS_LOG_PATH"):
        roots.append(env["ASCEND_PROCESS_LOG_PATH"])
    if env.get("ASCEND_WORK_PATH"):
        roots.append(os.path.join(env["ASCEND_WORK_PATH"], "log"))
        roots.append(env["ASCEND_WORK_PATH"])
    home = env.get("HOME") or os.path.expanduser("~")
    roots.append(os.path.join(home, "ascend", "log"))
    return roots


def find_plog_root(environ=None):
    """The first default log root that holds CANN logs, or None."""
    for root in default_log_roots(environ):
        if os.path.isdir(root) and cann_logs(root, max_files=1):
            return root
    return None


def _folder(path, max_files):
    """A folder: its CANN logs (plog / device layouts) and its other log files, newest first, bounded."""
    cann = cann_logs(path, max_files)
    seen = {p for p, _ in cann}
    others = [p for p in _walk(path) if p.lower().endswith(LOG_SUFFIXES) and p not in seen and os.path.isfile(p)
              and not _PLOG_NAME.match(os.path.basename(p)) and not _DEVICE_NAME.match(os.path.basename(p))]
    items = [(p, k) for p, k in cann] + [(p, "log") for p in others]
    items.sort(key=lambda pk: (-_mtime(pk[0]), pk[0]))
    return [Source(p, kind=k) for p, k in items[:max_files]]


def resolve(targets, plog=False, max_files=MAX_FILES, environ=None):
    """Targets (paths, folders, globs, '-') -> [Source]. Raises AscendfixError for a target that names nothing.

    ``plog``: add the CANN logs of the default log folder (or of a folder target, read as a CANN log folder).
    """
    sources = []
    seen = set()

    def add(src):
        key = src.path if src.path is not None else "-"
        if key in seen:
            return
        seen.add(key)
        sources.append(src)

    for t in targets:
        if t == "-":
            add(Source(None, name="stdin", kind="stdin"))
            continue
        if os.path.isdir(t):
            srcs = _folder(t, max_files)
            if not srcs:
                raise AscendfixError("{}: no log files in this folder (looked for *.log, *.txt, plog-*.log)".format(t))
            for s in srcs:
                add(s)
            continue
        if os.path.exists(t):
            add(Source(t))
            continue
        if _GLOB_CHARS.search(t):
            matched = sorted(p for p in glob.glob(t, recursive=True) if os.path.isfile(p))
            if not matched:
                raise AscendfixError("{}: no file matches this pattern".format(t))
            for p in matched[:max_files]:
                add(Source(p))
            continue
        raise AscendfixError("{}: no such file".format(t))
    if plog:
        root = find_plog_root(environ)
        if root is None:
            where = ", ".join(default_log_roots(environ))
            if not sources:
                raise AscendfixError("no CANN logs found (looked in {}); pass the log folder: ascendfix explain DIR".format(where))
        else:
            for p, k in cann_logs(root, max_files):
                add(Source(p, kind=k))
    if len(sources) > max_files:
        sources = sources[:max_files]
    return sources
