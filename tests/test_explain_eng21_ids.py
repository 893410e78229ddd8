"""eng21: signature ids beyond AF999. AF001..AF999 and AF1000 and up are ids (a four-digit id never starts with 0);
AF1000 sorts after AF999 everywhere ids are sorted (the signature order, --list, the rank's last tie-break), and
`ascendfix explain AF1000` finds its page. The four-digit id of the fixture (AF1009: reserved in kb22a's range
for this test since real AF1000+ signatures exist; as a string it sorts before AF101, so only number order puts it
after) is a real signature file (AF101) copied under a new id into a temporary rules folder, not an entry of rules/.
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


def _numbers(ids):
    """The AF ids' numbers, in list order (rev22c: an order check that does not go through kb.id_key, so a wrong
    sort of four-digit ids among themselves fails too)."""
    nums = [int(i[2:]) for i in ids if i.startswith("AF")]
    assert len(nums) > 100 and max(nums) >= 1000
    return nums


@pytest.fixture
def rules_1009(tmp_path, monkeypatch):
    """A copy of rules/ with AF101 copied as AF1009 (same patterns, examples and priority)."""
    rules = tmp_path / "rules"
    shutil.copytree(str(data_root("rules")), str(rules))
    sig = (rules / "signatures" / "AF101-torch-ops-namespace-missing-op.yaml").read_text(encoding="utf-8")
    assert "id: AF101\n" in sig
    # rev22a: the fixture id must stay free in rules/ (a real AF1009 would make the copy a duplicate)
    assert not list((rules / "signatures").glob("AF1009-*")), "AF1009 is taken: move the fixture to another free id"
    (rules / "signatures" / "AF1009-torch-ops-namespace-missing-op.yaml").write_text(
        sig.replace("id: AF101\n", "id: AF1009\n"), encoding="utf-8")
    monkeypatch.setenv("ASCENDFIX_RULES_DIR", str(rules))
    yield rules
    kb._CACHE.pop(str(rules), None)


def test_four_digit_id_loads_in_number_order(rules_1009):
    ids = [s.id for s in kb.load_signatures()]
    # after every three-digit id (AF1009 sorts before AF101 as a string); real four-digit signatures may follow it
    assert ids.index("AF1009") > ids.index("AF998") > ids.index("AF101") > ids.index("AF100")
    assert ids == sorted(ids, key=kb.id_key)
    # rev22a: number order checked without kb.id_key (the line above only says the loader and id_key agree)
    nums = [int(i[2:]) for i in ids]
    assert nums == sorted(nums) and len(set(nums)) == len(nums)
    at = ids.index("AF1009")
    assert all(n < 1009 for n in nums[:at]) and all(n > 1009 for n in nums[at + 1:])
    assert kb.find_signature("af1009").id == "AF1009"


def test_rank_tie_breaks_by_number(rules_1009):
    """AF1009 matches exactly what AF101 matches: the last tie-break (the id) puts AF101 first (as strings, AF1009
    would come first)."""
    sigs = kb.load_signatures()
    sig = kb.find_signature("AF101")
    m = Matcher(sigs)
    m.feed_lines(sig.examples["match"][0]["text"].split("\n"))
    ids = [h.id for h in m.ranked()]
    assert ids.index("AF101") + 1 == ids.index("AF1009"), ids
    hits = {h.id: h for h in m.ranked()}
    assert rank_key(hits["AF101"])[:4] == rank_key(hits["AF1009"])[:4]


def test_page_and_list_render_four_digit_ids(rules_1009, run_cli):
    r = run_cli("explain", "AF1009")
    out = r.stdout.decode()
    assert r.returncode == 0 and out.startswith("AF1009: ") and "\x1b[" not in out
    r = run_cli("explain", "af1009", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["id"] == "AF1009"
    r = run_cli("explain", "--list")
    out = r.stdout.decode()
    assert r.returncode == 0 and "\x1b[" not in out
    rows = [ln.split()[0] for ln in out.splitlines() if ln[:2] == "AF"]
    assert rows.index("AF1009") > rows.index("AF998") and rows == sorted(rows, key=kb.id_key)
    assert _numbers(rows) == sorted(_numbers(rows))
    doc = json.loads(run_cli("explain", "--list", "--json").stdout)
    listed = [s["id"] for s in doc["signatures"]]
    assert listed.index("AF1009") > listed.index("AF998") and listed == sorted(listed, key=kb.id_key)
    assert _numbers(listed) == sorted(_numbers(listed))


def test_leading_zero_four_digits_is_no_id(rules_1009, run_cli):
    """AF0123 is not an id: it is read as a (missing) log file, with no traceback."""
    r = run_cli("explain", "AF0123")
    assert r.returncode == 2 and b"Traceback" not in r.stderr
    with pytest.raises(Exception):
        kb.Signature(dict(kb.find_signature("AF101").entry, id="AF0101"), kb.find_signature("AF101").path)


def test_api_page_for_four_digit_id(rules_1009):
    import ascendfix as af

    page = af.explain("AF1009")
    assert page.to_dict()["id"] == "AF1009"
