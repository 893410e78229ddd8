"""ascendfix.importcheck: do a tree's ``from transformers... import X`` names exist in the installed transformers?

- Unit tests of every resolution pattern on a small hand-made package (synthetic on purpose: they test the
  resolver, not real logs) and of the scanner (guards, strings, continuation lines, CRLF, BOM...).
- A property test: the fast scanner (statement-level parses) finds exactly what a full ``ast`` parse finds.
- Slow tests on REAL inputs: the mindone 0.5.0 sources against the real transformers 4.39.3 / 4.46.3 / 4.57.1
  wheels (the numbers measured when the resolver was built, and the exact lists in
  tests/data/importcheck/), validated by really importing every pair in venvs with those transformers;
  the fast paths (scanner, module skeletons) compared with full parses on the real trees and wheels;
  locating a package in another interpreter (incl. a real CPython 3.8) without importing it.
"""

import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import examples

from ascendfix import importcheck as ic
from ascendfix.errors import AscendfixError

DATA = Path(__file__).parent / "data" / "importcheck"
TF_VERSIONS = ["4.39.3", "4.46.3", "4.57.1"]


def write(root, files):
    for rel, text in files.items():
        p = Path(root) / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return Path(root)


# ------------------------------------------------------------------------------------------
# a hand-made package exercising each resolution pattern

FAKEPKG = {
    # old transformers style: a lazy __init__ driven by an _import_structure dict
    "fakepkg/__init__.py": '''
        from pathlib import Path
        from typing import TYPE_CHECKING

        from .utils import OptionalDependencyNotAvailable, _LazyModule, define_import_structure, is_torch_available

        __version__ = "1.2.3"

        _import_structure = {
            "configuration_utils": ["PretrainedConfig"],
            "models": [],
            "models.alpha": ["AlphaConfig"],
            "utils": ["logging"],
        }
        _import_structure["models.alpha"].append("AlphaTokenizer")
        _import_structure["models.alpha"].extend(["AlphaProcessor", "AlphaFeatureExtractor"])
        _import_structure.update({"extra": ["ExtraThing"], "more": ("MoreThing",)})
        _import_structure["added"] = ["AddedThing"] + ["AddedToo"]

        try:
            if not is_torch_available():
                raise OptionalDependencyNotAvailable()
        except OptionalDependencyNotAvailable:
            from .utils import dummy_pt_objects

            _import_structure["utils.dummy_pt_objects"] = [
                name for name in dir(dummy_pt_objects) if not name.startswith("_")
            ]
        else:
            _import_structure["modeling_utils"] = ["PreTrainedModel"]

        if TYPE_CHECKING:
            from .configuration_utils import PretrainedConfig
            from .models.alpha import TypeCheckingOnly
        else:
            import sys

            _import_structure = {k: set(v) for k, v in _import_structure.items()}
            import_structure = define_import_structure(Path(__file__).parent / "newmodels", prefix="newmodels")
            sys.modules[__name__] = _LazyModule(
                __name__, globals()["__file__"], import_structure, module_spec=__spec__,
                extra_objects={"__version__": __version__, "ExtraObject": object()},
            )
    ''',
    "fakepkg/utils/__init__.py": '''
        from .import_utils import OptionalDependencyNotAvailable, _LazyModule, define_import_structure
        from .import_utils import is_torch_available
        from . import logging
    ''',
    "fakepkg/utils/import_utils.py": '''
        class OptionalDependencyNotAvailable(Exception):
            pass
        class _LazyModule:
            pass
        def define_import_structure(path, prefix=None):
            return {}
        def is_torch_available():
            return False
    ''',
    "fakepkg/utils/logging.py": "def get_logger(name):\n    return name\n",
    "fakepkg/utils/dummy_pt_objects.py": '''
        class DummyModel:
            pass
        def dummy_function():
            pass
        _private_dummy = 1
    ''',
    "fakepkg/configuration_utils.py": '''
        class PretrainedConfig:
            def method(self):
                LocalName = 1
    ''',
    "fakepkg/models/__init__.py": "",
    "fakepkg/models/alpha/__init__.py": '''
        from ...plain import A as ViaRelative
        from ..alpha.configuration_alpha import AlphaConfig
    ''',
    "fakepkg/models/alpha/configuration_alpha.py": "class AlphaConfig:\n    pass\n",
    # new transformers style: define_import_structure() over a directory (__all__ and @requires)
    "fakepkg/newmodels/__init__.py": '''
        from typing import TYPE_CHECKING
        from ..utils import _LazyModule
        from ..utils.import_utils import define_import_structure

        if TYPE_CHECKING:
            from .beta import *
        else:
            import sys

            _file = globals()["__file__"]
            sys.modules[__name__] = _LazyModule(__name__, _file, define_import_structure(_file), module_spec=__spec__)
    ''',
    "fakepkg/newmodels/beta/__init__.py": '''
        from typing import TYPE_CHECKING
        from ...utils import _LazyModule
        from ...utils.import_utils import define_import_structure

        if TYPE_CHECKING:
            from .configuration_beta import *
            from .modeling_beta import *
        else:
            import sys

            _file = globals()["__file__"]
            sys.modules[__name__] = _LazyModule(__name__, _file, define_import_structure(_file), module_spec=__spec__)
    ''',
    "fakepkg/newmodels/beta/configuration_beta.py": '''
        class BetaConfig:
            pass


        class BetaHiddenConfig:
            pass


        __all__ = ["BetaConfig"]
    ''',
    "fakepkg/newmodels/beta/modeling_beta.py": '''
        from ...utils.import_utils import requires


        @requires(backends=("torch",))
        class BetaModel:
            pass


        class BetaNotExported:
            pass


        __all__ = [
            "BetaPreTrainedModel",
        ]
    ''',
    "fakepkg/newmodels/beta/modular_beta.py": '__all__ = ["OnlyInModular"]\n',
    # plain modules
    "fakepkg/plain.py": '''
        import os
        import json as _json
        import collections.abc
        from .configuration_utils import PretrainedConfig as Base
        from .star_src import *
        from .star_noall import *

        A, (B, *C) = 1, (2, 3, 4)
        D: int = 4
        for LOOPVAR in []:
            pass
        with open(os.devnull) as FH:
            pass
        try:
            import not_installed_anywhere
        except ImportError as ERR:
            FALLBACK = 1
        if os.name == "nt":
            def windows_only():
                pass
        else:
            class PosixOnly:
                pass


        @staticmethod
        def decorated(
            x,
        ) -> "A":
            LOCAL_IN_FUNCTION = 1


        class Klass(
            Base,
        ):
            class_attr = 1


        async def afn():
            pass
    ''',
    "fakepkg/star_src.py": '__all__ = ["Exported"]\n__all__ += ["AlsoExported"]\nExported = 1\nAlsoExported = 2\nNotExported = 3\n',
    "fakepkg/star_noall.py": "Public = 1\n_Private = 2\n",
    "fakepkg/dyn.py": "def __getattr__(name):\n    return name\n",
    "fakepkg/nsdir/inner.py": "X = 1\n",
}

# (module, name) -> expected missing reason (None = resolves)
FAKEPKG_EXPECT = {
    ("fakepkg", "PretrainedConfig"): None,  # _import_structure dict literal
    ("fakepkg", "AlphaTokenizer"): None,  # ["k"].append
    ("fakepkg", "AlphaFeatureExtractor"): None,  # ["k"].extend
    ("fakepkg", "ExtraThing"): None,  # .update({...})
    ("fakepkg", "MoreThing"): None,  # .update with a tuple value
    ("fakepkg", "AddedToo"): None,  # ["k"] = [..] + [..]
    ("fakepkg", "PreTrainedModel"): None,  # the try/else branch
    ("fakepkg", "DummyModel"): None,  # [name for name in dir(dummy_pt_objects) ...]
    ("fakepkg", "dummy_function"): None,
    ("fakepkg", "_private_dummy"): "name",  # filtered by the comprehension
    ("fakepkg", "TypeCheckingOnly"): None,  # explicit TYPE_CHECKING import
    ("fakepkg", "__version__"): None,  # extra_objects
    ("fakepkg", "ExtraObject"): None,
    ("fakepkg", "BetaConfig"): None,  # define_import_structure(Path(__file__).parent / "newmodels"), __all__
    ("fakepkg", "BetaModel"): None,  # @requires
    ("fakepkg", "BetaPreTrainedModel"): None,  # multi-line __all__
    ("fakepkg", "BetaHiddenConfig"): "name",  # not exported
    ("fakepkg", "OnlyInModular"): "name",  # modular_ files skipped when modeling_ exists
    ("fakepkg", "NoSuchThing"): "name",
    ("fakepkg", "models"): None,  # submodule
    ("fakepkg", "plain"): None,
    ("fakepkg", "nsdir"): None,  # namespace package
    ("fakepkg", "*"): None,
    ("fakepkg.newmodels", "BetaConfig"): None,  # define_import_structure(_file), recursive
    ("fakepkg.newmodels", "beta"): None,
    ("fakepkg.newmodels.beta", "BetaConfig"): None,
    ("fakepkg.newmodels.beta", "BetaModel"): None,
    ("fakepkg.newmodels.beta", "BetaNotExported"): "name",  # TYPE_CHECKING `import *` obeys __all__ ...
    ("fakepkg.newmodels.beta", "BetaHiddenConfig"): "name",  # ... and the lazy module is what runs
    ("fakepkg.newmodels.beta.configuration_beta", "BetaHiddenConfig"): None,  # defined there
    ("fakepkg.models.alpha", "ViaRelative"): None,  # `from ...plain import A as ViaRelative`
    ("fakepkg.models.alpha", "AlphaConfig"): None,
    ("fakepkg.models.alpha", "configuration_alpha"): None,
    ("fakepkg.models.alpha", "configuration_beta"): "name",
    ("fakepkg.models.gamma", "GammaConfig"): "module",
    ("fakepkg.models.gamma.configuration_gamma", "GammaConfig"): "module",
    ("fakepkg.plain.sub", "X"): "module",  # plain is a module, not a package
    ("fakepkg.plain", "os"): None,
    ("fakepkg.plain", "_json"): None,
    ("fakepkg.plain", "collections"): None,
    ("fakepkg.plain", "Base"): None,
    ("fakepkg.plain", "PretrainedConfig"): "name",  # imported under another name
    ("fakepkg.plain", "Exported"): None,  # import * with __all__
    ("fakepkg.plain", "AlsoExported"): None,  # __all__ +=
    ("fakepkg.plain", "NotExported"): "name",
    ("fakepkg.plain", "Public"): None,  # import * without __all__: public names
    ("fakepkg.plain", "_Private"): "name",
    ("fakepkg.plain", "A"): None,
    ("fakepkg.plain", "B"): None,
    ("fakepkg.plain", "C"): None,
    ("fakepkg.plain", "D"): None,
    ("fakepkg.plain", "LOOPVAR"): None,
    ("fakepkg.plain", "FH"): None,
    ("fakepkg.plain", "ERR"): None,
    ("fakepkg.plain", "FALLBACK"): None,
    ("fakepkg.plain", "not_installed_anywhere"): None,
    ("fakepkg.plain", "windows_only"): None,  # every branch counts
    ("fakepkg.plain", "PosixOnly"): None,
    ("fakepkg.plain", "decorated"): None,
    ("fakepkg.plain", "Klass"): None,
    ("fakepkg.plain", "afn"): None,
    ("fakepkg.plain", "LOCAL_IN_FUNCTION"): "name",
    ("fakepkg.plain", "class_attr"): "name",
    ("fakepkg.configuration_utils", "LocalName"): "name",
    ("fakepkg.dyn", "Anything"): None,  # module __getattr__: cannot be checked, never reported
    ("fakepkg.nsdir.inner", "X"): None,
    ("fakepkg.utils", "logging"): None,
    ("fakepkg.utils", "get_logger"): "name",
}


@pytest.fixture
def fakepkg(tmp_path):
    write(tmp_path / "site", FAKEPKG)
    write(tmp_path / "site", {"fakepkg-1.2.4.dist-info/METADATA": "Metadata-Version: 2.1\nName: fakepkg\nVersion: 1.2.4\n"})
    return tmp_path / "site" / "fakepkg"


@pytest.mark.parametrize("exact", [False, True], ids=["skeleton", "full-parse"])
def test_resolver_patterns(fakepkg, exact):
    r = ic.Resolver("fakepkg", [str(fakepkg)], exact=exact)
    got = {key: r.missing_reason(*key) for key in FAKEPKG_EXPECT}
    wrong = {k: (got[k], v) for k, v in FAKEPKG_EXPECT.items() if got[k] != v}
    assert not wrong, "got, expected: {}".format(wrong)


def test_check_imports_on_a_tree_with_the_hand_made_package(fakepkg, tmp_path):
    lines = ["from {} import {}".format(m, n) for (m, n) in FAKEPKG_EXPECT if n != "*"]
    tree = write(tmp_path / "tree", {"pkg/uses.py": "\n".join(lines) + "\n", "pkg/other.py": "import os\n"})
    res = ic.check_imports(tree, package="fakepkg", package_dir=fakepkg.parent)  # the dir holding the package
    assert res.installed and res.version == "1.2.4" and res.location == str(fakepkg)
    assert res.checked == len(lines) and res.files == 1 and res.scanned == 2
    expected_missing = [(m, n, reason) for (m, n), reason in FAKEPKG_EXPECT.items() if reason and n != "*"]
    assert [(x.module, x.name, x.reason) for x in res.missing] == expected_missing
    assert all(x.path == "pkg/uses.py" and x.fails_at_import for x in res.missing)
    assert res.missing[0].line == 1 + lines.index("from fakepkg import _private_dummy")
    d = res.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["counts"]["missing"] == len(expected_missing) and d["counts"]["missing_files"] == 1
    assert "do not exist in fakepkg 1.2.4" in res.summary()


def test_package_version_from_init_when_no_dist_info(tmp_path):
    pkg = write(tmp_path, {"p/__init__.py": '__version__ = "0.9.1"\n'}) / "p"
    assert ic.check_imports(pkg, package="p", package_dir=pkg).version == "0.9.1"


def test_fetch_all_and_requires_follow_transformers_text_rules():
    assert ic._fetch_all('x = 1\n__all__ = ["A", \'B\']\n') == ["A", "B"]
    assert ic._fetch_all('__all__ = ["Old"]\nclass A: pass\n__all__ = [\n    "A",\n    "B",\n]\n') == ["A", "B"]
    assert ic._fetch_all("no all here\n") == []
    src = '@requires(backends=("torch",))\n# Copied from x\nclass M(nn.Module):\n    pass\n\n' \
          "@requires(\n    backends=(\"torch\",)\n)\n@other\ndef fn(x):\n    pass\n\nclass NotExported:\n    pass\n"
    assert ic._requires_exports(src) == ["M", "fn"]


# ------------------------------------------------------------------------------------------
# the scanner


SCAN_SRC = '''\
"""Module docstring showing an example:

from transformers import InDocstring
    from transformers import InDocstringIndented
"""
import transformers
from transformers import A, B as Bee  # comment with ) paren
from transformers.models.x import (
    C,  # a comment ) with a paren
    D,
)
from transformers import E, \\
    F
from transformers_stream_generator import NotOurs
from .transformers import Relative
from mindone.transformers import AlsoNotOurs
x = 1; from transformers import G
# from transformers import InComment
s = 'from transformers import InString'
t = """
from transformers import InTripleString
"""

try:
    from transformers import H
except ImportError:
    from transformers import I
try:
    from transformers import J
except (ValueError, ModuleNotFoundError):
    pass
try:
    from transformers import K
except ValueError:
    pass
finally:
    from transformers import L

if TYPE_CHECKING:
    from transformers import M
else:
    from transformers import N
if transformers.__version__ >= "4.50":
    from transformers import O
elif is_transformers_version(">=", "4.40"):
    from transformers import P
else:
    from transformers import Q
if is_torch_available():
    from transformers import R
if os.environ.get("X"):
    from transformers import S


def f(
    x,
) -> "T":
    """Docstring.

from transformers import InFunctionDocstring
    """
    from transformers import U
    return x


class Klass(
    object,
):
    from transformers import V

    def method(self):
        from transformers import W


@decorator
async def g():
    with ctx():
        from transformers.utils import X
'''

SCAN_EXPECT = [
    # name, line, guarded, toplevel
    ("A", 7, False, True),
    ("B", 7, False, True),
    ("C", 8, False, True),
    ("D", 8, False, True),
    ("E", 12, False, True),
    ("F", 12, False, True),
    ("G", 17, False, True),
    ("H", 25, True, True),
    ("I", 27, False, True),
    ("J", 29, True, True),
    ("K", 33, False, True),
    ("L", 37, False, True),
    ("M", 40, True, True),
    ("N", 42, False, True),
    ("O", 44, True, True),
    ("P", 46, True, True),
    ("Q", 48, True, True),
    ("R", 50, True, True),
    ("S", 52, False, True),
    ("U", 62, False, False),
    ("V", 69, False, True),
    ("W", 72, False, False),
    ("X", 78, False, False),
]


@pytest.mark.parametrize("variant", ["lf", "crlf", "bom"])
@pytest.mark.parametrize("exact", [False, True], ids=["fast", "full-parse"])
def test_scanner_finds_guards_scopes_and_skips_strings(tmp_path, variant, exact):
    data = SCAN_SRC.encode("utf-8")
    if variant == "crlf":
        data = data.replace(b"\n", b"\r\n")
    elif variant == "bom":
        data = b"\xef\xbb\xbf" + data
    (tmp_path / "m.py").write_bytes(data)
    refs, unparsable, scanned = ic.scan_tree(tmp_path, exact=exact)
    assert unparsable == [] and scanned == 1
    got = [(r.name, r.line, r.guarded, r.toplevel) for r in refs]
    assert got == SCAN_EXPECT
    assert {r.module for r in refs} == {"transformers", "transformers.models.x", "transformers.utils"}
    assert all(r.path == "m.py" for r in refs)


def test_scan_imports_walks_a_tree_skips_hidden_dirs_and_reports_unparsable(tmp_path):
    write(tmp_path, {
        "a/one.py": "from transformers import A\n",
        "a/b/two.py": "def f():\n    from transformers.utils import B\n",
        ".hidden/three.py": "from transformers import Hidden\n",
        "a/__pycache__/x.py": "from transformers import Cached\n",
        "a/notes.txt": "from transformers import NotPython\n",
        "broken.py": "def f(:\n    from transformers import Broken\n",
        "py2.py": "print 'x'\nfrom transformers import FineAtColumnZero\n",
    })
    refs, unparsable, scanned = ic.scan_tree(tmp_path)
    assert [(r.path, r.name) for r in refs] == [("py2.py", "FineAtColumnZero"), ("a/one.py", "A"), ("a/b/two.py", "B")]
    assert [p for p, _ in unparsable] == ["broken.py"] and "SyntaxError" in unparsable[0][1]
    assert scanned == 4
    assert ic.scan_imports(tmp_path / "a" / "one.py") == [ic.ImportRef("one.py", 1, "transformers", "A")]
    with pytest.raises(AscendfixError, match="no such file"):
        ic.scan_imports(tmp_path / "nope")


def test_other_package_names(tmp_path):
    write(tmp_path, {"x.py": "from diffusers.utils import A\nfrom transformers import B\n"})
    assert [r.name for r in ic.scan_imports(tmp_path, package="diffusers")] == ["A"]
    for bad in ("mindone.transformers", "", "1abc", "a-b"):
        with pytest.raises(AscendfixError, match="not a top-level package name"):
            ic.check_imports(tmp_path, package=bad)


# property: the fast scanner == a full parse, over generated files made of tricky blocks
BLOCKS = [
    "from transformers import A{n}",
    "from transformers.models.m{n} import (\n    A{n},  # c)\n    B{n},\n)",
    "from transformers import A{n}, \\\n    B{n}",
    "try:\n    from transformers import T{n}\nexcept ImportError:\n    T{n} = None",
    "try:\n    import x\nexcept Exception:\n    pass\nelse:\n    from transformers import E{n}\nfinally:\n    pass",
    "if TYPE_CHECKING:\n    from transformers import TC{n}\nelse:\n    from transformers import NTC{n}",
    "if version.parse(v) > 1:\n    from transformers import V{n}\nelif x:\n    from transformers import W{n}",
    "def f{n}(\n    x,\n) -> 'X':\n    from transformers import F{n}\n    return x",
    "class K{n}(\n    Base,\n):\n    from transformers import KA{n}\n\n    def m(self):\n        from transformers import KM{n}",
    '"""Doc.\n\nfrom transformers import Doc{n}\n    from transformers import DocInd{n}\n"""',
    "s{n} = '''\nfrom transformers import Str{n}\n'''",
    "# from transformers import Comment{n}",
    "x{n} = 1; from transformers import Semi{n}",
    "@decorator\ndef d{n}():\n    with ctx:\n        from transformers import WithImp{n}",
    "import transformers\nfrom transformers_extra import No{n}",
    "CONST{n} = {{\n'a': 1,\n}}\nfrom transformers import AfterDict{n}",
    "def q{n}():\n    s = '''\nfrom transformers import InFnString{n}\n'''\n    from transformers import Q{n}",
    "if x:\n    pass\n# comment at column 0 inside nothing\nelse:\n    from transformers import Else{n}",
    "for i in range(3):\n    from transformers import Loop{n}\nelse:\n    pass",
]


@settings(max_examples=examples(150), deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blocks=st.lists(st.sampled_from(BLOCKS), min_size=1, max_size=10), crlf=st.booleans(),
       sep=st.sampled_from(["\n", "\n\n", "\n\n\n"]))
def test_fast_scanner_equals_full_parse(blocks, crlf, sep):
    src = sep.join(b.format(n=i) for i, b in enumerate(blocks)) + "\n"
    data = src.encode()
    if crlf:
        data = data.replace(b"\n", b"\r\n")
    fast = ic._scan_bytes(data, "g.py", "transformers")
    full = ic._scan_bytes(data, "g.py", "transformers", exact=True)
    assert fast == full
    names = [r.name for r in full]
    assert not [n for n in names if n.startswith(("Doc", "Str", "Comment", "InFnString", "No"))]


# ------------------------------------------------------------------------------------------
# locating the package in an interpreter, without importing it


def _marker_package(tmp_path):
    """A package whose import would leave a marker file (so we can tell it was never imported)."""
    marker = tmp_path / "IMPORTED"
    write(tmp_path / "site", {
        "icprobe_pkg/__init__.py": "open({!r}, 'w').write('x')\n__version__ = '9.9.0'\n".format(str(marker)),
        "icprobe_pkg/sub.py": "Thing = 1\n",
        "icprobe_pkg-9.9.1.dist-info/METADATA": "Metadata-Version: 2.1\nName: icprobe-pkg\nVersion: 9.9.1\n",
    })
    return tmp_path / "site", marker


def test_locate_package_in_another_interpreter_without_importing_it(tmp_path, monkeypatch):
    site, marker = _marker_package(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(site))
    info = ic.locate_package("icprobe_pkg", python=sys.executable)
    assert info.installed and info.version == "9.9.1"
    assert info.location == str(site / "icprobe_pkg")
    assert info.python_version == "%d.%d.%d" % sys.version_info[:3]
    assert not marker.exists()
    tree = write(tmp_path / "tree", {"t.py": "from icprobe_pkg.sub import Thing, Nope\nfrom icprobe_pkg import sub\n"})
    res = ic.check_imports(tree, package="icprobe_pkg", python=sys.executable)
    assert [(r.name, r.reason) for r in res.missing] == [("Nope", "name")]
    assert not marker.exists()


def test_locate_package_in_this_interpreter_without_importing_it(tmp_path, monkeypatch):
    site, marker = _marker_package(tmp_path)
    monkeypatch.syspath_prepend(str(site))
    info = ic.locate_package("icprobe_pkg")
    assert info.installed and info.version == "9.9.1" and not marker.exists()
    assert "icprobe_pkg" not in sys.modules


def test_not_installed_means_unverified_not_missing(tmp_path):
    tree = write(tmp_path, {"t.py": "from not_a_real_pkg_xyz import A, B\n"})
    res = ic.check_imports(tree, package="not_a_real_pkg_xyz", python=sys.executable)
    assert not res.installed and res.version is None and res.missing == []
    assert res.checked == 2 and res.files == 1 and not res.ok
    assert "not installed" in res.summary() and "could not be verified" in res.summary()


def test_bad_interpreters_are_one_line_errors(tmp_path):
    with pytest.raises(AscendfixError, match="no such interpreter"):
        ic.locate_package("transformers", python=str(tmp_path / "nope" / "python"))
    fake = tmp_path / "fakepython"
    fake.write_text("#!/bin/sh\necho 'not python' >&2\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(AscendfixError, match="not a working Python 3 interpreter.*not python"):
        ic.locate_package("transformers", python=str(fake))
    with pytest.raises(AscendfixError, match="no such package directory"):
        ic.check_imports(tmp_path, package_dir=tmp_path / "missing")
    # an interpreter that runs but cannot look packages up (what Python 2.7 answers: no importlib.util)
    old = tmp_path / "oldpython"
    old.write_text("#!/bin/sh\necho '{\"python\": \"/old\", \"python_version\": \"2.7.18\", \"found\": false, "
                   "\"error\": \"ImportError: No module named util\"}'\n")
    old.chmod(0o755)
    with pytest.raises(AscendfixError, match=r"\(Python 2.7.18\): cannot look for transformers: ImportError"):
        ic.locate_package("transformers", python=str(old))


def test_unreadable_directory_is_reported_not_fatal(tmp_path, monkeypatch):
    write(tmp_path, {"ok.py": "from transformers import A\n", "locked/x.py": "from transformers import B\n"})
    real_scandir = os.scandir
    locked = str(tmp_path / "locked")

    def scandir(path="."):  # what os.walk meets on a directory without read permission (root reads anything)
        if os.fspath(path) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    refs, skipped, scanned = ic.scan_tree(tmp_path)
    assert [r.name for r in refs] == ["A"] and scanned == 1
    assert skipped == [("locked", "cannot read directory: Permission denied")]


@pytest.mark.full
@pytest.mark.py38
def test_probe_runs_on_a_real_python38(tmp_path, monkeypatch):
    from support import python38

    site, marker = _marker_package(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(site))
    info = ic.locate_package("icprobe_pkg", python=python38())
    assert info.python_version.startswith("3.8.") and info.installed and info.version == "9.9.1"
    assert not marker.exists()


@pytest.mark.process  # three runs of the entry point: --full and CI's Python 3.8 run
def test_module_entry_point(tmp_path, fakepkg):
    tree = write(tmp_path / "tree", {"u.py": "from fakepkg import BetaConfig, Nope\n"})
    cmd = [sys.executable, "-m", "ascendfix.importcheck", str(tree), "--package", "fakepkg",
           "--package-dir", str(fakepkg)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 1, r.stderr
    assert "1 of 2 name imports from fakepkg do not exist in fakepkg 1.2.4" in r.stdout
    assert "u.py:1: from fakepkg import Nope (name missing)" in r.stdout
    r = subprocess.run(cmd + ["--json"], capture_output=True, text=True)
    assert json.loads(r.stdout)["counts"]["missing"] == 1
    r = subprocess.run(cmd[:3] + [str(tmp_path / "nope")], capture_output=True, text=True)
    assert r.returncode == 2 and r.stdout == "" and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


# ------------------------------------------------------------------------------------------
# REAL inputs: mindone 0.5.0 sources against real transformers wheels


def transformers_wheel(version):
    """The unpacked transformers ``version`` wheel from PyPI (cached): the dir holding ``transformers/``."""
    from support import _locked, cache_root

    root = cache_root() / "wheels"
    target = root / "transformers-{}".format(version)
    if (target / ".complete").exists():
        return target
    with _locked("wheel-transformers-" + version):
        if (target / ".complete").exists():
            return target
        root.mkdir(parents=True, exist_ok=True)
        whl = root / "transformers-{}-py3-none-any.whl".format(version)
        if not whl.exists():
            r = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                                "transformers=={}".format(version), "-d", str(root), "-q"],
                               capture_output=True, text=True)
            if r.returncode != 0 or not whl.exists():
                pytest.fail("could not download transformers {}: {}".format(version, r.stderr[-500:]))
        with zipfile.ZipFile(str(whl)) as z:
            z.extractall(str(target))
        (target / ".complete").write_text("ok\n")
    return target


def transformers_venv(version):
    """Python of a cached venv with the real transformers ``version`` (+ Pillow), for dynamic imports."""
    from support import framework_venv

    if version == "4.57.1" and sys.version_info < (3, 9):
        pytest.skip("transformers 4.57.1 requires Python >= 3.9 (this suite runs on {})".format(sys.version.split()[0]))
    name = "transformers-{}-py{}{}".format(version, *sys.version_info[:2])
    return framework_venv(name, ["transformers=={}".format(version), "pillow"])


def expected_lines(version):
    path = DATA / "mindone-0.5.0_transformers-{}.txt".format(version)
    return [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]


def as_lines(missing):
    out = []
    for r in missing:
        flags = ",".join(x for x in ("guarded" if r.guarded else "", "" if r.toplevel else "function") if x) or "-"
        out.append("{}:{}\t{}\t{}\t{}\t{}".format(r.path, r.line, r.module, r.name, r.reason, flags))
    return out


# The figures measured when the resolver was built (static resolver, then every pair imported for real).
# "fatal_files": files where a missing import is unguarded and runs at import time ("fail at import").
REFERENCE = {
    "4.39.3": {"missing": 504, "missing_name": 314, "missing_module": 190, "missing_pairs": 313,
               "missing_files": 322, "fatal_files": 305},
    "4.46.3": {"missing": 359, "missing_name": 247, "missing_module": 112, "missing_pairs": 236,
               "missing_files": 223, "fatal_files": 207},
    # The reference reports 1 (watermarking.py:22). We find 3: the 2 more are guarded imports that really fail
    # on 4.57.1 (checked by importing them in a venv with transformers 4.57.1, see the dynamic test):
    # `from transformers import MaskFormerForInstanceSegmentationOutput` (under TYPE_CHECKING) and
    # `from transformers.models.qwen2_vl import Qwen2VLVisionConfig` (try/except ImportError fallback). Both
    # are defined in 4.57.1 but missing from the `__all__` lists its define_import_structure() exports; the
    # reference followed the TYPE_CHECKING `import *` lines without __all__. Both also fail on 4.39.3/4.46.3,
    # where the reference counts them.
    "4.57.1": {"missing": 3, "missing_name": 3, "missing_module": 0, "missing_pairs": 3,
               "missing_files": 3, "fatal_files": 1},
}


@pytest.fixture(scope="module")
def mindone050():
    from support import mindone_tree

    return mindone_tree("0.5.0")


@pytest.mark.full
@pytest.mark.parametrize("version", TF_VERSIONS)
def test_mindone_050_against_real_transformers_wheels(mindone050, version):
    res = ic.check_imports(mindone050, package_dir=transformers_wheel(version))
    assert res.installed and res.version == version
    assert (res.scanned, res.checked, res.files, res.unparsable) == (2770, 2743, 1179, [])
    counts = res.counts()
    assert {k: counts[k] for k in REFERENCE[version]} == REFERENCE[version]
    assert as_lines(res.missing) == expected_lines(version)
    if version == "4.57.1":
        assert [(r.path, r.line, r.module, r.name) for r in res.fatal] == [
            ("mindone/transformers/generation/watermarking.py", 22, "transformers.configuration_utils",
             "WatermarkingConfig")]


@pytest.mark.full
def test_core_failures_that_break_import_mindone_transformers(mindone050):
    """The reference's table of core modules `import mindone.transformers` imports eagerly."""
    core = {"generation/utils.py", "image_processing_utils_fast.py", "modeling_layers.py", "processing_utils.py",
            "video_processing_utils.py"}

    def core_fatal(version):
        res = ic.check_imports(mindone050, package_dir=transformers_wheel(version))
        return {(r.path.split("mindone/transformers/", 1)[1], r.line, r.name) for r in res.fatal
                if r.path.startswith("mindone/transformers/") and r.path.split("mindone/transformers/", 1)[1] in core}

    both = {("generation/utils.py", 30, "check_python_requirements"),
            ("image_processing_utils_fast.py", 25, "auto_docstring"),
            ("modeling_layers.py", 19, "auto_docstring"), ("modeling_layers.py", 19, "can_return_tuple"),
            ("processing_utils.py", 37, "render_jinja_template"), ("processing_utils.py", 57, "CHAT_TEMPLATE_FILE"),
            ("video_processing_utils.py", 28, "VIDEO_PROCESSOR_NAME")}
    f463, f393 = core_fatal("4.46.3"), core_fatal("4.39.3")
    assert both <= f463 and both <= f393
    assert {("generation/utils.py", 36, "ExtensionsTrie"), ("processing_utils.py", 72, "deprecate_kwarg")} <= f393 - f463


@pytest.mark.full
def test_mindone_030_against_its_own_pin():
    """mindone 0.3.0 pins transformers==4.46.3, but its Qwen2.5-VL port imports a config added in 4.49."""
    from support import mindone_tree

    res = ic.check_imports(mindone_tree("0.3.0"), package_dir=transformers_wheel("4.46.3"))
    assert (res.checked, res.files) == (662, 307)
    assert [(r.path, r.line, r.name, r.reason, r.fails_at_import) for r in res.missing] == [
        ("mindone/transformers/models/qwen2_5_vl/modeling_qwen2_5_vl.py", 6, "Qwen2_5_VLConfig", "module", True),
        ("mindone/transformers/models/qwen2_5_vl/modeling_qwen2_5_vl.py", 6, "Qwen2_5_VLVisionConfig", "module", True),
        ("mindone/transformers/models/qwen2_vl/modeling_qwen2_vl.py", 53, "Qwen2VLVisionConfig", "name", False),
    ]


# Pairs the static resolver (correctly) counts as present although importing them fails in the test venvs:
# they are exported only when an optional backend is installed, and the venvs have no torch.
BACKEND_GATED = {
    "4.39.3": {("transformers.models.blenderbot_small", "BlenderbotSmallForConditionalGeneration"),
               ("transformers.models.blenderbot_small", "BlenderbotSmallModel")},
    "4.46.3": {("transformers.models.blenderbot_small", "BlenderbotSmallForConditionalGeneration"),
               ("transformers.models.blenderbot_small", "BlenderbotSmallModel")},
    "4.57.1": set(),
}


@pytest.mark.full
@pytest.mark.parametrize("version", TF_VERSIONS)
def test_static_verdicts_agree_with_really_importing_every_pair(mindone050, version):
    """Import each unique (module, name) pair of the tree in a venv with that real transformers."""
    py = transformers_venv(version)
    res = ic.check_imports(mindone050, python=py)  # located in the venv, not from the wheel dir
    assert res.version == version and res.location.startswith(str(Path(py).parent.parent))
    assert as_lines(res.missing) == expected_lines(version)
    pairs = sorted(set((r.module, r.name) for r in ic.scan_imports(mindone050)))
    assert len(pairs) == 916
    out = subprocess.run([py, str(DATA / "dynamic_probe.py")], input=json.dumps(pairs), capture_output=True,
                         text=True, cwd=str(DATA), timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    dynamic = {(m, n): (outcome, detail) for m, n, outcome, detail in json.loads(out.stdout)}
    static = {(r.module, r.name): r.reason for r in res.missing}
    # every static finding really fails, for the same reason
    disagree = {p: (reason, dynamic[p]) for p, reason in static.items() if dynamic[p][0] != reason}
    assert not disagree
    # nothing static calls present fails for lack of the name/module, except backend-gated exports
    surprises = {p: dynamic[p] for p in pairs if p not in static and dynamic[p][0] in ("name", "module")}
    assert set(surprises) == BACKEND_GATED[version], surprises
    inconclusive = [p for p in pairs if dynamic[p][0] == "inconclusive"]
    assert len(inconclusive) <= 8, inconclusive  # e.g. modules that import torch at the top


@pytest.mark.full
@pytest.mark.parametrize("version", ["0.3.0", "0.5.0"])
def test_fast_scan_equals_full_parse_on_real_trees(version):
    from support import mindone_tree

    tree = mindone_tree(version)
    assert ic.scan_tree(tree) == ic.scan_tree(tree, exact=True)


@pytest.mark.full
@pytest.mark.parametrize("version", ["4.39.3", "4.57.1"])
def test_module_skeletons_equal_full_parses_on_real_wheels(version):
    """What the resolver reads from a module's skeleton is what a full parse gives (every 4th module)."""
    root = transformers_wheel(version) / "transformers"
    fast = ic.Resolver("transformers", [str(root)])
    full = ic.Resolver("transformers", [str(root)], exact=True)
    mods = []
    for dirpath, dirnames, filenames in os.walk(str(root)):
        dirnames.sort()
        for fn in sorted(filenames):
            if fn.endswith(".py"):
                rel = os.path.relpath(os.path.join(dirpath, fn), str(root.parent))[:-3].replace(os.sep, ".")
                mods.append(rel[: -len(".__init__")] if rel.endswith(".__init__") else rel)
    assert len(mods) > 1500
    for mod in mods[::4] + [m for m in mods if m.count(".") <= 1]:
        a, b = fast.info(mod), full.info(mod)
        assert a is not None and not a.dynamic, mod
        assert (a.bound, a.stars, a.all_names, a.lazy, a.lazy_names, a.dir_modules, a.structure_dirs) == \
            (b.bound, b.stars, b.all_names, b.lazy, b.lazy_names, b.dir_modules, b.structure_dirs), mod
