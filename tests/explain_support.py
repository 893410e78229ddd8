"""In-process helpers shared by the per-round knowledge-base tests (tests/test_explain_kb<round>.py): feed a text to
the matcher and read what it ranks, infers or reports first; fetch a signature's own example."""

import io
import os

from ascendfix.explain.engine import Matcher, explain_stream
from ascendfix.explain.kb import find_signature


def example(sig_id, kind="match", i=0):
    """The text of a signature's ``kind`` ("match" / "no_match") example number ``i``."""
    return find_signature(sig_id).examples[kind][i]["text"]


def matcher(text, **kwargs):
    """A Matcher fed with ``text`` line by line (``kwargs`` go to Matcher, e.g. signatures=[], faults=[])."""
    m = Matcher(**kwargs)
    m.feed_lines(text.split("\n"))
    return m


def run(text):
    """(matcher, ranked hits) for ``text``."""
    m = matcher(text)
    return m, m.ranked()


def ranked(text):
    """The ranked hits for ``text``."""
    return matcher(text).ranked()


def hits(text):
    """The ids of the ranked hits, in rank order."""
    return [h.id for h in ranked(text)]


def first(text):
    """(id, category) of the first ranked hit, or None."""
    r = ranked(text)
    return (r[0].id, r[0].category) if r else None


def top(text):
    """(id, category) of the first result as `explain` reports it (after inference), or (None, None). The learned
    fallback's guess (``kind: guess``, learn26) is left out: these are tests of the knowledge base (its signatures,
    codes, faults and inference evidence); tests/test_explain_learned.py tests the guess."""
    res = [r for r in matcher(text).results() if r["kind"] != "guess"]
    return (res[0]["id"], res[0]["category"]) if res else (None, None)


def top_category(text):
    """The category of the first result as `explain` reports it, or None."""
    return top(text)[1]


def infer_only(text):
    """The category inference alone, with no signature or fault entry loaded."""
    return matcher(text, signatures=[], faults=[]).inferred([])


def grep_prefilter_lines(texts, tmp_path):
    """The 1-based numbers of ``texts`` (one per line, then an ordinary line) that `grep -E` passes with the matcher's
    pre-filter expression (LC_ALL=C, as the grep path runs it), or None when the machine has no grep."""
    import shutil
    import subprocess

    grep = shutil.which("grep")
    if grep is None:
        return None
    pattern = tmp_path / "ere"
    pattern.write_bytes(Matcher().grep_ere() + b"\n")
    data = "\n".join(list(texts) + ["an ordinary line"]) + "\n"
    r = subprocess.run([grep, "-E", "-n", "-a", "-f", str(pattern)], input=data.encode("utf-8"),
                       capture_output=True, env={"LC_ALL": "C"}, timeout=60)
    return [int(ln.split(b":", 1)[0]) for ln in r.stdout.splitlines()]


def explain_bytes(data, use_grep, pipe=False):
    """explain_stream's document for the log ``data`` (bytes), read from a BytesIO or, with ``pipe``, from a real pipe
    (the path `cat log | ascendfix explain -` takes); ``use_grep`` picks the grep or the pure-Python pre-filter."""
    if pipe:
        assert len(data) < 60000  # (fits a pipe's buffer: written before it is read)
        r, w = os.pipe()
        os.write(w, data)
        os.close(w)
        with os.fdopen(r, "rb") as fh:
            return explain_stream(fh, limit=1, use_grep=use_grep)
    return explain_stream(io.BytesIO(data), limit=1, use_grep=use_grep)
