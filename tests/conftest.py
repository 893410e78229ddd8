"""Shared test fixtures.

Heavy resources (MindOne source trees, framework venvs) are built on first use and cached under
``$ASCENDFIX_TEST_CACHE`` (default ``~/.cache/ascendfix-tests``), so reruns and CI on the same
machine are fast. See tests/support.py.
"""

import os
import subprocess
import sys

import pytest


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
