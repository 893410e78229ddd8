"""Maintainer tool: regenerate the bulk code tables in rules/codes/ from the official code lists.

    python -m ascendfix.explain._tablegen --runtime R --ge G --opbase O --mind-cluster M [--out rules/codes]

R, G, O, M are git checkouts of github.com/hicann/runtime, github.com/hicann/ge, github.com/hicann/opbase and
github.com/Ascend/mind-cluster (their HEAD is read with ``git show``). What is taken from them is *facts*: each
code, its module, its official title / constant name, and where it is documented. The meaning and the next step
of a generated row are written here, per error class (the ``_CLASS_TEXT`` table below) — not copied; its category
follows what the code means (``MEANING_RULES``: device setup, a busy device, graph capture...), the same rules a test
holds every row to, curated ones included. Rows that a family file (cann.yaml, acl.yaml, mindie.yaml) already
curates by hand are skipped. Outputs: cann-table.json, acl-table.json, rt-table.json (the runtime's internal
0x07xxxxxx numbers), torch_npu-table.json, mindie-table.json and ../faults/ascend-fd-table.json. Not imported at run
time (tests import ``meaning_category``).
"""

import argparse
import json
import os
import re
import subprocess
import sys

# error class (the first words of an official CANN title) -> (category, role, meaning start, next step)
_CLASS_TEXT = [
    # before "Inner_Error": a compile failure names its operator and reason, it is not a wrapper
    ("Inner_Error_Compile_Fail", "kernel_unsupported", "cause",
     "compiling an operator failed",
     "Read the operator and reason in the message; the input shape or dtype is usually outside what the kernel supports."),
    ("Inner_Error", "ascend_inner_error", "wrapper",
     "it failed internally (an inner error that wraps the real reason)",
     "Read the lines printed right after the code and the plog (~/ascend/log/debug/plog); they name what failed."),
    ("Resource_Error_Insufficient_Host_Memory", "host_oom", "cause",
     "the host (CPU) ran out of memory",
     "Free host RAM: stop other processes, load the weights in fp16, avoid extra copies of the model; check free -g."),
    ("Resource_Error_Insufficient_Device_Memory", "device_oom", "cause",
     "the NPU ran out of memory",
     "Lower the batch size / resolution, use fp16, and check npu-smi info for other processes on the card."),
    ("Memory_Allocation", "device_oom", "cause",
     "a memory allocation failed",
     "Lower the batch size / resolution, use fp16, and check npu-smi info for other processes on the card."),
    ("Resource_Error", "ascend_inner_error", "cause",
     "a resource ran out",
     "Free the resource the message names (stop other jobs on the device, create fewer streams/events) and rerun."),
    ("Insufficient", "ascend_inner_error", "cause",
     "a device resource ran out",
     "Stop other jobs on the device and reduce what the job creates at once."),
    ("Config_Error_Invalid_Environment_Variable", "cann_env", "cause",
     "an environment variable has an invalid value",
     "Fix or unset the environment variable named in the message."),
    ("Config_Error", "cann_env", "cause",
     "a configuration item is invalid",
     "Fix the configuration item or file named in the message."),
    ("Environment_Error", "cann_env", "cause",
     "the CANN environment is incomplete",
     "Source CANN's set_env.sh, install CANN's Python dependencies, and use a supported Python."),
    ("Package_Error", "cann_env", "cause",
     "installed packages do not match each other",
     "Align the driver, firmware, CANN and framework versions (ascendfix check lists them)."),
    ("File_Operation_Error", "ascend_inner_error", "cause",
     "a file could not be used",
     "Check that the path in the message exists, is readable (or writable) by this user and is not locked."),
    ("Directory_Operation_Error", "ascend_inner_error", "cause",
     "a directory could not be used",
     "Check the directory named in the message: it must exist (or be creatable) and be writable by this user."),
    ("Not_Supported_Operator", "kernel_unsupported", "cause",
     "the operator is not supported here",
     "Replace the operator, or install a CANN / kernels version that supports it."),
    ("Unsupported_Operator", "kernel_unsupported", "cause",
     "the operator is not supported here",
     "Replace the operator, or install a CANN / kernels version that supports it."),
    ("Not_Supported_Data_Type", "kernel_unsupported", "cause",
     "the operator does not support this data type",
     "Cast the input to a dtype the operator supports (the message names the expected ones)."),
    ("Not_Supported_Format", "kernel_unsupported", "cause",
     "the operator does not support this format or dtype",
     "Change the input format / dtype to one the message lists."),
    ("Not_Supported_Shape", "kernel_unsupported", "cause",
     "the operator does not support this shape",
     "Change the input shape to what the message expects (rank, size limits)."),
    ("Not_Supported", "ascend_inner_error", "cause",
     "the operation is not supported by this CANN, driver or device",
     "Check the versions (ascendfix check) or avoid the feature named in the message."),
    ("NOT_SUPPORTED", "kernel_unsupported", "cause",
     "the operator does not accept this input",
     "Change the input named in the message to a value the operator accepts."),
    ("Invalid_Argument_Tensor", "shape_mismatch", "cause",
     "a tensor argument (shape, dynamic shape or range) is invalid",
     "Compare the input shapes with what the model / ATC options declare (the message names both)."),
    ("Invalid_Argument_Shape", "kernel_unsupported", "cause",
     "input shapes do not fit together",
     "Fix the input shapes named in the message (broadcast / matching dimensions)."),
    ("Invalid_Argument_Input_Tensor_Missing", "kernel_unsupported", "cause",
     "an operator's required input is missing",
     "Pass the input the message names."),
    ("Invalid_Argument", "ascend_inner_error", "cause",
     "an argument is invalid",
     "Read the parameter and value in the message and fix the call or configuration that passed it."),
    ("Invalid_", "ascend_inner_error", "cause",
     "an input is invalid",
     "Read the message after the code; it names the input and the expected value."),
    ("Compilation_Error", "kernel_unsupported", "cause",
     "compilation failed",
     "Read the operator and reason in the message; an input shape/dtype the kernel does not support or a custom operator bug is usual."),
    ("Execution_Error", "ascend_inner_error", "cause",
     "execution failed on the device",
     "Read the lines after the code and the plog for the task that failed."),
    ("Communication_Error", "hccl", "cause",
     "communication failed",
     "Check the peer ranks and the network; find the rank whose error came first."),
    ("", "ascend_inner_error", "cause",
     "an error occurred",
     "Read the message after the code and the plog."),
]

# What a code MEANS decides its category, whatever family or error class it comes from: a code that says the device
# could not be set up (opened, its device-side processes started, its driver reached) is device_unavailable; a device
# id the process cannot see is cann_env (the environment's visible devices); one that says another process or container holds the device is device_busy; one about capturing a task graph (aclgraph /
# NPUGraph) is graph_compile_crash. Matched (case-insensitive) against the official name, title and message of a
# code; the first rule that matches wins and overrides the error-class guess below. tests/test_explain_kb.py holds
# every row of rules/codes (generated or curated) to these rules.
MEANING_RULES = [
    ("host_oom", "cause", 55,
     r"host memory has been exhausted|insufficient_host_memory|insufficient host memory"),
    ("device_busy", "cause", 60,
     r"occupy|resource_busy|resources are busy|invalid_device_access|device access is invalid|"
     r"(?:device|card) is (?:busy|occupied|in use|used)"),
    ("graph_compile_crash", "cause", 45,
     r"captur|aclgraph|task_group|task group|model_update|model update failed"),
    # a device id the process cannot see is its environment (ASCEND_RT_VISIBLE_DEVICES, the container's devices),
    # not a card that fails to open: cann_env (the validation corpus's definition, see rules/explain_categories.yaml)
    ("cann_env", "cause", 60,
     r"invalid_deviceid\b|invalid_device_id|invalid device id|device_id\b|device id (?:error|invalid)"),
    ("device_unavailable", "cause", 50,
     r"dev_setup|device setup|no_device|no valid device|invalid_device\b|invalid device(?! function)\b|"
     r"device_absent|device not found|invalid_device_id|device_status_abnormal|"
     r"device_connection|connect the device|tsdaemon|\btsd\b|open_tsd|tsd_err|device_subprocess|"
     r"subprocess on the device|load_package_to_device|send_opp_to_device|aicpu_scheduler_init|"
     r"driver_api_call_failed|number of devices|socket_close|\bhdc\b|hdc disconnect|lost_heartbeat|lost heartbeat|"
     r"device_retain|device retain|device_null|device pointer null|power_up|power up|drv_err\b|"
     r"drv_internal|drv_ioctrl|driver error:internal|open_aicpu|open aicpu|drv_invalid_handle|driver error:invalid handle"),
]


# the next step of a row whose category came from its meaning
MEANING_NEXT = {
    "cann_env": ("The device id is not one this process can see: compare it with ASCEND_RT_VISIBLE_DEVICES and the "
                 "container's /dev/davinci* devices (npu-smi info); inside the visible set ids start at 0."),
    "host_oom": "Host RAM ran out: check free -g and the container's memory limit; load less at once.",
    "device_busy": ("Another process or container holds the device: npu-smi info lists the processes per card; stop the "
                    "leftover job or use another card (ASCEND_RT_VISIBLE_DEVICES)."),
    "graph_compile_crash": ("Capturing the graph failed: run once in eager mode to confirm, capture fewer graph sizes, and "
                            "keep host synchronisations out of the captured code; a newer driver / CANN may be needed."),
    "device_unavailable": ("The device could not be set up: check npu-smi info (health, processes on the card), that a "
                           "container was given /dev/davinci* and the driver folder, and read the CANN error printed "
                           "with it (a busy card, memory already taken, an operator package the device rejects)."),
}


def meaning_category(text):
    """``(category, role, priority)`` the meaning of a code implies, or None (see MEANING_RULES)."""
    for cat, role, prio, rx in MEANING_RULES:
        if re.search(rx, text, re.I):
            return cat, role, prio
    return None


_MODULES = {
    "E1": ("graph engine", "graph_compile_crash"), "E2": ("fusion engine", "graph_compile_crash"),
    "E3": ("AI CPU", None), "E4": ("operator compiler", None), "E5": ("operator", "kernel_unsupported"),
    "E6": ("operator", "kernel_unsupported"), "E7": ("operator", "kernel_unsupported"),
    "E8": ("vector operator", "kernel_unsupported"), "E9": ("operator compiler", "kernel_unsupported"),
    "EA": ("operator compiler", "kernel_unsupported"), "EB": ("TBE compiler", "kernel_unsupported"),
    "EE": ("runtime", None), "EF": ("model deployment", None), "EH": ("AscendCL", None), "EI": ("HCCL", "hccl"),
    "EJ": ("HCCP", "hccl"), "EK": ("profiling", None), "EL": ("driver", None), "EM": ("queue scheduler", None),
    "EO": ("AMCT", None), "EP": ("data dump", None), "EZ": ("operator", "kernel_unsupported"),
}

_WORDS = {"AICPU": "AI CPU", "OPP": "OPP", "NN": "NN", "API": "API", "OM": "OM", "ONNX": "ONNX", "IP": "IP",
          "HCCL": "HCCL", "AIPP": "AIPP", "ID": "id", "ROCE": "RoCE", "SDMA": "SDMA", "P2P": "P2P", "TSDaemon": "TSDaemon"}


def _git_show(repo, path):
    return subprocess.run(["git", "-C", repo, "show", "HEAD:" + path], check=True, capture_output=True).stdout.decode()


def _git_ls(repo, path):
    out = subprocess.run(["git", "-C", repo, "ls-tree", "-r", "--name-only", "HEAD", path], check=True,
                         capture_output=True).stdout.decode()
    return [p for p in out.splitlines() if p]


def _words(title):
    parts = [p for p in re.split(r"[_\s]+", title.strip()) if p]
    out = []
    for p in parts:
        out.append(_WORDS.get(p, p if p.isupper() and len(p) <= 5 else p.lower()))
    return " ".join(out)


def _class_of(title):
    for prefix, cat, role, meaning, nxt in _CLASS_TEXT:
        if title.startswith(prefix) or (prefix and prefix in title):
            return cat, role, meaning, nxt
    return _CLASS_TEXT[-1][1:]


def _curated(path):
    import yaml

    if not os.path.exists(path):
        return set()
    doc = yaml.safe_load(open(path, encoding="utf-8"))
    return {str(e["code"]) for e in doc.get("entries") or []}


def cann_rows(runtime, ge, skip):
    rows = {}
    docs = {}
    for p in _git_ls(runtime, "docs/en/error_code_ref"):
        m = re.match(r".*/(E[0-9A-Z]\d{4})-([\w]+)\.md$", p)
        if m:
            docs[m.group(1)] = ("https://github.com/hicann/runtime/blob/master/" + p, m.group(2))
    for p in _git_ls(ge, "docs/en/user_guides/error_codes"):
        m = re.match(r".*/(E[0-9A-Z]\d{4})-([\w]+)\.md$", p)
        if m:
            docs[m.group(1)] = ("https://github.com/hicann/ge/blob/master/" + p, m.group(2))
    data = json.loads(_git_show(runtime, "src/dfx/error_manager/error_code.json"))["error_info_list"]
    titles = {e["ErrCode"]: (e.get("errTitle") or "") for e in data}
    messages = {e["ErrCode"]: (e.get("ErrMessage") or "") for e in data}
    for code, (url, title) in docs.items():
        titles.setdefault(code, title)
    for code in sorted(titles):
        if code in skip or not code.startswith("E") or code[:2] not in _MODULES:
            continue
        title = titles[code] or "Error"
        module, mod_cat = _MODULES[code[:2]]
        cat, role, meaning, nxt = _class_of(title)
        if code.endswith("9999"):
            role = "wrapper"
        if mod_cat and cat in ("ascend_inner_error",) and role != "wrapper":
            cat = mod_cat
        if code.startswith(("EI", "EJ")) and cat not in ("device_oom", "cann_env", "host_oom"):
            cat = "hccl"
            if "Timeout" in title and role == "cause":  # waiting for a peer that failed first
                role = "consequence"
        meant = meaning_category("{} {} {}".format(code, title, messages.get(code, "")))
        prio = 15 if role == "wrapper" else 45
        if meant is not None:
            cat, role, prio = meant
            nxt = MEANING_NEXT.get(cat, nxt)
        url = docs.get(code, ("https://github.com/hicann/runtime/blob/master/src/dfx/error_manager/error_code.json",))[0]
        rows[code] = {
            "code": code,
            "title": "{} {}".format(module, _words(title)),
            "category": cat,
            "role": role,
            "priority": prio,
            "meaning": "{}: {}.".format(module[0].upper() + module[1:], meaning),
            "next": nxt,
            "source": url,
        }
    return [rows[k] for k in sorted(rows)]


_ACL_WORDS = {"RT": "runtime", "GE": "graph engine", "AICORE": "AI Core", "AICPU": "AI CPU", "AIV": "vector core",
              "AIC": "AI Core", "TS": "task scheduler", "DRV": "driver", "HDC": "host-device channel", "ACL": "AscendCL",
              "OPP": "OPP", "CDQ": "CDQ", "FFTS": "FFTS+", "HBM": "HBM", "ECC": "ECC", "IPC": "IPC", "SOC": "SoC",
              "MEM": "memory", "ID": "id", "DEVICEID": "device id", "PARAM": "parameter", "NULLPTR": "null pointer",
              "OOM": "out of memory", "CCU": "CCU", "L3": "L3", "AIPP": "AIPP", "JPEG": "JPEG", "HCCL": "HCCL"}


def _acl_words(name):
    name = re.sub(r"^(ACL_ERROR_RT_|ACL_ERROR_GE_|ACL_ERROR_|ACLNN_ERR_INNER_|ACLNN_ERR_)", "", name)
    return " ".join(_ACL_WORDS.get(w, w.lower()) for w in name.split("_") if w)


def _acl_class(code, name):
    c = int(code)
    first = code[0]
    n = name
    if "MEMORY_ALLOCATION" in n or n.endswith("DEVICE_OOM") or n.endswith("BAD_ALLOC"):
        return "device_oom", "cause"
    if "NO_PERMISSION" in n:
        return "permission", "cause"
    if n.endswith("NO_DEVICE") or "LOST_HEARTBEAT" in n or "HDC" in n or "ECC" in n or "DEV_SETUP" in n:
        return "device_unavailable", "cause"
    if "OPP" in n or "STUB" in n:
        return "cann_env", "cause"
    if "KERNEL" in n or "OP_NOT_FOUND" in n or "UNSUPPORTED_DATA_TYPE" in n or "OP_UNSUPPORTED" in n:
        return "kernel_unsupported", "cause"
    if first == "5" and (name.endswith(("INTERNAL_ERROR", "_FAILURE", "_INNER")) or c in (500000, 500001, 507000, 561000)):
        return "ascend_inner_error", "wrapper"
    if first == "5" and "TIMEOUT" in n:  # a wait that ran out: what it waited for failed first
        return "ascend_inner_error", "consequence"
    return "ascend_inner_error", "cause"


def acl_rows(runtime, ge, opbase, skip):
    rows = {}
    doc = _git_show(runtime, "docs/zh/api_ref/25-01_aclError.md")
    for name, code in re.findall(r"static const int (ACL_[A-Z_0-9]+) = (\d{6});", doc):
        rows.setdefault(code, (name, "https://github.com/hicann/runtime/blob/master/docs/zh/api_ref/25-01_aclError.md"))
    hdr = _git_show(runtime, "include/external/acl/error_codes/rt_error_codes.h")
    for name, code in re.findall(r"#define (ACL_ERROR_[A-Z_0-9]+) (\d{6})", hdr):
        rows.setdefault(code, (name, "https://github.com/hicann/runtime/blob/master/include/external/acl/error_codes/rt_error_codes.h"))
    gh = _git_show(ge, "inc/external/ge/ge_error_codes.h")
    for name, code in re.findall(r"(ACL_ERROR_GE_[A-Z_0-9]+) = (\d{6})", gh):
        rows.setdefault(code, (name, "https://github.com/hicann/ge/blob/master/inc/external/ge/ge_error_codes.h"))
    oh = _git_show(opbase, "include/nnopbase/opdev/op_errno.h")
    for name, code in re.findall(r"#define (ACLNN_ERR_[A-Z_0-9]+) (\d{6})", oh):
        rows.setdefault(code, (name, "https://github.com/hicann/opbase/blob/master/docs/en/api/nnopbase/opdev/aclnn_return_code/aclnn_return_codes.md"))
    out = []
    for code in sorted(rows):
        if code in skip:
            continue
        name, url = rows[code]
        cat, role = _acl_class(code, name)
        words = _acl_words(name)
        prio = 15 if role == "wrapper" else 45
        meant = meaning_category("{} {}".format(name, words))
        nxt = None
        if meant is not None:
            cat, role, prio = meant
            nxt = MEANING_NEXT.get(cat)
        out.append({
            "code": code,
            "name": name,
            "title": words,
            "category": cat,
            "role": role,
            "priority": prio,
            "meaning": "AscendCL return code {} ({}): {}.".format(code, name, words),
            "next": nxt or ("Read the CANN error block and the plog around it for what failed." if role == "wrapper" else
                            "Read the API named next to the code in the log; the CANN error lines around it give the detail."),
            "source": url,
        })
    return out


_RT_PREFIX_WORDS = {"DRV": "driver", "DEVICE": "device", "STREAM": "stream", "MODEL": "model", "KERNEL": "kernel",
                    "EVENT": "event", "NOTIFY": "notify", "CONTEXT": "context", "MEMORY": "memory", "DEBUG": "debug",
                    "DATADUMP": "data dump", "PROF": "profiling", "TS": "task scheduler", "AICPU": "AI CPU"}


def rt_rows(runtime, acl):
    """The runtime's internal error numbers (0x07xxxxxx), which its logs print as ``retCode=0x7020014``: each with
    the reason text and the AscendCL code the runtime maps it to (errcode_manage.cc). A row takes its category from
    its meaning (MEANING_RULES on its name and reason), else from the AscendCL code it maps to."""
    hdr = _git_show(runtime, "src/runtime/core/inc/common/internal_error_define.hpp")
    values = {name: int(v, 16) for name, v in re.findall(r"constexpr int32_t (RT_ERROR_[A-Z0-9_]+) = (0x[0-9A-Fa-f]+);", hdr)}
    src = _git_show(runtime, "src/runtime/core/src/common/errcode_manage.cc")
    mapped = {}
    for name, aclname, reason in re.findall(
            r"rtErrMap_\[(RT_ERROR_[A-Z0-9_]+)\]\s*=\s*\{\s*(ACL_[A-Z0-9_]+),\s*\"([^\"]*)\"", src):
        mapped.setdefault(name, (aclname, reason))
    by_name = {r["name"]: r for r in acl if r.get("name")}
    url = "https://github.com/hicann/runtime/blob/master/src/runtime/core/inc/common/internal_error_define.hpp"
    out = {}
    for name, value in sorted(values.items(), key=lambda kv: kv[1]):
        if name not in mapped or value < 0x07010000 or name.endswith("_BASE"):
            continue
        aclname, reason = mapped[name]
        code = "0x%08x" % value
        if code in out:
            continue
        row = by_name.get(aclname)
        cat, role, prio = (row["category"], row["role"], row["priority"]) if row else ("ascend_inner_error", "wrapper", 14)
        meant = meaning_category("{} {}".format(name, reason))
        nxt = None
        if meant is not None:
            cat, role, prio = meant
            nxt = MEANING_NEXT.get(cat)
        elif role == "cause" and cat == "ascend_inner_error":
            role, prio = "wrapper", 14  # an internal step the AscendCL code and the CANN lines explain better
        else:
            prio = max(prio - 5, 10)  # the AscendCL code printed with it names the same thing
        what = reason.strip().rstrip(".") or _acl_words(name.replace("RT_ERROR_", "ACL_ERROR_"))
        out[code] = {
            "code": code,
            "name": name,
            "title": "runtime: {}".format(what[0].lower() + what[1:] if what[:2] != what[:2].upper() else what),
            "category": cat,
            "role": role,
            "priority": prio,
            "meaning": "Runtime internal error {} ({}): {}; the runtime reports it to the caller as {}.".format(
                code, name, what, aclname + (" " + row["code"] if row else "")),
            "next": nxt or ("Read the runtime lines around it in the plog (~/ascend/log/debug/plog): the call that failed"
                            " and the CANN error code printed with it."),
            "source": url,
        }
    return [out[k] for k in sorted(out)]


_SUBMODULES = {"00": ("PTA", "torch_npu framework"), "01": ("OPS", "operator calls"),
               "02": ("DIST", "distributed (HCCL)"), "03": ("GRAPH", "graph mode"), "04": ("PROF", "profiler")}
_ERRTYPES = {
    "001": ("invalid parameter", "an argument it was given is invalid"),
    "002": ("invalid type", "an argument has the wrong type or dtype"),
    "003": ("invalid value", "a value, shape or dimension is out of range"),
    "004": ("invalid pointer", "it met an invalid pointer"),
    "005": ("internal error", "it failed internally"),
    "006": ("memory error", "a memory operation failed"),
    "007": ("feature not supported", "the requested feature is not supported"),
    "008": ("resource not found", "a file or resource it needs is missing"),
    "009": ("resource unavailable", "a resource it needs is unavailable"),
    "010": ("system call failed", "a system call failed"),
    "011": ("timeout error", "an operation timed out"),
    "012": ("permission error", "it lacks a permission"),
    "100": ("call acl api failed", "an AscendCL call failed; its return code and the CANN error lines follow"),
    "200": ("call hccl api failed", "an HCCL call failed; the HCCL error (EI codes) follows"),
    "300": ("call ge api failed", "a graph engine call failed; the GE error follows"),
}


def torch_npu_rows():
    out = []
    for sub, (sname, stext) in sorted(_SUBMODULES.items()):
        for err, (etitle, etext) in sorted(_ERRTYPES.items()):
            code = sub + err
            cat = "hccl" if sname == "DIST" else ("device_oom" if err == "006" and False else "ascend_inner_error")
            out.append({
                "code": code,
                "id": "ERR" + code,
                "title": "{} {}".format(sname, etitle),
                "category": cat,
                "role": "wrapper",
                "priority": 12,
                "meaning": "torch_npu ({}): {}.".format(stext, etext),
                "next": "This line wraps the real error; read the RuntimeError message and the CANN lines (E codes) printed with it.",
                "source": "https://github.com/Ascend/pytorch/blob/master/docs/zh/user_guide/troubleshooting/error_code_description/error_code_information.md",
            })
    return out


_MIE_COMPONENTS = {"01": "Benchmark", "02": "Client", "03": "MindIE MS (service management)", "04": "MindIE Server",
                   "05": "MindIE LLM", "06": "MindIE SD", "07": "MindIE RT", "08": "MindIE Torch"}
_MIE_CATEGORY = {"06": "mindie_service"}


def mindie_rows(mind_cluster, skip):
    kg = json.loads(_git_show(mind_cluster, "component/ascend-faultdiag/src/ascend_fd/configuration/kg-config.json"))
    out = {}
    for key, v in kg["knowledge-repository"].items():
        blob = json.dumps(v.get("regex"))
        for code in re.findall(r"MIE\d\dE[0-9A-F]{6}", blob):
            if code in skip or code in out:
                continue
            comp = _MIE_COMPONENTS.get(code[3:5], "MindIE")
            # the fault-diagnosis entry name, e.g. AISW_MindIE_MS_Controller_03 -> "Controller"
            parts = key.split("_")
            unit = parts[3] if len(parts) > 4 else (parts[2] if len(parts) > 2 else "")
            out[code] = {
                "code": code,
                "title": "{} {} error".format(comp, unit).replace("  ", " "),
                "category": "mindie_service",
                "role": "cause",
                "priority": 45,
                "meaning": "{} ({}) reported error {}; MindCluster's fault knowledge base files it as: {}.".format(
                    comp, unit, code, (v["attribute"].get("cause_en") or "").strip().rstrip(".").lower()),
                "next": "Read the MindIE log line with the code (~/mindie/log/debug/mindie-*_<pid>_*.log) and the configuration "
                        "(config.json) or request it names.",
                "source": "https://github.com/Ascend/mind-cluster/blob/master/component/ascend-faultdiag/src/ascend_fd/configuration/kg-config.json",
            }
    return [out[k] for k in sorted(out)]


def fault_rows(mind_cluster):
    """Literal rules of MindCluster's fault knowledge base for CANN plog / device logs and framework logs."""
    kg = json.loads(_git_show(mind_cluster, "component/ascend-faultdiag/src/ascend_fd/configuration/kg-config.json"))
    out = []
    for key, v in kg["knowledge-repository"].items():
        if v.get("source_file") not in ("CANN_Plog", "CANN_Device", "TrainLog", "CANN_Plog | OS"):
            continue
        spec = (v.get("regex") or {}).get("in")
        if not spec:
            continue
        alts = spec if all(isinstance(x, list) for x in spec) else [spec]
        alts = [[x for x in alt if isinstance(x, str) and x.strip()] for alt in alts]
        alts = [alt for alt in alts if alt]
        a = v["attribute"]
        label = (a.get("cause_en") or "").strip()
        if not alts or not label:
            continue
        out.append({"id": key, "any": alts, "label": label, "component": a.get("component") or "",
                    "module": a.get("module") or ""})
    out.sort(key=lambda r: r["id"])
    return out


def _dump(path, header, rows):
    """JSON (one row per line: readable diffs, and ~50x faster to load than YAML at run time)."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('{"generated": %s,\n "entries": [\n' % json.dumps(header.strip()))
        fh.write(",\n".join(json.dumps(r, ensure_ascii=False, sort_keys=False) for r in rows))
        fh.write("\n]}\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runtime", required=True)
    ap.add_argument("--ge", required=True)
    ap.add_argument("--opbase", required=True)
    ap.add_argument("--mind-cluster", required=True)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "rules", "codes"))
    a = ap.parse_args(argv)
    out = os.path.abspath(a.out)

    def rev(repo):
        return subprocess.run(["git", "-C", repo, "rev-parse", "HEAD"], check=True, capture_output=True).stdout.decode().strip()

    note = "GENERATED by `python -m ascendfix.explain._tablegen`: edit the generator or curate the row in the family file. "
    cann = cann_rows(a.runtime, a.ge, _curated(os.path.join(out, "cann.yaml")))
    _dump(os.path.join(out, "cann-table.json"),
          note + "facts from github.com/hicann/runtime@{} (error_code.json, docs/en/error_code_ref) and github.com/hicann/ge@{}"
                 " (docs/en/user_guides/error_codes)".format(rev(a.runtime), rev(a.ge)), cann)
    acl = acl_rows(a.runtime, a.ge, a.opbase, _curated(os.path.join(out, "acl.yaml")))
    _dump(os.path.join(out, "acl-table.json"),
          note + "facts from github.com/hicann/runtime@{} (aclError list, rt_error_codes.h), github.com/hicann/ge@{}"
                 " (ge_error_codes.h), github.com/hicann/opbase@{} (op_errno.h)".format(rev(a.runtime), rev(a.ge), rev(a.opbase)), acl)
    curated_acl = []
    import yaml

    with open(os.path.join(out, "acl.yaml"), encoding="utf-8") as fh:
        for e in yaml.safe_load(fh).get("entries") or []:
            curated_acl.append(dict(e, code=str(e["code"]), role=e.get("role") or "cause", priority=e.get("priority") or 50))
    rt = rt_rows(a.runtime, acl + curated_acl)
    _dump(os.path.join(out, "rt-table.json"),
          note + "facts from github.com/hicann/runtime@{} (internal_error_define.hpp, errcode_manage.cc)".format(rev(a.runtime)), rt)
    tn = torch_npu_rows()
    _dump(os.path.join(out, "torch_npu-table.json"),
          note + "facts from github.com/Ascend/pytorch (NPUException.h/.cpp: SubModule x ErrCode)", tn)
    mie = mindie_rows(a.mind_cluster, _curated(os.path.join(out, "mindie.yaml")))
    _dump(os.path.join(out, "mindie-table.json"),
          note + "codes from github.com/Ascend/mind-cluster@{} (ascend-faultdiag kg-config.json)".format(rev(a.mind_cluster)), mie)
    fr = fault_rows(a.mind_cluster)
    fault_dir = os.path.join(os.path.dirname(out), "faults")
    os.makedirs(fault_dir, exist_ok=True)
    _dump(os.path.join(fault_dir, "ascend-fd-table.json"),
          note + "facts (log substrings, component/module, short label) from github.com/Ascend/mind-cluster@{}"
                 " (ascend-faultdiag kg-config.json, Apache-2.0)".format(rev(a.mind_cluster)), fr)
    print("cann {} acl {} rt {} torch_npu {} mindie {} faults {}".format(len(cann), len(acl), len(rt), len(tn), len(mie), len(fr)))


if __name__ == "__main__":
    sys.exit(main())
