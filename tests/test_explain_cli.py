"""`ascendfix explain` as a user runs it: files, stdin, folders, id and code pages, --json, exit codes,
plain output. In-process (``ascendfix.cli.main``) where a subprocess proves nothing; a few real
subprocesses for stdin, pipes and the environment."""

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ascendfix.cli import main

LOGS = Path(__file__).parent / "data" / "logs"
MASKEDFILL = LOGS / "ms27_cpu_maskedfill_fp16.log"
MATCH_KEYS = ["id", "category", "title", "rank", "role", "kind", "evidence", "cause", "fix", "apply_rule", "links"]
DOC_KEYS = ["matches", "lines_read", "notes", "key_lines", "sources", "first_failure"]


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run ``ascendfix ARGS`` in-process: (exit code, stdout, stderr)."""
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")

    def _run(*args, env=None):
        for k, v in (env or {}).items():
            monkeypatch.setenv(k, v)
        rc = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return rc, out, err

    return _run


def test_file_match_human(cli):
    rc, out, err = cli("explain", MASKEDFILL)
    assert rc == 0, err
    assert "AF003" in out and "MaskedFill" in out
    assert "line 11: TypeError: Select CPU operator[MaskedFill] fail! Unsupported data type!" in out
    assert "more:  ascendfix explain AF003" in out
    assert "masked-fill-dtype" in out
    assert "19 lines read" in out and "(maskedfill_dtype, #1)" in out and "confidence" not in out
    assert err == ""


def test_stdin(run_cli):
    r = run_cli("explain", "-", input=MASKEDFILL.read_bytes())
    assert r.returncode == 0
    assert "AF003" in r.stdout.decode() and "from stdin" in r.stdout.decode()


def test_json_shape(cli):
    rc, out, _ = cli("explain", "--json", LOGS / "py38_runtime_alias_after_future_import.log")
    assert rc == 0
    doc = json.loads(out)
    assert list(doc) == DOC_KEYS
    assert doc["lines_read"] == 5
    assert [m["id"] for m in doc["matches"]] == ["AF012", "AF011"]
    for i, m in enumerate(doc["matches"], 1):
        assert list(m)[: len(MATCH_KEYS)] == MATCH_KEYS
        assert m["rank"] == i and m["role"] in ("cause", "consequence", "wrapper", "context")
        assert all(list(e) == ["line", "text"] and isinstance(e["line"], int) for e in m["evidence"])
    assert doc["matches"][0]["evidence"][0] == {"line": 4, "text": "ChatType = list[dict[str, str]]"}
    assert doc["sources"][0]["top"]["id"] == "AF012" and doc["sources"][0]["failed"] is True
    assert doc["first_failure"]["id"] == "AF012"


def test_library_report_is_the_json_document(cli):
    from ascendfix.explain.operation import explain

    report = explain(str(MASKEDFILL))
    rc, out, _ = cli("explain", "--json", MASKEDFILL)
    assert report.ok and report.exit_code == rc == 0
    assert json.loads(out) == json.loads(json.dumps(report.to_dict()))
    assert explain(text=MASKEDFILL.read_text()).matches[0]["id"] == "AF003"
    assert explain(io.BytesIO(MASKEDFILL.read_bytes())).matches[0]["id"] == "AF003"


def test_limit(cli):
    doc = json.loads(cli("explain", "--json", "-n", "1", MASKEDFILL)[1])
    assert len(doc["matches"]) == 1
    doc = json.loads(cli("explain", "--json", "--limit", "0", MASKEDFILL)[1])
    assert len(doc["matches"]) == 2


def test_no_known_signature_exits_1_and_shows_key_lines(cli, tmp_path):
    log = tmp_path / "ok.log"
    log.write_text("step 1/30\nstep 2/30\nimage saved to out.png\n")
    rc, out, _ = cli("explain", log)
    assert rc == 1
    assert "no known signature" in out and "3 lines read" in out
    doc = json.loads(cli("explain", "--json", log)[1])
    assert doc["matches"] == [] and doc["lines_read"] == 3 and doc["key_lines"] == []
    # an unknown failure (captured: a Python script dividing by zero): the last exception is shown
    crash = tmp_path / "crash.log"
    r = subprocess.run([sys.executable, "-c", "def main():\n    return 1 / 0\nmain()"], capture_output=True)
    crash.write_bytes(r.stderr)
    rc, out, _ = cli("explain", crash)
    assert rc == 1 and "key lines" in out and "(exception): ZeroDivisionError: division by zero" in out
    doc = json.loads(cli("explain", "--json", crash)[1])
    assert [k["kind"] for k in doc["key_lines"]] == ["traceback", "exception"]
    assert doc["sources"][0]["failed"] is True


def test_harmless_log_is_silent(cli, tmp_path):
    """A fallback notice followed by a finished run: no cause, exit 1, the notice only as a note."""
    from ascendfix.explain.kb import find_signature

    log = tmp_path / "run.log"
    log.write_text(find_signature("AF015").examples["match"][0]["text"] + "\n")
    rc, out, _ = cli("explain", log)
    assert rc == 1 and "no failure found" in out and "AF015" in out
    doc = json.loads(cli("explain", "--json", log)[1])
    assert doc["matches"] == [] and [n["id"] for n in doc["notes"]] == ["AF015"]


def test_empty_file(cli, tmp_path):
    (tmp_path / "empty.log").write_bytes(b"")
    rc, out, _ = cli("explain", "--json", tmp_path / "empty.log")
    doc = json.loads(out)
    assert rc == 1 and doc["matches"] == [] and doc["lines_read"] == 0


def test_missing_file_one_line_exit_2(cli, tmp_path):
    rc, out, err = cli("explain", tmp_path / "nope.log")
    assert rc == 2
    assert err.count("\n") == 1 and "no such file" in err and "Traceback" not in err
    assert out == ""
    rc, out, _ = cli("explain", "--json", tmp_path / "nope.log")
    assert rc == 2 and json.loads(out)["error"]["exit_code"] == 2


def test_empty_folder_glob_and_missing_target(cli, tmp_path):
    rc, _, err = cli("explain", tmp_path)
    assert rc == 2 and err.count("\n") == 1 and "no log files" in err
    rc, _, err = cli("explain", str(tmp_path / "*.log"))
    assert rc == 2 and "no file matches" in err
    rc, _, err = cli("explain")
    assert rc == 2 and err.count("\n") == 1


def test_id_page(cli):
    rc, out, _ = cli("explain", "AF003")
    assert rc == 0
    assert out.startswith("AF003: MaskedFill")
    for part in ("Cause", "Fix", "Real log excerpt", "masked-fill-dtype", "For MaskedFill, the dtype of input"):
        assert part in out
    assert cli("explain", "af003")[0] == 0
    page = json.loads(cli("explain", "--json", "AF014")[1])
    assert page["id"] == "AF014" and page["apply_rule"] == "py38-annotations" and page["examples"]["match"]


@pytest.mark.parametrize("code,family", [
    ("EZ9999", "cann"), ("EI0006", "cann"), ("EZ4242", "cann"), ("507035", "acl"), ("561003", "acl"),
    ("ERR01100", "torch_npu"), ("err02200", "torch_npu"), ("HCCL_E_TIMEOUT", "hccl"), ("MIE06E000004", "mindie"),
    ("ACL_ERROR_RT_AICORE_EXCEPTION", "acl"), ("0x7020014", "rt"), ("0X07020009", "rt"), ("RT_ERROR_DRV_OCCUPY", "rt"),
])
def test_code_page(cli, code, family):
    rc, out, _ = cli("explain", code)
    assert rc == 0 and "Meaning" in out and "Next step" in out and "https://" in out
    page = json.loads(cli("explain", "--json", code)[1])
    assert page["family"] == family and page["meaning"] and page["source"].startswith("https://")


def test_unknown_id_exit_2(cli):
    rc, _, err = cli("explain", "AF999")
    assert rc == 2
    assert err.count("\n") == 1 and "unknown signature id" in err
    assert cli("explain", "EX12345")[0] == 2  # neither a file nor an id


def test_file_named_like_an_id_is_read_as_a_file(cli, tmp_path, monkeypatch):
    (tmp_path / "AF001").write_bytes(MASKEDFILL.read_bytes())
    monkeypatch.chdir(tmp_path)
    rc, out, _ = cli("explain", "--json", "AF001")
    assert json.loads(out)["matches"][0]["id"] == "AF003"


def test_list(cli):
    rc, out, _ = cli("explain", "--list")
    assert rc == 0 and "AF001" in out and "AF029" in out and "error-code tables" in out
    doc = json.loads(cli("explain", "--list", "--json")[1])
    assert len(doc["signatures"]) >= 35
    assert {f["family"] for f in doc["code_families"]} >= {"cann", "acl", "torch_npu", "hccl", "mindie"}


def _run_plain(args, env_extra):
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    env.update(env_extra)
    return subprocess.run([sys.executable, "-m", "ascendfix"] + args, capture_output=True, env=env, timeout=120)


@pytest.mark.process  # two real processes: --full and CI's Python 3.8 run
def test_plain_output_without_tty():
    # a real pipe with a colour terminal's TERM and no NO_COLOR: only the pipe keeps the output plain
    for args in (["explain", str(MASKEDFILL)], ["explain", "AF003"]):
        r = _run_plain(args, {"TERM": "xterm-256color"})
        assert r.returncode == 0
        assert b"\x1b" not in r.stdout and b"\x1b" not in r.stderr, args


def test_plain_output_with_no_color(run_cli):
    # NO_COLOR=1 on top of a colour terminal's TERM: checked in-process (a subprocess proves nothing more here)
    for args in (["explain", str(MASKEDFILL)], ["explain", "AF003"]):
        r = run_cli(*args, env={"TERM": "xterm-256color", "NO_COLOR": "1"})
        assert r.returncode == 0
        assert b"\x1b" not in r.stdout and b"\x1b" not in r.stderr, args


def test_log_text_with_markup_is_printed_verbatim(cli, tmp_path):
    log = tmp_path / "x.log"
    log.write_text("[bold]RuntimeError: The kernel ZerosLikeExt unregistered.[/bold] [red]x[/red]\n")
    out = cli("explain", log)[1]
    assert "[bold]RuntimeError: The kernel ZerosLikeExt unregistered.[/bold] [red]x[/red]" in out


def test_import_path_stays_light():
    """explain must not drag in libcst or any framework on its import path."""
    code = (
        "import sys; from ascendfix.explain import cli, engine, kb, operation, codes, sources, lines;"
        "bad = [m for m in ('libcst', 'mindspore', 'torch', 'numpy') if m in sys.modules]; print(bad)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert r.stdout.strip() == b"[]", r.stdout


def _rules_copy(tmp_path):
    import shutil

    root = Path(__file__).resolve().parents[1] / "rules"
    dst = tmp_path / "rules"
    shutil.copytree(str(root), str(dst))
    return dst


def test_new_entry_needs_no_code(cli, tmp_path):
    """A signature added as data is matched, ranked and explained without touching the engine."""
    rules = _rules_copy(tmp_path)
    (rules / "signatures" / "AF900-test-entry.yaml").write_text(
        textwrap.dedent(
            """\
            id: AF900
            category: cann_env
            title: libcublas missing (test entry)
            priority: 99
            patterns:
              - regex: '(?P<lib>libcublas\\.so\\.\\d{1,3}): cannot open shared object file'
                anchors: ['libcublas']
            cause: '{lib} is a CUDA library[? ({lib})?]'
            fix: 'install CUDA'
            links: []
            explanation: test
            examples:
              match:
                - text: 'ImportError: libcublas.so.10: cannot open shared object file: No such file or directory'
                  source: https://github.com/mindspore-ai/mindspore/issues/62
              no_match:
                - text: 'ImportError: libmpi.so.40: cannot open shared object file: No such file or directory'
                  source: https://github.com/mindspore-ai/mindspore/issues/64
            """
        ),
        encoding="utf-8",
    )
    log = tmp_path / "x.log"
    log.write_text("ImportError: libcublas.so.10: cannot open shared object file: No such file or directory\n")
    env = {"ASCENDFIX_RULES_DIR": str(rules)}
    rc, out, _ = cli("explain", "--json", log, env=env)
    doc = json.loads(out)
    assert rc == 0 and doc["matches"][0]["id"] == "AF900"
    assert doc["matches"][0]["cause"] == "libcublas.so.10 is a CUDA library (libcublas.so.10)"
    assert cli("explain", "AF900", env=env)[0] == 0


def test_malformed_entry_is_one_line_exit_2(cli, tmp_path):
    rules = _rules_copy(tmp_path)
    env = {"ASCENDFIX_RULES_DIR": str(rules)}
    bad = rules / "signatures" / "AF003-maskedfill-dtype.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("priority: 90", "priority: high"), encoding="utf-8")
    rc, _, err = cli("explain", MASKEDFILL, env=env)
    assert rc == 2 and err.count("\n") == 1
    assert "AF003-maskedfill-dtype.yaml" in err and "priority" in err and "Traceback" not in err
    rules2 = _rules_copy(tmp_path / "second")  # a fresh folder: rule files are cached per folder in-process
    (rules2 / "signatures" / "AF003-maskedfill-dtype.yaml").write_text("id: AF003\n  patterns: [\n", encoding="utf-8")
    rc, _, err = cli("explain", MASKEDFILL, env={"ASCENDFIX_RULES_DIR": str(rules2)})
    assert rc == 2 and "invalid YAML" in err and err.count("\n") == 1


def test_malformed_code_table_is_one_line_exit_2(cli, tmp_path):
    rules = _rules_copy(tmp_path)
    env = {"ASCENDFIX_RULES_DIR": str(rules)}
    fam = rules / "codes" / "hccl.yaml"
    fam.write_text(fam.read_text(encoding="utf-8").replace("prefilter: 'hcclRet -> [0-9]'", "prefilter: 'hcclRet\\d'"),
                   encoding="utf-8")
    rc, _, err = cli("explain", MASKEDFILL, env=env)
    assert rc == 2 and err.count("\n") == 1 and "hccl.yaml" in err and "prefilter" in err


def test_verbose_adds_every_evidence_line_the_relations_and_the_key_lines(cli):
    """A real log whose cause (AF023) matches 7 lines: 3 shown by default, all 7 with -v."""
    log = LOGS / "ms27_device_target_ascend_without_cann.log"
    rc, quiet, _ = cli("explain", log)
    rc_v, loud, err = cli("explain", log, "-v")
    assert rc == rc_v == 0 and err == ""
    doc = json.loads(cli("explain", log, "--json", "-v")[1])
    top = doc["matches"][0]
    assert top["id"] == "AF023" and len(top["evidence"]) == 7
    assert len(json.loads(cli("explain", log, "--json")[1])["matches"][0]["evidence"]) == 3
    text = log.read_text(encoding="utf-8").splitlines()
    shown = [ln for ln in loud.split("AF023", 1)[1].split("cause:", 1)[0].splitlines() if ln.startswith("    line ")]
    assert len(shown) == 7
    for ln in shown:  # every evidence line is the log's own line, with its number
        num, body = ln.strip()[len("line "):].split(": ", 1)
        assert body.strip("…") in text[int(num) - 1]  # long lines are cut around the match
    assert "key lines" in loud and "key lines" not in quiet
    assert "logs:" in loud and "logs:" not in quiet
    for link in top["links"]:
        assert link in loud
    if len(doc["matches"]) > 1:
        assert "how they relate:" in loud
        for m in doc["matches"]:
            rel = m["role"] + (" of " + m["consequence_of"] if m.get("consequence_of") else "")
            assert "#{} {} — {}".format(m["rank"], m["id"], rel) in loud


def test_verbose_relations_name_the_cause_a_consequence_follows(cli):
    """A real CANN plog (ModelArts, 8 NPUs) where a consequence follows its cause."""
    log = LOGS.parent / "plog" / "modelarts_8p" / "process_log" / "debug" / "plog" / "plog-11116_20230131024824451.log"
    doc = json.loads(cli("explain", log, "--json", "-n", "0")[1])
    chained = [m for m in doc["matches"] if m.get("consequence_of")]
    assert chained, doc["matches"]
    out = cli("explain", log, "-v", "-n", "0")[1]
    for m in chained:
        assert "#{} {} — {} of {}".format(m["rank"], m["id"], m["role"], m["consequence_of"]) in out


def test_verbose_id_page_shows_every_excerpt_and_the_patterns(cli):
    from ascendfix.explain.kb import find_signature

    sig = find_signature("AF003")
    quiet = cli("explain", "AF003")[1]
    loud = cli("explain", "AF003", "-v")[1]
    assert quiet.count("Real log excerpt") == 1
    assert loud.count("Real log excerpt") == len(sig.examples["match"])
    for p in sig.entry["patterns"]:
        assert p["regex"] in loud and p["regex"] not in quiet
