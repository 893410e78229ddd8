"""A Ctrl-C Python cannot raise (it lands in an import's lock callback, a ``__del__``) prints no "Exception ignored"
traceback under ``python -m ascendfix``: ascendfix.interrupts keeps it silent and remembers it. (Found by CI's
process-group Ctrl-C test of apply: a SIGINT 0.5 s in landed in importlib's ``_get_module_lock`` callback.)"""

import subprocess
import sys

# a KeyboardInterrupt raised where Python cannot raise it: CPython hands it to sys.unraisablehook
SCRIPT = """
import sys
{install}
class Finalised(object):
    def __del__(self):
        raise {exc}
Finalised()
print("went on", {swallowed})
"""


def _run(install, exc="KeyboardInterrupt"):
    code = SCRIPT.format(
        install="from ascendfix import interrupts; interrupts.install()" if install else "",
        exc=exc, swallowed="interrupts.swallowed()" if install else "None")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_default_hook_prints_the_ignored_interrupt():
    # what a user would see without the hook (so the test below can fail)
    r = _run(install=False)
    assert "Exception ignored" in r.stderr and "KeyboardInterrupt" in r.stderr


def test_unraisable_ctrl_c_is_silent_and_remembered():
    r = _run(install=True)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert r.stdout.strip() == "went on True"


def test_other_unraisable_errors_still_reach_the_previous_hook():
    r = _run(install=True, exc="ValueError('kept')")
    assert "Exception ignored" in r.stderr and "ValueError: kept" in r.stderr
    assert r.stdout.strip() == "went on False"
