"""`ascendfix report` and `smoke --html`: the document, the page (self-contained, escaped, redacted), the verb."""

import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from ascendfix.report import build, charts, page
from ascendfix.redact import redact, redact_text

DATA = Path(__file__).parent / "data" / "smoke"
REPORTS = DATA / "reports"
LOG = DATA / "ms210_mindone050_cpu_tiny_sdxl.traceback.txt"


def _copy_run(name, dest):
    shutil.copytree(str(REPORTS / name), str(dest))
    return dest


def _assert_self_contained(html):
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html.lower()
    assert "<link" not in html.lower() and "@import" not in html and "url(" not in html
    for m in re.finditer(r"\b(src|href|xlink:href)\s*=\s*\"([^\"]*)\"", html):
        attr, value = m.group(1), m.group(2)
        if attr == "src":
            assert value.startswith("data:image/png;base64,"), value[:80]
        else:  # links are to click, never loaded; only in <a>
            start = html.rfind("<", 0, m.start())
            assert html[start:start + 2] == "<a", html[start:m.end()]
    assert "default-src 'none'" in html  # the browser itself refuses any fetch


# ------------------------------------------------------------------ redaction


def test_redaction_is_the_shared_module_with_the_home_folder():
    """The page masks secrets with ascendfix/redact.py's rules (tests/test_redact.py) and shows the home as ~."""
    doc = build.build_report(smoke=False, log=None, check=False)
    assert "home folder shown as ~" in doc.to_dict()["redaction"]
    text = "export HF_TOKEN=hf_abcdef123 https://user:s3cret@mirror.example " + str(Path.home() / "venvs")
    out = redact_text(text, home=str(Path.home()))
    assert out == "export HF_TOKEN=*** https://***@mirror.example ~/venvs"
    assert redact({"HF_TOKEN": "x"}) == {"HF_TOKEN": "***"}


# ------------------------------------------------------------------ the document and the page


def test_document_from_a_real_smoke_and_a_real_log(tmp_path):
    run = _copy_run("ms27-tiny-b", tmp_path / "run-b")
    doc = build.build_report(smoke=run, log=LOG, check=False).to_dict()
    sm = doc["smoke"]
    assert sm["status"] == "pass" and sm["image"]["png_data_uri"].startswith("data:image/png;base64,iVBORw0KGgo")
    assert sm["comparison"]["stages"] and sm["references"]
    assert doc["explain"]["matches"][0]["id"] and doc["explain"]["log"] == LOG.name
    assert doc["environment"]["packages"]["mindspore"] == "2.7.0"
    assert "check" not in doc
    html = page.render(doc)
    _assert_self_contained(html)
    for needle in ('id="smoke-image"', 'id="timing-chart"', 'id="compare-chart"', 'id="references"',
                   'id="explain"', "GeluExt", "not comparable", "Ascend 910B", "mindspore"):
        assert needle in html, needle


def test_page_escapes_what_it_shows():
    rep = json.loads((REPORTS / "ms27-tiny-a" / "report.json").read_text())
    rep["recipe"]["values"]["prompt"] = "<script>alert(1)</script> & <img src=x onerror=alert(2)>"
    rep["failure"] = {"stage": "generate", "message": "</pre><b>x</b>", "traceback": "<svg onload=alert(3)>"}
    html = page.render({"smoke": rep})
    _assert_self_contained(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<img src=x" not in html
    assert "&lt;svg onload=alert(3)&gt;" in html


def test_page_degrades_without_pygal(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pygal", None)  # import pygal -> ImportError, as when the extra is absent
    assert not charts.pygal_available()
    run = _copy_run("ms27-tiny-b", tmp_path / "run-b")
    html = page.render(build.build_report(smoke=run, check=False).to_dict())
    _assert_self_contained(html)
    assert 'data-engine="html"' in html and "<svg" not in html
    assert html.count('class="bar"') >= 6 + 2 * 5  # stage bars, then/now bars


def test_pygal_chart_is_inert_svg():
    pytest.importorskip("pygal")
    stats = json.loads((REPORTS / "ms27-tiny-a" / "report.json").read_text())["timing"]["stats"]
    chart = charts.stage_chart(stats, "t")
    assert chart["engine"] == "pygal" and chart["html"].startswith("<svg")
    assert "<script" not in chart["html"] and "kozea.github.io" not in chart["html"]


def test_smoke_page_finds_the_png_next_to_a_moved_report(tmp_path):
    run = _copy_run("ms27-tiny-a", tmp_path / "moved")
    rep = json.loads((run / "report.json").read_text())
    rep["image"]["path"] = str(tmp_path / "gone" / "sdxl-mindone.png")  # where it was made, since moved
    html = page.smoke_page(rep, run / "report.json")
    assert 'id="smoke-image"' in html and "data:image/png;base64," in html


# ------------------------------------------------------------------ the verb


def test_report_verb_writes_page_and_json(run_cli, tmp_path):
    _copy_run("ms27-tiny-a", tmp_path / "smoke-sdxl-mindone-20260101-000000")
    newest = _copy_run("ms27-tiny-b", tmp_path / "smoke-sdxl-mindone-20260102-000000")
    (newest / "report.json").touch()
    r = run_cli("report", "--no-check", "--log", LOG, "--out", tmp_path / "page.html")
    assert r.returncode == 0, r.stderr.decode()
    assert "wrote" in r.stdout.decode() and "page.json" in r.stdout.decode() and "smoke: sdxl-mindone passed" in r.stdout.decode()
    doc = json.loads((tmp_path / "page.json").read_text())
    assert doc["smoke"]["source"].endswith("20260102-000000/report.json")  # the newest run by default
    html = (tmp_path / "page.html").read_text()
    _assert_self_contained(html)
    # no overwrite without --force; --json prints the document
    r = run_cli("report", "--no-check", "--out", tmp_path / "page.html")
    assert r.returncode == 2 and "--force" in r.stderr.decode() and len(r.stderr.decode().strip().splitlines()) == 1
    r = run_cli("report", "--no-check", "--out", tmp_path / "page.html", "--force", "--json")
    assert r.returncode == 0
    out = json.loads(r.stdout.decode())
    assert out["written"]["html"].endswith("page.html") and out["smoke"]["status"] == "pass"


@pytest.mark.parametrize("args,needle", [
    (["--smoke", "nowhere"], "--smoke nowhere: no such file"),
    (["--log", "missing.log"], "--log missing.log: no such file"),
    (["--smoke", "x", "--no-smoke"], "contradict"),
    (["--out", "no/such/dir/page.html"], "no such directory"),
])
def test_report_bad_input_is_one_line_exit_2(run_cli, args, needle):
    r = run_cli("report", "--no-check", *args)
    assert r.returncode == 2, (r.stdout.decode(), r.stderr.decode())
    assert needle in r.stderr.decode() and len(r.stderr.decode().strip().splitlines()) == 1 and "Traceback" not in r.stderr.decode()


def test_report_without_a_smoke_run_says_so(run_cli, tmp_path):
    r = run_cli("report", "--no-check", "--out", tmp_path / "p.html")
    assert r.returncode == 0
    assert "no smoke run found" in (tmp_path / "p.html").read_text()


def test_report_with_check_findings(run_cli, tmp_path):
    """check runs for real on this interpreter (no NPU here: its NPU checks skip, others report)."""
    r = run_cli("report", "--no-smoke", "--out", tmp_path / "p.html", "--json")
    assert r.returncode == 0, r.stderr.decode()
    doc = json.loads(r.stdout.decode())
    ids = {f["id"] for f in doc["check"]["findings"]}
    assert any(i.startswith("python") for i in ids)
    html = (tmp_path / "p.html").read_text()
    assert 'id="check"' in html and "Environment check" in html


def test_report_verbose_says_what_was_collected_from_where(run_cli, tmp_path):
    run = _copy_run("ms27-tiny-b", tmp_path / "smoke-sdxl-mindone-20260102-000000")
    r = run_cli("report", "--no-check", "--log", LOG, "--out", tmp_path / "page.html")
    quiet = r.stdout.decode()
    r = run_cli("report", "--no-check", "--log", LOG, "--out", tmp_path / "page.html", "--force", "-v")
    assert r.returncode == 0, r.stderr.decode()
    loud = r.stdout.decode()
    assert "collected:" not in quiet and "collected:" in loud
    doc = json.loads((tmp_path / "page.json").read_text())
    lines = loud.split("collected:", 1)[1].splitlines()
    smoke = next(ln for ln in lines if ln.strip().startswith("smoke:"))
    assert doc["smoke"]["source"] in smoke and str(run.name) in smoke and "image embedded" in smoke
    assert any(ln.strip() == "check: left out (--no-check)" for ln in lines)
    log = next(ln for ln in lines if ln.strip().startswith("log:"))
    assert LOG.name in log and "{} lines read".format(doc["explain"]["lines_read"]) in log
    assert doc["explain"]["matches"][0]["id"] in log
    for name, version in doc["environment"]["packages"].items():
        assert "    {} {}".format(name, version) in lines
    assert any(ln.strip().startswith("redaction: secrets masked") for ln in lines)
