"""Shared output helpers: a rich console for people, JSON for machines.

Rules every verb follows:
- with ``--json``, stdout carries exactly one JSON document and nothing else; human text
  (progress, warnings) goes to stderr or is suppressed;
- colour only on a terminal, and never when ``NO_COLOR`` is set (rich honours it);
- status marks are ✓ / ! / ✗ (ASCII fallbacks when the stream cannot encode them).
"""

import contextlib
import json
import os
import re
import sys

# rich is imported where a console is made (importing it costs more than a small log's whole explain when Python
# compiles every module, see plain_console)

STATUS_MARKS = {"ok": "✓", "warn": "!", "error": "✗", "skip": "-", "crashed": "☠", "info": "·"}
ASCII_MARKS = {"ok": "OK", "warn": "!", "error": "X", "skip": "-", "crashed": "!!", "info": "*"}
STATUS_STYLES = {"ok": "green", "warn": "yellow", "error": "red", "skip": "dim", "crashed": "magenta", "info": "cyan"}


def _can_encode(stream, text):
    enc = getattr(stream, "encoding", None) or "ascii"
    try:
        text.encode(enc)
        return True
    except (UnicodeEncodeError, LookupError):
        return False


# The reader closing the pipe (``ascendfix <verb> ... | head -1``) is one rule for every verb: the verb finishes
# its work (files it writes are written), stops printing quietly, and exits with its own exit code; nothing is
# printed on stderr (no traceback, no "Exception ignored"). Output goes through a console from make_console()
# (it goes quiet by itself), emit_json() or write_stdout(); a verb wraps its rendering in reader_may_leave() for
# what is left (and for rich versions without Console.on_broken_pipe).


def reader_gone(stream=None):
    """The reader of ``stream`` (default stdout) went away: point its file descriptor at /dev/null so that the
    rest of the output, and Python's flush at exit, are dropped without an error."""
    stream = stream or sys.stdout
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, stream.fileno())
        finally:
            os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (embedding, tests): nothing to flush later
        pass


@contextlib.contextmanager
def reader_may_leave(stream=None):
    """Render inside this: a closed pipe ends the rendering quietly (see the rule above); the caller then
    returns its exit code as usual."""
    try:
        yield
    except BrokenPipeError:
        reader_gone(stream)


def _console_class():
    from rich.console import Console

    class _Console(Console):
        """rich's Console, except that a reader going away makes it quiet (the rule above) instead of rich's
        ``SystemExit(1)``: the verb carries on and exits with its own code."""

        def on_broken_pipe(self):
            self.quiet = True
            reader_gone(self.file)

    return _Console


def make_console(stderr=False, stream=None):
    """A console that is plain (no colour, no cursor tricks) when not a TTY or NO_COLOR is set (``stream``: another
    stream than stdout / stderr)."""
    global _Console
    if _Console is None:
        _Console = _console_class()
    if stream is None:
        stream = sys.stderr if stderr else sys.stdout
    no_color = "NO_COLOR" in os.environ
    width = None
    tty = stream.isatty()
    if not tty:
        # Pipes and logs: tables get a generous width, and text is never hard-wrapped (commands stay copy-pastable).
        try:
            width = int(os.environ.get("COLUMNS", "160"))
        except ValueError:
            width = 160
    return _Console(
        file=stream,
        no_color=no_color,
        highlight=False,
        emoji=False,
        width=width,
        soft_wrap=not tty,
    )


_Console = None  # the class, made on first use (make_console)

# -- the plain console: what rich prints on a stream that is no terminal, without importing rich -----------------------
# rich's markup tags and escapes (rich/markup.py: RE_TAGS, escape): the same expressions, so text escaped here reads
# back exactly as rich reads it
_RE_TAGS = re.compile(r"((\\*)\[([a-z#/@][^[]*?)])")
_RE_ESCAPE = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")
# the style tags the plain console draws as nothing (any other tag: rich prints the line)
_PLAIN_TAGS = frozenset(["bold", "dim", "default"] + list(STATUS_STYLES.values()))
# control codes rich strips from text (rich/control.py: STRIP_CONTROL_CODES: bell, backspace, VT, FF, CR)
_STRIP_CONTROL = {c: None for c in (7, 8, 11, 12, 13)}
# the environment that makes rich treat a stream as a terminal (or a notebook) whatever it is
_TERMINAL_ENV = ("FORCE_COLOR", "TTY_COMPATIBLE", "DATABRICKS_RUNTIME_VERSION")


def escape(markup):
    """rich.markup.escape without importing rich: text that console markup prints as it is."""

    def escape_backslashes(match):
        backslashes, text = match.groups()
        return "{}{}\\{}".format(backslashes, backslashes, text)

    markup = _RE_ESCAPE.sub(escape_backslashes, markup)
    if markup.endswith("\\") and not markup.endswith("\\\\"):
        return markup + "\\"
    return markup


def _plain_markup(markup):
    """The text rich's markup renders for ``markup`` when no style is drawn (rich/markup.py render: tags dropped,
    ``\\[`` read as ``[``, escaped backslashes halved), or None when it holds a tag other than a plain style (rich
    reads those: a link, a handler, a tag closing nothing)."""
    if "[" not in markup:
        return markup
    out = []
    stack = []
    pos = 0
    for m in _RE_TAGS.finditer(markup):
        full, escapes, tag = m.groups()
        start, end = m.span()
        if start > pos:
            out.append(markup[pos:start].replace("\\[", "["))
        if escapes:
            backslashes, escaped = divmod(len(escapes), 2)
            if backslashes:
                out.append("\\" * backslashes)
            if escaped:
                out.append(full[len(escapes):].replace("\\[", "["))
                pos = end
                continue
        if tag == "/":
            if not stack:
                return None
            stack.pop()
        elif tag.startswith("/"):
            if tag[1:] not in stack:
                return None
            del stack[len(stack) - 1 - stack[::-1].index(tag[1:])]
        elif tag in _PLAIN_TAGS:
            stack.append(tag)
        else:
            return None
        pos = end
    if pos < len(markup):
        out.append(markup[pos:].replace("\\[", "["))
    return "".join(out)


class PlainConsole(object):
    """The part of rich's Console that explain's report uses (``print`` of console markup, ``file``, ``quiet``,
    ``soft_wrap``), for a stream that is no terminal: what rich prints there, without importing rich — no colour, no
    wrapping, markup tags dropped, rich's control codes stripped. A line it cannot print the same way (a tab, which
    rich expands by cell widths; another tag; other arguments) goes to a rich console made then."""

    is_terminal = False

    def __init__(self, stream):
        self.file = stream
        self.quiet = False
        self.soft_wrap = True
        self._rich = None

    def _delegate(self):
        if self._rich is None:
            self._rich = make_console(stream=self.file)
            self._rich.soft_wrap = self.soft_wrap
        self._rich.quiet = self.quiet
        return self._rich

    def print(self, *objects, **kwargs):
        text = None
        if not kwargs and len(objects) <= 1 and all(isinstance(o, str) for o in objects) and self.soft_wrap:
            text = _plain_markup(objects[0]) if objects else ""
            if text is not None and "\t" in text:
                text = None
        if text is None:
            rich = self._delegate()
            rich.print(*objects, **kwargs)
            self.quiet = rich.quiet
            return
        if self.quiet:
            return
        try:
            self.file.write(text.translate(_STRIP_CONTROL) + "\n")
            self.file.flush()
        except BrokenPipeError:
            self.quiet = True
            reader_gone(self.file)


def plain_console(stderr=False):
    """:class:`PlainConsole` where rich would print plain text (a stream that is no terminal, outside a notebook, no
    FORCE_COLOR / TTY_COMPATIBLE), else :func:`make_console`'s rich console."""
    import builtins

    stream = sys.stderr if stderr else sys.stdout
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = True  # (rich decides)
    idle = getattr(sys.stdin, "__module__", "").startswith("idlelib")
    if tty or idle or hasattr(builtins, "get_ipython") or any(v in os.environ for v in _TERMINAL_ENV):
        return make_console(stderr)
    return PlainConsole(stream)


def print_table(console, table):
    """Print a rich ``table`` without cutting what a person copies from it.

    Columns marked ``no_wrap`` hold ids, names and numbers: they are never cut. The other columns wrap, and fold a
    word longer than the column instead of ending it in "…". When the console is too narrow for that
    (``COLUMNS=40``), the table is drawn as wide as it needs and the terminal wraps its lines: nothing is lost.
    """
    import io

    from rich.console import Console
    from rich.measure import Measurement

    def plain(cell):
        return console.render_str(cell).plain if isinstance(cell, str) else getattr(cell, "plain", "")

    whole, words = [], []
    for column in table.columns:
        cells = [plain(c) for c in [column.header] + list(column.cells)]
        if column.no_wrap:
            whole += [c for c in cells if c]
        else:
            column.overflow = "fold"
            words += [w[:40] for c in cells for w in c.split()]  # whole words (ids, versions); only very long ones fold

    def fits(width):
        probe = Console(file=io.StringIO(), width=width, no_color=True, color_system=None, emoji=False,
                        highlight=False, legacy_windows=False)
        probe.print(table, crop=False)
        text = probe.file.getvalue()
        return all(w in text for w in words) and all(any(w in line for line in text.splitlines()) for w in whole)

    saved = table.width
    measured = Measurement.get(console, console.options.update_width(10 ** 4), table)
    widest = measured.maximum
    if widest > console.width and not fits(console.width):
        lo, hi = console.width, widest  # the narrowest width at which nothing is cut (it fits at the widest)
        # Each probe renders the whole table, so try the likely answer first: the table's minimum width (every
        # column at its longest word or unwrapped cell). When it fits and one less does not, that is the answer
        # in two renders; otherwise the two probes only narrow the bisection below.
        guess = measured.minimum
        for probe in (guess, guess - 1):
            if lo < probe < hi:
                table.width = probe
                if fits(probe):
                    hi = probe
                else:
                    lo = probe
        while lo + 1 < hi:
            mid = (lo + hi) // 2
            table.width = mid
            if fits(mid):
                hi = mid
            else:
                lo = mid
        table.width = hi
    try:
        console.print(table, crop=False)
    finally:
        table.width = saved


def shown(path):
    """``path`` as a person reads it best: relative to the working directory when it is below it."""
    path = str(path)
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return path
    return path if rel == os.pardir or rel.startswith(os.pardir + os.sep) else rel


def mark(status, console=None):
    """The mark for a status, e.g. ✓ for ok; ASCII if the console's stream cannot encode it."""
    stream = console.file if console is not None else sys.stdout
    sym = STATUS_MARKS.get(status, "?")
    if not _can_encode(stream, sym):
        sym = ASCII_MARKS.get(status, "?")
    return sym


def styled_mark(status, console=None):
    """``[green]✓[/]``-style markup for a status mark."""
    return "[{}]{}[/]".format(STATUS_STYLES.get(status, "default"), mark(status, console))


def emit_json(obj, stream=None):
    """Write one JSON document to stdout (the only thing --json prints there)."""
    write_stdout(json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False, default=str) + "\n", stream)


def write_stdout(data, stream=None):
    """Write text (or bytes, to the binary buffer) and flush; a reader that went away is not an error."""
    stream = stream or sys.stdout
    try:
        if isinstance(data, bytes):
            stream.flush()
            buf = getattr(stream, "buffer", None)
            if buf is not None:
                buf.write(data)
                buf.flush()
                return
            data = data.decode("utf-8", "replace")  # pragma: no cover - a text-only stream (embedding)
        stream.write(data)
        stream.flush()
    except BrokenPipeError:
        reader_gone(stream)


@contextlib.contextmanager
def progress(description, total=None, enabled=True):
    """A progress bar on stderr for long work; a silent no-op when stderr is not a terminal.

    Yields ``advance(n=1)``.
    """
    console = make_console(stderr=True)
    if not enabled or not console.is_terminal:
        yield lambda n=1: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    with bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)
