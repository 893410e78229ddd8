"""The check engine: a registry of small checks, an injectable context, and a crash-proof runner.

Every check has a stable id, a category and a title, and returns findings (dicts):
``{id, category, status, title, detail, evidence, expected, fix}`` with status one of
ok / warn / error / skip / crashed (``info`` findings are "ok" with details shown only with -v).

All filesystem access goes through :class:`Context` (``root`` maps ``/usr/local/Ascend`` to
``<root>/usr/local/Ascend``), and every external command goes through :meth:`Context.command`,
which replays recorded output when given (tests, ``--command-output``) and otherwise runs the
real command with a timeout (only when the root is the real ``/``).
"""

import os
import subprocess
import time
from pathlib import Path

from ascendfix import stacks

# secrets in environment values: one set of rules in ascendfix/redact.py, shared with compare and report
from ascendfix.redact import is_secret_name  # noqa: F401 - re-exported for checks_*.py
from ascendfix.redact import redact as redact_doc
from ascendfix.redact import redact_text
from ascendfix.redact import redact_value as redact  # noqa: F401

STATUSES = ("ok", "warn", "error", "skip", "crashed")
_RANK = {"skip": 0, "ok": 1, "warn": 2, "crashed": 3, "error": 4}

# Category display order (flutter-doctor style: one line per category).
CATEGORIES = [
    ("npu", "NPU devices"),
    ("driver", "Driver and firmware"),
    ("cann", "CANN toolkit"),
    ("python", "Python"),
    ("packages", "Python packages"),
    ("pairing", "Version pairing"),
    ("env", "Environment variables"),
    ("weights", "Weights"),
    ("system", "System resources"),
    ("script", "Script lint"),
    ("deep", "Behavioural probes (--deep)"),
]
CATEGORY_TITLES = dict(CATEGORIES)
# ids that were renamed: the old id still selects the check (--only) and is documented in --list-checks
ALIASES = {"sys.permissions": "npu.permissions"}


def add_category(cid, title, after=None):
    """Register a new category (a new ``checks_<cid>.py`` calls this at import), placed after ``after``."""
    if cid in CATEGORY_TITLES:
        return
    pos = len(CATEGORIES)
    if after is not None:
        pos = [c for c, _ in CATEGORIES].index(after) + 1
    CATEGORIES.insert(pos, (cid, title))
    CATEGORY_TITLES[cid] = title


class Check:
    def __init__(self, fn, id, category, title, family=None, uses=None, top=None, deep=False, slow=False, needs=None):
        self.fn = fn
        self.id = id
        self.category = category
        self.title = title
        # which stacks it runs for, from what they declare in rules/stacks.yaml (None: no condition): their
        # framework family, a distribution they install (any of ``uses``), whether they name a top package
        self.family = (family,) if isinstance(family, str) else (tuple(family) if family else None)
        self.uses = (uses,) if isinstance(uses, str) else (tuple(uses) if uses else None)
        self.top = top
        self.deep = deep
        self.slow = slow
        self.needs = needs  # name of a Context attribute that must be set (e.g. "script")
        self.doc = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else title

    @property
    def scope(self):
        """The stack condition as data ({"family": [...], "uses": [...], "top": bool}), or None."""
        out = {}
        if self.family:
            out["family"] = list(self.family)
        if self.uses:
            out["uses"] = list(self.uses)
        if self.top is not None:
            out["top"] = bool(self.top)
        return out or None

    def runs_for(self, stack_id):
        return stacks.applies(stack_id, family=self.family, uses=self.uses, top=self.top)

    @property
    def stacks(self):
        """The ids of the stacks in rules/stacks.yaml it runs for (None: every stack)."""
        if self.scope is None:
            return None
        return tuple(s for s in stacks.ids() if self.runs_for(s))


REGISTRY = []


def check(id, category, title, family=None, uses=None, top=None, deep=False, slow=False, needs=None):
    """Decorator registering a check function ``fn(ctx) -> finding | [finding] | None``.

    ``family`` / ``uses`` / ``top`` scope it by what a stack declares in rules/stacks.yaml (its framework family,
    a distribution it installs, whether it names a top package); a check never names a stack id.
    """

    def deco(fn):
        if any(c.id == id for c in REGISTRY):
            raise ValueError("duplicate check id " + id)
        if category not in CATEGORY_TITLES:
            raise ValueError("unknown category " + category)
        REGISTRY.append(Check(fn, id, category, title, family, uses, top, deep, slow, needs))
        return fn

    return deco


def finding(status, detail, evidence=None, expected=None, fix=None, id=None, title=None, links=None):
    """A finding produced by a check (id/category/title default to the check's)."""
    if status not in STATUSES:
        raise ValueError("bad status " + repr(status))
    f = {"status": status, "detail": detail, "evidence": evidence or [], "expected": expected, "fix": fix or []}
    if isinstance(f["fix"], str):
        f["fix"] = [f["fix"]]
    if isinstance(f["evidence"], (str, dict)):
        f["evidence"] = [f["evidence"]]
    if id:
        f["id"] = id
    if title:
        f["title"] = title
    if links:
        f["links"] = list(links)
    return f


def ev(source, value):
    """One piece of evidence: where it was read (file, command, env var) and the value read ("not set" for nothing)."""
    return {"source": str(source), "value": "not set" if value is None else value}


class Context:
    """Everything a check may look at; all of it injectable for tests.

    - ``root``: filesystem root ("/" normally; a fake tree in tests).
    - ``env``: environment variables (defaults to ``os.environ``).
    - ``commands``: recorded command output {name: text} (e.g. ``{"npu-smi info": "..."}``); a
      name mapped to ``None`` means "command not found".
    - ``environment``: a pre-probed Python environment dict (else ``target`` probes ``python``).
    """

    def __init__(self, root=None, env=None, commands=None, python=None, stack=None, weights=None, deep=False,
                 script=None, mindone=None, environment=None, timeout=20, deep_timeout=300, run_commands=None,
                 wants=(), own_env=False, python_how=None):
        self.root = Path(root) if root else Path("/")
        self.real_root = str(self.root.resolve()) == "/"
        self.env = dict(os.environ) if env is None else dict(env)
        self.commands = dict(commands or {})
        self.python = python
        self._stack = stack
        self.stack_source = "--stack" if stack else None
        self.weights = weights
        self.deep = deep
        self.script = script
        self.mindone = mindone
        self._environment = environment
        self.timeout = timeout
        self.deep_timeout = deep_timeout
        # real commands only on the real root unless told otherwise
        self.run_commands = self.real_root if run_commands is None else run_commands
        self.wants = list(wants or ())  # parsed --want requirements (packaging Requirement)
        self.own_env = bool(own_env)  # the target is ascendfix's own environment: plans use a new one
        self.python_how = python_how  # how the target interpreter was chosen (for the report header)
        self._cache = {}

    # -- filesystem through the root -------------------------------------------------------
    def path(self, p):
        p = str(p)
        if not os.path.isabs(p):
            return Path(p)
        if self.real_root:
            return Path(p)
        return self.root / p.lstrip("/")

    def display(self, p):
        """The path as the user knows it (without the fake root)."""
        return str(p)

    def read_text(self, p, limit=1 << 20):
        try:
            with open(str(self.path(p)), "r", encoding="utf-8", errors="replace") as fh:
                return fh.read(limit)
        except (OSError, ValueError):
            return None

    def exists(self, p):
        return self.path(p).exists()

    def is_dir(self, p):
        return self.path(p).is_dir()

    def listdir(self, p):
        try:
            return sorted(os.listdir(str(self.path(p))))
        except OSError:
            return []

    def realpath(self, p):
        """Resolve symlinks inside the root; returns the path as the user knows it."""
        q = self.path(p)
        try:
            r = q.resolve()
        except OSError:
            return str(p)
        if self.real_root:
            return str(r)
        try:
            return "/" + str(r.relative_to(self.root.resolve()))
        except ValueError:
            return str(r)

    def real_view(self):
        """A view of this context on the real filesystem (for user-given paths such as --weights)."""
        import copy

        view = copy.copy(self)
        view.root = Path("/")
        view.real_root = True
        return view

    # -- commands ----------------------------------------------------------------------------
    def command(self, name, argv=None, timeout=None):
        """(returncode, output) of a command, or None when it is not available.

        Recorded output wins; then the real command (real root only); else None.
        """
        if name in self.commands:
            out = self.commands[name]
            if out is None:
                return None
            if isinstance(out, tuple):
                return out
            return (0, out)
        if not self.run_commands:
            return None
        argv = argv or name.split()
        import shutil

        exe = shutil.which(argv[0], path=self.env.get("PATH", os.defpath) + os.pathsep + "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        if not exe:
            return None
        try:
            r = subprocess.run([exe] + argv[1:], capture_output=True, text=True, timeout=timeout or self.timeout)
        except subprocess.TimeoutExpired:
            return (124, "timed out after {} s".format(timeout or self.timeout))
        except OSError as e:
            return (126, str(e))
        return (r.returncode, (r.stdout or "") + (r.stderr or ""))

    # -- cached facts ------------------------------------------------------------------------
    def cached(self, key, fn):
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    def prefetch(self):
        """Start probing the target interpreter in the background (it is a subprocess for --python)."""
        import threading

        if self._environment is not None or getattr(self, "_prefetch", None):
            return

        def work():
            try:
                from ascendfix import target

                self._prefetched = ("ok", target.get(self.python).environment())
            except BaseException as e:  # re-raised in the main thread by .environment
                self._prefetched = ("error", e)

        self._prefetched = None
        self._prefetch = threading.Thread(target=work, daemon=True)
        self._prefetch.start()

    @property
    def environment(self):
        """The probed Python environment (``Target.environment()`` dict)."""
        if self._environment is None:
            t = getattr(self, "_prefetch", None)
            if t is not None:
                t.join()
                self._prefetch = None
                kind, val = self._prefetched
                if kind == "error":
                    raise val
                self._environment = val
            else:
                from ascendfix import target

                self._environment = target.get(self.python).environment()
        return self._environment

    def dist(self, name):
        from ascendfix.target import canonical_name as canonical

        return self.environment.get("distributions", {}).get(canonical(name))

    def version(self, name):
        d = self.dist(name)
        return d["version"] if d else None

    @property
    def py_version(self):
        vi = self.environment.get("python", {}).get("version_info") or [0, 0, 0]
        return tuple(int(x) for x in vi[:3])

    @property
    def stack(self):
        if self._stack is None:
            self._stack, self.stack_source = detect_stack(self)
        return self._stack


def detect_stack(ctx):
    """Guess the stack from what is installed: (stack, reason); the rules are in rules/stacks.yaml."""
    return stacks.detect(lambda n: ctx.dist(n) is not None, ctx.is_dir)


def applicable(chk, ctx):
    if chk.deep and not ctx.deep:
        return False
    if chk.needs and not getattr(ctx, chk.needs, None):
        return False
    if chk.scope and not chk.runs_for(ctx.stack):
        return False
    return True


def select(only=None):
    """Checks to run, in registry order, slow ones last; ``only`` is a list of ids or id prefixes."""
    from ascendfix.errors import AscendfixError

    checks = list(REGISTRY)
    if only:
        chosen = []
        for want in only:
            want = ALIASES.get(want, want)
            hit = [c for c in checks if c.id == want or c.id.startswith(want.rstrip(".") + ".") or c.category == want]
            if not hit:
                raise AscendfixError("--only {}: no such check (see --list-checks)".format(want))
            for c in hit:
                if c not in chosen:
                    chosen.append(c)
        checks = [c for c in checks if c in chosen]
    return [c for c in checks if not c.slow] + [c for c in checks if c.slow]


def ordered(findings):
    """Findings in report order: by category (CATEGORIES order), then in the order they ran."""
    pos = {c: i for i, (c, _) in enumerate(CATEGORIES)}
    return [f for _, _, f in sorted((pos.get(f["category"], 99), i, f) for i, f in enumerate(findings))]


def run(ctx, only=None, progress=None):
    """Run the selected checks; a crashing check becomes a ``crashed`` finding, the others still run."""
    from ascendfix.errors import AscendfixError

    findings = []
    explicit = bool(only)
    checks = select(only)
    for chk in checks:
        if not applicable(chk, ctx):
            if explicit:
                why = "needs --deep" if (chk.deep and not ctx.deep) else (
                    "needs --{}".format(chk.needs) if chk.needs and not getattr(ctx, chk.needs, None)
                    else "not used by the {} stack".format(ctx.stack))
                findings.append(_complete(finding("skip", "{}: skipped ({})".format(chk.title, why)), chk, 0.0))
            if progress:
                progress()
            continue
        t0 = time.monotonic()
        try:
            out = chk.fn(ctx)
            if out is None:
                out = []
            elif isinstance(out, dict):
                out = [out]
            for f in out:
                findings.append(_complete(f, chk, time.monotonic() - t0))
        except AscendfixError:  # bad user input (e.g. --script is not Python): exit 2, not "crashed"
            raise
        except Exception as e:  # a bug in one check must not hide the others
            detail = "the check itself failed: {}: {}".format(type(e).__name__, e)
            if os.environ.get("ASCENDFIX_DEBUG"):
                import traceback

                traceback.print_exc()
            findings.append(_complete(finding("crashed", detail, fix=[
                "please report this (ASCENDFIX_DEBUG=1 shows the traceback); the other checks still ran"]),
                chk, time.monotonic() - t0))
        if progress:
            progress()
    return ordered(findings)


def _complete(f, chk, elapsed):
    # every finding passes through the shared redaction: a value quoted in a detail, an evidence line or a fix
    # (an env value holding https://user:password@..., a NAME=secret pair) never leaves check unmasked
    out = {
        "id": f.get("id") or chk.id,
        "check": chk.id,
        "category": chk.category,
        "status": f["status"],
        "title": f.get("title") or chk.title,
        "detail": redact_text(f.get("detail") or ""),
        "evidence": redact_doc(f.get("evidence") or []),
        "expected": f.get("expected"),
        "fix": [redact_text(x) for x in f.get("fix") or []],
    }
    if f.get("links"):
        out["links"] = f["links"]
    return out


def summarize(findings, strict=False):
    counts = {s: 0 for s in STATUSES}
    cats = {}
    for f in findings:
        counts[f["status"]] = counts.get(f["status"], 0) + 1
        c = cats.setdefault(f["category"], "skip")
        if _RANK[f["status"]] > _RANK[c]:
            cats[f["category"]] = f["status"]
    failing = counts["error"] + counts["crashed"] + (counts["warn"] if strict else 0)
    return {
        "counts": counts,
        "categories": cats,
        "categories_with_issues": sorted(k for k, v in cats.items() if v in ("warn", "error", "crashed")),
        "strict": bool(strict),
        "ok": failing == 0,
    }


def worst(statuses):
    best = "skip"
    for s in statuses:
        if _RANK[s] > _RANK[best]:
            best = s
    return best
