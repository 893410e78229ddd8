"""Resolving a name in a module of the package, from its sources: does ``from <module> import <name>`` work?

Names bound in the module (definitions, assignments, imports, ``import *`` honouring ``__all__``, every branch
of ``if``/``try``/``with``/``for`` counted), the lazy-import constructs of :mod:`.lazy` (import structures,
``define_import_structure`` directory scans, ``_LazyModule(extra_objects=...)``, explicit ``TYPE_CHECKING``
imports; the ``import *`` lines under ``TYPE_CHECKING`` of a lazy module are not followed: the lazy module is
what runs), then submodules. A module-level ``__getattr__``, a compiled module or an unreadable file makes every
name resolve (cannot be checked, never reported). Modules are read as *skeletons* (:mod:`.lexer`), cached per
resolver. Names exported only when an optional backend (torch, PIL) is installed count as present.
"""

import ast
import os

from ascendfix import guards
from ascendfix.importcheck import lazy
from ascendfix.importcheck.lexer import BOM, module_skeleton


class _ModInfo(object):
    __slots__ = ("kind", "path", "bound", "stars", "all_names", "lazy", "lazy_names", "dir_modules",
                 "structure_dirs", "dynamic")

    def __init__(self, kind, path):
        self.kind = kind  # 'pkg' | 'mod' | 'ns' | 'ext'
        self.path = path
        self.bound = set()  # type: Set[str]
        self.stars = []  # type: List[Tuple[str, bool]]  (absolute module, under TYPE_CHECKING)
        self.all_names = None  # type: Optional[Set[str]]  static __all__ (None: absent or not literal)
        self.lazy = False  # replaced by a _LazyModule at import
        self.lazy_names = set()  # type: Set[str]
        self.dir_modules = []  # type: List[str]  modules whose dir() feeds an import structure
        self.structure_dirs = []  # type: List[str]  define_import_structure(<dir>)
        self.dynamic = kind == "ext"  # module __getattr__ / compiled: any name may exist


def _target_names(target, out):
    if isinstance(target, ast.Name):
        out.add(target.id)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            _target_names(elt, out)
    elif isinstance(target, ast.Starred):
        _target_names(target.value, out)


class _ModuleReader(object):
    """Reads one module's top-level statements into its :class:`_ModInfo`: the names it binds (every branch of
    ``if``/``try``/``with``/``for`` counted), its ``import *`` sources, a static ``__all__``, a module
    ``__getattr__``, and the lazy-import constructs of :mod:`.lazy`."""

    def __init__(self, modname, info, deep):
        self.info = info
        self.base = modname if info.kind == "pkg" else modname.rpartition(".")[0]
        self.deep = deep  # nested _LazyModule/define_import_structure calls possible
        self.from_names = {}  # local name -> absolute "module.name" it came from (for dir(X))
        self.all_static = True

    def read(self, tree):
        self.visit(tree.body, False)
        if not self.all_static:
            self.info.all_names = None

    def absmod(self, node):
        """The absolute module of a ``from ... import`` (relative ones resolved against this module)."""
        if not node.level:
            return node.module
        parts = self.base.split(".")
        if node.level - 1 > len(parts) - 1:
            return None
        if node.level > 1:
            parts = parts[: len(parts) - (node.level - 1)]
        head = ".".join(parts)
        return head + "." + node.module if node.module else head

    def names_of(self, expr):
        return lazy.structure_names_of(expr, self.from_names, self.info.dir_modules)

    def dict_values(self, d):
        return lazy.structure_dict_names(d, self.from_names, self.info.dir_modules)

    def calls(self, node):
        info = self.info
        subs = ast.walk(node) if self.deep else ([node] if isinstance(node, ast.Call) else [])
        for sub in subs:
            if not isinstance(sub, ast.Call):
                continue
            f = sub.func
            fname = f.id if isinstance(f, ast.Name) else (f.attr if isinstance(f, ast.Attribute) else "")
            if fname == lazy.DEFINE_IMPORT_STRUCTURE and sub.args:
                d = lazy.structure_dir(sub.args[0], info.path)
                if d is not None:
                    info.structure_dirs.append(d)
            elif fname == lazy.LAZY_MODULE:
                info.lazy = True
                for kw in sub.keywords:
                    if kw.arg == "extra_objects" and isinstance(kw.value, ast.Dict):
                        info.lazy_names.update(
                            k.value for k in kw.value.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)
                        )
            elif isinstance(f, ast.Attribute) and lazy.is_structure_var(f.value) and sub.args:
                if f.attr in ("append", "add"):
                    a = sub.args[0]
                    if isinstance(a, ast.Constant) and isinstance(a.value, str):
                        info.lazy_names.add(a.value)
                elif f.attr == "extend":
                    info.lazy_names.update(self.names_of(sub.args[0]))
                elif f.attr == "update":
                    info.lazy_names.update(self.dict_values(sub.args[0]))
            elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "__all__":
                if f.attr == "append" and sub.args and isinstance(sub.args[0], ast.Constant):
                    self.add_all([sub.args[0].value])
                elif f.attr == "extend" and sub.args:
                    consts = lazy.str_consts(sub.args[0])
                    if consts is None:
                        self.all_static = False
                    else:
                        self.add_all(consts)

    def add_all(self, names):
        info = self.info
        if info.all_names is None:
            info.all_names = set()
        info.all_names.update(n for n in names if isinstance(n, str))

    def assign(self, targets, value, aug=False):
        info = self.info
        for t in targets:
            _target_names(t, info.bound)
            if isinstance(t, ast.Name) and t.id == "__all__":
                consts = lazy.str_consts(value) if value is not None else None
                if consts is None:
                    self.all_static = False
                else:
                    if not aug:
                        info.all_names = set()
                    self.add_all(consts)
            elif lazy.is_structure_var(t) and value is not None:
                if isinstance(t, ast.Name):
                    info.lazy_names.update(self.dict_values(value))
                else:
                    info.lazy_names.update(self.names_of(value))

    def visit(self, stmts, in_tc):
        info = self.info
        for node in stmts:
            if isinstance(node, ast.ImportFrom):
                src = self.absmod(node)
                for alias in node.names:
                    if alias.name == "*":
                        if src:
                            info.stars.append((src, in_tc))
                        continue
                    local = alias.asname or alias.name
                    info.bound.add(local)
                    if src:
                        self.from_names[local] = src + "." + alias.name
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    info.bound.add(alias.asname or alias.name.split(".")[0])
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                info.bound.add(node.name)
                if node.name == "__getattr__" and not isinstance(node, ast.ClassDef):
                    info.dynamic = True
            elif isinstance(node, ast.Assign):
                self.assign(node.targets, node.value)
                self.calls(node.value)
            elif isinstance(node, ast.AnnAssign):
                self.assign([node.target], node.value)
                if node.value is not None:
                    self.calls(node.value)
            elif isinstance(node, ast.AugAssign):
                self.assign([node.target], node.value, aug=True)
            elif isinstance(node, ast.Expr):
                self.calls(node.value)
            elif isinstance(node, ast.If):
                tc = guards.type_checking_branch(node.test)
                self.visit(node.body, in_tc or tc == "body")
                self.visit(node.orelse, in_tc or tc == "orelse")
            elif isinstance(node, guards.TRY_TYPES):
                self.visit(node.body, in_tc)
                for h in node.handlers:
                    if h.name:
                        info.bound.add(h.name)
                    self.visit(h.body, in_tc)
                self.visit(node.orelse, in_tc)
                self.visit(node.finalbody, in_tc)
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        _target_names(item.optional_vars, info.bound)
                self.visit(node.body, in_tc)
            elif isinstance(node, (ast.For, ast.AsyncFor)):
                _target_names(node.target, info.bound)
                self.visit(node.body, in_tc)
                self.visit(node.orelse, in_tc)
            elif isinstance(node, ast.While):
                self.visit(node.body, in_tc)
                self.visit(node.orelse, in_tc)
            elif guards.MATCH is not None and isinstance(node, guards.MATCH):
                for case in node.cases:
                    self.visit(case.body, in_tc)


class Resolver(object):
    """Answers "does ``from <module> import <name>`` work?" from a package's sources, with caches."""

    def __init__(self, package, locations, exact=False):
        self.package = package
        self.exact = exact  # parse whole modules instead of their skeletons (slow; for tests)
        self.locations = [os.fspath(p) for p in (locations if isinstance(locations, (list, tuple)) else [locations])]
        self._info = {}  # type: Dict[str, Optional[_ModInfo]]
        self._exports = {}  # type: Dict[str, Optional[Set[str]]]
        self._active = set()  # type: Set[str]
        self._listing = {}  # type: Dict[str, Set[str]]
        self._structure = {}  # type: Dict[str, Set[str]]
        self._answers = {}  # type: Dict[Tuple[str, str], Optional[str]]

    # -- files ---------------------------------------------------------------------------

    def _ls(self, d):
        entries = self._listing.get(d)
        if entries is None:
            try:
                entries = set(os.listdir(d))
            except OSError:
                entries = set()
            self._listing[d] = entries
        return entries

    def _find(self, modname):
        """(kind, path) of a module of the package, or None."""
        parts = modname.split(".")
        if parts[0] != self.package:
            return None
        for loc in self.locations:
            if os.path.isfile(loc):  # single-module distribution
                if len(parts) == 1:
                    return ("mod", loc)
                continue
            found = self._find_in(loc, parts[1:])
            if found:
                return found
        return None

    def _find_in(self, pkg_dir, rest):
        d = pkg_dir
        if not rest:
            return ("pkg", os.path.join(d, "__init__.py")) if "__init__.py" in self._ls(d) else ("ns", d)
        for i, part in enumerate(rest):
            entries = self._ls(d)
            last = i == len(rest) - 1
            sub = os.path.join(d, part)
            if part in entries and "__init__.py" in self._ls(sub):
                if last:
                    return ("pkg", os.path.join(sub, "__init__.py"))
                d = sub
                continue
            if last:
                if part + ".py" in entries:
                    return ("mod", sub + ".py")
                for e in entries:
                    if e.startswith(part + ".") and (e.endswith(".so") or e.endswith(".pyd")):
                        return ("ext", os.path.join(d, e))
            if part in entries and os.path.isdir(sub):  # namespace portion
                if last:
                    return ("ns", sub)
                d = sub
                continue
            return None
        return None

    # -- one module's static facts --------------------------------------------------------

    def info(self, modname):
        if modname in self._info:
            return self._info[modname]
        found = self._find(modname)
        info = None
        if found is not None:
            info = _ModInfo(*found)
            if info.kind in ("pkg", "mod"):
                self._read_module(modname, info)
        self._info[modname] = info
        return info

    def _read_module(self, modname, info):
        try:
            with open(info.path, "rb") as fh:
                data = fh.read()
        except OSError:
            info.dynamic = True  # cannot read it: do not claim names are missing
            return
        if data.startswith(BOM):
            data = data[len(BOM):]
        try:
            if self.exact:
                raise SyntaxError("exact")
            skeleton, defined, has_getattr = module_skeleton(data)
            tree = ast.parse(skeleton.decode("utf-8", "replace"))
            info.bound.update(defined)
            info.dynamic = info.dynamic or has_getattr
        except SyntaxError:
            try:
                tree = ast.parse(data)
            except (SyntaxError, ValueError):
                info.dynamic = True
                return
        # look for nested _LazyModule/define_import_structure calls only where they can be
        deep = any(marker in data for marker in lazy.MARKERS)
        _ModuleReader(modname, info, deep).read(tree)

    # -- define_import_structure (text rules, as transformers applies them) -----------------

    def _structure_names(self, d):
        cached = self._structure.get(d)
        if cached is not None:
            return cached
        names = set()  # type: Set[str]
        self._structure[d] = names  # cycle guard
        try:
            entries = sorted(os.listdir(d))
        except OSError:
            entries = []
        files = []
        for e in entries:
            p = os.path.join(d, e)
            if os.path.isdir(p):
                if e != "__pycache__":
                    names |= self._structure_names(p)
            else:
                files.append(e)
        for f in lazy.structure_files(files):
            try:
                with open(os.path.join(d, f), "rb") as fh:
                    text = fh.read().decode("utf-8", "replace")
            except OSError:
                continue
            names |= lazy.file_exports(text)
        return names

    # -- answers ---------------------------------------------------------------------------

    def exports(self, modname):
        """Names ``from modname import X`` finds as attributes (None: anything may exist)."""
        if modname in self._exports:
            return self._exports[modname]
        info = self.info(modname)
        if info is None:
            return set()
        if info.dynamic:
            self._exports[modname] = None
            return None
        if modname in self._active:  # import cycle through `import *`: partial answer
            return set(info.bound) | info.lazy_names
        self._active.add(modname)
        try:
            names = set(info.bound) | info.lazy_names
            for d in info.structure_dirs:
                names |= self._structure_names(d)
            for m in info.dir_modules:
                sub = self.exports(m)
                if sub is None:
                    self._exports[modname] = None
                    return None
                names |= set(n for n in sub if not n.startswith("_"))
            for target, in_tc in info.stars:
                if info.lazy and in_tc:
                    continue  # mirrors the import structure, which is what runs
                star = self.star_exports(target)
                if star is None:
                    self._exports[modname] = None
                    return None
                names |= star
        finally:
            self._active.discard(modname)
        self._exports[modname] = names
        return names

    def star_exports(self, modname):
        info = self.info(modname)
        if info is None:
            return set()  # not part of the package (or missing): nothing known
        if info.dynamic:
            return None
        if info.all_names is not None:
            return set(info.all_names)
        ex = self.exports(modname)
        return None if ex is None else set(n for n in ex if not n.startswith("_"))

    def missing_reason(self, module, name):
        """None when ``from module import name`` resolves; else "module" or "name"."""
        key = (module, name)
        if key in self._answers:
            return self._answers[key]
        info = self.info(module)
        if info is None:
            reason = "module"
        elif name == "*":
            reason = None
        else:
            ex = self.exports(module)
            if ex is None or name in ex:
                reason = None
            elif info.kind in ("pkg", "ns") and self._find(module + "." + name) is not None:
                reason = None
            else:
                reason = "name"
        self._answers[key] = reason
        return reason
