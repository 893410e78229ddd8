"""``import mindspore`` and ``mindspore.run_check()`` on a device (argument: Ascend or CPU).

run_check never raises, so its printed output is returned for the caller to search.
"""

import contextlib
import io


def main(args, emit):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        import mindspore as ms

        target = args[0]
        try:
            ms.set_device(target)
        except AttributeError:
            ms.set_context(device_target=target)
        ms.run_check()
    out = buf.getvalue()
    return {"version": ms.__version__, "output": out[-2000:], "failed": "failed" in out.lower(),
            "ok": "successfully" in out}
