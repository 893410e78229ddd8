"""ascendfix: doctor, patcher, log explainer and smoke test for SDXL on Huawei Ascend NPUs.

As a library (nothing heavy is imported until a verb is called)::

    import ascendfix as af
    af.check(python="/opt/venvs/ms/bin/python").ok
    af.apply("mindone/", rules=["py38-annotations"], mode="check").changed_files
    af.revert("mindone/")
    af.explain("run.log").matches
    af.smoke(tiny=True, device="CPU").ok
    af.compare(["reports/"]).failing
    af.report(out="issue.html").written

Each returns a report (:mod:`ascendfix.reports`) whose ``to_dict()`` is the verb's ``--json`` document; a user
mistake raises :class:`ascendfix.errors.AscendfixError`.
"""

__version__ = "0.1.0"

_VERB_PACKAGES = ("check", "apply", "explain", "smoke", "compare", "report")


def __getattr__(name):
    import importlib

    if name in _VERB_PACKAGES:
        # the verb's package, made callable as the verb (ascendfix.check(...) == ascendfix.api.check(...))
        return importlib.import_module("ascendfix." + name)
    if name == "revert":
        from ascendfix.api import revert

        return revert
    if name == "AscendfixError":
        from ascendfix.errors import AscendfixError

        return AscendfixError
    raise AttributeError("module 'ascendfix' has no attribute {!r}".format(name))


def __dir__():
    return sorted(list(globals()) + list(_VERB_PACKAGES) + ["revert", "AscendfixError"])
