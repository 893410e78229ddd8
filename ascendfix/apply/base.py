"""The contract between the apply engine and the codemods.

A codemod is one folder ``ascendfix/codemods/<rule_id>/`` (dashes of the id become underscores):
``rule.yaml`` (id, title, why, kind, codemod class, targets, options, examples) and the code in
``__init__.py``. Extra rules can also be YAML files in ``rules/patches/`` naming ``module:Class``.
Adding a rule never touches the engine.

Engine flow for ``kind: python`` rules (one read and one ``ast`` parse per file, whatever the
number of rules; libcst only over the few lines a rewrite touches):

    text --prefilter(text)--> any rule interested?           (cheap, text only)
         --ast.parse--> scan(tree, text, relpath) -> Plan | None
                                                              (stdlib ast: decide + report; None = nothing here)
         --transform(src, plan)-->                            (only plans with rewrite=True)
              src.replace(...)      text edits at ast positions
              src.statements(...)   libcst over the lines of some statements
              src.header(...)       libcst over the leading statements (imports)
         --all edits applied at once, re-parse, atomic write, journal--

Everything a transform needs is in its plan: a codemod keeps no per-file state on ``self`` (one
instance serves every file of a run, in any order, in any process).

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


class Plan:
    """What a codemod's scan decided for one file.

    ``findings``: what the scan saw that stays true whatever happens next ("report"/"skip");
    ``rewrite``: True when :meth:`PythonCodemod.transform` must run. Codemods subclass it (or set
    attributes on it) to carry what their transform needs.
    """

    def __init__(self, relpath, findings=None, rewrite=False):
        self.relpath = relpath
        self.findings = list(findings or [])
        self.rewrite = rewrite


class PythonCodemod(Codemod):
    """A rule over ``.py`` files.

    A rule that needs to know about other files of the tree (a class's bases defined elsewhere, the
    tree's own imports) implements the three ``index_*`` hooks; the engine runs them over the whole
    tree before any ``scan`` and sets ``self.index`` (see :mod:`ascendfix.apply.index`).
    """

    #: The tree-level index ``index_merge`` returned for this run (None: the rule has no index).
    index = None
    #: False: ``index_file`` reads only the text (it gets ``tree=None``, also for files that do not parse,
    #: and costs no parse).
    index_needs_tree = True

    def prefilter(self, text: str) -> bool:
        """Cheap text test: False means this file cannot concern the rule (no parse happens for it)."""
        return True

    def scan(self, tree, text: str, relpath: str) -> Optional[Plan]:
        """Decide on the stdlib ``ast`` of the file: a :class:`Plan`, or None when there is nothing to say."""
        raise NotImplementedError

    def transform(self, src, plan: Plan) -> List[Finding]:
        """Record the rewrite of ``plan`` on ``src`` (an :class:`ascendfix.apply.source.SourceEdit` over the
        text and tree the scan saw); return the "change"/"skip" findings."""
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


class BytesCodemod(PythonCodemod):
    """A rule over the raw bytes of ``.py`` files that runs before anything decodes or parses them
    (repairs such as removing lines a tool added on top of every file); the other rules then see the
    file as it leaves it. Same contract on bytes:

        prefilter_bytes(data) -> bool
        scan_bytes(data, relpath) -> Plan | None
        transform_bytes(data, plan) -> (new bytes, "change"/"skip" findings)

    It takes no part in the text stage (``prefilter`` is False) and may have a tree-level index.
    """

    def prefilter(self, text):
        return False

    def scan(self, tree, text, relpath):
        return None

    def prefilter_bytes(self, data: bytes) -> bool:
        return True

    def scan_bytes(self, data: bytes, relpath: str) -> Optional[Plan]:
        raise NotImplementedError

    def transform_bytes(self, data: bytes, plan: Plan) -> Tuple[bytes, List[Finding]]:
        raise NotImplementedError


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
