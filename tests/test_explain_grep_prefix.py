"""eng21b: logs pasted as grep / ripgrep output ("plog-1.log:14:[ERROR] HCCL(...)", "14:Traceback ...", "x.log-13-...").

explain/lines.py decides once per log, from its first lines (detect_grep_prefix), whether every line carries the prefix
grep -n / -H / -r / -C or rg -n put before it, and the engine then reads each line without it (Matcher.feed_piece), so a
grep-prefixed log is explained as the same log pasted without grep. Ordinary log text with colons and numbers (a Python
traceback, plog timestamps, "[::]:29500", a compiler's "bad.c:2:11: error:") is never read so.

Every grep-prefixed log here is real output, made in the test by running the command (each case's id names it; the
equivalent by hand is ``captured: <command>`` in each comment) over real logs of the repository: tests/data/logs (see its
README for how each was captured) and signature examples (each with its public source in the signature file).
"""

import gzip
import os
import shutil
import subprocess

import pytest

from ascendfix.explain import engine, lines
from tests.explain_support import example

LOG_DIR = os.path.join(os.path.dirname(__file__), "data", "logs")
DATA_LOGS = sorted(f for f in os.listdir(LOG_DIR) if f.endswith(".log"))
# a few of them, one per kind (a Python traceback, a launcher's SIGKILL, a C compiler, CANN, two harmless runs)
SOME_LOGS = [
    "torch213_cpu_no_torch_npu.log",
    "deepspeed0198_launcher_child_sigkill.log",
    "gcc_missing_acl_h.log",
    "ms27_device_target_ascend_without_cann.log",
    "tyro1017_future_import_local_enum.log",
    "py311_logging_error_notice_then_info.log",
    "py311_optional_torch_npu_then_finished.log",
]
# AF008's example (https://github.com/hicann/hccl/blob/master/docs/zh/user_guide/fault_diagnosis/param_link_stage.md):
# two plog lines, saved as the plog file they come from
PLOG_NAME = "plog-17528_20260318103352.log"
# the last two lines of https://github.com/CompVis/stable-diffusion/issues/21 (txt2img.py killed while loading; "Killed"
# is AF048's example), and the same through grep -n (captured: grep -n '' plain.log, in
# test_grep_ere_passes_prefixed_lines_anchored_at_the_start)
SD21 = "making attention of type 'vanilla' with 512 in_channels\nKilled\n"
SD21_N = b"1:making attention of type 'vanilla' with 512 in_channels\n2:Killed\n"


def _summary(path, use_grep):
    with open(path, "rb") as fh:
        d = engine.explain_stream(fh, use_grep=use_grep)
    return ([(m["id"], m["category"]) for m in d["matches"]][:2], d["failed"], [k.get("kind") for k in d["key_lines"]])


def _run(cmd, cwd, out):
    with open(out, "wb") as fh:
        r = subprocess.run(cmd, cwd=cwd, stdout=fh, stderr=subprocess.PIPE, env=dict(os.environ, LC_ALL="C"),
                           timeout=60)
    assert r.returncode in (0, 1), r.stderr
    return out


def _need(tool):
    if shutil.which(tool) is None:
        pytest.skip("no {} on this machine".format(tool))


# captured: grep -n '' LOG; grep -Hn '' LOG; grep -H '' LOG; rg -n -H --no-heading '' LOG
WHOLE = [
    ("grep", ["grep", "-n", ""]),
    ("grep", ["grep", "-Hn", ""]),
    ("grep", ["grep", "-H", ""]),
    ("rg", ["rg", "-n", "-H", "--no-heading", ""]),
]


@pytest.mark.parametrize("log", SOME_LOGS)
@pytest.mark.parametrize("tool,cmd", WHOLE, ids=[" ".join(c[:-1]) for _, c in WHOLE])
def test_whole_log_through_grep_explains_the_same(tool, cmd, log, tmp_path):
    _need(tool)
    out = _run(cmd + [log], LOG_DIR, str(tmp_path / "out.txt"))
    ref = _summary(os.path.join(LOG_DIR, log), False)
    # (the last two logs are harmless runs: they must stay silent through grep too)
    assert bool(ref[0]) == (log not in SOME_LOGS[-2:]), log
    for use_grep in (False, True):
        assert _summary(out, use_grep) == ref, (cmd, log, use_grep)


@pytest.mark.parametrize("log", SOME_LOGS)
def test_context_lines_grep_C2_explain_the_same(log, tmp_path):
    """captured: grep -n -C2 -E 'Error|error|ERROR|Killed|Traceback' LOG (and grep -Hn -C2 ...), compared with the
    same selection without prefixes (grep -C2 -E ... LOG): matching lines "N:" / "PATH:N:", context lines "N-" /
    "PATH-N-", "--" between groups."""
    _need("grep")
    expr = ["-E", "Error|error|ERROR|Killed|Traceback"]
    ref = _summary(_run(["grep", "-C2"] + expr + [log], LOG_DIR, str(tmp_path / "ref.txt")), False)
    for opts in (["-n", "-C2"], ["-Hn", "-C2"]):
        out = _run(["grep"] + opts + expr + [log], LOG_DIR, str(tmp_path / "out.txt"))
        assert lines.detect_grep_prefix(open(out, "rb").read().split(b"\n")) is not None or not ref[0]
        for use_grep in (False, True):
            assert _summary(out, use_grep) == ref, (opts, log, use_grep)


def _plog_dir(tmp_path):
    d = tmp_path / "ascend" / "log" / "debug" / "plog"
    d.mkdir(parents=True)
    (d / PLOG_NAME).write_text(example("AF008", "match", 3) + "\n")
    return tmp_path


@pytest.mark.parametrize("cmd", [
    ["grep", "-rn", "ERROR", "ascend/log/"],  # captured: grep -rn ERROR ascend/log/
    ["grep", "-r", "ERROR", "ascend/log/"],  # captured: grep -r ERROR ascend/log/
    ["grep", "-n", "ERROR", "ascend/log/debug/plog/" + PLOG_NAME],  # captured: grep -n ERROR plog-....log
    ["zgrep", "-n", "ERROR", "ascend/log/debug/plog/" + PLOG_NAME + ".gz"],  # captured: zgrep -n ERROR plog-....log.gz
    ["zgrep", "-H", "ERROR", "ascend/log/debug/plog/" + PLOG_NAME + ".gz"],  # captured: zgrep -H ERROR plog-....log.gz
    ["rg", "-n", "ERROR", "ascend/log/"],  # captured: rg -n ERROR ascend/log/
], ids=" ".join)
def test_plog_lines_through_grep_read_as_plog(cmd, tmp_path):
    _need(cmd[0])
    root = _plog_dir(tmp_path)
    plog = root / "ascend" / "log" / "debug" / "plog" / PLOG_NAME
    with open(str(plog), "rb") as src, gzip.open(str(plog) + ".gz", "wb") as dst:
        dst.write(src.read())
    out = _run(cmd, str(root), str(tmp_path / "out.txt"))
    text = open(out, "rb").read()
    assert text.count(b"[ERROR] HCCL(17528,python3)") == 2 and not text.startswith(b"[ERROR]")
    ref = _summary(str(plog), False)
    assert ref[0][0] == ("AF008", "hccl")
    for use_grep in (False, True):
        assert _summary(out, use_grep) == ref
    # each line is read as the plog line it is: ERROR level, HCCL, its pid and time
    m = engine.Matcher()
    m.feed_lines(text.decode("utf-8").split("\n"))
    assert m.line_prefix is not None
    info = lines.parse(m.line_prefix.strip(text.split(b"\n")[0]).decode("utf-8"))
    assert (info.level, info.module, info.pid, info.time) == ("ERROR", "HCCL", "17528", "2026-03-18-10:33:52.113.403")


def test_every_data_log_unprefixed_is_not_grep_output():
    """No-change: none of the repository's real logs (Python tracebacks, plog / glog / vLLM timestamps, compilers'
    "file.c:12:5: error:", pip, torchrun) is read as grep output."""
    for name in DATA_LOGS:
        with open(os.path.join(LOG_DIR, name), "rb") as fh:
            head = fh.read(engine.HEAD_BYTES).split(b"\n")
        assert lines.detect_grep_prefix(head) is None, name


# captured: gcc -c bad.c (gcc 12, bad.c: "int main(void) {\n  int x = undefined_name;\n  return x\n}\n")
GCC = """bad.c: In function \u2018main\u2019:
bad.c:2:11: error: \u2018undefined_name\u2019 undeclared (first use in this function)
    2 |   int x = undefined_name;
      |           ^~~~~~~~~~~~~~
bad.c:2:11: note: each undeclared identifier is reported only once for each function it appears in
bad.c:3:11: error: expected \u2018;\u2019 before \u2018}\u2019 token
    3 |   return x
      |           ^
      |           ;
    4 | }"""


@pytest.mark.parametrize("text", [
    GCC,
    "\n".join(ln for ln in GCC.split("\n") if ln.startswith("bad.c:")),  # the compiler's own lines alone
    example("AF008", "match", 3),  # plog lines: "HCCL(17528,python3):2026-03-18-10:33:52..."
    example("AF008", "match", 0),  # "[rank1]: ..." torchrun prefixes, "EI0006: [PID: ...]"
    "Killed",  # AF048's example (https://github.com/CompVis/stable-diffusion/issues/21)
], ids=["gcc", "gcc-lines", "plog", "rank-prefix", "killed"])
def test_ordinary_text_with_colons_is_not_grep_output(text):
    assert lines.detect_grep_prefix(text.split("\n")) is None
    m = engine.Matcher()
    m.feed_lines(text.split("\n"))
    assert m.line_prefix is None


def test_colon_number_lines_are_not_grep_output():
    """Single lines and short logs whose head is a time, a host:port, an exception head or a Python warning."""
    for text in (
        example("AF008", "match", 2),  # a plog line: "...):2025-07-23-03:49:57.177.194 [hccl_socket_manager.cc:778]"
        example("AF008", "no_match", 0),  # "[rank1]: EI0009: [PID: 2225827] 2025-09-24-20:59:48..."
    ):
        assert lines.detect_grep_prefix(text.split("\n")) is None
    # lines that start with a time read as "N:" would need rising numbers: 10:, 10:, 10: are not
    captured = [ln.split(":", 1)[1] for ln in _grep_n_lines(example("AF008", "match", 3))]
    assert lines.detect_grep_prefix([c[c.index("-10:") + 1:] for c in captured]) is None


def _grep_n_lines(text):
    return ["{}:{}".format(i, ln) for i, ln in enumerate(text.split("\n"), 1)]  # grep -n's own format


def test_grep_ere_passes_prefixed_lines_anchored_at_the_start(tmp_path):
    """The fast path: grep_ere(prefix) passes a prefixed line that an anchored pre-filter ("^Killed", "^\\[ERROR\\]")
    passes unprefixed; and the engine explains it as the plain line."""
    _need("grep")
    plain = tmp_path / "plain.log"
    plain.write_text(SD21)
    out = _run(["grep", "-n", "", "plain.log"], str(tmp_path), str(tmp_path / "n.txt"))  # captured: grep -n '' plain.log
    data = open(out, "rb").read()
    assert data == SD21_N
    prefix = lines.detect_grep_prefix(data.split(b"\n"))
    assert prefix is not None and prefix.kind == "n"
    m = engine.Matcher()
    for ere, log, want in ((m.grep_ere(), plain, [b"2"]), (m.grep_ere(prefix), tmp_path / "n.txt", [b"2"])):
        pat = tmp_path / "ere"
        pat.write_bytes(ere + b"\n")
        r = subprocess.run(["grep", "-a", "-n", "-E", "-f", str(pat), str(log)], stdout=subprocess.PIPE,
                           env={"LC_ALL": "C"}, timeout=60)
        assert [ln.split(b":", 1)[0] for ln in r.stdout.splitlines()] == want
    ref = _summary(str(plain), False)
    assert ref[0] and ref[0][0][0] == "AF048"
    for use_grep in (False, True):
        assert _summary(out, use_grep) == ref


def test_grep_ere_anchored_keeps_bracket_negations():
    assert lines.grep_ere_anchored(b"(^|[^A-Za-z0-9_])(Exception|Error): ", b"P") == \
        b"(^(P)?|[^A-Za-z0-9_])(Exception|Error): "
    assert lines.grep_ere_anchored(b"^\\[(ERROR|[Ee]rror)\\]", b"P") == b"^(P)?\\[(ERROR|[Ee]rror)\\]"
    assert lines.grep_ere_anchored(b"a\\^b[]^]", b"P") == b"a\\^b[]^]"


def test_strip_leaves_lines_without_the_prefix():
    prefix = lines.detect_grep_prefix([b"plog-1.log:3:[ERROR] a", b"plog-1.log-4-b", b"plog-1.log:5:[ERROR] c"])
    assert prefix is not None and prefix.kind == "pn" and prefix.paths == (b"plog-1.log",)
    assert prefix.strip(b"plog-1.log-4-b") == b"b"
    assert prefix.strip(b"bad.c:2:11: error: x") == b"bad.c:2:11: error: x"
    assert prefix.strip(b"Killed") == b"Killed"


def test_bad_input_no_traceback():
    for head in ([], [b""], [b"--"], [b"\xff\xfe:1:"], ["1:", "1:"], [b":1:x"], [b"a" * 100000 + b":1:x"]):
        lines.detect_grep_prefix(head)
    m = engine.Matcher()
    m.feed_lines([b"\xff:1:\xfe", b"--", b""])
    m.results()


def test_clock_time_led_lines_are_not_grep_n_output():
    """rev21f: lines led by a clock time without seconds ("10:15 ...") are not "N:" grep output although 10, 11, 12
    rise. captured: Python's logging.Formatter('%(asctime)s %(message)s', '%H:%M') over #21's lines, run here with
    the records' times set to 10:15, 11:30, 12:45."""
    import logging
    import time
    fmt = logging.Formatter("%(asctime)s %(message)s", "%H:%M")
    out = []
    for hm, msg in zip(((10, 15), (11, 30), (12, 45)), SD21.split("\n")[:2] + ["Killed"]):
        rec = logging.LogRecord("x", logging.INFO, __file__, 1, msg, None, None)
        rec.created = time.mktime((2026, 12, 5, hm[0], hm[1], 0, 0, 0, -1))
        out.append(fmt.format(rec).encode())
    assert out[0].startswith(b"10:15 making attention") and out[2] == b"12:45 Killed"
    assert lines.detect_grep_prefix(out) is None
    assert lines.detect_grep_prefix(SD21_N.split(b"\n")).kind == "n"


def test_only_a_lines_first_piece_loses_the_prefix():
    """rev21f: a huge line comes in pieces (LINE_PART, OVERLAP carried); the next pieces start mid-line and keep their
    text even when it looks like a prefix ("12:..." in the middle of a line)."""
    m = engine.Matcher()
    real = m.decide_line_prefix(SD21_N.split(b"\n"))
    calls = []

    class Seen(object):
        def strip(self, raw):
            calls.append(raw)
            return real.strip(raw)

    m.line_prefix = Seen()
    first = b"7:" + SD21_N.split(b"\n")[0].split(b":", 1)[1]
    m.feed_piece(7, first, partial=True)
    m.feed_piece(7, b"2:Killed", partial=True)  # the same line's next piece (mid-line text that looks like "N:")
    m.feed_piece(8, b"8:Killed")
    assert calls == [first, b"8:Killed"]


def test_pipe_head_is_read_past_its_first_read(tmp_path):
    """eng21c (was rev21f's peek of what the writer wrote so far): a pipe's head is read to HEAD_BYTES or its end,
    however the writer cuts it (here in the middle of line 1, then the rest a moment later), and replayed whole."""
    import io
    import threading
    import time
    r, w = os.pipe()
    os.write(w, SD21_N[:5])

    def rest():
        time.sleep(0.05)
        os.write(w, SD21_N[5:])
        os.close(w)

    t = threading.Thread(target=rest)
    t.start()
    with io.BufferedReader(io.FileIO(r, "rb")) as fh:
        head, stream = engine._head(fh)
        assert head == SD21_N.split(b"\n")
        assert lines.detect_grep_prefix(head).kind == "n"
        assert stream.read() == SD21_N
    t.join()


def test_feed_lines_head_of_one_huge_text_is_bounded():
    """rev21f: explain --text feeds one item; the decision reads its first HEAD_BYTES, not a split of the whole text."""
    # #21's lines through grep -n, its first line made huge (repeated) and put again as line 3
    text = SD21_N.decode() + "3:" + SD21.split("\n")[0] * (engine.HEAD_BYTES // 20) + "\n"
    assert engine._head_of_items([text]) == SD21_N.decode().split("\n")[:2]
    m = engine.Matcher()
    m.feed_lines([text])
    assert m.line_prefix is not None and m.line_prefix.kind == "n"
    assert [h["id"] for h in m.results(3)][:1] == ["AF048"]


def test_one_or_two_path_n_lines_need_a_log_file_name(tmp_path):
    """rev21f: a head of one or two "PATH:N:" lines is grep output only when PATH is a log file's name: GNU make's own
    "FILE:N: *** ..." keeps its head (captured: make -f src/Makefile, a recipe indented with blanks); three or more rising
    lines decide as before."""
    _need("make")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "Makefile").write_text("all:\n        echo hi\n")
    r = subprocess.run(["make", "-f", "src/Makefile"], cwd=str(tmp_path), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, env=dict(os.environ, LC_ALL="C"), timeout=60)
    out = r.stdout.rstrip(b"\n")
    assert out.startswith(b"src/Makefile:2: *** missing separator"), out
    assert lines.detect_grep_prefix([out]) is None
    # grep -rn over a plog folder (see test_plog_lines_through_grep_read_as_plog): one line, a log file's name
    plog = "ascend/log/debug/plog/{}:1:{}".format(PLOG_NAME, example("AF008", "match", 3).split("\n")[0])
    assert lines.detect_grep_prefix([plog.encode()]).kind == "pn"
