"""Drive the runner in the target interpreter, watch it (progress, timeout), judge and report.

The generation never runs in ascendfix's own process: :func:`run_runner` starts
``<python> ascendfix/smoke/runner.py CONFIG.json`` through :mod:`ascendfix.target` (its own process
group, JSON event lines read as they come for the progress display, the whole group killed when the
deadline passes), so a hung framework cannot hang ascendfix. Stderr (framework logs, the traceback) goes to a file
whose tail lands in the report and is fed to the explain knowledge base on failure.
"""

import json
import os
import tempfile
from pathlib import Path

from ascendfix.errors import AscendfixError

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "runner.py"
TINY = HERE / "tiny.py"


def resolve_python(python):
    """``--python`` as an absolute path of an executable (a venv folder works too); exit 2 otherwise."""
    from ascendfix.target import resolve_python as _resolve

    return _resolve(python)


def probe_python(python, modules=None, timeout=60):
    """Which of ``modules`` (import names) the interpreter can import, with versions (nothing is imported).

    Returns ``{"python", "version", "modules": {module: {"found", "version"}}}``.
    """
    from ascendfix import stacks, target

    dists = stacks.packages()  # import name -> distribution, rules/stacks.yaml
    modules = list(modules or dists)
    t = target.get(python)
    env = t.environment(modules)
    found_mods = {}
    for mod in modules:
        info = env.get("packages", {}).get(mod)
        found = bool(info) and "error" not in info
        found_mods[mod] = {"found": found, "version": t.dist_version(dists.get(mod, mod)) if found else None}
    return {"python": env["python"]["executable"], "version": env["python"]["version"], "modules": found_mods}


PATH_KEYS = ("weights", "out_png", "cache_dir")  # config values that are paths (made absolute before the run)


def run_runner(python, cfg, timeout, on_event=None, script=None, cwd=None):
    """Run the runner with ``cfg``; call ``on_event(dict)`` per event; kill it after ``timeout`` s.

    ``cwd``: the runner's working directory — smoke passes its output folder, so that what the framework writes
    into its working directory (MindSpore's rank_0/om/, kernel_meta/, IR dumps) lands there, never in the
    user's current folder; every path in the config is made absolute first. None: a fresh folder removed
    afterwards.

    Returns a :class:`ascendfix.target.ProbeRun` (events, returncode, timed_out, stderr_tail, seconds,
    last_stage, ``last(kind)``).
    """
    from ascendfix import stacks, target

    cfg = dict(cfg)
    for key in PATH_KEYS:
        if cfg.get(key):
            cfg[key] = os.path.abspath(os.path.expanduser(str(cfg[key])))
    if cfg.get("stack") in stacks.ids():  # which runner class and tiny builder: rules/stacks.yaml
        cfg = dict(cfg, runner=stacks.runner(cfg["stack"]), tiny_builder=stacks.tiny_builder(cfg["stack"]))
    tmpdir = tempfile.mkdtemp(prefix="ascendfix-smoke-run-")
    cfg_path = os.path.join(tmpdir, "config.json")
    try:
        with open(cfg_path, "w", encoding="utf-8") as f:
            json.dump(cfg, f)
        env = dict(os.environ)
        env["PYTHONUNBUFFERED"] = "1"
        env["PYTHONIOENCODING"] = "utf-8"
        env.setdefault("TQDM_DISABLE", "1")
        return target.get(python).run_script(script or RUNNER, [cfg_path], timeout=timeout, env=env,
                                             on_event=on_event, cwd=str(cwd) if cwd else target.SCRATCH)
    finally:
        try:
            os.unlink(cfg_path)
        except OSError:
            pass
        try:
            os.rmdir(tmpdir)
        except OSError:
            pass


def png_size(path):
    """(width, height) from a PNG's IHDR chunk, or None when the file is not a PNG."""
    try:
        with open(path, "rb") as f:
            head = f.read(24)
    except OSError:
        return None
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def explain(text, limit=3):
    """The explain knowledge base on ``text``: (matches, None) or ([], reason it could not run)."""
    try:
        from ascendfix.explain.engine import explain_text
    except ImportError as e:
        return [], "explain unavailable: {}".format(e)
    try:
        matches = explain_text(text, limit=limit) or []
    except AscendfixError as e:
        return [], "explain failed: {}".format(e)
    out = []
    for m in matches:
        if isinstance(m, dict):
            out.append({k: m.get(k) for k in ("id", "title", "fix", "score", "cause", "links") if m.get(k) is not None})
    return out, None


def preflight(stack, device, python, weights=None):
    """Findings of the relevant ``check`` categories, or (None, reason) when check is unavailable."""
    try:
        from ascendfix.check import run_checks
    except ImportError as e:
        return None, "check unavailable: {}".format(e)
    from ascendfix import stacks

    # rules/stacks.yaml: on the CPU no NPU, driver or CANN to check; torch_npu pairing only matters on the NPU
    only = stacks.preflight(stack, device)
    if weights:
        only.append("weights")
    try:
        return run_checks(only=only, stack=stack, weights=weights, python=python), None
    except AscendfixError as e:
        return None, "check failed: {}".format(e)


def write_json_atomic(path, obj):
    from ascendfix.fsutil import atomic_write, json_bytes

    atomic_write(path, json_bytes(obj))

