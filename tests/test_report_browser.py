"""The shareable page in a real browser: headless Chromium (Debian's package) driven by playwright.

The page is opened from a file URL; the test takes a screenshot and reads its pixels where the generated
image and the timing chart are: the image must be the PNG the smoke wrote, the chart must have drawn its
bars. Every request the page makes is recorded and refused unless it is the page itself (no network, no
external file), and any JavaScript error or console error (a CSP violation is one) fails the test.

Set ASCENDFIX_SCREENSHOT_DIR to keep the screenshots (the README's picture is one of them).
"""

import io
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from support import missing, ms27_python

pytestmark = pytest.mark.full

DATA = Path(__file__).parent / "data" / "smoke"
REPORTS = DATA / "reports"
LOG = DATA / "ms210_mindone050_cpu_tiny_sdxl.traceback.txt"
FLAGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--disable-quic", "--disable-gpu", "--disable-default-apps", "--no-default-browser-check"]
NOW_RGB = (0x2B, 0x6C, 0xB0)  # ascendfix.report.charts.NOW


def _chromium():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        missing("Chromium is not installed (Debian: apt-get install chromium); the page's browser test needs it")
    return path


def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed (pip install -e '.[test]')")
    return sync_playwright


def browse(html_path, shot_path, width=1000):
    """Open ``html_path`` in headless Chromium; return what the page did and a full-page screenshot (PIL)."""
    from PIL import Image

    sync_playwright = _playwright()
    chromium = _chromium()
    url = Path(html_path).absolute().as_uri()
    seen = {"requests": [], "refused": [], "errors": [], "console": []}
    profile = tempfile.mkdtemp(prefix="ascendfix-chromium-")
    try:
        with sync_playwright() as p:
            ctx = p.chromium.launch_persistent_context(
                profile, executable_path=chromium, headless=True, args=FLAGS,
                viewport={"width": width, "height": 900}, device_scale_factor=1)
            try:
                def route(r):
                    if r.request.url == url:
                        r.continue_()
                    else:
                        seen["refused"].append(r.request.url)
                        r.abort()

                ctx.route("**/*", route)
                page = ctx.new_page()
                page.on("request", lambda r: seen["requests"].append(r.url))
                page.on("pageerror", lambda e: seen["errors"].append(str(e)))
                page.on("console", lambda m: seen["console"].append("{}: {}".format(m.type, m.text)))
                page.goto(url, wait_until="load")
                seen["image"] = page.evaluate(
                    "() => { const i = document.querySelector('#smoke-image');"
                    " return i ? {complete: i.complete, w: i.naturalWidth, h: i.naturalHeight} : null; }")
                seen["boxes"] = {}
                for sel in ("#smoke-image", "#timing-chart", "#compare-chart"):
                    loc = page.locator(sel)
                    seen["boxes"][sel] = loc.bounding_box() if loc.count() else None
                seen["text"] = page.inner_text("body")
                png = page.screenshot(full_page=True)
            finally:
                ctx.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    Path(shot_path).write_bytes(png)
    keep = os.environ.get("ASCENDFIX_SCREENSHOT_DIR")
    if keep:
        shutil.copy(str(shot_path), str(Path(keep) / Path(shot_path).name))
    seen["shot"] = Image.open(io.BytesIO(png)).convert("RGB")
    return seen


def _crop(shot, box):
    return shot.crop((int(box["x"]), int(box["y"]), int(box["x"] + box["width"]), int(box["y"] + box["height"])))


def _assert_clean(seen, html_path):
    url = Path(html_path).absolute().as_uri()
    assert seen["refused"] == [], seen["refused"]  # nothing but the page itself was requested
    assert all(u == url or u.startswith("data:") for u in seen["requests"]), seen["requests"]
    assert seen["errors"] == [], seen["errors"]
    assert not [c for c in seen["console"] if c.startswith(("error", "warning"))], seen["console"]


def _assert_image_rendered(seen, png_path):
    """The screenshot where the <img> is shows the PNG the smoke wrote (scaled up, pixelated)."""
    from PIL import Image, ImageChops, ImageStat

    src = Image.open(str(png_path)).convert("RGB")
    assert seen["image"] == {"complete": True, "w": src.width, "h": src.height}
    box = seen["boxes"]["#smoke-image"]
    assert box and box["width"] >= 200
    region = _crop(seen["shot"], box)
    # inside the 1px border, back to the source size
    inner = region.crop((1, 1, region.width - 1, region.height - 1)).resize(src.size, Image.BOX)
    diff = ImageStat.Stat(ImageChops.difference(inner, src)).mean
    assert max(diff) < 12, diff  # the same picture (resampling aside)
    assert min(ImageStat.Stat(inner).stddev) > 10  # and not a flat box


def _bar_pixels(img):
    data = img.tobytes()  # RGB
    r0, g0, b0 = NOW_RGB
    return sum(1 for i in range(0, len(data), 3)
               if abs(data[i] - r0) + abs(data[i + 1] - g0) + abs(data[i + 2] - b0) < 40)


def _assert_chart_rendered(seen, selector="#timing-chart", min_pixels=800):
    box = seen["boxes"][selector]
    assert box and box["width"] > 300 and box["height"] > 100, box
    n = _bar_pixels(_crop(seen["shot"], box))
    assert n >= min_pixels, "only {} bar-coloured pixels in {}".format(n, selector)


def test_tiny_smoke_twice_compared_and_shared(run_cli, tmp_path):
    """The whole story on MindSpore 2.7 CPU: smoke, smoke again with --compare and --html, `ascendfix report`,
    and the page read in Chromium."""
    ms27 = ms27_python()
    a, b = tmp_path / "run-a", tmp_path / "run-b"
    common = ["smoke", "--tiny", "--device", "CPU", "--python", ms27, "--runs", "2", "--warmup", "1"]
    r1 = run_cli(*(common + ["--out", a]), timeout=1800)
    assert r1.returncode == 0, r1.stdout.decode()[-3000:] + r1.stderr.decode()[-3000:]
    r2 = run_cli(*(common + ["--out", b, "--compare", a, "--html"]), timeout=1800)
    rep = json.loads((b / "report.json").read_text())
    comp = rep["comparison"]
    assert rep["status"] == "pass" and comp["comparable"] and comp["stages"]
    assert r2.returncode == (0 if comp["ok"] else 1), r2.stdout.decode()[-3000:]
    text = r2.stdout.decode()
    assert "compared with {} (started".format(a) in text and "report.html" in text
    assert rep["timing"]["calls"] == {"warmup": 1, "measured": 2}
    assert rep["timing"]["first_call"]["warmup"] is True and rep["timing"]["first_call"]["overhead_s"] is not None
    assert [x["id"] for x in rep["references"]] == ["blog-910b-mindone-pynative", "mindone-docs-sdxl-graph-ms231"]
    assert all(not x["comparable"] and "device CPU here" in x["summary"] for x in rep["references"])

    page = tmp_path / "page.html"
    r3 = run_cli("report", "--smoke", b, "--log", LOG, "--python", ms27, "--out", page, timeout=600)
    assert r3.returncode == 0, r3.stderr.decode()
    doc = json.loads(page.with_suffix(".json").read_text())
    assert doc["check"]["summary"]["python"] == rep["environment"]["python_version"]
    assert doc["explain"]["matches"]

    seen = browse(page, tmp_path / "report-page.png")
    _assert_clean(seen, page)
    _assert_image_rendered(seen, b / "sdxl-mindone.png")
    _assert_chart_rendered(seen, "#timing-chart")
    _assert_chart_rendered(seen, "#compare-chart")
    for needle in ("smoke passed", "Published figures", "not comparable", "Compared with an earlier run",
                   "Environment check", "Log explained", "mindspore", "2.7.0"):
        assert needle in seen["text"], needle

    # smoke --html: the smoke part alone, also clean
    seen = browse(b / "report.html", tmp_path / "smoke-page.png")
    _assert_clean(seen, b / "report.html")
    _assert_image_rendered(seen, b / "sdxl-mindone.png")
    _assert_chart_rendered(seen, "#timing-chart")


def test_page_without_pygal_still_draws_its_bars(monkeypatch, tmp_path):
    """Without the optional chart library the page draws the numbers as HTML bars; same checks in Chromium."""
    from ascendfix.report import build, page as page_mod

    run = Path(shutil.copytree(str(REPORTS / "ms27-tiny-b"), str(tmp_path / "run-b")))
    monkeypatch.setitem(sys.modules, "pygal", None)
    html = page_mod.render(build.build_report(smoke=run, log=LOG, check=False).to_dict())
    assert 'data-engine="html"' in html
    path = tmp_path / "fallback.html"
    path.write_text(html, encoding="utf-8")
    seen = browse(path, tmp_path / "fallback.png")
    _assert_clean(seen, path)
    _assert_image_rendered(seen, run / "sdxl-mindone.png")
    _assert_chart_rendered(seen, "#timing-chart", min_pixels=300)
    _assert_chart_rendered(seen, "#compare-chart", min_pixels=300)


def test_a_page_that_reaches_out_is_caught(tmp_path):
    """The harness itself: a page with an external image and a script error must fail both checks."""
    path = tmp_path / "bad.html"
    path.write_text('<!DOCTYPE html><html><body><img src="https://example.com/x.png">'
                    "<script>undefinedThing.call()</script></body></html>")
    seen = browse(path, tmp_path / "bad.png")
    assert seen["refused"] == ["https://example.com/x.png"]
    assert seen["errors"] and "undefinedThing" in seen["errors"][0]
    with pytest.raises(AssertionError):
        _assert_clean(seen, path)
