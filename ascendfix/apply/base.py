"""The contract between the apply engine and the codemods that patch rules point at.

A patch rule is one YAML file in ``rules/patches/`` (id, title, why, kind, codemod, targets,
options, examples). Its ``codemod: module:Class`` names a subclass of one of the two bases below.
Adding a rule never touches the engine: write the codemod class and the YAML entry.

Engine flow for ``kind: python`` rules (one read and one ``ast`` parse per file, whatever the
number of rules; libcst only over the few lines a rewrite touches):

    text --prefilter(text)--> any rule interested?           (cheap, text only)
         --ast.parse--> scan(tree, text, relpath)             (stdlib ast: decide + report)
         --transform(src, relpath)-->                         (only rules whose scan said rewrite)
              src.replace(...)      text edits at ast positions
              src.statements(...)   libcst over the lines of some statements
              src.header(...)       libcst over the leading statements (imports)
         --all edits applied at once, re-parse, atomic write, journal--

``kind: file`` rules (pins in pyproject.toml / requirements.txt) edit whole text files.
"""

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple


@dataclass
class Finding:
    """One thing a rule did or saw at one place."""

    rule: str
    path: str  # relative to the tree root, '/'-separated
    line: Optional[int]
    kind: str  # "change" (rewritten) | "skip" (could not rewrite safely; reason in message) | "report" (left for a person)
    message: str
    data: Dict[str, Any] = field(default_factory=dict)  # machine-readable extras, e.g. {"api": "str.removeprefix", "needs": "3.9"}

    def to_dict(self):
        return {
            "rule": self.rule,
            "path": self.path,
            "line": self.line,
            "kind": self.kind,
            "message": self.message,
            "data": dict(self.data),
        }


@dataclass
class Context:
    """What a codemod may know about the run."""

    root: Any  # pathlib.Path of the tree being patched
    target_python: str = "3.8"  # the Python the patched tree must run on
    python: Optional[str] = None  # interpreter whose environment is checked (--python), None = current
    force: bool = False
    requires_python: Optional[str] = None  # the checkout's declared Python floor (e.g. ">=3.9"), None = none declared


class Codemod:
    """Common part: the rule's id, its options (YAML defaults overlaid by the example/CLI), the context."""

    def __init__(self, rule_id, options, context):
        self.rule_id = rule_id
        self.options = dict(options or {})
        self.context = context

    def finding(self, relpath, line, kind, message, **data):
        return Finding(self.rule_id, relpath, line, kind, message, data)


class PythonCodemod(Codemod):
    """A rule over ``.py`` files.

    A rule that needs to know about other files of the tree (a class's bases defined elsewhere, the
    tree's own imports) implements the three ``index_*`` hooks; the engine runs them over the whole
    tree before any ``scan`` and sets ``self.index`` (see :mod:`ascendfix.apply.index`).
    """

    #: The tree-level index ``index_merge`` returned for this run (None: the rule has no index).
    index = None

    def prefilter(self, text: str) -> bool:
        """Cheap text test: False means this file cannot concern the rule (no parse happens for it)."""
        return True

    def scan(self, tree, text: str, relpath: str) -> Tuple[bool, List[Finding]]:
        """Given the stdlib ``ast`` of the file: (does it need a libcst rewrite?, report-only findings)."""
        raise NotImplementedError

    def transform(self, src, relpath: str) -> List[Finding]:
        """Record the rewrite on ``src`` (an :class:`ascendfix.apply.source.SourceEdit` over the text and
        tree ``scan`` saw); return the "change"/"skip" findings."""
        raise NotImplementedError

    # -- optional: a tree-level index, built before any file is scanned

    def index_prefilter(self, text: str) -> bool:
        """Cheap text test for the index pass: can this file contribute to the index?"""
        return True

    def index_file(self, tree, text: str, relpath: str) -> Any:
        """This file's part of the index (plain data; None = nothing), from its stdlib ``ast``.

        Runs in worker processes; a rule that does not override it has no index pass.
        """
        return None

    def index_merge(self, parts: Dict[str, Any]) -> Any:
        """The tree-level index (plain data) from ``{relpath: part}`` (in path order), in the parent."""
        return parts


class FileCodemod(Codemod):
    """A rule over whole non-Python files (pyproject.toml, requirements.txt)."""

    def targets(self, root) -> List[str]:
        """Relative paths (under ``root``) of the files this rule may edit; missing ones are ignored."""
        raise NotImplementedError

    def transform_text(self, text: str, relpath: str) -> Tuple[Optional[str], List[Finding]]:
        """New text (None = unchanged) and findings. Must be format-preserving outside what it changes."""
        raise NotImplementedError

    def preflight(self, root) -> List[Finding]:
        """Verification before any write (e.g. pins: are the tree's imports present in the installed version?).

        Findings of kind "skip" here block the rule's writes unless ``context.force``.
        """
        return []
