"""Find and load the knowledge that lives as data in ``rules/`` and ``recipes/``.

Layout (source tree; in a wheel the same folders sit under ``ascendfix/_data/``):

    rules/patches/*.yaml      apply: extra patch rules (the built-in ones live in ascendfix/codemods/<rule_id>/)
    rules/signatures/*.yaml   explain: error signatures (patterns + real log excerpts)
    rules/compat/*.yaml       check: version pairing tables with sources
    rules/checks/*.yaml       check: env-var and other declarative checks
    recipes/*.yaml            smoke: generation recipes

``ASCENDFIX_RULES_DIR`` / ``ASCENDFIX_RECIPES_DIR`` point ascendfix at another copy (tests, users'
own rules). Everything is read with ``yaml.safe_load`` and validated; a malformed file is a
:class:`DataError` naming the file and the field (exit 2).
"""

import functools
import hashlib
import json
import os
import sys
import time
from pathlib import Path

from ascendfix.errors import DataError

_PKG = Path(__file__).resolve().parent
_ENV = {"rules": "ASCENDFIX_RULES_DIR", "recipes": "ASCENDFIX_RECIPES_DIR"}


def data_root(kind):
    """The folder holding ``kind`` ("rules" or "recipes")."""
    return _data_root(kind, os.environ.get(_ENV[kind]) or None)


@functools.lru_cache(maxsize=64)
def _data_root(kind, env):
    # resolved once per (kind, $ASCENDFIX_*_DIR): data is looked up hundreds of times per check run
    if env:
        p = Path(env)
        if not p.is_dir():  # not cached: raising leaves the cache untouched
            raise DataError("{}={}: not a directory".format(_ENV[kind], env))
        return p
    return builtin_root(kind)


@functools.lru_cache(maxsize=None)
def builtin_root(kind):
    """The copy of ``kind`` that ships with ascendfix (whatever ``ASCENDFIX_*_DIR`` says)."""
    for cand in (_PKG / "_data" / kind, _PKG.parent / kind):
        if cand.is_dir():
            return cand
    raise DataError("ascendfix data folder '{}' not found (broken install?)".format(kind))


def display_path(path):
    """A short name for a data file in messages: ``rules/signatures/x.yaml``."""
    return _display_path(str(path), tuple(os.environ.get(v) for v in _ENV.values()))


@functools.lru_cache(maxsize=4096)
def _display_path(path, env):  # cached: resolving paths costs more than the rest of a lookup
    path = Path(path)
    for kind in _ENV:
        try:
            return str(Path(kind) / path.resolve().relative_to(data_root(kind).resolve()))
        except (ValueError, DataError):
            continue
    return str(path)


def load_yaml(path):
    """``yaml.safe_load`` with a one-line error that names the file and the position."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise DataError("{}: cannot read: {}".format(display_path(path), e))
    return _yaml_text(text, path)


def _yaml_text(text, path):
    """The YAML document ``text`` (read from ``path``, named in errors)."""
    import yaml  # (here: a start that finds every rules file it reads in the cache never imports it)

    try:
        # libyaml's CSafeLoader when present: the same safe schema, ~10x faster on the rule files
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = " (line {}, column {})".format(mark.line + 1, mark.column + 1) if mark else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise DataError("{}: invalid YAML{}: {}".format(display_path(path), where, problem))


class Field:
    """One field of a data entry: its type(s), whether it is required, allowed values."""

    def __init__(self, types, required=True, choices=None, items=None):
        self.types = types if isinstance(types, tuple) else (types,)
        self.required = required
        self.choices = choices
        self.items = items  # element type(s) when the field is a list


_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true/false", list: "a list", dict: "a mapping"}


def _tname(types):
    return " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in types)


def validate(entry, fields, where):
    """Check ``entry`` (a dict) against ``fields`` ({name: Field}); raise DataError on the first problem."""
    if not isinstance(entry, dict):
        raise DataError("{}: expected a mapping, got {}".format(where, type(entry).__name__))
    for name, f in fields.items():
        if name not in entry or entry[name] is None:
            if f.required:
                raise DataError("{}: field '{}' is missing".format(where, name))
            continue
        value = entry[name]
        if isinstance(value, bool) and bool not in f.types:
            ok = False
        else:
            ok = isinstance(value, f.types) or (float in f.types and isinstance(value, int))
        if not ok:
            raise DataError(
                "{}: field '{}' must be {}, got {}".format(where, name, _tname(f.types), type(value).__name__)
            )
        if f.choices is not None and value not in f.choices:
            raise DataError(
                "{}: field '{}' is {!r}; expected one of {}".format(where, name, value, ", ".join(map(str, f.choices)))
            )
        if f.items is not None and isinstance(value, list):
            items = f.items if isinstance(f.items, tuple) else (f.items,)
            for i, item in enumerate(value):
                if not isinstance(item, items):
                    raise DataError(
                        "{}: field '{}[{}]' must be {}, got {}".format(where, name, i, _tname(items), type(item).__name__)
                    )
    return entry


def iter_files(kind, subdir=""):
    """All ``*.yaml``/``*.yml`` files under ``<kind>/<subdir>``, sorted."""
    root = data_root(kind) / subdir
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def _files_key(kind, subdir):
    """The files of ``<kind>/<subdir>`` with their size and mtime: a cache key that changes when a file does
    (a long-lived process, e.g. the library API, sees edited rules like a fresh one would)."""
    key = []
    for path in iter_files(kind, subdir):
        try:
            st = path.stat()
        except OSError:
            continue
        key.append((str(path), st.st_size, st.st_mtime_ns))
    return tuple(key)


# Folders whose parsed entries are also kept on disk between runs (``explain`` reads ~230 signature files on every
# start; parsing their YAML was a third of a small log's time). Only these: reading rules for a dry run must write
# nothing, and the other folders are small (a caller that may write, explain, asks for another one with
# ``load_entries(..., disk_cache=True)``).
DISK_CACHED = (("rules", "signatures"),)
CACHE_KEEP = 8  # cache files kept per folder (older ones, from edited rules, are removed)
STALE_TMP_SECONDS = 3600  # a temporary cache file this old was left by a killed run
TMP_PREFIX = ".ascendfix-tmp-"  # our temporary files only: $ASCENDFIX_CACHE_DIR may be a folder others write to


def cache_dir():
    """Where parsed rule files are kept between runs (``$ASCENDFIX_CACHE_DIR``, else ``$XDG_CACHE_HOME/ascendfix``,
    else ``~/.cache/ascendfix``), or None: ``$ASCENDFIX_NO_CACHE`` set to 1 / true / yes, or no usable home."""
    if os.environ.get("ASCENDFIX_NO_CACHE", "").strip().lower() in ("1", "true", "yes", "on"):
        return None
    env = os.environ.get("ASCENDFIX_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):  # the XDG spec: a relative value is ignored
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "ascendfix"


def _cache_file(kind, subdir, files_key, disk_cache=False):
    """The cache file for these exact files — their paths and contents (a same-size edit within one mtime tick is
    still seen) — this ascendfix and this Python; None when there is no cache for them (a folder not in
    :data:`DISK_CACHED`, unless ``disk_cache``)."""
    from ascendfix import __version__

    root = cache_dir()
    if root is None or not (disk_cache or (kind, subdir) in DISK_CACHED) or not files_key:
        return None
    h = hashlib.sha256(repr((__version__, sys.version_info[:2])).encode("utf-8"))
    try:
        for name, _, _ in files_key:
            h.update(name.encode("utf-8", "surrogateescape") + b"\0")
            with open(name, "rb") as fh:
                h.update(hashlib.sha256(fh.read()).digest())
    except OSError:
        return None
    return root / "{}-{}-{}.json".format(kind, subdir.replace("/", "_") or "_", h.hexdigest()[:32])


def _read_cache(path, files_key):
    """The cached entries, or None (missing, unreadable, truncated, or written for other files). JSON, not pickle:
    a cache folder someone else can write must never run code in this process."""
    try:
        with open(str(path), encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError):
        return None
    names = [name for name, _, _ in files_key]
    if not isinstance(doc, dict) or doc.get("files") != names or not isinstance(doc.get("entries"), list):
        return None
    try:
        return [(Path(name), entry) for name, entry in doc["entries"]]
    except (TypeError, ValueError):
        return None


def _write_cache(path, files_key, out):
    """Write atomically (a temporary file renamed over); never fail a run because the cache cannot be written. Entries
    JSON cannot hold exactly (a date, a non-string key) are not cached: they are parsed again next time."""
    doc = {"files": [name for name, _, _ in files_key], "entries": [(str(p), e) for p, e in out]}
    try:
        text = json.dumps(doc, ensure_ascii=False)
        if json.loads(text)["entries"] != [[str(p), e] for p, e in out]:
            return
    except (TypeError, ValueError):
        return
    _write_atomic(path, text)


def _write_atomic(path, text):
    """Write a cache file atomically and prune its folder (see _write_cache); never fails."""
    tmp = None
    written = False
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        import tempfile

        fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=".json", dir=str(path.parent))
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, str(path))
        tmp = None
        written = True
    except OSError:
        pass
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    if written:
        _prune_cache(path)


def _prune_cache(path):
    """After a write: keep the newest CACHE_KEEP cache files of this folder, remove a temporary file a killed run left
    (ours only, TMP_PREFIX; one older than STALE_TMP_SECONDS: another run's live one is young) and the files of the
    first cache format (pickle, same names). Each removal on its own: a file another run removes first is no reason
    to skip the rest."""
    def unlink(p):
        try:
            p.unlink()
        except OSError:
            pass

    def mtime(p):
        try:
            return p.stat().st_mtime
        except OSError:
            return None

    prefix = path.name.rsplit("-", 1)[0] + "-"
    try:
        found = list(path.parent.iterdir())
    except OSError:
        return
    older = []  # (mtime, path) of this folder's other cache files
    for p in found:
        if p != path and p.name.startswith(prefix) and p.suffix == ".json":
            m = mtime(p)
            if m is not None:
                older.append((m, p))
    older.sort(key=lambda mp: mp[0], reverse=True)
    for _, old in older[CACHE_KEEP - 1:]:
        unlink(old)
    stale = time.time() - STALE_TMP_SECONDS
    for p in found:
        if p.name.startswith(TMP_PREFIX) and p.suffix == ".json":
            m = mtime(p)
            if m is not None and m < stale:
                unlink(p)
        elif p.name.startswith(prefix) and p.suffix == ".pickle":
            unlink(p)


def load_yaml_cached(path):
    """:func:`load_yaml` through the disk cache (:func:`cache_dir`): explain reads its other rules files (categories,
    benign and failure wording, code and fault tables, the apply rules' ids) on every start, and a start that finds
    them all in the cache never imports yaml. Keyed by the file's path and its contents (an edited file is parsed
    again), this ascendfix and this Python; a document JSON cannot hold exactly (a date, a non-string key) is not
    cached. Only for files a run that must write nothing (a dry run of apply) never reads through it."""
    path = Path(path)
    root = cache_dir()
    if root is None:
        return load_yaml(path)
    try:
        with open(str(path), "rb") as fh:
            raw = fh.read()
    except OSError:
        return load_yaml(path)  # (its error)
    from ascendfix import __version__

    name = str(path)
    digest = hashlib.sha256(repr((__version__, sys.version_info[:2])).encode("utf-8") + b"\0" + raw).hexdigest()[:32]
    where = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    cache = root / "yaml-{}-{}.json".format(where, digest)
    try:
        with open(str(cache), encoding="utf-8") as fh:
            hit = json.load(fh)
        if isinstance(hit, dict) and hit.get("file") == name and "doc" in hit:
            return hit["doc"]
    except (OSError, ValueError):
        pass
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DataError("{}: cannot read: {}".format(display_path(path), e))
    doc = _yaml_text(text, path)
    try:
        out = json.dumps({"file": name, "doc": doc}, ensure_ascii=False)
        if json.loads(out)["doc"] == doc:
            _write_atomic(cache, out)
    except (TypeError, ValueError):
        pass
    return doc


@functools.lru_cache(maxsize=64)
def _load_entries_cached(files_key, kind=None, subdir=None, disk_cache=False):
    cache = _cache_file(kind, subdir, files_key, disk_cache) if kind is not None else None
    if cache is not None:
        hit = _read_cache(cache, files_key)
        if hit is not None:
            return hit
    out = _parse_entries(files_key)
    if cache is not None:
        _write_cache(cache, files_key, out)
    return out


def _parse_entries(files_key):
    out = []
    for name, _, _ in files_key:
        path = Path(name)
        doc = load_yaml(path)
        if doc is None:
            continue
        entries = doc if isinstance(doc, list) else [doc]
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise DataError("{}: entry {} must be a mapping".format(display_path(path), i + 1))
            out.append((path, entry))
    return out


def load_entries(kind, subdir, fields=None, id_field="id", disk_cache=False):
    """Load every entry of ``<kind>/<subdir>/*.yaml`` as ``[(path, dict)]``, validated against ``fields``.

    A file holds one mapping or a list of mappings. Ids must be unique across the folder. ``disk_cache``: keep the
    parsed entries on disk between runs even for a folder not in :data:`DISK_CACHED` (a caller that may write).
    """
    entries = _load_entries_cached(_files_key(kind, subdir), kind, subdir, disk_cache)
    seen = {}
    for path, entry in entries:
        eid = entry.get(id_field)
        if fields:
            try:
                validate(entry, fields, "")
            except DataError:  # again, to name the file and entry (display_path resolves paths: only on error)
                validate(entry, fields, "{}: entry '{}'".format(display_path(path), eid) if eid else display_path(path))
        if eid is not None:
            if eid in seen:
                raise DataError(
                    "{}: duplicate {} '{}' (also in {})".format(display_path(path), id_field, eid, display_path(seen[eid]))
                )
            seen[eid] = path
    return list(entries)


def file_entries(kind, subdir, filename, fields):
    """The entries of one file, ``<kind>/<subdir>/<filename>``, validated against ``fields``: ``[dict]``.

    Read through :func:`load_entries` (so an edited file is read again); validated once per version of the
    folder. The dicts are shared: callers must not mutate them.
    """
    return list(_file_entries(_files_key(kind, subdir), kind, subdir, filename, tuple(fields.items())))


@functools.lru_cache(maxsize=128)
def _file_entries(files_key, kind, subdir, filename, fields):
    fields = dict(fields)
    out = []
    for path, entry in _load_entries_cached(files_key, kind, subdir):
        if path.name == filename:
            validate(entry, fields, "{}/{}/{}: entry '{}'".format(kind, subdir, filename, entry.get("id")))
            out.append(entry)
    return tuple(out)
