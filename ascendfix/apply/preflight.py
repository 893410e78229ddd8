"""File rules (pins in pyproject.toml / requirements files) and the checks that run before they write.

A file rule edits whole text files; when it has changes, its codemod's ``preflight(root)`` runs
before anything is written: findings of kind "skip" there block the rule (nothing of it is written,
exit 1) unless ``--force``, which turns them into reports.
"""

from ascendfix.apply.base import Finding


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
