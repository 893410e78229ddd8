"""Focused checks of the py38 codemods and of the 3.8 oracle itself (the YAML examples cover the rest).

- bytes: CRLF, BOM and a latin-1 coding cookie survive both the future-import path and the
  typing-form (text edit + re-parse) path;
- syntax newer than 3.8 is reported, not rewritten (needs a 3.10+ interpreter to parse it at all);
- the oracle, run by a real python3.8, flags exactly what 3.8 evaluates and nothing it does not.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import python38  # noqa: E402

from ascendfix.apply.base import Context  # noqa: E402
from ascendfix.apply.engine import apply_to_text, load_rules, process_source  # noqa: E402

ORACLE = str(Path(__file__).resolve().parent / "py38_oracle.py")


def run_bytes(rule_id, data, relpath="m.py"):
    rule = load_rules([rule_id])[0]
    mod = rule.make(Context(root=Path(".")))
    return process_source([(rule.id, mod)], data, relpath)


def test_crlf_kept_on_the_typing_form_path():
    src = (b"from dataclasses import dataclass\r\n\r\n\r\n@dataclass\r\nclass Out:\r\n"
           b"    ids: list[int] | None = None  # comment\r\n")
    res = run_bytes("py38-annotations", src)
    assert res.new == (b"from typing import Optional, List\r\n\r\nfrom dataclasses import dataclass\r\n\r\n\r\n"
                       b"@dataclass\r\nclass Out:\r\n    ids: Optional[List[int]] = None  # comment\r\n")


def test_bom_and_latin1_cookie_kept_on_the_future_import_path():
    src = b"\xef\xbb\xbf\"\"\"Doc.\"\"\"\n\n\ndef f(x: dict[str, int]) -> None:\n    pass\n"
    res = run_bytes("py38-annotations", src)
    assert res.new.startswith(b"\xef\xbb\xbf\"\"\"Doc.\"\"\"\n\nfrom __future__ import annotations\n")
    latin = "# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\n\n\ndef f(x: tuple[int, ...]):\n    return NAME\n"
    res = run_bytes("py38-annotations", latin.encode("latin-1"))
    assert res.new == ("# -*- coding: latin-1 -*-\nfrom __future__ import annotations\n\nNAME = 'caf\xe9'\n\n\n"
                       "def f(x: tuple[int, ...]):\n    return NAME\n").encode("latin-1")


def test_stdlib_rewrite_keeps_crlf_and_adds_sys():
    src = b"import hashlib\r\n\r\nH = hashlib.sha256(b'x', usedforsecurity=False).hexdigest()\r\n"
    res = run_bytes("py38-stdlib", src)
    assert res.new == (b"import sys\r\n\r\nimport hashlib\r\n\r\nH = (hashlib.sha256(b'x', usedforsecurity=False) if "
                       b"sys.version_info >= (3, 9) else hashlib.sha256(b'x')).hexdigest()\r\n")


@pytest.mark.skipif(sys.version_info < (3, 10), reason="this interpreter cannot parse 3.10 syntax")
def test_new_syntax_is_reported_not_rewritten():
    src = (
        "def f(command, a, b, buttons):\n"
        "    with (open(a) as fa, open(b) as fb):\n"
        "        pass\n"
        "    match command:\n"
        "        case 'go':\n"
        "            pass\n"
        "    with (open(a)):\n"
        "        pass\n"
        "\n"
        "\n"
        "@buttons[0].clicked.connect\n"
        "def on_click():\n"
        "    pass\n"
    )
    new, findings = apply_to_text("py38-stdlib", src, "m.py", None, Context(root=Path(".")))
    assert new is None
    got = sorted((f.line, f.data["api"]) for f in findings)
    assert got == [(2, "parenthesized context managers"), (4, "match statement"),
                   (11, "decorator expression (PEP 614)")]


@pytest.mark.full
@pytest.mark.py38
def test_oracle_on_a_synthetic_tree(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text(
        "from typing import TYPE_CHECKING, Optional, cast\n"
        "import collections.abc\n"
        "import numpy as np\n"
        "\n"
        "Alias = list[int]\n"  # 5: alias, import time
        "Ok = Optional[np.ndarray]\n"
        "if TYPE_CHECKING:\n"
        "    Hidden = dict[str, int]\n"  # 8: never runs
        "\n"
        "\n"
        "def f(x: collections.abc.Sequence[int], y: np.ndarray | None = None) -> int:\n"  # 11: two
        "    local: list[int] = []\n"  # never evaluated
        "    return cast(tuple[int], x)\n"  # 13: call time
        "\n"
        "\n"
        "class C:\n"
        "    field: set[str]\n"  # 17
        "    def g(self, type: str, flags: int):\n"
        "        return type[0], flags | 1\n"  # shadowed / not typing
    )
    (tmp_path / "pkg" / "b.py").write_text("from __future__ import annotations\n\ndef f(x: list[int] | None): pass\n")
    r = subprocess.run([python38(), ORACLE, str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    got = sorted((x["line"], x["kind"], x["when"]) for x in out["failures"]["pkg/a.py"])
    assert got == [(5, "alias", "import"), (11, "annotation", "import"), (11, "annotation", "import"),
                   (13, "cast", "call"), (17, "annotation", "import")]
    assert [x["line"] for x in out["type_checking_failures"]["pkg/a.py"]] == [8]
    assert "pkg/b.py" not in out["failures"]
    assert out["other_errors"] == {} and out["syntax_errors"] == {}
