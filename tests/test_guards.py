"""ascendfix.guards: which statements are guarded, and which run at import time (shared by the import checker
and the codemods)."""

import ast
import sys
import textwrap

import pytest

from ascendfix import guards

SOURCE = '''
import a0
try:
    import a1
except ImportError:
    import a2
else:
    import a3
finally:
    import a4
try:
    import a5
except (ValueError, ModuleNotFoundError):
    pass
try:
    import a6
except ValueError:
    pass
try:
    import a7
except:
    pass
if TYPE_CHECKING:
    import a8
else:
    import a9
if sys.version_info >= (3, 9):
    import a10
else:
    import a11
if is_torch_available():
    import a12
if DEBUG:
    import a13
def f():
    import a14
    try:
        import a15
    except Exception:
        pass
class C:
    import a16
    def m(self):
        import a17
with x:
    import a18
for i in y:
    import a19
else:
    import a20
while z:
    import a21
'''

# name -> (guarded, toplevel)
EXPECTED = {
    "a0": (False, True), "a1": (True, True), "a2": (False, True), "a3": (False, True), "a4": (False, True),
    "a5": (True, True), "a6": (False, True), "a7": (True, True), "a8": (True, True), "a9": (False, True),
    "a10": (True, True), "a11": (True, True), "a12": (True, True), "a13": (False, True), "a14": (False, False),
    "a15": (True, False), "a16": (False, True), "a17": (False, False), "a18": (False, True), "a19": (False, True),
    "a20": (False, True), "a21": (False, True),
}


def _imports(src):
    return {n.names[0].name: (g, t) for n, g, t in guards.walk(ast.parse(src).body) if isinstance(n, ast.Import)}


def test_walk_marks_guards_and_import_time():
    got = _imports(SOURCE)
    assert got == EXPECTED


def test_walk_is_in_source_order():
    names = [n.names[0].name for n, _, _ in guards.walk(ast.parse(SOURCE).body) if isinstance(n, ast.Import)]
    assert names == sorted(names, key=lambda s: int(s[1:]))


@pytest.mark.skipif(sys.version_info < (3, 10), reason="match needs Python 3.10")
def test_match_cases_are_walked():
    src = textwrap.dedent("""
        match x:
            case 1:
                import m1
            case _:
                try:
                    import m2
                except ImportError:
                    pass
    """)
    assert _imports(src) == {"m1": (False, True), "m2": (True, True)}


def test_if_kind_and_catches():
    kind = lambda s: guards.if_kind(ast.parse(s, mode="eval").body)  # noqa: E731
    assert kind("typing.TYPE_CHECKING") == "type_checking"
    assert kind("sys.version_info < (3, 9)") == "conditional"
    assert kind("is_mindspore_available() and X") == "conditional"
    assert kind("DEBUG") is None
    handlers = ast.parse("try:\n    pass\nexcept AttributeError:\n    pass\n").body[0].handlers
    assert not guards.catches(handlers)
    assert guards.catches(handlers, names={"AttributeError", "NameError"})  # a codemod's own set


def test_not_type_checking_runs_at_run_time():
    """``if not TYPE_CHECKING:`` runs its body when the program runs; its ``else`` is the type-checker-only part."""
    src = textwrap.dedent("""
        if not TYPE_CHECKING:
            import b1
        else:
            import b2
        if typing.TYPE_CHECKING and X:
            import b3
        else:
            import b4
        if is_torch_available() or TYPE_CHECKING:
            import b5
        else:
            import b6
        if not (TYPE_CHECKING and X):
            import b7
        else:
            import b8
    """)
    assert _imports(src) == {"b1": (False, True), "b2": (True, True), "b3": (True, True), "b4": (False, True),
                             "b5": (True, True), "b6": (True, True), "b7": (False, True), "b8": (True, True)}
    kind = lambda s: guards.if_kind(ast.parse(s, mode="eval").body)  # noqa: E731
    branch = lambda s: guards.type_checking_branch(ast.parse(s, mode="eval").body)  # noqa: E731
    assert kind("not TYPE_CHECKING") is None and branch("not TYPE_CHECKING") == "orelse"
    assert kind("TYPE_CHECKING or is_torch_available()") == "conditional"
    assert branch("TYPE_CHECKING or X") is None and branch("X") is None
    assert branch("t.TYPE_CHECKING") == "body"


def test_import_checker_mirrors_the_lazy_module_under_not_type_checking(tmp_path):
    """A lazy package written with ``if not TYPE_CHECKING:`` (the _LazyModule runs; ``import *`` in the ``else`` is
    for type checkers): names only the stubs define are missing at run time, like with ``if TYPE_CHECKING:``."""
    from ascendfix.importcheck.resolver import Resolver

    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        "import sys\nfrom typing import TYPE_CHECKING\n_import_structure = {'real': ['present']}\n"
        "if not TYPE_CHECKING:\n"
        "    sys.modules[__name__] = _LazyModule(__name__, globals()['__file__'], _import_structure)\n"
        "else:\n    from .stubs import *\n")
    (pkg / "real.py").write_text("def present():\n    pass\n")
    (pkg / "stubs.py").write_text("def present():\n    pass\n\ndef only_for_type_checkers():\n    pass\n")
    for exact in (False, True):
        r = Resolver("pkg", [str(pkg)], exact=exact)
        assert r.missing_reason("pkg", "present") is None
        assert r.missing_reason("pkg", "only_for_type_checkers") == "name"


def test_codemods_skip_the_type_checker_only_branch():
    """Code that never runs (the else of ``if not TYPE_CHECKING:``) is left alone by the annotation rule, like the
    body of ``if TYPE_CHECKING:``; the branch that runs is patched."""
    from ascendfix.codemods.scope import module_imports

    tree = ast.parse("if not TYPE_CHECKING:\n    import a\nelse:\n    import b\nif TYPE_CHECKING:\n    import c\n")
    assert set(module_imports(tree)) == {"a"}
