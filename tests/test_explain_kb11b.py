"""Engine rules of the eleventh knowledge-base round (Ascend-level families): a shell's "Killed" after a failure is
that failure's consequence, a cause seen only on a quiet line is named when nothing else explains a failing log, and
fault-table entries of MindSpore's launcher are launch failures.

Every text here is real: signature examples (each with its public source) or a capture whose command is given.
"""

from ascendfix.explain.engine import Matcher
from ascendfix.explain.faults import load_fault_families
from ascendfix.explain.kb import find_signature
from explain_support import example, run


# MindIE's daemon logs this line and then calls killpg(getpgrp(), SIGKILL) (AF171's source), so the shell that
# started it prints its "Killed" (AF048's example, the bash message) right after it
_ENDPOINT_FAILED = example("AF171", "match", 0)
_KILLED = example("AF048", "match", 1)


def test_killed_alone_is_the_host_oom_cause():
    assert _KILLED == "Killed"
    m, ranked = run(_KILLED)
    assert ranked[0].id == "AF048" and ranked[0].role == "cause"
    assert m.results()[0]["category"] == "host_oom"


def test_killed_after_a_failing_line_is_its_consequence():
    m, ranked = run(_ENDPOINT_FAILED + "\n" + _KILLED)
    ids = [h.id for h in ranked]
    assert ids[0] == "AF171", ids
    killed = ranked[ids.index("AF048")]
    assert killed.role == "consequence" and killed.after_failure
    top = m.results()
    assert top[0]["category"] == "mindie_service"
    assert top[1]["id"] == "AF048" and top[1]["consequence_of"] == "AF171"


def test_killed_before_the_failure_stays_a_cause():
    # the order matters: a process killed first cannot be the consequence of what is printed after it
    _, ranked = run(_KILLED + "\n" + _ENDPOINT_FAILED)
    killed = [h for h in ranked if h.id == "AF048"][0]
    assert killed.role == "cause" and not killed.after_failure


def test_consequence_after_failure_is_only_on_the_shell_notices():
    sig = find_signature("AF048")
    flagged = [p.index for p in sig.patterns if p.consequence_after_failure]
    assert flagged == [0, 1]  # "Killed" and zsh's "[1] 52429 killed ..."; launcher reports stay causes
    # a launcher's own SIGKILL report after an error line is still the host OOM it names
    text = _ENDPOINT_FAILED + "\n" + example("AF048", "match", 3)
    _, ranked = run(text)
    assert [h for h in ranked if h.id == "AF048"][0].role == "cause"


# captured: CPython 3.11.7 (Debian /usr/bin/python3 with its python3-yaml package), the output of
#   python3 -c "import logging; logging.basicConfig(format='%(asctime)s - %(name)s - %(levelname)s - %(message)s')
#   try:
#       from yaml import NoSuchLoader
#   except ImportError as e:
#       logging.getLogger('loader').warning(e)
#   import json; json.loads('{')"
_WARNING = ("2026-12-04 05:41:11,483 - loader - WARNING - cannot import name 'NoSuchLoader' from 'yaml' "
            "(/usr/lib/python3/dist-packages/yaml/__init__.py)")
_FAILURE = """Traceback (most recent call last):
  File "<string>", line 9, in <module>
  File "/usr/lib/python3.11/json/__init__.py", line 346, in loads
    return _default_decoder.decode(s)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/lib/python3.11/json/decoder.py", line 337, in decode
    obj, end = self.raw_decode(s, idx=_w(s, 0).end())
               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/lib/python3.11/json/decoder.py", line 353, in raw_decode
    obj, end = self.scan_once(s, idx)
               ^^^^^^^^^^^^^^^^^^^^^^
json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"""


def test_a_cause_on_a_quiet_line_is_named_when_the_log_fails_with_nothing_else():
    # AF093's pattern skips quiet lines (a module that logs a failed optional import and goes on): on its own the
    # warning says nothing; in a log that then fails and names no other cause it is the most specific line there
    m, ranked = run(_WARNING + "\n" + _FAILURE)
    assert [h.id for h in ranked] == ["AF093"]
    assert m.results()[0]["id"] == "AF093" and m.failed()


def test_a_cause_on_a_quiet_line_alone_is_no_diagnosis():
    m, ranked = run(_WARNING)
    assert ranked == [] and m.results() == [] and not m.failed()


def test_a_cause_on_a_quiet_line_yields_to_any_other_cause():
    m, ranked = run(_WARNING + "\n" + _ENDPOINT_FAILED)
    assert [h.id for h in ranked] == ["AF171"]


def test_msrun_launcher_faults_are_launch_failures():
    rules = {r.id: r for fam in load_fault_families() for r in fam.rules}
    for i in ("01", "02", "04", "05", "06", "09", "10"):  # (03's literals are too short to be used)
        assert rules["AISW_MindSpore_msrun_" + i].category == "dist_launch", i
    assert rules["AISW_MindSpore_msrun_08"].category == "device_busy"
    assert rules["AISW_MindSpore_msrun_15"].category == "hccl"  # the communicator itself stays hccl


def test_a_generic_code_does_not_silence_the_failing_lines():
    """A code of the generic category ("aclrtSynchronizeStream failed: 507018", an AI CPU task that failed) says that
    a task failed, not which kind of failure: with the signatures removed, the failing lines of AF019's excerpt (an
    operator without a kernel binary) still name the category, and the code follows as the next entry."""
    from ascendfix.explain.codes import load_families

    acl = [f for f in load_families() if f.name == "acl"][0]
    code_line = [e["text"] for e in acl.examples["match"] if e.get("id") == "507018"][0]
    text = code_line + "\n" + example("AF019")
    m = Matcher(signatures=[], faults=[])
    m.feed_lines(text.split("\n"))
    ranked = m.ranked()
    assert any(h.id == "507018" and h.role == "cause" for h in ranked)
    out = m.results()
    assert out[0]["kind"] == "inferred" and out[0]["category"] == "kernel_unsupported"
    assert out[1]["id"] == "507018"


# captured: Open MPI 5.0 (mpirun from the cached openmpi-5.0 environment), CPython 3.11 without torch_npu:
#   mpirun --allow-run-as-root --oversubscribe --tag-output -n 1 python3 -c "import torch_npu"
_MPIRUN_TAGGED = """[1,0]<stderr>: Traceback (most recent call last):
[1,0]<stderr>:   File "<string>", line 1, in <module>
[1,0]<stderr>: ModuleNotFoundError: No module named 'torch_npu'"""


def test_mpirun_tag_output_prefix_is_a_transport_prefix():
    from ascendfix.explain import lines

    info = lines.parse(_MPIRUN_TAGGED.splitlines()[-1])
    assert info.message == "ModuleNotFoundError: No module named 'torch_npu'" and str(info.rank) == "0"
    m = Matcher()
    m.feed_lines(_MPIRUN_TAGGED.split("\n"))
    assert [k["kind"] for k in m.key_lines()] == ["traceback", "exception"]


def test_killed_after_a_failure_adds_no_inference_evidence():
    m, _ = run(_ENDPOINT_FAILED + "\n" + _KILLED)
    cats = {m.inference.categories[ci][0] for ci, _ in m.infer_seen}
    assert "host_oom" not in cats, cats
    alone, _ = run(_KILLED)
    assert "host_oom" in {alone.inference.categories[ci][0] for ci, _ in alone.infer_seen}


def test_a_module_qualified_exception_without_error_in_its_name_is_the_last_exception():
    # AF173's capture (torch 2.13): TorchDynamo's exception class is "Unsupported"
    line = example("AF173")
    m = Matcher(signatures=[], faults=[])
    m.feed_lines([line])
    assert [k["kind"] for k in m.key_lines()] == ["exception"]
