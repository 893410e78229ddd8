"""Shared test fixtures.

Heavy resources (MindOne source trees, framework venvs) are built on first use and cached under
``$ASCENDFIX_TEST_CACHE`` (default ``~/.cache/ascendfix-tests``), so reruns and CI on the same
machine are fast. See tests/support.py.
"""

import os
import subprocess
import sys

import pytest


# Two tiers. `pytest` runs the fast tier: offline, no real MindOne trees, no framework venvs, no other
# interpreters, no browser. `pytest --full` adds every test marked `full` (real trees from PyPI sdists,
# framework venvs, Python 3.8, Chromium, ansible); there a missing resource fails instead of skipping.
# `py38` marks tests about Python 3.8 itself: CI runs `pytest -m py38 --full` under 3.8 next to the fast tier.
def pytest_addoption(parser):
    parser.addoption("--full", action="store_true", default=False,
                     help="also run the full tier (real trees, framework venvs, Python 3.8, browser)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--full"):
        return
    skip = pytest.mark.skip(reason="full tier (run pytest --full)")
    for item in items:
        if item.get_closest_marker("full") is not None:
            item.add_marker(skip)


@pytest.fixture
def run_cli(tmp_path):
    """Run ``python -m ascendfix ARGS`` in a subprocess (as a user would), from ``tmp_path``."""

    def _run(*args, input=None, env=None, cwd=None, timeout=600):
        full_env = dict(os.environ)
        full_env.pop("ASCENDFIX_DEBUG", None)
        full_env.setdefault("NO_COLOR", "1")
        if env:
            full_env.update(env)
        return subprocess.run(
            [sys.executable, "-m", "ascendfix"] + [str(a) for a in args],
            input=input,
            capture_output=True,
            env=full_env,
            cwd=str(cwd or tmp_path),
            timeout=timeout,
        )

    return _run


@pytest.fixture(scope="session")
def py38_patched_tree(tmp_path_factory):
    """``get(version) -> (tree, CompletedProcess)``: a copy of the real MindOne ``version`` tree after
    ``ascendfix apply --rule py38-annotations --rule py38-stdlib --json``, made once per session.

    Shared by the Python 3.8 corpus test and the from_pretrained end-to-end test (which only read it),
    so the whole-tree apply runs once per version instead of once per test.
    """
    from support import copy_tree, mindone_tree

    made = {}

    def get(version):
        if version not in made:
            tree = copy_tree(mindone_tree(version), tmp_path_factory.mktemp("py38-" + version) / "mindone")
            env = dict(os.environ)
            env.pop("ASCENDFIX_DEBUG", None)
            env["NO_COLOR"] = "1"
            r = subprocess.run(
                [sys.executable, "-m", "ascendfix", "apply", str(tree), "--rule", "py38-annotations",
                 "--rule", "py38-stdlib", "--json", "--jobs", "2"],
                capture_output=True, env=env, timeout=3000,
            )
            made[version] = (tree, r)
        return made[version]

    return get
