"""The held-out validation corpus for `ascendfix explain` is well-formed (fast tier).

Checks the data, not the accuracy (that is benchmarks/bench_explain_validation.py): every entry has a
public http(s) source, a known label form, an existing non-empty UTF-8 log file; ids and sources are
unique; no development-machine path leaks into the index; and no source is one the signatures or the
test captures were written from (the corpus must stay independent of the knowledge base).

The corpus has twenty-five sets (field `set`): A, the first corpus (since used to guide knowledge-base work), B, a
second held-out set built later (also since used at the family level), C, a third held-out set (since used to
guide the fourth round), D, a fourth held-out set (since used to guide the fifth round), E, a fifth held-out
set, F, a sixth held-out set, G, a seventh held-out set, H, an eighth held-out set, I, a ninth held-out set, J, a tenth held-out set,
K, an eleventh held-out set, L, a twelfth held-out set, M, a thirteenth held-out set, N, a fourteenth held-out set,
O, a fifteenth held-out set, P, a sixteenth held-out set, Q, a seventeenth held-out set, R, an eighteenth held-out set,
S to X, the nineteenth to twenty-fourth held-out sets, and Y, a twenty-fifth held-out set (GitHub threads, built 2026-12-05).
Each set has its own frozen label set and size checks; sets B to Y must also be independent of the error-code / fault tables and of
every earlier set's sources.
"""

import datetime
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "benchmarks" / "explain_validation"
INDEX = CORPUS / "index.yaml"

# The label sets are frozen with each set (they must not follow the knowledge base's categories).
# Set A: the 13 categories in use when it was built.
CATEGORIES = {
    "ascend_inner_error", "cann_env", "device_oom", "graph_compile_crash", "hccl", "kernel_unsupported",
    "maskedfill_dtype", "missing_weights", "numpy_abi", "patch_side_effect", "pip_conflict", "py38_subscript",
    "shape_mismatch",
}
# Set B: the 17 categories of rules/signatures when it was built (2026-12-03, main 1b646cc).
CATEGORIES_B = CATEGORIES | {"device_busy", "device_unavailable", "host_oom", "mindie_service"}
# Set C: the 21 categories of rules/signatures when it was built (2026-12-03, main 40a0928).
CATEGORIES_C = CATEGORIES_B | {"dist_launch", "install", "numerics", "permission"}
# Set D: the 23 categories of rules/explain_categories.yaml when it was built (2026-12-03, main 869d2e8).
CATEGORIES_D = CATEGORIES_C | {"cuda_on_npu", "version_skew"}
# Set E: the 23 categories of rules/explain_categories.yaml when it was built (2026-12-03, main a2fe8b0) - the same
# list as set D's.
CATEGORIES_E = set(CATEGORIES_D)
# Set F: the 23 categories of rules/explain_categories.yaml when it was built (2026-12-03, main 736b14b) - the same
# list as sets D and E.
CATEGORIES_F = set(CATEGORIES_E)
# Set G: the 23 categories of rules/explain_categories.yaml when it was built (2026-12-03, main b40b376) - the same
# list as sets D to F.
CATEGORIES_G = set(CATEGORIES_F)
# Set H: the 23 categories of rules/explain_categories.yaml when it was built (2026-12-03, main 0a6135f) - the same
# list as sets D to G.
CATEGORIES_H = set(CATEGORIES_G)
# Set I: the 23 categories of rules/explain_categories.yaml when it was built (2026-12-03, main 0b48dd7) - the same
# list as sets D to H.
CATEGORIES_I = set(CATEGORIES_H)
# Set J: the 23 categories of rules/explain_categories.yaml when it was built (2026-12-03, main c40ae38) - the same
# list as sets D to I.
CATEGORIES_J = set(CATEGORIES_I)
# Set K: the 23 categories of rules/explain_categories.yaml when it was built (2026-12-04, main f9ca804) - the same
# list as sets D to J.
CATEGORIES_K = set(CATEGORIES_J)
# Set L: the 23 categories of rules/explain_categories.yaml when it was built (2026-12-04, main 4f43721) - the same
# list as sets D to K.
CATEGORIES_L = set(CATEGORIES_K)
# Set M: the 23 categories of rules/explain_categories.yaml when it was built (2026-12-04, main c4c0552) - the same
# list as sets D to L.
CATEGORIES_M = set(CATEGORIES_L)
# Set N: the 23 categories of rules/explain_categories.yaml when it was built (2026-12-04, main cd53bbc) - the same
# list as sets D to M.
CATEGORIES_N = set(CATEGORIES_M)
# Set O: the 23 categories of rules/explain_categories.yaml when it was built (2026-12-04, main 70dd7ec) - the same
# list as sets D to N.
CATEGORIES_O = set(CATEGORIES_N)
# Set P: the 26 categories of rules/explain_categories.yaml when it was built (2026-12-04, main 9bab7a3) - sets D to
# O's 23 plus host_system, tensor_mismatch and cluster_setup.
CATEGORIES_P = CATEGORIES_O | {"host_system", "tensor_mismatch", "cluster_setup"}
# Set Q: the 26 categories of rules/explain_categories.yaml when it was built (2026-12-04, main 8233593) - the same
# list as set P.
CATEGORIES_Q = set(CATEGORIES_P)
# Set R: the 26 categories of rules/explain_categories.yaml when it was built (2026-12-04, main 59f39eb) - the same
# list as sets P and Q.
CATEGORIES_R = set(CATEGORIES_Q)
# Set S: the 26 categories of rules/explain_categories.yaml when it was built (2026-12-04, main 188cfec) - the same
# list as sets P to R.
CATEGORIES_S = set(CATEGORIES_R)
# Set T: the 26 categories of rules/explain_categories.yaml when it was built (2026-12-04, main c319858) - the same
# list as sets P to S.
CATEGORIES_T = set(CATEGORIES_S)
# Set U: the 26 categories of rules/explain_categories.yaml when it was built (2026-12-05, main bf9fa61) - the same
# list as sets P to T.
CATEGORIES_U = set(CATEGORIES_T)
# Set V: the 26 categories of rules/explain_categories.yaml when it was built (2026-12-05, main 0f0f4f5) - the same
# list as sets P to U.
CATEGORIES_V = set(CATEGORIES_U)
# Set W: the 26 categories of rules/explain_categories.yaml when it was built (2026-12-05, main 8953adf) - the same
# list as sets P to V.
CATEGORIES_W = set(CATEGORIES_V)
# Set X: the 26 categories of rules/explain_categories.yaml when it was built (2026-12-05, main 8953adf) - the same
# list as sets P to W.
CATEGORIES_X = set(CATEGORIES_W)
# Set Y: the 26 categories of rules/explain_categories.yaml when it was built (2026-12-05, main e1fa4b0) - the same
# list as sets P to X.
CATEGORIES_Y = set(CATEGORIES_X)
# Set Z: the 26 categories of rules/explain_categories.yaml when it was built (2026-12-05, main e1fa4b0) - the same
# list as sets P to Y.
CATEGORIES_Z = set(CATEGORIES_Y)
# Set AA: the 26 categories of rules/explain_categories.yaml when it was built (2026-12-05, main 939228c) - the same
# list as sets P to Z.
CATEGORIES_AA = set(CATEGORIES_Z)
# Set AB: the 26 categories of rules/explain_categories.yaml when it was built (2026-12-05, main 939228c) - the same
# list as sets P to AA.
CATEGORIES_AB = set(CATEGORIES_Z)
# Set AC: the 26 categories of rules/explain_categories.yaml when it was built (2026-12-05, main ef25cd4) - the same
# list as sets P to AB.
CATEGORIES_AC = set(CATEGORIES_AB)
# Set AD: the 26 categories of rules/explain_categories.yaml when it was built (2026-12-05, main ef25cd4) - the same
# list as sets P to AC.
CATEGORIES_AD = set(CATEGORIES_AB)
# Set AE: the 26 categories of rules/explain_categories.yaml when it was built (2026-12-05, main 19c8992) - the same
# list as sets P to AD.
CATEGORIES_AE = set(CATEGORIES_AD)
# Set AF: the 26 categories of rules/explain_categories.yaml when it was built (2026-12-05, main 19c8992) - the same
# list as sets P to AE.
CATEGORIES_AF = set(CATEGORIES_AD)
# Set AG: the 26 categories of rules/explain_categories.yaml when it was built (2026-12-05, main aee1692) - the same
# list as sets P to AF.
CATEGORIES_AG = set(CATEGORIES_AF)
# Set AH: the 26 categories of rules/explain_categories.yaml when it was built (2026-12-05, main aee1692) - the same
# list as sets P to AG.
CATEGORIES_AH = set(CATEGORIES_AF)
# Set AI: the 26 categories of rules/explain_categories.yaml when it was built (2026-12-05, main 7c33f8d) - the same
# list as sets P to AH.
CATEGORIES_AI = set(CATEGORIES_AH)
# Set AJ: the 26 categories of rules/explain_categories.yaml when it was built (2026-12-05, main 7c33f8d) - the same
# list as sets P to AH.
CATEGORIES_AJ = set(CATEGORIES_AH)
# Set AK: the 26 categories of rules/explain_categories.yaml when it was built (2026-12-06, main 2839c5c) - the same
# list as sets P to AJ.
CATEGORIES_AK = set(CATEGORIES_AJ)
# Set AL: the 26 categories of rules/explain_categories.yaml when it was built (2026-12-06, main 2839c5c) - the same
# list as sets P to AK.
CATEGORIES_AL = set(CATEGORIES_AK)
# Set AM: the 26 categories of rules/explain_categories.yaml when it was built (2026-12-06, main 3308398) - the same
# list as sets P to AL.
CATEGORIES_AM = set(CATEGORIES_AL)
# Set AN: the 26 categories of rules/explain_categories.yaml when it was built (2026-12-06, main 3308398) - the same
# list as sets P to AM.
CATEGORIES_AN = set(CATEGORIES_AM)
SET_CATEGORIES = {
    "A": CATEGORIES, "B": CATEGORIES_B, "C": CATEGORIES_C, "D": CATEGORIES_D, "E": CATEGORIES_E, "F": CATEGORIES_F,
    "G": CATEGORIES_G, "H": CATEGORIES_H, "I": CATEGORIES_I, "J": CATEGORIES_J,
    "K": CATEGORIES_K, "L": CATEGORIES_L, "M": CATEGORIES_M, "N": CATEGORIES_N, "O": CATEGORIES_O,
    "P": CATEGORIES_P, "Q": CATEGORIES_Q, "R": CATEGORIES_R,
    "S": CATEGORIES_S, "T": CATEGORIES_T, "U": CATEGORIES_U, "V": CATEGORIES_V, "W": CATEGORIES_W, "X": CATEGORIES_X,
    "Y": CATEGORIES_Y, "Z": CATEGORIES_Z, "AA": CATEGORIES_AA, "AB": CATEGORIES_AB, "AC": CATEGORIES_AC,
    "AD": CATEGORIES_AD, "AE": CATEGORIES_AE, "AF": CATEGORIES_AF, "AG": CATEGORIES_AG, "AH": CATEGORIES_AH,
    "AI": CATEGORIES_AI, "AJ": CATEGORIES_AJ, "AK": CATEGORIES_AK, "AL": CATEGORIES_AL, "AM": CATEGORIES_AM, "AN": CATEGORIES_AN,
}
FIELDS = {"id", "file", "source", "label", "notes", "found", "set"}
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{2,80}$")
OTHER_RE = re.compile(r"^other:[a-z0-9]+(?:_[a-z0-9]+)*$")
URL_RE = re.compile(r"https?://[^\s\"'<>)`\]]+")
# Paths of the machine the corpus was built on (log excerpts may quote users' own paths; the index may not
# point at ours). A path must start the string or follow a non-path character, so a public URL whose path merely
# contains a `tmp` folder (e.g. `.../installation_guide/tmp/faq.md`) is not mistaken for a local path.
LOCAL_PATH_RE = re.compile(r"(?:(?<![\w.-])(?:/work/(?:wt|coord|main|shared|\.mirror|\.library)|/tmp/)|file://)")


def _entries():
    with open(INDEX, encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    assert isinstance(data, list) and data, "index.yaml must be a non-empty list"
    return data


ENTRIES = _entries()


def _set(name):
    return [e for e in ENTRIES if e.get("set") == name]


def norm_source(url):
    """Compare sources ignoring scheme, www., fragment, trailing slash and the git ref of a GitHub blob URL."""
    u = url.strip().split("#")[0].rstrip("/").lower()
    u = re.sub(r"^https?://(www\.)?", "", u)
    m = re.match(r"github\.com/([^/]+/[^/]+)/(?:blob|tree|raw)/[^/]+/(.*)", u)
    return "gh:{}/{}".format(m.group(1), m.group(2)) if m else u


def test_entries_have_exactly_the_fields():
    for e in ENTRIES:
        assert set(e) == FIELDS, "{}: fields {}".format(e.get("id"), sorted(set(e) ^ FIELDS))
        for key in FIELDS:
            assert isinstance(e[key], str) and e[key].strip(), "{}: empty {}".format(e["id"], key)


def test_ids_unique_and_files_match():
    ids = [e["id"] for e in ENTRIES]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for e in ENTRIES:
        assert ID_RE.match(e["id"]), e["id"]
        assert e["file"] == "logs/{}.log".format(e["id"]), e["id"]


def test_sources_public_and_unique():
    seen = {}
    for e in ENTRIES:
        src = e["source"]
        assert re.match(r"^https?://[^\s/]+\.[^\s/]+/\S*$", src), "{}: not a public http(s) URL: {}".format(e["id"], src)
        assert " " not in src and "localhost" not in src, e["id"]
        assert src not in seen, "{}: same source as {}".format(e["id"], seen.get(src))
        seen[src] = e["id"]


def test_every_entry_in_a_known_set():
    for e in ENTRIES:
        assert e.get("set") in SET_CATEGORIES, "{}: set {!r}".format(e.get("id"), e.get("set"))


def test_labels_known():
    for e in ENTRIES:
        label = e["label"]
        cats = SET_CATEGORIES.get(e.get("set"), CATEGORIES)
        assert label in cats or label == "harmless" or OTHER_RE.match(label), "{}: {}".format(e["id"], label)


@pytest.mark.parametrize(
    "name,prefix", [("B", "b-"), ("C", "c-"), ("D", "d-"), ("E", "e-"), ("F", "f-"), ("G", "g-"), ("H", "h-"), ("I", "i-"),
     ("J", "j-"), ("K", "k-"), ("L", "l-"), ("M", "m-"), ("N", "n-"), ("O", "o-"),
     ("P", "p-"), ("Q", "q-"), ("R", "r-"), ("S", "s-"), ("T", "t-"), ("U", "u-"), ("V", "v-"), ("W", "w-"), ("X", "x-"), ("Y", "y-"), ("Z", "z-"), ("AA", "aa-"), ("AB", "ab-"), ("AC", "ac-"), ("AD", "ad-"), ("AE", "ae-"), ("AF", "af-"), ("AG", "ag-"), ("AH", "ah-"), ("AI", "ai-"), ("AJ", "aj-"), ("AK", "ak-"), ("AL", "al-"), ("AM", "am-"), ("AN", "an-")]
)
def test_later_set_ids_prefixed(name, prefix):
    """Sets B to Z have id prefixes `b-` ... `z-` set AA `aa-`, set AB `ab-`, set AC `ac-`, set AD `ad-`, set AE `ae-`, set AF `af-`, set AG `ag-`, set AH `ah-`, set AI `ai-`, set AJ `aj-` set AK `ak-`, set AL `al-`, set AM `am-` and set AN `an-` (set A's own ids have none; some start with
    letters such as `aalpy-`, which is not `aa-`), so a log's set shows in its file name."""
    for e in ENTRIES:
        assert e["id"].startswith(prefix) == (e["set"] == name), e["id"]


def test_found_is_a_date():
    for e in ENTRIES:
        datetime.date.fromisoformat(e["found"])


def test_no_local_paths_in_index():
    for e in ENTRIES:
        for key in ("source", "notes", "file"):
            assert not LOCAL_PATH_RE.search(e[key]), "{}: local path in {}".format(e["id"], key)


def test_log_files_exist_nonempty_utf8_and_distinct():
    contents = {}
    for e in ENTRIES:
        path = CORPUS / e["file"]
        assert path.is_file(), "{}: missing {}".format(e["id"], path)
        data = path.read_bytes()
        assert data.strip(), "{}: empty log".format(e["id"])
        data.decode("utf-8")
        assert data not in contents, "{}: same bytes as {}".format(e["id"], contents.get(data))
        contents[data] = e["id"]
    on_disk = {p.name for p in (CORPUS / "logs").iterdir()}
    indexed = {Path(e["file"]).name for e in ENTRIES}
    assert on_disk == indexed, "log files not in the index: {}".format(sorted(on_disk - indexed))


def _spread(entries):
    labels = [e["label"] for e in entries]
    harmless = sum(1 for x in labels if x == "harmless")
    other = sum(1 for x in labels if x.startswith("other:"))
    return len(labels), harmless, other, len(labels) - harmless - other, {x for x in labels if x in CATEGORIES_E}


@pytest.mark.parametrize(
    "name,minimum",
    [
        # (logs, harmless, other, in-category, distinct categories)
        ("A", (100, 20, 15, 80, 10)),
        ("B", (100, 20, 15, 60, 15)),
        ("C", (100, 18, 15, 60, 17)),
        ("D", (95, 18, 12, 60, 19)),
        ("E", (88, 17, 10, 58, 21)),
        ("F", (80, 15, 10, 55, 20)),
        ("G", (83, 16, 9, 58, 22)),
        ("H", (71, 17, 9, 45, 22)),
        ("I", (71, 19, 1, 51, 18)),
        ("J", (54, 12, 0, 39, 14)),
        ("K", (71, 13, 1, 57, 17)),
        ("L", (67, 12, 3, 52, 16)),
        ("M", (74, 12, 1, 61, 19)),
        ("N", (67, 12, 0, 55, 19)),
        ("O", (61, 12, 0, 49, 19)),
        ("P", (58, 12, 0, 46, 19)),
        ("Q", (54, 12, 0, 42, 14)),
        ("R", (58, 14, 0, 44, 16)),
        ("S", (54, 12, 0, 42, 17)),
        ("T", (52, 13, 0, 39, 16)),
        ("U", (35, 8, 4, 23, 17)),
        ("V", (33, 8, 3, 22, 14)),
        ("W", (28, 5, 3, 20, 14)),
        ("X", (29, 6, 4, 19, 17)),
        ("Y", (28, 7, 3, 18, 16)),
        ("Z", (27, 6, 2, 19, 16)),
        ("AA", (27, 5, 2, 20, 18)),
        ("AB", (26, 6, 3, 17, 15)),
        ("AC", (30, 6, 2, 22, 15)),
        ("AD", (26, 6, 3, 17, 16)),
        ("AE", (25, 5, 1, 19, 13)),
        ("AF", (20, 5, 3, 12, 10)),
        ("AG", (27, 6, 3, 18, 14)),
        ("AH", (21, 2, 1, 18, 14)),
        ("AI", (17, 4, 1, 12, 10)),
        ("AJ", (21, 4, 3, 14, 10)),
        ("AK", (30, 6, 1, 23, 17)),
        ("AL", (22, 4, 2, 16, 13)),
        ("AM", (24, 5, 4, 15, 12)),
        ("AN", (22, 6, 4, 12, 10)),
    ],
)
def test_corpus_size_and_spread(name, minimum):
    total, harmless, other, in_cat, cats = _spread(_set(name))
    got = (total, harmless, other, in_cat, len(cats))
    assert all(g >= m for g, m in zip(got, minimum)), "set {}: {} < {}".format(name, got, minimum)


BROAD_SETS = {"U": 12, "V": 12, "W": 12, "X": 11, "Y": 12, "Z": 10, "AA": 11, "AB": 13, "AC": 9, "AD": 11, "AE": 10, "AF": 6, "AG": 9, "AH": 9, "AI": 6, "AJ": 8, "AK": 12, "AL": 7, "AM": 8, "AN": 7}  # sets whose mix leans on the later categories by design: minimum logs in the 13 original ones


@pytest.mark.parametrize("name, least", [("I", 3), ("J", 1), ("K", 3), ("L", 2), ("M", 4), ("N", 3), ("O", 3), ("P", 2), ("Q", 2), ("R", 0), ("S", 0), ("T", 0), ("U", 0), ("V", 0), ("W", 0), ("X", 0), ("Y", 0), ("Z", 0), ("AA", 0), ("AB", 0), ("AC", 0), ("AD", 0), ("AE", 0), ("AF", 0), ("AG", 0), ("AH", 0), ("AI", 0), ("AJ", 0), ("AK", 0), ("AL", 0), ("AM", 0), ("AN", 0)])
def test_recent_set_covers_the_original_13(name, least):
    """Sets I to AN have `least` to 6 logs in each of the 13 original categories (set A's, the ones the project is
    judged on); in sets I to T most of their failures are among them. Sets U, V, W, X, Y, Z, AA, AB, AC, AD, AE, AF, AG, AH, AI, AJ, AK, AL, AM and AN were built broad on
    purpose (about one log per original category, more across the later ones, see their README sections; X, from stored
    web pages, has 11 of the 13; Z, also from stored web pages, has 10; AA, from issue threads, has 11; AB, from stored web pages, has 12 of the 13 in 13 logs; AC, from issue threads, has 8 of the 13 in 9 logs; AD, from stored web pages, has 10 of the 13 in 11 logs; AE, from issue threads, has 8 of the 13 in 10 logs; AF, from stored web pages, has 6 of the 13 in 6 logs; AG, from issue threads, has 9 of the 13 in 9 logs; AH, from stored web pages, has 8 of the 13 in 9 logs; AI, from issue threads, has 5 of the 13 in 6 logs; AJ, from stored web pages, has 6 of the 13 in 8 logs; AK, from issue threads, has 10 of the 13 in 12 logs; AL, from stored web pages, has 7 of the 13 in 7 logs; AM, from issue threads, has 8 of the 13 in 8 logs; AN, from stored web pages, has 6 of the 13 in 7 logs): they only need
    BROAD_SETS[name] logs in the 13 original categories."""
    labels = [e["label"] for e in _set(name)]
    counts = {c: labels.count(c) for c in CATEGORIES}
    assert all(least <= n <= 6 for n in counts.values()), counts
    outside = [x for x in labels if x != "harmless" and x not in CATEGORIES]
    if name in BROAD_SETS:
        assert sum(counts.values()) >= BROAD_SETS[name], (counts, outside)
    else:
        assert sum(counts.values()) > 4 * len(outside), (counts, outside)


def _urls(paths):
    urls = set()
    for path in paths:
        if path.is_file():
            for u in URL_RE.findall(path.read_text(encoding="utf-8", errors="replace")):
                urls.add(norm_source(u.rstrip(".,;:'")))
    return urls


def _kb_sources():
    return _urls(sorted((ROOT / "rules" / "signatures").glob("*.yaml")) + sorted((ROOT / "tests" / "data" / "logs").glob("*")))


def _all_rule_and_test_sources():
    """Every link in the signatures, error-code and fault tables and every test capture."""
    paths = []
    for sub in (("rules", "signatures"), ("rules", "codes"), ("rules", "faults"), ("tests", "data")):
        base = ROOT.joinpath(*sub)
        if base.is_dir():
            paths += sorted(p for p in base.rglob("*") if p.is_file())
    return _urls(paths)


def test_independent_of_signature_and_test_sources():
    kb = _kb_sources()
    assert kb, "expected the signatures to carry source links"
    clash = [e["id"] for e in ENTRIES if norm_source(e["source"]) in kb]
    assert not clash, "corpus logs taken from a source the knowledge base uses: {}".format(clash)


SET_ORDER = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ") + ("AA", "AB", "AC", "AD", "AE", "AF", "AG", "AH", "AI", "AJ", "AK", "AL", "AM", "AN")  # the order the sets were built in: each is independent of the ones before it
# (a tuple of names, not a string: a two-letter set name such as "AA" must not match by substring)


@pytest.mark.parametrize("name", SET_ORDER[1:])
def test_set_independent_of_rules_tests_and_earlier_sets(name):
    used = _all_rule_and_test_sources()
    earlier_sets = SET_ORDER[:SET_ORDER.index(name)]
    earlier = {norm_source(e["source"]) for e in ENTRIES if e["set"] in earlier_sets}
    clash = [e["id"] for e in _set(name) if norm_source(e["source"]) in used]
    assert not clash, "set {} logs taken from a source the rules or tests use: {}".format(name, clash)
    clash = [e["id"] for e in _set(name) if norm_source(e["source"]) in earlier]
    assert not clash, "set {} logs taken from a set {} source: {}".format(name, "/".join(earlier_sets), clash)


def _thread(url):
    """A GitHub issue and a pull request of one repository share their number space: one thread per number."""
    m = re.match(r"github\.com/([^/]+/[^/]+)/(?:issues|pull)/(\d+)", norm_source(url))
    return "{}#{}".format(m.group(1), m.group(2)) if m else norm_source(url)


@pytest.mark.parametrize("name,also_rules_and_tests", [("G", False), ("H", True), ("I", True), ("J", True),
                                                          ("K", True), ("L", True), ("M", True),
                                                          ("N", True), ("O", True), ("P", True),
                                                          ("Q", True), ("R", True),
                                                          ("S", True), ("T", True), ("U", True), ("V", True), ("W", True), ("X", True), ("Y", True), ("Z", True), ("AA", True), ("AB", True), ("AC", True), ("AD", True), ("AE", True), ("AF", True), ("AG", True), ("AH", True), ("AI", True), ("AJ", True), ("AK", True), ("AL", True), ("AM", True), ("AN", True)])
def test_set_threads_not_reused(name, also_rules_and_tests):
    """Sets G to AN take no issue or pull-request thread another set used (sets H to AN: nor the rules and tests),
    whatever the comment anchor or the /issues/ vs /pull/ spelling of the URL, and no thread twice."""
    earlier = {_thread(e["source"]) for e in ENTRIES if e["set"] != name}
    if also_rules_and_tests:
        earlier |= {_thread(u) for u in _all_rule_and_test_sources()}
    clash = [e["id"] for e in _set(name) if _thread(e["source"]) in earlier]
    assert not clash, clash
    threads = [_thread(e["source"]) for e in _set(name)]
    assert len(threads) == len(set(threads)), "two set {} logs from one thread".format(name)


@pytest.mark.parametrize("name,cats,most", [("F", CATEGORIES_F, 8), ("G", CATEGORIES_G, 6), ("H", CATEGORIES_H, 5), ("I", CATEGORIES_I, 6),
                                                 ("J", CATEGORIES_J, 6), ("K", CATEGORIES_K, 6),
                                                 ("L", CATEGORIES_L, 6), ("M", CATEGORIES_M, 6),
                                                 ("N", CATEGORIES_N, 6), ("O", CATEGORIES_O, 6),
                                                 ("P", CATEGORIES_P, 6), ("Q", CATEGORIES_Q, 6),
                                                 ("R", CATEGORIES_R, 6), ("S", CATEGORIES_S, 6),
                                                 ("T", CATEGORIES_T, 6), ("U", CATEGORIES_U, 6), ("V", CATEGORIES_V, 6), ("W", CATEGORIES_W, 6), ("X", CATEGORIES_X, 6), ("Y", CATEGORIES_Y, 6), ("Z", CATEGORIES_Z, 6), ("AA", CATEGORIES_AA, 6), ("AB", CATEGORIES_AB, 6), ("AC", CATEGORIES_AC, 6), ("AD", CATEGORIES_AD, 6), ("AE", CATEGORIES_AE, 6), ("AF", CATEGORIES_AF, 6), ("AG", CATEGORIES_AG, 6), ("AH", CATEGORIES_AH, 6), ("AI", CATEGORIES_AI, 6), ("AJ", CATEGORIES_AJ, 6), ("AK", CATEGORIES_AK, 6), ("AL", CATEGORIES_AL, 6), ("AM", CATEGORIES_AM, 6), ("AN", CATEGORIES_AN, 6)])
def test_set_no_category_dominates(name, cats, most):
    """The later sets measure breadth: no single category holds more than ``most`` of a set's in-category logs."""
    counts = {}
    for e in _set(name):
        if e["label"] in cats:
            counts[e["label"]] = counts.get(e["label"], 0) + 1
    assert counts and max(counts.values()) <= most, counts


@pytest.mark.parametrize(
    "name,cats",
    [
        ("D", CATEGORIES_D), ("E", CATEGORIES_E), ("F", CATEGORIES_F), ("G", CATEGORIES_G), ("H", CATEGORIES_H),
        ("I", CATEGORIES_I), ("J", CATEGORIES_J), ("K", CATEGORIES_K), ("L", CATEGORIES_L),
        ("M", CATEGORIES_M), ("N", CATEGORIES_N), ("O", CATEGORIES_O),
        ("P", CATEGORIES_P), ("Q", CATEGORIES_Q), ("R", CATEGORIES_R), ("S", CATEGORIES_S), ("T", CATEGORIES_T), ("U", CATEGORIES_U), ("V", CATEGORIES_V), ("W", CATEGORIES_W), ("X", CATEGORIES_X), ("Y", CATEGORIES_Y), ("Z", CATEGORIES_Z), ("AA", CATEGORIES_AA), ("AB", CATEGORIES_AB), ("AC", CATEGORIES_AC), ("AD", CATEGORIES_AD), ("AE", CATEGORIES_AE), ("AF", CATEGORIES_AF), ("AG", CATEGORIES_AG), ("AH", CATEGORIES_AH), ("AI", CATEGORIES_AI), ("AJ", CATEGORIES_AJ), ("AK", CATEGORIES_AK), ("AL", CATEGORIES_AL), ("AM", CATEGORIES_AM), ("AN", CATEGORIES_AN),
    ],
)
def test_recent_set_labels_use_categories_that_exist(name, cats):
    """Sets D to AN take their label set from rules/explain_categories.yaml at build time; every category they
    name must still be a known category there (a renamed category would silently turn logs into misses)."""
    path = ROOT / "rules" / "explain_categories.yaml"
    with open(path, encoding="utf-8") as fh:
        known = {c["id"] for c in yaml.safe_load(fh)}
    used = {e["label"] for e in _set(name) if e["label"] in cats}
    assert used <= known, sorted(used - known)


@pytest.mark.parametrize(
    "text,local",
    [
        ("https://github.com/o/r/blob/abc/docs/zh/installation_guide/tmp/faq.md#L1-L5", False),
        ("captured: /tmp/run.log", True),
        ("see /work/coord/sources/kb.txt", True),
        ("file:///home/u/log.txt", True),
    ],
)
def test_local_path_pattern(text, local):
    assert bool(LOCAL_PATH_RE.search(text)) == local


@pytest.mark.parametrize(
    "url,same",
    [
        ("https://github.com/o/r/blob/abc123/docs/x.md#L1-L5", "https://github.com/o/r/blob/master/docs/x.md"),
        ("http://www.hiascend.com/a/b.html", "https://hiascend.com/a/b.html/"),
    ],
)
def test_norm_source_is_ref_and_fragment_independent(url, same):
    assert norm_source(url) == norm_source(same)


def test_set_order_names_match_whole_names():
    """SET_ORDER holds whole set names: membership and slicing must not treat "AA" as a substring of "ABC..."."""
    assert all(isinstance(s, str) and s for s in SET_ORDER)
    assert "AB" not in SET_ORDER[:5]  # as a string "ABCDE" this would be True
