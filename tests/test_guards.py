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
