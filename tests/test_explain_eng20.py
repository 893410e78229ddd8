"""eng20: the frames of the last traceback as category evidence (rules/explain_categories.yaml ``frame_evidence``,
read by explain/infer.py and Matcher.last_frames) — a second witness, the deciding one only when the last exception line
is bland, and never in a log whose run went on.

CAPTURE is real output: huggingface_hub 0.36.2 on CPython 3.11.7 (cached venv ms210, its folder shown as /opt/venv as in
tests/data/logs), ``HF_HUB_OFFLINE=1 HF_HOME=<empty dir> python fetch_or_local.py > log 2>&1``, the script::

    import traceback
    from huggingface_hub import hf_hub_download
    try:
        path = hf_hub_download("stabilityai/stable-diffusion-xl-base-1.0", "unet/diffusion_pytorch_model.fp16.safetensors")
    except Exception:
        traceback.print_exc()
        print("hub not reachable, using the local copy ./weights/unet.safetensors")
    print("generation finished: 1 image saved")

(a chained traceback: OfflineModeIsEnabled, then "The above exception was the direct cause of the following exception:"
and LocalEntryNotFoundError; then the script's fallback and its finish).
"""

from ascendfix.explain import engine, infer
from ascendfix.explain.kb import benign_entries, category_entries

CAPTURE = 'Traceback (most recent call last):\n  File "/opt/venv/lib/python3.11/site-packages/huggingface_hub/file_download.py", line 1550, in _get_metadata_or_catch_error\n    metadata = get_hf_file_metadata(\n               ^^^^^^^^^^^^^^^^^^^^^\n  File "/opt/venv/lib/python3.11/site-packages/huggingface_hub/utils/_validators.py", line 114, in _inner_fn\n    return fn(*args, **kwargs)\n           ^^^^^^^^^^^^^^^^^^^\n  File "/opt/venv/lib/python3.11/site-packages/huggingface_hub/file_download.py", line 1467, in get_hf_file_metadata\n    r = _request_wrapper(\n        ^^^^^^^^^^^^^^^^^\n  File "/opt/venv/lib/python3.11/site-packages/huggingface_hub/file_download.py", line 283, in _request_wrapper\n    response = _request_wrapper(\n               ^^^^^^^^^^^^^^^^^\n  File "/opt/venv/lib/python3.11/site-packages/huggingface_hub/file_download.py", line 306, in _request_wrapper\n    response = http_backoff(method=method, url=url, **params)\n               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n  File "/opt/venv/lib/python3.11/site-packages/huggingface_hub/utils/_http.py", line 307, in http_backoff\n    response = session.request(method=method, url=url, **kwargs)\n               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n  File "/opt/venv/lib/python3.11/site-packages/requests/sessions.py", line 651, in request\n    resp = self.send(prep, **send_kwargs)\n           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n  File "/opt/venv/lib/python3.11/site-packages/requests/sessions.py", line 784, in send\n    r = adapter.send(request, **kwargs)\n        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n  File "/opt/venv/lib/python3.11/site-packages/huggingface_hub/utils/_http.py", line 107, in send\n    raise OfflineModeIsEnabled(\nhuggingface_hub.errors.OfflineModeIsEnabled: Cannot reach https://huggingface.co/stabilityai/stable-diffusion-xl-base-1.0/resolve/main/unet/diffusion_pytorch_model.fp16.safetensors: offline mode is enabled. To disable it, please unset the `HF_HUB_OFFLINE` environment variable.\n\nThe above exception was the direct cause of the following exception:\n\nTraceback (most recent call last):\n  File "/tmp/capture/eng20/fetch_or_local.py", line 4, in <module>\n    path = hf_hub_download("stabilityai/stable-diffusion-xl-base-1.0", "unet/diffusion_pytorch_model.fp16.safetensors")\n           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n  File "/opt/venv/lib/python3.11/site-packages/huggingface_hub/utils/_validators.py", line 114, in _inner_fn\n    return fn(*args, **kwargs)\n           ^^^^^^^^^^^^^^^^^^^\n  File "/opt/venv/lib/python3.11/site-packages/huggingface_hub/file_download.py", line 1014, in hf_hub_download\n    return _hf_hub_download_to_cache_dir(\n           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n  File "/opt/venv/lib/python3.11/site-packages/huggingface_hub/file_download.py", line 1121, in _hf_hub_download_to_cache_dir\n    _raise_on_head_call_error(head_call_error, force_download, local_files_only)\n  File "/opt/venv/lib/python3.11/site-packages/huggingface_hub/file_download.py", line 1665, in _raise_on_head_call_error\n    raise LocalEntryNotFoundError(\nhuggingface_hub.errors.LocalEntryNotFoundError: An error happened while trying to locate the file on the Hub and we cannot find the requested files in the local cache. Please check your connection and try again or make sure your Internet connection is on.\nhub not reachable, using the local copy ./weights/unet.safetensors\ngeneration finished: 1 image saved\n'
LINES = CAPTURE.split("\n")
FINISHED = "generation finished: 1 image saved"
# the log cut after its traceback (the same run stopped there): the last line is the LocalEntryNotFoundError
CUT = LINES[:LINES.index(FINISHED) - 1]


def _entry(cid):
    return dict(next(e for e in category_entries() if e["id"] == cid))


def _frames_only(weight):
    """The shipped categories with their line evidence removed, missing_weights' hub frames weighing ``weight``: the
    last exception line names no category (it is bland to this knowledge), only the frames can."""
    entries = []
    for e in category_entries():
        e = dict(e, evidence=[])
        e.pop("frame_evidence", None)
        if e["id"] == "missing_weights":
            e["frame_evidence"] = [{"regex": r"/huggingface_hub/file_download\.py", "weight": weight}]
        entries.append(e)
    return infer.Inference(entries, benign_entries())


def _matcher(lines, inference=None):
    m = engine.Matcher(signatures=[], faults=[])
    if inference is not None:
        m.inference = inference
    m.feed_lines(lines)
    return m


def test_frame_text_reads_cpython_frames():
    assert infer.frame_text(LINES[1].strip()) == (
        "/opt/venv/lib/python3.11/site-packages/huggingface_hub/file_download.py in _get_metadata_or_catch_error")
    # a Windows path (https://github.com/ShineChen1024/MagicClothing/issues/11, AF062's example)
    assert infer.frame_text(r'File "E:\software\oms-Diffusion\garment_adapter\garment_diffusion.py", line 23, in __init__') \
        == "E:/software/oms-Diffusion/garment_adapter/garment_diffusion.py in __init__"
    # rich's boxed frame (captured: typer 0.20.1 on CPython 3.8.18, tests/data/logs/typer020_py38_future_import_nameerror.log)
    assert infer.frame_text("│ /root/.pyenv/versions/3.8.18/lib/python3.8/typing.py:518 in _evaluate        │") == \
        "/root/.pyenv/versions/3.8.18/lib/python3.8/typing.py in _evaluate"
    assert infer.frame_text(LINES[2].strip()) is None  # the source line under a frame
    assert infer.frame_text(CUT[-1]) is None


def test_only_the_last_block_of_a_chained_traceback():
    m = _matcher(CUT)
    header = max(i + 1 for i, ln in enumerate(CUT) if ln.startswith("Traceback"))
    frames = m.last_frames()
    assert frames and all(line > header for _, _, _, (line, _) in frames)
    cats = {m.inference.categories[ci][0] for ci, _, _, _ in frames}
    assert cats == {"missing_weights"}
    # the innermost frame that matched is the one kept (_raise_on_head_call_error)
    (line, text), = [f[3] for f in frames]
    assert CUT[line - 1].strip() == text and text.endswith("in _raise_on_head_call_error")


def test_a_frame_decides_a_bland_last_exception_and_is_shown():
    inf = _frames_only(3)
    m = _matcher(CUT, inf)
    assert not m.infer_seen  # no failing line names a category
    (r,) = m.results(1)
    assert r["id"] == "inferred:missing_weights"
    assert "frames of the last traceback" in r["cause"] or "whose frames run through" in r["cause"]
    shown = [e["line"] for e in r["evidence"]]
    assert shown[-1] == len(CUT)  # the last exception line
    assert CUT[shown[-2] - 1].strip().endswith("in _raise_on_head_call_error")  # the frame that decided


def test_one_frame_of_weight_two_is_no_answer_alone():
    # the rules name nothing; the learned fallback (learn26) guesses missing_weights from the hub's offline-mode words, the
    # category the shipped rules infer from these lines (test below): a fair guess, labelled as one
    assert [(r["kind"], r["category"]) for r in _matcher(CUT, _frames_only(2)).results(1)] == [
        ("guess", "missing_weights")]


def test_frames_are_a_second_witness_when_the_last_exception_names_a_category():
    # shipped data: the lines name missing_weights already; the frames add at most FRAME_CAP and change nothing
    m = _matcher(CUT)
    with_frames = m._infer_decision()[0]
    without = m._infer_decision(frames=False)[0]
    assert with_frames[0] == without[0] and with_frames[1] - without[1] <= infer.FRAME_CAP
    assert m.results(1)[0]["id"] == "inferred:missing_weights"
    assert "frames" not in m.results(1)[0]["cause"]  # they did not decide: not shown


def test_a_survived_traceback_stays_silent():
    # the whole capture: the script printed the traceback, fell back and finished; its hub frames must not speak
    for inf in (None, _frames_only(3)):
        m = _matcher(LINES, inf)
        assert m.last_frames()  # the frames are there ...
        assert m.inferred() is None and m.results(3) == []  # ... and the run went on


def test_no_frames_when_the_traceback_header_is_not_kept():
    m = engine.Matcher(signatures=[], faults=[])
    m.feed_lines(CUT)
    header = max(i for i, ln in enumerate(CUT) if ln.startswith("Traceback"))
    m.frame_tail = list(m.frame_tail)[header + 1:]  # the last traceback's header fell out of the kept lines
    m._frames = None
    assert m.last_frames() == []


def test_frames_are_not_in_the_prefilter():
    ere = engine.Matcher().grep_ere().decode("utf-8", "replace")
    for e in category_entries():
        for fe in e.get("frame_evidence") or []:
            assert fe["regex"] not in ere


def test_frame_tail_on_every_path(tmp_path):
    """The grep and Python pre-filters, a file and a pipe keep the same last lines for frames as feed_lines."""
    import io

    p = tmp_path / "cut.log"
    p.write_text("\n".join(CUT) + "\n", encoding="utf-8")
    want = _matcher(CUT).last_frames()
    for use_grep in (True, False):
        with open(p, "rb") as fh:
            assert engine.scan_stream(fh, signatures=[], use_grep=use_grep).last_frames() == want
        assert engine.scan_stream(io.BufferedReader(io.BytesIO(p.read_bytes())), signatures=[],
                                  use_grep=use_grep).last_frames() == want


def test_bad_frame_evidence_is_a_data_error(tmp_path, monkeypatch):
    import pytest
    import yaml

    from ascendfix.data import _ENV
    from ascendfix.errors import DataError

    entry = _entry("missing_weights")
    for bad, word in (({"regex": "/safetensors/", "weight": 9}, "weight"), ({"regex": "(", "weight": 2}, "bad regex")):
        folder = tmp_path / word.replace(" ", "_")
        folder.mkdir()
        cats = [dict(entry, frame_evidence=[bad])]
        (folder / "explain_categories.yaml").write_text(yaml.safe_dump(cats), encoding="utf-8")
        monkeypatch.setenv(_ENV["rules"], str(folder))
        with pytest.raises(DataError, match="frame_evidence\\[0\\]: " + word):
            category_entries()
