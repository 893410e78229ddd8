"""Does `ascendfix explain` read a log the same way whatever layer it came through? (metamorphic benchmark)

    python benchmarks/bench_explain_formats.py                # per format: how often the top answer stays the same
    python benchmarks/bench_explain_formats.py --json         # the same as JSON
    python benchmarks/bench_explain_formats.py --misses       # also each text whose top answer changed
    python benchmarks/bench_explain_formats.py --format html --format ansi   # only these formats
    python benchmarks/bench_explain_formats.py --stride 4     # every 4th text (a quicker look)

The texts are real: every signature's ``examples.match`` (rules/signatures, each copied from a public source) and the
raw captures of tests/data/logs. Each is explained plain, then once per *format* — one transformation that wraps the
text the way one real layer does (a GitHub quote, an IPython / Jupyter traceback, ``docker compose logs``,
``kubectl logs --prefix``, a GitHub Actions log, journald, torchrun, a Ray worker, an HTML page, Docker's json-file
driver, a JSON string field, Windows line endings, a pytest report; read27: pdsh / DeepSpeed's multi-node launcher,
Slurm's srun --label, Open MPI's --tag-output, Docker BuildKit's plain progress). Each format's docstring names a public page that
shows that format (registered in /work/coord/kb-sources.txt).

This is metamorphic testing: the wrapped texts are *transformations* of real lines, built here; they are never
presented as real logs, and they never enter the knowledge base or a corpus. The relation tested is that the layer
changes nothing: the top answer (signature / code id and category) of the wrapped text is the plain text's. A text
explained to nothing plain must stay silent wrapped. It measures the engine's *reading* (prefixes, escapes, decoding),
not its families: no held-out or guiding log is used.

The pure-Python pre-filter path is used (the CLI's for a small file); tests/test_explain_formats.py checks that the grep
path gives the same answers on a few texts of each format.
"""

import argparse
import html
import io
import json
import os
import re
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from ascendfix.explain.engine import explain_stream  # noqa: E402
from ascendfix.explain.kb import load_signatures  # noqa: E402

LOG_DIR = os.path.join(ROOT, "tests", "data", "logs")


def _per_line(prefix):
    def wrap(text):
        return "\n".join(prefix + line for line in text.split("\n"))
    return wrap


def quote(text):
    """A log pasted in a GitHub comment as a Markdown quote: "> " before each line (">" alone on an empty one).
    https://docs.github.com/en/get-started/writing-on-github/getting-started-with-writing-and-formatting-on-github/basic-writing-and-formatting-syntax#quoting-text"""
    return "\n".join("> " + line if line else ">" for line in text.split("\n"))


_EXC_LINE = re.compile(r"^(\s*)((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Error|Exception|Interrupt|Exit|Warning))(:.*|)$")
_FRAME = re.compile(r'^(\s*)File "([^"]+)", line (\d+), in (.+)$')


def ipython(text):
    """Copied from a Jupyter / IPython 8 cell's output: a rule of dashes, "<Exception>   Traceback (most recent call
    last)" instead of the header, frames as "File path:N, in func()" with the failing line after "----> N".
    https://ipython.readthedocs.io/en/stable/whatsnew/version8.html"""
    lines = text.split("\n")
    out = []
    for i, line in enumerate(lines):
        if line.strip() == "Traceback (most recent call last):":
            exc = "Exception"
            for later in lines[i + 1:]:
                m = _EXC_LINE.match(later)
                if m and not later.startswith((" ", "\t")):
                    exc = m.group(2).rsplit(".", 1)[-1]
                    break
            out.append("-" * 75)
            out.append("{:<42}Traceback (most recent call last)".format(exc))
            continue
        m = _FRAME.match(line)
        if m:
            out.append("File {}:{}, in {}()".format(m.group(2), m.group(3), m.group(4)))
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if nxt.startswith("    ") and not _FRAME.match(nxt):
                lines[i + 1] = "----> {} {}".format(m.group(3), nxt.strip())
            continue
        out.append(line)
    return "\n".join(out)


def ansi(text):
    """Terminal / notebook colours kept in the paste: the exception's name coloured as IPython's ultratb does
    ("\\x1b[0;31mValueError\\x1b[0m: ..."), a log level coloured as colour loggers do.
    https://github.com/ipython/ipython/blob/main/IPython/core/ultratb.py"""
    out = []
    for line in text.split("\n"):
        m = _EXC_LINE.match(line)
        if m:
            line = "{}\x1b[0;31m{}\x1b[0m{}".format(m.group(1), m.group(2), m.group(3))
        else:
            line = re.sub(r"\b(ERROR|WARNING|CRITICAL)\b", "\x1b[31m\\1\x1b[0m", line, count=1)
        out.append(line)
    return "\n".join(out)


def compose(text):
    """``docker compose logs``: the service and replica, padded, then "| " before each line.
    https://docs.docker.com/reference/cli/docker/compose/logs/ (a real one: https://github.com/itzg/docker-mc-proxy/issues/63)"""
    return _per_line("sdxl-worker-1  | ")(text)


def kubectl(text):
    """``kubectl logs --prefix``: "[pod/NAME/CONTAINER] " before each line.
    https://kubernetes.io/docs/reference/kubectl/generated/kubectl_logs/"""
    return _per_line("[pod/sdxl-infer-7d9f8b6c5-x2k4q/infer] ")(text)


def gha(text):
    """A GitHub Actions job log: a 7-digit RFC 3339 time before each line. https://github.com/cli/cli/pull/11172"""
    return _per_line("2025-07-04T14:32:14.5612144Z ")(text)


def journald(text):
    """``journalctl`` (short output, the syslog form): "Mon DD HH:MM:SS host ident[pid]: " before each line.
    https://www.freedesktop.org/software/systemd/man/latest/journalctl.html,
    https://gist.github.com/turboBasic/3673e69e4728173fe933b4c5cd33919f"""
    return _per_line("Jan 30 16:21:56 npu-node-3 python3[3633]: ")(text)


def torchrun(text):
    """torchrun with rank-prefixed output: "[rank0]: " before each line. https://github.com/huggingface/accelerate/issues/3565"""
    return _per_line("[rank0]: ")(text)


def ray(text):
    """A Ray worker's output forwarded to the driver: "(RayWorkerWrapper pid=N, ip=A) " before each line.
    https://github.com/vllm-project/vllm/issues/7074"""
    return _per_line("(RayWorkerWrapper pid=1890, ip=10.41.0.8) ")(text)


def html_page(text):
    """A log copied from an HTML page's source (or an HTML-escaped field): & < > " ' escaped as &amp; &lt; &gt;
    &quot; &#x27;. https://docs.python.org/3/library/html.html"""
    return html.escape(text, quote=True)


def docker_json(text):
    """Docker's json-file driver: one JSON object per line, the line in "log" with its newline escaped.
    https://docs.docker.com/engine/logging/drivers/json-file/"""
    return "\n".join(json.dumps({"log": line + "\n", "stream": "stderr", "time": "2019-01-01T11:11:11.111111111Z"},
                                ensure_ascii=False, separators=(",", ":")) for line in text.split("\n"))


def json_field(text):
    """A whole log held in one JSON string field (an API response, a job record): one line, literal \\n and \\".
    https://docs.python.org/3/library/json.html"""
    return json.dumps({"job": "sdxl-infer", "log": text}, ensure_ascii=False)


def crlf(text):
    """Windows line endings. https://git-scm.com/docs/gitattributes"""
    return text.replace("\n", "\r\n") + "\r\n"


def pytest_report(text):
    """A pytest failure report: a "____ test_x ____" header, each line of the exception's text after "E       ".
    https://docs.pytest.org/en/stable/how-to/output.html"""
    return "_" * 20 + " test_generate " + "_" * 20 + "\n" + _per_line("E       ")(text)


def pdsh(text):
    """pdsh, DeepSpeed's default multi-node launcher (PDSHRunner): each line of a worker's output after its host name and
    ": ". https://linux.die.net/man/1/pdsh, https://github.com/deepspeedai/DeepSpeed/blob/master/deepspeed/launcher/multinode_runner.py"""
    return _per_line("worker-0: ")(text)


def srun(text):
    """Slurm's ``srun --label``: each line after its task number and ": ". https://slurm.schedmd.com/srun.html"""
    return _per_line("0: ")(text)


def mpirun(text):
    """Open MPI's ``mpirun --tag-output``: "[jobid,rank]<stderr>:" before each line.
    https://docs.open-mpi.org/en/v5.0.x/man-openmpi/man1/mpirun.1.html"""
    return _per_line("[1,0]<stderr>:")(text)


def buildkit(text):
    """``docker build --progress=plain`` (BuildKit): the build's header and the step, then the step's output after
    "#N <seconds> ". https://docs.docker.com/build/building/variables/#buildkit_progress"""
    return ("#0 building with \"default\" instance using docker driver\n\n#5 [3/7] RUN python generate.py\n"
            + _per_line("#5 12.34 ")(text))


FORMATS = {
    "quote": quote, "ipython": ipython, "ansi": ansi, "compose": compose, "kubectl": kubectl, "gha": gha,
    "journald": journald, "torchrun": torchrun, "ray": ray, "html": html_page, "docker_json": docker_json,
    "json_field": json_field, "crlf": crlf, "pytest": pytest_report,
    # read27
    "pdsh": pdsh, "srun": srun, "mpirun": mpirun, "buildkit": buildkit,
}


def texts(stride=1):
    """[(name, text)]: every signature's examples.match, then the raw captures of tests/data/logs."""
    out = []
    for sig in load_signatures():
        for i, ex in enumerate(sig.examples["match"]):
            out.append(("{}#{}".format(sig.id, i), ex["text"]))
    for name in sorted(os.listdir(LOG_DIR)):
        if name.endswith(".log"):
            with open(os.path.join(LOG_DIR, name), "rb") as fh:
                out.append((name, fh.read().decode("utf-8", "replace")))
    return out[::stride]


def top(text, use_grep=False):
    """(id, category) of the top answer, or None."""
    doc = explain_stream(io.BytesIO(text.encode("utf-8", "surrogateescape")), limit=1, use_grep=use_grep)
    if not doc["matches"]:
        return None
    m = doc["matches"][0]
    return (m["id"], m["category"])


def run(formats, stride=1):
    items = texts(stride)
    plain = [top(t) for _, t in items]
    rows, misses = {}, []
    for fmt in formats:
        t0 = time.time()
        same_id = same_cat = named = named_same = 0
        for (name, text), want in zip(items, plain):
            got = top(FORMATS[fmt](text))
            same_id += got == want
            same_cat += (got and got[1]) == (want and want[1])
            if want is not None:
                named += 1
                named_same += got == want
            if got != want:
                misses.append({"format": fmt, "text": name, "plain": want, "wrapped": got})
        rows[fmt] = {"texts": len(items), "same_top": same_id, "same_category": same_cat, "named_plain": named,
                     "named_same": named_same, "invariance": round(same_id / len(items), 4),
                     "seconds": round(time.time() - t0, 1)}
    return rows, misses


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--format", action="append", choices=sorted(FORMATS), help="only this format (repeatable)")
    ap.add_argument("--stride", type=int, default=1, help="every N-th text only")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--misses", action="store_true", help="list each text whose top answer changed")
    args = ap.parse_args(argv)
    formats = args.format or list(FORMATS)
    rows, misses = run(formats, max(1, args.stride))
    if args.json:
        doc = {"formats": rows}
        if args.misses:
            doc["misses"] = misses
        print(json.dumps(doc, indent=1))
        return 0
    print("{:<12} {:>6} {:>9} {:>9} {:>11}  {:>5}".format("format", "texts", "same top", "same cat", "invariance", "s"))
    for fmt, r in rows.items():
        print("{:<12} {:>6} {:>9} {:>9} {:>10.1%}  {:>5}".format(fmt, r["texts"], r["same_top"], r["same_category"],
                                                               r["invariance"], r["seconds"]))
    if args.misses:
        for m in misses:
            print("{format:<12} {text:<60} {plain} -> {wrapped}".format(**m))
    return 0


if __name__ == "__main__":
    sys.exit(main())
