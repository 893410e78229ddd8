"""Mask secrets before anything leaves ascendfix: one set of rules for ``check`` (environment values in the
findings and in the node section of ``check --json/--out``), ``compare`` (node reports are re-redacted on
read: never trust the input) and ``report`` (the shareable page).

* a **name** that looks like a secret — it contains TOKEN, SECRET, PASSW(OR)D, PASSPHRASE, API_KEY,
  ACCESS_KEY, PRIVATE, CREDENTIAL, AUTH, COOKIE, or ends in _KEY / _KEY_ID (``HF_TOKEN``, ``OSS_ACCESS_KEY_ID``,
  ``DB_PASSWORD``, ``SSH_KEY``) — keeps its name and its value becomes ``***``. Words that only look like one
  are not secrets: TOKENIZER(S) and AUTHOR(S) (``TOKENIZERS_PARALLELISM``, ``tokenizer_2``, ``author``);
* in any **value or text** (logs, tracebacks, messages, every other environment value):
  ``NAME=value`` / ``export NAME=value`` / ``NAME: value`` with such a NAME (upper-case, environment-style
  names for the ``:`` form), the same NAME in quotes as a dict, JSON or ``os.environ["NAME"] = ...`` prints it, ``Authorization: Bearer|Basic|Token ...`` headers, and the user information
  of URLs (``https://user:password@host`` and ``https://token@host`` both become ``https://***@host``);
* with ``home=`` (the report verb, whose page is posted publicly): the user's home folder becomes ``~``.

    from ascendfix.redact import redact, redact_text, redact_value
    redact_value("HF_TOKEN", "hf_abc")                        # '***'
    redact_value("HTTPS_PROXY", "http://me:pw@proxy:3128")    # 'http://***@proxy:3128'
    redact(doc, home=user_home())                             # a JSON-like document, deep copy
"""

import os
import re

MASK = "***"

_SECRET = re.compile(r"TOKEN|SECRET|PASSW|PASSPHRASE|API_?KEY|ACCESS_?KEY|PRIVATE|CREDENTIAL|AUTH|COOKIE"
                     r"|(?:^|_)KEY(?:_?ID)?$", re.I)
# words that contain a secret word without being one; removed from the name before the test above
_NOT_SECRET = re.compile(r"TOKENI[SZ]ERS?|AUTHOR(?:S|ED)?(?![A-Za-z])|KEYBOARD", re.I)

_ASSIGN = re.compile(r"(?<![\w.-])([A-Za-z_][A-Za-z0-9_]*)(\s*=\s*)(\"[^\"\n]*\"|'[^'\n]*'|[^\s\"',;]+)")
_COLON = re.compile(r"(?<![\w.-])([A-Z_][A-Z0-9_]*)(:[ \t]*)(\"[^\"\n]*\"|'[^'\n]*'|[^\s\"',;]+)")
# a name in quotes, as a Python dict, JSON or os.environ["NAME"] print it: 'HF_TOKEN': 'hf_...' / "HF_TOKEN": "..."
_QUOTED = re.compile(r"""(["'])([A-Za-z_][A-Za-z0-9_]*)\1(\]?\s*[:=]\s*)("[^"\n]*"|'[^'\n]*'|[^\s"',;})\]]+)""")
_AUTH_HEADER = re.compile(r"(?i)(\bauthorization\s*[:=]\s*(?:(?:bearer|basic|token|digest)\s+)?)([^\s'\",;]+)")
_URL_USERINFO = re.compile(r"([a-z][a-z0-9+.-]*://)[^/\s@'\"<>]+@(?=[^\s@/]*[\w\]])", re.I)


def is_secret_name(name):
    """True when an environment variable / mapping key named ``name`` holds a secret."""
    if not name:
        return False
    return bool(_SECRET.search(_NOT_SECRET.sub("_", str(name))))


def user_home():
    """The home folder of the user running ascendfix (None when it is ``/`` or unknown)."""
    h = os.path.expanduser("~")
    return h if h and h not in ("/", "~") else None


def redact_text(text, home=None):
    """``text`` with secrets masked; ``home`` (a folder) is shown as ``~`` when given."""
    if not text or not isinstance(text, str):
        return text

    def assign(m):
        return m.group(1) + m.group(2) + MASK if is_secret_name(m.group(1)) else m.group(0)

    def quoted(m):
        if not is_secret_name(m.group(2)):
            return m.group(0)
        value = m.group(4)
        q = value[0] if value[0] in "'\"" else ""
        return m.group(1) + m.group(2) + m.group(1) + m.group(3) + q + MASK + q

    if "uthorization" in text or "UTHORIZATION" in text:  # before NAME=value: keeps "Basic"/"Bearer" readable
        text = _AUTH_HEADER.sub(lambda m: m.group(1) + MASK, text)
    if "'" in text or '"' in text:
        text = _QUOTED.sub(quoted, text)
    if "=" in text:
        text = _ASSIGN.sub(assign, text)
    if ":" in text:
        text = _COLON.sub(assign, text)
    if "@" in text:
        text = _URL_USERINFO.sub(lambda m: m.group(1) + MASK + "@", text)
    if home and len(home.rstrip("/")) > 1:
        text = re.sub(re.escape(home.rstrip("/")) + r"(?=/|\b|$)", "~", text)
    return text


def redact_value(name, value, home=None):
    """One environment value (or mapping entry): ``***`` when ``name`` looks like a secret, else the value
    with the secrets inside it masked (URL credentials, ``NAME=value`` pairs). None and non-strings stay."""
    if value is None:
        return None
    if is_secret_name(name) and isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return MASK
    return redact_text(value, home) if isinstance(value, str) else value


def redact(obj, home=None, _key=None):
    """A copy of ``obj`` (JSON-like: dicts, lists, strings, numbers) with secrets masked; inline images
    (``data:image/...``) are left whole."""
    if isinstance(obj, dict):
        return {k: (MASK if isinstance(k, str) and is_secret_name(k) and isinstance(v, (str, int, float))
                    and not isinstance(v, bool) else redact(v, home, k))
                for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [redact(v, home) for v in obj]
    if isinstance(obj, str):
        if obj.startswith("data:image/"):
            return obj
        return redact_text(obj, home)
    return obj
