"""eng21: the run-went-on veto (Matcher.went_on) trusts a success line only when nothing after it shows the run failing:
a failing line (as before), a traceback header (not the one a user's Ctrl-C ends) or a non-zero exit status as a
launcher, an IDE or a debugger reports it ("Process finished with exit code 1", "[Inferior 1 (process N) exited with
code 01]"), which carries no error word.

CAPTURE is real output: CPython 3.11.7 under GNU gdb 13.1 (Debian 13.1-3), run in /tmp/capture/eng21 as
``gdb -q -batch -iex "set auto-load safe-path /" -ex run --args python3 load_or_default.py > log 2>&1``, where model.ckpt
is a git-lfs pointer file (three lines: "version https://git-lfs.github.com/spec/v1", "oid sha256:...", "size ...")
and the script is::

    import pickle
    import sys
    import traceback

    try:
        with open("model.ckpt", "rb") as fh:
            state = pickle.load(fh)
    except Exception:
        traceback.print_exc()
        state = {}
    print("generation finished: 1 image saved")
    sys.exit(1)

EXITED_NORMALLY is gdb's last line for the same script with ``sys.exit(0)`` (the same run otherwise).
"""

import pytest

from ascendfix.explain import engine
from ascendfix.explain.engine import Matcher, explain_text

CAPTURE = """[Thread debugging using libthread_db enabled]
Using host libthread_db library "/lib/x86_64-linux-gnu/libthread_db.so.1".
Traceback (most recent call last):
  File "/tmp/capture/eng21/load_or_default.py", line 7, in <module>
    state = pickle.load(fh)
            ^^^^^^^^^^^^^^^
_pickle.UnpicklingError: invalid load key, 'v'.
generation finished: 1 image saved
[Inferior 1 (process 20924) exited with code 01]
"""
EXITED_NORMALLY = "[Inferior 1 (process 21915) exited normally]"
LINES = CAPTURE.rstrip("\n").split("\n")


def _top(lines):
    m = Matcher()
    m.feed_lines(lines)
    return [(h["id"], h["role"]) for h in m.results(3)], [n["id"] for n in m.notes()]


def test_a_success_line_then_a_non_zero_exit_is_no_run_that_went_on():
    matches, notes = _top(LINES)
    assert matches and matches[0] == ("AF062", "cause") and not notes


@pytest.mark.parametrize("end", [[], [EXITED_NORMALLY]])
def test_a_success_line_the_run_ends_on_still_silences(end):
    """The caught traceback, then the success line and nothing failing after it (gdb's "exited normally" for exit 0,
    or the log cut after the success line): a note, as before."""
    matches, notes = _top(LINES[:-1] + end)
    assert not [m for m in matches if m[1] == "cause"] and "AF062" in notes


def test_the_whole_path_reads_it_the_same():
    assert explain_text(CAPTURE)[0]["id"] == "AF062"


@pytest.mark.parametrize("text", [
    "[Inferior 1 (process 20924) exited with code 01]",
    # CPython 3.11.7's CalledProcessError for a child that exited 3 (captured: python3 -c "import subprocess;
    # subprocess.run(['python3', 'p3.py'], check=True)", p3.py printing "step 1 finished" and calling sys.exit(3))
    "subprocess.CalledProcessError: Command '['python3', 'p3.py']' returned non-zero exit status 3.",
])
def test_exit_status_words(text):
    assert engine._EXIT_FAIL_RE.search(text)
    import re

    assert re.compile(engine.KEY_PREFILTERS[[i for i, p in enumerate(engine.KEY_PREFILTERS) if "xit(ed)" in p][0]]).search(text)


@pytest.mark.parametrize("text", [EXITED_NORMALLY, "generation finished: 1 image saved"])
def test_no_exit_status_words(text):
    assert not engine._EXIT_FAIL_RE.search(text)
