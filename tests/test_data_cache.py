"""The on-disk cache of parsed signature files (ascendfix/data.py): same entries as a parse, never stale, never fatal."""

import os
import shutil
from pathlib import Path

import pytest

from ascendfix import data

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def rules(tmp_path, monkeypatch):
    """A private copy of the signatures folder and an empty cache folder."""
    src = ROOT / "rules"
    dst = tmp_path / "rules"
    shutil.copytree(str(src / "signatures"), str(dst / "signatures"))
    monkeypatch.setenv("ASCENDFIX_RULES_DIR", str(dst))
    monkeypatch.setenv("ASCENDFIX_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ASCENDFIX_NO_CACHE", raising=False)
    data._load_entries_cached.cache_clear()
    yield dst
    data._load_entries_cached.cache_clear()


def _load():
    data._load_entries_cached.cache_clear()  # a new process, as far as the in-memory cache goes
    return data.load_entries("rules", "signatures")


def _files(tmp_path):
    return sorted((tmp_path / "cache").glob("*.json"))


def test_a_second_run_reads_the_cache_and_gets_the_same_entries(rules, tmp_path, monkeypatch):
    first = _load()
    files = _files(tmp_path)
    assert len(files) == 1
    calls = []
    monkeypatch.setattr(data, "_parse_entries", lambda key: calls.append(key) or [])
    second = _load()
    assert calls == []  # no YAML parsed
    assert [(str(p), e) for p, e in second] == [(str(p), e) for p, e in first]
    assert len(second) > 200


def test_an_edited_rule_is_read_again(rules, tmp_path):
    _load()
    path = sorted((rules / "signatures").glob("AF001-*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title: ", "title: EDITED ", 1), encoding="utf-8")
    os.utime(str(path), ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10 ** 9))
    entries = dict((str(p), e) for p, e in _load())
    assert entries[str(path)]["title"].startswith("EDITED ")
    assert len(_files(tmp_path)) == 2  # the old file stays until CACHE_KEEP newer ones exist


def test_an_edit_that_keeps_size_and_mtime_is_still_seen(rules, tmp_path):
    # a coarse file system or a scripted rewrite can leave size and mtime as they were: the key holds the contents
    _load()
    path = sorted((rules / "signatures").glob("AF001-*.yaml"))[0]
    st = path.stat()
    text = path.read_text(encoding="utf-8")
    assert "title: " in text
    path.write_text(text.replace("title: ", "title= ", 1).replace("title= ", "title: ", 1).replace(
        "title: ", "title: X", 1)[:-1], encoding="utf-8")  # one character in, one out: the same size
    os.utime(str(path), ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    entries = dict((str(p), e) for p, e in _load())
    assert entries[str(path)]["title"].startswith("X")


def test_the_cache_is_json_that_runs_no_code(rules, tmp_path):
    _load()
    (f,) = _files(tmp_path)
    import json

    doc = json.loads(f.read_text(encoding="utf-8"))
    assert set(doc) == {"files", "entries"} and len(doc["entries"]) > 200


def test_a_broken_cache_file_is_ignored(rules, tmp_path):
    good = _load()
    for f in _files(tmp_path):
        f.write_text('{"files": [], "entr', encoding="utf-8")  # a write cut short
    assert [(str(p), e) for p, e in _load()] == [(str(p), e) for p, e in good]


def test_a_cache_folder_that_cannot_be_written_costs_nothing(rules, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("ASCENDFIX_CACHE_DIR", str(blocker / "cache"))  # a folder under a file: mkdir fails
    assert len(_load()) > 200


def test_no_cache_writes_nothing(rules, tmp_path, monkeypatch):
    monkeypatch.setenv("ASCENDFIX_NO_CACHE", "1")
    _load()
    assert not (tmp_path / "cache").exists()


def test_only_the_newest_cache_files_are_kept(rules, tmp_path):
    path = sorted((rules / "signatures").glob("AF001-*.yaml"))[0]
    for i in range(data.CACHE_KEEP + 3):
        with open(str(path), "a", encoding="utf-8") as fh:
            fh.write("# edit {}\n".format(i))
        os.utime(str(path), ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10 ** 9))
        _load()
    assert len(_files(tmp_path)) == data.CACHE_KEEP


def test_other_folders_are_not_cached_on_disk(tmp_path, monkeypatch):
    # a dry run of apply reads rules/patches: it must write nothing, not even a cache
    monkeypatch.setenv("ASCENDFIX_CACHE_DIR", str(tmp_path / "cache"))
    data._load_entries_cached.cache_clear()
    data.load_entries("rules", "patches")
    data.load_entries("rules", "compat")
    assert not (tmp_path / "cache").exists()


def test_a_temporary_file_left_by_a_killed_run_is_removed_later(rules, tmp_path):
    # a run killed between writing its temporary file and renaming it leaves ".ascendfix-tmp-*.json"; the next write
    # removes it once it is older than STALE_TMP_SECONDS, and leaves a young one (another run may be writing it right
    # now) and another program's old temporary file (the cache folder may be a shared one, such as /tmp)
    cache = tmp_path / "cache"
    cache.mkdir()
    old = cache / (data.TMP_PREFIX + "killed.json")
    young = cache / (data.TMP_PREFIX + "writing.json")
    others = cache / ".tmp-someone-else.json"
    for p in (old, young, others):
        p.write_text("{", encoding="utf-8")
    past = old.stat().st_mtime - data.STALE_TMP_SECONDS - 60
    for p in (old, others):
        os.utime(str(p), (past, past))
    _load()
    assert not old.exists()
    assert young.exists() and others.exists()
    assert [p.name.startswith("rules-") for p in _files(tmp_path)].count(True) == 1


def test_files_of_the_first_cache_format_are_removed(rules, tmp_path):
    # the first cache version wrote pickle files under the same names ("rules-signatures-<hash>.pickle", and
    # ".tmp-*.pickle" while writing); nothing reads them any more, so the next write removes them. A file that is
    # not ours (another prefix) stays.
    cache = tmp_path / "cache"
    cache.mkdir()
    old = cache / "rules-signatures-0123456789abcdef0123456789abcdef.pickle"
    other = cache / "notes.pickle"
    for p in (old, other):
        p.write_bytes(b"\x80\x04.")
    _load()
    assert not old.exists()
    assert other.exists()


def test_one_failed_removal_does_not_stop_the_others(rules, tmp_path, monkeypatch):
    # a file another run removed (or cannot be removed) must not keep the stale temporary file in place
    cache = tmp_path / "cache"
    cache.mkdir()
    stale = cache / (data.TMP_PREFIX + "killed.json")
    stale.write_text("{", encoding="utf-8")
    past = stale.stat().st_mtime - data.STALE_TMP_SECONDS - 60
    os.utime(str(stale), (past, past))
    for i in range(data.CACHE_KEEP + 2):
        (cache / "rules-signatures-{:032x}.json".format(i)).write_text("{}", encoding="utf-8")
    real_unlink = type(stale).unlink
    failed = []

    def unlink(self, *a, **k):
        if self.name.startswith("rules-") and not failed:
            failed.append(self.name)
            raise PermissionError(13, "Permission denied")
        return real_unlink(self, *a, **k)

    monkeypatch.setattr(type(stale), "unlink", unlink)
    _load()
    assert failed and not stale.exists()
