"""The signature knowledge base verifies itself: every entry's real excerpts must match (and rank it
first unless a more specific entry also matches the same text), every near-miss must not match.

Adding an entry to rules/signatures/ adds its cases here without touching this file.
"""

import re

from pathlib import Path

import pytest

from ascendfix.data import data_root, load_yaml
from ascendfix.explain.engine import explain_lines, explain_stream, explain_text
from ascendfix.explain.kb import APPLY_RULES, CATEGORIES, load_signatures

try:  # Python 3.11+ moved the parser
    from re import _constants as sre_constants
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants
    import sre_parse

SIGS = load_signatures(compile_all=True)  # every regex compiles (they are lazy in normal runs)
BY_ID = {s.id: s for s in SIGS}
LOGS = Path(__file__).parent / "data" / "logs"


def _cases(kind):
    for sig in SIGS:
        for i, ex in enumerate(sig.examples[kind]):
            yield pytest.param(sig, ex, id="{}-{}{}".format(sig.id, kind, i))


@pytest.mark.parametrize("sig,example", list(_cases("match")))
def test_match_examples(sig, example):
    matches = explain_text(example["text"], limit=None)
    ids = [m["id"] for m in matches]
    assert sig.id in ids, "{} did not match its own excerpt (got {})".format(sig.id, ids)
    # it must rank first unless what ranks above it is a *more specific* entry (higher priority)
    def rank(s):
        return (0 if s.severity == "error" else 1, -s.priority)

    for other in ids[: ids.index(sig.id)]:
        assert rank(BY_ID[other]) <= rank(sig), "{} ranked below {} which is not more specific".format(sig.id, other)
    m = matches[ids.index(sig.id)]
    assert m["evidence"], "no evidence lines"
    lines = example["text"].split("\n")
    for ev in m["evidence"]:
        assert 1 <= ev["line"] <= len(lines)
        # the evidence is (a window of) the real line it points at
        assert ev["text"].strip("…")[:40] in lines[ev["line"] - 1]


@pytest.mark.parametrize("sig,example", list(_cases("no_match")))
def test_no_match_examples(sig, example):
    ids = [m["id"] for m in explain_text(example["text"], limit=None)]
    assert sig.id not in ids


@pytest.mark.parametrize("sig", SIGS, ids=[s.id for s in SIGS])
def test_entry_is_well_formed(sig):
    assert re.match(r"^AF\d{3}$", sig.id)
    assert sig.path.name.startswith(sig.id + "-"), "file name should start with the id"
    assert sig.category in CATEGORIES
    assert sig.apply_rule is None or sig.apply_rule in APPLY_RULES
    assert sig.title and sig.cause and sig.fix and sig.explanation
    for kind in ("match", "no_match"):
        for ex in sig.examples[kind]:
            src = ex["source"]
            assert src.startswith(("https://", "http://", "captured: ", "seed blog post")), src
            if src.startswith("captured: ") and "tests/data/logs/" in src:
                name = src.split("tests/data/logs/")[1].split()[0]
                assert (LOGS / name).is_file(), "raw capture {} missing".format(name)
    for link in sig.links:
        assert link.startswith("https://")


def test_ids_unique_and_files_one_entry_each():
    files = sorted((data_root("rules") / "signatures").glob("*.yaml"))
    assert len(files) == len(SIGS)
    for f in files:
        assert isinstance(load_yaml(f), dict), "{}: one mapping per file".format(f.name)


def test_categories_all_covered():
    assert {s.category for s in SIGS} == set(CATEGORIES)


def _unbounded_repeats(parsed):
    """Yield every unbounded repeat (*, +, {n,}) in a parsed regex."""
    for op, av in parsed:
        if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            lo, hi, sub = av
            if hi == sre_constants.MAXREPEAT:
                yield (op, lo)
            for x in _unbounded_repeats(sub):
                yield x
        elif op == sre_constants.SUBPATTERN:
            for x in _unbounded_repeats(av[-1]):
                yield x
        elif op == sre_constants.BRANCH:
            for branch in av[1]:
                for x in _unbounded_repeats(branch):
                    yield x
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            for x in _unbounded_repeats(av[1]):
                yield x


@pytest.mark.parametrize("sig", SIGS, ids=[s.id for s in SIGS])
def test_patterns_have_only_bounded_repeats(sig):
    """Static analysis: no *, + or {n,} anywhere, so no pattern can backtrack without bound."""
    for p in sig.entry["patterns"]:
        bad = list(_unbounded_repeats(sre_parse.parse(p["regex"])))
        assert not bad, "{}: unbounded repeat in {!r}; use {{0,N}}".format(sig.id, p["regex"])


@pytest.mark.parametrize("sig", SIGS, ids=[s.id for s in SIGS])
def test_anchors_cover_the_examples(sig):
    """Every line a pattern matches in the examples contains one of its anchors (else the pre-filter hides it)."""
    for ex in sig.examples["match"]:
        for line in ex["text"].split("\n"):
            for p in sig.patterns:
                if p.regex.search(line):
                    assert any(a in line for a in p.anchors), "{}: {!r} matches but no anchor of {}".format(
                        sig.id, line, p.anchors
                    )


# -- the raw captures in tests/data/logs, read as files (both pre-filter paths) -------------------
EXPECTED_TOP = {
    "ms27_cpu_maskedfill_fp16.log": "AF003",
    "ms210_cpu_mint_zeros_like.log": "AF017",
    "ms210_mindone050_future_import_sdxl.log": "AF014",
    "ms210_mindone050_future_import_from_pretrained_keyerror.log": "AF029",
    "py38_list_subscript.log": "AF011",
    "py38_runtime_alias_after_future_import.log": "AF012",
    "ms210_mindone050_tiny_sd_cpu_generate.log": "AF017",
    "pip_numpy2_into_ms27_mindone02.log": "AF022",
    "torch213_compile_backend_ascend.log": "AF030",
    "torch213_cpu_no_torch_npu.log": "AF031",
}


def test_every_capture_has_an_expectation():
    assert sorted(p.name for p in LOGS.glob("*.log")) == sorted(EXPECTED_TOP)


@pytest.mark.parametrize("name", sorted(EXPECTED_TOP))
@pytest.mark.parametrize("use_grep", [None, False], ids=["grep", "python"])
def test_captured_logs(name, use_grep):
    with open(str(LOGS / name), "rb") as fh:
        report = explain_stream(fh, use_grep=use_grep)
    assert report["matches"][0]["id"] == EXPECTED_TOP[name]
    assert report["lines_read"] == (LOGS / name).read_bytes().count(b"\n") + (
        0 if (LOGS / name).read_bytes().endswith(b"\n") else 1
    )


def test_fix_is_templated_from_captures():
    m = explain_text(
        "RuntimeError: NPU out of memory. Tried to allocate 3.47 GiB (NPU 0; 60.97 GiB total capacity; "
        "58.92 GiB already allocated; 58.92 GiB current active; 1.66 GiB free; 58.95 GiB reserved in total by PyTorch)"
    )[0]
    assert m["id"] == "AF004"
    assert "3.47 GiB" in m["cause"] and "NPU 0" in m["cause"] and "60.97 GiB" in m["cause"]
    m = explain_text(open(str(LOGS / "ms27_cpu_maskedfill_fp16.log"), encoding="utf-8").read())[0]
    assert m["id"] == "AF003" and "Float16" in m["cause"] and "Int64" in m["cause"]
    assert m["apply_rule"] == "masked-fill-dtype"
    m = explain_text(open(str(LOGS / "ms210_cpu_mint_zeros_like.log"), encoding="utf-8").read())[0]
    assert "ZerosLikeExt" in m["cause"]


def test_specific_cause_outranks_generic_wrapper_in_either_order():
    wrapper = BY_ID["AF025"].examples["match"][1]["text"]
    oom = BY_ID["AF005"].examples["match"][0]["text"]
    hccl = BY_ID["AF008"].examples["match"][0]["text"]
    for text in (wrapper + "\n" + oom, oom + "\n" + wrapper):
        ids = [m["id"] for m in explain_text(text, limit=None)]
        assert ids[0] == "AF005" and "AF025" in ids
    ids = [m["id"] for m in explain_text(hccl, limit=None)]
    assert ids[0] == "AF008" and ids.index("AF027") > ids.index("AF008")


def test_context_entries_never_outrank_errors():
    text = BY_ID["AF022"].examples["match"][0]["text"] + "\n" + BY_ID["AF021"].examples["match"][0]["text"]
    ids = [m["id"] for m in explain_text(text, limit=None)]
    assert ids[:2] == ["AF021", "AF022"]
    assert explain_text(text, limit=None)[1]["confidence"] < explain_text(text, limit=None)[0]["confidence"]


def test_new_ascend_code_form_is_recognised():
    """CANN 8.x prints Name(CODE): as well as CODE: (both lines are real, see AF008 / AF005)."""
    old = explain_text(
        "[rank1]: EI0006: [PID: 1292363] 2025-04-08-18:07:20.444.436 Getting socket times out. "
        "Reason: Remote Rank did not send the data in time. Please check the reason for the rank being stuck"
    )[0]["id"]
    new = explain_text("Communication_Error_Get_Socket(EI0006)")[0]["id"]
    assert old == new == "AF008"
    line = "[ERROR] RecentErrMsg: [PID: 1613532] 2026-03-24-12:14:45.885.234 Memory_Allocation_Failure(EL0004): Failed to allocate memory."
    assert explain_text(line)[0]["id"] == "AF005"
    assert explain_text("EL9999[PID: 7136] 2026-04-17-11:29:42.001.734 (EL9999):  [drv api] halDeviceEnableP2P failed")[0]["id"] == "AF026"


def test_api_accepts_bytes_str_and_limits():
    text = BY_ID["AF008"].examples["match"][0]["text"]
    assert len(explain_text(text, limit=1)) == 1
    assert explain_text(text.encode("utf-8"))[0]["id"] == "AF008"
    assert explain_lines(iter(text.encode("utf-8").splitlines(True)))[0]["id"] == "AF008"
    ev = explain_lines([line + "\r\n" for line in text.split("\n")])[0]["evidence"][0]
    assert ev["line"] == 3 and ev["text"].startswith("[rank1]: EI0006") and "\r" not in ev["text"]
    assert explain_text("") == []
    keys = ["id", "category", "title", "confidence", "evidence", "cause", "fix", "apply_rule"]
    assert list(explain_text(text)[0]) == keys


def test_template_optional_segments():
    sig = BY_ID["AF004"]
    bare = sig.render(sig.cause, {"size": "52.00 MiB"})
    assert bare.startswith("torch_npu could not allocate 52.00 MiB on the NPU. ")
    full = sig.render(sig.cause, {"size": "1 GiB", "device": "3", "allocated": "2 GiB", "total": "60 GiB"})
    assert "(NPU 3: 2 GiB of 60 GiB already allocated)" in full
    for s in SIGS:  # nothing unrendered leaks into a report, whatever was captured
        for text in (s.render(s.cause, {}), s.render(s.fix, {})):
            assert "[?" not in text and "?]" not in text


def test_partial_oom_line_reads_well():
    m = explain_text("torch.OutOfMemoryError: NPU out of memory. Tried to allocate 72.00 MiB")[0]
    assert m["id"] == "AF004" and "72.00 MiB on the NPU." in m["cause"] and "?" not in m["cause"]
