"""--deep: behavioural probes run by the target interpreter in subprocesses with timeouts.

Never imported frameworks in-process: MindSpore's import-time check can sleep, and a broken
CANN can segfault the interpreter. The probes are files in ascendfix/probes/, run through
:meth:`ascendfix.target.Target.run_probe`.
"""

import os

from ascendfix.astutil import dotted
from ascendfix.check import facts
from ascendfix.check.engine import check, ev, finding

# probe files in ascendfix/probes/
RUN_CHECK = "mindspore_run_check"
MASKED_FILL = "mindspore_masked_fill"
SDXL_IMPORT = "mindone_sdxl_import"
TORCH_NPU = "torch_npu_import"


def probe(ctx, code, args=(), timeout=None):
    """(payload dict or None, rc, tail of output) of the probe file ``code`` run by the target interpreter."""
    from ascendfix import target

    exe = ctx.environment.get("python", {}).get("executable")
    env = dict(ctx.env)
    env.setdefault("GLOG_v", "3")
    env.setdefault("MS_DEV_CLOSE_VERSION_CHECK", "0")
    run = target.get(exe).run_probe(code, args, timeout=timeout or ctx.deep_timeout, env=env)
    if run.timed_out:
        return None, 124, "timed out after {} s".format(timeout or ctx.deep_timeout)
    return run.result, run.returncode, run.tail_line()


def _target(ctx):
    return "Ascend" if facts.npu(ctx)["nodes"] else "CPU"


@check("deep.mindspore_run_check", "deep", "import mindspore + run_check()", family="mindspore", deep=True, slow=True)
def deep_run_check(ctx):
    """`mindspore.run_check()` in a subprocess; it never raises, so its output is searched for 'failed'."""
    if not ctx.dist("mindspore"):
        return finding("skip", "MindSpore not installed")
    target = _target(ctx)
    payload, rc, tail = probe(ctx, RUN_CHECK, [target])
    e = [ev("python -c 'import mindspore; run_check()' (device {})".format(target), (payload or {}).get("output", tail)[-300:])]
    if payload is None:
        return finding("error", "importing MindSpore failed (rc={}): {}".format(rc, tail), e,
                       fix=["run `ascendfix check` without --deep for the version/pairing findings that explain this"])
    if payload["failed"] or not payload["ok"]:
        return finding("error", "MindSpore {} run_check failed on {}".format(payload["version"], target), e)
    note = "" if target == "Ascend" else " (on CPU: no NPU here, so this proves the install, not the NPU)"
    return finding("ok", "MindSpore {} run_check passed on {}{}".format(payload["version"], target, note), e)


# The files mindone's CLIP text encoders run their masks through (SDXL's two text encoders): the model code and
# the attention-mask helpers it imports. A checkout may also hold an older modeling_ms_clip.py there.
CLIP_FILES = ("transformers/models/clip/*.py", "transformers/modeling_attn_mask_utils.py")
_FILL_METHODS = ("masked_fill", "masked_fill_")


_INF_OWNERS = ("math", "np", "numpy", "mnp", "ms.numpy", "mindspore.numpy")


def _is_number(node, names=frozenset()):
    """A Python scalar the MaskedFill kernel sees as a float/int, not a tensor of the input's dtype: a number,
    ``float(...)`` (``float("-inf")``, ``float(np.finfo(...).min)``), ``math.inf``/``np.inf``/``np.nan`` (each optionally negated), or a name bound
    only to one of those."""
    import ast

    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    if isinstance(node, ast.Constant):
        return type(node.value) in (int, float)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float":
        return len(node.args) == 1 and not node.keywords  # float(anything) is a Python float
    if isinstance(node, ast.Attribute) and node.attr in ("inf", "nan", "NINF", "PINF"):
        return dotted(node.value) in _INF_OWNERS
    if isinstance(node, ast.Name):
        return node.id in names
    return False


def _literal_names(tree):
    """Names every assignment of which (anywhere in the module) is a scalar literal form."""
    import ast

    seen, bad = set(), set()
    for node in ast.walk(tree):
        targets, value = (), None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        elif isinstance(node, (ast.AugAssign, ast.For, ast.With, ast.arguments)):
            for n in ast.walk(node):
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) or isinstance(n, ast.arg):
                    bad.add(getattr(n, "id", None) or getattr(n, "arg", None))
            continue
        for t in targets:
            if isinstance(t, ast.Name):
                (seen if _is_number(value) else bad).add(t.id)
            else:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        bad.add(n.id)
    return frozenset(seen - bad)


def scalar_fill_sites(source):
    """Lines of ``masked_fill`` calls whose fill value is a Python scalar (the sites the masked-fill-dtype patch
    rule rewrites): ``x.masked_fill(mask, 0)``, ``x.masked_fill_(mask, value=-1e9)``, ``float("-inf")``,
    ``np.inf``, ``ops.masked_fill(x, mask, 0)`` / ``mint.masked_fill(...)``. Read with the stdlib ``ast``;
    nothing is imported."""
    import ast

    if "mindspore" not in source:  # torch code: not MindSpore's MaskedFill
        return []
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    names = None
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr not in _FILL_METHODS:
            continue
        owner = node.func.value
        functional = isinstance(owner, (ast.Name, ast.Attribute)) and (
            getattr(owner, "id", None) in ("ops", "mint", "F") or getattr(owner, "attr", None) in ("ops", "mint", "functional"))
        pos = 2 if functional else 1
        value = node.args[pos] if len(node.args) > pos else next(
            (k.value for k in node.keywords if k.arg == "value"), None)
        if value is None:
            continue
        if isinstance(value, ast.Name) and names is None:
            names = _literal_names(tree)
        if _is_number(value, names or frozenset()):
            out.append(node.lineno)
    return sorted(out)


def mindone_clip_fills(ctx):
    """(package dir or None, files read, [(relpath, line, code)]) for the mindone the target environment runs."""
    import glob

    def _scan():
        from ascendfix import target

        base = None
        if ctx.mindone:
            cand = os.path.join(str(ctx.mindone), "mindone")
            base = cand if os.path.isdir(cand) else str(ctx.mindone)
        else:
            try:
                base = target.get(ctx.python).package_dir("mindone")
            except Exception:  # an interpreter that cannot be asked: no source to read
                base = None
        if not base or not os.path.isdir(base):
            return None, [], []
        files, sites = [], []
        for pattern in CLIP_FILES:
            for path in sorted(glob.glob(os.path.join(base, pattern))):
                files.append(path)
                try:
                    with open(path, encoding="utf-8", errors="replace") as fh:
                        text = fh.read()
                except OSError:
                    continue
                if "masked_fill" not in text:
                    continue
                lines = text.splitlines()
                for line in scalar_fill_sites(text):
                    sites.append((os.path.relpath(path, os.path.dirname(base)), line, lines[line - 1].strip()))
        return base, files, sites

    return ctx.cached("mindone_clip_fills", _scan)


@check("deep.fp16_masked_fill", "deep", "fp16 masked_fill with a Python scalar, and whether mindone's CLIP code uses one",
       uses=["mindone"], deep=True, slow=True)
def deep_masked_fill(ctx):
    """MindSpore's float16 masked_fill with a Python 0 vs a Tensor of the input's dtype, then the CLIP sources read."""
    if not ctx.dist("mindspore"):
        return finding("skip", "MindSpore not installed")
    target = _target(ctx)
    payload, rc, tail = probe(ctx, MASKED_FILL, [target])
    if payload is None:
        return finding("error", "the probe could not run (rc={}): {}".format(rc, tail), [ev("masked_fill probe", tail)])
    e = [ev("masked_fill on float16 ({})".format(target), "; ".join("{} -> {}".format(k, v) for k, v in payload.items()))]
    scalar = payload.get("python scalar 0", "")
    tensor = payload.get("ms.Tensor(0, dtype)", "")
    if "numpy" in (scalar + tensor).lower():
        from ascendfix.check import advice

        return finding("error", "masked_fill fails inside MindSpore's NumPy bridge ({}): MindSpore was built against "
                       "NumPy 1.x".format(scalar), e,
                       fix=advice.for_packages(ctx, "numpy") or [advice.pip(ctx, "numpy<2")])
    if not scalar.startswith("ok") and not tensor.startswith("ok"):
        return finding("skip", "float16 masked_fill fails on {} with either value ({}), so this machine cannot tell "
                       "the two apart; the probe is meaningful on the NPU".format(target, scalar.split(":")[0]), e)
    if scalar.startswith("ok"):
        return finding("ok", "masked_fill with a Python scalar works on float16 here ({})".format(target), e)
    error = scalar.split(":")[0]
    base, files, sites = mindone_clip_fills(ctx)
    mo = ctx.version("mindone")
    who = "mindone {}".format(mo) if mo else "the mindone tree"
    if base is None:
        return finding("ok", "MindSpore refuses masked_fill(cond, 0) on float16 ({} on {}); fill with "
                       "ms.Tensor(0, dtype=x.dtype) in your own code (no mindone installed to read)".format(error, target), e)
    e.append(ev(base, "{} CLIP file(s) read, {} scalar fill(s)".format(len(files), len(sites))))
    if not sites:
        return finding("ok", "MindSpore refuses masked_fill(cond, 0) on float16 ({} on {}), but {}'s CLIP code "
                       "passes a Tensor of the input's dtype ({} file(s) read): mindone is fine".format(
                           error, target, who, len(files)), e)
    first = "; ".join("{}:{} {}".format(p, line, code) for p, line, code in sites[:3])
    tree = str(ctx.mindone) if ctx.mindone else "<your mindone checkout>"
    return finding("warn", "masked_fill(cond, 0) on float16 raises {} on {}, and {}'s CLIP code has {} such call(s): {}"
                   .format(error, target, who, len(sites), first), e,
                   fix=["ascendfix apply {}   (rule masked-fill-dtype: the fill becomes ms.Tensor(0, dtype=x.dtype))".format(tree)])


@check("deep.sdxl_import", "deep", "import mindone.diffusers.StableDiffusionXLPipeline", uses=["mindone"], deep=True, slow=True)
def deep_sdxl_import(ctx):
    """The import users hit first; errors here are the transformers/MindSpore mismatches."""
    if not ctx.dist("mindone"):
        return finding("skip", "mindone not installed")
    payload, rc, tail = probe(ctx, SDXL_IMPORT)
    e = [ev("from mindone.diffusers import StableDiffusionXLPipeline", (payload and "{} s".format(payload["seconds"])) or tail)]
    if payload is None:
        return finding("error", "the import fails: " + tail, e,
                       fix=["see the python.verdict / pkgs.pins / mindone.transformers_imports findings"])
    return finding("ok", "StableDiffusionXLPipeline imports ({} s)".format(payload["seconds"]), e)


@check("deep.torch_npu", "deep", "import torch_npu; NPU available; C++ ABI vs ATB", family="torch", deep=True, slow=True)
def deep_torch_npu(ctx):
    """import torch + torch_npu, torch.npu.is_available(), and torch's C++ ABI against $ATB_HOME_PATH's cxx_abi_N."""
    if not ctx.dist("torch"):
        return finding("skip", "torch not installed")
    payload, rc, tail = probe(ctx, TORCH_NPU)
    if payload is None:
        return finding("error", "importing torch failed: " + tail, [ev("import torch", tail)])
    e = [ev("torch", "{} (cxx11_abi={})".format(payload["torch"], payload["cxx11_abi"]))]
    out = []
    if payload.get("error"):
        from ascendfix.check import advice

        fix = advice.for_packages(ctx, "torch-npu", "torch") or [
            "torch {} has no torch_npu build in the shipped tables: see the plan below".format(payload["torch"])]
        out.append(finding("error", "import torch_npu failed: " + payload["error"], e, fix=fix))
    elif not payload.get("npu_available"):
        out.append(finding("error" if facts.npu_present(ctx) else "warn",
                           "torch_npu {} imports but torch.npu.is_available() is False".format(payload.get("torch_npu")), e))
    else:
        out.append(finding("ok", "torch_npu {} sees the NPU".format(payload.get("torch_npu")), e))
    atb = ctx.env.get("ATB_HOME_PATH", "")
    if "cxx_abi_" in atb:
        want = "1" if payload["cxx11_abi"] else "0"
        have = atb.split("cxx_abi_")[1][:1]
        if want != have:
            out.append(finding("error", "ATB is sourced with cxx_abi_{} but torch was built with _GLIBCXX_USE_CXX11_ABI={}".format(
                have, want), [ev("$ATB_HOME_PATH", atb)] + e, id="deep.atb_abi",
                fix=["source /usr/local/Ascend/nnal/atb/set_env.sh --cxx_abi={}".format(want)]))
        else:
            out.append(finding("ok", "ATB cxx_abi_{} matches torch".format(have), [ev("$ATB_HOME_PATH", atb)], id="deep.atb_abi"))
    return out
