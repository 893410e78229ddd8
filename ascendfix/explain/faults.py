"""Fault-knowledge tables: ``rules/faults/*.yaml``, literal rules taken from a public fault knowledge base.

A table entry names the literal substrings a log line holds for one known fault (``any``: a list of
alternatives, each a list of literals that must all occur in the same line), the fault's short official label
and the component/module it belongs to. The family file maps every (component, module) to an ascendfix
category and writes the generic next step for it; the engine matches entries like signatures (the longest
literal of each alternative is its pre-filter anchor) and ranks them with the error codes: below a
signature written for the family, above a generic wrapper.
"""

from ascendfix.data import Field, data_root, display_path, iter_files, load_yaml_cached, validate
from ascendfix.errors import DataError
from ascendfix.explain.codes import validate_examples

FAMILY_FIELDS = {
    "family": Field(str),
    "title": Field(str),
    "source": Field(str),
    "explanation": Field(str),
    "include": Field(list, items=str),
    "modules": Field(list, items=dict),
    "examples": Field(dict),
    "min_anchor": Field(int, required=False),
    "roles": Field(dict, required=False),
    "categories": Field(dict, required=False),
    # entry id -> literals, one of which the matched line must also hold: for an entry whose own substrings are
    # generic wording of any Python / PyTorch program (PyTorch's CUDA "kernel errors might be asynchronously
    # reported" line, Python's "Address already in use"), the program-specific word that makes it this fault
    "needs": Field(dict, required=False),
}
MODULE_FIELDS = {
    "component": Field(str),
    "module": Field(str),
    "category": Field(str),
    "next": Field(str),
    "role": Field(str, required=False, choices=("cause", "consequence", "wrapper")),
}
ENTRY_FIELDS = {
    "id": Field(str),
    "any": Field(list, items=list),
    "label": Field(str),
    "component": Field(str),
    "module": Field(str),
}


class _Pattern(object):
    """One alternative of an entry: its literals; ``anchors`` = the longest (the pre-filter key)."""

    __slots__ = ("literals", "anchors", "index", "required", "alone", "needs")

    def __init__(self, literals, index, needs=()):
        self.literals = tuple(literals)
        self.needs = tuple(needs)  # one of these must also be in the line (the family file's ``needs``)
        self.anchors = (max(literals, key=len),)
        self.index = index
        self.required = False
        self.alone = True

    def search(self, text):
        return all(lit in text for lit in self.literals) and (not self.needs or any(n in text for n in self.needs))


class FaultRule(object):
    """A table entry with the attributes the engine reads from a signature."""

    kind = "fault"
    role = "cause"
    codes = ()
    apply_rule = None

    def __init__(self, entry, module, family, needs=()):
        self.id = entry["id"]
        self.family = family
        self.title = entry["label"].strip().rstrip(".")
        self.category = module["category"]
        self.role = module.get("role") or "cause"
        self.priority = 40
        self.component = entry["component"]
        self.module = entry["module"]
        self.patterns = [_Pattern(alt, i, needs) for i, alt in enumerate(entry["any"])]
        self.cause = "{} {}: known fault {} in MindCluster's fault-diagnosis knowledge base, labelled \u201c{}\u201d.".format(
            self.component, self.module, self.id, self.title)
        self.fix = module["next"].strip()
        self.links = [family.source]

    @staticmethod
    def render(text, captures):
        return text


class FaultFamily(object):
    def __init__(self, path, doc):
        from ascendfix.explain.kb import categories

        known = categories()

        where = display_path(path)
        validate(doc, FAMILY_FIELDS, where)
        self.path = path
        self.name = doc["family"]
        self.title = doc["title"]
        self.source = doc["source"]
        self.explanation = doc["explanation"].rstrip()
        self.examples = doc["examples"]
        min_anchor = doc.get("min_anchor", 10)
        modules = {}
        for i, m in enumerate(doc["modules"]):
            w = "{} modules[{}]".format(where, i)
            validate(m, MODULE_FIELDS, w)
            if m["category"] not in known:
                raise DataError("{}: unknown category '{}'".format(w, m["category"]))
            modules[(m["component"], m["module"])] = m
        validate_examples(self.examples, where)
        from ascendfix.explain.codes import _load_table

        needs = doc.get("needs") or {}
        for k, v in needs.items():
            if not isinstance(v, list) or not v or not all(isinstance(x, str) and x for x in v):
                raise DataError("{}: needs.{}: must be a list of non-empty strings".format(where, k))
        self.rules = []
        seen = set()
        for inc in doc["include"]:
            table = _load_table(path.parent / inc)
            if not isinstance(table, dict) or not isinstance(table.get("entries"), list):
                raise DataError("{}: include '{}' must hold a mapping with 'entries'".format(where, inc))
            for i, e in enumerate(table["entries"]):
                w = "{} entries[{}]".format(inc, i)
                validate(e, ENTRY_FIELDS, w)
                if e["id"] in seen:
                    raise DataError("{}: duplicate id '{}'".format(w, e["id"]))
                seen.add(e["id"])
                mod = modules.get((e["component"], e["module"]))
                if mod is None:
                    continue  # a module ascendfix does not map (image codecs, quantisation tools...)
                alts = [alt for alt in e["any"] if alt and all(isinstance(x, str) and x for x in alt)
                        and len(max(alt, key=len)) >= min_anchor]
                if not alts:
                    continue
                rule = FaultRule(dict(e, any=alts), mod, self, needs.get(e["id"], ()))
                role = (doc.get("roles") or {}).get(e["id"])
                if role:
                    if role not in ("cause", "consequence", "wrapper", "context"):
                        raise DataError("{}: roles.{}: unknown role '{}'".format(where, e["id"], role))
                    rule.role = role
                cat = (doc.get("categories") or {}).get(e["id"])
                if cat:
                    if cat not in known:
                        raise DataError("{}: categories.{}: unknown category '{}'".format(where, e["id"], cat))
                    rule.category = cat
                self.rules.append(rule)


_CACHE = {}


def load_fault_families():
    key = str(data_root("rules"))
    if key not in _CACHE:
        fams = []
        for path in iter_files("rules", "faults"):
            doc = load_yaml_cached(path)
            if isinstance(doc, dict) and "family" in doc:
                fams.append(FaultFamily(path, doc))
        _CACHE[key] = fams
    return _CACHE[key]


def find_fault(fault_id):
    want = fault_id.strip()
    for fam in load_fault_families():
        for r in fam.rules:
            if r.id == want:
                return fam, r
    return None, None
