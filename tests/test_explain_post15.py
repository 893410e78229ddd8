"""After round 15 was measured on set R: the graph engine's build-stage wording as graph-compile evidence.

GE's error lines name the stage that failed in bracket tags and function names — ``GELOGE(..., "[Add][Graph] fail,
graph id: %u")`` and ``"[Generate][OnlineModel] failed!"`` in hicann/ge compiler/api/generator/ge_generator.cc,
logged from ``GenerateModel`` / ``BuildModel``. The evidence entry weighs 2: alone (a GE message quoted without its
plog header) it names no category; with the plog's GE module header (``[ERROR] GE(pid,name):``, weight 2) it does.
"""

import re
from pathlib import Path

import yaml

from tests.explain_support import infer_only

ROOT = Path(__file__).resolve().parents[1]

# the format strings of hicann/ge compiler/api/generator/ge_generator.cc (GELOGE messages, placeholders unfilled)
GE_MESSAGES = ["[Add][Graph] fail, graph id: %u", "[Generate][OnlineModel] failed!"]


def _graph_stage_regex():
    cats = yaml.safe_load((ROOT / "rules" / "explain_categories.yaml").read_text(encoding="utf-8"))
    cats = cats["categories"] if isinstance(cats, dict) else cats
    graph = next(c for c in cats if c["id"] == "graph_compile_crash")
    found = [e for e in graph["evidence"] if "OnlineModel" in e["regex"]]
    assert len(found) == 1
    return re.compile(found[0]["regex"], re.I), found[0]["weight"]


def test_the_graph_engines_stage_tags_are_graph_compile_evidence():
    rx, weight = _graph_stage_regex()
    for msg in GE_MESSAGES:
        assert rx.search(msg), msg
    assert weight == 2
    # the same words in other cases or as parts of other names are not the tags
    assert not rx.search("[build][model] fail") and not rx.search("RebuildModelCache")


def test_the_stage_wording_alone_names_no_category():
    for msg in GE_MESSAGES:
        assert infer_only(msg) is None


def test_a_chinese_error_word_before_a_number_is_not_always_a_code():
    # written for this test (not log lines): "no error" before a step count, and an error count, are no AscendCL code;
    # the real form (an issue title of CANN's runtime repository, acl.yaml's example) still is
    from tests.explain_support import hits

    assert not hits("运行正常，不报错 100000 步后保存")
    assert not hits("报错100000次以上时重试")
    assert hits("aclrtSynchronizeStream报错507015") == ["507015"]


def test_a_path_holding_ignore_does_not_silence_a_permission_error():
    # AF364's guard against "... ignoring" notices reads words, not parts of a file name (".gitignore")
    from tests.explain_support import example, top

    line = example("AF364")
    assert top(line)[0] == "AF364"
    path_line = line.replace("Permission denied: '", "Permission denied: '/models/.gitignore/", 1)
    assert path_line != line and top(path_line)[0] == "AF364"
