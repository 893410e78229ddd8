"""Narrow terminals (COLUMNS=40): every verb's tables keep ids, names and numbers whole — nothing ends in "…" and
no column is squeezed to nothing (output.print_table). Fast tier, in-process."""

from pathlib import Path

import pytest

SMOKE_REPORTS = Path(__file__).resolve().parent / "data" / "smoke" / "reports"
NARROW = {"COLUMNS": "40"}


def _out(r):
    assert r.returncode in (0, 1), r.stderr
    text = r.stdout.decode("utf-8")
    assert "…" not in text, text
    return text


def test_smoke_list_keeps_recipe_ids(run_cli):
    from ascendfix.smoke.recipes import load_recipes

    text = _out(run_cli("smoke", "--list", env=NARROW))
    for rid in load_recipes():
        assert rid in text


def test_explain_list_keeps_ids_and_categories(run_cli):
    from ascendfix.explain.kb import load_signatures

    text = _out(run_cli("explain", "--list", env=NARROW))
    lines = text.splitlines()
    for s in load_signatures():
        assert any(s.id in line and s.category in line for line in lines), s.id


def test_apply_summary_keeps_rule_ids_and_counts(run_cli, tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "pyproject.toml").write_text('[project]\nname = "x"\nrequires-python = ">=3.9"\n')
    (tree / "a.py").write_text("def f(x: list[int]) -> None:\n    pass\n")
    text = _out(run_cli("apply", tree, "--check", env=NARROW))
    row = next(line for line in text.splitlines() if "py38-annotations" in line)
    assert row.replace("│", " ").split()[-5:] == ["1", "1", "1", "0", "0"], row  # scanned, files, changes, skipped, reported


def test_smoke_comparison_keeps_numbers(run_cli):
    text = _out(run_cli("smoke", "--compare", SMOKE_REPORTS / "ms27-tiny-a", SMOKE_REPORTS / "ms27-tiny-b",
                        env=NARROW))
    for figure in ("5.77 s", "10.5 s", "+82.8%", "±1.05"):
        assert figure in text


@pytest.mark.parametrize("columns", ["40", "200"])
def test_print_table_loses_nothing(columns, monkeypatch):
    import io

    from rich.table import Table

    from ascendfix.output import make_console, print_table

    monkeypatch.setenv("COLUMNS", columns)
    con = make_console()
    con.file = io.StringIO()
    t = Table()
    t.add_column("id", no_wrap=True)
    t.add_column("title")
    t.add_column("n", justify="right")
    t.add_row("a-rather-long-identifier-0001", "words " * 12 + "supercalifragilistic", "12345")
    print_table(con, t)
    text = con.file.getvalue()
    assert "a-rather-long-identifier-0001" in text and "12345" in text and "…" not in text
    assert t.width is None  # the table is left as it was given


def test_compare_keeps_node_ids_and_items(run_cli, tmp_path):
    import json

    for host, version in (("ascend-worker-node-0001", "2.7.0"), ("ascend-worker-node-0002", "2.7.1")):
        doc = {"findings": [], "summary": {}, "node": {"host": host, "env": {}, "packages": {"mindspore": version}}}
        (tmp_path / (host + ".json")).write_text(json.dumps(doc))
    text = _out(run_cli("compare", tmp_path, env=NARROW))
    lines = text.splitlines()
    for word in ("ascend-worker-node-0001", "ascend-worker-node-0002", "package.mindspore"):
        assert any(word in line for line in lines), word
