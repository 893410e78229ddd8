"""Guards of `explain`'s ranking and fallbacks that no other fast test pinned down: a wrapper before context,
the "did the run go on" rule's veto, and the key lines shown when nothing matched (fatal lines, the first and
the last Ascend error lines). Every line here is a real one: a signature's own example (its source is in the
signature) or a log under tests/data/logs (tests/data/logs/README.md names where it comes from).
"""

from pathlib import Path

from ascendfix.explain import engine, infer
from ascendfix.explain import lines as linefmt
from ascendfix.explain.engine import explain_stream, explain_text
from ascendfix.explain.kb import load_signatures

LOGS = Path(__file__).parent / "data" / "logs"


def _examples(role):
    """One-line match examples of signatures with this role."""
    out = []
    for sig in load_signatures():
        if sig.role == role and sig.kind == "signature":
            out.extend((sig.id, ex["text"]) for ex in sig.examples["match"] if "\n" not in ex["text"])
    return out


def test_a_wrapper_ranks_above_context_whatever_the_line_order():
    """Context (a benign notice) is listed after the failure it accompanies, never before a wrapper."""
    wrapper_id, wrapper = [x for x in _examples("wrapper") if x[0] == "AF025"][0]
    checked = 0
    for context_id, context in _examples("context"):
        for text in (context + "\n" + wrapper, wrapper + "\n" + context):
            ids = [m["id"] for m in explain_text(text, limit=None)]
            if context_id in ids and wrapper_id in ids:
                assert ids.index(wrapper_id) < ids.index(context_id), (context_id, text)
                checked += 1
    assert checked >= 2  # the KB has context signatures that show up next to the wrapper


def test_a_finish_line_that_reports_an_error_is_no_success():
    """pip's "finished with status 'error'" (tests/data/logs/pip232_source_build_failed.log) says the run did
    not go on: it must not silence the failure before it."""
    line = [ln for ln in (LOGS / "pip232_source_build_failed.log").read_text(encoding="utf-8").splitlines()
            if "finished with status 'error'" in ln][0]
    info = linefmt.parse(line)
    assert infer.classify_line(info.message, info, None) != "ok"
    # the veto, alone: the same words without "error" would be a success line
    ok = line.replace("'error'", "'done'")
    info = linefmt.parse(ok)
    assert infer.classify_line(info.message, info, None) == "ok"


def test_a_segfault_is_a_fatal_key_line():
    report = explain_stream((LOGS / "bash_segfault_exit139.log").open("rb"), limit=None)
    assert [(k["line"], k["kind"]) for k in report["key_lines"]] == [(1, "fatal")]
    assert "Segmentation fault" in report["key_lines"][0]["text"]


def test_key_lines_keep_the_first_and_the_last_ascend_errors():
    """Of many Ascend error lines, the first KEY_FIRST and the last KEY_LAST are key lines (in line order)."""
    lines = []
    for sig in load_signatures():
        for ex in sig.examples["match"]:
            t = ex["text"]
            if "\n" in t or t in lines:
                continue
            m = engine.Matcher()
            m.feed_lines([t])
            k = m.key_lines()
            if len(k) == 1 and k[0]["kind"] == "ascend_error":
                lines.append(t)
    n = engine.KEY_FIRST + engine.KEY_LAST + 3
    assert len(lines) >= n
    m = engine.Matcher()
    m.feed_lines(lines[:n])
    got = [k["line"] for k in m.key_lines() if k["kind"] == "ascend_error"]
    want = list(range(1, engine.KEY_FIRST + 1)) + list(range(n - engine.KEY_LAST + 1, n + 1))
    assert engine.KEY_FIRST >= 1 and engine.KEY_LAST >= 1
    assert got == want
