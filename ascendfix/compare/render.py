"""People's view of a compare report: a node x item table per section (must match / may differ)."""

import json

from rich.markup import escape
from rich.table import Table

from ascendfix.output import print_table, styled_mark

POLICY_WORD = {"match": "must match", "unique": "per node", "free": "may differ"}
WIDE = 6  # more nodes than this: one line per distinct value instead of one column per node


def _show(v):
    if v is None:
        return "—"
    if isinstance(v, (dict, list)):
        return json.dumps(v, sort_keys=True)
    return str(v)


def render(console, report, doc, verbose=False, must_match_only=False):
    nodes = report.nodes
    console.print("ascendfix compare — {} nodes: {}".format(
        len(nodes), ", ".join("{}{}".format(n.id, " (msprechecker)" if n.kind == "msprechecker" else "")
                              for n in nodes)), markup=False)
    if verbose:  # where each node's report came from
        for n in nodes:
            console.print("  {}: {} ({} items{})".format(
                escape(n.id), escape(n.source), len(n.items), "; msprechecker dump" if n.kind == "msprechecker"
                else ""), soft_wrap=True)
    rows = doc["differences"]
    fails = [r for r in rows if r["fails"]]
    free = [r for r in rows if not r["fails"]]
    if fails:
        console.print("\n[{}] Must match across nodes — {} item(s) differ".format(styled_mark("error", console),
                                                                               len(fails)))
        _table(console, fails, nodes)
    if free:
        console.print("\n[{}] May differ — {} item(s)".format(styled_mark("info", console), len(free)))
        _table(console, free, nodes)
    if verbose:
        from ascendfix.compare.engine import identical_items

        same = [t for t in identical_items(report) if not must_match_only or t[1] != "free"]
        console.print("\n[{}] The same on every node that reports it — {} item(s)".format(
            styled_mark("ok", console), len(same)))
        if same:
            t = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
            t.add_column("group", overflow="fold")
            t.add_column("item", overflow="fold")
            t.add_column("policy")
            t.add_column("value", overflow="fold")
            for group, policy, item, value in same:
                t.add_row(escape(group), escape(item), POLICY_WORD[policy], escape(_show(value)))
            print_table(console, t)
    for note in doc["notes"]:
        console.print("  {}".format(escape(note)))
    s = doc["summary"]
    if report.ok:
        what = "every compared item is identical" if not rows else "every must-match item is identical"
        console.print("\n{} {} nodes: {}.".format(styled_mark("ok", console), s["nodes"], what))
    else:
        parts = []
        if s["must_match_differences"]:
            parts.append("{} must-match item(s) differ".format(s["must_match_differences"]))
        if s["collisions"]:
            parts.append("{} per-node value(s) collide".format(s["collisions"]))
        console.print("\n{} {} nodes: {}. Fix these before starting a multi-node job.".format(
            styled_mark("error", console), s["nodes"], ", ".join(parts)))


def _table(console, rows, nodes):
    ids = [n.id for n in nodes]
    if len(ids) <= WIDE:
        t = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        t.add_column("group", overflow="fold")
        t.add_column("item", overflow="fold")
        for i in ids:
            t.add_column(i, overflow="fold")
        for r in rows:
            cells = [_show(r["values"][i]) if i in r["values"] else "(not in report)" for i in ids]
            t.add_row(escape(r["group"]), escape(r["item"]), *[escape(c) for c in cells])
            if r.get("note"):
                t.add_row("", "  ↳ " + escape(r["note"]), *[""] * len(ids))
        print_table(console, t)
        return
    for r in rows:
        by_value = {}
        for i in ids:
            if i in r["values"]:
                by_value.setdefault(_show(r["values"][i]), []).append(i)
        console.print("  {} {}{}".format(escape(r["group"]), escape(r["item"]),
                                         " — " + escape(r["note"]) if r.get("note") else ""))
        for value, who in sorted(by_value.items(), key=lambda kv: -len(kv[1])):
            console.print("      {}: {}".format(escape(value), escape(", ".join(who))))
