"""The compat tables are read once and asked many times: a lookup costs a stat, an edited table is read again."""

import os
import shutil
from pathlib import Path

from ascendfix import data
from ascendfix.check import compat

RULES = Path(__file__).resolve().parents[1] / "rules"


def _rules_copy(tmp_path, monkeypatch):
    shutil.copytree(str(RULES / "compat"), str(tmp_path / "compat"))
    monkeypatch.setenv("ASCENDFIX_RULES_DIR", str(tmp_path))
    return tmp_path / "compat"


def test_lookups_do_not_reread_or_walk_the_folder(tmp_path, monkeypatch):
    _rules_copy(tmp_path, monkeypatch)
    rows = compat.table("mindone.yaml")
    assert [r["id"] for r in rows][:1] == ["mindone-0.5.0"]
    assert compat.mindspore_row("2.7.0") is not None  # mindspore.yaml read once
    calls = []
    real = data.load_entries
    monkeypatch.setattr(data, "load_entries", lambda *a, **k: calls.append(a) or real(*a, **k))
    real_iter = data.iter_files
    monkeypatch.setattr(data, "iter_files", lambda *a, **k: calls.append(a) or real_iter(*a, **k))
    for _ in range(200):
        assert compat.table("mindone.yaml") is rows
        assert compat.top_row("mindone", "0.5.0")["id"] == "mindone-0.5.0"
        assert compat.mindspore_row("2.7.0") is not None
    assert calls == []


def test_an_edited_table_is_read_again(tmp_path, monkeypatch):
    folder = _rules_copy(tmp_path, monkeypatch)
    assert compat.top_row("mindone", "0.5.0")["tested"] == "2.6.0 - 2.7.1"
    path = folder / "mindone.yaml"
    text = path.read_text(encoding="utf-8").replace('tested: "2.6.0 - 2.7.1"', 'tested: "2.6.0 - 2.7.1, edited"', 1)
    st = path.stat()
    path.write_text(text, encoding="utf-8")
    os.utime(str(path), ns=(st.st_atime_ns, st.st_mtime_ns + 10 ** 9))  # a later mtime even on coarse clocks
    assert compat.top_row("mindone", "0.5.0")["tested"] == "2.6.0 - 2.7.1, edited"


def test_another_rules_folder_is_another_cache_entry(tmp_path, monkeypatch):
    _rules_copy(tmp_path, monkeypatch)
    mine = compat.table("mindspore.yaml")
    monkeypatch.delenv("ASCENDFIX_RULES_DIR")
    builtin = compat.table("mindspore.yaml")
    assert mine is not builtin and [r["id"] for r in mine] == [r["id"] for r in builtin]
