"""Ctrl-C that Python cannot raise: installed by ``python -m ascendfix`` before anything else is imported.

A SIGINT that lands while Python runs a callback it cannot raise from (importlib's module-lock weakref callback during
an import, a ``__del__``, a weakref finalizer) is handed to ``sys.unraisablehook``, whose default prints "Exception
ignored in: ... KeyboardInterrupt" with a traceback — and the program goes on. :func:`install` keeps that silent and
remembers it: the entry point then stops with its one-line "interrupted" message when the Ctrl-C came while it was
still importing (nothing done yet), and otherwise lets the work it is doing finish (apply's writes stay journalled and
revertible either way). Any other unraisable exception goes to the previous hook unchanged.
"""

import sys

_swallowed = []
_previous = []  # the hook that was installed before ours


def _hook(unraisable):
    exc_type = getattr(unraisable, "exc_type", None)
    if exc_type is not None and issubclass(exc_type, KeyboardInterrupt):
        _swallowed.append(True)
        return
    (_previous[0] if _previous else sys.__unraisablehook__)(unraisable)


def install():
    """Route unraisable KeyboardInterrupts to :func:`swallowed` (Python 3.8+; a no-op where the hook is missing)."""
    previous = getattr(sys, "unraisablehook", None)
    if previous is None or previous is _hook:  # pragma: no cover - Python < 3.8
        return
    _previous[:] = [previous]
    sys.unraisablehook = _hook


def swallowed():
    """Did a Ctrl-C land where Python could not raise it (since :func:`install`)?"""
    return bool(_swallowed)
