"""rev21e (review of eng21's went_on change): what does NOT show a run failing after its success line.

- An exit status a sentence states as a rule (a help text, a manual, a setting) is no exit: ischroot's manual says
  "Exit with status 1 if the detection is not possible." (captured: MANPAGER=cat man ischroot, debianutils
  5.7-0.5~deb12u1).
- A user's Ctrl-C is a stop the user chose, also as an exit status (130 = 128 + SIGINT): eng21 already leaves a
  Ctrl-C's traceback header out; its exit status is left out the same way. CPython 3.11.7's report of a child that
  exited 130 (captured: python3 -c "import subprocess; subprocess.run(['python3','-c','import sys; sys.exit(130)'],
  check=True)").
- GNU time -v prints "Exit status: 0" for a run that ended well and "Exit status: 2" for sys.exit(2) (captured:
  /usr/bin/time -v python3 e.py, GNU time of Debian 12, e.py calling sys.exit(0) / sys.exit(2)).
- The traceback a check function caught and logged as a notice (a context signature's ``notice_traceback`` frame:
  AF200's xFormers "A matching Triton is not available" with the traceback of the failed import) is not a failing
  traceback: the log below is eng21's captured gdb run cut after its success line (a caught UnpicklingError, then
  "generation finished: 1 image saved"), followed by AF200's first real example (its source is in AF200's file).
  On main AF062 is then a note; the notice's traceback header must not turn it into the cause.
"""

import re

import pytest

from ascendfix.explain import engine
from ascendfix.explain.engine import Matcher
from ascendfix.explain.kb import load_signatures

from test_explain_eng21_went_on import LINES

_EXIT_ERE = re.compile([p for p in engine.KEY_PREFILTERS if "xit(ed)" in p][0])


@pytest.mark.parametrize("text", [
    "              Exit with status 1 if the detection is not possible.",
    "subprocess.CalledProcessError: Command '['python3', '-c', 'import sys; sys.exit(130)']' returned non-zero exit "
    "status 130.",
    "\tExit status: 0",
    "[Inferior 1 (process 21915) exited normally]",
])
def test_no_failed_exit(text):
    assert not engine._EXIT_FAIL_RE.search(text)


def test_a_failed_exit_still_found():
    text = "\tExit status: 2"
    assert engine._EXIT_FAIL_RE.search(text) and _EXIT_ERE.search(text)


def test_the_pre_filter_marker_passes_no_success_exit():
    for text in ("\tExit status: 0", "[Inferior 1 (process 21915) exited normally]",
                 "generation finished: 1 image saved"):
        assert not _EXIT_ERE.search(text)


def _notice_lines():
    sig = [s for s in load_signatures() if s.id == "AF200"][0]
    return sig.examples["match"][0]["text"].split("\n")


def test_a_notice_traceback_after_the_success_line_is_no_failure():
    notice = _notice_lines()
    assert notice[1].startswith("Traceback (most recent call last):")
    m = Matcher()
    m.feed_lines(LINES[:-1] + notice)
    causes = [h["id"] for h in m.results(3) if h["role"] == "cause"]
    assert "AF062" not in causes
    assert "AF062" in [n["id"] for n in m.notes()]


def test_the_exit_status_after_the_notice_still_counts():
    """The same log ending in gdb's "exited with code 01": the run failed, AF062 is the cause."""
    m = Matcher()
    m.feed_lines(LINES[:-1] + _notice_lines() + LINES[-1:])
    assert [(h["id"], h["role"]) for h in m.results(3)][0] == ("AF062", "cause")


@pytest.mark.parametrize("field,value,says", [
    ("regex", "''", "matches an empty line"),  # every line would be a failing line
    ("prefilter", "'x?'", "matches an empty line"),  # every line would pass the pre-filter
    ("prefilter", "'\\bno such option\\b'", "plain ERE"),  # grep -E reads \b / \d otherwise than Python
])
def test_a_bad_failure_entry_is_one_clear_error(tmp_path, monkeypatch, field, value, says):
    """A rules/explain_failures.yaml entry whose regex or pre-filter would read every line, or whose pre-filter is no
    plain ERE, is refused with a DataError naming the file (the CLI prints it as one line, exit 2)."""
    import shutil

    from ascendfix.data import data_root
    from ascendfix.errors import DataError
    from ascendfix.explain import kb

    rules = tmp_path / "rules"
    shutil.copytree(str(data_root("rules")), str(rules))
    path = rules / "explain_failures.yaml"
    text = path.read_text(encoding="utf-8")
    old = {"regex": "  regex: '\\bno such option\\b'\n", "prefilter": "  prefilter: '[Nn]o such option'\n"}[field]
    assert old in text
    path.write_text(text.replace(old, "  {}: {}\n".format(field, value)), encoding="utf-8")
    monkeypatch.setenv("ASCENDFIX_RULES_DIR", str(rules))
    try:
        with pytest.raises(DataError, match=says) as e:
            kb.failure_entries()
        assert "explain_failures.yaml: entry " in str(e.value)
    finally:
        kb._CATS.pop(("failures", str(path)), None)
