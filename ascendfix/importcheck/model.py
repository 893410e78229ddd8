"""What the import checker reports: one imported name (:class:`ImportRef`), where a package lives
(:class:`PackageInfo`), and the verdict for a tree (:class:`ImportCheckResult`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from ascendfix.errors import AscendfixError

_TOP_LEVEL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def check_package_name(package):
    if not isinstance(package, str) or not _TOP_LEVEL_NAME.match(package):
        raise AscendfixError("{!r} is not a top-level package name (e.g. transformers)".format(package))


def in_package(module, package):
    return bool(module) and (module == package or module.startswith(package + "."))


@dataclass(frozen=True)
class ImportRef:
    """One name imported by ``from <package>[.sub] import name`` at ``path:line`` of a tree.

    ``guarded``: inside ``try`` with an ``except`` catching ImportError (or broader), under
    ``if TYPE_CHECKING``, or under an ``if`` testing a version or ``is_*_available()``.
    ``toplevel``: runs when the module is imported (not inside a function body).
    ``reason`` is set on missing refs only: ``"module"`` (the module does not exist in the
    installed package) or ``"name"`` (the module exists, the name is not in it).
    """

    path: str
    line: int
    module: str
    name: str
    guarded: bool = False
    toplevel: bool = True
    reason: Optional[str] = None

    @property
    def fails_at_import(self):
        """Missing, unguarded and executed at import time: importing the file raises ImportError."""
        return self.reason is not None and not self.guarded and self.toplevel

    def to_dict(self):
        d = {
            "path": self.path,
            "line": self.line,
            "module": self.module,
            "name": self.name,
            "guarded": self.guarded,
            "toplevel": self.toplevel,
        }
        if self.reason is not None:
            d["reason"] = self.reason
        return d


@dataclass
class PackageInfo:
    """Where ``package`` lives in an interpreter's environment (found without importing it)."""

    package: str
    installed: bool
    version: Optional[str] = None
    location: Optional[str] = None  # the package directory (or module file)
    locations: List[str] = field(default_factory=list)  # all portions (namespace packages)
    python: Optional[str] = None  # the interpreter probed (None: given as package_dir)
    python_version: Optional[str] = None


@dataclass
class ImportCheckResult:
    """What :func:`check_imports` found. ``missing`` keeps the tree's order (path, then line).

    ``installed=False``: the package is not in the target environment; nothing is reported missing
    and the caller must say the imports could not be verified.
    """

    package: str
    installed: bool
    version: Optional[str]
    location: Optional[str]
    checked: int  # name imports found in the tree
    files: int  # files with at least one such import
    missing: List[ImportRef] = field(default_factory=list)  # with .reason set
    scanned: int = 0  # .py files looked at
    unparsable: List[Tuple[str, str]] = field(default_factory=list)  # (path, error) of skipped files
    python: Optional[str] = None
    python_version: Optional[str] = None

    @property
    def ok(self):
        """True when installed and nothing is missing (False when the package is not installed)."""
        return self.installed and not self.missing

    @property
    def missing_files(self):
        """Sorted paths of files with at least one missing import."""
        return sorted(set(r.path for r in self.missing))

    @property
    def missing_pairs(self):
        """Sorted unique (module, name) pairs that are missing."""
        return sorted(set((r.module, r.name) for r in self.missing))

    @property
    def fatal(self):
        """Missing refs that make importing their file fail (unguarded, run at import time)."""
        return [r for r in self.missing if r.fails_at_import]

    def counts(self):
        by_reason = {"name": 0, "module": 0}
        for r in self.missing:
            by_reason[r.reason] = by_reason.get(r.reason, 0) + 1
        return {
            "missing": len(self.missing),
            "missing_name": by_reason["name"],
            "missing_module": by_reason["module"],
            "missing_pairs": len(self.missing_pairs),
            "missing_files": len(self.missing_files),
            "fatal": len(self.fatal),
            "fatal_files": len(set(r.path for r in self.fatal)),
        }

    def summary(self, limit=3):
        """A few human lines: the verdict, then up to ``limit`` missing imports (for apply/check output)."""
        where = "{} {}".format(self.package, self.version or "(version unknown)")
        if not self.installed:
            return "{} is not installed{}: {} name imports from it in {} files could not be verified".format(
                self.package, " for " + self.python if self.python else "", self.checked, self.files)
        if not self.missing:
            return "all {} name imports from {} in {} files exist in {}".format(
                self.checked, self.package, self.files, where)
        c = self.counts()
        lines = ["{} of {} name imports from {} do not exist in {} ({} files, {} distinct; {} fail at import)".format(
            c["missing"], self.checked, self.package, where, c["missing_files"], c["missing_pairs"], c["fatal"])]
        for r in self.missing[:limit]:
            lines.append("  {}:{}: from {} import {} ({} missing{})".format(
                r.path, r.line, r.module, r.name, r.reason, ", guarded" if r.guarded else ""))
        if len(self.missing) > limit:
            lines.append("  ... and {} more".format(len(self.missing) - limit))
        return "\n".join(lines)

    def to_dict(self):
        return {
            "package": self.package,
            "installed": self.installed,
            "version": self.version,
            "location": self.location,
            "python": self.python,
            "python_version": self.python_version,
            "scanned": self.scanned,
            "checked": self.checked,
            "files": self.files,
            "counts": self.counts(),
            "missing": [r.to_dict() for r in self.missing],
            "unparsable": [{"path": p, "error": e} for p, e in self.unparsable],
        }
