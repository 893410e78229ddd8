"""kb22b: install evidence for an image build whose pip step failed (BuildKit's "process ... pip install ... did not
complete successfully", as the Hugging Face Spaces builder prints it) and pip's InvalidWheel. Real text only."""

from tests.explain_support import infer_only

# https://github.com/huggingface/dataset-viewer/issues/2843 (a Space's build log)
SPACE_BUILD = """ERROR: Wheel 'botocore' located at /tmp/pip-unpack-6pji9o0y/botocore-1.12.198-py2.py3-none-any.whl is invalid.

[notice] A new release of pip available: 22.3.1 -> 24.0
[notice] To update, run: pip install --upgrade pip

--> ERROR: process "/bin/sh -c pip install --no-cache-dir -r /tmp/requirements.txt" did not complete successfully: exit code: 1"""


def _category(text):
    r = infer_only(text)
    return r["category"] if r else None


def test_space_build_pip_step_is_install():
    assert _category(SPACE_BUILD) == "install"


def test_pip_notice_alone_names_nothing():
    # pip's own upgrade notice of the same log: not a failure
    assert _category("[notice] A new release of pip available: 22.3.1 -> 24.0") is None
