"""The node section of a check report, and ``check --out DIR`` (one report per node, named by host and rank).

``describe(ctx)`` gathers what ``ascendfix compare`` puts side by side across nodes: host, launcher rank, CANN,
driver, firmware, NPU model/count/health, Python, every installed distribution, a fixed selection of
environment variables (rules/fleet/report_env.yaml, secrets redacted) and the HCCL facts (rank table digest,
device IPs, link and network health per NPU). It only reads what the checks read (cached on the context).

``plan_out(...)`` decides where a report goes under a launcher (torchrun, msrun, mpirun, srun, rank-table
scripts: rules/fleet/launchers.yaml): ``DIR/<host>-<rank>.json``, written by local rank 0 only unless asked.
"""

import os
import re
import socket
from pathlib import Path

from ascendfix import data
from ascendfix.redact import redact_value
from ascendfix.errors import AscendfixError

F = data.Field
LAUNCHER_FIELDS = {
    "id": F(str), "title": F(str), "detect": F(list, items=str), "rank": F(str),
    "rank_fallback": F(str, required=False), "local_rank": F(str, required=False),
    "world_size": F(str, required=False), "node_rank": F(str, required=False),
    "skip_when": F(dict, required=False), "source": F(list, items=str), "examples": F(list, items=dict),
}
ENV_FIELDS = {"id": F(str), "prefixes": F(list, items=str), "names": F(list, items=str)}


def _entries(filename, fields):
    return data.file_entries("rules", "fleet", filename, fields)


def launchers():
    return _entries("launchers.yaml", LAUNCHER_FIELDS)


def _int(v):
    try:
        return int(str(v).strip())
    except (TypeError, ValueError):
        return None


def launcher_from_env(env):
    """The launcher that started this process, from its environment: {launcher, title, rank, local_rank,
    world_size, node_rank, skip} (None when no launcher variable is set). ``skip`` marks non-worker processes."""
    for spec in launchers():
        if not any(env.get(v) not in (None, "") for v in spec["detect"]):
            continue
        rank = _int(env.get(spec["rank"]))
        if rank is None and spec.get("rank_fallback"):
            rank = _int(env.get(spec["rank_fallback"]))
        out = {"launcher": spec["id"], "title": spec["title"], "rank": rank}
        for key in ("local_rank", "world_size", "node_rank"):
            if spec.get(key):
                val = _int(env.get(spec[key]))
                if val is not None:
                    out[key] = val
        skip = spec.get("skip_when") or {}
        out["skip"] = bool(skip) and all(env.get(k) == v for k, v in skip.items())
        return out
    return None


def hostname(ctx):
    """This node's name (see :func:`host_name`) for a check context."""
    return host_name(ctx.env, None if ctx.real_root else ctx.root)


def host_name(env, root=None):
    """This node's name: $ASCENDFIX_NODE_NAME (a pod gets its node's name from the downward API), else the
    replayed root's /etc/hostname under --root, else the kernel's host name."""
    if (env.get("ASCENDFIX_NODE_NAME") or "").strip():
        return env["ASCENDFIX_NODE_NAME"].strip()
    if root is not None and str(Path(root).resolve()) != "/":
        try:
            text = (Path(root) / "etc" / "hostname").read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            text = ""
        if text:
            return text.splitlines()[0].strip()
    try:
        return socket.gethostname() or "localhost"
    except OSError:
        return "localhost"


def safe_name(text):
    """A file-name-safe form of a host name (keeps letters, digits, dot, dash, underscore)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", str(text)).strip("._") or "node"


def plan_out(out_dir, env, host, all_ranks=False):
    """(path, launch, skip_reason): where ``check --out DIR`` writes, or why this process writes nothing."""
    launch = launcher_from_env(env)
    name = safe_name(host)
    if launch is not None:
        if launch.get("skip"):
            return None, launch, "{}: this process is not a worker (scheduler); only workers write reports".format(
                launch["title"])
        local = launch.get("local_rank")
        if not all_ranks and local is not None and local != 0:
            return None, launch, ("{}: local rank {} writes nothing (one report per node, from local rank 0; "
                                  "--all-ranks for one per process)".format(launch["title"], local))
        if launch.get("rank") is not None:
            name = "{}-{}".format(name, launch["rank"])
    return Path(os.path.expanduser(out_dir)) / (name + ".json"), launch, None


def write_report(path, doc):
    """Write one report atomically (the folder is created when missing)."""
    from ascendfix.fsutil import atomic_write, json_bytes

    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, json_bytes(doc))
    except OSError as e:
        raise AscendfixError("--out {}: cannot write {}: {}".format(path.parent, path.name, e.strerror or e))
    return path


# --- environment ---------------------------------------------------------------------------------
def env_selection():
    spec = _entries("report_env.yaml", ENV_FIELDS)
    if not spec:
        raise data.DataError("rules/fleet/report_env.yaml: no entry")
    return spec[0]


def collect_env(env, selection=None):
    """The recorded environment: the selected names and prefixes only, secrets redacted, sorted by name."""
    sel = selection or env_selection()
    names, prefixes = set(sel["names"]), tuple(sel["prefixes"])
    out = {}
    for k in sorted(env):
        if k in names or k.startswith(prefixes):
            out[k] = redact_value(k, env[k])
    return out


# --- the node section ----------------------------------------------------------------------------
def describe(ctx, launch=None):
    """The ``node`` section of a check report (see the module docstring).

    Each part is gathered on its own: a part that fails (a bug, an unreadable file) becomes null and is named
    under ``errors``, the rest of the report still comes out."""
    from ascendfix.check import checks_hccl, facts, parsers

    node = {"host": hostname(ctx), "rank": launch if launch is not None else launcher_from_env(ctx.env)}
    if node["rank"] is not None:
        node["rank"] = {k: v for k, v in node["rank"].items() if k != "skip"}
    errors = []

    def part(name, fn):
        try:
            node[name] = fn()
        except Exception as e:  # contained like a crashing check: the report must still be written
            from ascendfix.errors import AscendfixError

            if isinstance(e, AscendfixError):
                raise
            node[name] = None
            errors.append("{}: {}: {}".format(name, type(e).__name__, e))

    def cann():
        sel = facts.cann(ctx)["selected"]
        return {"version": sel["version"], "path": sel["path"]} if sel else None

    def driver():
        drv = facts.driver(ctx)
        return {"version": drv["version"]} if drv else None

    def firmware():
        text = ctx.read_text(facts.FIRMWARE_INFO)
        fw = parsers.parse_kv(text).get("version") if text else None
        return {"version": fw} if fw else None

    py = ctx.environment.get("python", {})
    part("cann", cann)
    part("driver", driver)
    part("firmware", firmware)
    part("npu", lambda: _npu(ctx))
    part("python", lambda: {"version": py.get("version"), "implementation": py.get("implementation"),
                            "executable": py.get("executable")})
    part("system", lambda: {"arch": py.get("machine"), "os": _os_release(ctx)})
    part("packages", lambda: {d.get("name") or k: d.get("version")
                              for k, d in sorted(ctx.environment.get("distributions", {}).items())})
    part("env", lambda: collect_env(ctx.env))
    part("hccl", lambda: checks_hccl.node_facts(ctx))
    if errors:
        node["errors"] = errors
    return node


def _npu(ctx):
    from ascendfix.check import facts

    n = facts.npu(ctx)
    _, smi = facts.smi(ctx)
    chips = (smi or {}).get("chips") or []
    models = sorted({c["name"] for c in chips if c.get("name")})
    if not models:
        models = sorted({p["model"] for p in n["pci"]})
    count = len(n["nodes"]) or len(chips) or len(n["pci"])
    health = {str(c["npu"]) if c.get("chip") in (None, 0) else "{}.{}".format(c["npu"], c["chip"]): c.get("health")
              for c in chips}
    if not (models or count):
        return None
    return {"model": ",".join(models) or None, "count": count, "health": health}


def _os_release(ctx):
    text = ctx.read_text("/etc/os-release") or ""
    m = re.search(r'^PRETTY_NAME="?([^"\n]*)"?', text, re.M)
    return m.group(1) if m else None
