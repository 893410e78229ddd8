"""The pairing tables against the package index as it is today (full tier: one JSON request per project).

Every Python range the tables give for a wheel must be exactly the cp tags of the files PyPI lists for that
release and architecture (MindSpore's ``cpXY-none-any`` files are its aarch64 builds), and every Requires-Python
the tables copy must be the one PyPI serves. When a vendor adds a wheel, this test says which row to update.
"""

import json
import re
import urllib.request
from collections import defaultdict

import pytest

from ascendfix.check import compat

pytestmark = pytest.mark.full
PYTHONS = ["3.{}".format(m) for m in range(7, 15)]


def releases(project):
    with urllib.request.urlopen("https://pypi.org/pypi/{}/json".format(project), timeout=120) as r:
        return json.load(r)["releases"]


def tags(files):
    """{arch: {"3.9", ...}} of the CPython wheels in a release's file list."""
    out = defaultdict(set)
    for f in files:
        m = re.search(r"-cp3(\d+)-[^-]+-(.+)\.whl$", f["filename"])
        if not m:
            continue
        plat = m.group(2)
        arch = "aarch64" if ("aarch64" in plat or plat == "any") else ("x86_64" if "x86_64" in plat else None)
        if arch:
            out[arch].add("3." + m.group(1))
    return out


def allowed(spec):
    return {p for p in PYTHONS if compat.in_spec(p + ".0", spec)}


def test_mindspore_rows_from_pypi_match_the_wheels():
    rel = releases("mindspore")
    for row in compat.table("mindspore.yaml"):
        on_pypi = [v for v in row["mindspore"] if rel.get(v)]
        if row["wheels"] == "mindspore-repo":
            assert not on_pypi, (row["id"], on_pypi)  # else the plan could use plain pip
            continue
        assert on_pypi, row["id"]
        for v in on_pypi:
            t = tags(rel[v])
            for arch in ("x86_64", "aarch64"):
                assert t[arch] == allowed(row["python"]), (row["id"], v, arch, sorted(t[arch]))


def test_torch_npu_builds_match_the_wheels():
    rel = releases("torch-npu")
    for row, pair in compat.torch_npu_pairs():
        t = tags(rel[pair["torch_npu"]])
        assert t["aarch64"] == allowed(pair["python"]), (row["id"], pair, sorted(t["aarch64"]))
        assert t["x86_64"] == allowed(compat.pair_python(pair, "x86_64")), (row["id"], pair, sorted(t["x86_64"]))


def test_mindiesd_rows_match_the_wheels():
    rel = releases("mindiesd")
    for row in compat.table("mindiesd.yaml"):
        files = rel[row["mindiesd"]]
        t = tags(files)
        for arch in ("x86_64", "aarch64"):
            spec = compat.top_python(row, arch)
            assert t.get(arch, set()) == (allowed(spec) if spec else set()), (row["id"], arch)
        assert {f["requires_python"] for f in files} == {row["requires_python"]}


def test_mindone_requires_python_matches():
    rel = releases("mindone")
    for row in compat.table("mindone.yaml"):
        assert {f["requires_python"] for f in rel[row["mindone"]]} == {row["requires_python"]}, row["id"]


# MindSpore releases a vendor map lists that the tables leave out, and why
KNOWN_ABSENT = {"2.11.0": "on no package index reachable here (not on PyPI): its wheels' Python range cannot be read"}


def test_mindformers_version_map_agrees(tmp_path):
    """mindformers ships a machine-readable map (mindformers/VERSION_MAP.json): MindSpore -> preferred CANN, CANN ->
    preferred driver. Every pair there must be one the tables document."""
    import subprocess
    import sys
    import zipfile

    r = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(tmp_path),
                        "mindformers==2.1.0"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    wheel = next(tmp_path.glob("mindformers-2.1.0-*.whl"))
    with zipfile.ZipFile(str(wheel)) as z:
        vmap = json.loads(z.read("mindformers/VERSION_MAP.json"))
    for ms, entry in vmap["ms"].items():
        row = compat.mindspore_row(ms)
        if row is None:
            assert ms in KNOWN_ABSENT, ms
            continue
        assert compat.mindspore_cann_fits(row, entry["prefer"]) == "documented", (ms, entry, row["cann"])
    for cann, entry in vmap["cann"].items():
        row = compat.cann_driver_row(cann)
        assert row is not None, cann
        assert entry["prefer"].lower() in [d.lower() for d in row["driver"]], (cann, entry, row["driver"])


def test_ascend_deployer_version_match_agrees(tmp_path):
    """ascend-deployer ships version_match.json (MindSpore_X / Torch-npu_X -> CANN_Y): every pair there is one the
    tables document, unless that torch_npu build is not on PyPI (a plan cannot pip-install it, so it is left out)."""
    import subprocess
    import sys
    import zipfile

    r = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(tmp_path),
                        "ascend-deployer==26.0.0"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    wheel = next(tmp_path.glob("ascend_deployer-26.0.0-*.whl"))
    with zipfile.ZipFile(str(wheel)) as z:
        vmap = json.loads(z.read("ascend_deployer/downloader/version_match.json"))
    on_pypi = releases("torch-npu")
    checked = 0
    for key, cann in vmap.items():
        if not isinstance(cann, str):
            continue
        name, _, version = key.partition("_")
        cann = cann.split("_", 1)[1]
        if name == "MindSpore":
            row = compat.mindspore_row(version.replace("-", ""))
            assert row is not None and compat.mindspore_cann_fits(row, cann) == "documented", (key, cann)
            checked += 1
        elif name == "Torch-npu":
            status, _, msg = compat.eval_torch_npu(cann, None, version)
            if not on_pypi.get(version):
                continue
            assert status == "ok", (key, cann, msg)
            checked += 1
    assert checked >= 25
