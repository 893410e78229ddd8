"""Heavy test resources, built once and cached across runs (and across CI runs on one machine).

Cache root: ``$ASCENDFIX_TEST_CACHE`` or ``~/.cache/ascendfix-tests``.

- :func:`mindone_tree` — the real MindOne sources of a release (``pip download --no-deps
  --no-binary :all: mindone==X``), unpacked read-only-by-convention; copy before modifying.
- :func:`framework_venv` — a venv with given pip requirements (e.g. MindSpore 2.7.0 + mindone
  0.2.0 + numpy<2), for tests that drive the real frameworks in a subprocess.

Both are guarded by a file lock so parallel pytest workers don't race, and marked complete only
when fully built, so an interrupted build is redone next time.
"""

import contextlib
import fcntl
import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest


FULL_TIER = False  # set by conftest.py: True under `pytest --full`


def benchmark(name):
    """A ``benchmarks/<name>.py`` script loaded as a module (the benchmarks are scripts, not a package)."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "benchmarks" / (name + ".py")
    spec = importlib.util.spec_from_file_location(name, str(path))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def examples(n):
    """Hypothesis ``max_examples`` for a property test: ``n`` in the full tier, a third of it (at least 10) in the
    fast tier, which runs on every change and only has to keep the property exercised."""
    return n if FULL_TIER else max(10, n // 3)


def missing(reason):
    """A resource this test needs is not here: skip in the fast tier, fail in the full tier (``pytest --full``)."""
    if FULL_TIER:
        pytest.fail("missing: " + reason)
    pytest.skip(reason)


@functools.lru_cache(maxsize=None)
def schema_validator(verb, kind=None):
    """A Draft 2020-12 validator for schemas/<verb>.schema.json (``kind``: only its ``$defs/<kind>`` entry), the schema
    itself checked against the metaschema: made once per test process and shared (the metaschema check costs ~0.1 s,
    a document's validation a few ms; the suite validates hundreds of documents)."""
    import json

    import jsonschema

    schema = json.loads((Path(__file__).resolve().parents[1] / "schemas" / (verb + ".schema.json")).read_text(
        encoding="utf-8"))
    if kind is not None:
        schema = dict(schema["$defs"][kind], **{"$defs": schema["$defs"]})
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def schema_errors(verb, doc, kind="report"):
    """Messages of ``doc`` against ``$defs/<kind>`` of schemas/<verb>.schema.json (empty: valid)."""
    return ["{}: {}".format(list(e.path), e.message[:300]) for e in schema_validator(verb, kind).iter_errors(doc)]


def cache_root():
    root = Path(os.environ.get("ASCENDFIX_TEST_CACHE") or Path.home() / ".cache" / "ascendfix-tests")
    root.mkdir(parents=True, exist_ok=True)
    return root


@contextlib.contextmanager
def _locked(name):
    lock = cache_root() / (name + ".lock")
    with open(str(lock), "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _pip_download_sdist(version, dest):
    dest.mkdir(parents=True, exist_ok=True)
    existing = list(dest.glob("mindone-{}.tar.gz".format(version)))
    if existing:
        return existing[0]
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
           "mindone=={}".format(version), "-d", str(dest), "-q"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    found = list(dest.glob("mindone-{}.tar.gz".format(version)))
    if r.returncode != 0 or not found:
        pytest.fail("could not download mindone {} sources: {}".format(version, r.stderr.strip()[-500:]))
    return found[0]


def mindone_tree(version):
    """Path to the unpacked sources of mindone ``version`` (the folder holding pyproject.toml).

    Treat it as read-only: copy it (``shutil.copytree``) before patching.
    """
    root = cache_root()
    target = root / "trees" / "mindone-{}".format(version)
    done = target / ".complete"
    if done.exists():
        return target
    with _locked("tree-" + version):
        if done.exists():
            return target
        sdist = _pip_download_sdist(version, root / "sdists")
        tmp = root / "trees" / ".tmp-{}".format(version)
        shutil.rmtree(str(tmp), ignore_errors=True)
        tmp.mkdir(parents=True)
        with tarfile.open(str(sdist)) as tf:
            tf.extractall(str(tmp))
        inner = tmp / "mindone-{}".format(version)
        shutil.rmtree(str(target), ignore_errors=True)
        inner.rename(target)
        shutil.rmtree(str(tmp), ignore_errors=True)
        done.write_text("ok\n")
    return target


# The blog recipe's commands (https://ai6s.net/694f6d85836da321448817be.html), verbatim but for its Chinese comments:
# the blanket future import alone, and the whole recipe (pin seds + the blanket import) as a bash script.
BLOG_SED = "find . -name \"*.py\" -exec sed -i '1i from __future__ import annotations' {} +"
BLOG_RECIPE = r"""
set -e
sed -i 's/>=3.9/>=3.8/g' pyproject.toml
sed -i 's/transformers==4.57.1/transformers>=4.39.3/g' pyproject.toml
if [ -f "mindone/transformers/requirements.txt" ]; then
sed -i 's/transformers==4.46.3/transformers>=4.39.3/g' mindone/transformers/requirements.txt
fi
find . -name "*.py" -exec sed -i '1i from __future__ import annotations' {} +
"""


def tree_bytes(root):
    """``{relative path: bytes}`` of every file under ``root``, apply's journal folder (.ascendfix) left out."""
    import os

    out = {}
    for dirpath, dirnames, files in os.walk(str(root)):
        dirnames[:] = [d for d in dirnames if d != ".ascendfix"]
        for f in files:
            p = Path(dirpath) / f
            out[str(p.relative_to(root))] = p.read_bytes()
    return out


def copy_tree(src, dst):
    """Copy a cached tree for a test to modify (keeps bytes, mode and mtimes)."""
    shutil.copytree(str(src), str(dst), symlinks=True, ignore=shutil.ignore_patterns(".complete"))
    return Path(dst)


def framework_venv(name, requirements, python=None, timeout=3000):
    """Python executable of a cached venv ``name`` with ``requirements`` pip-installed.

    The venv is rebuilt when the requirement list changes. Fails the test (not skip) when the
    install fails: these are real dependencies of the suite, installed from PyPI.
    """
    python = python or framework_python()
    key = hashlib.sha256(("\n".join(requirements) + "|" + python).encode()).hexdigest()[:12]
    venv = cache_root() / "venvs" / name
    marker = venv / ".complete"
    exe = venv / "bin" / "python"
    if marker.exists() and marker.read_text().strip() == key:
        return str(exe)
    with _locked("venv-" + name):
        if marker.exists() and marker.read_text().strip() == key:
            return str(exe)
        shutil.rmtree(str(venv), ignore_errors=True)
        venv.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
        r = subprocess.run([str(exe), "-m", "pip", "install", "-q", "--disable-pip-version-check"] + list(requirements),
                           capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            pytest.fail("could not build venv {} ({}): {}".format(name, " ".join(requirements), r.stderr.strip()[-1500:]))
        marker.write_text(key + "\n")
    return str(exe)


def _version_of(exe):
    try:
        r = subprocess.run([exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                           capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return r.stdout.strip() if r.returncode == 0 else None


def framework_python():
    """A CPython 3.11 for framework venvs (MindSpore 2.7.0 wheels: cp39-cp311; the local torch CPU wheel: cp311).

    The suite itself also runs under Python 3.8, where the frameworks cannot be installed: it then drives
    them in this interpreter's venvs, as ascendfix does for users with ``--python``.
    """
    override = os.environ.get("ASCENDFIX_FRAMEWORK_PYTHON")
    if override:
        return override
    base = Path(sys.base_prefix) / "bin" / "python3.11"
    if sys.version_info[:2] == (3, 11) and base.exists():
        return str(base)  # the base interpreter, so .venv and .venv38 runs share one cached venv
    pyenv_root = Path(os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv")))
    cands = sorted(str(p) for p in pyenv_root.glob("versions/3.11*/bin/python3.11"))
    cands += [shutil.which("python3.11"), shutil.which("python3")]
    for c in cands:
        if c and _version_of(c) == "3.11":
            return c
    pytest.fail("no CPython 3.11 found for the framework venvs (set ASCENDFIX_FRAMEWORK_PYTHON)")


# The framework environments the suite uses (one place, so tests share the cached venvs).
MS27_MINDONE02 = ["mindspore==2.7.0", "mindone==0.2.0", "numpy<2"]
MS210_MINDONE05 = ["mindspore==2.10.0", "mindone==0.5.0", "numpy<2"]
# torch 2.13.0 comes from the local CPU wheel here (Python 3.11); pinned so pip never pulls a CUDA build.
TORCH_DIFFUSERS = ["torch==2.13.0", "diffusers==0.42.1", "transformers==5.23.0", "modelscope==1.40.2"]


def ms27_python():
    """MindSpore 2.7.0 + mindone 0.2.0 + numpy<2: runs a tiny SDXL end to end on CPU."""
    return framework_venv("ms27", MS27_MINDONE02)


def ms210_python():
    """MindSpore 2.10.0 + mindone 0.5.0 + numpy<2: loads SDXL on CPU, cannot generate (Ascend-only mint kernels)."""
    return framework_venv("ms210", MS210_MINDONE05)


def torch_python():
    """torch 2.13.0 (CPU) + diffusers + transformers + modelscope."""
    return framework_venv("torch213", TORCH_DIFFUSERS)


def python38():
    """Path of a real CPython 3.8 (pyenv's, or python3.8 on PATH), or fail."""
    cands = [shutil.which("python3.8")]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv")))
    cands += sorted(str(p) for p in pyenv_root.glob("versions/3.8*/bin/python3.8"))
    for c in cands:
        if not c:
            continue
        try:
            r = subprocess.run([c, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True)
        except OSError:
            continue
        if r.returncode == 0 and "(3, 8)" in r.stdout:
            return c
    pytest.fail("no Python 3.8 interpreter found (pyenv 3.8.x or python3.8 on PATH)")
