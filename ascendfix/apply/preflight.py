"""File rules (pins in pyproject.toml / requirements files) and the checks that run before they write.

A file rule edits whole text files; when it has changes, its codemod's ``preflight(root)`` runs
before anything is written: findings of kind "skip" there block the rule (nothing of it is written,
exit 1) unless ``--force``, which turns them into reports.
"""

from ascendfix.apply.base import Finding


def target_below_requires_python(context):
    """None when the target Python is below the checkout's requires-python floor, else why not."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import Version

    spec = context.requires_python
    if spec is None:
        return "the checkout declares no requires-python, so nothing excludes Python {}".format(context.target_python)
    try:
        admitted = SpecifierSet(spec).contains(Version(context.target_python), prereleases=True)
    except InvalidSpecifier:
        return None  # the rule itself reports the unreadable requires-python
    if admitted:
        pin = pin_excluding_target(context)
        if pin is not None:  # e.g. a sed relaxed requires-python and left transformers==4.50.0 (Python >= 3.9)
            return None
        return "Python {} already satisfies requires-python {}".format(context.target_python, spec)
    return None


def pin_excluding_target(context):
    """An exact pin in the checkout's pyproject.toml that cannot install on the target Python (its Requires-Python,
    from rules/compat/packages.yaml, excludes it): ``(requirement, requires-python)``, or None."""
    from pathlib import Path

    from packaging.requirements import InvalidRequirement, Requirement

    from ascendfix.check import compat

    try:
        import tomlkit

        doc = tomlkit.parse((Path(context.root) / "pyproject.toml").read_text(encoding="utf-8-sig"))
    except Exception:  # no or broken pyproject.toml: nothing more to say
        return None
    project = doc.get("project")
    if not hasattr(project, "get"):
        return None
    reqs = list(project.get("dependencies") or [])
    for extra in (project.get("optional-dependencies") or {}).values():
        reqs += list(extra or [])
    for text in reqs:
        try:
            req = Requirement(str(text))
        except InvalidRequirement:
            continue
        for spec in req.specifier:
            if spec.operator in ("==", "==="):
                row = compat.requires_python_row(req.name, spec.version)
                if row and compat.in_spec(context.target_python, row["requires_python"]) is False:
                    return str(text), row["requires_python"]
    return None


# A rule's ``only_when`` names one of these: None = the rule runs, else the reason it is not needed.
PRECONDITIONS = {
    "target-below-requires-python": target_below_requires_python,
}


def not_needed(rule, context):
    """Why ``rule`` need not run for this checkout and target (its ``only_when`` does not hold), or None."""
    if not rule.only_when:
        return None
    return PRECONDITIONS[rule.only_when](context)


def run_file_rule(root, rule, context, report):
    mod = rule.make(context)
    st = report.stats[rule.id]
    pending = {}
    for relpath in mod.targets(root):
        if not rule.wants(relpath) and rule.include:
            continue
        path = root / relpath
        if not path.is_file() or path.is_symlink():
            continue
        st.scanned += 1
        st.candidates += 1
        data = path.read_bytes()
        bom = data[:3] == b"\xef\xbb\xbf"
        try:
            text = data[3 if bom else 0:].decode("utf-8")
        except UnicodeDecodeError as e:
            report.add_findings([Finding(rule.id, relpath, None, "skip", "not UTF-8: {}".format(e), {"reason": "encoding"})])
            continue
        new_text, found = mod.transform_text(text, relpath)
        report.add_findings(found)
        if new_text is not None and new_text != text:
            pending[relpath] = (data, (b"\xef\xbb\xbf" if bom else b"") + new_text.encode("utf-8"))
    if not pending:
        return
    pre = mod.preflight(root)
    for f in pre:  # verification notes, not sites in the tree: they never change the exit code on their own
        f.data.setdefault("phase", "preflight")
    blocking = [f for f in pre if f.kind == "skip"]
    if blocking and context.force:
        for f in blocking:
            f.kind = "report"
            f.message += " (relaxed anyway: --force)"
        blocking = []
    report.add_findings(pre)
    if blocking:
        st.blocked = True
        report.findings = [f for f in report.findings if not (f.rule == rule.id and f.kind == "change")]
        st.changes = 0
        return
    for relpath, change in pending.items():
        report.changes[relpath] = change
        st.changed_files += 1
