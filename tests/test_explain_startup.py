"""Start-up of ``ascendfix explain`` (eng24): the shortcuts a one-log run takes must not change any answer.

- a small regular file is pre-filtered in Python with the pre-filter narrowed to the anchors the file holds (no grep
  started, the whole anchor trie not compiled): the same report as grep's path and as the whole Python pre-filter;
- the report on a pipe or a file is printed without rich (output.PlainConsole): the same text rich prints there;
- explain's other rules files are read through the disk cache (data.load_yaml_cached): an edited file is read again on
  the next run, a cache folder that cannot be written costs nothing, and a start that finds them all there imports
  neither yaml nor rich.
"""

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ascendfix import data, output
from ascendfix.explain import engine
from ascendfix.explain.kb import load_signatures

ROOT = Path(__file__).resolve().parents[1]
LOGS = ROOT / "tests" / "data" / "logs"
_FEED_PYTHON = engine._feed_python


def _explain_file(path, **kw):
    with open(str(path), "rb") as fh:
        return engine.explain_stream(fh, limit=None, **kw)


def _narrowed(path, monkeypatch):
    """The report of a fresh process (the whole pre-filter not compiled): the narrowed pre-filter."""
    monkeypatch.setitem(engine.Matcher()._idx, "prefilter_re", None)
    used = []
    monkeypatch.setattr(engine, "_feed_python", lambda m, s: (used.append(m._narrow_re is not None), _FEED_PYTHON(m, s))[1])
    rep = _explain_file(path)
    assert used == [True], "a small file must take the narrowed Python path"
    assert not engine.Matcher().prefilter_compiled
    return rep


def _example_logs(tmp_path, every=1):
    """One file per signature (every ``every``-th): its first real example and its first no_match example, plus the raw
    logs."""
    out = []
    for sig in load_signatures()[::every]:
        for kind in ("match", "no_match"):
            p = tmp_path / "{}-{}.log".format(sig.id, kind)
            p.write_text(sig.examples[kind][0]["text"] + "\n", encoding="utf-8")
            out.append(p)
    return out + sorted(LOGS.glob("*.log"))


def test_narrowed_prefilter_gives_the_whole_prefilters_answer(tmp_path, monkeypatch):
    """Every signature's examples and every raw log, explained through the narrowed pre-filter and through the whole
    one (the pure-Python path): the same report, field for field. (A third of the signatures here, for speed; every
    example of every signature and every log under tests/data agreed with grep's path when this was written.)"""
    logs = _example_logs(tmp_path, every=3)
    assert len(logs) > 400
    narrowed = {}
    for p in logs:
        narrowed[p] = _narrowed(p, monkeypatch)
    monkeypatch.undo()
    engine.Matcher().anchor_re  # noqa: B018 - the whole pre-filter, compiled
    for p in logs:
        assert _explain_file(p, use_grep=False) == narrowed[p], p.name


def test_narrowed_prefilter_gives_greps_answer(tmp_path, monkeypatch):
    if engine._grep_path() is None:
        pytest.skip("grep not available")
    logs = sorted(LOGS.glob("*.log"))[::6] + _example_logs(tmp_path)[:1100:37]
    for p in logs:
        assert _narrowed(p, monkeypatch) == _explain_file(p, use_grep=True), p.name


def test_narrowing_keeps_only_the_anchors_the_log_holds():
    m = engine.Matcher()
    text = b"[ERROR] foo\nEZ9999: Inner Error!\n"
    m.narrow_prefilter(text)
    for v in m.variants:
        line = b"xx " + v + b" yy"
        if v in text:
            assert m.anchor_re.search(line), v
    assert m.anchor_re.search(b"[INFO] step 17/30 ok") is None
    assert m.anchor_re.search(b"Traceback (most recent call last):")  # the key-line markers stay whole


def test_a_small_log_that_grew_while_read_is_read_as_it_is_then(tmp_path):
    p = tmp_path / "a.log"
    p.write_bytes((LOGS / "ms27_cpu_maskedfill_fp16.log").read_bytes())
    with open(str(p), "rb") as fh:
        assert engine._read_small(fh) == p.read_bytes()
        with open(str(p), "ab") as out:
            out.write(b"x" * (5 * engine.GREP_MIN_BYTES))
        assert engine._read_small(fh) is None  # grew past 4x the limit: read as a big log


# -- the plain console ----------------------------------------------------------------------------------------------
def _rich_console(buf):
    from rich.console import Console

    return Console(file=buf, no_color=True, highlight=False, emoji=False, width=160, soft_wrap=True)


@pytest.mark.parametrize("text", [
    "", "plain", "a [b] c", "[bold]x[/bold]", "ends with \\", "\\[bold]", "\\\\[bold]x[/bold]", "[red]✗[/] [dim](a, #1)[/dim]",
    "tab\there", "[link=https://x]y[/link]", "[/]", "bell\x07 cr\r vt\x0b ff\x0c bs\x08 esc\x1b[0m", "中文 [dim]注[/dim]",
    "[bold]open", "x [/dim]", "[@click]y[/]",
])
def test_plain_console_prints_what_rich_prints(text):
    for markup in (text, "  evidence: " + output.escape(text), "[bold]{}[/bold] {}".format(output.escape(text), text)):
        want, got = io.StringIO(), io.StringIO()
        try:
            _rich_console(want).print(markup)
        except Exception as e:  # rich refuses the markup: so does the plain console (it hands the line to rich)
            with pytest.raises(type(e)):
                output.PlainConsole(got).print(markup)
            continue
        output.PlainConsole(got).print(markup)
        assert got.getvalue() == want.getvalue(), repr(markup)


def test_escape_is_richs():
    from rich.markup import escape

    for s in ("", "a", "[x]", "\\[x]", "a\\", "a\\\\", "[/x]", "[@y]", "[#fff]", "\\\\\\[b]c[/b]\\", "[1]", "x[a b]"):
        assert output.escape(s) == escape(s), s


def test_reports_on_a_pipe_are_richs_text(monkeypatch):
    """Every raw log's report (and with -v), printed by the plain console and by rich: the same bytes."""
    from ascendfix.explain import cli as ecli
    from ascendfix.explain.operation import VERBOSE_EVIDENCE, explain

    for path in sorted(LOGS.glob("*.log")):
        for verbose in (False, True):
            report = explain([str(path)], limit=3, max_evidence=VERBOSE_EVIDENCE if verbose else None)
            outs = []
            for make in (output.PlainConsole, lambda f: output.make_console()):
                buf = io.StringIO()
                monkeypatch.setattr(sys, "stdout", buf)
                monkeypatch.setattr(output, "plain_console", lambda stderr=False, _m=make, _b=buf: _m(_b))
                ecli._print_report(report, verbose)
                outs.append(buf.getvalue())
            monkeypatch.undo()
            assert outs[0] == outs[1], (path.name, verbose)


def test_a_terminal_or_forced_colour_gets_rich(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stdout", Tty())
    assert not isinstance(output.plain_console(), output.PlainConsole)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert isinstance(output.plain_console(), output.PlainConsole)
    for var in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.setenv(var, "1")
        assert not isinstance(output.plain_console(), output.PlainConsole)
        monkeypatch.delenv(var)


# -- the rules cache ------------------------------------------------------------------------------------------------
def test_yaml_cache_reads_an_edit_and_survives_a_read_only_folder(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("ASCENDFIX_CACHE_DIR", str(cache))
    f = tmp_path / "x.yaml"
    f.write_text("- id: a\n  title: one\n")
    assert data.load_yaml_cached(f) == [{"id": "a", "title": "one"}]
    assert len(list(cache.glob("yaml-*.json"))) == 1
    st = f.stat()
    f.write_text("- id: a\n  title: two\n")  # same size, same mtime: still read again (keyed by the contents)
    os.utime(str(f), ns=(st.st_atime_ns, st.st_mtime_ns))
    assert data.load_yaml_cached(f) == [{"id": "a", "title": "two"}]
    f.write_text("when: 2024-01-01\n")  # a date: JSON cannot hold it, so it is parsed every time
    assert str(data.load_yaml_cached(f)["when"]) == "2024-01-01"
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        monkeypatch.setenv("ASCENDFIX_CACHE_DIR", str(ro / "sub"))
        f.write_text("k: v\n")
        assert data.load_yaml_cached(f) == {"k": "v"}
        monkeypatch.setenv("ASCENDFIX_CACHE_DIR", str(ro))
        assert data.load_yaml_cached(f) == {"k": "v"}
    finally:
        ro.chmod(0o700)
    (cache / next(cache.glob("yaml-*.json")).name).write_text("{not json")  # a broken cache file is ignored
    monkeypatch.setenv("ASCENDFIX_CACHE_DIR", str(cache))
    f.write_text("- id: a\n  title: one\n")
    assert data.load_yaml_cached(f) == [{"id": "a", "title": "one"}]


def _run(code, env):
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_an_edited_rules_file_is_read_on_the_next_run(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(str(ROOT / "rules"), str(rules))
    env = dict(os.environ, ASCENDFIX_RULES_DIR=str(rules), ASCENDFIX_CACHE_DIR=str(tmp_path / "cache"), NO_COLOR="1")
    code = ("import json; from ascendfix.explain import kb; "
            "print(json.dumps([kb.category_title('maskedfill_dtype'), [b['id'] for b in kb.benign_entries()][:1]]))")
    first = json.loads(_run(code, env))
    assert first == json.loads(_run(code, env))  # (the second run from the cache)
    cats = rules / "explain_categories.yaml"
    cats.write_text(cats.read_text(encoding="utf-8").replace(first[0], "Edited title", 1), encoding="utf-8")
    benign = rules / "explain_benign.yaml"
    benign.write_text(benign.read_text(encoding="utf-8").replace(first[1][0], "edited-id", 1), encoding="utf-8")
    assert json.loads(_run(code, env)) == ["Edited title", ["edited-id"]]


def test_a_warm_start_on_a_pipe_imports_neither_rich_nor_yaml_nor_subprocess(tmp_path):
    env = dict(os.environ, ASCENDFIX_CACHE_DIR=str(tmp_path / "cache"), NO_COLOR="1")
    log = str(LOGS / "ms27_cpu_maskedfill_fp16.log")
    code = ("import io, sys; from ascendfix.cli import main; sys.stdout = io.StringIO(); rc = main(['explain', {!r}]); "
            "out = sys.stdout.getvalue(); sys.stdout = sys.__stdout__; "
            "print(rc, 'AF003' in out, sorted(m for m in ('rich', 'yaml', 'subprocess', 'tempfile') if m in sys.modules))"
            ).format(log)
    _run(code, env)  # fills the cache
    assert _run(code, env).split() == ["0", "True", "[]"]
