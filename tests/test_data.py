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
