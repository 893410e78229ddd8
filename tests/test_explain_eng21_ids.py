"""eng21: signature ids beyond AF999. AF001..AF999 and AF1000 and up are ids (a four-digit id never starts with 0);
AF1000 sorts after AF999 everywhere ids are sorted (the signature order, --list, the rank's last tie-break), and
`ascendfix explain AF1000` finds its page. The AF1000 here is a real signature file (AF101) copied under a new id
into a temporary rules folder, not an entry of rules/.
"""

import json
import shutil

import pytest

from ascendfix.data import data_root
from ascendfix.explain import kb
from ascendfix.explain.cli import _ID_RE
from ascendfix.explain.engine import Matcher, rank_key


@pytest.mark.parametrize("sig_id", ["AF001", "AF101", "AF924", "AF999", "AF1000", "AF1001", "AF9999"])
def test_id_accepted(sig_id):
    assert kb.ID_RE.match(sig_id) and _ID_RE.match(sig_id) and _ID_RE.match(sig_id.lower())


@pytest.mark.parametrize("text", ["AF01", "AF0123", "AF0999", "AF10000", "AF1000x", "AF 1000", "XAF100", "af100"])
def test_not_an_id(text):
    assert not kb.ID_RE.match(text)
    assert text == "af100" or not _ID_RE.match(text)


def test_id_key_orders_by_number():
    ids = ["AF1000", "AF101", "AF100", "AF999", "AF1001", "AF002", "EZ9999", "507035"]
    assert sorted(ids, key=kb.id_key) == ["507035", "AF002", "AF100", "AF101", "AF999", "AF1000", "AF1001", "EZ9999"]
    three = ["AF%03d" % i for i in (1, 10, 99, 100, 101, 500, 924, 999)] + ["EZ9999", "507035", "ERR01100"]
    assert sorted(three, key=kb.id_key) == sorted(three)  # three-digit ids keep their string order


@pytest.fixture
def rules_1000(tmp_path, monkeypatch):
    """A copy of rules/ with AF101 copied as AF1000 (same patterns, examples and priority)."""
    rules = tmp_path / "rules"
    shutil.copytree(str(data_root("rules")), str(rules))
    sig = (rules / "signatures" / "AF101-torch-ops-namespace-missing-op.yaml").read_text(encoding="utf-8")
    assert "id: AF101\n" in sig
    (rules / "signatures" / "AF1000-torch-ops-namespace-missing-op.yaml").write_text(
        sig.replace("id: AF101\n", "id: AF1000\n"), encoding="utf-8")
    monkeypatch.setenv("ASCENDFIX_RULES_DIR", str(rules))
    yield rules
    kb._CACHE.pop(str(rules), None)


def test_four_digit_id_loads_in_number_order(rules_1000):
    ids = [s.id for s in kb.load_signatures()]
    # (kb22b: real four-digit signatures may follow the copy; every three-digit id comes before it)
    k = ids.index("AF1000")
    assert k > ids.index("AF101") > ids.index("AF100") and all(len(i) == 5 for i in ids[:k])
    assert ids == sorted(ids, key=kb.id_key)
    assert kb.find_signature("af1000").id == "AF1000"


def test_rank_tie_breaks_by_number(rules_1000):
    """AF1000 matches exactly what AF101 matches: the last tie-break (the id) puts AF101 first (as strings, AF1000
    would come first)."""
    sigs = kb.load_signatures()
    sig = kb.find_signature("AF101")
    m = Matcher(sigs)
    m.feed_lines(sig.examples["match"][0]["text"].split("\n"))
    ids = [h.id for h in m.ranked()]
    assert ids.index("AF101") + 1 == ids.index("AF1000"), ids
    hits = {h.id: h for h in m.ranked()}
    assert rank_key(hits["AF101"])[:4] == rank_key(hits["AF1000"])[:4]


def test_page_and_list_render_four_digit_ids(rules_1000, run_cli):
    r = run_cli("explain", "AF1000")
    out = r.stdout.decode()
    assert r.returncode == 0 and out.startswith("AF1000: ") and "\x1b[" not in out
    r = run_cli("explain", "af1000", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["id"] == "AF1000"
    r = run_cli("explain", "--list")
    out = r.stdout.decode()
    assert r.returncode == 0 and "\x1b[" not in out
    rows = [ln.split()[0] for ln in out.splitlines() if ln[:2] == "AF"]
    assert all(len(i) == 5 for i in rows[:rows.index("AF1000")]) and rows == sorted(rows, key=kb.id_key)
    doc = json.loads(run_cli("explain", "--list", "--json").stdout)
    listed = [s["id"] for s in doc["signatures"]]
    assert all(len(i) == 5 for i in listed[:listed.index("AF1000")]) and listed == sorted(listed, key=kb.id_key)


def test_leading_zero_four_digits_is_no_id(rules_1000, run_cli):
    """AF0123 is not an id: it is read as a (missing) log file, with no traceback."""
    r = run_cli("explain", "AF0123")
    assert r.returncode == 2 and b"Traceback" not in r.stderr
    with pytest.raises(Exception):
        kb.Signature(dict(kb.find_signature("AF101").entry, id="AF0101"), kb.find_signature("AF101").path)


def test_api_page_for_four_digit_id(rules_1000):
    import ascendfix as af

    page = af.explain("AF1000")
    assert page.to_dict()["id"] == "AF1000"
