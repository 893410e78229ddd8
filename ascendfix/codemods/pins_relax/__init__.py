"""pins-relax: let a MindOne checkout install on the target Python with an older transformers.

- ``pyproject.toml`` (edited with tomlkit, so comments, order and quoting survive):
  ``requires-python`` admits the target Python; every ``<package>`` requirement in
  ``[project] dependencies`` and ``optional-dependencies`` gets its lower bound relaxed to the floor.
- requirements files (option ``requirements``): only the version span of the package's line is
  replaced; other lines, markers, extras, comments and line endings stay as they are.

Only the specifier changes: ``transformers[torch]==4.57.1 ; python_version>='3.9'`` becomes
``transformers[torch]>=4.39.3 ; python_version>='3.9'``. Upper bounds and exclusions (``<5``,
``!=4.40.0``) that admit the floor are kept.

Preflight (before anything is written): the tree's ``from <package>... import X`` names are checked
against the version installed in the target environment (``--python``). Missing names block the
rule (exit 1; ``--force`` relaxes anyway); a package that is not installed there is relaxed with a
plain statement that the result is unverified.
"""

import re

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from ascendfix.apply.base import FileCodemod

# name [extras] (spec) ; marker   -- spec may be wrapped in parentheses (PEP 508)
_REQ_RE = re.compile(
    r"^(?P<head>\s*(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\]\s*)?)"
    r"(?P<spec>[^;#@]*?)(?P<tail>\s*(?:;.*)?)$",
    re.S,
)
_LOWER_OPS = ("==", "===", "~=", ">=", ">")


def relax_spec(spec_text, floor):
    """New specifier text admitting ``floor`` with the lower bound at ``floor``, or None if unchanged.

    Raises ValueError when the existing upper bounds exclude the floor (that is not a relaxation).
    """
    floor_v = Version(floor)
    spec = SpecifierSet(spec_text)
    if spec_text.strip() and spec.contains(floor_v, prereleases=True):
        return None
    if not spec_text.strip():
        return None  # unpinned already admits everything
    kept = []
    for s in _clauses(spec_text):
        sp = Specifier(s)
        if sp.operator in _LOWER_OPS:
            continue
        if not sp.contains(floor_v, prereleases=True):
            raise ValueError("'{}' excludes {}".format(s, floor))
        kept.append(s)
    sep = ", " if re.search(r",\s", spec_text) else ","
    return sep.join([">=" + floor] + kept)


def _clauses(spec_text):
    return [c.strip() for c in spec_text.split(",") if c.strip()]


def relax_requirement(req_text, package, floor):
    """The requirement string with only its version span relaxed, or None (not the package / nothing to do)."""
    m = _REQ_RE.match(req_text)
    if not m or canonicalize_name(m.group("name")) != canonicalize_name(package):
        return None
    try:
        Requirement(req_text.strip())
    except InvalidRequirement:
        return None
    spec = m.group("spec")
    inner = spec.strip()
    paren = inner.startswith("(") and inner.endswith(")")
    if paren:
        inner = inner[1:-1]
    new = relax_spec(inner, floor)
    if new is None:
        return None
    if paren:
        new = "(" + new + ")"
    lead = spec[: len(spec) - len(spec.lstrip())]
    trail = spec[len(spec.rstrip()):]
    return m.group("head") + lead + new + trail + m.group("tail")


def relax_python(spec_text, target):
    """``requires-python`` text admitting ``target`` (e.g. "3.8"), or None when it already does."""
    tv = Version(target)
    spec = SpecifierSet(spec_text)
    if spec.contains(tv, prereleases=True):
        return None
    kept = [s for s in _clauses(spec_text) if Specifier(s).operator not in _LOWER_OPS and Specifier(s).contains(tv)]
    sep = ", " if re.search(r",\s", spec_text) else ","
    return sep.join([">=" + target] + kept)


class RelaxPins(FileCodemod):
    """Options (defaults in rule.yaml): package, floor, requirements (list of requirements files)."""

    @property
    def package(self):
        return str(self.options["package"])

    @property
    def floor(self):
        return str(self.options["floor"])

    def targets(self, root):
        return ["pyproject.toml"] + list(self.options.get("requirements") or [])

    def transform_text(self, text, relpath):
        try:
            Version(self.floor)
        except InvalidVersion:
            return None, [self.finding(relpath, None, "skip", "option floor={!r} is not a version".format(self.floor))]
        if relpath.endswith(".toml"):
            return self._pyproject(text, relpath)
        return self._requirements(text, relpath)

    # -- pyproject.toml
    def _pyproject(self, text, relpath):
        import tomlkit
        from tomlkit.exceptions import TOMLKitError

        findings = []
        try:
            doc = tomlkit.parse(text)
        except TOMLKitError as e:
            return None, [self.finding(relpath, None, "skip", "not valid TOML: {}".format(e), reason="syntax")]
        project = doc.get("project")
        if not hasattr(project, "get"):
            return None, []
        changed = False
        rp = project.get("requires-python")
        if isinstance(rp, str):
            try:
                new = relax_python(str(rp), self.context.target_python)
            except (InvalidSpecifier, InvalidVersion) as e:
                new = None
                findings.append(self.finding(relpath, _line_of(text, "requires-python"), "skip",
                                             "requires-python {!r} does not parse: {}".format(str(rp), e)))
            if new is not None:
                project["requires-python"] = _same_style(rp, new)
                changed = True
                findings.append(self.finding(relpath, _line_of(text, "requires-python"), "change",
                                             "requires-python {} -> {}".format(str(rp), new),
                                             old=str(rp), new=new))
        arrays = []
        if isinstance(project.get("dependencies"), list):
            arrays.append(("dependencies", project["dependencies"]))
        opt = project.get("optional-dependencies")
        if hasattr(opt, "items"):
            for extra, arr in opt.items():
                if isinstance(arr, list):
                    arrays.append(("optional-dependencies." + str(extra), arr))
        for where, arr in arrays:
            for i in range(len(arr)):
                item = arr[i]
                if not isinstance(item, str):
                    continue
                try:
                    new = relax_requirement(str(item), self.package, self.floor)
                except (InvalidSpecifier, InvalidVersion) as e:
                    findings.append(self.finding(relpath, _line_of(text, str(item)), "skip",
                                                 "{}: cannot read {!r}: {}".format(where, str(item), e)))
                    continue
                except ValueError as e:
                    findings.append(self.finding(relpath, _line_of(text, str(item)), "skip",
                                                 "{}: {!r} left alone: {}".format(where, str(item), e)))
                    continue
                if new is None:
                    continue
                arr[i] = _same_style(item, new)
                changed = True
                findings.append(self.finding(relpath, _line_of(text, str(item)), "change",
                                             "{}: {} -> {}".format(where, str(item), new), old=str(item), new=new))
        if not changed:
            return None, findings
        return tomlkit.dumps(doc), findings

    # -- requirements files
    def _requirements(self, text, relpath):
        findings = []
        out = []
        changed = False
        for n, line in enumerate(text.splitlines(True), 1):
            body = line.rstrip("\r\n")
            eol = line[len(body):]
            stripped = body.strip()
            if not stripped or stripped.startswith(("#", "-")) or " --hash" in body:
                out.append(line)
                continue
            req, comment = body, ""
            cm = re.search(r"\s+#", body)
            if cm:
                req, comment = body[: cm.start()], body[cm.start():]
            cont = ""
            if req.rstrip().endswith("\\"):
                cut = req.rstrip()
                cont = req[len(cut) - 1:]
                req = cut[:-1]
            try:
                new = relax_requirement(req, self.package, self.floor)
            except (InvalidSpecifier, InvalidVersion, ValueError) as e:
                findings.append(self.finding(relpath, n, "skip", "{!r} left alone: {}".format(req.strip(), e)))
                new = None
            if new is None:
                out.append(line)
                continue
            out.append(new + cont + comment + eol)
            changed = True
            findings.append(self.finding(relpath, n, "change", "{} -> {}".format(req.strip(), new.strip()),
                                         old=req.strip(), new=new.strip()))
        return ("".join(out) if changed else None), findings

    # -- verification
    def preflight(self, root):
        try:
            from ascendfix import importcheck
        except ImportError:  # pragma: no cover - the module ships with ascendfix
            return [self.finding("pyproject.toml", None, "report",
                                 "cannot verify the relaxed {} pin: import check unavailable".format(self.package))]
        where = self.context.python or "this interpreter"
        res = importcheck.check_imports(str(root), package=self.package, python=self.context.python)
        if not res.checked and not res.installed:
            return [self.finding(
                "pyproject.toml", None, "info",
                "nothing to verify: the tree imports no names from {}".format(self.package), checked=0, files=0)]
        if not res.installed:
            return [self.finding(
                "pyproject.toml", None, "report",
                "NOT VERIFIED: {} is not installed for {}, so the {} name imports from it in {} files could not be "
                "checked against the version pip will pick for {}>={}".format(
                    self.package, where, res.checked, res.files, self.package, self.floor),
                unverified=True, checked=res.checked, files=res.files)]
        missing = [r for r in res.missing if not r.guarded]
        guarded = [r for r in res.missing if r.guarded]
        out = []
        if guarded:
            out.append(self.finding(
                "pyproject.toml", None, "info",
                "{} guarded import(s) (try/except ImportError, availability checks) name things {} {} lacks; "
                "the tree already tolerates that".format(len(guarded), self.package, res.version),
                missing=[r.to_dict() for r in guarded]))
        if missing:
            c = res.counts()
            first = ", ".join("{}:{} {}.{}".format(r.path, r.line, r.module, r.name) for r in missing[:5])
            return out + [self.finding(
                "pyproject.toml", None, "skip",
                "{} {} (installed for {}) lacks {} of the {} names the tree imports from it without a guard "
                "({} files; {} fail when the module is imported), e.g. {}: relaxing the pin would make the package "
                "installable but not importable; pins left as they are".format(
                    self.package, res.version, where, len(missing), res.checked,
                    len(set(r.path for r in missing)), c["fatal"], first),
                reason="imports-missing", version=res.version, counts=c,
                missing=[r.to_dict() for r in missing])]
        try:
            ok = res.version is not None and Version(res.version) in SpecifierSet(">=" + self.floor)
        except InvalidVersion:
            ok = False
        if not ok:
            out.append(self.finding(
                "pyproject.toml", None, "report",
                "NOT VERIFIED: the installed {} {} does not satisfy >={}; the imports were checked against a version "
                "pip would not keep".format(self.package, res.version, self.floor), unverified=True))
        else:
            out.append(self.finding(
                "pyproject.toml", None, "info",
                "verified: all {} names the tree imports from {} exist in {} {}".format(
                    res.checked, self.package, self.package, res.version), version=res.version))
        return out


def _same_style(item, value):
    """A TOML string item holding ``value`` quoted like ``item`` ('...' stays '...')."""
    from tomlkit.items import String

    if not isinstance(item, String):
        return value
    style = getattr(item, "type", None) or getattr(item, "_t", None)  # tomlkit < 0.13.3 has only _t
    return String.from_raw(value, type_=style) if style is not None else value


def _line_of(text, needle):
    i = text.find(needle)
    return None if i < 0 else text.count("\n", 0, i) + 1
