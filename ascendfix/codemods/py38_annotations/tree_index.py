"""Who reads annotations at run time, across the files of a tree (py38-annotations' tree index).

Per file, from the text only (regular expressions, no parse: the whole of mindone 0.5.0 costs
~0.7 s of CPU where parsing it would cost ~8 s): its classes with their bases as written, its import
bindings, the classes and top-level functions whose own code reads annotations (``get_type_hints``,
``__annotations__``, ...). Merged: every class of the tree whose bases lead, through the tree's own
imports and re-exports, to a class whose fields or ``__init__`` signature are read at run time
(``BaseModel``, ``TypedDict``, ``NamedTuple``, ``*Pipeline``, ... by name, or a class of the tree that
reads its subclasses' annotations), and every function of the tree that reads the annotations of
what it is given. A regular expression can miss an odd class statement; what it misses falls back
to the per-file decision by names.
"""

import fnmatch
import re

# Each pattern starts with a literal (a fast scan for it), and a match counts only when it starts its line
# (:func:`_starts_line`): a `^` in multiline mode makes the engine try every position (3x slower here).
_CLASS = re.compile(r"class[ \t]+([A-Za-z_]\w*)[ \t]*(?:\(([^()]*(?:\([^()]*\)[^()]*)*)\))?[ \t]*:")
_DEF = re.compile(r"def[ \t]+([A-Za-z_]\w*)[ \t]*\(")
_FROM = re.compile(r"from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*(?:\\\n[^\n#;]*)*)")
_IMPORT = re.compile(r"import[ \t]+([^\n#;]+)")
_OBJECT = re.compile(r"\n([A-Za-z_]\w*)[ \t]*=[ \t]*([A-Za-z_][\w.]*)[ \t]*\(")  # app = typer.Typer(...)
_BLOCK_END = {}  # indent -> regex finding the next line at that indentation or less


def _starts_line(text, m):
    """(does the match start its line after blanks only, the width of those blanks)."""
    i = m.start()
    j = i
    while j > 0 and text[j - 1] in " \t":
        j -= 1
    return (j == 0 or text[j - 1] == "\n"), i - j


def _lines_of(rx, text, indent=None):
    """Matches of ``rx`` that start a line (at indentation ``indent`` when given)."""
    for m in rx.finditer(text):
        ok, width = _starts_line(text, m)
        if ok and (indent is None or width == indent):
            yield m, width


def module_name(relpath):
    """``pkg/sub/mod.py`` -> ``pkg.sub.mod``; ``pkg/__init__.py`` -> ``pkg``."""
    parts = relpath[:-3].split("/") if relpath.endswith(".py") else relpath.split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def absolute(module, relpath, target):
    """The absolute module of ``target`` (``.x``, ``..y.z`` or absolute) imported from ``module``."""
    if not target.startswith("."):
        return target
    level = len(target) - len(target.lstrip("."))
    rest = target[level:]
    package = module.split(".") if relpath.endswith("__init__.py") else module.split(".")[:-1]
    if level > 1:
        package = package[: len(package) - (level - 1)] if level - 1 <= len(package) else []
    return ".".join([p for p in package if p] + ([rest] if rest else []))


def _names(spec):
    """``a as b, c`` (maybe in parentheses, over lines) -> [(name, local)]."""
    spec = spec.strip().strip("()").replace("\\\n", " ")
    out = []
    for item in spec.split(","):
        item = item.split("#")[0].strip()
        if not item or item == "*":
            continue
        bits = item.split()
        if len(bits) == 3 and bits[1] == "as":
            out.append((bits[0], bits[2]))
        elif len(bits) == 1:
            out.append((bits[0], bits[0]))
    return out


def _block(text, start, indent):
    """The text of the block whose header ends at ``start`` (lines indented more than ``indent``)."""
    rx = _BLOCK_END.get(indent)
    if rx is None:
        rx = _BLOCK_END[indent] = re.compile(r"\n(?=[ \t]{0,%d}[^ \t\r\n#])" % indent)
    m = rx.search(text, start)
    return text[start:m.start() if m else len(text)]


def _bases(spec):
    """Dotted names of a class statement's bases (keywords and subscripts dropped)."""
    out = []
    depth, cur = 0, []
    for ch in spec + ",":
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            item = "".join(cur).strip()
            cur = []
            if item and "=" not in item.split("[")[0]:
                name = item.split("[")[0].strip()
                if re.match(r"^[A-Za-z_][\w.]*$", name):
                    out.append(name)
            continue
        cur.append(ch)
    return out


def file_part(text, relpath, reader_words):
    """This file's part of the index (plain data), or None when it has nothing to say."""
    module = module_name(relpath)
    imports = {}
    for m, _ in _lines_of(_FROM, text):
        target = absolute(module, relpath, m.group(1))
        for name, local in _names(m.group(2)):
            imports[local] = target + "." + name if target else name
    for m, _ in _lines_of(_IMPORT, text):
        for name, local in _names(m.group(1)):
            if local == name and "." in name:  # `import a.b` binds `a`
                imports[name.split(".")[0]] = name.split(".")[0]
            else:
                imports[local] = name
    reads = any(w in text for w in reader_words)
    classes = []
    for m, indent in _lines_of(_CLASS, text):
        bases = _bases(m.group(2) or "")
        own = reads and any(w in _block(text, m.end(), indent) for w in reader_words)
        if bases or own:
            classes.append([m.group(1), bases, own])
    readers = []
    if reads:
        for m, _ in _lines_of(_DEF, text, 0):
            if any(w in _block(text, m.end(), 0) for w in reader_words):
                readers.append(m.group(1))
    objects = [[m.group(1), m.group(2)] for m in _OBJECT.finditer("\n" + text)]
    if not classes and not readers and not imports:
        return None
    return {"m": module, "i": imports, "c": classes, "r": readers, "o": objects}


def _glob(name, patterns):
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def merge(parts, field_classes, signature_classes, reader_callables=()):
    """The tree index: ``{"fields": [...], "signature": [...], "readers": [...]}`` (sorted qualified names).

    ``readers``: functions of the tree that read annotations, and module-level objects made by a known
    reader of signatures (``app = typer.Typer()``: its methods are used as decorators)."""
    reader_callables = set(reader_callables)
    modules = {}  # module -> its imports
    classes = {}  # qualified class -> (resolved bases, reads its subclasses' annotations)
    readers = set()
    for part in parts.values():
        if not part:
            continue
        mod = part["m"]
        modules[mod] = part["i"]
        local = {c[0] for c in part["c"]}
        for name, bases, own in part["c"]:
            resolved = []
            for b in bases:
                head, _, rest = b.partition(".")
                if head in part["i"]:
                    q = part["i"][head] + ("." + rest if rest else "")
                elif head in local and not rest:
                    q = mod + "." + head
                else:
                    q = b
                resolved.append(q)
            classes[mod + "." + name] = (resolved, own)
        for f in part["r"]:
            readers.add(mod + "." + f)
        for name, callee in part.get("o", ()):
            head, _, rest = callee.partition(".")
            if head in part["i"]:
                q = part["i"][head] + ("." + rest if rest else "")
                if q in reader_callables:
                    readers.add(mod + "." + name)

    def follow(q, depth=0):
        """A re-exported name to where it is defined (``pkg.X`` bound by ``from .a import X`` in pkg)."""
        while depth < 20 and q not in classes and q not in readers:
            mod, _, name = q.rpartition(".")
            target = modules.get(mod, {}).get(name)
            if not target or target == q:
                break
            q = target
            depth += 1
        return q

    bases = {q: [follow(b) for b in bs] for q, (bs, _) in classes.items()}
    fields = {q for q, (_, own) in classes.items() if own}
    signature = set()
    for q, bs in bases.items():
        last = [b.rsplit(".", 1)[-1] for b in bs]
        if any(_glob(n, field_classes) for n in last):
            fields.add(q)
        if any(_glob(n, signature_classes) for n in last + [q.rsplit(".", 1)[-1]]):
            signature.add(q)
    grew = True
    while grew:
        grew = False
        for q, bs in bases.items():
            if q not in fields and any(b in fields for b in bs):
                fields.add(q)
                grew = True
            if q not in signature and any(b in signature for b in bs):
                signature.add(q)
                grew = True
    aliases = {}
    for mod, imps in modules.items():  # re-exported names of protected classes and readers
        for local, q in imps.items():
            t = follow(q)
            if t in fields or t in signature or t in readers:
                aliases[mod + "." + local] = t
    return {
        "fields": sorted(fields | {a for a, t in aliases.items() if t in fields}),
        "signature": sorted(signature | {a for a, t in aliases.items() if t in signature}),
        "readers": sorted(readers | {a for a, t in aliases.items() if t in readers}),
    }
