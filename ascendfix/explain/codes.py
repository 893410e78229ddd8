"""The Ascend error-code table: ``rules/codes/*.yaml``, one file per code family.

A family says how its codes are *found* in a line (``detect``: bounded regexes with a named group
``code`` and a ``prefilter`` the anchor scan can use) and what each code *means* (``entries``, one row
per documented code; ``groups``, rows for a code prefix such as a CANN module, used when the exact
code has no row). Every row has a meaning and a generic next step written for ascendfix, and the link
to the official source it was taken from. The engine reads the table; adding a code is a data change.

Families: ``cann`` (``E?####``, also written ``Name(E?####)``), ``acl`` (AscendCL / runtime / aclnn / GE
return codes, 1xxxxx-5xxxxx), ``torch_npu`` (``ERR#####``: submodule + error type), ``hccl``
(``HcclResult`` numbers), ``rt`` (the runtime's internal ``0x07xxxxxx`` numbers in ``retCode=0x7020014``) and
``mindie`` (``MIE##E######``).

The big families are loaded only when a line actually holds one of their codes.
"""

import re

from ascendfix.data import Field, data_root, display_path, iter_files, load_yaml_cached, validate
from ascendfix.errors import DataError

ROLES = ("cause", "consequence", "wrapper", "context")

FAMILY_FIELDS = {
    "family": Field(str),
    "title": Field(str),
    "source": Field(str),
    "detect": Field(list, items=dict),
    "groups": Field(list, items=dict, required=False),
    "entries": Field(list, items=dict, required=False),
    "examples": Field(dict),
    "explanation": Field(str),
    "include": Field(list, items=str, required=False),
    "id_pattern": Field(str, required=False),
    "id_normalize": Field(str, required=False, choices=("hex", "hex8")),
}
DETECT_FIELDS = {
    "regex": Field(str),
    "prefilter": Field(str),
    "skip_quiet_lines": Field(bool, required=False),
    # hex: "0x...0009" -> "9" (a decimal key); hex8: "0x7020014" -> "0x07020014" (one spelling of a 32-bit hex code)
    # name: "ACL_ERROR_RT_AICORE_TIMEOUT" -> "507014" (a row's documented constant name, looked up in the family)
    "normalize": Field(str, required=False, choices=("hex", "hex8", "name")),
}
ROW_FIELDS = {
    "code": Field((str, int)),
    "id": Field(str, required=False),
    "name": Field(str, required=False),
    "title": Field(str),
    "category": Field(str),
    "role": Field(str, required=False, choices=ROLES),
    "priority": Field(int, required=False),
    "meaning": Field(str),
    "next": Field(str),
    "source": Field(str),
}
GROUP_FIELDS = dict(ROW_FIELDS, prefix=Field(str), module=Field(str, required=False))
del GROUP_FIELDS["code"]
EXAMPLE_FIELDS = {"text": Field(str), "source": Field(str), "id": Field(str, required=False)}

# only what POSIX ERE (grep -E) and Python's re read the same way, on bytes: no \w \d \s \b classes; CJK
# ideographs and the full-width colon as literal characters (encoded UTF-8 like every pre-filter), never in a class
_PREFILTER_OK = re.compile(r"^(?:[A-Za-z0-9 _:()\[\]{},.|\-^$?+*#=/'\"<>!@%&;~`\u4e00-\u9fff\uff1a]|\\[\[\]().*+?{}|^$\\])+$")


def plain_prefilter(text):
    """Is ``text`` a pre-filter that grep -E (LC_ALL=C, bytes) and Python's re read the same way? (See _PREFILTER_OK
    and _non_ascii_in_class; the error-code detectors and rules/explain_failures.yaml entries are checked with it.)"""
    return _PREFILTER_OK.match(text) is not None and not _non_ascii_in_class(text)


def _non_ascii_in_class(text):
    """True when a character outside ASCII sits inside a bracket class: grep under LC_ALL=C reads a class byte by
    byte, so ``[错误]`` would match any one of six bytes there and a whole character in Python's re. (Not checked: a
    quantifier right after such a character, ``错{2}``, and a bounded ``[^0-9]{0,9}`` beside CJK text also count bytes
    in grep and characters in Python; a pre-filter only has to pass at least the lines its regex matches, and the
    rules that use them keep such spans short of their byte length.)"""
    in_class = False
    i = 0
    while i < len(text):
        c = text[i]
        if not in_class:
            if c == "\\":
                i += 2
                continue
            if c == "[":
                in_class = True
                i += 1
                if i < len(text) and text[i] == "^":
                    i += 1
                if i < len(text) and text[i] == "]":  # a leading ] is a member, not the end
                    i += 1
                continue
        else:
            if c == "]":
                in_class = False
            elif ord(c) > 127:
                return True
        i += 1
    return False


class Row(object):
    """One code (or code prefix) of the table, as a match would report it."""

    __slots__ = ("family", "code", "id", "name", "title", "category", "role", "priority", "meaning", "next",
                 "source", "prefix", "module")

    def __init__(self, family, entry, prefix=None):
        self.family = family
        self.prefix = prefix
        self.code = None if prefix is not None else str(entry["code"])
        self.id = entry.get("id") or self.code
        self.name = entry.get("name")
        self.title = entry["title"].strip()
        self.category = entry["category"]
        self.role = entry.get("role") or "cause"
        self.priority = int(entry.get("priority") or 50)
        self.meaning = entry["meaning"].strip()
        self.next = entry["next"].strip()
        self.source = entry["source"]
        self.module = entry.get("module")


def validate_examples(examples, where, fields=EXAMPLE_FIELDS):
    """An entry's ``examples``: at least one ``{text, source}`` item under each of ``match`` and ``no_match``
    (code families, fault tables, signatures; ``fields`` says what an item may hold)."""
    for kind in ("match", "no_match"):
        items = examples.get(kind)
        if not isinstance(items, list) or not items:
            raise DataError("{}: examples.{} needs at least one {{text, source}} item".format(where, kind))
        for j, item in enumerate(items):
            try:
                validate(item, fields, "")
            except DataError:  # again, to name the place (``where`` may be lazy: naming a file resolves its path)
                validate(item, fields, "{} examples.{}[{}]".format(where, kind, j))


def normalize_code(code, how):
    """A code as the table keys it (see DETECT_FIELDS' ``normalize``)."""
    if how == "hex":
        return str(int(code, 16))
    if how == "hex8":
        return "0x%08x" % int(code[2:] if code[:2] in ("0x", "0X") else code, 16)
    return code


class Detector(object):
    __slots__ = ("family", "source", "_regex", "prefilter", "skip_quiet_lines", "where", "normalize", "table")

    def __init__(self, family, d, where):
        self.family = family
        self.source = d["regex"]
        self.prefilter = d["prefilter"]
        self.skip_quiet_lines = d.get("skip_quiet_lines", True)
        self.normalize = d.get("normalize")
        self.where = where
        self.table = None  # the Family, for ``normalize: name``
        self._regex = None
        if not plain_prefilter(self.prefilter) or len(self.prefilter) > 400:
            raise DataError("{}: prefilter must be a plain ERE (letters, [classes], {{n}}, |), got {!r}".format(
                where, self.prefilter))

    def code(self, m):
        """The code a match found, as the table keys it."""
        if self.normalize == "name":
            row = self.table.by_name(m.group("code")) if self.table is not None else None
            return row.code if row is not None else m.group("code")
        return normalize_code(m.group("code"), self.normalize)

    @property
    def regex(self):
        if self._regex is None:
            try:
                self._regex = re.compile(self.source)
            except re.error as e:
                raise DataError("{}: bad regex: {}".format(self.where, e))
            if "code" not in self._regex.groupindex:
                raise DataError("{}: regex needs a named group 'code'".format(self.where))
        return self._regex


class Family(object):
    """A family of codes: detectors (always loaded) and rows (loaded on first lookup)."""

    def __init__(self, path, doc):
        where = display_path(path)
        validate(doc, FAMILY_FIELDS, where)
        self.path = path
        self.name = doc["family"]
        self.title = doc["title"].strip()
        self.source = doc["source"]
        self.explanation = doc["explanation"].rstrip()
        self.examples = doc["examples"]
        self.id_pattern = re.compile(doc["id_pattern"]) if doc.get("id_pattern") else None
        self.id_normalize = doc.get("id_normalize")
        self.detectors = [
            Detector(self.name, d, "{} detect[{}]".format(where, i))
            for i, d in enumerate(doc["detect"])
            if validate(d, DETECT_FIELDS, "{} detect[{}]".format(where, i)) is not None
        ]
        for d in self.detectors:
            d.table = self
        self._doc = doc
        self._rows = None
        self._groups = None
        self._names = None
        validate_examples(self.examples, where)

    def _load(self):
        if self._rows is not None:
            return
        from ascendfix.explain.kb import categories

        known = categories()

        where = display_path(self.path)
        entries = list(self._doc.get("entries") or [])
        for inc in self._doc.get("include") or []:  # big generated tables live in their own (JSON) file
            sub = _load_table(self.path.parent / inc)
            if not isinstance(sub, dict) or not isinstance(sub.get("entries"), list):
                raise DataError("{}: include '{}' must hold a mapping with 'entries'".format(where, inc))
            entries.extend(sub["entries"])
        rows = {}
        for i, e in enumerate(entries):
            w = "{} entries[{}]".format(where, i)
            validate(e, ROW_FIELDS, w)
            if e["category"] not in known:
                raise DataError("{}: unknown category '{}'".format(w, e["category"]))
            row = Row(self.name, e)
            if row.code in rows:
                raise DataError("{}: duplicate code '{}'".format(w, row.code))
            rows[row.code] = row
        groups = []
        for i, g in enumerate(self._doc.get("groups") or []):
            w = "{} groups[{}]".format(where, i)
            validate(g, GROUP_FIELDS, w)
            if g["category"] not in known:
                raise DataError("{}: unknown category '{}'".format(w, g["category"]))
            groups.append(Row(self.name, g, prefix=str(g["prefix"])))
        groups.sort(key=lambda r: -len(r.prefix))  # longest prefix first
        self._rows, self._groups = rows, groups

    @property
    def rows(self):
        self._load()
        return self._rows

    @property
    def groups(self):
        self._load()
        return self._groups

    def by_name(self, name):
        """The row whose documented constant name is ``name`` (ACL_ERROR_..., or a row id that is a constant name:
        HCCL_E_TIMEOUT), or None."""
        self._load()
        if self._names is None:
            names = {r.id: r for r in self._rows.values() if r.id != r.code}
            names.update((r.name, r) for r in self._rows.values() if r.name)
            self._names = names
        return self._names.get(name)

    def lookup(self, code):
        """The row for ``code``: its own, else the longest matching prefix group, else None."""
        self._load()
        row = self._rows.get(code)
        if row is not None:
            return row
        for g in self._groups:
            if code.startswith(g.prefix):
                return g
        return None


def _load_table(path):
    if path.suffix != ".json":
        return load_yaml_cached(path)
    import json

    try:
        with open(str(path), encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as e:
        raise DataError("{}: cannot read: {}".format(display_path(path), e))


_CACHE = {}


def load_families():
    """Every code family under rules/codes/ (detectors compiled lazily, rows loaded lazily)."""
    key = str(data_root("rules"))
    if key not in _CACHE:
        fams = []
        for path in iter_files("rules", "codes"):  # *.yaml: the family files (tables are *.json)
            doc = load_yaml_cached(path)
            if isinstance(doc, dict) and "family" in doc:
                fams.append(Family(path, doc))
        names = [f.name for f in fams]
        if len(set(names)) != len(names):
            raise DataError("rules/codes: duplicate family name")
        _CACHE[key] = fams
    return _CACHE[key]


def find_code(code):
    """The row for a code typed by a user (``EZ9999``, ``507035``, ``ERR01100``, ``MIE03E400005``,
    ``HCCL_E_TIMEOUT``, ``ACL_ERROR_RT_AICORE_EXCEPTION``) as ``(family, row, code)``, or ``(None, None, None)``."""
    want = code.strip()
    up = want.upper()
    for fam in load_families():
        for row in fam.rows.values():
            if up in (row.id.upper(), (row.name or "").upper(), row.code.upper()):
                return fam, row, row.code
    for fam in load_families():
        pat = fam.id_pattern
        if pat is not None:
            m = pat.match(want)
            if m:
                key = m.group("code") if "code" in pat.groupindex else want
                if fam.id_normalize:
                    key = normalize_code(key, fam.id_normalize)
                row = fam.lookup(key)
                if row is not None:
                    return fam, row, key
    return None, None, None


def module_of(code):
    """``EI0006`` -> ``HCCL``: the module a CANN code belongs to (from the table's groups), or None."""
    for fam in load_families():
        if fam.name != "cann":
            continue
        for g in fam.groups:
            if code.startswith(g.prefix) and g.module:
                return g.module
    return None
