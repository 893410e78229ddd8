"""One self-contained HTML page from a report document: no network, no external assets, no JavaScript.

The generated image is embedded as a ``data:`` URI, the charts as inline SVG (or HTML bars), the styles
inline. Links to sources are plain links (nothing is fetched when the page opens). Every value is
HTML-escaped.
"""

import base64
import datetime
from html import escape
from pathlib import Path

from ascendfix.report import charts

MARKS = {"ok": "✓", "pass": "✓", "warn": "!", "error": "✗", "fail": "✗", "crashed": "☠", "skip": "–", "info": "·",
         "same": "=", "faster": "✓", "slower": "!"}

CSS = """
body{font:14px/1.45 -apple-system,"Segoe UI",Roboto,"Noto Sans","Helvetica Neue",Arial,sans-serif;color:#1a202c;
 background:#f7fafc;margin:0}
main{max-width:980px;margin:0 auto;padding:18px 22px 40px}
h1{font-size:22px;margin:6px 0 2px}h2{font-size:18px;margin:26px 0 8px;border-bottom:1px solid #e2e8f0;
 padding-bottom:4px}h3{font-size:15px;margin:16px 0 6px}
.meta{color:#4a5568;font-size:12px}
section{background:#fff;border:1px solid #e2e8f0;border-radius:6px;padding:6px 16px 14px;margin-top:14px}
table{border-collapse:collapse;margin:6px 0}th,td{text-align:left;padding:3px 10px 3px 0;vertical-align:top}
thead th{border-bottom:1px solid #cbd5e0;font-weight:600}td.num,th.num{text-align:right}
.ok,.pass,.faster{color:#276749}.warn,.slower{color:#975a16}.error,.fail,.crashed{color:#c53030}
.skip,.info,.same{color:#4a5568}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-weight:600;font-size:12px;margin-right:6px}
.badge.ok,.badge.pass{background:#c6f6d5}.badge.warn{background:#fefcbf}.badge.error,.badge.fail{background:#fed7d7}
.badge.skip,.badge.info{background:#edf2f7}
.row{display:flex;gap:24px;flex-wrap:wrap;align-items:flex-start}.grow{flex:1;min-width:320px}
.shot img{width:256px;height:auto;border:1px solid #cbd5e0;background:#edf2f7}
.shot img.small{image-rendering:pixelated}
figure{margin:8px 0}figcaption{font-weight:600;margin-bottom:4px}
.bars table{width:100%}.bars th{width:170px;font-weight:normal}.bars td{width:auto}
.bar{display:inline-block;height:14px;vertical-align:middle;margin-right:6px}
.bars span{font-size:12px;color:#4a5568;margin-right:10px}
pre{background:#f7fafc;border:1px solid #e2e8f0;padding:8px;overflow-x:auto;font-size:12px;white-space:pre-wrap}
.note{color:#4a5568;font-size:12px}code{font-size:12px}
details summary{cursor:pointer;color:#2b6cb0}
svg.pygal-chart{max-width:100%;height:auto}
dl.settings{display:grid;grid-template-columns:max-content auto max-content auto;gap:2px 12px;margin:4px 0}
dl.settings dt{font-weight:600}dl.settings dd{margin:0}
"""


def _e(x):
    return escape("" if x is None else str(x))


def _mark(status):
    s = str(status or "")
    return '<span class="{}">{}</span>'.format(_e(s), MARKS.get(s, "?"))


def _badge(status, text):
    return '<span class="badge {}">{} {}</span>'.format(_e(status), MARKS.get(status, ""), _e(text))


def png_data_uri(path):
    """``data:image/png;base64,...`` of a PNG file, or None when it is missing or not a PNG."""
    try:
        data = Path(path).read_bytes()
    except (OSError, TypeError):
        return None
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


# ------------------------------------------------------------------ page


def render(doc):
    """The whole page for a report document (see :mod:`ascendfix.report.build`)."""
    parts = []
    gen = doc.get("generated") or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    parts.append("<h1>ascendfix report</h1>")
    parts.append('<div class="meta">generated {} by ascendfix {} · {}</div>'.format(
        _e(gen), _e(doc.get("ascendfix")), _e(doc.get("redaction") or "")))
    parts.append(_overview(doc))
    if doc.get("smoke") is not None:
        parts.append(smoke_section(doc["smoke"]))
    if doc.get("check") is not None:
        parts.append(check_section(doc["check"]))
    if doc.get("explain") is not None:
        parts.append(explain_section(doc["explain"]))
    parts.append(environment_section(doc.get("environment") or {}))
    return _wrap("ascendfix report", "".join(parts))


def _wrap(title, body):
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
            "style-src 'unsafe-inline'\">"
            "<title>{}</title><style>{}</style></head><body><main>{}</main></body></html>\n").format(
                _e(title), CSS, body)


def _overview(doc):
    items = []
    sm = doc.get("smoke")
    if sm is not None:
        if sm.get("missing"):
            items.append(_badge("skip", "smoke: " + sm["missing"]))
        else:
            items.append(_badge("pass" if sm.get("status") == "pass" else "fail",
                                "smoke {}: {}".format("passed" if sm.get("status") == "pass" else "failed",
                                                      (sm.get("recipe") or {}).get("id"))))
    ch = doc.get("check")
    if ch is not None:
        if ch.get("skipped"):
            items.append(_badge("skip", "check: " + ch["skipped"]))
        else:
            c = (ch.get("summary") or {}).get("counts") or {}
            status = "error" if c.get("error") or c.get("crashed") else ("warn" if c.get("warn") else "ok")
            items.append(_badge(status, "check: {} error(s), {} warning(s)".format(c.get("error", 0), c.get("warn", 0))))
    ex = doc.get("explain")
    if ex is not None:
        m = ex.get("matches") or []
        items.append(_badge("info" if m else "skip", "log: {}".format(
            "{} {}".format(m[0]["id"], m[0]["title"]) if m else "no known signature")))
    return '<div class="overview" style="margin-top:10px">{}</div>'.format("".join(items)) if items else ""


# ------------------------------------------------------------------ smoke


def smoke_page(report, report_path=None):
    """A page holding one smoke run (``smoke --html``)."""
    from ascendfix import __version__
    from ascendfix.report.build import smoke_for_page
    from ascendfix.redact import redact, user_home

    sm = redact(smoke_for_page(report, report_path), home=user_home())
    doc = {"ascendfix": __version__, "smoke": sm, "environment": sm.get("environment") or {},
           "redaction": "secrets masked, home folder shown as ~"}
    return render(doc)


def smoke_section(sm):
    if sm.get("missing"):
        return '<section id="smoke"><h2>Smoke run</h2><p class="note">{}</p></section>'.format(_e(sm["missing"]))
    rec = sm.get("recipe") or {}
    v = rec.get("values") or {}
    status = "pass" if sm.get("status") == "pass" else "fail"
    what = "{} ({}, {}, {}{})".format(rec.get("id"), v.get("device"), v.get("dtype"), v.get("mode"),
                                      ", tiny" if rec.get("tiny") else "")
    out = ['<section id="smoke"><h2>Smoke run</h2>']
    out.append("<p>{} <b>{}</b> — {}</p>".format(_badge(status, "passed" if status == "pass" else "failed"),
                                                   _e(what), _e(rec.get("title"))))
    out.append('<p class="meta">started {} · report {}</p>'.format(_e(sm.get("started")), _e(sm.get("source"))))
    img = sm.get("image") or {}
    out.append('<div class="row">')
    if img.get("png_data_uri"):
        small = " small" if (v.get("width") or 1024) < 256 else ""
        out.append('<div class="shot"><img id="smoke-image" class="{}" src="{}" alt="the generated image ({}x{})">'
                   '<div class="note">{}x{} PNG, seed {}</div></div>'.format(
                       small.strip(), img["png_data_uri"], _e(v.get("width")), _e(v.get("height")),
                       _e(v.get("width")), _e(v.get("height")), _e(v.get("seed"))))
    elif img or sm.get("status") == "pass":
        out.append('<div class="shot note">the image file was not found next to the report</div>')
    out.append('<div class="grow">')
    if img.get("checks"):
        out.append("<h3>Image checks</h3><table>")
        for c in img["checks"]:
            out.append("<tr><td>{}</td><td>{}</td><td>{}</td></tr>".format(_mark(c["status"]), _e(c["name"]),
                                                                           _e(c["detail"])))
        out.append("</table>")
    out.append('<h3>Settings</h3><dl class="settings">')
    for key in ("stack", "model_id", "revision", "steps", "width", "height", "dtype", "mode", "device", "guidance",
                "seed", "vae_tiling", "attention_slicing"):
        if v.get(key) is not None:
            val = ("on" if v[key] else "off") if isinstance(v[key], bool) else v[key]
            out.append("<dt>{}</dt><dd>{}</dd>".format(_e(key.replace("_", " ")), _e(val)))
    out.append("</dl>")
    if v.get("prompt"):
        out.append('<p class="note">prompt: {}</p>'.format(_e(v["prompt"])))
    out.append("</div></div>")
    out.append(_failure(sm))
    out.append(_timings(sm))
    out.append(_references(sm.get("references") or []))
    if sm.get("comparison"):
        out.append(_comparison(sm["comparison"]))
    mem = sm.get("memory") or {}
    if mem.get("peak_host_rss_mb") is not None:
        dev = mem.get("device") or {}
        out.append('<p>peak host memory (RSS) {:.0f} MB{}</p>'.format(
            mem["peak_host_rss_mb"], ", device peak {:.0f} MB".format(dev["peak_allocated_mb"])
            if dev.get("peak_allocated_mb") is not None else ""))
    out.append("</section>")
    return "".join(out)


def _failure(sm):
    f = sm.get("failure")
    if not f:
        return ""
    out = ['<h3 class="error">Failure at {}</h3><p>{}</p>'.format(_e(f.get("stage")), _e(f.get("message")))]
    if f.get("hint"):
        out.append("<p><b>hint:</b> {}</p>".format(_e(f["hint"])))
    for m in (sm.get("diagnosis") or {}).get("matches") or []:
        fix = m.get("fix")
        fix = fix if isinstance(fix, str) else "; ".join(map(str, fix or []))
        out.append("<p><b>{}</b> {}</p><pre>{}</pre>".format(_e(m.get("id")), _e(m.get("title")), _e(fix)))
    if f.get("traceback"):
        out.append("<details><summary>traceback</summary><pre>{}</pre></details>".format(_e(f["traceback"])))
    return "".join(out)


def _timings(sm):
    from ascendfix.smoke import timing

    tm = sm.get("timing") or {}
    stats = tm.get("stats") or {}
    if not stats:
        t = sm.get("timings") or {}
        if not t:
            return ""
        stats = {k: timing.summarize([v]) for k, v in t.items() if k in timing.STAGE_LABELS and
                 isinstance(v, (int, float))}
    calls = tm.get("calls") or {"measured": 1, "warmup": 0}
    out = ["<h3>Timings</h3>"]
    chart = charts.stage_chart(stats, "Where the time goes (median of {} measured call{})".format(
        calls.get("measured"), "" if calls.get("measured") == 1 else "s"))
    if chart:
        out.append('<div id="timing-chart" class="chart" data-engine="{}">{}</div>'.format(chart["engine"],
                                                                                         chart["html"]))
    out.append('<table id="timing-table"><thead><tr><th>stage</th><th class="num">median</th>'
               '<th class="num">± MAD</th><th class="num">min</th><th class="num">max</th><th class="num">n</th>'
               "</tr></thead><tbody>")
    for key in timing.STAGE_ORDER:
        s = stats.get(key)
        if not s:
            continue
        unit = "steps/s" if key == timing.RATE else "s"
        out.append('<tr><td>{}</td><td class="num">{:.3g} {}</td><td class="num">{}</td><td class="num">{:.3g}</td>'
                   '<td class="num">{:.3g}</td><td class="num">{}</td></tr>'.format(
                       _e(timing.STAGE_LABELS.get(key, key)), s["median"], unit,
                       "{:.2g}".format(s["mad"]) if s.get("n", 1) > 1 else "", s["min"], s["max"], s.get("n", 1)))
    out.append("</tbody></table>")
    first = tm.get("first_call") or {}
    lines = ["{} measured call(s) after {} warm-up call(s)".format(calls.get("measured"), calls.get("warmup"))]
    if first.get("overhead_s") is not None:
        lines.append(first_call_text(first))
    total = (sm.get("timings") or {}).get("total_wall")
    if total:
        lines.append("the whole smoke took {:.1f} s".format(total))
    out.append('<p class="note">{}</p>'.format("<br>".join(_e(x) for x in lines)))
    return "".join(out)


def first_call_text(first):
    """The first call's one-off (compile/warm-up) cost in words; no cost claimed when it was not slower."""
    t = first["timings"].get("generate", 0)
    kept = ", kept out of the medians" if first.get("warmup") else ""
    if first["overhead_s"] > 0:
        return "first call {:.3g} s: {:.3g} s more than the median of the other {} — the one-off compile/warm-up " \
               "cost{}".format(t, first["overhead_s"], first["compared_with"], kept)
    return "first call {:.3g} s: not slower than the median of the other {} — no one-off cost to see{}".format(
        t, first["compared_with"], kept)


def _references(refs):
    if not refs:
        return ""
    out = ['<h3>Published figures</h3><table id="references"><thead><tr><th></th><th>figure</th>'
           '<th class="num">published</th><th class="num">this run</th><th>verdict</th></tr></thead><tbody>']
    for r in refs:
        pub = r["published"]
        ps = pub.get("settings") or {}
        settings = ", ".join(x for x in (
            "{} steps".format(ps["steps"]) if ps.get("steps") else None,
            "{}x{}".format(ps.get("width"), ps.get("height")) if ps.get("width") else None,
            ps.get("dtype"), ps.get("mode"), ps.get("device")) if x)
        run = r["run"]
        rs = run.get("settings") or {}
        run_settings = "{} steps, {}x{}, {}, {}, {}".format(rs.get("steps"), rs.get("width"), rs.get("height"),
                                                             rs.get("dtype"), rs.get("mode"), run.get("device"))
        out.append(
            '<tr><td>{}</td><td><a href="{}">{}</a><div class="note">{}<br>{}</div></td>'
            '<td class="num">{}{:g} s<div class="note">{}</div></td><td class="num">{}<div class="note">{}</div></td>'
            "<td>{}{}</td></tr>".format(
                _mark("ok" if r["comparable"] else "info"), _e(r["source"]), _e(r["title"]), _e(pub.get("what")),
                _e(pub.get("software")), "about " if pub.get("approx") else "", pub["seconds"], _e(settings),
                "{:.3g} s".format(run["seconds"]) if run.get("seconds") is not None else "–", _e(run_settings),
                _e(r["summary"]), "".join('<div class="note">{}</div>'.format(_e(n)) for n in r.get("notes") or [])))
    out.append("</tbody></table>")
    return "".join(out)


def _comparison(comp):
    out = ['<h3>Compared with an earlier run</h3>']
    old = comp.get("old") or {}
    out.append('<p class="note">then: {} (started {}, {} call(s)) · now: {} call(s) · threshold {:.0f}% · rule: {}'
               '</p>'.format(_e(old.get("report") or "an earlier smoke"), _e(old.get("started")), _e(old.get("calls")),
                             _e((comp.get("new") or {}).get("calls")), comp.get("threshold", 0) * 100,
                             _e(comp.get("rule"))))
    for d in comp.get("differences") or []:
        out.append('<p class="error">✗ settings differ: {} {} then, {} now</p>'.format(_e(d["setting"]), _e(d["old"]),
                                                                                      _e(d["new"])))
    if comp.get("changes"):
        out.append("<p>what changed: {}</p>".format(", ".join(
            "{} {} → {}".format(_e(c["what"]), _e(c["old"]), _e(c["new"])) for c in comp["changes"])))
    chart = charts.compare_chart(comp, "Then and now (median seconds)")
    if chart:
        out.append('<div id="compare-chart" class="chart" data-engine="{}">{}</div>'.format(chart["engine"],
                                                                                          chart["html"]))
    out.append('<table id="compare-table"><thead><tr><th>stage</th><th class="num">then</th><th class="num">now</th>'
               '<th class="num">change</th><th class="num">noise (2σ)</th><th>verdict</th></tr></thead><tbody>')
    for r in comp.get("stages") or []:
        verdict = "regression" if r["regression"] else r["verdict"]
        cls = "error" if r["regression"] else r["verdict"]
        out.append('<tr><td>{}</td><td class="num">{:.3g}</td><td class="num">{:.3g}</td><td class="num">{}</td>'
                   '<td class="num">±{:.2g}</td><td class="{}">{} {}{}</td></tr>'.format(
                       _e(r["label"]), r["old"]["median"], r["new"]["median"],
                       "{:+.1f}%".format(r["change"] * 100) if r.get("change") is not None else "–", 2 * r["noise"],
                       _e(cls), MARKS.get(cls, ""), _e(verdict), "" if r["gated"] else " (not gated)"))
    out.append("</tbody></table>")
    ok = comp.get("ok")
    out.append("<p>{}</p>".format(_badge("ok", "no regression") if ok else _badge(
        "error", "regression: " + ", ".join(comp.get("regressions") or []) if comp.get("regressions")
        else "not comparable")))
    return "".join(out)


# ------------------------------------------------------------------ check, explain, environment


def check_section(ch):
    out = ['<section id="check"><h2>Environment check</h2>']
    if ch.get("skipped"):
        out.append('<p class="note">{}</p></section>'.format(_e(ch["skipped"])))
        return "".join(out)
    summ = ch.get("summary") or {}
    c = summ.get("counts") or {}
    out.append('<p>stack {} ({}), Python {} · {} ok, {} warning(s), {} error(s){}</p>'.format(
        _e(summ.get("stack")), _e(summ.get("stack_source")), _e(summ.get("python")), c.get("ok", 0), c.get("warn", 0),
        c.get("error", 0), ", {} crashed".format(c["crashed"]) if c.get("crashed") else ""))
    findings = ch.get("findings") or []
    problems = [f for f in findings if f.get("status") in ("error", "warn", "crashed")]
    rest = [f for f in findings if f not in problems]
    out.append(_findings_table(problems, "check-problems") if problems else
               "<p>{} no problems found</p>".format(_mark("ok")))
    if rest:
        out.append("<details><summary>{} passing or skipped checks</summary>{}</details>".format(
            len(rest), _findings_table(rest, "check-rest")))
    out.append("</section>")
    return "".join(out)


def _findings_table(findings, table_id):
    out = ['<table id="{}"><tbody>'.format(table_id)]
    for f in findings:
        fixes = "".join("<div>→ <code>{}</code></div>".format(_e(x)) for x in f.get("fix") or [])
        out.append("<tr><td>{}</td><td><b>{}</b><div class=\"note\">{}</div></td><td>{}{}</td></tr>".format(
            _mark(f.get("status")), _e(f.get("title")), _e(f.get("id")), _e(f.get("detail")), fixes))
    out.append("</tbody></table>")
    return "".join(out)


def explain_section(ex):
    out = ['<section id="explain"><h2>Log explained</h2>']
    out.append('<p class="note">{} — {} line(s) read</p>'.format(_e(ex.get("log")), _e(ex.get("lines_read"))))
    matches = ex.get("matches") or []
    if not matches:
        out.append("<p>no known signature in this log</p>")
    for i, m in enumerate(matches):
        role = m.get("role") or "cause"
        tail = "{} of {}".format(role, m["consequence_of"]) if m.get("consequence_of") else role
        out.append("<h3>{} {} {}<span class=\"note\"> (#{}, {}, {})</span></h3>".format(
            _mark("error" if i == 0 else "warn"), _e(m.get("id")), _e(m.get("title")), _e(m.get("rank") or i + 1),
            _e(m.get("category")), _e(tail)))
        ev = "\n".join("line {}: {}".format(e.get("line"), e.get("text")) for e in m.get("evidence") or [])
        if ev:
            out.append("<pre>{}</pre>".format(_e(ev)))
        out.append("<p><b>cause:</b> {}</p><p><b>fix:</b></p><pre>{}</pre>".format(_e(m.get("cause")), _e(m.get("fix"))))
        out.append('<p class="note">more: <code>ascendfix explain {}</code></p>'.format(_e(m.get("id"))))
    out.append("</section>")
    return "".join(out)


def environment_section(env):
    if not env:
        return ""
    out = ['<section id="environment"><h2>Versions and environment</h2><table>']
    for key in ("python_version", "python", "platform", "host", "device", "npu"):
        if env.get(key):
            out.append("<tr><th>{}</th><td>{}</td></tr>".format(_e(key.replace("_", " ")), _e(env[key])))
    pk = env.get("packages") or {}
    for name in sorted(pk):
        out.append("<tr><th>{}</th><td>{}</td></tr>".format(_e(name), _e(pk[name])))
    out.append("</table></section>")
    return "".join(out)
