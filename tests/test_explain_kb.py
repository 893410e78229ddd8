"""The knowledge base verifies itself: every signature's real excerpts must match (and rank it first
unless a more specific entry also matches the same text), every near-miss must not match; every code
family's real lines must resolve to the expected code, and every table row must be well-formed.

Adding an entry to rules/signatures/ or a row to rules/codes/ adds its cases here without touching this file.
"""

import re
from pathlib import Path

import pytest

from ascendfix.data import data_root, load_yaml
from ascendfix.errors import DataError
from ascendfix.explain import engine, kb
from ascendfix.explain import lines as linefmt
from ascendfix.explain.codes import ROLES, load_families
from ascendfix.explain.engine import Matcher, explain_lines, explain_stream, explain_text, rank_key
from ascendfix.explain.kb import APPLY_RULES, CATEGORIES, load_signatures

try:  # Python 3.11+ moved the parser
    from re import _constants as sre_constants
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants
    import sre_parse

SIGS = load_signatures(compile_all=True)  # every regex compiles (they are lazy in normal runs)
BY_ID = {s.id: s for s in SIGS}
FAMS = load_families()
LOGS = Path(__file__).parent / "data" / "logs"
SOURCE_PREFIXES = ("https://", "http://", "captured: ", "blog post ")
# what a user must never read in a signature: this machine's folders, the project's internal names
MACHINE_WORDS = re.compile(r"/work/(?:shared|wt|coord)|/tmp/warm|/tmp/kb2|ascendfix-tests/venvs|\b[Ss]eed (?:recipe|blog|00\d)|seed-00\d|seed's")


def _hits(text):
    m = Matcher()
    m.feed_lines(text.split("\n"))
    return m.ranked()


def _cases(kind):
    for sig in SIGS:
        for i, ex in enumerate(sig.examples[kind]):
            yield pytest.param(sig, ex, id="{}-{}{}".format(sig.id, kind, i))


@pytest.mark.parametrize("sig,example", list(_cases("match")))
def test_match_examples(sig, example):
    hits = _hits(example["text"])
    ids = [h.id for h in hits]
    assert sig.id in ids, "{} did not match its own excerpt (got {})".format(sig.id, ids)
    mine = hits[ids.index(sig.id)]
    # it ranks first unless what ranks above it is at least as specific (same or better tier and priority)
    for other in hits[: ids.index(sig.id)]:
        assert rank_key(other)[:2] <= rank_key(mine)[:2], "{} ranked below {} which is not more specific".format(
            sig.id, other.id)
    assert mine.evidence, "no evidence lines"
    lines = example["text"].split("\n")
    escapes = linefmt.detect_escapes(lines)
    if escapes is not None:  # (read26) an escaped log (a JSON log line) is read with its escapes undone
        lines = escapes.decode(example["text"].encode("utf-8")).decode("utf-8").split("\n")
    for ln, text in mine.evidence:
        assert 1 <= ln <= len(lines)
        # the evidence is (a window of) the real line it points at
        assert text.strip("…")[:40] in lines[ln - 1]


@pytest.mark.parametrize("sig,example", list(_cases("no_match")))
def test_no_match_examples(sig, example):
    assert sig.id not in [h.id for h in _hits(example["text"])]


@pytest.mark.parametrize("sig", SIGS, ids=[s.id for s in SIGS])
def test_entry_is_well_formed(sig):
    assert kb.ID_RE.match(sig.id)  # AF001..AF999, then AF1000 and up
    assert sig.path.name.startswith(sig.id + "-"), "file name should start with the id"
    assert sig.category in CATEGORIES
    assert sig.role in ROLES
    assert sig.apply_rule is None or sig.apply_rule in APPLY_RULES
    assert sig.title and sig.cause and sig.fix and sig.explanation
    for kind in ("match", "no_match"):
        for ex in sig.examples[kind]:
            src = ex["source"]
            assert src.startswith(SOURCE_PREFIXES), src
            assert not MACHINE_WORDS.search(src), "no machine paths or project jargon in sources: " + src
            assert not MACHINE_WORDS.search(ex["text"]), "no machine paths in example text: " + ex["text"][:80]
            if src.startswith("captured: ") and "tests/data/logs/" in src:
                name = src.split("tests/data/logs/")[1].split()[0]
                assert (LOGS / name).is_file(), "raw capture {} missing".format(name)
    for link in sig.links:
        assert link.startswith("https://")
    for field in (sig.title, sig.cause, sig.fix, sig.explanation):
        assert not MACHINE_WORDS.search(field), "{}: machine paths or project jargon in user text".format(sig.id)


def test_ids_unique_and_files_one_entry_each():
    files = sorted((data_root("rules") / "signatures").glob("*.yaml"))
    assert len(files) == len(SIGS)
    for f in files:
        assert isinstance(load_yaml(f), dict), "{}: one mapping per file".format(f.name)


def test_categories_all_covered():
    """Every category has a signature or a code row that names it."""
    used = {s.category for s in SIGS}
    for fam in FAMS:
        used |= {r.category for r in fam.rows.values()} | {g.category for g in fam.groups}
    assert used == set(CATEGORIES)


def test_categories_and_apply_rules_are_data(tmp_path, monkeypatch):
    """A category is added by data alone (rules/explain_categories.yaml); apply rules come from the codemod folders."""
    import shutil

    from ascendfix.explain import kb

    assert "blanket-future-import" in kb.apply_rules() and set(APPLY_RULES) == set(kb.apply_rules())
    assert kb.category_title("host_oom") and all(e["description"] for e in kb.category_entries())
    rules = tmp_path / "rules"
    shutil.copytree(str(data_root("rules")), str(rules))
    with open(str(rules / "explain_categories.yaml"), "a", encoding="utf-8") as fh:
        fh.write("- id: quantization\n  title: Quantized weights\n  description: A quantized model the runtime cannot load.\n")
    sig = (rules / "signatures" / "AF086-folder-is-not-a-model.yaml").read_text(encoding="utf-8")
    (rules / "signatures" / "AF999-new-category.yaml").write_text(
        sig.replace("id: AF086", "id: AF999").replace("category: missing_weights", "category: quantization"),
        encoding="utf-8")
    monkeypatch.setenv("ASCENDFIX_RULES_DIR", str(rules))
    sigs = {s.id: s for s in load_signatures()}
    assert sigs["AF999"].category == "quantization" and "quantization" in kb.categories()
    (rules / "signatures" / "AF999-new-category.yaml").write_text(
        sig.replace("id: AF086", "id: AF999").replace("category: missing_weights", "category: no_such_category"),
        encoding="utf-8")
    kb._CACHE.pop(str(rules), None)
    with pytest.raises(DataError, match="unknown category 'no_such_category'"):
        load_signatures()
    kb._CACHE.pop(str(rules), None)


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


def _all_regexes():
    for sig in SIGS:
        for p in sig.entry["patterns"]:
            yield sig.id, p["regex"]
            if p.get("unless"):
                yield sig.id + " unless", p["unless"]
    for fam in FAMS:
        for d in fam.detectors:
            yield fam.name, d.source
            yield fam.name + " prefilter", d.prefilter
    for k in engine.KEY_PREFILTERS:
        yield "key-line prefilter", k
    yield "exception line", engine._EXCEPTION_RE.pattern


@pytest.mark.parametrize("where,rx", list(_all_regexes()))
def test_patterns_have_only_bounded_repeats(where, rx):
    """Static analysis: no *, + or {n,} anywhere, so no pattern can backtrack without bound."""
    bad = list(_unbounded_repeats(sre_parse.parse(rx)))
    assert not bad, "{}: unbounded repeat in {!r}; use {{0,N}}".format(where, rx)


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


# -- the error-code table ------------------------------------------------------------------------------
def _family_cases(kind):
    for fam in FAMS:
        for i, ex in enumerate(fam.examples[kind]):
            yield pytest.param(fam, ex, id="{}-{}{}".format(fam.name, kind, i))


def _codes_found(fam, text):
    out = []
    for line in text.split("\n"):
        for d in fam.detectors:
            for m in d.regex.finditer(line):
                out.append(d.code(m))
    return out


@pytest.mark.parametrize("fam,example", list(_family_cases("match")))
def test_code_family_examples(fam, example):
    codes = _codes_found(fam, example["text"])
    assert codes, "{}: no code found in its own example".format(fam.name)
    ids = [fam.lookup(c).id if fam.lookup(c).code else c for c in codes]
    if example.get("id"):
        assert example["id"] in ids
    # the prefilter lets every line with a code through (both pre-filter paths use it)
    for line in example["text"].split("\n"):
        if _codes_found(fam, line):
            assert any(re.search(d.prefilter, line) for d in fam.detectors), line
    # and the whole engine reports it (unless a signature explains the same line)
    hits = _hits(example["text"])
    assert hits


@pytest.mark.parametrize("fam,example", list(_family_cases("no_match")))
def test_code_family_near_misses(fam, example):
    assert _codes_found(fam, example["text"]) == []


@pytest.mark.parametrize("fam", FAMS, ids=[f.name for f in FAMS])
def test_code_rows_are_well_formed(fam):
    assert fam.source.startswith("https://")
    assert fam.rows, "a family needs rows"
    for row in list(fam.rows.values()) + list(fam.groups):
        where = "{} {}".format(fam.name, row.code or row.prefix)
        assert row.category in CATEGORIES, where
        assert row.role in ROLES, where
        assert row.source.startswith("https://"), where
        assert row.meaning.endswith((".", ")")) and len(row.meaning) > 15, where
        assert row.next and row.title, where
        assert 1 <= row.priority <= 100, where
    for ex in fam.examples["match"] + fam.examples["no_match"]:
        assert ex["source"].startswith(SOURCE_PREFIXES)


def test_every_documented_family_is_in_the_table():
    names = {f.name for f in FAMS}
    assert {"cann", "acl", "torch_npu", "hccl", "mindie"} <= names
    rows = {f.name: f.rows for f in FAMS}
    # CANN modules, the newer Name(CODE) form and every E?9999
    for code in ("EZ9999", "EE9999", "EI9999", "EL9999", "E19999", "E39999", "EI0006", "EL0004", "E40020"):
        assert code in rows["cann"], code
    cann = [f for f in FAMS if f.name == "cann"][0]
    assert {g.prefix for g in cann.groups} >= {"E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "E9", "EB", "EE",
                                                "EH", "EI", "EJ", "EK", "EL", "EZ"}
    for code in ("107001", "207001", "507035", "507015", "561003", "161002", "100000", "145000", "545000"):
        assert code in rows["acl"], code
    assert "01100" in rows["torch_npu"] and "02200" in rows["torch_npu"]
    assert "9" in rows["hccl"]
    assert "MIE06E000005" in rows["mindie"]
    assert {"0x07020014", "0x07010006", "0x07020009"} <= set(rows["rt"])


def test_code_categories_follow_their_meaning():
    """Every row, generated or written by hand, carries the category its meaning implies (the generator's rules):
    device setup -> device_unavailable, a device held elsewhere -> device_busy, graph capture -> graph_compile_crash."""
    from ascendfix.explain._tablegen import meaning_category

    checked = 0
    for fam in FAMS:
        for row in list(fam.rows.values()) + list(fam.groups):
            meant = meaning_category("{} {}".format(row.name or row.id or "", row.title))
            if meant is not None:
                checked += 1
                assert (row.category, row.role) == meant[:2], (fam.name, row.code or row.prefix, row.title)
    assert checked > 40
    assert meaning_category("ACL_ERROR_RT_DEV_SETUP_ERROR device setup failed")[0] == "device_unavailable"
    assert meaning_category("RT_ERROR_DRV_OCCUPY driver occupy error")[0] == "device_busy"
    assert meaning_category("ACL_ERROR_RT_STREAM_CAPTURE_INVALIDATED")[0] == "graph_compile_crash"
    assert meaning_category("ACL_ERROR_RT_INVALID_DEVICE_FUNCTION invalid device function") is None


def test_runtime_internal_codes_are_looked_up_in_any_spelling():
    from ascendfix.explain.codes import find_code

    for spelling in ("0x7020014", "0x07020014", "0X7020014", "RT_ERROR_DRV_INVALID_HANDLE"):
        fam, row, code = find_code(spelling)
        assert fam is not None and fam.name == "rt" and code == "0x07020014", spelling
        assert row.category == "device_unavailable"


# -- ranking: root cause first, consequences and wrappers after -----------------------------------------
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
    for text in (wrapper + "\n" + oom, oom + "\n" + wrapper):
        ms = explain_text(text, limit=None)
        ids = [m["id"] for m in ms]
        assert ids[0] == "AF005" and "AF025" in ids
        assert ms[ids.index("AF025")]["consequence_of"] == "AF005"


def test_code_row_ranks_between_signature_and_wrapper():
    """torch_npu's wrapper line carries the AscendCL code: the code row (vector core exception) names more
    than the wrapper, and an OOM signature names more than the code."""
    wrapper = BY_ID["AF027"].examples["match"][1]["text"]  # "NPU function error: ..., error code is 561103"
    ids = [m["id"] for m in explain_text(wrapper, limit=None)]
    assert ids[0] == "561103" and "AF027" in ids
    oom = BY_ID["AF004"].examples["match"][0]["text"]
    ids = [m["id"] for m in explain_text(wrapper + "\n" + oom, limit=None)]
    assert ids[:2] == ["AF004", "561103"]


def test_a_code_alone_still_gets_an_explanation():
    line = "[rank1]: EI0009: [PID: 2225827] 2025-09-24-20:59:48.119.066 Transport init error. Reason: [Create][DestLink]Create Dest error!"
    m = explain_text(line)[0]
    assert m["id"] == "EI0009" and m["kind"] == "code" and m["category"] == "hccl" and "EI0009" in m["cause"]
    # a code the table has no row for is explained by its module
    m = explain_text("EZ4242: [PID: 1] 2025-01-01-00:00:00.000.000 something failed")[0]
    assert m["id"] == "EZ4242" and m["category"] == "kernel_unsupported"


def test_signature_claims_its_code():
    """AF008 explains EI0006: the EI0006 row does not repeat it, on the same line or another."""
    text = BY_ID["AF008"].examples["match"][0]["text"]
    ids = [m["id"] for m in explain_text(text, limit=None)]
    assert ids[0] == "AF008" and "EI0006" not in ids
    ids = [m["id"] for m in explain_text("Communication_Error_Get_Socket(EI0006)", limit=None)]
    assert ids == ["AF008"]


def test_collective_timeout_is_a_consequence_of_a_cause():
    oom = BY_ID["AF004"].examples["match"][0]["text"]
    hccl = BY_ID["AF008"].examples["match"][2]["text"]
    ms = explain_text(hccl + "\n" + oom, limit=None)
    assert ms[0]["id"] == "AF004"
    after = [m for m in ms if m["id"] == "AF008"][0]
    assert after["role"] == "consequence" and after["consequence_of"] == "AF004"
    # alone, the timeout is what there is to say
    assert explain_text(hccl)[0]["id"] == "AF008"


def test_context_entries_never_lead_and_stay_silent_alone():
    text = BY_ID["AF015"].examples["match"][0]["text"]
    assert explain_text(text) == []
    m = Matcher()
    m.feed_lines(text.split("\n"))
    assert [n["id"] for n in m.notes()] == ["AF015"] and not m.failed()
    crash = BY_ID["AF021"].examples["match"][0]["text"]
    ids = [x["id"] for x in explain_text(text + "\n" + crash, limit=None)]
    assert ids[0] == "AF021" and ids[-1] == "AF015"


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


def test_api_accepts_bytes_str_and_limits():
    text = BY_ID["AF008"].examples["match"][0]["text"]
    assert len(explain_text(text, limit=1)) == 1
    assert explain_text(text.encode("utf-8"))[0]["id"] == "AF008"
    assert explain_lines(iter(text.encode("utf-8").splitlines(True)))[0]["id"] == "AF008"
    ev = explain_lines([line + "\r\n" for line in text.split("\n")])[0]["evidence"][0]
    assert ev["line"] == 3 and ev["text"].startswith("[rank1]: EI0006") and "\r" not in ev["text"]
    assert explain_text("") == []
    keys = ["id", "category", "title", "rank", "role", "kind", "evidence", "cause", "fix", "apply_rule", "links"]
    assert list(explain_text(text)[0])[: len(keys)] == keys


def test_template_optional_segments():
    sig = BY_ID["AF004"]
    bare = sig.render(sig.cause, {"size": "52.00 MiB"})
    assert bare.startswith("torch_npu could not allocate 52.00 MiB on the NPU. ")
    full = sig.render(sig.cause, {"size": "1 GiB", "device": "3", "allocated": "2 GiB", "total": "60 GiB"})
    assert "(NPU 3: 2 GiB of 60 GiB already allocated)" in full
    for s in SIGS:  # nothing unrendered leaks into a report, whatever was captured
        for text in (s.render(s.cause, {}), s.render(s.fix, {})):
            assert "[?" not in text and "?]" not in text


def test_module_is_filled_from_the_code_table():
    m = explain_text("[rank0]: EE9999: Inner Error!")[0]
    assert m["id"] == "AF026" and "EE9999" in m["cause"] and "runtime" in m["cause"]


def test_partial_oom_line_reads_well():
    m = explain_text("torch.OutOfMemoryError: NPU out of memory. Tried to allocate 72.00 MiB")[0]
    assert m["id"] == "AF004" and "72.00 MiB on the NPU." in m["cause"] and "?" not in m["cause"]


def test_launcher_prefixes_do_not_hide_a_signature():
    """Patterns anchored at the start of the message still match under torchrun / vLLM / logging prefixes."""
    base = "ChatType = list[dict[str, str]]\nTypeError: 'type' object is not subscriptable"
    assert explain_text(base)[0]["id"] == "AF012"
    for prefix in ("[rank3]: ", "(Worker_TP3 pid=4242) ", "2025-01-02T03:04:05.123456789Z "):
        text = "\n".join(prefix + line for line in base.split("\n"))
        assert explain_text(text)[0]["id"] == "AF012", prefix


# -- the raw captures in tests/data/logs, read as files (both pre-filter paths) -------------------
EXPECTED_TOP = {
    "ms27_cpu_maskedfill_fp16.log": "AF003",
    "py311_future_annotations_get_type_hints.log": "AF057",
    "ms210_cpu_mint_zeros_like.log": "AF017",
    "ms210_mindone050_future_import_sdxl.log": "AF014",
    "ms210_mindone050_future_import_from_pretrained_keyerror.log": "AF029",
    "py38_list_subscript.log": "AF011",
    "py38_runtime_alias_after_future_import.log": "AF012",
    "ms210_mindone050_tiny_sd_cpu_generate.log": "AF017",
    "pip_numpy2_into_ms27_mindone02.log": "AF022",
    "torch213_compile_backend_ascend.log": "AF030",
    "torch213_cpu_no_torch_npu.log": "AF031",
    "transformers438_hfargparser_future_import.log": "AF050",
    "pydantic214_future_import_type_checking.log": "AF050",
    "numpy126_removed_np_float_alias.log": "AF051",
    "pip_py38_mindspore270_no_match.log": "AF040",
    "pip_torch_npu_231_no_match.log": "AF040",
    "diffusers042_hf_offline_sdxl.log": "AF049",
    "ms27_device_target_ascend_without_cann.log": "AF023",
    "ms27_communication_init_without_launcher.log": "AF054",
    "py38_str_removeprefix.log": "AF055",
    "py38_functools_cache.log": "AF055",
    "py38_pep604_union_annotation.log": "AF056",
    "ms27_cpu_flash_attention_score.log": "AF017",
    "ms210_cpu_flash_attention_score.log": "AF017",
    "torch213_cholesky_half.log": "AF058",
    "transformers523_flash_attention2_missing.log": "AF060",
    "diffusers042_xformers_missing.log": "AF060",
    "attrs261_future_import_resolve_types.log": "AF057",
    "typer020_py38_future_import_nameerror.log": "AF057",
    "py311_dataclass_get_type_hints_nameerror.log": "AF057",
    "pydantic214_undefined_annotation.log": "AF050",
    "torch213_torchrun_child_sigkill.log": "AF048",
    "deepspeed0198_launcher_child_sigkill.log": "AF048",
    "ray260_memory_monitor_oom_kill.log": "AF048",
    "ms27_cpu_graph_memory_not_enough.log": "AF006",
    "transformers439_folder_without_config_json.log": "AF086",
    "transformers523_config_without_model_type.log": "AF086",
    "torch213_collective_no_backend_for_cpu.log": "AF087",
    "torch213_gloo_premul_sum_unsupported.log": "AF087",
    "py311_argparse_string_annotation_type.log": "AF050",
    "tyro1017_future_import_local_enum.log": "AF057",
    "torch213_cpu_build_cuda_call.log": "AF088",
    "torch213_init_process_group_nccl_without_nccl.log": "AF088",
    "torch213_init_process_group_hccl_without_torch_npu.log": "AF031",
    "torch213_torchrun_unrecognized_argument.log": "AF092",
    "pip232_no_such_option.log": "AF092",
    "transformers439_import_newer_model_class.log": "AF093",
    "onnxruntime132_cann_provider_missing.log": "AF094",
    "pip232_source_build_failed.log": "AF091",
    "mindie_llm_file_utils_symlink.log": "AF075",
    "mindie_llm_file_utils_owner.log": "AF075",
    "onnxruntime132_static_batch.log": "AF061",
    "onnxruntime132_static_rank.log": "AF061",
    "diffusers042_lfs_pointer_safetensors.log": "AF062",
    "diffusers042_truncated_safetensors.log": "AF062",
    "torch213_load_lfs_pointer.log": "AF062",
    "diffusers042_missing_model_dir.log": "AF063",
    "transformers4393_missing_local_path.log": "AF063",
    "transformers4571_missing_local_path.log": "AF063",
    "ms27_load_checkpoint_missing.log": "AF063",
    "diffusers042_variant_fp16_missing.log": "AF016",
    "torch213_torchrun_rank_segfault.log": "AF067",
    "py311_faulthandler_segfault.log": "AF067",
    "bash_segfault_exit139.log": "AF067",
    # a rank that exits with a plain error: torchrun's report alone names no cause (stays unexplained)
    "torch213_torchrun_rank_exit1.log": None,
    # pytest's report ("E       ModuleNotFoundError: ...") of a missing torch_npu: no signature, the category inference
    "pytest_torch_npu_not_installed.log": "inferred:cann_env",
    # the same missing module, printed by a script that goes on and finishes: nothing to diagnose
    "py311_optional_torch_npu_then_finished.log": None,
    "py311_logging_error_notice_then_info.log": None,
    "pip_torch_npu_aarch64_wheel_on_x86.log": "AF068",
    "gcc_missing_python_h.log": "AF069",
    "gcc_missing_acl_h.log": "AF245",
    "py311_pool_in_daemon_process.log": "AF071",
    "torch213_init_process_group_unresolvable_master.log": "AF072",
    "torch213_init_process_group_no_master.log": "AF072",
    "torch213_tcpstore_wait_timeout.log": "AF072",
    "diffusers042_nan_image_postprocess.log": "AF073",
    "torch213_anomaly_nan_backward.log": "AF074",
    "protobuf736_old_generated_code.log": "AF078",
    "ascend_driver_installer_not_root.log": "AF079",
    # no signature: the category inference names the family from its stable words
    "gcc_link_missing_library.log": "inferred:install",
    "gxx_header_missing.log": "inferred:install",
    "numpy_broadcast_shapes.log": "inferred:shape_mismatch",
}


def test_every_capture_has_an_expectation():
    assert sorted(p.name for p in LOGS.glob("*.log")) == sorted(EXPECTED_TOP)


# The grep half runs GNU grep once per capture (~25 ms of process each, 2 s in all): `process` (with --full, and in
# CI's Python 3.8 run). The fast tier keeps the Python half here and the grep/Python agreement on all these captures
# at once (test_explain_robust.py::test_grep_and_python_paths_agree, whose mixed log holds every capture).
@pytest.mark.parametrize("name", sorted(EXPECTED_TOP))
@pytest.mark.parametrize("use_grep", [pytest.param(True, marks=pytest.mark.process), False], ids=["grep", "python"])
def test_captured_logs(name, use_grep):
    with open(str(LOGS / name), "rb") as fh:
        report = explain_stream(fh, use_grep=use_grep)
    if EXPECTED_TOP[name] is None:
        # (nor a guess, learn26: these are a launcher's relay alone or runs that went on)
        assert report["matches"] == [] and report["key_lines"]
    else:
        assert report["matches"][0]["id"] == EXPECTED_TOP[name]
    assert report["lines_read"] == (LOGS / name).read_bytes().count(b"\n") + (
        0 if (LOGS / name).read_bytes().endswith(b"\n") else 1
    )


# -- the fault-knowledge table (MindCluster's fault-diagnosis entries) --------------------------------------
from ascendfix.explain.faults import load_fault_families  # noqa: E402

FAULTS = load_fault_families()


def test_fault_tables_load_and_are_well_formed():
    assert FAULTS, "rules/faults/ has a family"
    for fam in FAULTS:
        assert fam.rules and fam.source.startswith("https://")
        for r in fam.rules:
            assert r.category in CATEGORIES and r.fix and r.title
            for p in r.patterns:
                assert len(p.anchors[0]) >= 12 and all(p.literals)


@pytest.mark.parametrize("fam,example", [pytest.param(f, ex, id="{}-match{}".format(f.name, i))
                                         for f in FAULTS for i, ex in enumerate(f.examples["match"])])
def test_fault_examples(fam, example):
    ids = [h.id for h in _hits(example["text"])]
    assert example.get("id") in ids


@pytest.mark.parametrize("fam,example", [pytest.param(f, ex, id="{}-no_match{}".format(f.name, i))
                                         for f in FAULTS for i, ex in enumerate(f.examples["no_match"])])
def test_fault_near_misses(fam, example):
    ids = {r.id for r in fam.rules}
    assert not ids & {h.id for h in _hits(example["text"])}


def test_a_signature_for_the_line_outranks_a_fault_entry():
    """AF008 is written for link-setup timeouts; the fault table's entry for the same line is not repeated."""
    line = ("[ERROR] HCCL(17528,python3):2026-03-18-10:33:52.113.942 [hccl_socket_manager.cc:836] [18744][Create]"
            "[Sockets]Wait links establish completed failed, local role is client. ret[9]")
    hits = _hits(line)
    assert hits[0].id == "AF008" and not any(h.kind == "fault" for h in hits)


def _example(sig_id, needle):
    for sig in SIGS:
        if sig.id == sig_id:
            for ex in sig.examples["match"]:
                if needle in ex["text"]:
                    return ex["text"]
    raise AssertionError("no example of {} with {!r}".format(sig_id, needle))


@pytest.mark.parametrize("sig_id,needle,top_category", [
    # a set-device failure is the device setup failing, whatever CANN code comes with it (E30006 here) ...
    ("AF047", "E30006", "device_unavailable"),
    ("AF047", "halDeviceOpen", "device_unavailable"),
    # ... unless the code says another process holds the device
    ("AF053", "Resource_Busy(EL0005)", "device_busy"),
    ("AF082", "aclInit(nullptr)", "device_busy"),
    # aclgraph capture errors carry runtime codes (207005) that are not the generic inner error
    ("AF083", "AclmdlRICaptureBegin", "graph_compile_crash"),
    # HCCL FFTS+ timeouts inside an EI9999 block are a collective timeout
    ("AF037", "hccl fftsplus task timeout", "hccl"),
])
def test_family_ranking_on_real_excerpts(sig_id, needle, top_category):
    matches = explain_text(_example(sig_id, needle))
    assert matches and matches[0]["category"] == top_category, [(m["id"], m["category"]) for m in matches]


def test_optional_extension_warning_alone_is_a_note_not_a_cause():
    text = _example("AF095", "you can ignore this warning")
    m = Matcher()
    m.feed_lines([text])
    assert m.results() == [] and [n["id"] for n in m.notes()] == ["AF095"]


def test_acl_constant_names_resolve_to_their_code_once():
    """A documented constant name (ACL_ERROR_...) is read as its code: the onnxruntime excerpt that prints both
    "500001" and "ACL_ERROR_FAILURE" reports the code once; an unknown name reports nothing."""
    from ascendfix.explain.codes import load_families

    acl = next(f for f in load_families() if f.name == "acl")
    assert acl.by_name("ACL_ERROR_RT_AICORE_TIMEOUT").code == "507014"
    assert acl.by_name("ACL_ERROR_NOT_DOCUMENTED") is None
    line = next(ex["text"] for ex in acl.examples["match"] if "ACL_ERROR_FAILURE" in ex["text"])
    ids = [m["id"] for m in explain_text(line, limit=None)]
    assert ids.count("500001") == 1, ids


# -- fix20b: fault entries whose substrings are generic Python / PyTorch wording ------------------------------------
def _fault(fault_id):
    from ascendfix.explain.faults import find_fault

    return find_fault(fault_id)[1]


def test_fault_entry_on_a_bare_python_line_is_a_note_not_a_cause():
    """Compiler_06 ('NoneType' object has no attribute 'shape') is what any program prints after cv2.imread of a
    missing file: a note, never graph_compile_crash."""
    text = ('File "evaluate.py", line 261, in <module>\n'
            '    orig_height, orig_width = img.shape[:2]\n'
            "AttributeError: 'NoneType' object has no attribute 'shape'\n")  # github.com/hongsukchoi/TCMR_RELEASE/issues/12
    matches = explain_text(text)
    assert not any(m["id"] == "AISW_MindSpore_Compiler_06" for m in matches)
    assert not any(m["category"] == "graph_compile_crash" for m in matches)


def test_fault_entries_of_api_misuse_and_host_limits():
    assert _fault("AISW_MindSpore_Compiler_06").role == "context"
    assert _fault("AISW_MindSpore_Frontend_02").role == "context"  # set_context after init(): a script's order
    assert _fault("AISW_MindSpore_Operator_12").role == "context"  # NumPy's "array is too big"
    assert _fault("AISW_MindSpore_Compiler_19").category == "host_system"  # "No space left on disk"
    assert _fault("AISW_PyTorch_Train_21").category == "host_system"  # torch.save "file write failed"


def test_fault_needs_a_program_word_in_the_line():
    gpu = ("RuntimeError: CUDA error: unknown error\n"
           "CUDA kernel errors might be asynchronously reported at some other API call,so the stacktrace below might "
           "be incorrect.\nFor debugging consider passing CUDA_LAUNCH_BLOCKING=1.\n")  # MohamadZeina/Disco_Diffusion_Local#3
    assert not any(m["id"] == "AISW_PyTorch_Train_15" for m in explain_text(gpu))
    r = _fault("AISW_PyTorch_Train_15")
    assert r.patterns[0].needs and all(p.needs == r.patterns[0].needs for p in r.patterns)


def test_fault_needs_must_be_a_list_of_words(tmp_path):
    from ascendfix.explain.faults import FaultFamily

    path = data_root("rules") / "faults" / "ascend-fd.yaml"
    doc = load_yaml(path)
    doc["needs"] = {"AISW_PyTorch_Train_15": "ASCEND"}
    with pytest.raises(DataError):
        FaultFamily(path, doc)
