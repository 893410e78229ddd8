"""HCCL readiness of this node (category hccl): HCCL environment variables (rules/checks/hccl_env.yaml), the rank
table (RANK_TABLE_FILE), /etc/hccn.conf, and what hccn_tool says about every NPU's RoCE port (rules/checks/
hccn.yaml). ``node_facts`` hands the same facts to the report's node section for ``ascendfix compare``.

Everything goes through the check context: files under --root, hccn_tool outputs replayed with
--command-output 'hccn_tool -i 0 -link -g=FILE'; on the real root hccn_tool runs only if it is installed.
"""

import hashlib
import ipaddress
import re
from concurrent.futures import ThreadPoolExecutor

from ascendfix import data
from ascendfix.check import facts, hcclparse
from ascendfix.check.engine import add_category, check, ev, finding, redact

F = data.Field
HCCN_CONF = "/etc/hccn.conf"
HCCN_TOOL = "/usr/local/Ascend/driver/tools/hccn_tool"
RANK_TABLE_VARS = ("RANK_TABLE_FILE", "RANKTABLEFILE")

add_category("hccl", "HCCL multi-node readiness", after="env")

ENV_FIELDS = {
    "id": F(str), "kind": F(str, choices=["int", "number", "enum", "ip", "ifname", "ports", "combo"]),
    "var": F(str, required=False), "min": F((int, float), required=False), "max": F((int, float), required=False),
    "multiple_of": F(int, required=False), "values": F(list, required=False, items=str),
    "default": F(str, required=False), "when": F(dict, required=False), "status": F(str, required=False,
    choices=["warn", "error"]), "message": F(str, required=False), "note": F(str, required=False),
    "across_nodes": F(str, choices=["match", "unique", "free"]), "source": F(list, items=str),
    "examples": F(list, items=dict),
}
HCCN_FIELDS = {
    "id": F(str), "option": F(str), "parse": F(str, choices=["link", "net_health", "ip", "ping"]), "title": F(str),
    "states": F(dict), "other": F(dict), "fix": F(str), "source": F(list, items=str), "examples": F(list, items=dict),
}


def _entries(filename, fields):
    return data.file_entries("rules", "checks", filename, fields)


def env_rules():
    rules = _entries("hccl_env.yaml", ENV_FIELDS)
    for r in rules:
        if r["kind"] != "combo" and not r.get("var"):
            raise data.DataError("rules/checks/hccl_env.yaml: entry '{}': field 'var' is missing".format(r["id"]))
        if r["kind"] == "combo" and not (r.get("when") and r.get("message") and r.get("status")):
            raise data.DataError("rules/checks/hccl_env.yaml: entry '{}': a combo needs when, message and "
                                 "status".format(r["id"]))
    return rules


def hccn_rules():
    return {r["id"]: r for r in _entries("hccn.yaml", HCCN_FIELDS)}


# --- environment variables -------------------------------------------------------------------------
_NUM = re.compile(r"^\d+(\.\d+)?$")
_INT = re.compile(r"^\d+$")
_IFNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.:@-]*$")


def _ifname_problem(value):
    v = value.strip()
    body = v[1:] if v.startswith("^") else v
    body = body[1:] if body.startswith("=") else body
    if not body:
        return "no interface name"
    for part in body.split(","):
        if not part:
            return "an empty name between commas"
        if not _IFNAME.match(part):
            return "'{}' is not an interface name or prefix (forms: eth | ^eth | =eth0 | ^=eth0, comma-separated)".format(
                part)
    return None


def _ports_problem(value, lo, hi):
    v = value.strip()
    if v == "auto":
        return None
    spans = []
    for part in v.split(","):
        m = re.match(r"^\s*(\d+)\s*(?:-\s*(\d+))?\s*$", part)
        if not m:
            return "'{}' is not a port or a port range".format(part)
        a = int(m.group(1))
        b = int(m.group(2)) if m.group(2) else a
        if a > b:
            return "range {} runs backwards".format(part.strip())
        if a < lo or b > hi:
            return "{} is outside [{}, {}]".format(part.strip(), lo, hi)
        for s, e in spans:
            if a <= e and s <= b:
                return "{} overlaps {}-{}".format(part.strip(), s, e)
        spans.append((a, b))
    return None


def eval_env_rule(rule, env):
    """(status, detail, value) of one hccl_env rule against an environment dict; status ok / warn / error."""
    kind = rule["kind"]
    if kind == "combo":
        for var, want in rule["when"].items():
            val = env.get(var)
            if want == "unset":
                if val not in (None, ""):
                    return "ok", None, None
            elif val in (None, "") or (want != "*" and val not in want):
                return "ok", None, None
        shown = ", ".join("{}={}".format(k, env.get(k)) if env.get(k) not in (None, "") else "{} unset".format(k)
                          for k in rule["when"])
        return rule["status"], rule["message"], shown
    var = rule["var"]
    value = env.get(var)
    if value is None:
        dflt = " (default {})".format(rule["default"]) if rule.get("default") else ""
        return "ok", "{} is not set{}".format(var, dflt), None
    v = value.strip()
    problem = None
    if kind in ("int", "number"):
        pattern = _INT if kind == "int" else _NUM
        if not pattern.match(v):
            problem = "expected {} in [{}, {}]".format("a whole number" if kind == "int" else "a number",
                                                        rule.get("min"), rule.get("max"))
        else:
            num = float(v)
            if ("min" in rule and num < rule["min"]) or ("max" in rule and num > rule["max"]):
                problem = "out of range [{}, {}]".format(rule.get("min"), rule.get("max"))
            elif rule.get("multiple_of") and int(num) % rule["multiple_of"]:
                problem = "must be a multiple of {}".format(rule["multiple_of"])
    elif kind == "enum":
        if v not in rule["values"]:
            problem = "expected one of {}".format("/".join(rule["values"]))
    elif kind == "ip":
        why = hcclparse.ip_problem(v)
        if why:
            problem = "{} (one IPv4 or IPv6 address of this host)".format(why)
    elif kind == "ifname":
        problem = _ifname_problem(v)
    elif kind == "ports":
        problem = _ports_problem(v, rule.get("min", 1), rule.get("max", 65535))
    if problem:
        return "error", "{}={!r}: {}".format(var, value, problem), value
    return "ok", "{}={}".format(var, value), value


@check("hccl.env", "hccl", "HCCL environment variables")
def hccl_env(ctx):
    """Syntax and range of HCCL_CONNECT_TIMEOUT, HCCL_EXEC_TIMEOUT, HCCL_IF_IP, HCCL_SOCKET_IFNAME, ... (EI0001)."""
    out = []
    shown = 0
    for rule in env_rules():
        status, detail, value = eval_env_rule(rule, ctx.env)
        if rule["kind"] == "combo":
            if status == "ok":
                continue
            e = [ev("env", value)]
        else:
            if value is None:
                continue
            e = [ev("$" + rule["var"], redact(rule["var"], value))]
        shown += 1
        fix = []
        if status == "error" and rule["kind"] != "combo":
            fix = ["export {}=<value in range> (or unset it to use HCCL's default{})".format(
                rule["var"], " " + rule["default"] if rule.get("default") else "")]
        if status != "ok" and rule.get("note"):
            detail = "{} — {}".format(detail, rule["note"])
        out.append(finding(status, detail, e, id=rule["id"], fix=fix, links=rule.get("source"),
                           expected=_expected(rule)))
    if not shown:
        out.append(finding("ok", "no HCCL_* variable set: HCCL defaults apply", [ev("env", "HCCL_* unset")]))
    return out


def _expected(rule):
    k = rule["kind"]
    if k in ("int", "number") and "min" in rule:
        return "[{}, {}]".format(rule["min"], rule["max"])
    if k == "enum":
        return "/".join(rule["values"])
    if k == "ip":
        return "one IP address"
    return None


# --- facts shared by the checks and the report ---------------------------------------------------
def devices(ctx):
    """Physical NPU ids to ask hccn_tool about: /dev/davinciN, else the ids configured in /etc/hccn.conf."""
    nodes = facts.npu(ctx)["nodes"]
    if nodes:
        return [int(n[7:]) for n in nodes]
    return sorted(hccn_conf(ctx) or {})


def visible_devices(ctx):
    """(ids, source): the NPUs this process may use (ASCEND_RT_VISIBLE_DEVICES, else every /dev/davinciN)."""
    v = ctx.env.get("ASCEND_RT_VISIBLE_DEVICES")
    if v and all(p.strip().isdigit() for p in v.split(",")):
        return [int(p) for p in v.split(",")], "$ASCEND_RT_VISIBLE_DEVICES"
    nodes = facts.npu(ctx)["nodes"]
    return [int(n[7:]) for n in nodes], "/dev/davinci*"


def hccn_conf(ctx):
    def read():
        text = ctx.read_text(HCCN_CONF)
        return None if text is None else hcclparse.parse_hccn_conf(text)

    return ctx.cached("hccl.hccn_conf", read)


def _tool(ctx):
    if ctx.real_root and ctx.exists(HCCN_TOOL):
        return HCCN_TOOL
    return "hccn_tool"


def hccn(ctx, device, option):
    """(returncode, output) of ``hccn_tool -i <device> <option>`` (cached; None when hccn_tool is unavailable)."""
    name = "hccn_tool -i {} {}".format(device, option)

    def run():
        return ctx.command(name, [_tool(ctx), "-i", str(device)] + option.split())

    return ctx.cached("hccl.cmd." + name, run)


def hccn_survey(ctx):
    """{option: {device: (returncode, output) or None}} for -link/-net_health/-ip/-netdetect/-gateway (cached).

    On a real node hccn_tool runs for every NPU in a small thread pool (it takes a while per call)."""

    def run():
        devs = devices(ctx)
        opts = ("-link -g", "-net_health -g", "-ip -g", "-netdetect -g", "-gateway -g")
        if not devs:
            return {o: {} for o in opts}
        if hccn(ctx, devs[0], "-link -g") is None:  # no hccn_tool here (and nothing recorded)
            return None
        jobs = [(d, o) for o in opts for d in devs]
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(lambda j: hccn(ctx, j[0], j[1]), jobs))
        out = {o: {} for o in opts}
        for (d, o), r in zip(jobs, results):
            out[o][d] = r
        return out

    return ctx.cached("hccl.survey", run)


def rank_table(ctx):
    """{var, path, text, doc, error, summary, sha256} for the rank table named by RANK_TABLE_FILE, or None."""

    def read():
        var = next((v for v in RANK_TABLE_VARS if ctx.env.get(v)), None)
        if not var:
            return None
        path = ctx.env[var]
        out = {"var": var, "path": path, "doc": None, "summary": None, "error": None, "sha256": None}
        text = ctx.read_text(path, limit=64 << 20)  # thousands of servers stay well below this
        if text is None:
            out["error"] = "cannot read {} (no such file, or no permission)".format(path)
            return out
        out["sha256"] = hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()
        doc, err = hcclparse.load_rank_table(text)
        if err:
            out["error"] = err
            return out
        out["doc"] = doc
        out["summary"] = hcclparse.summarize_rank_table(doc)
        return out

    return ctx.cached("hccl.rank_table", read)


def local_device_ips(ctx):
    """({device: ip}, source): /etc/hccn.conf addresses, else hccn_tool -ip -g per device."""
    conf = hccn_conf(ctx)
    if conf:
        ips = {d: v["address"] for d, v in conf.items() if v.get("address")}
        if ips:
            return ips, HCCN_CONF
    survey = hccn_survey(ctx)
    if survey:
        ips = {}
        for d, r in survey["-ip -g"].items():
            if r is not None:
                addr = hcclparse.parse_ip(r[1]).get("address")
                if addr:
                    ips[d] = addr
        if ips:
            return ips, "hccn_tool -ip -g"
    return {}, None


def this_server(ctx, summary):
    """(server entry, how it was found) of this node in a summarized rank table, or (None, None)."""
    ips, _ = local_device_ips(ctx)
    mine = set(ips.values())
    if mine:
        best = max(summary["servers"], key=lambda s: len(mine & {d["device_ip"] for d in s["devices"]}), default=None)
        if best is not None and mine & {d["device_ip"] for d in best["devices"]}:
            return best, "device IPs"
    from ascendfix.check.node import hostname

    names = {hostname(ctx)} | {ctx.env.get(v) for v in ("HCCL_IF_IP", "MIES_CONTAINER_IP", "POD_IP") if ctx.env.get(v)}
    for s in summary["servers"]:
        if names & {s.get("server_id"), s.get("host_ip"), s.get("container_ip")}:
            return s, "server id / host IP"
    return None, None


# --- checks --------------------------------------------------------------------------------------
@check("hccl.ranktable", "hccl", "Rank table (RANK_TABLE_FILE)")
def hccl_ranktable(ctx):
    """The rank table: JSON, version, status, server_count, unique rank ids / device ids / device IPs, and this
    node's entry against its device IPs (/etc/hccn.conf) and its visible NPUs (EI0004, EI0014)."""
    rt = rank_table(ctx)
    if rt is None:
        return finding("ok", "RANK_TABLE_FILE is not set (no rank-table launch on this node)",
                       [ev("$RANK_TABLE_FILE", None)])
    where = [ev("$" + rt["var"], rt["path"])]
    link = ["https://github.com/hicann/hccl/blob/09300b70df9a031339f08e5f2ca06d7bf294d009/docs/zh/user_guide/"
            "fault_diagnosis/rank_table_load_fail.md"]
    if rt["error"]:
        return finding("error", "{} {}: {}".format(rt["var"], rt["path"], rt["error"]), where,
                       fix=["point {} at the rank table JSON every rank of the job reads".format(rt["var"])],
                       links=link)
    s = rt["summary"]
    out = []
    for sev, text, code in s["problems"]:
        out.append(finding(sev, "rank table {}: {}{}".format(rt["path"], text, " ({})".format(code) if code else ""),
                           where, links=link))
    if any(p[0] == "error" for p in s["problems"]):
        return out
    head = "rank table {} (version {}): {} server(s), {} rank(s)".format(
        rt["path"], s["version"], len(s["servers"]), s["rank_count"])
    if str(s["version"]) == "2.0":
        return out + [finding("ok", head, where)]
    srv, how = this_server(ctx, s)
    if srv is None:
        out.append(finding("warn", "{}; this node is not in it (no server entry carries its device IPs or host "
                           "name)".format(head), where, fix=["regenerate the rank table from every node's "
                           "/etc/hccn.conf (address_N = device_ip of device N)"]))
        return out
    problems = []
    ips, src = local_device_ips(ctx)
    for d in srv["devices"]:
        did = d.get("device_id")
        if isinstance(did, int) and did in ips and d.get("device_ip") and d["device_ip"] != ips[did]:
            problems.append("device {}: rank table says {}, {} says {}".format(did, d["device_ip"], src, ips[did]))
    if problems:
        out.append(finding("error", "{}: this node's entry (server {}) disagrees with its NPUs (EI0014): {}".format(
            head, srv["server_id"], "; ".join(problems)), where + [ev(src, ips)],
            fix=["copy each device's address_N from /etc/hccn.conf into the rank table's device_ip"], links=link))
        return out
    vis, vsrc = visible_devices(ctx)
    listed = sorted(d["device_id"] for d in srv["devices"] if isinstance(d.get("device_id"), int))
    if vis and listed != sorted(vis):
        out.append(finding("warn", "{}: server {} lists device(s) {} but this node has {} visible ({})".format(
            head, srv["server_id"], listed, sorted(vis), vsrc), where,
            fix=["one rank table entry per NPU the job uses on this server"]))
        return out
    out.append(finding("ok", "{}; this node is server {} (found by {}), {} device(s) match".format(
        head, srv["server_id"], how, len(listed)), where))
    return out


@check("hccl.hccn_conf", "hccl", "Device network config (/etc/hccn.conf)")
def hccl_hccn_conf(ctx):
    """/etc/hccn.conf: an address per NPU, valid and unique, with a netmask; what rank tables copy device_ip from."""
    conf = hccn_conf(ctx)
    devs = devices(ctx)
    multi = rank_table(ctx) is not None
    if conf is None:
        if multi:
            return finding("warn", "{} not found: a rank-table launch needs a device IP per NPU".format(HCCN_CONF),
                           [ev(HCCN_CONF, None)], fix=["hccn_tool -i <id> -ip -s address <ip> netmask <mask> "
                                                       "(persisted in /etc/hccn.conf)"])
        return finding("ok", "{} not found (single-node runs do not need device IPs)".format(HCCN_CONF),
                       [ev(HCCN_CONF, None)])
    problems, seen = [], {}
    for d in sorted(conf):
        addr = conf[d].get("address")
        if not addr:
            continue
        why = hcclparse.ip_problem(addr)
        if why:
            problems.append(("error", "address_{}={} is {}".format(d, addr, why)))
        elif addr in seen:
            problems.append(("error", "address_{} and address_{} are both {}".format(seen[addr], d, addr)))
        else:
            seen[addr] = d
        if not conf[d].get("netmask"):
            problems.append(("warn", "address_{} has no netmask_{}".format(d, d)))
        else:
            try:
                ipaddress.ip_network("{}/{}".format(addr, conf[d]["netmask"]), strict=False)
            except ValueError:
                problems.append(("error", "netmask_{}={} is not a netmask".format(d, conf[d]["netmask"])))
    missing = [d for d in devs if not (conf.get(d) or {}).get("address")]
    if missing:
        problems.append(("warn", "no address for NPU(s) {}".format(",".join(map(str, missing)))))
    e = [ev(HCCN_CONF, {str(d): conf[d].get("address") for d in sorted(conf)})]
    if problems:
        return [finding(sev, "{}: {}".format(HCCN_CONF, text), e) for sev, text in problems]
    return finding("ok", "{}: {} device address(es), unique".format(HCCN_CONF, len(seen)), e)


def _state(rule, value):
    st = rule["states"].get(value)
    if st is None:
        st = rule["other"]
    return st["status"], st.get("why")


@check("hccl.hccn_tool", "hccl", "NPU RoCE ports (hccn_tool)")
def hccl_hccn_tool(ctx):
    """hccn_tool per NPU: -link -g UP, -net_health -g Success, -ip -g set and equal to /etc/hccn.conf, netdetect and
    gateway as configured (rules/checks/hccn.yaml)."""
    survey = hccn_survey(ctx)
    if survey is None:
        return finding("skip", "hccn_tool is not available here (driver tools not installed, or not on this root)",
                       [ev("hccn_tool", None)])
    if not any(survey[o] for o in survey):
        return finding("skip", "no NPU found to query with hccn_tool", [ev("/dev/davinci*", [])])
    rules = hccn_rules()
    conf = hccn_conf(ctx) or {}
    out = []
    for rid, option, parse in (("hccn.link", "-link -g", hcclparse.parse_link),
                               ("hccn.net_health", "-net_health -g", hcclparse.parse_net_health),
                               ("hccn.ip", "-ip -g", None)):
        rule = rules[rid]
        groups = {}
        for d, r in sorted(survey[option].items()):
            if r is None:
                value = None
            elif parse is None:
                value = "set" if hcclparse.parse_ip(r[1]) else ("unset" if "no ip" in r[1].lower() else None)
            else:
                value = parse(r[1])
            status, why = _state(rule, value)
            groups.setdefault((status, value, why), []).append(d)
        for (status, value, why), devs in sorted(groups.items(), key=lambda g: g[1][0]):
            shown = "no output" if value is None else value
            text = "hccn_tool {}: NPU {} {}".format(option, ",".join(map(str, devs)), shown)
            if why:
                text += " — " + why
            e = [ev("hccn_tool -i {} {}".format(d, option), (survey[option][d] or (None, None))[1]) for d in devs[:2]]
            out.append(finding(status, text, e, id=rid, fix=[rule["fix"]] if status != "ok" else [],
                               links=rule["source"]))
    # runtime values against the persistent config
    drift = []
    for key, option, parse in (("address", "-ip -g", lambda t: hcclparse.parse_ip(t).get("address")),
                               ("netdetect", "-netdetect -g", hcclparse.parse_netdetect),
                               ("gateway", "-gateway -g", lambda t: hcclparse.parse_gateway(t).get("gateway"))):
        for d, r in sorted(survey[option].items()):
            want = (conf.get(d) or {}).get(key)
            got = parse(r[1]) if r is not None else None
            if want and got and want != got:
                drift.append("NPU {} {}: hccn_tool says {}, /etc/hccn.conf says {}".format(d, key, got, want))
    if drift:
        out.append(finding("warn", "the NPUs run with other settings than /etc/hccn.conf (lost on reboot, or the "
                           "file is stale): " + "; ".join(drift), [ev(HCCN_CONF, len(drift))], id="hccn.drift",
                           fix=["make /etc/hccn.conf and hccn_tool -i <id> -ip/-netdetect/-gateway -g agree"]))
    return out


@check("hccl.ping", "hccl", "RoCE reachability of the other servers (hccn_tool -ping, --deep)", deep=True)
def hccl_ping(ctx):
    """From each local NPU, ping the device IP of the same NPU on every other server of the rank table."""
    rt = rank_table(ctx)
    if rt is None or not rt.get("summary"):
        return finding("skip", "no usable rank table: nothing to ping", [ev("$RANK_TABLE_FILE", None)])
    s = rt["summary"]
    me, _ = this_server(ctx, s)
    if me is None:
        return finding("skip", "this node is not in the rank table: no peers to ping", [ev(rt["path"], None)])
    rule = hccn_rules()["hccn.ping"]
    out, bad = [], 0
    for srv in s["servers"]:
        if srv is me:
            continue
        for d in srv["devices"]:
            did, ip = d.get("device_id"), d.get("device_ip")
            if not isinstance(did, int) or not ip:
                continue
            r = hccn(ctx, did, "-ping -g address {}".format(ip))
            res = hcclparse.parse_ping(r[1]) if r is not None else {}
            if not res:
                value = None
            elif res["received"] == res["transmitted"]:
                value = "all"
            elif res["received"] == 0:
                value = "none"
            else:
                value = "some"
            status, why = _state(rule, value)
            if status != "ok":
                bad += 1
                out.append(finding(status, "NPU {} -> {} (server {}): {}{}".format(
                    did, ip, srv["server_id"], "no answer" if r is None else "{}/{} received".format(
                        res.get("received"), res.get("transmitted")) if res else "unrecognised output",
                    " — " + why if why else ""), [ev("hccn_tool -i {} -ping -g address {}".format(did, ip),
                                                     r[1] if r else None)],
                    id="hccn.ping", fix=[rule["fix"]], links=rule["source"]))
    if not bad:
        out.append(finding("ok", "every peer NPU answered over RoCE", [ev(rt["path"], len(s["servers"]))],
                           id="hccn.ping"))
    return out


# --- for the report's node section ---------------------------------------------------------------
def node_facts(ctx):
    """HCCL facts of this node for ``ascendfix compare`` (None when the node shows no HCCL setup at all)."""
    out = {}
    rt = rank_table(ctx)
    if rt is not None:
        entry = {"path": rt["path"], "sha256": rt["sha256"], "error": rt["error"]}
        s = rt.get("summary")
        if s:
            entry.update(version=s["version"], server_count=len(s["servers"]), rank_count=s["rank_count"],
                         problems=len(s["problems"]))
            me, _ = this_server(ctx, s)
            if me is not None:
                out["server_id"] = me["server_id"]
        out["rank_table"] = entry
    ips, src = local_device_ips(ctx)
    if ips:
        out["device_ip"] = {str(d): ip for d, ip in sorted(ips.items())}
        out["device_ip_source"] = src
    survey = hccn_survey(ctx)
    if survey:
        for key, option, parse in (("link", "-link -g", hcclparse.parse_link),
                                   ("net_health", "-net_health -g", hcclparse.parse_net_health)):
            vals = {str(d): parse(r[1]) for d, r in sorted(survey[option].items()) if r is not None}
            if vals:
                out[key] = vals
    return out or None
