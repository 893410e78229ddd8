"""The undo journal and the atomic write under `apply` / `revert` (ascendfix/apply/journal.py, writing.py,
ascendfix/fsutil.py), at the library level: byte-exact originals, their permission bits, and a write that
reaches the disk before it replaces the file.
"""

import os
import stat
from types import SimpleNamespace

import pytest

from ascendfix import fsutil
from ascendfix.apply import journal, writing

# Bytes a text-normalising copy would change: CRLF, a lone CR, no newline at the end, a BOM, invalid UTF-8.
ORIGINALS = {
    "run.sh": (b"#!/bin/sh\r\necho \xff\xfe\rdone", 0o750),
    "pkg/mod.py": (b"\xef\xbb\xbfimport mindspore as ms\n\n\nx = 1  \t", 0o640),
    "pkg/data.txt": (b"", 0o604),
}


def _tree(root):
    changes = {}
    for rel, (data, mode) in ORIGINALS.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        os.chmod(str(p), mode)
        changes[rel] = (data, b"changed by a rule\n" + data)
    return changes


def _apply(root, changes):
    report = SimpleNamespace(changes=changes, removed_debris=[], written_files=[], written=False)
    writing.write_changes(root, report, ["test-rule"])
    assert report.written_files == sorted(changes)


def test_revert_restores_every_byte_and_mode(tmp_path):
    changes = _tree(tmp_path)
    _apply(tmp_path, changes)
    for rel, (old, new) in changes.items():
        p = tmp_path / rel
        assert p.read_bytes() == new and stat.S_IMODE(p.stat().st_mode) == ORIGINALS[rel][1]
    journal.revert(tmp_path)
    for rel, (data, mode) in ORIGINALS.items():
        p = tmp_path / rel
        assert p.read_bytes() == data, rel
        assert stat.S_IMODE(p.stat().st_mode) == mode, rel
    assert not (tmp_path / journal.DIRNAME).exists()


def test_revert_force_recreates_a_deleted_file_with_its_original_mode(tmp_path):
    """The journal records each file's permission bits when it first changes: a file deleted after apply
    comes back with them (not with the default mode of a new file)."""
    changes = _tree(tmp_path)
    _apply(tmp_path, changes)
    for rel in ("run.sh", "pkg/mod.py"):
        os.unlink(str(tmp_path / rel))
    old_umask = os.umask(0o022)
    try:
        journal.revert(tmp_path, force=True)
    finally:
        os.umask(old_umask)
    for rel in ("run.sh", "pkg/mod.py"):
        p = tmp_path / rel
        assert p.read_bytes() == ORIGINALS[rel][0]
        assert stat.S_IMODE(p.stat().st_mode) == ORIGINALS[rel][1], rel


def test_atomic_write_syncs_the_data_before_it_replaces_the_file(tmp_path, monkeypatch):
    """The new bytes are on disk (fsync of the temporary file) before the rename makes them the file: a crash
    in between leaves the old file or the whole new one, never an empty or partial file."""
    target = tmp_path / "f.py"
    target.write_bytes(b"old\n")
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.readlink("/proc/self/fd/{}".format(fd))))
        return real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", str(src), open(str(src), "rb").read()))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    fsutil.atomic_write(target, b"new bytes\n")
    assert target.read_bytes() == b"new bytes\n"
    kinds = [e[0] for e in events]
    assert "fsync" in kinds and "replace" in kinds
    synced = [e[1] for e in events[: kinds.index("replace")] if e[0] == "fsync"]
    replaced = [e for e in events if e[0] == "replace"][0]
    assert replaced[1] in synced  # the temporary file itself was synced, before the rename
    assert replaced[2] == b"new bytes\n" and os.path.dirname(replaced[1]) == str(tmp_path)
    # and the folder is synced after the rename, so the new directory entry survives a crash too
    assert ("fsync", str(tmp_path)) in events[kinds.index("replace"):]
    assert sorted(os.listdir(str(tmp_path))) == ["f.py"]


def test_atomic_write_keeps_the_file_when_the_folder_cannot_be_synced(tmp_path, monkeypatch):
    """Syncing the folder is best effort: the file is complete under its name before it; a file system that refuses
    a folder fsync (EINVAL on some mounts) does not turn a finished write into an error."""
    target = tmp_path / "f.py"
    target.write_bytes(b"old\n")
    real_fsync = os.fsync

    def fsync(fd):
        if os.path.isdir(os.readlink("/proc/self/fd/{}".format(fd))):
            raise OSError(22, "Invalid argument")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    fsutil.atomic_write(target, b"new bytes\n")
    assert target.read_bytes() == b"new bytes\n"
    assert sorted(os.listdir(str(tmp_path))) == ["f.py"]


@pytest.mark.parametrize("fail_at", ["fsync", "replace"])
def test_atomic_write_that_fails_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch, fail_at):
    target = tmp_path / "f.py"
    target.write_bytes(b"old\n")

    def boom(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, fail_at, boom)
    with pytest.raises(OSError):
        fsutil.atomic_write(target, b"new bytes\n")
    assert target.read_bytes() == b"old\n"
    assert sorted(os.listdir(str(tmp_path))) == ["f.py"]
