"""Round 16 (veto16): the run-went-on veto of signatures, and benign carry-on wording.

A signature marked ``needs_failure`` (pip's post-install resolver report, AF022; PyTorch's uint8-mask deprecation
warning, AF261) — and any cause read only from warning lines — counts only when the run stopped after it or when
nothing after it shows that the run went on; otherwise it is a note. The logs below are composed from real lines
(each one's source is named where it is used): a signature's own examples, lines quoted from the emitting source at a
pinned commit, and a KeyboardInterrupt traceback captured here.
"""

import pytest

from ascendfix.errors import DataError
from ascendfix.explain import infer
from ascendfix.explain.kb import Signature, find_signature
from ascendfix.explain.lines import parse

from tests.explain_support import example, infer_only, matcher

# AF022's example 6 (captured: pip 23.2.1 on CPython 3.11.7): the report, then pip's own "Successfully installed"
PIP_REPORT = example("AF022", "match", 5)
# AF261's example 1 (captured: torch 1.10.0, python -W always mf.py)
MASK_WARNING = example("AF261", "match", 0)
# captured: CPython 3.11.7, `python train_loop.py` (a `while True: time.sleep(0.1)` loop) interrupted with SIGINT; the
# script's folder replaced by <tmp>
CTRL_C = '\n'.join([
    "Traceback (most recent call last):",
    '  File "<tmp>/train_loop.py", line 3, in <module>',
    "    time.sleep(0.1)",
    "KeyboardInterrupt",
])
# uvicorn once the served application started (logger.info in lifespan/on.py; vLLM / MindIE-style servers log it):
# https://github.com/encode/uvicorn/blob/00cb13dd08ccceebe9a65810a70588e66971e305/uvicorn/lifespan/on.py
RUN_WENT_ON = "Application startup complete."
# captured: CPython 3.11.7, python -c "import json; json.loads('x')" (the last line of its traceback)
OTHER_FAILURE = "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)"
# torch.distributed.elastic's launcher when it gets SIGINT (_terminate_process_handler raises
# SignalException(f"Process {os.getpid()} got signal: {sigval}"); a Signals value formats as its number; the pid here
# is the template's placeholder filled in):
# https://github.com/pytorch/pytorch/blob/0068f5a3a1cae3c3e6e1e71173dbb5d8262271b1/torch/distributed/elastic/multiprocessing/api.py
LAUNCHER_CTRL_C = "torch.distributed.elastic.multiprocessing.api.SignalException: Process 4242 got signal: 2"


def _ids(text):
    m = matcher(text)
    return [h.id for h in m.ranked() if h.role != "context"], [r["id"] for r in m.results()], \
        [n["id"] for n in m.notes()]


# -- the veto ----------------------------------------------------------------------------------------------------------
def test_signatures_marked():
    assert find_signature("AF022").needs_failure and find_signature("AF022").own_lines is not None
    assert find_signature("AF261").needs_failure


def test_a_bare_pip_report_is_still_pip_conflict():
    """pip's own "Successfully installed ..." after its report is no sign that a program ran (the corpus convention:
    a bare resolver report is pip_conflict)."""
    assert "Successfully installed" in PIP_REPORT.splitlines()[-1]
    _, results, _ = _ids(PIP_REPORT)
    assert results[:1] == ["AF022"]


def test_a_pip_report_then_a_program_that_went_on_is_a_note():
    causes, results, notes = _ids(PIP_REPORT + "\n" + RUN_WENT_ON)
    assert "AF022" not in causes and results == [] and notes == ["AF022"]


def test_a_pip_report_then_a_failure_after_the_run_went_on_still_counts():
    """The run stopped after the report (a failing line after it): the report may be the cause, it stays."""
    _, results, _ = _ids(PIP_REPORT + "\n" + RUN_WENT_ON + "\n" + OTHER_FAILURE)
    assert "AF022" in results


def test_a_deprecation_warning_then_ctrl_c_is_silent():
    """A user's Ctrl-C is not a failure: the uint8-mask warning printed during the run is only a note."""
    causes, results, notes = _ids(MASK_WARNING + "\n" + CTRL_C)
    assert results == [] and "AF261" in notes and "AF261" not in causes
    # nor does the launcher's report of the same Ctrl-C count as a failure
    _, results, notes = _ids(MASK_WARNING + "\n" + LAUNCHER_CTRL_C)
    assert results == [] and "AF261" in notes


def test_a_deprecation_warning_then_a_real_failure_still_counts():
    _, results, _ = _ids(MASK_WARNING + "\n" + OTHER_FAILURE)
    assert results[:1] == ["AF261"]


def test_a_warning_followed_by_ctrl_c_then_a_failure_counts():
    """Ctrl-C first, then a real failure (a cleanup that crashed): the run stopped, the warning is a cause again."""
    _, results, _ = _ids(MASK_WARNING + "\n" + CTRL_C + "\n" + OTHER_FAILURE)
    assert "AF261" in results


def test_a_warning_only_cause_gets_the_veto_without_the_flag():
    """Any cause read only from warning lines gets the veto when the log ends showing the program going on: the same
    log with AF261's flag removed and a progress bar at the end stays silent."""
    import copy

    sig = copy.copy(find_signature("AF261"))
    sig.needs_failure = False
    m = matcher(MASK_WARNING + "\n" + BAR_RUNNING, signatures=[sig], faults=[])
    assert m.results() == [] and [n["id"] for n in m.notes()] == ["AF261"]


def test_ctrl_c_clears_only_a_signature_marked_needs_failure():
    """A user often presses Ctrl-C on a run that hung: for a warning-only cause without the flag it proves nothing
    (review of round 16: a version-mismatch warning, then Ctrl-C in a hung barrier, must stay the cause)."""
    import copy

    sig = copy.copy(find_signature("AF261"))
    sig.needs_failure = False
    m = matcher(MASK_WARNING + "\n" + CTRL_C, signatures=[sig], faults=[])
    assert [r["id"] for r in m.results()] == ["AF261"]


def test_the_flags_are_validated(tmp_path):
    entry = dict(find_signature("AF022").entry)
    entry.pop("needs_failure")
    with pytest.raises(DataError, match="own_lines"):
        Signature(entry, tmp_path / "AF022-x.yaml")
    entry = dict(find_signature("AF261").entry, warning_is_cause=True)
    with pytest.raises(DataError, match="contradict"):
        Signature(entry, tmp_path / "AF261-x.yaml")
    entry = dict(find_signature("AF022").entry, own_lines="(")
    with pytest.raises(DataError, match="own_lines"):
        Signature(entry, tmp_path / "AF022-x.yaml")


# -- benign carry-on wording (rules/explain_benign.yaml) ---------------------------------------------------------------
def _templates(entry_id):
    from ascendfix.explain.kb import benign_entries

    return [t["text"] for e in benign_entries() if e["id"] == entry_id for t in e["templates"]]


# the carry-on entries of this round, quoted verbatim from their emitting sources (placeholders as in the source)
CARRY_ON = _templates("carries-on-with-default") + _templates("switches-to-another-path") + \
    _templates("skips-and-goes-on") + [t for t in _templates("falls-back") if "fallback" in t]


def test_the_carry_on_entries_are_there():
    assert len(CARRY_ON) >= 20


@pytest.mark.parametrize("text", [t for t in CARRY_ON if infer.classify_line(t, parse(t), None) == "fail"])
def test_a_line_that_carries_on_is_no_failure(text):
    """Without the benign wording, the refusal words of these lines ("is invalid", "can not", "failed") make them
    failing lines; the clause after the comma says the program goes on."""
    inf = infer.load()
    assert infer.classify_line(text, parse(text), None, inf.benign, inf.benign_veto) != "fail"
    assert infer_only(text) is None


def test_most_carry_on_lines_would_fail_without_the_wording():
    assert sum(infer.classify_line(t, parse(t), None) == "fail" for t in CARRY_ON) >= 15


@pytest.mark.parametrize("text", [
    # a real failure that mentions a default (CANN GE, GELOGE in api/atc/omg.cc#L507)
    "[Get][DefaultOutInfo] failed.",
    # retries are no carry-on: a retry that keeps failing is the failure (vllm-ascend
    # distributed/kv_transfer/kv_p2p/sfa_pd_rd2h/scheduler.py#L476, MindIE-Motor PRequestRepeater.cpp#L101)
    "Access metaserver failed for request %s; retrying in %.1f seconds: %s",
    "[%s] [RequestRepeater] Request %s retry failed, try again...",
])
def test_failures_that_mention_default_or_retry_still_fail(text):
    inf = infer.load()
    assert infer.classify_line(text, parse(text), None, inf.benign, inf.benign_veto) == "fail"


def test_an_exception_line_is_never_benign():
    """The same carry-on words on an exception line (what a raise says) do not make it benign."""
    inf = infer.load()
    text = "ValueError: " + _templates("carries-on-with-default")[0]
    assert infer.classify_line(text, parse(text), "exception", inf.benign, inf.benign_veto) == "fail"


# captured: tqdm 4.66.1 on CPython 3.11.7, `for _ in tqdm(range(50), desc='Epoch 1', ncols=80): time.sleep(0.02)` (the
# bar's last two redraws, split at their carriage returns)
BAR_RUNNING = "Epoch 1:  94%|███████████████████████████████▉  | 47/50 [00:01<00:00, 39.70it/s]"
BAR_DONE = "Epoch 1: 100%|██████████████████████████████████| 50/50 [00:01<00:00, 38.96it/s]"


@pytest.mark.parametrize("bar", [BAR_RUNNING, BAR_DONE])
def test_a_pip_report_then_a_progress_bar_at_the_end_is_a_note(bar):
    """A program computing at the end of the log (a progress bar's rate, a finished bar) after the report: the report
    is a note."""
    _, results, notes = _ids(PIP_REPORT + "\n" + bar)
    assert results == [] and notes == ["AF022"]


# captured: CPython 3.12.1, `python -W always w.py` with w.py calling datetime.datetime.utcnow() (the script's folder
# replaced by <tmp>): a Python warning printed by a program's own code, after pip had finished
PY_WARNING = ("<tmp>/w.py:2: DeprecationWarning: datetime.datetime.utcnow() is deprecated and scheduled for removal in "
              "a future version. Use timezone-aware objects to represent datetimes in UTC: datetime.datetime.now("
              "datetime.UTC).")


def test_a_pip_report_then_a_program_warning_at_the_end_is_a_note():
    """Python code ran after pip (a warning from a .py file, which pip's own notices never look like)."""
    _, results, notes = _ids(PIP_REPORT + "\n" + PY_WARNING)
    assert results == [] and notes == ["AF022"]
    # pip's own notices after the report are no such sign (its self-version check, logger.warning in
    # https://github.com/pypa/pip/blob/09b3d3a50be67d118229e39be86f849c1e59bdd9/src/pip/_internal/self_outdated_check.py)
    _, results, _ = _ids(PIP_REPORT + "\n" + "WARNING: You are using pip version %s; however, version %s is available.")
    assert results == ["AF022"]


# captured: g++ 12 on Debian, a program that destroys a joinable std::thread (`std::thread t([]{}); return 0;`):
# libstdc++'s terminate handler prints this and the process aborts — a death line the engine does not read as failing
TERMINATE = "terminate called without an active exception"


def test_a_log_that_went_on_and_then_died_keeps_the_report():
    """Only the log's last line counts as "went on": a bar followed by a death the engine does not read as failing
    proves nothing (review of round 16)."""
    _, results, _ = _ids(PIP_REPORT + "\n" + BAR_RUNNING + "\n" + TERMINATE)
    assert results == ["AF022"]


# the warning Ubuntu 22.04's system pkg_resources prints while a tool (pip, xml2rfc) reads the installed distributions,
# as quoted in https://github.com/ietf-tools/xml2rfc/issues/848 — installer code, not the user's program
TOOL_WARNING = ("/usr/lib/python3/dist-packages/pkg_resources/__init__.py:116: PkgResourcesDeprecationWarning: "
                "1.1build1 is an invalid version and will not be supported in a future release")


def test_an_installer_warning_is_no_sign_the_program_ran():
    _, results, _ = _ids(PIP_REPORT + "\n" + TOOL_WARNING)
    assert results == ["AF022"]


def test_an_image_build_tag_is_no_sign_the_program_ran():
    # Docker's legacy builder ends a build with fmt.Fprintf(b.Stdout, "Successfully tagged %s\n", ...) (moby,
    # builder/dockerfile/builder.go); the template as the test line
    _, results, _ = _ids(PIP_REPORT + "\n" + "Successfully tagged %s")
    assert results == ["AF022"]


@pytest.mark.parametrize("no_grep", [False, True])
def test_a_piped_log_gets_the_same_answer_as_the_file(tmp_path, monkeypatch, no_grep):
    """`explain FILE` and `... | explain -` read the same last lines (review of round 16: a pipe kept none, so the
    veto's tail check never applied there)."""
    import io

    from ascendfix.explain.engine import scan_stream

    if no_grep:
        monkeypatch.setenv("ASCENDFIX_EXPLAIN_NO_GREP", "1")
    text = (PIP_REPORT + "\n" + PY_WARNING + "\n").encode("utf-8")
    path = tmp_path / "run.log"
    path.write_bytes(text)

    class Pipe(io.BytesIO):
        def fileno(self):
            raise io.UnsupportedOperation("a pipe here")

    answers = []
    for stream in (open(str(path), "rb"), Pipe(text)):
        with stream:
            m = scan_stream(stream)
        answers.append(([r["id"] for r in m.results()], [n["id"] for n in m.notes()], m.tail))
    assert answers[0] == answers[1]
    assert answers[0][0] == [] and answers[0][1] == ["AF022"]
