"""Gather what goes on the shareable page: check findings, the last smoke run, an explained log — redacted.

:func:`build_report` returns a :class:`ReportDocument` (``.ok``, ``.to_dict()`` — the JSON document, which
the HTML page shows in full). The document's keys: ``ascendfix``, ``generated``, ``redaction``, ``environment``
(Python, platform, host, package versions), ``check`` ({findings, summary} or {skipped}), ``smoke`` (the
report.json of the run with the PNG embedded as ``image.png_data_uri``, or {missing}), ``explain`` ({log,
lines_read, matches} or absent).
"""

import datetime
import os
from pathlib import Path

from ascendfix.errors import EXIT_OK, AscendfixError
from ascendfix.reports import Report

REDACTION = ("secrets masked as *** (environment-style names with TOKEN, SECRET, PASSWORD, API_KEY, ...; the user "
             "and password in URLs; Authorization headers); the home folder shown as ~")


class ReportDocument(Report):
    """``ascendfix report``: the page's document (:class:`ascendfix.reports.Report`). ``to_dict()`` is the
    ``--json`` document; it names the files written (``written``) once :func:`write_page` wrote them. The verb
    has no negative outcome (the page is written whatever it shows): ``exit_code`` is 0 and ``ok`` True;
    ``clean`` says whether nothing on the page is a failure."""

    verb = "report"

    def __init__(self, doc, page=None):
        super(ReportDocument, self).__init__(doc)
        self.page = page  # the HTML bytes written, once written

    @property
    def exit_code(self):
        return EXIT_OK

    @property
    def clean(self):
        """Nothing on the page is a failure: no check errors, the smoke (if any) passed."""
        ch, sm = self._doc.get("check") or {}, self._doc.get("smoke") or {}
        check_ok = not ((ch.get("summary") or {}).get("counts") or {}).get("error")
        smoke_ok = sm.get("missing") is not None or not sm or sm.get("status") == "pass"
        return bool(check_ok and smoke_ok)

    @property
    def written(self):
        """{"html": path, "json": path} once written, else None."""
        return self._doc.get("written")


def write_page(out=None, force=False, smoke=None, log=None, check=True, python=None, stack=None, weights=None):
    """Build the document (:func:`build_report`) and write it: ``out`` (default ``./ascendfix-report-<time>.html``)
    and the JSON document beside it (``.json``); an existing file is kept unless ``force``. ``python`` defaults
    to the interpreter of the smoke run shown, when it still exists here. Returns the :class:`ReportDocument`
    whose ``to_dict()`` is ``ascendfix report --json``."""
    from ascendfix.fsutil import json_bytes, utf8, write_output
    from ascendfix.report.page import render

    html_path, json_path = _targets(out, force)
    if python is None and check and smoke is not False:
        python = _smoke_python(smoke)
    doc = build_report(smoke=smoke, log=log, check=check, python=python, stack=stack, weights=weights).to_dict()
    page = utf8(render(doc))
    write_output(json_path, json_bytes(doc), "--out")
    write_output(html_path, page, "--out")
    return ReportDocument(dict(doc, written={"html": str(html_path), "json": str(json_path)}), page)


def _targets(out, force):
    if out:
        html = Path(os.path.expanduser(os.fspath(out))).absolute()
    else:
        from ascendfix.fsutil import unused_name

        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        # the page and its .json beside it: neither may exist yet
        html = Path(unused_name("ascendfix-report-{}".format(stamp), ".html", ".json") + ".html").absolute()
    if html.is_dir():
        raise AscendfixError("--out {}: is a directory; give a file name such as report.html".format(out))
    if not html.parent.is_dir():
        raise AscendfixError("--out {}: no such directory {}".format(out, html.parent))
    js = html.with_suffix(".json") if html.suffix.lower() in (".html", ".htm") else Path(str(html) + ".json")
    for p in (html, js):
        if p.exists() and not force:
            raise AscendfixError("--out {}: {} exists; pass --force to overwrite it".format(out or html.name, p.name))
    return html, js


def _smoke_python(smoke):
    """The interpreter the smoke ran with, when it still exists here (the page then describes one environment)."""
    try:
        from ascendfix.smoke.report import load_report

        path = smoke or find_last_smoke()
        if path is None:
            return None
        py = (load_report(path, flag="--smoke").get("environment") or {}).get("python")
    except AscendfixError:
        return None  # reported properly by build_report
    return py if py and os.path.isfile(py) and os.access(py, os.X_OK) else None


def find_last_smoke(folder="."):
    """The newest ``smoke-*/report.json`` (smoke's default output folders) under ``folder``, or None."""
    best = None
    for p in Path(folder).glob("smoke-*/report.json"):
        try:
            t = p.stat().st_mtime
        except OSError:
            continue
        if best is None or t > best[0]:
            best = (t, p)
    return best[1] if best else None


def smoke_for_page(report, report_path=None):
    """A smoke report with its PNG embedded (found next to report.json first) and its source named."""
    from ascendfix.report.page import png_data_uri
    from ascendfix.smoke.report import png_of

    sm = dict(report)
    img = dict(sm.get("image") or {})
    png = png_of(report, report_path)
    if img:
        uri = png_data_uri(png) if png else None
        if uri:
            img["png_data_uri"] = uri
        sm["image"] = img
    elif png is None and report_path is not None:
        # a failed run may still have saved its PNG (image checks failed): show it
        rid = (report.get("recipe") or {}).get("id")
        p = Path(report_path)
        cand = (p if p.is_dir() else p.parent) / "{}.png".format(rid)
        uri = png_data_uri(cand)
        if uri:
            sm["image"] = {"path": str(cand), "png_data_uri": uri}
    if report_path is not None:
        sm["source"] = str(report_path)
    return sm


def build_report(smoke=None, log=None, check=True, python=None, stack=None, weights=None):
    """The report document.

    ``smoke``: a report.json or its folder; None = the newest ./smoke-*/report.json; False = leave it out.
    ``log``: a log file to explain (or None). ``check``: run ``ascendfix check`` (with ``python``, ``stack``,
    ``weights``) for the findings.
    """
    from ascendfix import __version__
    from ascendfix.redact import redact, user_home

    doc = {"ascendfix": __version__,
           "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
           "redaction": REDACTION}
    explain = _explain(log) if log else None  # bad --log is exit 2 before the slower parts
    sm = None
    if smoke is not False:
        sm = _smoke(smoke)
    if check:
        doc["check"] = _check(python, stack, weights)
    if sm is not None:
        doc["smoke"] = sm
    if explain is not None:
        doc["explain"] = explain
    doc["environment"] = _environment(doc)
    return ReportDocument(redact(doc, home=user_home()))


def _smoke(path):
    from ascendfix.smoke.report import load_report

    if path is None:
        found = find_last_smoke()
        if found is None:
            return {"missing": "no smoke run found in this folder (run `ascendfix smoke`, or pass --smoke DIR)"}
        path = found
    report = load_report(path, flag="--smoke")
    return smoke_for_page(report, path)


def _check(python, stack, weights):
    try:
        from ascendfix.check import make_context, load_checks
        from ascendfix.check import engine
    except ImportError as e:
        return {"skipped": "check unavailable: {}".format(e)}
    load_checks()
    if weights is not None and not Path(os.path.expanduser(weights)).is_dir():
        raise AscendfixError("--weights {}: no such directory".format(weights))
    ctx = make_context(stack=stack, weights=os.path.expanduser(weights) if weights else None, python=python)
    findings = engine.run(ctx)
    summary = engine.summarize(findings)
    py = ctx.environment.get("python", {})
    summary.update({"stack": ctx.stack, "stack_source": ctx.stack_source, "python": py.get("version"),
                    "executable": py.get("executable")})
    return {"findings": findings, "summary": summary, "environment": _packages_of(ctx.environment)}


def _packages_of(environment):
    from ascendfix import stacks
    from ascendfix.target import canonical_name

    wanted = [canonical_name(d) for d in stacks.packages().values()]  # what the stacks import (rules/stacks.yaml)
    dists = environment.get("distributions") or {}
    return {n: dists[n]["version"] for n in wanted if n in dists}


def _explain(log):
    from ascendfix.explain.engine import explain_stream

    p = Path(os.path.expanduser(str(log)))
    if p.is_dir():
        raise AscendfixError("--log {}: is a directory, not a log file".format(log))
    try:
        with open(str(p), "rb") as fh:
            rep = explain_stream(fh)
    except FileNotFoundError:
        raise AscendfixError("--log {}: no such file".format(log))
    except OSError as e:
        raise AscendfixError("--log {}: cannot read: {}".format(log, e.strerror or e))
    return dict(rep, log=p.name)


def _environment(doc):
    import platform

    env = {"platform": platform.platform(), "host": platform.node()}
    sm = doc.get("smoke") or {}
    senv = sm.get("environment") or {}
    ch = doc.get("check") or {}
    summ = ch.get("summary") or {}
    env["python_version"] = senv.get("python_version") or summ.get("python")
    env["python"] = senv.get("python") or summ.get("executable")
    for k in ("device", "npu"):
        if senv.get(k):
            env[k] = senv[k]
    pk = dict(ch.get("environment") or {})
    pk.update(senv.get("framework") or {})
    if senv.get("framework") is None:
        pk.update(senv.get("packages") or {})
    env["packages"] = pk
    return env
