"""Inputs `ascendfix explain` must survive: empty, binary, invalid UTF-8, GBK Chinese logs, CRLF, ANSI
colours, huge single lines, big files (flat memory), adversarial lines against every pattern.

Both pre-filter paths (GNU grep and pure Python) are run and must agree.
"""

import functools
import io
import json
import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ascendfix.explain import engine
from ascendfix.explain.engine import explain_stream, explain_text
from ascendfix.explain.kb import load_signatures

LOGS = Path(__file__).parent / "data" / "logs"
# section 四 of the user's seed blog post 000 (real text, UTF-8): its four troubleshooting entries
SEED = LOGS / "seed000_troubleshooting_zh.txt"
PATHS = pytest.mark.parametrize("use_grep", [None, False], ids=["grep", "python"])
# real lines (vllm-ascend#1987, LlamaFactory#3839, mindspore#319), see the KB entries AF004 / AF009 / AF025
EJ0001_LINE = (
    b"EJ0001: 2024-05-21-11:57:54.167.645 Failed to initialize the HCCP process. "
    b"Reason: Maybe the last training process is running."
)
EZ9999_TEXT = b"EZ9999: Inner Error!"
OOM_LINE = (
    "RuntimeError: NPU out of memory. Tried to allocate 3.47 GiB (NPU 0; 60.97 GiB total capacity; "
    "58.92 GiB already allocated; 58.92 GiB current active; 1.66 GiB free; 58.95 GiB reserved in total by PyTorch)"
)


def _explain(data, use_grep, limit=3):
    return explain_stream(io.BytesIO(data), limit=limit, use_grep=use_grep)


def _ids(report):
    return [m["id"] for m in report["matches"]]


@PATHS
def test_empty(use_grep):
    empty = {"matches": [], "lines_read": 0, "notes": [], "key_lines": [], "failed": False}
    assert _explain(b"", use_grep) == empty
    assert _explain(b"\n", use_grep) == dict(empty, lines_read=1)


@PATHS
def test_binary_garbage_with_a_real_line_inside(use_grep):
    rnd = random.Random(1234)
    junk = bytes(rnd.getrandbits(8) for _ in range(300000))
    data = junk + b"\n" + OOM_LINE.encode() + b"\n" + junk
    report = _explain(data, use_grep)
    assert _ids(report)[0] == "AF004"
    assert report["lines_read"] == data.count(b"\n") + 1


@PATHS
def test_invalid_utf8_in_the_matching_line(use_grep):
    data = b"\xff\xfe\xfa " + OOM_LINE.encode() + b" \xc3\x28\n"
    report = _explain(data, use_grep)
    assert _ids(report) == ["AF004"]
    assert "3.47 GiB" in report["matches"][0]["cause"]


@PATHS
def test_gbk_chinese_log(use_grep):
    """A GB18030/GBK-encoded Chinese log (the seed's own troubleshooting text) decodes and matches."""
    text = SEED.read_text(encoding="utf-8")
    start = 0
    data = text.encode("gb18030")
    report = _explain(data, use_grep, limit=None)
    ids = _ids(report)
    for sig_id in ("AF001", "AF002", "AF003", "AF011"):
        assert sig_id in ids
    ev = [m for m in report["matches"] if m["id"] == "AF003"][0]["evidence"][0]
    assert ev["text"].startswith("**现象:**报错信息:TypeError: For MaskedFill")  # decoded, not mojibake
    # UTF-8 of the same text gives the same answer
    assert _ids(_explain(text[start:].encode("utf-8"), use_grep, limit=None)) == ids


@PATHS
def test_crlf_and_ansi(use_grep):
    log = (LOGS / "ms210_cpu_mint_zeros_like.log").read_bytes()
    crlf = log.replace(b"\n", b"\r\n")
    coloured = crlf.replace(b"RuntimeError:", b"\x1b[1;31mRuntimeError:\x1b[0m")
    for data in (crlf, coloured):
        report = _explain(data, use_grep)
        m = report["matches"][0]
        assert m["id"] == "AF017"
        assert m["evidence"] == [{"line": 10, "text": "RuntimeError: The kernel ZerosLikeExt unregistered."}]
        assert report["lines_read"] == 16


@PATHS
def test_no_trailing_newline_and_line_numbers(use_grep):
    data = b"a\nb\n" + OOM_LINE.encode()
    report = _explain(data, use_grep)
    assert report["lines_read"] == 3 and report["matches"][0]["evidence"][0]["line"] == 3


@pytest.fixture
def small_pieces(monkeypatch):
    """Huge lines come in pieces of ``engine.LINE_PART`` (1 MiB); 64 KiB pieces take the same path (a piece is
    still far longer than ``WINDOW_LIMIT``, so it is matched on windows, and than ``OVERLAP``) at 1/16 of the
    input and time: the tests below build their lines from ``engine.LINE_PART``."""
    monkeypatch.setattr(engine, "LINE_PART", 1 << 16)
    assert engine.LINE_PART > 2 * engine.WINDOW_LIMIT and engine.LINE_PART > 8 * engine.OVERLAP


@PATHS
def test_huge_single_line(use_grep, small_pieces):
    """Three pieces' worth on one line with the error in the middle: matched on a bounded window,
    evidence stays short."""
    half = b"x=1 " * (3 * engine.LINE_PART // 8)
    data = half + OOM_LINE.encode() + b" " + half + b"\nnext line\n" + EJ0001_LINE + b"\n"
    report = _explain(data, use_grep, limit=None)
    ids = _ids(report)
    assert "AF004" in ids and "AF009" in ids
    oom = [m for m in report["matches"] if m["id"] == "AF004"][0]
    assert oom["evidence"][0]["line"] == 1 and len(oom["evidence"][0]["text"]) <= engine.EVIDENCE_CHARS + 2
    assert "3.47 GiB" in oom["cause"]
    hccp = [m for m in report["matches"] if m["id"] == "AF009"][0]
    assert hccp["evidence"][0]["line"] == 3
    assert report["lines_read"] == 3


@PATHS
def test_anchor_split_across_pieces_of_a_huge_line(use_grep, small_pieces):
    data = b"y" * (engine.LINE_PART - 4) + b" " + EZ9999_TEXT + b"z" * (2 * engine.LINE_PART) + b"\n" + OOM_LINE.encode()
    report = _explain(data, use_grep, limit=None)
    assert report["lines_read"] == 2
    # the anchor straddles the 1 MiB piece boundary: pieces overlap, so it is still found, once
    ez = [m for m in report["matches"] if m["id"] == "AF025"]
    assert ez and ez[0]["evidence"][0]["line"] == 1
    assert [m for m in report["matches"] if m["id"] == "AF004"][0]["evidence"][0]["line"] == 2


# The two pre-filter paths cut a huge line at different offsets: the Python path reads ``LINE_PART`` bytes of the
# line, the grep path ``LINE_PART`` bytes of grep's output, which starts with "<line number>:" (2 bytes here).
@PATHS
@pytest.mark.parametrize("before", [1, 3, 5])  # bytes of the anchor left of the cut
def test_anchor_cut_at_every_offset_is_found(use_grep, small_pieces, before):
    """"EZ9999" cut after 1, 3 or 5 of its bytes, on each path (and in ``explain_text``, which cuts like the
    Python path): found in line 1 only if the next piece carries at least that many bytes of the previous one."""
    at = engine.LINE_PART - before if use_grep is False else engine.LINE_PART - 2 - before
    data = b"y" * (at - 1) + b" " + EZ9999_TEXT + b"z" * engine.LINE_PART + b"\n" + OOM_LINE.encode()
    assert data[at : at + 6] == b"EZ9999"
    report = _explain(data, use_grep, limit=None)
    assert report["lines_read"] == 2
    assert [m["evidence"][0]["line"] for m in report["matches"] if m["id"] == "AF025"] == [1]
    if use_grep is False:
        assert [m["evidence"][0]["line"] for m in explain_text(data, limit=None) if m["id"] == "AF025"] == [1]


@PATHS
def test_huge_line_pieces_carry_a_bounded_overlap(use_grep, small_pieces, monkeypatch):
    """Each piece of a huge line is fed with exactly ``OVERLAP`` bytes of the previous one, no more: together
    the pieces are the line, every anchor fits in the carry, and no piece is longer than ``LINE_PART +
    OVERLAP`` (a carry of the whole previous piece doubles the work and re-spends its window budget)."""
    fed = []
    real = engine.Matcher.feed_piece

    def spy(self, lineno, raw, partial=False, prefiltered=False):
        fed.append((lineno, bytes(raw)))
        return real(self, lineno, raw, partial=partial, prefiltered=prefiltered)

    monkeypatch.setattr(engine.Matcher, "feed_piece", spy)
    rnd = random.Random(7)
    line = bytes(rnd.choice(b"abcdefghij ") for _ in range(3 * engine.LINE_PART + 12345)) + b" " + EZ9999_TEXT
    _explain(line + b"\n" + OOM_LINE.encode(), use_grep, limit=None)
    pieces = [raw for ln, raw in fed if ln == 1]
    assert len(pieces) == 4
    ov = engine.OVERLAP
    longest_anchor = max(len(v) for v in engine.Matcher().variants)
    assert ov >= longest_anchor - 1 and ov * 8 < engine.LINE_PART
    # the Python path cuts the line at LINE_PART, the grep path its output (after "1:")
    first = engine.LINE_PART - (0 if use_grep is False else 2)
    assert pieces[0] == line[:first]
    rebuilt = pieces[0]
    for prev, cur in zip(pieces, pieces[1:]):
        assert len(cur) <= engine.LINE_PART + ov
        assert cur[:ov] == prev[-ov:]
        rebuilt += cur[ov:]
    assert rebuilt == line


@PATHS
def test_carry_does_not_spend_the_next_pieces_window_budget(use_grep, small_pieces, monkeypatch):
    """A piece matched on windows has a budget of ``MAX_WINDOWS`` (2 here, for a 64 KiB piece); anchors of the
    previous piece must not come back with the carry and crowd out the next piece's error."""
    monkeypatch.setattr(engine, "MAX_WINDOWS", 2)
    gap = b"y" * (2 * engine.WINDOW + 100)
    first = gap + (b" " + EZ9999_TEXT + b" " + gap) * 3
    assert len(first) < engine.LINE_PART - engine.OVERLAP - 10
    first += b"y" * (engine.LINE_PART - len(first) + 7)  # the OOM text is in the second and last piece
    data = first + b" " + OOM_LINE.encode() + b" " + b"z" * 100 + b"\n"
    report = _explain(data, use_grep, limit=None)
    assert report["lines_read"] == 1
    oom = [m for m in report["matches"] if m["id"] == "AF004"]
    assert oom and oom[0]["evidence"][0]["line"] == 1 and "3.47 GiB" in oom[0]["cause"]


def _mixed_log():
    parts = []
    for p in sorted(LOGS.glob("*.log")):
        parts.append(p.read_bytes())
    for sig in load_signatures():
        for ex in sig.examples["match"] + sig.examples["no_match"]:
            parts.append(ex["text"].encode("utf-8") + b"\n")
    parts.append("中文日志 GBK 行\n".encode("gb18030"))
    parts.append(b"\x1b[33mWARNING\x1b[0m \xff\xfe broken bytes\r\n")
    return b"\n".join(parts)


@functools.lru_cache(maxsize=None)
def _mixed_python():
    """``(log, its report through the Python pre-filter)``: made once, compared by the two tests below."""
    data = _mixed_log()
    return data, _explain(data, False, limit=None)


def test_grep_and_python_paths_agree():
    if engine._grep_path() is None:
        pytest.skip("grep not available")
    data, python = _mixed_python()
    assert _explain(data, None, limit=None) == python


def test_explain_text_agrees_with_stream():
    data, python = _mixed_python()
    assert explain_text(data, limit=None) == python["matches"]


@pytest.mark.full
def test_patterns_are_linear_on_adversarial_lines():
    """Every pattern (signatures, code detectors, line headers) against 200 KB adversarial lines, in a
    subprocess with a hard time limit (full tier: ~1 min; the fast tier checks repeats are bounded)."""
    code = textwrap.dedent(
        """
        import re, time
        from ascendfix.explain import engine, lines as L
        from ascendfix.explain.codes import load_families
        from ascendfix.explain.kb import load_signatures

        class P(object):
            def __init__(self, rx, anchors):
                self.regex, self.anchors = rx, anchors

        class S(object):
            def __init__(self, id, patterns, examples):
                self.id, self.patterns, self.examples = id, patterns, examples

        items = list(load_signatures())
        for fam in load_families():
            ex = {"match": fam.examples["match"]}
            items.append(S(fam.name, [P(d.regex, [d.prefilter.split("[")[0].strip("(") or "E"]) for d in fam.detectors], ex))
        hdr = [L._PLOG, L._TORCH_NPU, L._ERRMSG, L._TIME, engine._EXCEPTION_RE] + list(L._PREFIXES)
        items.append(S("lines", [P(r, ["[ERROR] ", "[rank0]: ", "(Worker pid=1) ", "ERROR 01-01 00:00:00 "]) for r in hdr],
                       {"match": [{"text": "[ERROR] HCCL(1,p):2025-01-01-00:00:00.000.000 [a.cc:1] x"}]}))
        # category inference: every category's evidence words and the failing / success line tests
        from ascendfix.explain import infer
        inf = infer.load()
        ev = [P(rx, ["Error: ", "failed ", "HCCL ", "'", "out of memory "]) for _, _, _, rx in inf.evidence]
        ev += [P(r, ["error: ", "Warning: ", "successfully "]) for r in (infer._FAIL_RE, infer._WARN_RE, infer._OK_RE,
                                                                          infer._OK_VETO)]
        items.append(S("inference", ev, {"match": [{"text": "RuntimeError: HCCL all_reduce failed, rank 3 timed out"}]}))
        worst = 0.0
        for sig in items:
            for p in sig.patterns:
                src = p.regex.pattern
                literal = "".join(c for c in src if c.isalnum() or c in " _:.'(")[:60] or "a"
                lines = [a * (200000 // len(a)) for a in p.anchors]
                lines += [
                    "a" * 200000,
                    " " * 200000,
                    "(" * 200000,
                    literal * (200000 // len(literal)),
                    (p.anchors[0] + " ") * (200000 // (len(p.anchors[0]) + 1)),
                    p.anchors[0] + "x" * 200000,
                    "\\t" * 100000 + p.anchors[0],
                ]
                for ex in sig.examples["match"]:
                    lines.append(ex["text"].replace("\\n", " ") * max(1, 200000 // max(1, len(ex["text"]))))
                for line in lines:
                    t = time.perf_counter()
                    p.regex.search(line)
                    dt = time.perf_counter() - t
                    if dt > worst:
                        worst = dt
                    assert dt < 2.0, (sig.id, src, dt)
        print("worst %.3f" % worst)
        """
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=300)
    assert r.returncode == 0, r.stderr.decode()[-2000:]


def _child_peak_rss_mb(cmd, stdin_path=None):
    """Peak RSS (MB) of a command and its children, measured from a fresh wrapper process."""
    wrapper = (
        "import resource, subprocess, sys, json;"
        "cmd = json.loads(sys.argv[1]); inp = sys.argv[2] or None;"
        "f = open(inp, 'rb') if inp else None;"
        "r = subprocess.run(cmd, stdin=f, stdout=subprocess.PIPE, stderr=subprocess.PIPE);"
        "print(json.dumps([r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.stdout.decode()]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", wrapper, json.dumps(cmd), stdin_path or ""], capture_output=True, timeout=600
    )
    rc, kb, stdout = json.loads(out.stdout)
    return rc, kb / 1024.0, stdout


@pytest.mark.parametrize("via_stdin", [False, True], ids=["file", "stdin"])
@pytest.mark.full
def test_big_file_flat_memory(tmp_path, via_stdin):
    """64 MB log (real lines + noise): streamed, peak RSS far below the file size; the real cause is found."""
    big = tmp_path / "big.log"
    noise = b"[INFO] GE(12345,python):2024-05-17-18:46:14.721.067 [graph_builder.cc:123] step 17/30 ok\n" * 20000
    with open(str(big), "wb") as fh:
        for i in range(40):
            fh.write(noise)
            if i == 20:
                fh.write((LOGS / "ms27_cpu_maskedfill_fp16.log").read_bytes())
    size_mb = big.stat().st_size / 1e6
    assert size_mb > 60
    args = [sys.executable, "-m", "ascendfix", "explain", "--json"]
    if via_stdin:
        rc, peak, stdout = _child_peak_rss_mb(args + ["-"], stdin_path=str(big))
    else:
        rc, peak, stdout = _child_peak_rss_mb(args + [str(big)])
    assert rc == 0
    doc = json.loads(stdout)
    assert doc["matches"][0]["id"] == "AF003"
    assert doc["lines_read"] == 40 * 20000 + 19
    assert peak < 100, "peak RSS {:.0f} MB for a {:.0f} MB file".format(peak, size_mb)


def test_cli_on_binary_file_no_traceback(run_cli, tmp_path):
    p = tmp_path / "bin.log"
    p.write_bytes(os.urandom(200000) + b"\x00" * 1000)
    r = run_cli("explain", p)
    assert r.returncode in (0, 1) and b"Traceback" not in r.stderr and b"internal error" not in r.stderr


@pytest.mark.parametrize("stdin", [False, True])
def test_read_error_half_way_is_one_line_not_an_internal_error(tmp_path, monkeypatch, capsys, stdin):
    """A read that fails after the file opened (EIO: a bad disk, a network share gone, /proc/self/mem) is the file's
    "cannot read" error (exit 2), not "internal error ... please report it" (rev24eng)."""
    import errno

    from ascendfix import cli

    p = tmp_path / "x.log"
    p.write_bytes(b"RuntimeError: boom\n")

    def fail(*a, **k):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(engine, "scan_stream", fail)
    if stdin:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x\n")))
    rc = cli.main(["explain", "-" if stdin else str(p)])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert "cannot read: Input/output error" in err and "internal error" not in err and "Traceback" not in err
    assert err.count("\n") == 1


# -- property: arbitrary input never raises, and both pre-filter paths agree ----------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from support import examples  # noqa: E402

_ANCHORS = sorted({a for s in load_signatures() for p in s.patterns for a in p.anchors})
_pieces = st.one_of(
    st.binary(max_size=40),
    st.text(max_size=40).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from(_ANCHORS).map(lambda a: a.encode("utf-8")),
    st.sampled_from([b"\n", b"\r\n", b"\x1b[31m", b"\x1b[0m", b"\xff", "中文".encode("gb18030")]),
)


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_pieces, max_size=30).map(b"".join))
def test_any_bytes(data):
    py = _explain(data, False, limit=None)
    assert py["lines_read"] == data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    for m in py["matches"]:
        assert m["evidence"] and all(1 <= e["line"] <= max(py["lines_read"], 1) for e in m["evidence"])
    if engine._grep_path():
        assert _explain(data, None, limit=None) == py


@settings(max_examples=25, deadline=None)
@given(st.text(max_size=200))
def test_any_text(text):
    explain_text(text, limit=None)


@settings(max_examples=examples(100), deadline=None)
@given(
    st.lists(st.binary(min_size=1, max_size=6), min_size=1, max_size=12),
    st.binary(max_size=60),
)
def test_trie_prefilter_equals_any_substring(words, text):
    import re

    rx = re.compile(engine._trie_regex(words))
    assert bool(rx.search(text)) == any(w in text for w in words)


def test_trie_prefilter_on_the_real_anchors():
    m = engine.Matcher()
    for v in m.variants:
        assert m.anchor_re.search(b"xx " + v + b" yy")
    assert m.anchor_re.search(b"[INFO] step 17/30 ok") is None


def test_auto_prefilter_small_regular_file_in_python_the_rest_in_grep(tmp_path, monkeypatch):
    """use_grep=None: a regular file under GREP_MIN_BYTES is pre-filtered in Python (grep would spend longer compiling
    its expression), a bigger one and a pipe-like stream by grep; before this process compiled the Python pre-filter
    (a one-log CLI run) with it narrowed to the small file's anchors; the answer is the same."""
    if engine._grep_path() is None:
        pytest.skip("grep not available")
    from ascendfix.explain.engine import Matcher

    assert Matcher().anchor_re is not None  # compiled in this process (as after any earlier explain here)
    used = []
    for name in ("_feed_grep", "_feed_python"):
        monkeypatch.setattr(engine, name, lambda *a, _f=getattr(engine, name), _n=name: (used.append(_n), _f(*a))[1])
    log = (LOGS / "ms210_cpu_mint_zeros_like.log").read_bytes()
    small, big = tmp_path / "small.log", tmp_path / "big.log"
    small.write_bytes(log)
    big.write_bytes(b"[INFO] step 17/30 ok\n" * (engine.GREP_MIN_BYTES // 21 + 1) + log)
    assert small.stat().st_size < engine.GREP_MIN_BYTES <= big.stat().st_size
    reports = []
    for path in (small, big):
        with open(str(path), "rb") as fh:
            reports.append(explain_stream(fh, limit=None))
    reports.append(_explain(log, None, limit=None))
    assert used == ["_feed_python", "_feed_grep", "_feed_grep"]
    assert _ids(reports[0]) == _ids(reports[1]) == _ids(reports[2]) == ["AF017"]
    with open(str(small), "rb") as fh:  # forced
        assert explain_stream(fh, limit=None, use_grep=True) == reports[0] and used[-1] == "_feed_grep"
    # a fresh process (the CLI): the small file still goes through Python, with the pre-filter narrowed to the anchors
    # it holds (compiling the whole one costs more than grep); the whole one stays uncompiled
    monkeypatch.setitem(Matcher()._idx, "prefilter_re", None)
    with open(str(small), "rb") as fh:
        assert explain_stream(fh, limit=None) == reports[0] and used[-1] == "_feed_python" and len(used) == 5
    assert not Matcher().prefilter_compiled


def test_ordinary_progress_lines_do_not_reach_the_full_patterns():
    """The pre-filter stays selective: the INFO / progress-bar / loader lines that fill a long run (the speed
    benchmark's noise templates) pass no anchor, so a signature whose anchor is a bare library name ('diffusers')
    cannot hand every such line to the full patterns (round 13's AF267 did, and explain became ~1.6x slower)."""
    import importlib.util
    from pathlib import Path

    from ascendfix.explain.engine import Matcher

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_explain.py"
    spec = importlib.util.spec_from_file_location("bench_explain", str(path))
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    m = Matcher()
    for template in bench.NOISE:
        line = template % (42, 49)
        assert m.anchor_re.search(line) is None, line
