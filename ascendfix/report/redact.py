"""Mask secrets in a document before it is shared, the way ``ascendfix check`` masks environment values.

* a mapping key that looks like a secret (``check``'s rule: TOKEN, SECRET, PASSW(OR)D, API_KEY, ACCESS_KEY,
  PRIVATE, CREDENTIAL, AUTH, ``*_KEY``) keeps its key, its value becomes ``***``;
* in text (logs, tracebacks, messages): ``NAME=value`` / ``export NAME=value`` / ``NAME: value`` with such a
  NAME (upper-case environment-style names for the ``:`` form), ``Authorization: Bearer ...`` headers, and
  the password of ``scheme://user:password@host`` URLs;
* the home folder of the user running ascendfix becomes ``~``.
"""

import os
import re

MASK = "***"


# names check's rule would catch that are not secrets (tokenizer folders and kwargs, authors)
_NOT_SECRET = re.compile(r"^(tokeniz|author)", re.I)


def _is_secret_name(name):
    from ascendfix.check.engine import is_secret_name

    return is_secret_name(name) and not _NOT_SECRET.match(name)


_ASSIGN = re.compile(r"(?<![\w.-])([A-Za-z_][A-Za-z0-9_]*)(\s*=\s*)(\"[^\"\n]*\"|'[^'\n]*'|[^\s\"',;]+)")
_COLON = re.compile(r"(?<![\w.-])([A-Z_][A-Z0-9_]*)(:[ \t]*)(\"[^\"\n]*\"|'[^'\n]*'|[^\s\"',;]+)")
_BEARER = re.compile(r"(?i)(authorization\s*[:=]\s*(?:bearer|basic|token)\s+)([^\s'\"]+)")
_URL_PASS = re.compile(r"([a-z][a-z0-9+.-]*://[^/\s:@]+:)([^/\s@]+)(@)", re.I)


def redact_text(text, home=None):
    if not text:
        return text

    def assign(m):
        return m.group(1) + m.group(2) + MASK if _is_secret_name(m.group(1)) else m.group(0)

    text = _ASSIGN.sub(assign, text)
    text = _COLON.sub(assign, text)
    text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
    text = _URL_PASS.sub(lambda m: m.group(1) + MASK + m.group(3), text)
    home = _home() if home is None else home
    if home and len(home) > 1:
        text = re.sub(re.escape(home.rstrip("/")) + r"(?=/|\b|$)", "~", text)
    return text


def _home():
    h = os.path.expanduser("~")
    return h if h and h != "/" else None


def redact(obj, home=None, _key=None):
    """A copy of ``obj`` (JSON-like: dicts, lists, strings, numbers) with secrets masked."""
    home = _home() if home is None else home
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if isinstance(k, str) and _is_secret_name(k) and isinstance(v, (str, int, float)) and not isinstance(v, bool):
                out[k] = MASK
            else:
                out[k] = redact(v, home, k)
        return out
    if isinstance(obj, list):
        return [redact(v, home) for v in obj]
    if isinstance(obj, str):
        if obj.startswith("data:image/"):
            return obj
        return redact_text(obj, home)
    return obj
