"""Parsers for HCCL readiness: ``hccn_tool`` outputs, ``/etc/hccn.conf`` and rank tables (pure functions).

Output formats follow the ``hccn_tool`` sources of the Ascend driver (``printf`` formats such as
``link status: UP``, ``net health status: %s``, ``ipaddr:%s``, ``default gateway:%s, Iface:eth%d``) and
the recorded outputs in tests/data/fleet. Rank-table fields follow HCCL's rank table reference
(versions 1.0 and 1.2 use ``server_list``; 2.0 uses ``rank_list``).
"""

import ipaddress
import json
import re

# hccn_tool -net_health -g: every status string the 910B tool can print (driver sources, g_net_health_status)
NET_HEALTH = ("Success", "Socket fail", "Receive timeout", "Unreachable", "Time exceeded", "Fault", "Init",
              "Thread error", "Detect ip set", "Unknown")


def _strip(text):
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def parse_link(text):
    """``link status: UP`` -> "UP" (or "DOWN"); None when the output has no link status."""
    m = re.search(r"^\s*link status:\s*([A-Za-z]+)", _strip(text), re.M)
    return m.group(1).upper() if m else None


def parse_net_health(text):
    """``net health status: Success`` -> "Success"; None when absent."""
    m = re.search(r"^\s*net health status:\s*(.+?)\s*$", _strip(text), re.M)
    return m.group(1) if m else None


def parse_ip(text):
    """``-ip -g`` output -> {"address", "netmask"} (IPv4) or {"address", "prefix_length"} (IPv6), or {} when no IP
    is configured (``Get ipconf failed, because no ip was preset there!``) or the output is not recognised."""
    t = _strip(text)
    m = re.search(r"^\s*ipaddr:\s*(\S+)", t, re.M)
    if m:
        out = {"address": m.group(1)}
        n = re.search(r"^\s*netmask:\s*(\S+)", t, re.M)
        if n:
            out["netmask"] = n.group(1)
        return out
    m = re.search(r"^\s*ipv6_address:\s*(\S+)", t, re.M)
    if m:
        out = {"address": m.group(1)}
        n = re.search(r"^\s*prefix_length:\s*(\S+)", t, re.M)
        if n:
            out["prefix_length"] = n.group(1)
        return out
    return {}


def parse_netdetect(text):
    """``netdetect address: 11.12.165.1`` (older drivers) or ``netdetect addr: ...`` (newer) -> the address."""
    m = re.search(r"^\s*netdetect addr(?:ess)?:\s*(\S+)", _strip(text), re.M)
    return m.group(1) if m else None


def parse_gateway(text):
    """``default gateway:11.12.165.1, Iface:eth0`` -> {"gateway", "iface"}; {} when absent."""
    m = re.search(r"^\s*default gateway:\s*([^,\s]+)(?:\s*,\s*Iface:\s*(\S+))?", _strip(text), re.M)
    if not m:
        return {}
    out = {"gateway": m.group(1)}
    if m.group(2):
        out["iface"] = m.group(2)
    return out


def parse_ping(text):
    """``hccn_tool -i N -ping -g address X`` -> {"target", "transmitted", "received", "loss"}; {} when unrecognised.

    The summary line is ``3 packets transmitted, 3 received, 0.00% packet loss`` (some tool versions print
    ``packets loss``)."""
    t = _strip(text)
    out = {}
    m = re.search(r"^\s*device\s+\d+\s+PING6?\s+(\S+)", t, re.M)
    if m:
        out["target"] = m.group(1)
    m = re.search(r"(\d+)\s+packets transmitted,\s*(\d+)\s+received,\s*([\d.]+)%\s+packets?\s+loss", t)
    if not m:
        return {}
    out.update(transmitted=int(m.group(1)), received=int(m.group(2)), loss=float(m.group(3)))
    return out


def parse_hccn_conf(text):
    """``/etc/hccn.conf`` (``address_0=...``, ``netmask_0=...``, ``netdetect_0=...``, ``gateway_0=...``) ->
    {device id (int): {key: value}}. Lines that are not ``key_<n>=value`` are ignored."""
    out = {}
    for line in _strip(text).split("\n"):
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        m = re.match(r"^([A-Za-z][A-Za-z0-9_]*?)_(\d+)$", key.strip())
        if not m:
            continue
        out.setdefault(int(m.group(2)), {})[m.group(1)] = value.strip()
    return out


def ip_problem(value):
    """None when ``value`` is an IPv4/IPv6 address, else a short reason (placeholders such as ``192.1.*.6`` or
    ``xx.xx.xx.xx`` copied from a documentation template are named as such)."""
    if value is None or str(value).strip() == "":
        return "empty"
    v = str(value).strip()
    if re.search(r"[*]|x{2}|X{2}", v):
        return "a documentation placeholder, not an address"
    try:
        ipaddress.ip_address(v)
    except ValueError:
        return "not an IPv4/IPv6 address"
    return None


# --- rank tables ---------------------------------------------------------------------------------
RANK_TABLE_VERSIONS = ("1.0", "1.2", "2.0")


def load_rank_table(text):
    """(document, None) or (None, one-line reason) for the text of a rank table file."""
    try:
        doc = json.loads(text)
    except ValueError as e:
        msg = str(e)
        hint = ""
        if re.search(r"^\s*//|\s//\s", text or "", re.M) or "#" in (text or ""):
            hint = " (comments are not allowed in JSON: remove the // or # notes copied from the documentation)"
        return None, "not valid JSON: {}{}".format(msg, hint)
    if not isinstance(doc, dict):
        return None, "not a rank table: the top level is a {}, not an object".format(type(doc).__name__)
    return doc, None


def _as_int(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str) and re.match(r"^\d+$", v.strip()):
        return int(v.strip())
    return None


def summarize_rank_table(doc):
    """Validate a parsed rank table. Returns::

        {"version", "status", "server_count", "servers": [{"server_id", "host_ip", "container_ip",
          "devices": [{"device_id", "device_ip", "rank_id"}]}], "rank_count", "problems": [(severity, text, code)]}

    severity is "error" (HCCL refuses the table) or "warn"; code is the CANN error code HCCL reports for it
    when there is one (EI0004 for rank-table field errors).
    """
    problems = []

    def err(text, code="EI0004"):
        problems.append(("error", text, code))

    def warn(text, code=None):
        problems.append(("warn", text, code))

    version = doc.get("version")
    status = doc.get("status")
    out = {"version": version, "status": status, "servers": [], "rank_count": 0, "problems": problems,
           "server_count": doc.get("server_count")}
    if status is None:
        err("field 'status' is missing (expected \"completed\")")
    elif status != "completed":
        err("status is {!r}: the table is not ready (\"completed\" marks a usable rank table; Ascend Operator "
            "writes \"initializing\" until every pod is known)".format(status))
    if version is None:
        err("field 'version' is missing (1.0 for Atlas A2/training servers, 1.2 for Atlas A3)")
    elif str(version) not in RANK_TABLE_VERSIONS:
        err("version {!r} is not a rank table version ({})".format(version, ", ".join(RANK_TABLE_VERSIONS)))
    if str(version) == "2.0":
        return _summarize_v2(doc, out, err, warn)

    servers = doc.get("server_list")
    if not isinstance(servers, list) or not servers:
        err("'server_list' is missing or empty")
        return out
    count = _as_int(doc.get("server_count"))
    if doc.get("server_count") is None:
        err("field 'server_count' is missing")
    elif count is None:
        err("server_count {!r} is not a number".format(doc.get("server_count")))
    elif count != len(servers):
        err("server_count is {} but server_list has {} server(s)".format(count, len(servers)))
    seen_servers, seen_ips, ranks, bad_ips = {}, {}, [], {}
    for si, srv in enumerate(servers):
        if not isinstance(srv, dict):
            err("server_list[{}] is not an object".format(si))
            continue
        sid = srv.get("server_id")
        label = "server {}".format(sid if sid else "#{}".format(si))
        entry = {"server_id": sid, "host_ip": srv.get("host_ip") or srv.get("server_ip"),
                 "container_ip": srv.get("container_ip"), "devices": []}
        out["servers"].append(entry)
        if not sid:
            err("server_list[{}] has no server_id".format(si))
        else:
            if len(str(sid)) > 64:
                err("{}: server_id is longer than 64 characters".format(label))
            if sid in seen_servers:
                err("server_id {!r} appears twice (server_list[{}] and [{}]); it must be unique".format(
                    sid, seen_servers[sid], si))
            seen_servers.setdefault(sid, si)
        devices = srv.get("device")
        if not isinstance(devices, list) or not devices:
            err("{}: 'device' list is missing or empty".format(label))
            continue
        dev_ids = {}
        for di, dev in enumerate(devices):
            if not isinstance(dev, dict):
                err("{}: device[{}] is not an object".format(label, di))
                continue
            did, rid, dip = _as_int(dev.get("device_id")), _as_int(dev.get("rank_id")), dev.get("device_ip")
            entry["devices"].append({"device_id": did if did is not None else dev.get("device_id"),
                                     "device_ip": dip, "rank_id": rid if rid is not None else dev.get("rank_id")})
            if did is None:
                err("{}: device[{}] device_id {!r} is not a number".format(label, di, dev.get("device_id")))
            elif did in dev_ids:
                err("{}: device_id {} appears twice".format(label, did))
            else:
                dev_ids[did] = di
            if rid is None:
                err("{}: device[{}] rank_id {!r} is not a number".format(label, di, dev.get("rank_id")))
            else:
                ranks.append((rid, si))
            if dip is None:
                if len(servers) > 1:
                    err("{}: device {} has no device_ip (required with more than one server)".format(label, did))
            else:
                why = ip_problem(dip)
                if why:
                    bad_ips.setdefault(why, []).append("{}/{}={}".format(sid, did, dip))
                elif dip in seen_ips:
                    err("device_ip {} is used twice ({} and {}); device IPs must be unique".format(
                        dip, seen_ips[dip], "{} device {}".format(label, did)))
                else:
                    seen_ips[dip] = "{} device {}".format(label, did)
            if str(version) == "1.2" and not str(dev.get("super_device_id") or "").strip():
                err("{}: device {} has no super_device_id (required by version 1.2)".format(label, did))
    for why, where in sorted(bad_ips.items()):
        err("device_ip of {} device(s) is {}: {}{}".format(
            len(where), why, ", ".join(where[:3]), ", ..." if len(where) > 3 else ""))
    _check_ranks(ranks, len(servers), err, warn)
    out["rank_count"] = len(ranks)
    if str(version) == "1.2":
        pods = doc.get("super_pod_list")
        if not isinstance(pods, list) or not pods:
            warn("version 1.2 without a super_pod_list")
        else:
            listed = {s.get("server_id") for p in pods if isinstance(p, dict)
                      for s in (p.get("server_list") or []) if isinstance(s, dict)}
            missing = sorted(str(s) for s in seen_servers if s not in listed)
            if missing:
                err("server(s) {} are not in any super_pod_list entry".format(", ".join(missing)))
    return out


def _check_ranks(ranks, nservers, err, warn):
    ids = [r for r, _ in ranks]
    dups = sorted({r for r in ids if ids.count(r) > 1})
    if dups:
        err("rank_id {} appear(s) more than once; rank ids must be unique".format(", ".join(map(str, dups))))
    if ids and not dups and sorted(ids) != list(range(len(ids))):
        err("rank ids are not 0..{} (found {})".format(len(ids) - 1, _ranges(sorted(ids))))
    # ranks of one server form one block: {0..3} and {4..7}, never {0,1,2,7} and {3,4,5,6}
    by_server = {}
    for r, s in ranks:
        by_server.setdefault(s, []).append(r)
    if nservers > 1 and not dups:
        for s, rs in by_server.items():
            rs = sorted(rs)
            if rs and rs[-1] - rs[0] + 1 != len(rs):
                err("server_list[{}] holds rank ids {}: the rank ids of one server must be consecutive "
                    "(no interleaving across servers)".format(s, _ranges(rs)))


def _ranges(nums):
    parts, start, prev = [], None, None
    for n in nums:
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            parts.append(str(start) if start == prev else "{}-{}".format(start, prev))
            start = prev = n
    if start is not None:
        parts.append(str(start) if start == prev else "{}-{}".format(start, prev))
    return ",".join(parts)


def _summarize_v2(doc, out, err, warn):
    ranks = doc.get("rank_list")
    if not isinstance(ranks, list) or not ranks:
        err("'rank_list' is missing or empty (version 2.0)")
        return out
    count = _as_int(doc.get("rank_count"))
    if count is None:
        err("rank_count {!r} is missing or not a number".format(doc.get("rank_count")))
    elif count != len(ranks):
        err("rank_count is {} but rank_list has {} rank(s)".format(count, len(ranks)))
    pairs = []
    for i, r in enumerate(ranks):
        rid = _as_int(r.get("rank_id")) if isinstance(r, dict) else None
        if rid is None:
            err("rank_list[{}] has no numeric rank_id".format(i))
        else:
            pairs.append((rid, 0))
    _check_ranks(pairs, 1, err, warn)
    out["rank_count"] = len(pairs)
    return out


def device_ips_of(summary):
    """{device_ip: (server_id, device_id)} over a summarized rank table."""
    out = {}
    for srv in summary.get("servers") or []:
        for d in srv["devices"]:
            if d.get("device_ip"):
                out[d["device_ip"]] = (srv.get("server_id"), d.get("device_id"))
    return out
