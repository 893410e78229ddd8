"""Loading of rules/ and recipes/: found from any folder, safe_load, one-line validation errors."""

import pytest

from ascendfix import data
from ascendfix.errors import DataError


def test_data_roots_exist():
    assert data.data_root("rules").is_dir()
    assert data.data_root("recipes").is_dir()


def test_malformed_yaml_names_file_and_position(tmp_path, monkeypatch):
    (tmp_path / "signatures").mkdir()
    (tmp_path / "signatures" / "bad.yaml").write_text("id: X\npatterns: [unclosed\n")
    monkeypatch.setenv("ASCENDFIX_RULES_DIR", str(tmp_path))
    with pytest.raises(DataError) as e:
        data.load_entries("rules", "signatures")
    msg = str(e.value)
    assert "bad.yaml" in msg and "line" in msg and "\n" not in msg


def test_validation_names_field(tmp_path, monkeypatch):
    (tmp_path / "signatures").mkdir()
    (tmp_path / "signatures" / "x.yaml").write_text("id: AF999\ntitle: 3\n")
    monkeypatch.setenv("ASCENDFIX_RULES_DIR", str(tmp_path))
    fields = {"id": data.Field(str), "title": data.Field(str), "patterns": data.Field(list, items=str)}
    with pytest.raises(DataError) as e:
        data.load_entries("rules", "signatures", fields)
    assert "x.yaml" in str(e.value) and "'title'" in str(e.value)


def test_yaml_is_safe_loaded(tmp_path, monkeypatch):
    (tmp_path / "signatures").mkdir()
    (tmp_path / "signatures" / "evil.yaml").write_text("id: !!python/object/apply:os.system ['echo pwned']\n")
    monkeypatch.setenv("ASCENDFIX_RULES_DIR", str(tmp_path))
    with pytest.raises(DataError):
        data.load_entries("rules", "signatures")


def test_duplicate_ids_rejected(tmp_path, monkeypatch):
    (tmp_path / "signatures").mkdir()
    (tmp_path / "signatures" / "a.yaml").write_text("id: AF1\n")
    (tmp_path / "signatures" / "b.yaml").write_text("id: AF1\n")
    monkeypatch.setenv("ASCENDFIX_RULES_DIR", str(tmp_path))
    with pytest.raises(DataError) as e:
        data.load_entries("rules", "signatures")
    assert "duplicate" in str(e.value)


def test_rule_files_read_per_file_see_edits_like_every_other_rule_file(tmp_path, monkeypatch):
    """rules/fleet and rules/checks files read one file at a time (data.file_entries) are re-read when edited,
    in a long-lived process (the library API), like every folder data.load_entries reads."""
    import os
    import shutil
    import time

    from ascendfix import data as D
    from ascendfix.check import checks_hccl, node, rules

    root = tmp_path / "rules"
    shutil.copytree(str(D.builtin_root("rules")), str(root))
    monkeypatch.setenv("ASCENDFIX_RULES_DIR", str(root))
    assert "NEW_NAME_X" not in node.env_selection()["names"]
    n_hccl, n_env = len(checks_hccl.env_rules()), len(rules.env_rules())
    f = root / "fleet" / "report_env.yaml"
    f.write_text(f.read_text().replace("names: [", "names: [NEW_NAME_X, "))
    later = time.time() + 5
    os.utime(str(f), (later, later))  # a new mtime even on a coarse clock
    assert "NEW_NAME_X" in node.env_selection()["names"]
    for sub, name, module in (("checks", "hccl_env.yaml", checks_hccl), ("checks", "env.yaml", rules)):
        p = root / sub / name
        p.write_text(p.read_text() + "\n- {id: broken-entry, kind: nope}\n")
        os.utime(str(p), (later + 1, later + 1))
        with pytest.raises(D.DataError) as e:
            module.env_rules()
        assert "rules/{}/{}: entry 'broken-entry'".format(sub, name) in str(e.value)
    assert (n_hccl, n_env) != (0, 0)
