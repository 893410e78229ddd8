"""How PEP 585 generics are spelled with ``typing`` on Python 3.8, and which name to use in a given file."""

import ast
import re
from typing import Optional

from ascendfix.codemods.scope import BUILTIN_NAMES, all_bound_names, module_imports, rebound_names

# PEP 585: what became subscriptable at runtime in 3.9, and its typing spelling for older Pythons.
_ABC = [
    "Awaitable", "Coroutine", "AsyncIterable", "AsyncIterator", "AsyncGenerator", "Iterable", "Iterator",
    "Generator", "Reversible", "Container", "Collection", "Callable", "MutableSet", "Mapping",
    "MutableMapping", "Sequence", "MutableSequence", "ByteString", "MappingView", "KeysView", "ItemsView",
    "ValuesView", "Hashable", "Sized",
]
PEP585 = {
    "builtins.list": "List",
    "builtins.dict": "Dict",
    "builtins.tuple": "Tuple",
    "builtins.set": "Set",
    "builtins.frozenset": "FrozenSet",
    "builtins.type": "Type",
    "collections.deque": "Deque",
    "collections.defaultdict": "DefaultDict",
    "collections.OrderedDict": "OrderedDict",
    "collections.Counter": "Counter",
    "collections.ChainMap": "ChainMap",
    "collections.abc.Set": "AbstractSet",
    "contextlib.AbstractContextManager": "ContextManager",
    "contextlib.AbstractAsyncContextManager": "AsyncContextManager",
    "re.Pattern": "Pattern",
    "re.Match": "Match",
}
for _n in _ABC:
    if _n in ("Hashable", "Sized"):  # not generic at all
        continue
    PEP585["collections.abc." + _n] = _n
    PEP585["collections." + _n] = _n  # deprecated aliases, still importable on 3.8
PEP585["collections.Set"] = "AbstractSet"
# Last components, for the text prefilter.
PEP585_SHORT = sorted({q.rsplit(".", 1)[1] for q in PEP585})

TYPE_NAMES = frozenset(
    "builtins." + n
    for n in ("int", "float", "complex", "str", "bytes", "bytearray", "bool", "object", "list", "dict", "tuple",
              "set", "frozenset", "type", "memoryview", "range", "slice")
)


def find_operator(text: str, start: int, end: int, op: str) -> Optional[int]:
    """Offset of ``op`` in text[start:end] outside comments (the gap between two operands)."""
    i = start
    while i < end:
        c = text[i]
        if c == "#":
            nl = text.find("\n", i, end)
            if nl < 0:
                return None
            i = nl
        elif text.startswith(op, i):
            return i
        i += 1
    return None


class TypingSpeller:
    """Decides ``List`` vs ``typing.List`` for a file and records which imports that needs."""

    def __init__(self, tree, text=None):
        self.tree = tree
        self.text = text
        self.imports = module_imports(tree)
        self._bound = None
        self.from_names = []  # names to merge into `from typing import`
        self.need_module = None  # alias of `import typing` to add, or None
        self.typing_alias = None
        # line of the first top-level `from typing import` (new names are merged into it only when it
        # comes before every rewritten site)
        self.from_line = None
        for st in tree.body:
            if isinstance(st, ast.ImportFrom) and st.module == "typing" and not st.level and not any(
                    a.name == "*" for a in st.names):
                self.from_line = st.lineno
                break
        self.merge = True
        self._rebound = None
        for local, qual in self.imports.items():
            if qual == "typing" and not self._is_rebound(local):
                self.typing_alias = local
                break

    def _is_rebound(self, local):
        """Is the import alias ``local`` also bound by something else (so it may not mean the import)?"""
        if self.text is not None and self._rebound is None and \
                len(re.findall(r"\b" + re.escape(local) + r"\b", self.text)) < 2:
            return False  # named once: the import itself
        if self._rebound is None:
            self._rebound = rebound_names(self.tree)
        return local in self._rebound

    @property
    def bound(self):
        if self._bound is None:
            self._bound = all_bound_names(self.tree)
        return self._bound

    def is_bound(self, name: str) -> bool:
        """Is ``name`` bound anywhere in the file? (A name absent from the text is not: no tree walk then.)"""
        if self.text is not None and self._bound is None and re.search(re.escape(name) + r"\b", self.text) is None:
            return False
        return name in self.bound

    def spell(self, name: str) -> Optional[str]:
        for local, qual in self.imports.items():
            if qual == "typing." + name and not self._is_rebound(local):
                return local
        if not self.is_bound(name) and name not in BUILTIN_NAMES:
            if name not in self.from_names:
                self.from_names.append(name)
            return name
        if self.typing_alias:
            return self.typing_alias + "." + name
        if self.is_bound("typing"):
            return None
        self.need_module = "typing"
        return "typing." + name
