"""float16 ``masked_fill`` with a Python scalar vs ``ms.Tensor(0, dtype)`` on a device (argument: Ascend or CPU)."""


def main(args, emit):
    import numpy as np
    import mindspore as ms

    target = args[0]
    try:
        ms.set_device(target)
    except AttributeError:
        ms.set_context(device_target=target)
    mask = ms.Tensor(np.zeros((4, 4), dtype=np.float16))
    cond = ms.Tensor(np.tril(np.ones((4, 4), dtype=bool)))
    res = {}
    for label, value in (("python scalar 0", 0), ("ms.Tensor(0, dtype)", ms.Tensor(0, dtype=mask.dtype))):
        try:
            r = mask.masked_fill(cond, value)
            res[label] = "ok: " + str(r.dtype)
        except Exception as e:
            lines = [line.strip() for line in str(e).splitlines() if line.strip()]
            res[label] = "{}: {}".format(type(e).__name__, lines[0][:200] if lines else "")
    return res
