"""Compare node reports: load, normalise to flat items, apply the match / unique / free policies.

Inputs, recognised by content (never by file name):
- ``ascendfix check --json`` reports (with their ``node`` section), as written by ``check --out``, the Ansible
  playbook or a Kubernetes pod's log;
- Ansible ad-hoc results saved by the tree callback (``{"stdout": "<the report>", "rc": ...}``);
- pod logs (``kubectl logs``): the report is the JSON object that starts a line;
- msprechecker 0.4.0 ``dump`` files (``{"system": ..., "ascend": ..., "env": ...}``): host, driver, toolkit
  and Ascend component versions, system and environment (filtered and redacted like ours).

Item names are dotted: ``cann.version``, ``package.torch``, ``env.HCCL_CONNECT_TIMEOUT``, ``hccl.device_ip.3``...
The policy of an item comes from rules/fleet/compare.yaml (HCCL_* variables from rules/checks/hccl_env.yaml).
An item is compared only between nodes whose report covers its section (msprechecker dumps have no Python
packages, so a dump never "differs" in packages).
"""

import fnmatch
import functools
import json
import os
import re
from pathlib import Path

from ascendfix import data
from ascendfix.errors import EXIT_NEGATIVE, EXIT_OK, AscendfixError
from ascendfix.reports import Report

F = data.Field
RULE_FIELDS = {"id": F(str), "group": F(str), "policy": F(str, choices=["match", "unique", "free"]),
               "items": F(list, items=str)}
MISSING = None  # a covered item a node does not have (not installed / unset / not found)


class Node(object):
    def __init__(self, source, kind, host, rank, items, covers, summary=None):
        self.source = str(source)
        self.kind = kind  # "ascendfix" | "msprechecker"
        self.host = host
        self.rank = rank
        self.items = items
        self.covers = set(covers)
        self.summary = summary
        self.id = None

    def to_dict(self):
        return {"id": self.id, "host": self.host, "rank": self.rank, "kind": self.kind, "source": self.source}


class CompareReport(Report):
    """What ``ascendfix compare`` found (:class:`ascendfix.reports.Report`): ``to_dict()`` is the --json document
    (nodes, differences, notes, summary); not ok (exit 1) when a must-match item differs or a per-node value
    collides. ``nodes`` keeps the normalised :class:`Node` objects for display."""

    verb = "compare"

    def __init__(self, nodes, rows, notes):
        fails = [r for r in rows if r["fails"]]
        super(CompareReport, self).__init__({
            "nodes": [n.to_dict() for n in nodes],
            "differences": rows,
            "notes": notes,
            "summary": {
                "nodes": len(nodes),
                "must_match_differences": sum(1 for r in fails if r["policy"] == "match"),
                "collisions": sum(1 for r in fails if r["policy"] == "unique"),
                "may_differ": sum(1 for r in rows if not r["fails"]),
                "identical": not rows,
                "ok": not fails,
            },
        })
        self.nodes = nodes

    @property
    def exit_code(self):
        return EXIT_OK if self._doc["summary"]["ok"] else EXIT_NEGATIVE

    @property
    def differences(self):
        return self._doc["differences"]

    @property
    def failing(self):
        return [r for r in self._doc["differences"] if r["fails"]]

    @property
    def notes(self):
        return self._doc["notes"]


# --- rules ---------------------------------------------------------------------------------------
def rules():
    return _rules_cached(str(data.data_root("rules")))


@functools.lru_cache(maxsize=None)
def _rules_cached(root_key):
    out = []
    for path, entry in data.load_entries("rules", "fleet"):
        if path.name == "compare.yaml":
            data.validate(entry, RULE_FIELDS, "rules/fleet/compare.yaml: entry '{}'".format(entry.get("id")))
            out.append(entry)
    return out


def _hccl_env_policies():
    from ascendfix.check import checks_hccl

    return {r["var"]: r["across_nodes"] for r in checks_hccl.env_rules() if r.get("var")}


class Classifier(object):
    def __init__(self):
        self.rules = rules()
        self.hccl = _hccl_env_policies()
        self._cache = {}

    def __call__(self, item):
        """(group, policy, rule id) of an item."""
        if item not in self._cache:
            self._cache[item] = self._classify(item)
        return self._cache[item]

    def _classify(self, item):
        if item.startswith("env.") and item[4:] in self.hccl:
            return "HCCL environment", self.hccl[item[4:]], "hccl_env"
        for r in self.rules:
            if any(fnmatch.fnmatchcase(item, pat) for pat in r["items"]):
                return r["group"], r["policy"], r["id"]
        return "Other", "free", "default"


# --- loading -------------------------------------------------------------------------------------
def _read_json(path):
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as e:
        raise AscendfixError("{}: cannot read: {}".format(path, e.strerror or e))
    try:
        return json.loads(text)
    except ValueError as e:
        doc = _embedded_json(text)
        if doc is None:
            raise AscendfixError("{}: not JSON ({})".format(path, e))
        return doc


def _embedded_json(text):
    """The first JSON object that starts a line of ``text`` (a pod log: `kubectl logs` mixes stderr lines
    around the report), or None."""
    dec = json.JSONDecoder()
    for m in re.finditer(r"(?m)^\{", text):
        try:
            doc, _ = dec.raw_decode(text, m.start())
        except ValueError:
            continue
        if isinstance(doc, dict):
            return doc
    return None


def expand_inputs(inputs):
    """[(path, explicit)] for the given files and folders (a folder: its *.json files and extension-less files,
    as Ansible --tree writes them; hidden files skipped)."""
    out = []
    for raw in inputs:
        p = Path(os.path.expanduser(raw))
        if p.is_dir():
            found = sorted(c for c in p.iterdir() if c.is_file() and not c.name.startswith(".")
                           and (c.suffix == ".json" or c.suffix == ""))
            if not found:
                raise AscendfixError("{}: no report files in this folder".format(raw))
            out.extend((c, False) for c in found)
        elif p.is_file():
            out.append((p, True))
        else:
            raise AscendfixError("{}: no such file or folder".format(raw))
    return out


def load_nodes(inputs, notes=None):
    """Normalised nodes from report files/folders; files in a folder that are not reports are skipped (noted)."""
    notes = notes if notes is not None else []
    nodes = []
    for path, explicit in expand_inputs(inputs):
        try:
            doc = _read_json(path)
            node = normalise(doc, path)
        except AscendfixError as e:
            if explicit:
                raise
            notes.append("skipped {}".format(e))
            continue
        if node is None:
            notes.append("skipped {}: a process that wrote no report (check --out on a non-zero local rank)".format(
                path))
            continue
        nodes.append(node)
    _name(nodes)
    return nodes


def normalise(doc, source="<report>"):
    """A :class:`Node` from one parsed document (None for a 'skipped' placeholder); every value it carries is
    redacted (ascendfix.redact): a report from another tool, or edited by hand, may hold secrets anywhere."""
    node = _normalise(doc, source)
    if node is not None:
        from ascendfix.redact import redact_text, redact_value

        node.items = {k: redact_value(k.rsplit(".", 1)[-1], v) for k, v in node.items.items()}
        node.incomplete = [redact_text(e) for e in getattr(node, "incomplete", None) or []]
    return node


def _normalise(doc, source):
    if not isinstance(doc, dict):
        raise AscendfixError("{}: not a node report (expected a JSON object)".format(source))
    if "skipped" in doc and "findings" not in doc:
        return None
    if "stdout" in doc and ("rc" in doc or "cmd" in doc or "changed" in doc):  # Ansible --tree / module result
        rc = doc.get("rc")
        try:
            inner = json.loads(doc.get("stdout") or "")
        except ValueError:
            msg = (doc.get("msg") or doc.get("stderr") or "no JSON on stdout").strip().splitlines()
            from ascendfix.redact import redact_text

            raise AscendfixError("{}: the Ansible task did not return a report (rc {}): {}".format(
                source, rc, redact_text(msg[-1]) if msg else "empty output"))
        return _normalise(inner, source)
    if "findings" in doc and "summary" in doc:
        if not isinstance(doc.get("node"), dict):
            raise AscendfixError("{}: this check report has no node section (written by an older ascendfix; "
                                 "rerun `ascendfix check --json` with this version)".format(source))
        return _from_ascendfix(doc, source)
    if isinstance(doc.get("ascend"), dict) or (isinstance(doc.get("system"), dict) and isinstance(doc.get("env"), dict)):
        return _from_msprechecker(doc, source)
    raise AscendfixError("{}: not an ascendfix check report or a msprechecker dump".format(source))


def _put(items, prefix, mapping):
    for k, v in (mapping or {}).items():
        items["{}.{}".format(prefix, k)] = v


def _from_ascendfix(doc, source):
    n = doc["node"]
    items = {"host": n.get("host")}
    rank = n.get("rank") or None
    if rank:
        _put(items, "rank", {k: v for k, v in rank.items() if k in ("launcher", "rank", "local_rank", "world_size",
                                                                     "node_rank")})
    items["cann.version"] = (n.get("cann") or {}).get("version")
    items["driver.version"] = (n.get("driver") or {}).get("version")
    items["firmware.version"] = (n.get("firmware") or {}).get("version")
    npu = n.get("npu") or {}
    items["npu.model"] = npu.get("model")
    items["npu.count"] = npu.get("count")
    _put(items, "npu.health", npu.get("health"))
    py = n.get("python") or {}
    for k in ("version", "implementation", "executable"):
        items["python." + k] = py.get(k)
    _put(items, "system", {k: v for k, v in (n.get("system") or {}).items() if v is not None})
    _put(items, "package", n.get("packages"))
    from ascendfix.check.node import collect_env

    _put(items, "env", collect_env(n.get("env") or {}))  # re-filter and re-redact: never trust the input
    h = n.get("hccl") or {}
    rt = h.get("rank_table") or {}
    for k in ("sha256", "version", "server_count"):  # the path is env.RANK_TABLE_FILE
        if rt.get(k) is not None:
            items["hccl.rank_table." + k] = rt[k]
    if h.get("server_id") is not None:
        items["hccl.server_id"] = h["server_id"]
    _put(items, "hccl.device_ip", h.get("device_ip"))
    _put(items, "hccl.link", h.get("link"))
    _put(items, "hccl.net_health", h.get("net_health"))
    s = doc.get("summary") or {}
    counts = s.get("counts") or {}
    items["check.errors"] = counts.get("error", 0) + counts.get("crashed", 0)
    items["check.warnings"] = counts.get("warn", 0)
    failing = sorted({f.get("id") for f in doc.get("findings") or [] if f.get("status") in ("error", "crashed")})
    items["check.failing"] = ", ".join(failing) if failing else None
    covers = {"host", "rank", "cann", "driver", "firmware", "npu", "python", "system", "package", "env", "hccl",
              "check"}
    for err in n.get("errors") or []:  # parts the node could not gather: not compared, said so
        part = err.split(":", 1)[0]
        covers.discard({"packages": "package"}.get(part, part))
    node = Node(source, "ascendfix", n.get("host"), (rank or {}).get("rank"), items, covers,
                summary={"errors": items["check.errors"], "warnings": items["check.warnings"]})
    node.incomplete = list(n.get("errors") or [])
    return node


def _version_only(v):
    """msprechecker joins two version keys as 'X (Y)'; keep X."""
    if not isinstance(v, str):
        return v
    return re.sub(r"\s*\(.*\)\s*$", "", v).strip() or None


def _from_msprechecker(doc, source):
    items = {}
    covers = {"host", "system", "env"}
    system = doc.get("system") or {}
    items["host"] = system.get("node")
    for key, name in (("machine", "arch"), ("release", "kernel"), ("model_name", "cpu")):
        if system.get(key) is not None:
            items["system." + name] = system[key]
    ascend = doc.get("ascend")
    if isinstance(ascend, dict):
        covers |= {"driver", "cann", "ascend"}
        items["driver.version"] = _version_only((ascend.get("driver") or {}).get("version"))
        items["cann.version"] = _version_only((ascend.get("toolkit") or {}).get("version"))
        for comp, info in sorted(ascend.items()):
            if comp in ("driver", "toolkit"):
                continue
            items["ascend." + comp] = _version_only((info or {}).get("version"))
    from ascendfix.check.node import collect_env

    _put(items, "env", collect_env(doc.get("env") or {}))
    return Node(source, "msprechecker", items.get("host"), None, items, covers)


def _name(nodes):
    """Stable, unique, readable node ids: host, host-rank, else the file name."""
    base = []
    for n in nodes:
        name = n.host or Path(n.source).stem
        if n.rank is not None:
            name = "{}-{}".format(name, n.rank)
        base.append(name)
    for n, name in zip(nodes, base):
        n.id = name if base.count(name) == 1 else "{} ({})".format(name, Path(n.source).name)


# --- comparing -----------------------------------------------------------------------------------
def _section(item):
    return item.split(".", 1)[0]


def compare_nodes(nodes, notes=None):
    """A :class:`CompareReport` over normalised nodes (at least two)."""
    notes = list(notes or [])
    if len(nodes) < 2:
        raise AscendfixError("compare needs at least two node reports, got {}".format(len(nodes)))
    classify = Classifier()
    rows = []
    all_items = sorted({k for n in nodes for k in n.items})
    pooled = {}
    for item in all_items:
        group, policy, rid = classify(item)
        covering = [n for n in nodes if _section(item) in n.covers]
        if len(covering) < 2:
            continue
        values = {n.id: n.items.get(item, MISSING) for n in covering}
        if policy == "unique":
            if item.startswith("hccl.device_ip."):
                for nid, v in values.items():
                    if v is not None:
                        pooled.setdefault(v, []).append((nid, item))
                continue
            present = [v for v in values.values() if v is not None]
            dups = sorted({v for v in present if present.count(v) > 1}, key=str)
            if dups:
                rows.append(_row(item, group, policy, values, True,
                                 "the same value on several nodes: {}".format(", ".join(map(str, dups)))))
            elif present and len(present) < len(values):
                rows.append(_row(item, group, policy, values, False, "set on some nodes only"))
            continue
        distinct = {json.dumps(v, sort_keys=True) for v in values.values()}
        if len(distinct) > 1:
            rows.append(_row(item, group, policy, values, policy == "match", None))
    for ip, owners in sorted(pooled.items()):
        if len({nid for nid, _ in owners}) > 1:
            values = {n.id: None for n in nodes if "hccl" in n.covers}
            for nid, item in owners:
                values[nid] = "{} (NPU {})".format(ip, item.rsplit(".", 1)[1])
            rows.append(_row("hccl.device_ip", "HCCL", "unique", values, True,
                             "device IP {} is configured on more than one node".format(ip)))
    for n in nodes:
        for err in getattr(n, "incomplete", None) or []:
            notes.append("{}: part of its report is missing ({})".format(n.id, err))
    notes.extend(_rank_table_notes(nodes))
    order = {"match": 0, "unique": 1, "free": 2}
    rows.sort(key=lambda r: (not r["fails"], order[r["policy"]], r["group"], r["item"]))
    return CompareReport(nodes, rows, notes)


def identical_items(report):
    """What ``-v`` adds: ``[(group, policy, item, value)]`` for every item that two or more nodes report and that
    is the same on all of them (the differences are in the report itself), sorted like the differences."""
    nodes = report.nodes
    differing = {r["item"] for r in report.differences}
    classify = Classifier()
    out = []
    for item in sorted({k for n in nodes for k in n.items}):
        if item in differing or (item.startswith("hccl.device_ip.") and "hccl.device_ip" in differing):
            continue
        covering = [n for n in nodes if _section(item) in n.covers]
        if len(covering) < 2:
            continue
        values = [n.items.get(item, MISSING) for n in covering]
        if len({json.dumps(v, sort_keys=True) for v in values}) != 1:
            continue  # per-node values that differ without colliding (the "unique" policy): not shown as same
        group, policy, _ = classify(item)
        out.append((group, policy, item, values[0]))
    order = {"match": 0, "unique": 1, "free": 2}
    out.sort(key=lambda t: (order[t[1]], t[0], t[2]))
    return out


def _row(item, group, policy, values, fails, note):
    return {"item": item, "group": group, "policy": policy, "fails": bool(fails), "values": values, "note": note}


def _rank_table_notes(nodes):
    shas = {n.items.get("hccl.rank_table.sha256") for n in nodes if n.items.get("hccl.rank_table.sha256")}
    if len(shas) != 1:
        return []
    counts = {n.items.get("hccl.rank_table.server_count") for n in nodes}
    counts.discard(None)
    hosts = {n.host for n in nodes}
    if len(counts) == 1:
        c = counts.pop()
        if c != len(hosts):
            return ["the rank table lists {} server(s); reports from {} host(s) were compared".format(c, len(hosts))]
    return []


def compare_paths(inputs):
    """Load reports from files/folders and compare them (the library entry point)."""
    notes = []
    nodes = load_nodes(inputs, notes)
    return compare_nodes(nodes, notes)
