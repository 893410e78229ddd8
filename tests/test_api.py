"""The library API: `import ascendfix as af; af.<verb>(...)` returns a report whose to_dict() is the verb's --json
document, ok/exit_code agree with the CLI, user mistakes raise AscendfixError, and importing ascendfix is cheap."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import ascendfix as af
from ascendfix import api, reports
from ascendfix.errors import AscendfixError

DATA = Path(__file__).resolve().parent / "data"
LOG = DATA / "logs" / "ms27_cpu_maskedfill_fp16.log"


def test_importing_ascendfix_is_cheap():
    code = ("import sys, ascendfix; print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('ascendfix', 'yaml', 'rich', 'libcst', 'packaging', 'tomlkit')))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "['ascendfix']", r.stdout + r.stderr


def test_verbs_are_callable_even_after_their_package_is_imported():
    import ascendfix.apply.engine  # noqa: F401  (binds ascendfix.apply to the package)
    import ascendfix.check.engine  # noqa: F401

    assert callable(af.check) and callable(af.apply) and callable(af.explain) and callable(af.smoke)
    assert callable(af.revert)
    from ascendfix.check import run_checks  # the package is still the package

    assert callable(run_checks)


def test_check_is_the_json_document(run_cli, capsys, own_python_first):
    rep = af.check(only=["python", "packages", "env"], strict=True)
    assert isinstance(rep, reports.CheckReport)
    assert capsys.readouterr().out == ""  # a library call prints nothing on stdout
    r = run_cli("check", "--only", "python", "packages", "env", "--strict", "--json")
    assert rep.to_dict() == json.loads(r.stdout)
    assert rep.exit_code == r.returncode and rep.ok == (r.returncode == 0)
    assert rep.findings and rep.summary["strict"] is True
    # every category but `system`: free disk space and memory move between two runs on a busy machine
    from ascendfix.check.engine import CATEGORIES

    cats = [c for c, _ in CATEGORIES if c != "system"]
    full = af.check(only=cats)
    assert full.to_dict() == json.loads(run_cli("check", "--only", *cats, "--json").stdout)
    assert not full.ok and full.by_status("error")  # no NPU on this machine


def _tree(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "m.py").write_text('def f(x: list[int]) -> dict[str, int]:\n    return {}\n\ns = "ab".removeprefix("a")\n')
    (tree / "pyproject.toml").write_text('[project]\nname = "tree"\n')  # a source checkout
    return tree


def test_apply_and_revert(run_cli, tmp_path):
    tree = _tree(tmp_path)
    before = (tree / "m.py").read_bytes()
    rep = af.apply(tree, rules=["py38-annotations", "py38-stdlib"], mode="diff")
    assert isinstance(rep, reports.ApplyReport) and rep.mode == "diff" and not rep.ok
    r = run_cli("apply", tree, "--rule", "py38-annotations", "--rule", "py38-stdlib", "--diff", "--json")
    assert rep.to_dict() == json.loads(r.stdout) and rep.exit_code == r.returncode == 1
    rep = af.apply(str(tree), rules="py38-stdlib")
    assert rep.ok and rep.written and rep.changed_files == ["m.py"] and rep.journal
    assert rep.exit_code == rep["exit_code"] == 0
    assert (tree / "m.py").read_bytes() != before
    rv = af.revert(tree)
    assert isinstance(rv, reports.RevertReport) and rv.ok and rv.restored == ["m.py"]
    assert (tree / "m.py").read_bytes() == before
    with pytest.raises(AscendfixError) as e:
        af.revert(tree)  # nothing to revert: the CLI's exit 1
    assert e.value.exit_code == 1


def test_user_mistakes_raise(tmp_path):
    with pytest.raises(AscendfixError) as e:
        af.apply(tmp_path / "nope")
    assert e.value.exit_code == 2 and "no such directory" in str(e.value)
    with pytest.raises(AscendfixError, match="--stack no-such-stack: expected one of"):
        af.check(stack="no-such-stack")
    with pytest.raises(AscendfixError, match="mode must be"):
        af.apply(tmp_path, mode="fix")
    with pytest.raises(AscendfixError, match="no such interpreter"):
        af.smoke(python=tmp_path / "python")


def test_explain_from_a_path_bytes_text_stream_or_id(run_cli):
    cli = json.loads(run_cli("explain", LOG, "--json").stdout)
    data = LOG.read_bytes()
    for source in (LOG, str(LOG), data, data.decode("utf-8"), io.BytesIO(data)):
        rep = af.explain(source)
        assert isinstance(rep, reports.ExplainReport) and rep.ok
        doc = rep.to_dict()
        if isinstance(source, (str, Path)) and "\n" not in str(source):
            assert doc == cli
        else:  # the log itself: the same answer; its source is named "text" / "stream" instead of the path
            assert (doc["matches"], doc["lines_read"]) == (cli["matches"], cli["lines_read"])
            assert doc["sources"][0]["kind"] in ("text", "stream")
    assert af.explain(b"nothing to see\n").ok is False
    page = af.explain("AF003")
    assert isinstance(page, reports.SignaturePage) and page.id == "AF003"
    assert page.to_dict() == json.loads(run_cli("explain", "AF003", "--json").stdout)
    assert [m["id"] for m in af.explain(data, limit=1).matches] == [cli["matches"][0]["id"]]
    # a text stream too (open(path) without "b", StringIO), and every page `ascendfix explain ID` shows
    with open(str(LOG), encoding="utf-8") as fh:
        assert af.explain(fh).matches == cli["matches"]
    assert af.explain(io.StringIO(data.decode("utf-8"))).matches == cli["matches"]
    for page_id in ("EZ9999", "507011"):
        page = af.explain(page_id)
        assert isinstance(page, reports.SignaturePage)
        assert page.to_dict() == json.loads(run_cli("explain", page_id, "--json").stdout)


def test_smoke(run_cli, tmp_path, own_python_first):
    from ascendfix.smoke.report import SmokeReport

    rep = af.smoke(tiny=True, device="CPU", out=tmp_path / "a", preflight=False)
    assert isinstance(rep, SmokeReport) and isinstance(rep, reports.Report) and not rep.ok and rep.exit_code == 1
    assert rep["status"] == "fail" and rep["failure"]["stage"] == "requirements" and rep.out == tmp_path / "a"
    cli = json.loads(run_cli("smoke", "--tiny", "--device", "CPU", "--out", tmp_path / "b", "--no-preflight",
                             "--json").stdout)
    volatile = ("started", "timings", "out")  # out: the --json document adds it to report.json's
    assert {k: v for k, v in rep.to_dict().items() if k not in volatile} == {k: v for k, v in cli.items()
                                                                               if k not in volatile}


def test_to_dict_is_a_copy():
    rep = af.explain(LOG)
    rep.to_dict()["matches"].clear()
    assert rep.matches


def test_report_is_a_verb_of_the_library_too(run_cli, tmp_path, capsys):
    """af.report writes the page like `ascendfix report` and returns a reports.Report whose to_dict() is the --json
    document (with the files written); its exit code is the CLI's (0: the page is written whatever it shows)."""
    import ascendfix.report  # noqa: F401  (binds ascendfix.report to the package: still callable)

    smoke = DATA / "smoke" / "reports" / "ms27-tiny-a"
    rep = af.report(out=tmp_path / "lib.html", smoke=smoke, log=LOG, check=False)
    assert capsys.readouterr().out == ""
    assert isinstance(rep, reports.Report) and isinstance(rep, reports.ReportDocument)
    assert rep.ok and rep.exit_code == 0 and rep.written["html"] == str(tmp_path / "lib.html")
    assert (tmp_path / "lib.html").is_file() and (tmp_path / "lib.json").is_file()
    r = run_cli("report", "--out", tmp_path / "cli.html", "--smoke", smoke, "--log", LOG, "--no-check", "--json")
    cli = json.loads(r.stdout)
    assert r.returncode == rep.exit_code
    volatile = ("generated", "written")
    assert {k: v for k, v in rep.to_dict().items() if k not in volatile} == {k: v for k, v in cli.items()
                                                                               if k not in volatile}
    assert cli["written"]["html"] == str(tmp_path / "cli.html")
    with pytest.raises(AscendfixError):
        af.report(out=tmp_path / "lib.html", check=False, smoke=False)  # exists: not overwritten without force


def test_library_calls_do_not_go_through_the_command_line(tmp_path, monkeypatch):
    """apply, revert and compare call their operations directly (api.py's docstring says so): the CLI's run()
    is never entered."""
    from ascendfix.apply import cli as apply_cli, revert_cli
    from ascendfix.compare import cli as compare_cli

    def refuse(*a, **k):
        raise AssertionError("the library went through the CLI")

    for mod in (apply_cli, revert_cli, compare_cli):
        monkeypatch.setattr(mod, "run", refuse)
    monkeypatch.setattr(api, "_run", refuse)
    tree = _tree(tmp_path)
    assert af.apply(tree, rules="py38-stdlib").written
    assert af.revert(tree).restored == ["m.py"]
    with pytest.raises(AscendfixError):
        af.compare([str(tmp_path / "missing")])
