"""Timing charts as static inline SVG (pygal, the optional ``ascendfix[report]`` extra), or plain HTML bars.

pygal was chosen for the page (pure Python, one small wheel, static SVG with no server and no JavaScript
needed, Python 3.8+ on any architecture); its tooltip script, which it would load from the web, is turned off
and its inline configuration script removed, so the SVG is inert. Without pygal the same numbers are drawn as
HTML/CSS bars: the page stays readable and self-contained.
"""

import re
from html import escape

NOW = "#2b6cb0"
THEN = "#a0aec0"
CHART_STAGES = ("import", "build_tiny", "load", "text_encoding", "denoising", "vae_decode")


def pygal_available():
    try:
        import pygal  # noqa: F401
    except ImportError:
        return False
    return True


def _label(key):
    from ascendfix.smoke.timing import STAGE_LABELS

    return STAGE_LABELS.get(key, key)


def _series(stats):
    rows = []
    for key in CHART_STAGES:
        s = (stats or {}).get(key)
        if s and s.get("median") is not None:
            rows.append((key, s))
    return rows


def stage_chart(stats, title):
    """``{"engine": "pygal"|"html", "html": fragment}``: where one smoke's time goes, median with min–max."""
    rows = _series(stats)
    if not rows:
        return None
    if pygal_available():
        import pygal

        chart = _pygal_chart(pygal, len(rows), title)
        rows = rows[::-1]  # pygal draws the first label at the bottom: first stage on top
        chart.x_labels = [_label(k) for k, _ in rows]
        values = []
        for _, s in rows:
            v = {"value": s["median"]}
            if s.get("n", 1) > 1:
                v["ci"] = {"low": s["min"], "high": s["max"]}
            values.append(v)
        chart.add("median (s)", values)
        return {"engine": "pygal", "html": _inert(chart.render(is_unicode=True))}
    top = max(s["max"] if s.get("max") is not None else s["median"] for _, s in rows) or 1.0
    bars = [(_label(k), [(s["median"], NOW, _fmt(s))]) for k, s in rows]
    return {"engine": "html", "html": _html_bars(title, bars, top)}


def compare_chart(comparison, title):
    """Then and now per stage (seconds; steps/s is left to the table)."""
    rows = [r for r in comparison.get("stages") or [] if r["unit"] == "s" and r["stage"] in CHART_STAGES]
    if not rows:
        return None
    if pygal_available():
        import pygal

        chart = _pygal_chart(pygal, len(rows) * 2, title, legend=True, colors=(THEN, NOW))
        rows = rows[::-1]
        chart.x_labels = [r["label"] for r in rows]
        chart.add("then", [r["old"]["median"] for r in rows])
        chart.add("now", [r["new"]["median"] for r in rows])
        return {"engine": "pygal", "html": _inert(chart.render(is_unicode=True))}
    top = max(max(r["old"]["median"], r["new"]["median"]) for r in rows) or 1.0
    bars = [(r["label"], [(r["old"]["median"], THEN, "then {:.3g} s".format(r["old"]["median"])),
                          (r["new"]["median"], NOW, "now {:.3g} s".format(r["new"]["median"]))]) for r in rows]
    return {"engine": "html", "html": _html_bars(title, bars, top)}


def _pygal_chart(pygal, n, title, legend=False, colors=(NOW,)):
    from pygal.style import Style

    style = Style(background="#ffffff", plot_background="#ffffff", foreground="#2d3748", foreground_strong="#1a202c",
                  foreground_subtle="#718096", colors=colors, font_family="sans-serif", value_font_size=12,
                  label_font_size=12, title_font_size=15, legend_font_size=12, opacity="1", opacity_hover="0.85")
    return pygal.HorizontalBar(
        style=style, js=[], disable_xml_declaration=True, show_legend=legend, legend_at_bottom=True,
        width=760, height=max(180, 60 + 34 * n), explicit_size=True, print_values=True, title=title,
        value_formatter=lambda x: "{:.3g} s".format(x), margin=12, truncate_label=40, show_y_guides=False)


def _inert(svg):
    """No script in the page: pygal's inline config script only serves its (disabled) tooltips."""
    return re.sub(r"<script\b.*?</script>", "", svg, flags=re.S)


def _fmt(s):
    text = "{:.3g} s".format(s["median"])
    if s.get("n", 1) > 1:
        text += " ({:.3g}–{:.3g}, n={})".format(s["min"], s["max"], s["n"])
    return text


def _html_bars(title, groups, top):
    out = ['<figure class="bars"><figcaption>{}</figcaption><table>'.format(escape(title))]
    for label, bars in groups:
        cells = []
        for value, colour, text in bars:
            width = max(0.5, 75.0 * value / top)  # room for the label beside the longest bar
            cells.append('<div class="bar" style="width:{:.1f}%;background:{}"></div><span>{}</span>'.format(
                width, colour, escape(text)))
        out.append('<tr><th>{}</th><td>{}</td></tr>'.format(escape(label), "".join(cells)))
    out.append("</table></figure>")
    return "".join(out)
