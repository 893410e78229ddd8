"""Every `ascendfix explain --json` document matches schemas/explain.schema.json (report, signature page, code
page, list, error), for one log, several logs, a CANN log folder and a log with no known cause."""

import json
from pathlib import Path

import pytest
from support import schema_validator

jsonschema = pytest.importorskip("jsonschema")  # in the [test] extra

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SCHEMA = json.loads((ROOT / "schemas" / "explain.schema.json").read_text(encoding="utf-8"))


def _valid(doc, kind):
    # validators made once per process (support.schema_validator checks the schema itself once)
    schema_validator("explain").validate(doc)
    schema_validator("explain", kind).validate(doc)
    return doc


@pytest.mark.parametrize("args,kind", [
    ([DATA / "logs" / "ms27_cpu_maskedfill_fp16.log"], "report"),
    ([DATA / "plog" / "modelarts_8p"], "report"),
    ([DATA / "plog" / "ranks_oom" / "rank0.log", DATA / "plog" / "ranks_oom" / "rank1.log"], "report"),
    (["AF003"], "page"),
    (["EZ9999"], "code_page"),
    (["507035"], "code_page"),
    (["AISW_CANN_HCCL_013"], "fault_page"),
    (["--list"], "signatures"),
    (["AF999"], "error"),
])
def test_documents_match_the_schema(run_cli, args, kind):
    r = run_cli("explain", "--json", *args)
    _valid(json.loads(r.stdout), kind)


def test_no_cause_and_notes_match_the_schema(run_cli, tmp_path):
    from ascendfix.explain.kb import find_signature

    quiet = tmp_path / "quiet.log"
    quiet.write_text("step 1/30\n")
    assert _valid(json.loads(run_cli("explain", "--json", quiet).stdout), "report")["matches"] == []
    benign = tmp_path / "benign.log"
    benign.write_text(find_signature("AF015").examples["match"][0]["text"] + "\n")
    assert _valid(json.loads(run_cli("explain", "--json", benign).stdout), "report")["notes"]
