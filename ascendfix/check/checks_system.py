"""Host resources: free disk where weights and caches go, host memory (and the container's limit)."""

import os
import re
import shutil

from ascendfix.check.engine import check, ev, finding


# --- host resources ----------------------------------------------------------------------------
GB = 1024 ** 3


def thresholds(ctx):
    """The SDXL resource thresholds of the stack's recipe (recipes/*.yaml `resources:`), read once per run."""
    def _read():
        from ascendfix.smoke.recipes import resource_thresholds

        t = resource_thresholds(ctx.stack)
        if t is None:
            from ascendfix.errors import DataError

            raise DataError("recipes: no recipe carries `resources:` (the disk and memory thresholds)")
        return t

    return ctx.cached("resource_thresholds", _read)


def disk_usage(path):
    """shutil.disk_usage (a seam for tests)."""
    return shutil.disk_usage(path)


def _same_disk_key(path, du):
    """What identifies one filesystem: its device number (two paths reaching one disk, e.g. through a symlink
    or a bind mount, are one line); the usage figures only where the path cannot be stat'ed."""
    try:
        return ("dev", os.stat(path).st_dev)
    except OSError:
        return ("usage", du.total, du.free)


def _existing_ancestor(ctx, p):
    p = os.path.abspath(p)
    while p and not ctx.exists(p):
        parent = os.path.dirname(p)
        if parent == p:
            break
        p = parent
    return p


@check("sys.disk", "system", "Free disk for weights and caches")
def disk(ctx):
    """Free space where weights, the HF/modelscope cache and the CANN kernel cache go."""
    home = ctx.env.get("HOME", "/root")
    places = []
    if ctx.weights:
        places.append(("weights", str(ctx.weights)))
    places.append(("model cache", ctx.env.get("MODELSCOPE_CACHE") or ctx.env.get("HF_HOME") or home + "/.cache"))
    for var in ("ASCEND_CACHE_PATH", "ASCEND_WORK_PATH"):
        if ctx.env.get(var):
            places.append((var, ctx.env[var]))
    places.append(("/tmp", "/tmp"))
    out, seen = [], set()
    for label, p in places:
        view = ctx.real_view() if label == "weights" else ctx
        anc = _existing_ancestor(view, p)
        real = str(view.path(anc))
        try:
            du = disk_usage(real)
        except OSError:
            continue
        key = _same_disk_key(real, du)
        if key in seen:
            continue
        seen.add(key)
        free = du.free / GB
        e = [ev("disk_usage({})".format(anc), "{:.1f} GB free of {:.1f} GB".format(free, du.total / GB))]
        t = thresholds(ctx)
        need = t["tmp_free_gb"] if label == "/tmp" else t["disk_free_gb"]
        if free < t["disk_error_below_gb"]:
            out.append(finding("error", "{}: only {:.1f} GB free at {}".format(label, free, anc), e,
                               expected=">= {} GB free (SDXL fp16 weights are about 7 GB; kernel caches grow)".format(need),
                               fix=["free space, or point the cache elsewhere: export MODELSCOPE_CACHE=/big/disk"]))
        elif free < need:
            out.append(finding("warn", "{}: {:.1f} GB free at {}".format(label, free, anc), e,
                               expected=">= {} GB free".format(need),
                               fix=["free space, or point the cache elsewhere: export MODELSCOPE_CACHE=/big/disk"]))
        else:
            out.append(finding("ok", "{}: {:.0f} GB free".format(label, free), e))
    return out


def _cgroup_limit(ctx):
    for p in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        t = (ctx.read_text(p) or "").strip()
        if t and t != "max" and t.isdigit() and int(t) < (1 << 60):
            return int(t), p
    return None, None


@check("sys.memory", "system", "Host memory (incl. the cgroup limit)")
def memory(ctx):
    """MemAvailable from /proc/meminfo and the container's cgroup memory limit."""
    text = ctx.read_text("/proc/meminfo")
    if not text:
        return finding("skip", "/proc/meminfo not readable")
    m = re.search(r"^MemAvailable:\s+(\d+)\s*kB", text, re.M)
    t = re.search(r"^MemTotal:\s+(\d+)\s*kB", text, re.M)
    avail = int(m.group(1)) * 1024 if m else None
    total = int(t.group(1)) * 1024 if t else None
    e = [ev("/proc/meminfo", "MemAvailable {:.1f} GB, MemTotal {:.1f} GB".format((avail or 0) / GB, (total or 0) / GB))]
    limit, lp = _cgroup_limit(ctx)
    effective = avail
    if limit is not None:
        e.append(ev(lp, "{:.1f} GB".format(limit / GB)))
        effective = min(avail or limit, limit)
    if effective is None:
        return finding("skip", "could not read available memory", e)
    g = effective / GB
    t = thresholds(ctx)
    exp = ">= {} GB available (loading the fp16 SDXL pipeline needs ~8 GB; converting an fp32 UNet ~10.3 GB)".format(
        t["memory_warn_below_gb"])
    if g < t["memory_error_below_gb"]:
        return finding("error", "only {:.1f} GB host memory available{}".format(g, " (cgroup limit)" if limit and limit == effective else ""),
                       e, expected=exp, fix=["raise the container memory limit (docker run --memory=32g) or free memory"])
    if g < t["memory_warn_below_gb"]:
        return finding("warn", "{:.1f} GB host memory available".format(g), e, expected=exp,
                       fix=["raise the container memory limit (docker run --memory=32g) or free memory"])
    return finding("ok", "{:.0f} GB host memory available".format(g), e)
