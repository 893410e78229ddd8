"""Match logs against the signature knowledge base.

Pipeline, per input line (streamed, binary, never the whole file in memory):

1. pre-filter: does the raw line contain any literal *anchor* of any signature? One combined
   scan over all anchors: ``grep -E`` with one alternation of the escaped anchors (a DFA in C)
   when a working grep is on PATH, else one Python ``re`` alternation per line (also forced by
   ``ASCENDFIX_EXPLAIN_NO_GREP=1``). Lines without an anchor cost nothing more.
2. only for lines that hit: decode (UTF-8, then GB18030, then UTF-8 with replacement), drop
   ANSI colour codes and CR, and run the full regexes of the patterns whose anchors occur in the
   line. Lines longer than ``WINDOW_LIMIT`` are matched on bounded windows around each anchor.
3. accumulate per signature: evidence lines (with line numbers), named captures (first wins),
   matched pattern set; rank by priority (specific causes outrank generic wrappers), then by
   the number of distinct patterns matched, then by first occurrence.

Public API (stable, used by other verbs): :func:`explain_text`, :func:`explain_lines`,
:func:`explain_stream`.
"""

import io
import os
import re
import shutil
import stat
import subprocess
import tempfile
import threading

from ascendfix.explain.kb import load_signatures

READ_CHUNK = 1 << 20  # bytes per read from the input
LINE_PART = 1 << 20  # longest piece of one line handled at once (huge lines come in pieces)
WINDOW_LIMIT = 16384  # lines longer than this are matched on windows around anchors
WINDOW = 2048  # chars each side of an anchor in a window
MAX_WINDOWS = 64  # per line piece
MAX_EVIDENCE = 3  # evidence lines kept per signature
EVIDENCE_CHARS = 300  # longest evidence text shown
CACHE_MAX = 8192  # distinct short hit lines remembered (logs repeat themselves)
CACHE_LINE_MAX = 4096
OVERLAP = 512  # bytes of a huge line's previous piece re-scanned with the next (anchors across pieces)

_ANSI_RE = re.compile(r"\x1b\[[0-?]{0,64}[ -/]{0,8}[@-~]|\x1b\][^\x07\x1b]{0,4096}(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")


def decode_line(raw, partial=False):
    """Bytes of one log line -> text: UTF-8, else GB18030 (Chinese logs), else UTF-8 with U+FFFD.

    ``partial``: a piece of a huge line, which may start or end inside a UTF-8 character.
    """
    if partial:
        i = 0
        while i < 3 and i < len(raw) and 0x80 <= raw[i] <= 0xBF:
            i += 1
        raw = raw[i:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        if partial and e.start >= len(raw) - 3 and e.reason == "unexpected end of data":
            return raw[: e.start].decode("utf-8")
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace")


def clean_text(text):
    """Strip ANSI escape sequences and carriage returns."""
    if "\x1b" in text:
        text = _ANSI_RE.sub("", text)
    if "\r" in text:
        text = text.rstrip("\r").replace("\r", " ")
    return text


def _variants(anchor):
    """The byte strings an anchor can take in a log (UTF-8; GB18030 too when not ASCII)."""
    out = [anchor.encode("utf-8")]
    try:
        gb = anchor.encode("gb18030")
    except UnicodeEncodeError:
        gb = None
    if gb is not None and gb not in out:
        out.append(gb)
    return out


class _Hit(object):
    __slots__ = ("sig", "patterns", "evidence", "captures", "count", "first_line")

    def __init__(self, sig, line):
        self.sig = sig
        self.patterns = set()
        self.evidence = []
        self.captures = {}
        self.count = 0
        self.first_line = line


def _snippet(text, m):
    text = text.strip()
    if len(text) <= EVIDENCE_CHARS:
        return text
    start = max(0, m.start() - EVIDENCE_CHARS // 3)
    piece = text[start : start + EVIDENCE_CHARS]
    return ("…" if start > 0 else "") + piece + ("…" if start + EVIDENCE_CHARS < len(text) else "")


class Matcher(object):
    """Accumulates matches over a stream of lines. Feed it with :meth:`feed`, then :meth:`results`."""

    def __init__(self, signatures=None):
        self.signatures = list(signatures if signatures is not None else load_signatures())
        self.by_anchor = {}
        for sig in self.signatures:
            for pat in sig.patterns:
                for a in pat.anchors:
                    self.by_anchor.setdefault(a, []).append((sig, pat))
        self.variant_anchor = {}
        for a in self.by_anchor:
            for v in _variants(a):
                self.variant_anchor[v] = a
        self.variants = sorted(self.variant_anchor, key=len, reverse=True)
        self._anchor_re = None
        self.hits = {}
        self.lines_read = 0
        self._cache = {}
        self._pending_line = 1  # line number of the next piece fed

    @property
    def anchor_re(self):
        """Does a line hold any anchor? (the pure-Python pre-filter; a trie-shaped regex)."""
        if self._anchor_re is None:
            self._anchor_re = re.compile(_trie_regex(self.variants))
        return self._anchor_re

    @property
    def anchor_bytes(self):
        return sorted(self.variant_anchor)

    # -- feeding ---------------------------------------------------------------------------
    def feed_piece(self, lineno, raw, partial=False, prefiltered=False):
        """One line (bytes, without its newline) or a piece of a huge line; line numbers from 1.

        ``prefiltered``: the caller already knows the line holds an anchor (grep said so).
        """
        if not prefiltered and self.anchor_re.search(raw) is None:
            return
        cacheable = not partial and len(raw) <= CACHE_LINE_MAX
        if cacheable:
            cached = self._cache.get(raw)
            if cached is not None:
                for sig, pat, caps, snippet in cached:
                    self._record(sig, pat, caps, snippet, lineno)
                return
        # which anchors are in the line (all of them, overlapping ones too): a few dozen `in`
        # tests, only for the rare lines that passed the pre-filter
        anchors = {self.variant_anchor[v] for v in self.variants if v in raw}
        cands = []
        seen = set()
        for a in anchors:
            for sig, pat in self.by_anchor[a]:
                key = (sig.id, pat.index)
                if key not in seen:
                    seen.add(key)
                    cands.append((sig, pat))
        text = clean_text(decode_line(raw, partial))
        windows = self._windows(text, anchors)
        results = []
        for sig, pat in cands:
            for w in windows:
                m = pat.regex.search(w)
                if m:
                    caps = {k: v for k, v in m.groupdict().items() if v}
                    results.append((sig, pat, caps, _snippet(w, m)))
                    break
        for sig, pat, caps, snippet in results:
            self._record(sig, pat, caps, snippet, lineno)
        if cacheable:
            if len(self._cache) >= CACHE_MAX:
                self._cache.clear()
            self._cache[raw] = results

    def _windows(self, text, anchors):
        if len(text) <= WINDOW_LIMIT:
            return [text]
        spans = []
        for a in anchors:
            start = 0
            while len(spans) < MAX_WINDOWS * 4:
                i = text.find(a, start)
                if i < 0:
                    break
                spans.append((max(0, i - WINDOW), min(len(text), i + len(a) + WINDOW)))
                start = i + len(a)
        spans.sort()
        merged = []
        for s, e in spans:
            if merged and s <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], e))
            else:
                merged.append((s, e))
        return [text[s:e] for s, e in merged[:MAX_WINDOWS]] or [text[:WINDOW_LIMIT]]

    def _record(self, sig, pat, caps, snippet, lineno):
        hit = self.hits.get(sig.id)
        if hit is None:
            hit = self.hits[sig.id] = _Hit(sig, lineno)
        hit.count += 1
        hit.patterns.add(pat.index)
        for k, v in caps.items():
            hit.captures.setdefault(k, v)
        if len(hit.evidence) < MAX_EVIDENCE and all(ln != lineno for ln, _ in hit.evidence):
            hit.evidence.append((lineno, snippet))

    def feed_lines(self, lines):
        """Feed an iterable of lines (bytes or str; a trailing newline is ignored)."""
        for item in lines:
            if isinstance(item, str):
                try:
                    item = item.encode("utf-8", "surrogateescape")  # round-trips undecodable bytes
                except UnicodeEncodeError:
                    item = item.encode("utf-8", "replace")
            item = bytes(item)
            parts = item.split(b"\n")
            if len(parts) > 1 and parts[-1] == b"":
                parts.pop()
            for part in parts:
                self.lines_read += 1
                for lo in range(0, max(len(part), 1), LINE_PART):
                    piece = part[max(0, lo - OVERLAP) : lo + LINE_PART]
                    self.feed_piece(self.lines_read, piece, partial=len(part) > LINE_PART)

    # -- results ---------------------------------------------------------------------------
    def results(self, limit=3):
        """Matched signatures as --json dicts, best first (at most ``limit``; None = all)."""
        ranked = []
        for hit in self.hits.values():
            sig = hit.sig
            required = {p.index for p in sig.patterns if p.required}
            if not required <= hit.patterns:
                continue
            if not required and not any(p.alone for p in sig.patterns if p.index in hit.patterns):
                continue
            ranked.append(hit)
        ranked.sort(
            key=lambda h: (
                0 if h.sig.severity == "error" else 1,
                -h.sig.priority,
                -len(h.patterns),
                h.first_line,
                h.sig.id,
            )
        )
        if limit is not None:
            ranked = ranked[:limit]
        return [self._as_dict(h) for h in ranked]

    @staticmethod
    def _as_dict(hit):
        sig = hit.sig
        extra = min(len(hit.patterns) - 1, 2)
        conf = 0.35 + 0.5 * sig.priority / 100.0 + 0.05 * extra
        if sig.severity == "context":
            conf *= 0.7
        return {
            "id": sig.id,
            "category": sig.category,
            "title": sig.title,
            "confidence": round(min(conf, 0.99), 2),
            "evidence": [{"line": ln, "text": t} for ln, t in sorted(hit.evidence)],
            "cause": sig.render(sig.cause, hit.captures),
            "fix": sig.render(sig.fix, hit.captures),
            "apply_rule": sig.apply_rule,
        }


def _trie_regex(words):
    """One regex matching any of ``words`` (bytes), factored as a trie: (?:E(?:Z9999|L0004)|...).

    re tries the alternatives of a flat alternation one by one at every position; the trie shares
    prefixes, which makes the pure-Python pre-filter ~2.5x faster. Only used to *detect* a hit; which
    anchors are present is decided afterwards with `in`.
    """
    trie = {}
    for w in words:
        node = trie
        for b in bytearray(w):
            node = node.setdefault(b, {})
        node[None] = True

    def build(node):
        alts = [re.escape(bytes(bytearray([k]))) + build(node[k]) for k in sorted(k for k in node if k is not None)]
        if not alts:
            return b""
        if None in node:
            return b"(?:" + b"|".join(alts) + b")?"
        if len(alts) == 1:
            return alts[0]
        return b"(?:" + b"|".join(alts) + b")"

    return build(trie)


# -- streaming a file ---------------------------------------------------------------------------
def _feed_python(matcher, stream):
    """Pure-Python path: one anchor regex per line, huge lines in bounded pieces."""
    lineno = 0
    readline = stream.readline
    continuing = False
    carry = b""
    while True:
        piece = readline(LINE_PART)
        if not piece:
            break
        eol = piece.endswith(b"\n")
        # a short piece without a newline is the file's last line, whole (as grep reports it)
        complete = eol or len(piece) < LINE_PART
        if not continuing:
            lineno += 1
        body = piece[:-1] if eol else piece
        matcher.feed_piece(lineno, carry + body, partial=not complete or continuing)
        continuing = not complete
        carry = body[-OVERLAP:] if continuing else b""
    matcher.lines_read = lineno


_GREP = {}


def _grep_path():
    """A grep that understands ``-a -n -E --color=never -f FILE`` (GNU, BSD), or None.

    ``ASCENDFIX_EXPLAIN_NO_GREP=1`` forces the pure-Python pre-filter.
    """
    if os.environ.get("ASCENDFIX_EXPLAIN_NO_GREP"):
        return None
    if "path" not in _GREP:
        path = shutil.which("grep")
        if path:
            try:
                r = subprocess.run(
                    [path, "-a", "-n", "-E", "--color=never", "-e", "b|c"],
                    input=b"a\nb\n",
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    env=dict(os.environ, LC_ALL="C"),
                    timeout=10,
                )
                if r.returncode != 0 or r.stdout != b"2:b\n":
                    path = None
            except (OSError, subprocess.SubprocessError):
                path = None
        _GREP["path"] = path
    return _GREP["path"]


_ERE_SPECIAL = re.compile(rb"([.\[()*+?{|^$\\])")


def _ere_escape(anchor):
    """A literal (bytes) as a POSIX extended regex."""
    return _ERE_SPECIAL.sub(rb"\\\1", anchor)


def _regular_file_fd(stream):
    """``(fd, offset)`` of ``stream`` when it is a regular file (not a pipe/tty), else ``(None, 0)``.

    The fd's offset is set to the stream's logical position, from where grep will read it.
    """
    if not hasattr(os, "pread"):
        return None, 0
    try:
        fd = stream.fileno()
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None, 0
        pos = stream.tell()  # logical position (a buffered reader may have read ahead)
        os.lseek(fd, pos, os.SEEK_SET)
        return fd, pos
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None, 0


def _feed_grep(matcher, stream, grep):
    """Fast path: GNU grep -F does the anchor pre-filter; Python only sees the lines that hit.

    A regular file is handed to grep as its stdin (grep reads it at full speed) while a thread counts
    the lines with pread() (no shared offset); anything else (a pipe) is pumped into grep by a thread
    that counts on the way. Memory stays flat either way.
    """
    fd, pattern_file = tempfile.mkstemp(prefix="ascendfix-anchors-", suffix=".txt")
    try:
        with os.fdopen(fd, "wb") as fh:
            # one ERE alternation of the escaped anchors: GNU grep turns it into a DFA, which is
            # faster than -F's keyword search when some anchors are short ("DT_", "EI00")
            fh.write(b"|".join(_ere_escape(a) for a in matcher.anchor_bytes) + b"\n")
        env = dict(os.environ, LC_ALL="C")
        for var in ("GREP_OPTIONS", "GREP_COLOR", "GREP_COLORS"):
            env.pop(var, None)
        cmd = [grep, "-a", "-n", "-E", "--color=never", "-f", pattern_file]
        file_fd, start = _regular_file_fd(stream)
        proc = subprocess.Popen(
            cmd,
            stdin=file_fd if file_fd is not None else subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        state = {"newlines": 0, "last": b"\n", "error": None}

        def count_file():
            try:
                offset = start
                while True:
                    chunk = os.pread(file_fd, READ_CHUNK, offset)
                    if not chunk:
                        break
                    offset += len(chunk)
                    state["newlines"] += chunk.count(b"\n")
                    state["last"] = chunk[-1:]
            except Exception as e:  # reported after grep finishes
                state["error"] = e

        def pump():
            try:
                read = stream.read
                write = proc.stdin.write
                while True:
                    chunk = read(READ_CHUNK)
                    if not chunk:
                        break
                    state["newlines"] += chunk.count(b"\n")
                    state["last"] = chunk[-1:]
                    write(chunk)
            except BrokenPipeError:
                pass
            except Exception as e:  # reported after grep finishes
                state["error"] = e
            finally:
                try:
                    proc.stdin.close()
                except OSError:
                    pass

        if file_fd is not None:
            t = threading.Thread(target=count_file, name="ascendfix-explain-count")
        else:
            t = threading.Thread(target=pump, name="ascendfix-explain-pump")
        t.daemon = True
        t.start()
        try:
            readline = proc.stdout.readline
            lineno = None
            carry = b""
            while True:
                piece = readline(LINE_PART)
                if not piece:
                    break
                complete = piece.endswith(b"\n")
                if lineno is None:
                    colon = piece.find(b":")
                    lineno = int(piece[:colon])
                    body = piece[colon + 1 :]
                    partial = not complete
                else:  # continuation of a huge line
                    body = piece
                    partial = True
                if complete:
                    body = body[:-1]
                matcher.feed_piece(lineno, carry + body, partial=partial, prefiltered=not partial)
                if complete:
                    lineno = None
                    carry = b""
                else:
                    carry = body[-OVERLAP:]
        finally:
            t.join()
            proc.stdout.close()
            err = proc.stderr.read()
            proc.stderr.close()
            rc = proc.wait()
        if state["error"] is not None:
            raise state["error"]
        if rc not in (0, 1):
            raise RuntimeError("grep failed ({}): {}".format(rc, err.decode("utf-8", "replace").strip()))
        n = state["newlines"]
        if state["last"] not in (b"\n", b""):
            n += 1
        matcher.lines_read = n
    finally:
        try:
            os.unlink(pattern_file)
        except OSError:
            pass


def explain_stream(stream, limit=3, signatures=None, use_grep=None):
    """Explain a binary file object (file or stdin). Returns ``{"matches": [...], "lines_read": N}``."""
    matcher = Matcher(signatures)
    grep = _grep_path() if use_grep is not False else None
    if grep:
        _feed_grep(matcher, stream, grep)
    else:
        _feed_python(matcher, stream)
    return {"matches": matcher.results(limit), "lines_read": matcher.lines_read}


def explain_lines(lines, limit=3, signatures=None):
    """Explain an iterable of lines (bytes or str). Returns the match dicts, best first."""
    matcher = Matcher(signatures)
    matcher.feed_lines(lines)
    return matcher.results(limit)


def explain_text(text, limit=3):
    """Explain a traceback or log held in a string. Returns the match dicts (--json shape), best first."""
    if isinstance(text, bytes):
        lines = text.split(b"\n")
    else:
        lines = text.split("\n")
    return explain_lines(lines, limit=limit)
