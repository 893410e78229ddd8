"""eng22: wrapped pastes. A long message split over two lines (a terminal's or ``fold``'s width, a commit message
wrapped at 72 columns, a string literal printed in pieces, a continuation indented) has its signature's words cut
between the lines; ``Matcher._try_join`` reads such a pair as one line.

The wrapped logs are real (tests/data/logs/wrapped, its README names each source: public pages copied verbatim, or
``captured: <command>`` run here); the other logs are the raw captures of tests/data/logs. The tests want:

* each wrapped log names its signature, on the Python and on the grep pre-filter path, and only through the join;
* the join changes nothing on the raw captures (nor on the harmless ones, which stay silent);
* both pre-filter paths give the same answer for lines whose neighbours are hits, context lines, or grep's ``--``
  group breaks, for a file and for a pipe, and twice the same;
* the guards: a line that starts a record of its own (a traceback, a frame, an exception line, another header) is never
  the rest of the line before it; a neighbour longer than ``JOIN_MAX`` and a huge line's pieces are never joined.
"""

import io
import os

import pytest

from ascendfix.explain import engine
from ascendfix.explain.engine import _looks_cut, explain_stream

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOG_DIR = os.path.join(ROOT, "tests", "data", "logs")
WRAPPED_DIR = os.path.join(LOG_DIR, "wrapped")
PATHS = pytest.mark.parametrize("use_grep", [False, True], ids=["python", "grep"])

WRAPPED = {
    "tvm_pr12554_libgomp_static_tls.log": ("AF089", 5),
    "mlos_pr699_glibcxx_string_pieces.log": ("AF500", 2),
    "blog2012_libncurses_indented.log": ("AF429", 3),
    "py311_ctypes_missing_lib_fold40.log": ("AF429", 1),
    "py311_ctypes_missing_lib_fold_s40.log": ("AF429", 1),
    "grep_C1_tvm_pr12554.log": ("AF089", 4),
}


def _read(path):
    with open(path, "rb") as fh:
        return fh.read()


def _explain_file(path, use_grep):
    with open(path, "rb") as fh:
        return explain_stream(fh, limit=None, use_grep=use_grep)


def _explain_bytes(data, use_grep):
    return explain_stream(io.BytesIO(data), limit=None, use_grep=use_grep)


def _ids(doc):
    return [m["id"] for m in doc["matches"]]


@PATHS
@pytest.mark.parametrize("name", sorted(WRAPPED))
def test_wrapped_paste_names_its_signature(name, use_grep, monkeypatch):
    sig, line = WRAPPED[name]
    doc = _explain_file(os.path.join(WRAPPED_DIR, name), use_grep)
    assert doc["matches"][0]["id"] == sig, _ids(doc)
    # recorded at the line where the message starts, the evidence being the two lines read as one
    ev = doc["matches"][0]["evidence"][0]
    assert ev["line"] == line
    lines = _read(os.path.join(WRAPPED_DIR, name)).decode("utf-8").split("\n")
    assert lines[line - 1].strip()[:20].lstrip("0123456789:-") in ev["text"]
    # found only through the join
    monkeypatch.setattr(engine, "MAX_JOINS", 0)
    assert sig not in _ids(_explain_file(os.path.join(WRAPPED_DIR, name), use_grep))


RAW = sorted(f for f in os.listdir(LOG_DIR) if f.endswith(".log"))


@pytest.mark.parametrize("name", RAW)
def test_join_changes_nothing_on_the_raw_captures(name, monkeypatch):
    """Every raw capture (causes, near-misses, harmless runs that went on) gets the same answer with and without the
    join, on both paths."""
    path = os.path.join(LOG_DIR, name)
    with_join = [_explain_file(path, g) for g in (False, True)]
    monkeypatch.setattr(engine, "MAX_JOINS", 0)
    without = [_explain_file(path, g) for g in (False, True)]
    assert with_join[0] == with_join[1] == without[0] == without[1]


def _mixed_log():
    """Real lines in an order that puts hits next to hits, one, two and three lines apart (grep -B1 -A1 then prints
    context lines between them, or ``--`` between groups), at the first and the last line."""
    tvm = _read(os.path.join(WRAPPED_DIR, "tvm_pr12554_libgomp_static_tls.log")).split(b"\n")[:-1]
    mlos = _read(os.path.join(WRAPPED_DIR, "mlos_pr699_glibcxx_string_pieces.log")).split(b"\n")[:-1]
    fold = _read(os.path.join(WRAPPED_DIR, "py311_ctypes_missing_lib_fold40.log")).split(b"\n")[:-1]
    blog = _read(os.path.join(WRAPPED_DIR, "blog2012_libncurses_indented.log")).split(b"\n")[:-1]
    notice = _read(os.path.join(LOG_DIR, "py311_logging_error_notice_then_info.log")).split(b"\n")[:-1]
    lines = fold[:2] + tvm[4:6] + [tvm[0]] + mlos[1:3] + [tvm[1], tvm[2]] + notice + blog[2:4] + [tvm[7]] * 3 \
        + tvm[4:6] + fold[:2]
    return b"\n".join(lines)


@PATHS
def test_neighbours_of_adjacent_and_grouped_hits(use_grep):
    data = _mixed_log()
    doc = _explain_bytes(data, use_grep)
    ids = _ids(doc)
    for sig in ("AF089", "AF500", "AF429"):
        assert sig in ids, ids
    assert doc == _explain_bytes(data, not use_grep)
    # without a final newline, and as a file
    assert _explain_bytes(data + b"\n", use_grep)["matches"] == doc["matches"]


def test_file_pipe_and_repeat_agree(tmp_path):
    data = _mixed_log() + b"\n"
    path = tmp_path / "mixed.log"
    path.write_bytes(data)
    docs = [_explain_file(str(path), g) for g in (False, True)] + [_explain_bytes(data, g) for g in (False, True)]
    docs += [_explain_file(str(path), True)]
    assert all(d == docs[0] for d in docs[1:])


def test_sentence_ends_and_starts():
    """The join rule on the cuts of the real pastes, and on lines that are two messages. (The sentences are real:
    PyTorch's DataLoader report as AF181 quotes it, split at its sentence as notes paste it; the message of
    tests/data/logs/py311_logging_error_notice_then_info.log's last INFO line.)"""
    assert _looks_cut("OSError: /.../dist-packages/torch/lib/libgomp-d22c30c5.so.1: cannot",
                      "allocate memory in static TLS block")
    assert _looks_cut("error while loading shared libraries: libncurses.so.5:",
                      "cannot open shared object file: No such file or directory")
    # a sentence, then a sentence: two messages, even a message printed a sentence per line
    assert not _looks_cut("ERROR: Unexpected bus error encountered in worker.",
                          "This might be caused by insufficient shared memory (shm).")
    assert not _looks_cut("ERROR: Unexpected bus error encountered in worker.", "Starting the API server on port 8000")


@PATHS
def test_a_record_of_its_own_is_never_the_rest_of_a_line(use_grep):
    """The tvm paste's first line followed by the lines that start records (a traceback header, a frame, an
    exception line, a fatal report, a captured INFO line with its own header): no AF089."""
    tvm = _read(os.path.join(WRAPPED_DIR, "tvm_pr12554_libgomp_static_tls.log")).split(b"\n")
    notice = _read(os.path.join(LOG_DIR, "py311_logging_error_notice_then_info.log")).split(b"\n")
    went_on = _read(os.path.join(LOG_DIR, "py311_optional_torch_npu_then_finished.log")).split(b"\n")
    tb = _read(os.path.join(LOG_DIR, "py311_faulthandler_segfault.log")).split(b"\n")
    followers = [l for l in went_on if l.startswith((b"Traceback", b"  File", b"ModuleNotFoundError"))]
    followers += [l for l in notice if l.startswith(b"INFO")] + [l for l in tb if l.startswith(b"Fatal Python")]
    assert len(followers) >= 5
    for nxt in followers:
        doc = _explain_bytes(tvm[4] + b"\n" + nxt + b"\n", use_grep)
        assert "AF089" not in _ids(doc), nxt


@PATHS
def test_long_and_huge_neighbours_are_not_joined(use_grep):
    tvm = _read(os.path.join(WRAPPED_DIR, "tvm_pr12554_libgomp_static_tls.log")).split(b"\n")
    # the second line lengthened past JOIN_MAX (its words kept): the pair is not read as one
    long_b = tvm[5] + b" " + b"x" * engine.JOIN_MAX
    assert "AF089" not in _ids(_explain_bytes(tvm[4] + b"\n" + long_b + b"\n", use_grep))
    assert "AF089" in _ids(_explain_bytes(tvm[4] + b"\n" + tvm[5] + b"\n", use_grep))
    huge = b"y" * (engine.LINE_PART + 10)
    for data in (huge + b"\n" + tvm[4] + b"\n" + tvm[5] + b"\n", tvm[4] + b"\n" + tvm[5] + b"\n" + huge + b"\n"):
        assert "AF089" in _ids(_explain_bytes(data, use_grep))
        assert _explain_bytes(data, use_grep) == _explain_bytes(data, not use_grep)


def test_joins_are_bounded(monkeypatch):
    tvm = _read(os.path.join(WRAPPED_DIR, "tvm_pr12554_libgomp_static_tls.log")).split(b"\n")
    data = (tvm[4] + b"\n" + tvm[5] + b"\n") * 50
    m = engine.scan_stream(io.BytesIO(data), use_grep=False)
    assert 0 < m.joins <= 100
    monkeypatch.setattr(engine, "MAX_JOINS", 7)
    m = engine.scan_stream(io.BytesIO(data), use_grep=False)
    assert m.joins == 7


def test_a_line_with_a_log_header_is_a_record_of_its_own():
    """tests/data/logs/py311_logging_error_notice_then_info.log: an ERROR line (it passes the pre-filter, no signature)
    followed by INFO lines with their own header, two of them of the same second: no pair is even tried (a guiding log's
    two records of one header and one second were read as one and named another category before this rule)."""
    data = _read(os.path.join(LOG_DIR, "py311_logging_error_notice_then_info.log"))
    for use_grep in (False, True):
        m = engine.scan_stream(io.BytesIO(data), use_grep=use_grep)
        assert m.joins == 0


# rev22e: the grep context reader on odd input. Each case is a real wrapped paste of this directory, changed only by
# line ends / bytes / grep's own output; the grep path must name what the Python path names.
def _tvm_lines():
    return _read(os.path.join(WRAPPED_DIR, "tvm_pr12554_libgomp_static_tls.log")).split(b"\n")


@pytest.mark.parametrize("case", ["crlf", "odd_bytes_after", "odd_bytes_inside", "digits_colon_dash_in_text"])
def test_odd_lines_agree_on_both_paths(case):
    tvm = _tvm_lines()
    data = {
        "crlf": b"\r\n".join(tvm),
        "odd_bytes_after": tvm[4] + b"\n" + tvm[5] + b" \xff\xfe\x00 x\n",
        "odd_bytes_inside": tvm[4].replace(b"/.../", b"/\xff\x00/") + b"\n" + tvm[5] + b"\n",
        # a hit whose text starts with "N:" / "N-" shapes: grep's own prefix comes first, the rest is text
        "digits_colon_dash_in_text": b"12:34-56 " + tvm[4] + b"\n" + tvm[5] + b"\n",
    }[case]
    docs = [_explain_bytes(data, g) for g in (False, True)]
    assert "AF089" in _ids(docs[0])
    assert docs[0] == docs[1]


def test_a_double_dash_line_of_the_log_is_a_line():
    """grep's "--" group break is skipped only as grep's own output: a log line "--" between the two halves (grep
    prints it as a context line "N---") keeps them apart on both paths."""
    tvm = _tvm_lines()
    data = tvm[4] + b"\n--\n" + tvm[5] + b"\n"
    docs = [_explain_bytes(data, g) for g in (False, True)]
    assert "AF089" not in _ids(docs[0])
    assert docs[0] == docs[1]


@pytest.mark.parametrize("opts", [("-H", "-n", "-C1"), ("-n", "-C2"), ("-n", "-A1")])
def test_pasted_grep_output_with_context(opts, tmp_path):
    """captured: `grep <opts> libgomp tvm_pr12554_libgomp_static_tls.log` (GNU grep here), the file name written as
    build/ci.log: pasted grep output whose context lines ("N-", "PATH-N-") lose their prefix as hit lines do."""
    import shutil
    import subprocess

    grep = shutil.which("grep")
    if grep is None:
        pytest.skip("no grep")
    src = tmp_path / "t.log"
    src.write_bytes(_read(os.path.join(WRAPPED_DIR, "tvm_pr12554_libgomp_static_tls.log")))
    out = subprocess.run([grep] + list(opts) + ["libgomp", str(src)], stdout=subprocess.PIPE, check=True).stdout
    out = out.replace(str(src).encode(), b"build/ci.log")
    docs = [_explain_bytes(out, g) for g in (False, True)]
    assert "AF089" in _ids(docs[0]), out
    assert docs[0] == docs[1]


def test_a_repeated_pair_is_analysed_once(monkeypatch):
    """rev22e: a message and its continuation printed again and again cost one analysis (the line cache), not one per
    repeat up to MAX_JOINS (before: about 4096 analyses of the joined line, ~10 s CPU on a 60 MB log of such pairs)."""
    tvm = _tvm_lines()
    data = (tvm[4] + b"\n" + tvm[5] + b"\n") * 50
    calls = []
    real = engine.Matcher._analyse
    monkeypatch.setattr(engine.Matcher, "_analyse", lambda self, raw, partial: calls.append(raw) or real(self, raw, partial))
    for use_grep in (False, True):
        del calls[:]
        m = engine.scan_stream(io.BytesIO(data), use_grep=use_grep)
        assert m.joins >= 50
        assert len(calls) <= 5, len(calls)
    doc = _explain_bytes(data, False)
    assert _ids(doc)[0] == "AF089" and doc == _explain_bytes(data, True)
