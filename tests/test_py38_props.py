"""py38-stdlib rewrites are exact: every rewritten site, run by a REAL Python 3.8, gives what the
original gives on this (3.9+) Python, over generated strings (hypothesis).

Sites: every str.removeprefix/removesuffix and hashlib usedforsecurity rewrite the rule makes in the
real mindone 0.5.0 and 0.4.0 sources, plus those of the rule's YAML examples.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import mindone_tree, python38  # noqa: E402

from ascendfix.apply.base import Context  # noqa: E402
from ascendfix.apply.engine import apply_to_text, load_rules  # noqa: E402

WORKER = r"""
import hashlib, json, sys
for line in sys.stdin:
    req = json.loads(line)
    env = {}
    for k, v in req["env"].items():
        env[k] = type(v["class"], (), {})() if isinstance(v, dict) else v
    env.update(hashlib=hashlib, sys=sys)
    try:
        out = {"ok": eval(req["expr"], {}, env)}
    except Exception as e:
        out = {"error": type(e).__name__ + ": " + str(e)}
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
"""


class Py38:
    def __init__(self):
        self.proc = subprocess.Popen([python38(), "-c", WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1)

    def eval(self, expr, env):
        self.proc.stdin.write(json.dumps({"expr": expr, "env": env}) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def py38():
    w = Py38()
    yield w
    w.close()


def _sites_from_text(text, relpath):
    _, findings = apply_to_text("py38-stdlib", text, relpath, None, Context(root=Path(".")))
    return [(relpath, f.line, f.data["api"], f.data["before"], f.data["after"], f.data.get("bound"), f.data.get("bound_to"))
            for f in findings if f.kind == "change" and "before" in f.data and f.data["api"] != "functools.cache"]


def collect_sites():
    sites = []
    rule = load_rules(["py38-stdlib"])[0]
    for ex in rule.examples:
        sites += _sites_from_text(ex["before"], ex.get("path", "example.py"))
    for version in ("0.5.0", "0.4.0"):
        root = mindone_tree(version)
        for p in sorted(root.rglob("*.py")):
            text = p.read_text(encoding="utf-8")
            if "removeprefix" in text or "removesuffix" in text or "usedforsecurity" in text:
                sites += _sites_from_text(text, "{}:{}".format(version, p.relative_to(root).as_posix()))
    return sites


@pytest.fixture(scope="module")
def sites():
    return collect_sites()


@pytest.mark.full
def test_the_real_sites_are_collected(sites):
    real = [s for s in sites if s[0].startswith("0.5.0:")]
    # 28 removeprefix/removesuffix (7 on call receivers, bound to a name first) + 1 hashlib
    assert len(real) == 29 and len([s for s in real if s[5]]) == 7
    assert any("modeling_utils.py" in s[0] and "FSDP" in s[3] for s in real)
    assert len([s for s in sites if s[0].startswith("0.4.0:")]) == 24


def _free_names(expr):
    return sorted({n.id for n in ast.walk(ast.parse(expr, mode="eval")) if isinstance(n, ast.Name)} - {"hashlib",
                                                                                                      "sys", "len"})


TEXT = st.text(alphabet=st.sampled_from(list("ab.x_-é中")), max_size=8)


@pytest.mark.full
@pytest.mark.skipif(sys.version_info < (3, 9), reason="the original side (str.removeprefix) needs Python 3.9+")
def test_every_rewritten_site_is_exact_on_python38(py38, sites):
    for site in sites:
        check_site(py38, site)


def check_site(py38, site):
    @settings(max_examples=60, deadline=None, database=None)
    @given(data=st.data())
    def prop(data):
        _check(py38, site, data)

    try:
        prop()
    except AssertionError as e:
        raise AssertionError("{}:{}: {}".format(site[0], site[1], e)) from None


def _check(py38, site, data):
    _, _, api, before, after, bound, bound_to = site
    if api.startswith("hashlib"):
        before, after = "({}).hexdigest()".format(before), "({}).hexdigest()".format(after)
    tree = ast.parse(before, mode="eval").body
    names = _free_names(before)
    env = {}
    receiver = None
    if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Attribute) and api.startswith("str."):
        recv = tree.func.value
        while isinstance(recv, ast.Attribute):
            recv = recv.value
        receiver = recv.id if isinstance(recv, ast.Name) else None
    for n in names:
        if n != receiver:
            env[n] = data.draw(TEXT, label=n)
    if receiver is not None:
        # the affix as the original computes it, so the receiver often starts/ends with it
        affix = eval(compile(ast.Expression(tree.args[0]), "<affix>", "eval"), {}, dict(env))
        value = data.draw(st.one_of(TEXT, TEXT.map(lambda t: affix + t), TEXT.map(lambda t: t + affix),
                                    st.just(affix)), label=receiver)
        if ".__class__." in before:
            env[receiver] = {"class": value or "C"}
        else:
            env[receiver] = value
    local = {k: (type(v["class"], (), {})() if isinstance(v, dict) else v) for k, v in env.items()}
    import hashlib

    local.update(hashlib=hashlib, sys=sys)
    try:
        expected = {"ok": eval(before, {}, local)}
    except Exception as e:  # the original fails for this input (`key.split(".")[1]` of ""): so must the rewrite
        expected = {"error": type(e).__name__}
    if bound:  # the statement inserted before: `<bound> = <bound_to>`, then the rewritten expression
        try:
            env = dict(env, **{bound: eval(bound_to, {}, dict(local))})
        except Exception as e:
            assert expected == {"error": type(e).__name__}, (before, bound_to, env)
            return
    got = py38.eval(after, env)
    if "error" in got:
        got = {"error": got["error"].split(":")[0]}
    assert got == expected, (before, after, env)


@pytest.mark.full
@pytest.mark.py38
def test_functools_cache_rewrite_caches_on_python38(tmp_path):
    rule = load_rules(["py38-stdlib"])[0]
    ex = [e for e in rule.examples if e["name"] == "functools-cache-both-import-styles"][0]
    new, _ = apply_to_text("py38-stdlib", ex["before"], "example.py", None, Context(root=Path(".")))
    mod = tmp_path / "m.py"
    mod.write_text(new + "assert table() is table()\nassert other.cache_info().maxsize is None\nprint('ok')\n")
    r = subprocess.run([python38(), str(mod)], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr
    # and the original really does not run there
    orig = tmp_path / "o.py"
    orig.write_text(ex["before"])
    r = subprocess.run([python38(), str(orig)], capture_output=True, text=True)
    assert r.returncode != 0 and "cannot import name 'cache'" in r.stderr
