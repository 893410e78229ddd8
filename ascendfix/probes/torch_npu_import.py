"""``import torch`` (version, C++ ABI) and ``import torch_npu`` (version, ``torch.npu.is_available()``)."""


def main(args, emit):
    import torch

    res = {"torch": torch.__version__, "cxx11_abi": bool(torch.compiled_with_cxx11_abi())}
    try:
        import torch_npu

        res["torch_npu"] = torch_npu.__version__
        res["npu_available"] = bool(torch.npu.is_available())
    except Exception as e:
        res["error"] = "{}: {}".format(type(e).__name__, e)
    return res
