"""read27: how logs are read — collectors' prefixes decided once per log, IPython's code lines, JSON heads, make's name.

Metamorphic, as tests/test_explain_formats.py: real texts (signature examples, each copied from a public source) wrapped
by benchmarks/bench_explain_formats.py's formats (each cited there from a public page) keep the plain text's answer.
The other texts are captured from commands (named with each).
"""

import io

import pytest

from ascendfix.explain import engine
from ascendfix.explain import lines as linefmt
from ascendfix.explain.engine import explain_stream
from tests.explain_support import explain_bytes
from tests.support import benchmark

FMT = benchmark("bench_explain_formats")
TEXTS = dict(FMT.texts())
PATHS = pytest.mark.parametrize("use_grep", [False, True], ids=["python", "grep"])
COLLECTORS = ("compose", "kubectl", "journald", "gha", "pdsh", "srun", "buildkit")


def _doc(data, use_grep, pipe=False):
    if use_grep and not engine._grep_path():
        pytest.skip("no grep")
    return explain_bytes(data, use_grep, pipe)


def _seen(doc):
    """What a reader sees: the top answer, whether the log failed, the key lines' kinds and line numbers."""
    m = doc["matches"]
    return ((m[0]["id"], m[0]["category"]) if m else None, doc["failed"],
            [(k["kind"], k["line"]) for k in doc["key_lines"]])


@PATHS
@pytest.mark.parametrize("fmt", COLLECTORS)
def test_anchored_markers_pass_behind_a_collectors_prefix(fmt, use_grep):
    """A pre-filter marker anchored at the line's start (glog's "^[EF]MMDD hh:mm:ss.us  pid file:line] " error header,
    "^Killed") passes behind compose / kubectl / journald / GitHub Actions / pdsh / srun / BuildKit prefixes on both
    paths: the log fails and its key line is read, as plain (read26 read neither behind pdsh / srun / BuildKit; behind
    compose / kubectl / journald / GitHub Actions its line passed the pre-filter through a signature's anchor, the
    anchored marker itself did not)."""
    text = TEXTS["AF783#3"]  # torch's glog line "E1205 05:11:58.902000 12909 torch/_subclasses/fake_tensor.py:1608] ..."
    assert text.startswith("E1205 ")
    plain = _seen(_doc(text.encode("utf-8"), False))
    assert plain[1] and plain[2]
    wrapped = FMT.FORMATS[fmt](text).encode("utf-8")
    shift = 3 if fmt == "buildkit" else 0  # (BuildKit's wrapper puts its header's 3 lines first)
    got = _seen(_doc(wrapped, use_grep))
    assert got[:2] == plain[:2]
    assert got[2] == [(kind, line + shift) for kind, line in plain[2]]


@pytest.mark.parametrize("fmt", ["compose", "journald", "pdsh", "srun"])
def test_collectors_prefix_through_a_pipe(fmt):
    """``cat log | ascendfix explain -``: the prefix is decided from the pipe's head (read ahead) as from a file's."""
    for name in ("AF048#12", "AF1390#6", "torch213_torchrun_rank_exit1.log"):
        data = FMT.FORMATS[fmt](TEXTS[name]).encode("utf-8")
        want = _seen(_doc(TEXTS[name].encode("utf-8"), False))
        assert _seen(_doc(data, True, pipe=True))[0] == want[0], name
        assert _seen(_doc(data, False, pipe=True))[0] == want[0], name


# captured: printf 'x_1|0.52|ok\nx_2|0.71|ok\nx_3|0.13|ok\n' | column -t -s '|' -o ' | '   (util-linux column)
TABLE = "x_1 | 0.52 | ok\nx_2 | 0.71 | ok\nx_3 | 0.13 | ok"


def test_a_padded_tables_first_column_is_no_compose_prefix():
    """A table whose first column names one row each ("x_1 | ...") keeps its head; compose names a service on many lines."""
    assert linefmt.detect_transport_prefix(TABLE.split("\n")) is None
    compose = FMT.compose(TEXTS["torch213_torchrun_rank_exit1.log"]).split("\n")
    assert linefmt.detect_transport_prefix(compose).kind == "compose"


@PATHS
def test_compose_service_with_its_own_container_name(use_grep):
    """A service given a ``container_name`` has no replica number ("mineru-npu-model-server   | "): stripped when the
    log's lines carry it (https://docs.docker.com/reference/compose-file/services/#container_name), not from one line."""
    for name in ("AF048#12", "torch213_torchrun_rank_exit1.log", "AF783#3"):
        text = TEXTS[name]
        if text.count("\n") < 2:
            text = "Loading pipeline components...\nLoading checkpoint shards\n" + text
        data = "\n".join("mineru-npu-model-server   | " + line for line in text.split("\n")).encode("utf-8")
        assert _seen(_doc(data, use_grep))[0] == _seen(_doc(text.encode("utf-8"), False))[0], name


def test_raw_captures_carry_no_collector_prefix():
    """No raw capture of tests/data/logs is read as carrying a collector's prefix: plain logs keep every line's head."""
    for name, text in TEXTS.items():
        if name.endswith(".log"):
            assert linefmt.detect_transport_prefix(text.split("\n")) is None, name


@pytest.mark.parametrize("head", [
    [b"onnxruntime.capi.onnxruntime_pybind11_state.Fail: [ONNXRuntimeError] : 1 : FAIL : Load model failed"],
    [b"cv2.error: OpenCV(4.7.0-dev) /home/u/opencv/modules/dnn/src/net_cann.cpp:291: error: (-2:Unspecified error)"],
    [b"run2.sh: line 2: $'\\r': command not found", b"run2.sh: line 3: cd: $'/tmp\\r': No such file or directory"],
    [b"Py4JJavaError: An error occurred while calling o42.load."],
])
def test_message_heads_are_no_host_prefix(head):
    """An exception's module path, a script's name, a class with a digit: not pdsh's "host: "."""
    assert linefmt.detect_transport_prefix(head) is None


# captured: python3.12 dictline.py (a function returning {"log": "step one\nstep two\n"}["message"]) — a traceback whose
# code line holds a dict literal with "\n" escapes
DICT_TRACEBACK = '''Traceback (most recent call last):
  File "/tmp/read27/dictline.py", line 5, in <module>
    load()
  File "/tmp/read27/dictline.py", line 2, in load
    return {"log": "step one\\nstep two\\n"}["message"]
           ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~^^^^^^^^^^^
KeyError: 'message\''''


def test_a_code_lines_dict_with_line_breaks_is_no_json_log():
    assert linefmt.detect_escapes(DICT_TRACEBACK.split("\n")) is None
    doc = explain_stream(io.BytesIO(DICT_TRACEBACK.encode("utf-8")), use_grep=False)
    assert doc["lines_read"] == 7
    assert [k["line"] for k in doc["key_lines"] if k["kind"] == "exception"] == [7]


@PATHS
@pytest.mark.parametrize("name", ["AF048#1", "AF296#0", "AF1390#6", "AF665#0"])
def test_a_one_line_log_in_a_json_field(name, use_grep):
    """A one-line log held in a JSON string field ({"job": ..., "log": "Killed"}): its line starts a line, so patterns
    anchored at the start read it (read26: it stayed inside the object's line)."""
    text = TEXTS[name]
    assert "\n" not in text
    want = _seen(_doc(text.encode("utf-8"), False))[0]
    assert want is not None
    assert _seen(_doc(FMT.json_field(text).encode("utf-8"), use_grep))[0] == want


@pytest.mark.parametrize("line,message", [
    # IPython 8 / Jupyter: the failing code line after "----> N" reads as Python's frame code line (4 blanks)
    ("----> 12 def f(x) -> Foo:", "    def f(x) -> Foo:"),
    ("---> 3     y = f(x)", "    y = f(x)"),
    ("-----> 3", "-----> 3"),
])
def test_ipython_code_line(line, message):
    assert linefmt.parse(line).message == message


def test_gmake_killed_is_a_compiler_killed():
    """make names itself as invoked ("gmake[1]: *** [...] Killed", captured in AF1390's examples): host_oom as make's."""
    for text in ("gmake[1]: *** [Makefile:4: heavy] Killed", "make: *** [Makefile2:2: heavy5.o] Killed"):
        m = explain_stream(io.BytesIO(text.encode("utf-8")), limit=1, use_grep=False)["matches"]
        assert m and m[0]["id"] == "AF1390", text


@PATHS
@pytest.mark.parametrize("fmt", ["compose", "kubectl", "journald"])
def test_collectors_prefix_starting_after_the_head(fmt, use_grep):
    """(rev-read27) A paste whose collector lines start after the head (``docker compose up --build``: the build's output,
    then the services' lines) is still read through the per-line forms kept in parse(): the answer of the plain text."""
    filler = "\n".join(["Loading pipeline components...: 100%|##########| 7/7 [00:02<00:00,  3.1it/s]"] * 70)
    for name in ("AF048#1", "AF048#2", "AF665#0"):  # (lines read only with the prefix removed; read27 lost them)
        text = TEXTS[name]
        want = _seen(_doc((filler + "\n" + text).encode("utf-8"), False))[0]
        assert want is not None, name
        wrapped = FMT.FORMATS[fmt](text)
        assert _seen(_doc((filler + "\n" + wrapped).encode("utf-8"), use_grep))[0] == want, name


def test_a_loggers_level_column_is_no_compose_prefix():
    """(rev-read27) loguru with ``format="{level: <8} | {message}"`` (https://loguru.readthedocs.io/en/stable/api/logger.html,
    the format's "{level: <8}" pads the name) repeats its level names in a "|" column: no compose service."""
    head = ["{:<8} | {}".format(level, msg) for level, msg in (
        ("INFO", "a"), ("INFO", "b"), ("INFO", "c"), ("INFO", "d"), ("ERROR", "e"))]
    assert linefmt.detect_transport_prefix(head) is None
    assert linefmt.detect_transport_prefix(["web-1  | " + h for h in head]).kind == "compose"
