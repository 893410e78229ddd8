"""--deep: behavioural probes run by the target interpreter in subprocesses with timeouts.

Never imported frameworks in-process: MindSpore's import-time check can sleep, and a broken
CANN can segfault the interpreter. The probes are files in ascendfix/probes/, run through
:meth:`ascendfix.target.Target.run_probe`.
"""

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


@check("deep.mindspore_run_check", "deep", "import mindspore + run_check()", stacks=["mindone"], deep=True, slow=True)
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


@check("deep.fp16_masked_fill", "deep", "fp16 masked_fill with a Python scalar (seed 000's TypeError)", stacks=["mindone"],
       deep=True, slow=True)
def deep_masked_fill(ctx):
    """mask.masked_fill(cond, 0) on a float16 tensor vs ms.Tensor(0, dtype) — the CLIP mask bug seed 000 patches."""
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
        return finding("error", "masked_fill fails inside MindSpore's NumPy bridge ({}): MindSpore was built against "
                       "NumPy 1.x".format(scalar), e, fix=['pip install "numpy<2"  (see the pkgs.numpy2 finding)'])
    if not scalar.startswith("ok") and not tensor.startswith("ok"):
        return finding("skip", "float16 masked_fill fails on {} with either value ({}), so this machine cannot tell "
                       "the two apart; the probe is meaningful on the NPU".format(target, scalar.split(":")[0]), e)
    if scalar.startswith("ok"):
        return finding("ok", "masked_fill with a Python scalar works on float16 here ({})".format(target), e)
    return finding("warn", "masked_fill(cond, 0) on float16 raises {} on {}; mindone's CLIP mask code hits this".format(
        scalar.split(":")[0], target), e, fix=["ascendfix apply <mindone checkout>  (rewrites the masked_fill value to ms.Tensor(0, dtype))"])


@check("deep.sdxl_import", "deep", "import mindone.diffusers.StableDiffusionXLPipeline", stacks=["mindone"], deep=True, slow=True)
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


@check("deep.torch_npu", "deep", "import torch_npu; NPU available; C++ ABI vs ATB", stacks=["torch-npu", "mindie"], deep=True, slow=True)
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
        from ascendfix.check import compat

        pairs = [p for r in compat.table("torch_npu.yaml") for p in r["pairs"] if compat.same_release(p["torch"], payload["torch"])]
        fix = (["pip install torch_npu=={}  (the build paired with torch {})".format(pairs[0]["torch_npu"], payload["torch"])]
               if pairs else ["torch {} has no torch_npu release in the shipped table: install a torch/torch_npu pair from "
                              "https://github.com/Ascend/pytorch#version-support".format(payload["torch"])])
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
