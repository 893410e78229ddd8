"""kb22b: install evidence for an image build whose pip step failed (BuildKit's "process ... pip install ... did not
complete successfully", as the Hugging Face Spaces builder prints it) and pip's InvalidWheel. Real text only."""

import pytest

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


# -- rev22b: precedence and the run-went-on veto of the kb22b families. The logs are composed from real lines: the
# signatures' own examples (each one's source is in its file), in the order the emitting programs print them.
from tests.explain_support import example, matcher  # noqa: E402


def _results_notes(text):
    m = matcher(text)
    return [r["id"] for r in m.results()], [n["id"] for n in m.notes()]


def test_rate_limit_outranks_the_hub_unreachable_wrapper():
    # huggingface_hub raises LocalEntryNotFoundError from a failed HEAD call that is not a 401 / missing repository
    # (file_download.py _raise_on_head_call_error): the 429 above it is the cause (AF1033 example 0, transformers#34841;
    # AF049's LocalEntryNotFoundError line, HumanGaussian#4)
    text = example("AF1033") + "\n" + example("AF049", "match", 2).splitlines()[-1]
    results, _ = _results_notes(text)
    assert results[:2] == ["AF1033", "AF049"]


def test_rejected_token_outranks_the_not_a_model_identifier_wrapper():
    # transformers' OSError after the refused token (AF1037 example 0, Wan2GP#455; AF063 example 0, detoxify#99)
    text = example("AF1037") + "\n" + example("AF063")
    results, _ = _results_notes(text)
    assert results[:2] == ["AF1037", "AF063"]


def test_bare_401_is_not_a_rejected_token():
    # the Hub's 401 without its "Invalid credentials" body: also a missing, private or gated repository
    results, notes = _results_notes(example("AF1037", "no_match", 0))
    assert "AF1037" not in results + notes


def test_apt_error_counts_only_when_the_run_stopped():
    apt = example("AF1044")  # apt's "has no installation candidate" (PixelTextureForge#7)
    assert _results_notes(apt)[0] == ["AF1044"]
    # the image build stopping after it (BuildKit's line of the Space build log above)
    assert _results_notes(apt + "\n" + SPACE_BUILD.splitlines()[-1])[0][:1] == ["AF1044"]
    # a script that went on past apt's error (a finished progress bar: AF1041 example 0's first line, ChatGLM2-6B#616)
    went_on = apt + "\n" + example("AF1041").splitlines()[0]
    assert _results_notes(went_on) == ([], ["AF1044"])


@pytest.mark.parametrize("sig_id,i", [("AF040", 0), ("AF039", 1)])
def test_resolver_failure_above_the_build_step_stays_pip_conflict(sig_id, i):
    # the build-step evidence is weight 3 on purpose: pip's own resolver failure (AF040 / AF039's examples) above
    # BuildKit's line still names pip_conflict, not install
    assert _category(example(sig_id, "match", i) + "\n\n" + SPACE_BUILD.splitlines()[-1]) == "pip_conflict"
