"""The target interpreter: the Python whose environment a verb looks at (``--python``), reached one way.

ascendfix often lives in its own venv while the user's MindSpore project lives in another; every verb that asks
"what is installed there", "where is that package" or "does this import work there" goes through a
:class:`Target`::

    t = target.get("/opt/venvs/ms/bin/python")   # or a venv/conda folder, a command on PATH, None = this Python
    t.version, t.machine, t.venv, t.site_packages
    t.dist_version("mindspore")                    # from metadata; nothing is imported
    t.locate("transformers")                       # find_spec of the top-level name: found, not executed
    run = t.run_probe("mindspore_run_check", ["CPU"], timeout=300)   # a file of ascendfix/probes/

- ``--python`` is validated here, the same for every verb: an executable, a venv or conda folder (its
  ``bin/python``) or a command on PATH; a problem is one line (``--python X: no such interpreter``).
- The environment is read once per interpreter and run (:func:`get` returns the same Target; the CLI calls
  :func:`forget` when a command starts). The running interpreter is read in-process when a fresh process of it
  would see the same packages (same executable, every ``PYTHONPATH`` entry already on ``sys.path``).
- Probes are real files in ``ascendfix/probes/`` run by the target interpreter under one JSON-lines protocol
  (see that package's docstring), with a timeout that kills the probe's whole process group. The smoke runner
  speaks the same protocol and is started through :meth:`Target.run_script`.
"""

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from ascendfix.errors import AscendfixError

PROBES = Path(__file__).resolve().parent / "probes"
_HOST = PROBES / "_run.py"
STDERR_TAIL = 30000



def _same_as_this_process(exe):
    """Would a fresh process of ``exe`` see this process's packages? Same executable, and every PYTHONPATH entry
    of the current environment already on sys.path (a PYTHONPATH set after start would change the answer)."""
    if os.path.abspath(exe) != os.path.abspath(sys.executable):
        return False
    here = set(os.path.abspath(p or os.curdir) for p in sys.path)
    extra = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return all(os.path.abspath(p) in here for p in extra)


def default_packages():
    """Import names located in every environment probe (the stacks' packages, rules/stacks.yaml), so that later
    questions about them need no second run of the interpreter."""
    from ascendfix import stacks

    return tuple(stacks.packages())


def canonical_name(name):
    """PEP 503 normalised distribution name: ``Torch_NPU`` -> ``torch-npu``."""
    return re.sub(r"[-_.]+", "-", str(name)).lower()


def resolve_python(python):
    """``--python`` as an absolute path (not following symlinks: a venv's python is one), or exit 2 with one line.

    Accepts an executable file, a venv or conda folder (``bin/python``), or a command on PATH; ``None`` is the
    running interpreter.
    """
    if python is None:
        return sys.executable
    given = str(python)
    p = Path(os.path.expanduser(given))
    if not p.exists() and os.sep not in given:
        found = shutil.which(given)
        if found:
            p = Path(found)
    if p.is_dir():
        for cand in (p / "bin" / "python", p / "bin" / "python3", p / "python", p / "python3"):
            if cand.is_file():
                p = cand
                break
        else:
            raise AscendfixError("--python {}: a folder without bin/python (not a venv or conda environment)".format(given))
    if not p.exists():
        raise AscendfixError("--python {}: no such interpreter".format(given))
    if not p.is_file() or not os.access(str(p), os.X_OK):
        raise AscendfixError("--python {}: not an executable Python interpreter".format(given))
    return str(p.absolute())


class ProbeRun(object):
    """What a probe (or the smoke runner) did: its events, its answer, how it ended."""

    def __init__(self):
        self.events = []
        self.result = None  # the ``result`` event's fields (or a bare JSON object's)
        self.error = None  # the ``error`` event (type, message, traceback), if any
        self.returncode = None
        self.timed_out = False
        self.stderr_tail = ""
        self.seconds = 0.0
        self.last_stage = None
        self.python_version = None  # from the ``start`` event

    def last(self, kind):
        for e in reversed(self.events):
            if e.get("event") == kind:
                return e
        return None

    @property
    def ok(self):
        return self.result is not None and self.returncode == 0 and not self.timed_out

    def tail_line(self):
        """The last line of stderr (or the error event's message): what a one-line report quotes."""
        if self.timed_out:
            return "timed out after {:.0f} s".format(self.seconds)
        lines = self.stderr_tail.strip().splitlines()
        if lines:
            return lines[-1]
        if self.error:
            return "{}: {}".format(self.error.get("type"), self.error.get("message"))
        return ""

    def _add(self, ev):
        self.events.append(ev)
        kind = ev.get("event")
        if kind is None:
            self.result = ev
        elif kind == "result":
            self.result = dict((k, v) for k, v in ev.items() if k not in ("event", "t"))
        elif kind == "error":
            self.error = ev
        elif kind == "start":
            self.python_version = ev.get("python_version")
        elif kind == "stage":
            self.last_stage = ev.get("stage")


# run_events(cwd=SCRATCH): the process works in a fresh empty folder that is removed afterwards, with whatever a
# framework wrote there (MindSpore's rank_0/om/ and kernel_meta/, IR dumps of MS_DEV_SAVE_GRAPHS, ...)
SCRATCH = "<scratch>"


def run_events(argv, timeout, on_event=None, env=None, cwd=None, stdin=None):
    """Run ``argv`` (a process speaking the JSON-lines protocol) in its own process group; read its events as they
    come (``on_event(dict)`` per event); kill the whole group after ``timeout`` s or on Ctrl-C. Stderr goes to a
    temporary file whose tail is kept. ``cwd``: a folder, :data:`SCRATCH`, or None (this process's)."""
    res = ProbeRun()
    tmpdir = tempfile.mkdtemp(prefix="ascendfix-probe-")
    err_path = os.path.join(tmpdir, "stderr.log")
    if cwd == SCRATCH:
        cwd = os.path.join(tmpdir, "cwd")
        os.mkdir(cwd)
    start = time.time()
    try:
        with open(err_path, "wb") as err:
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err,
                                    stdin=subprocess.DEVNULL if stdin is None else stdin,
                                    env=env, cwd=cwd, start_new_session=True)
            lines = queue.Queue()

            def reader():
                for raw in iter(proc.stdout.readline, b""):
                    lines.put(raw)
                lines.put(None)

            t = threading.Thread(target=reader)
            t.daemon = True
            t.start()
            deadline = start + timeout
            try:
                while True:
                    left = deadline - time.time()
                    if left <= 0:
                        res.timed_out = True
                        break
                    try:
                        raw = lines.get(timeout=min(left, 0.5))
                    except queue.Empty:
                        continue
                    if raw is None:
                        break
                    try:
                        ev = json.loads(raw.decode("utf-8", "replace"))
                    except ValueError:
                        continue
                    if not isinstance(ev, dict):
                        continue
                    res._add(ev)
                    if on_event:
                        on_event(ev)
            except KeyboardInterrupt:
                _kill(proc)
                raise
            if res.timed_out:
                _kill(proc)
            try:
                res.returncode = proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                _kill(proc)
                res.returncode = proc.wait()
            proc.stdout.close()
        res.seconds = round(time.time() - start, 3)
        try:
            with open(err_path, "rb") as f:
                f.seek(0, os.SEEK_END)
                size = f.tell()
                f.seek(max(0, size - STDERR_TAIL))
                res.stderr_tail = f.read().decode("utf-8", "replace")
        except OSError:
            res.stderr_tail = ""
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return res


def _anchor_pythonpath(env):
    """Relative PYTHONPATH entries (``.``, ``src``, an empty entry) made absolute as they mean here, for a process
    that runs in another working directory (``PYTHONPATH=. ascendfix smoke`` in a checkout keeps using it)."""
    pp = env.get("PYTHONPATH")
    if pp:
        env["PYTHONPATH"] = os.pathsep.join(p if os.path.isabs(p) else os.path.abspath(p or os.curdir)
                                            for p in pp.split(os.pathsep))


def _kill(proc):
    """SIGTERM the process group, then SIGKILL what is left."""
    for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError, OSError):
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _load_probe(name):
    """The probe file ``name`` as a module of this process (only for probes that import nothing third-party)."""
    import importlib.util

    path = PROBES / (name + ".py")
    spec = importlib.util.spec_from_file_location("ascendfix.probes." + name, str(path))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class PackageLocation(object):
    """Where a top-level package would be imported from in a target environment (found, not imported)."""

    def __init__(self, package, info):
        self.package = package
        info = info or {}
        self.found = bool(info) and "error" not in info
        self.error = info.get("error")
        self.origin = info.get("origin")
        self.dir = info.get("dir")
        self.locations = list(info.get("locations") or [])
        self.version = info.get("version")

    def __repr__(self):
        return "PackageLocation({!r}, found={}, dir={!r})".format(self.package, self.found, self.dir)


class Target(object):
    """One interpreter: validated, its environment read once, probes run by it. Use :func:`get`."""

    def __init__(self, python=None, timeout=60):
        self.given = python
        self.executable = resolve_python(python)
        self.timeout = timeout
        self.in_process = _same_as_this_process(self.executable)
        self._env = None
        self._lock = threading.RLock()

    def __repr__(self):
        return "Target({!r})".format(self.executable)

    @property
    def label(self):
        """How messages name the interpreter: as the user gave it."""
        return str(self.given) if self.given is not None else self.executable

    # -- the environment ------------------------------------------------------------------------------
    def environment(self, packages=()):
        """The environment as a dict (read once; ``packages`` are located too, beside :func:`default_packages`).

        Keys: ``python`` {executable, version, version_info, implementation, platform, machine, prefix,
        base_prefix, venv, conda, site_packages}, ``distributions`` {canonical name: {name, version, requires,
        requires_python, location, path}}, ``duplicates`` {canonical name: [{version, location}, ...]},
        ``broken`` [{path, error}], ``sys_path`` [...], ``packages`` {name: {origin, dir, locations, version} |
        {error} | None}.
        """
        with self._lock:
            if self._env is None:
                self._env = self._read_environment(sorted(set(default_packages()) | set(packages)))
            else:
                todo = [p for p in packages if p not in self._env["packages"]]
                if todo:
                    self._env["packages"].update(self._read_environment(todo)["packages"])
            return self._env

    def _read_environment(self, packages, purpose="cannot read its environment"):
        if self.in_process:
            raw = _load_probe("environment").main(list(packages), lambda *a, **k: None)
        else:
            run = self.run_probe("environment", ["--"] + list(packages), timeout=self.timeout)
            raw = run.result
            if run.timed_out:
                raise AscendfixError("--python {}: the interpreter did not answer within {} s".format(
                    self.label, self.timeout))
            if raw is None or raw.get("error") or run.error:
                err = (raw or {}).get("error") or (run.error and "{}: {}".format(run.error.get("type"),
                                                                                  run.error.get("message")))
                version = (raw or {}).get("python_version") or run.python_version
                if run.error and run.error.get("type") == "UnsupportedPython":
                    raise AscendfixError("--python {}: not a working Python 3 interpreter (Python {})".format(
                        self.label, version))
                if version is None or (err is None and run.returncode != 0):
                    raise AscendfixError("--python {}: not a working Python 3 interpreter ({})".format(
                        self.label, run.tail_line() or "exit code {}".format(run.returncode)))
                raise _ProbeFailed(self.label, version, err or run.tail_line())
            if not isinstance(raw.get("python"), dict):
                raise AscendfixError("--python {}: not a working Python 3 interpreter (unexpected answer)".format(
                    self.label))
        return self._shape(raw)

    @staticmethod
    def _shape(raw):
        """Distributions keyed by canonical name (first on sys.path wins), duplicates beside them."""
        seen, dups = {}, {}
        for d in raw.get("distributions") or []:
            canon = canonical_name(d["name"])
            if canon in seen:
                first = seen[canon]
                dups.setdefault(canon, [{"version": first["version"], "location": first["location"]}])
                dups[canon].append({"version": d["version"], "location": d["location"]})
                continue
            seen[canon] = d
        return {
            "python": raw["python"],
            "distributions": seen,
            "duplicates": dups,
            "broken": list(raw.get("broken") or []),
            "sys_path": list(raw.get("sys_path") or []),
            "packages": dict(raw.get("packages") or {}),
        }

    @property
    def python(self):
        return self.environment()["python"]

    @property
    def version(self):
        """``"3.11.7"``"""
        return self.python["version"]

    @property
    def version_info(self):
        return tuple(self.python["version_info"])

    @property
    def machine(self):
        return self.python["machine"]

    @property
    def prefix(self):
        return self.python["prefix"]

    @property
    def venv(self):
        return bool(self.python.get("venv"))

    @property
    def conda(self):
        return bool(self.python.get("conda"))

    @property
    def site_packages(self):
        return list(self.python.get("site_packages") or [])

    @property
    def distributions(self):
        return self.environment()["distributions"]

    def dist(self, name):
        """The installed distribution ``name`` (any spelling) as a dict, or None."""
        return self.distributions.get(canonical_name(name))

    def dist_version(self, name):
        d = self.dist(name)
        return d["version"] if d else None

    def locate(self, package):
        """Where top-level ``package`` would be imported from (:class:`PackageLocation`), without importing it.

        A lookup that fails in the interpreter (not "not installed": an error) is one line, exit 2.
        """
        try:
            info = self.environment([package])["packages"].get(package)
        except _ProbeFailed as e:
            raise AscendfixError("{} (Python {}): cannot look for {}: {}".format(e.label, e.version, package, e.error))
        loc = PackageLocation(package, info)
        if loc.error:
            raise AscendfixError("{} (Python {}): cannot look for {}: {}".format(
                self.label, self.version, package, loc.error))
        return loc

    def package_dir(self, package):
        """The directory ``package`` would be imported from, or None (not installed, not found, lookup failed)."""
        info = self.environment([package])["packages"].get(package)
        if not info or "error" in info:
            return None
        return info.get("dir")

    # -- probes -----------------------------------------------------------------------------------------
    def run_probe(self, name, args=(), timeout=None, env=None, on_event=None, cwd=None):
        """Run ``ascendfix/probes/<name>.py`` in this interpreter (always a subprocess: probes may import
        frameworks); returns a :class:`ProbeRun`. ``env`` replaces the environment (default: this process's);
        unless ``cwd`` is given the working directory is a fresh empty folder removed afterwards (:data:`SCRATCH`):
        nothing there shadows a package, and nothing a framework writes into it is left anywhere."""
        path = PROBES / (name + ".py")
        if not path.is_file():
            raise ValueError("no probe named {!r} in {}".format(name, PROBES))
        return self.run_script(str(path), args, timeout=timeout, env=env, on_event=on_event,
                               cwd=cwd or SCRATCH, host=True)

    def run_script(self, script, args=(), timeout=None, env=None, on_event=None, cwd=None, host=False):
        """Run a protocol-speaking script (``host=True``: a probe file, through ``probes/_run.py``) in this
        interpreter, with a timeout that kills its process group; returns a :class:`ProbeRun`."""
        env = dict(os.environ if env is None else env)
        env.setdefault("PYTHONIOENCODING", "utf-8")
        if cwd is not None:
            _anchor_pythonpath(env)
        argv = [self.executable] + ([str(_HOST)] if host else []) + [str(script)] + [str(a) for a in args]
        try:
            return run_events(argv, timeout or self.timeout, on_event=on_event, env=env, cwd=cwd)
        except OSError as e:
            raise AscendfixError("--python {}: cannot run it: {}".format(self.label, e.strerror or e))


class _ProbeFailed(AscendfixError):
    """The environment probe ran but could not do its job (e.g. an interpreter without importlib.metadata)."""

    def __init__(self, label, version, error):
        super().__init__("--python {}: cannot read its environment (Python {}): {}".format(label, version, error))
        self.label, self.version, self.error = label, version, error


_REGISTRY = {}
_REGISTRY_LOCK = threading.Lock()


def get(python=None):
    """The :class:`Target` for ``python`` (None = the running interpreter): one per interpreter until
    :func:`forget`, so no interpreter is probed twice in one run."""
    exe = resolve_python(python)
    key = (exe, os.environ.get("PYTHONPATH"), tuple(sys.path) if _same_as_this_process(exe) else None)
    with _REGISTRY_LOCK:
        t = _REGISTRY.get(key)
        if t is None:
            t = _REGISTRY[key] = Target(python)
        return t


def forget():
    """Drop every cached Target (a new run: installs may have changed since)."""
    with _REGISTRY_LOCK:
        _REGISTRY.clear()
