"""``ascendfix explain``: name the cause and the fix of an Ascend / MindSpore / torch_npu / MindIE error log.

Library use: ``from ascendfix.explain import explain; report = explain("run.log")`` (see
:mod:`ascendfix.explain.operation` for the inputs and the report's ``to_dict()`` shape).
"""


def explain(*args, **kwargs):
    """Explain logs -> :class:`~ascendfix.explain.operation.ExplainReport` (see :mod:`.operation`)."""
    from ascendfix.explain.operation import explain as _explain

    return _explain(*args, **kwargs)
