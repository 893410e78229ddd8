"""eng21c: ``explain -`` answers from the bytes only, never from how the OS cuts a pipe into reads, nor from the process.

A reviewer saw ``cat LOG | ascendfix explain --json -`` give another evidence text in about one run of six. Two causes,
both fixed in explain/engine.py:

* the process: a line's patterns were tried in the order of a ``set`` of anchor strings, which Python's per-process
  string hashing (PYTHONHASHSEED) shuffles; a signature's first matching pattern gives its snippet, so the evidence of
  a line two patterns of one signature match changed from run to run (the file path too). They are now tried in the
  knowledge base's order (``_index``).
* the reads: the grep-prefix decision (lines.detect_grep_prefix) read a pipe's head with ``peek``, which returns what
  the first read brought (one line of a slow writer, ~8 KB of ``cat``), so a grep-prefixed log piped in small reads was
  read with its prefixes. A stream that is not a regular file now has its first ``HEAD_BYTES`` read ahead (all of it
  when shorter) and replayed (``_head``), as a file's are read with pread.

The tests feed the same bytes through a stream whose reads return pieces of seeded random sizes (1 byte to 64 KiB)
and at every cut of a log's head, on the Python and the grep path, and want the answer of the same bytes read as a
file. The logs are real (tests/data/logs, see its README), some through real programs run here:
``grep -n '' LOG`` (grep-prefixed), ``sed 's/$/\\r/' LOG`` (CRLF), ``cat tests/data/logs/*.log | tr '\\n' '\\r'`` (one
huge line: a progress-bar log's shape).
"""

import io
import json
import os
import random
import shutil
import subprocess
import sys

import pytest

from ascendfix.explain import engine

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOG_DIR = os.path.join(ROOT, "tests", "data", "logs")
DATA_LOGS = sorted(f for f in os.listdir(LOG_DIR) if f.endswith(".log"))
REPORTED = "diffusers042_hf_offline_sdxl.log"  # the reviewer's log: line 51 has two AF049 patterns
LOGS = [
    REPORTED,
    "typer020_py38_future_import_nameerror.log",  # the largest (20 KB): through grep -n it was mis-read in small reads
    "torch213_tcpstore_wait_timeout.log",
    "deepspeed0198_launcher_child_sigkill.log",
    "py311_optional_torch_npu_then_finished.log",  # a harmless run: silent however it is read
]
PATHS = pytest.mark.parametrize("use_grep", [False, True], ids=["python", "grep"])


class Pieces(io.RawIOBase):
    """A pipe's reads: each returns a piece of seeded random size (1 .. ``most`` bytes), or the sizes given."""

    def __init__(self, data, seed=0, most=1, sizes=None):
        super(Pieces, self).__init__()
        self.data, self.pos, self.rng, self.most = data, 0, random.Random(seed), most
        self.sizes = list(sizes or [])

    def readable(self):
        return True

    def readinto(self, b):
        size = self.sizes.pop(0) if self.sizes else self.rng.randint(1, self.most)
        n = min(len(b), size, len(self.data) - self.pos)
        b[:n] = self.data[self.pos : self.pos + n]
        self.pos += n
        return n


def _need(use_grep):
    if use_grep and engine._grep_path() is None:
        pytest.skip("no grep on this machine")


def _as_file(data, tmp_path, use_grep):
    path = tmp_path / "x.log"
    path.write_bytes(data)
    with open(str(path), "rb") as fh:
        return engine.explain_stream(fh, use_grep=use_grep)


def _as_pipe(raw, use_grep):
    return engine.explain_stream(io.BufferedReader(raw), use_grep=use_grep)


def _read(name):
    with open(os.path.join(LOG_DIR, name), "rb") as fh:
        return fh.read()


def _grep_n(data):
    # captured: grep -n '' LOG
    if shutil.which("grep") is None:
        pytest.skip("no grep on this machine")
    r = subprocess.run(["grep", "-n", ""], input=data, stdout=subprocess.PIPE, env=dict(os.environ, LC_ALL="C"),
                       timeout=60)
    assert r.returncode == 0
    return r.stdout


def _variant(name, kind):
    data = _read(name)
    if kind == "crlf":  # captured: sed 's/$/\r/' LOG
        return data.replace(b"\n", b"\r\n")
    if kind == "grep -n":
        return _grep_n(data)
    return data


@pytest.fixture
def small_pieces(monkeypatch):
    """Huge lines come in pieces of ``LINE_PART`` (1 MiB); 40 000 bytes take the same path (see test_explain_robust)."""
    monkeypatch.setattr(engine, "LINE_PART", 40000)
    assert engine.LINE_PART > 2 * engine.WINDOW_LIMIT and engine.LINE_PART > 8 * engine.OVERLAP


@PATHS
@pytest.mark.parametrize("kind", ["plain", "crlf", "grep -n"])
@pytest.mark.parametrize("log", LOGS)
def test_random_reads_answer_as_the_file(log, kind, use_grep, tmp_path):
    _need(use_grep)
    data = _variant(log, kind)
    ref = _as_file(data, tmp_path, use_grep)
    assert bool(ref["matches"]) == (log != LOGS[-1]), ref["matches"]
    for seed, most in ((0, 5), (1, 5000)):  # reads of 1 to 5 bytes; reads of up to a pipe buffer's 4 KB
        assert _as_pipe(Pieces(data, seed, most), use_grep) == ref, (log, kind, seed)


def _cuts(data, lines=4, near=3, step=17):
    """A first read ending at every byte within ``near`` of each of the first ``lines`` newlines, and at every
    ``step``-th byte before them."""
    ends = [i + 1 for i, c in enumerate(data[: len(b"\n".join(data.split(b"\n")[:lines])) + 1]) if c == 0x0A]
    cuts = set(range(1, ends[-1] + near + 1, step))
    for e in ends:
        cuts.update(range(max(1, e - near), e + near + 1))
    return sorted(cuts)


@PATHS
def test_every_cut_of_a_grep_prefixed_head(use_grep, tmp_path):
    """The first read of a grep -n log ends around each of its first four line ends (and every 17th byte before): one
    answer, the file's, with the prefix read as grep's (a first read of a line or two once left it in the text)."""
    _need(use_grep)
    data = _grep_n(_read(REPORTED))
    ref = _as_file(data, tmp_path, use_grep)
    assert ref == _as_file(_read(REPORTED), tmp_path, use_grep)
    cuts = _cuts(data)
    assert len(cuts) > 40
    for cut in cuts[:: 1 if use_grep is False else 3]:  # (the grep path starts a grep per run)
        assert _as_pipe(Pieces(data, sizes=[cut], most=4096), use_grep) == ref, cut


@PATHS
def test_one_huge_line_in_random_reads(use_grep, small_pieces, tmp_path):
    """All tests/data/logs as one line (each newline a carriage return: ~127 KB, four LINE_PART pieces), then the
    reviewer's log: the pieces of the huge line and the lines after it read the same however the reads cut them."""
    _need(use_grep)
    # captured: cat tests/data/logs/*.log | tr '\n' '\r'; then the log itself
    huge = b"".join(_read(n) for n in DATA_LOGS).replace(b"\n", b"\r")
    assert len(huge) > 3 * engine.LINE_PART
    data = huge + b"\n" + _read(REPORTED)
    for d in (data, _grep_n(data)):
        ref = _as_file(d, tmp_path, use_grep)
        assert ref["matches"] and ref["lines_read"] == 1 + _read(REPORTED).count(b"\n")
        for seed, most in ((2, 70000),):
            assert _as_pipe(Pieces(d, seed, most), use_grep) == ref, seed


def test_a_stream_without_a_file_reads_its_head_too(tmp_path):
    """A BytesIO (explain_stream from a library) has neither a file descriptor nor ``peek``: its head is read too."""
    data = _grep_n(_read(REPORTED))
    ref = _as_file(data, tmp_path, False)
    assert engine.explain_stream(io.BytesIO(data), use_grep=False) == ref


def test_replayed_head_then_the_rest():
    """engine._head: a pipe's first HEAD_BYTES are read ahead whatever its reads return, and the stream it hands back
    gives every byte once, in order (by readline, and by read in big chunks as the grep pump does)."""
    data = b"".join(_read(n) for n in DATA_LOGS)
    assert len(data) > 2 * engine.HEAD_BYTES
    lines, stream = engine._head(io.BufferedReader(Pieces(data, 3, 50)))
    assert lines == data[:engine.HEAD_BYTES].split(b"\n")[:-1][:60]
    assert b"".join(iter(lambda: stream.readline(100), b"")) == data
    lines, stream = engine._head(io.BufferedReader(Pieces(data, 4, 50)))
    assert b"".join(iter(lambda: stream.read(engine.READ_CHUNK), b"")) == data
    short = _read(REPORTED)  # shorter than HEAD_BYTES: all of it, its last line whole
    lines, stream = engine._head(io.BufferedReader(Pieces(short[:-1], 5, 9)))
    assert lines[-1] == short[:-1].split(b"\n")[-1] and stream.read() == short[:-1]


def _cli_json(args, stdin, seed):
    env = dict(os.environ, PYTHONHASHSEED=str(seed), NO_COLOR="1")
    r = subprocess.run([sys.executable, "-m", "ascendfix", "explain", "--json"] + args, stdin=stdin,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=env, timeout=120)
    assert r.returncode in (0, 1), r.stderr
    doc = json.loads(r.stdout.decode("utf-8"))
    # (the fields that name the input: "stdin" or the file's path)
    for src in doc.get("sources", []):
        src.pop("name", None)
        src.pop("kind", None)
    if doc.get("first_failure"):
        doc["first_failure"].pop("source", None)
    return doc


def test_the_same_answer_in_every_process():
    """The reviewer's case: ``cat LOG | explain --json -`` under one string-hash seed and the file by path under another
    (seeds 0 and 2 tried line 51's two AF049 patterns in the other order, so one gave "OSError: Cannot load model ..."
    and the other "…(Cannot find an appropriate cached snapshot ...") : one document."""
    path = os.path.join(LOG_DIR, REPORTED)
    with open(path, "rb") as fh:
        cat = subprocess.Popen(["cat"], stdin=fh, stdout=subprocess.PIPE) if shutil.which("cat") else None
        piped = _cli_json(["-"], cat.stdout if cat else fh, 0)
        if cat:
            cat.stdout.close()
            cat.wait()
    assert piped == _cli_json([path], subprocess.DEVNULL, 2)
    ev = [e for m in piped["matches"] if m["id"] == "AF049" for e in m["evidence"] if e["line"] == 51]
    assert len(ev) == 1


class _Greedy(object):
    """A library stream whose ``read(n)`` ignores ``n`` and returns up to ``piece`` bytes (only ``read``)."""

    def __init__(self, data, piece):
        self.b, self.piece = io.BytesIO(data), piece

    def read(self, n=-1):
        return self.b.read(self.piece)


@PATHS
def test_a_stream_whose_reads_return_more_than_asked(tmp_path, use_grep):
    """rev21h: a read() that returns more than asked (100 KB, then more than the 1 MiB buffer the replay is read into:
    it raised ValueError) is replayed whole, and the grep-prefix decision reads only the first HEAD_BYTES, as a file's."""
    _need(use_grep)
    data = _grep_n(b"".join(_read(n) for n in DATA_LOGS)) * 20  # (2.6 MB)
    ref = _as_file(data, tmp_path, use_grep)
    for piece in (100000, engine.READ_CHUNK + 4096):
        assert engine.explain_stream(_Greedy(data, piece), use_grep=use_grep) == ref, piece


def test_the_replay_drops_the_head_once_read():
    """rev21h: the head is replayed once; the replaying stream does not keep it for the rest of the scan."""
    data = b"".join(_read(n) for n in DATA_LOGS)
    lines, stream = engine._head(io.BufferedReader(Pieces(data, 6, 4096)))
    raw = stream.raw
    assert stream.read(engine.HEAD_BYTES + 10) == data[:engine.HEAD_BYTES + 10]
    assert len(raw._head) <= engine.READ_CHUNK and data[:engine.HEAD_BYTES] != raw._head[:engine.HEAD_BYTES]
    assert stream.read() == data[engine.HEAD_BYTES + 10:]


def test_small_file_decided_before_the_head_is_read(tmp_path, monkeypatch):
    """rev21h: without os.pread a regular file's head is read ahead like a pipe's; whether it is a small file (Python
    pre-filter) is decided before, from where the caller left it, not 32 KB further."""
    seen = []
    real = engine._small_regular_file
    monkeypatch.delattr(os, "pread", raising=False)
    monkeypatch.setattr(engine, "_small_regular_file", lambda s: seen.append(s.tell()) or real(s))
    path = tmp_path / "x.log"
    path.write_bytes(_read(REPORTED) * 3)
    with open(str(path), "rb") as fh:
        engine.explain_stream(fh)
    assert seen == [0]
