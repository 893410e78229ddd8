"""`ascendfix explain` as a user runs it: files, stdin, id pages, --json, exit codes, plain output."""

import json
import os
import subprocess
import textwrap
import sys
from pathlib import Path

LOGS = Path(__file__).parent / "data" / "logs"
MASKEDFILL = LOGS / "ms27_cpu_maskedfill_fp16.log"
JSON_KEYS = ["id", "category", "title", "confidence", "evidence", "cause", "fix", "apply_rule"]


def test_file_match_human(run_cli):
    r = run_cli("explain", MASKEDFILL)
    out = r.stdout.decode()
    assert r.returncode == 0, r.stderr
    assert "AF003" in out and "MaskedFill" in out
    assert "line 11: TypeError: Select CPU operator[MaskedFill] fail! Unsupported data type!" in out
    assert "more:  ascendfix explain AF003" in out
    assert "masked-fill-dtype" in out
    assert "19 lines read" in out
    assert r.stderr == b""


def test_stdin(run_cli):
    r = run_cli("explain", "-", input=MASKEDFILL.read_bytes())
    assert r.returncode == 0
    assert "AF003" in r.stdout.decode() and "from stdin" in r.stdout.decode()


def test_json_shape(run_cli):
    r = run_cli("explain", "--json", LOGS / "py38_runtime_alias_after_future_import.log")
    assert r.returncode == 0
    doc = json.loads(r.stdout)
    assert list(doc) == ["matches", "lines_read"]
    assert doc["lines_read"] == 5
    assert [m["id"] for m in doc["matches"]] == ["AF012", "AF011"]
    for m in doc["matches"]:
        assert list(m) == JSON_KEYS
        assert isinstance(m["confidence"], float) and 0 < m["confidence"] < 1
        assert all(list(e) == ["line", "text"] and isinstance(e["line"], int) for e in m["evidence"])
    assert doc["matches"][0]["evidence"][0] == {"line": 4, "text": "ChatType = list[dict[str, str]]"}


def test_limit(run_cli):
    doc = json.loads(run_cli("explain", "--json", "-n", "1", MASKEDFILL).stdout)
    assert len(doc["matches"]) == 1
    doc = json.loads(run_cli("explain", "--json", "--limit", "0", MASKEDFILL).stdout)
    assert len(doc["matches"]) == 2


def test_no_known_signature_exits_1(run_cli, tmp_path):
    log = tmp_path / "ok.log"
    log.write_text("step 1/30\nstep 2/30\nimage saved to out.png\n")
    r = run_cli("explain", log)
    assert r.returncode == 1
    assert "no known signature" in r.stdout.decode() and "3 lines read" in r.stdout.decode()
    doc = json.loads(run_cli("explain", "--json", log).stdout)
    assert doc == {"matches": [], "lines_read": 3}


def test_empty_file(run_cli, tmp_path):
    (tmp_path / "empty.log").write_bytes(b"")
    r = run_cli("explain", "--json", tmp_path / "empty.log")
    assert r.returncode == 1 and json.loads(r.stdout) == {"matches": [], "lines_read": 0}


def test_missing_file_one_line_exit_2(run_cli, tmp_path):
    r = run_cli("explain", tmp_path / "nope.log")
    assert r.returncode == 2
    err = r.stderr.decode()
    assert err.count("\n") == 1 and "no such file" in err and "Traceback" not in err
    assert r.stdout == b""
    r = run_cli("explain", "--json", tmp_path / "nope.log")
    assert r.returncode == 2 and json.loads(r.stdout)["error"]["exit_code"] == 2


def test_directory_and_missing_target(run_cli, tmp_path):
    r = run_cli("explain", tmp_path)
    assert r.returncode == 2 and r.stderr.decode().count("\n") == 1
    r = run_cli("explain")
    assert r.returncode == 2 and r.stderr.decode().count("\n") == 1


def test_id_page(run_cli):
    r = run_cli("explain", "AF003")
    out = r.stdout.decode()
    assert r.returncode == 0
    assert out.startswith("AF003: MaskedFill")
    for part in ("Cause", "Fix", "Real log excerpt", "masked-fill-dtype", "For MaskedFill, the dtype of input"):
        assert part in out
    assert run_cli("explain", "af003").returncode == 0
    page = json.loads(run_cli("explain", "--json", "AF014").stdout)
    assert page["id"] == "AF014" and page["apply_rule"] == "py38-annotations" and page["examples"]["match"]


def test_unknown_id_exit_2(run_cli):
    r = run_cli("explain", "AF999")
    assert r.returncode == 2
    assert r.stderr.decode().count("\n") == 1 and "unknown signature id" in r.stderr.decode()


def test_file_named_like_an_id_is_read_as_a_file(run_cli, tmp_path):
    (tmp_path / "AF001").write_bytes(MASKEDFILL.read_bytes())
    r = run_cli("explain", "--json", "AF001", cwd=tmp_path)
    assert json.loads(r.stdout)["matches"][0]["id"] == "AF003"


def test_list(run_cli):
    r = run_cli("explain", "--list")
    assert r.returncode == 0 and "AF001" in r.stdout.decode() and "AF029" in r.stdout.decode()
    doc = json.loads(run_cli("explain", "--list", "--json").stdout)
    assert len(doc["signatures"]) >= 29


def _run_plain(args, env_extra):
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    env.update(env_extra)
    return subprocess.run([sys.executable, "-m", "ascendfix"] + args, capture_output=True, env=env, timeout=120)


def test_plain_output_without_tty_and_with_no_color():
    for extra in ({"TERM": "xterm-256color"}, {"TERM": "xterm-256color", "NO_COLOR": "1"}):
        for args in (["explain", str(MASKEDFILL)], ["explain", "AF003"], ["explain", "--list"]):
            r = _run_plain(args, extra)
            assert r.returncode == 0
            assert b"\x1b" not in r.stdout and b"\x1b" not in r.stderr, args


def test_log_text_with_markup_is_printed_verbatim(run_cli, tmp_path):
    log = tmp_path / "x.log"
    log.write_text("[bold]RuntimeError: The kernel ZerosLikeExt unregistered.[/bold] [red]x[/red]\n")
    out = run_cli("explain", log).stdout.decode()
    assert "[bold]RuntimeError: The kernel ZerosLikeExt unregistered.[/bold] [red]x[/red]" in out


def test_import_path_stays_light():
    """explain must not drag in libcst or any framework on its import path."""
    code = (
        "import sys; from ascendfix.explain import cli, engine, kb;"
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


def test_new_entry_needs_no_code(run_cli, tmp_path):
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
    r = run_cli("explain", "--json", log, env={"ASCENDFIX_RULES_DIR": str(rules)})
    doc = json.loads(r.stdout)
    assert r.returncode == 0 and doc["matches"][0]["id"] == "AF900"
    assert doc["matches"][0]["cause"] == "libcublas.so.10 is a CUDA library (libcublas.so.10)"
    assert run_cli("explain", "AF900", env={"ASCENDFIX_RULES_DIR": str(rules)}).returncode == 0


def test_malformed_entry_is_one_line_exit_2(run_cli, tmp_path):
    rules = _rules_copy(tmp_path)
    bad = rules / "signatures" / "AF003-maskedfill-dtype.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("priority: 90", "priority: high"), encoding="utf-8")
    r = run_cli("explain", MASKEDFILL, env={"ASCENDFIX_RULES_DIR": str(rules)})
    err = r.stderr.decode()
    assert r.returncode == 2 and err.count("\n") == 1
    assert "AF003-maskedfill-dtype.yaml" in err and "priority" in err and "Traceback" not in err
    bad.write_text("id: AF003\n  patterns: [\n", encoding="utf-8")
    r = run_cli("explain", MASKEDFILL, env={"ASCENDFIX_RULES_DIR": str(rules)})
    assert r.returncode == 2 and "invalid YAML" in r.stderr.decode() and r.stderr.decode().count("\n") == 1
