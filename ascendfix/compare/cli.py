"""Compare the check reports of several nodes: what differs, grouped by what must match across nodes (CANN,
driver, firmware, NPU model, Python and pip versions, HCCL-related environment variables, the rank table) and
what may differ (host names, ranks, device health).

Reads `ascendfix check --json` reports (from `check --out DIR`, the Ansible playbook in deploy/ansible or the
Kubernetes manifests in deploy/k8s, also as pod logs), the tree folders of Ansible ad-hoc runs, and msprechecker
0.4.0 `dump` files. Folders are read whole. Per-node values that must not collide (device IPs, HCCL_IF_IP, the node's rank-table server)
are checked for duplicates. Environment values are re-filtered and secrets redacted before anything is shown.

Exit codes: 0 every must-match item is identical (differences that may differ are only shown), 1 a must-match
item differs or a per-node value collides, 2 bad input (fewer than two reports, unreadable file).

Examples:
  ascendfix compare reports/
  ascendfix compare node-a.json node-b.json node-c.json --json
  ascendfix compare baseline_dump.json problem_dump.json     # msprechecker dumps
"""



def add_arguments(parser):
    parser.add_argument("inputs", nargs="+", metavar="REPORT|DIR", help="node reports, or folders of them")
    parser.add_argument("--must-match-only", action="store_true", help="hide the items that may differ")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also list every item that is the same on all nodes (with its value and policy) and "
                             "where each node's report was read from")


def run(args):
    from ascendfix.compare.engine import compare_paths
    from ascendfix.output import emit_json, make_console, reader_may_leave

    report = compare_paths(args.inputs)
    doc = report.to_dict()
    if args.must_match_only:
        doc["differences"] = [r for r in doc["differences"] if r["fails"]]
    with reader_may_leave():  # `| head`: the exit code stays the comparison's (ascendfix/output.py)
        if args.json:
            emit_json(doc)
        else:
            from ascendfix.compare.render import render

            render(make_console(), report, doc, verbose=args.verbose, must_match_only=args.must_match_only)
    return report.exit_code
