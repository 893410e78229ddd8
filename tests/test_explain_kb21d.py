"""kb21d: category evidence and ordering added this round for GPU-side deployment logs (the signatures AF981-AF987
carry their own examples, run by the parametrized signature test).

1. The NVIDIA math libraries' status CUBLAS_STATUS_NOT_SUPPORTED ("the functionality requested is not supported",
   cuBLAS docs) names kernel_unsupported: the plain "not supported" evidence word does not see it inside the
   underscored status name. Real log lines, URL with each.
2. bitsandbytes' load failure on a CUDA machine is AF981 (install), not AF156's CPU-only / no-CUDA reading
   (cuda_on_npu, which AF981 outranks when both match): the "Could not find the bitsandbytes CUDA binary" line says a
   CUDA device was seen.
"""

import pytest

from tests.explain_support import infer_only, top

CUBLAS_NOT_SUPPORTED = [
    ("https://github.com/opendatalab/MinerU/issues/1508",
     "RuntimeError: CUDA error: CUBLAS_STATUS_NOT_SUPPORTED when calling `cublasGemmStridedBatchedEx(handle, opa, opb, "
     "(int)m, (int)n, (int)k, (void*)&falpha, a, CUDA_R_16BF, (int)lda, stridea, b, CUDA_R_16BF, (int)ldb, strideb, "
     "(void*)&fbeta, c, CUDA_R_16BF, (int)ldc, stridec, (int)num_batches, compute_type, CUBLAS_GEMM_DEFAULT_TENSOR_OP)`"),
    ("https://github.com/kijai/ComfyUI-WanVideoWrapper/issues/656",
     "RuntimeError: CUDA error: CUBLAS_STATUS_NOT_SUPPORTED when calling `cublasGemmStridedBatchedEx(handle, opa, opb, "
     "(int)m, (int)n, (int)k, (void*)&falpha, a, CUDA_R_16BF, (int)lda, stridea, b, CUDA_R_16BF, (int)ldb, strideb, "
     "(void*)&fbeta, c, CUDA_R_16BF, (int)ldc, stridec, (int)num_batches, compute_type, CUBLAS_GEMM_DEFAULT_TENSOR_OP)`"),
]


@pytest.mark.parametrize("url,text", CUBLAS_NOT_SUPPORTED, ids=[u for u, _ in CUBLAS_NOT_SUPPORTED])
def test_cublas_status_not_supported_infers_kernel_unsupported(url, text):
    inferred = infer_only(text)
    assert inferred is not None and inferred["category"] == "kernel_unsupported", (url, inferred)


# https://github.com/unslothai/unsloth/issues/2340: the CUDA binary missing on a CUDA 12.4 machine, then the CPU library
# not loadable either (the first two lines of the report)
BNB_ON_CUDA = (
    "I always get this error: Could not find the bitsandbytes CUDA binary at PosixPath('/home/miniforge3/envs/uns/lib/"
    "python3.11/site-packages/bitsandbytes/libbitsandbytes_cuda124.so')\n"
    "Could not load bitsandbytes native library: /home/miniforge3/envs/uns/lib/python3.11/site-packages/bitsandbytes/"
    "libbitsandbytes_cpu.so: cannot open shared object file: No such file or directory\n"
)


def test_bitsandbytes_load_failure_on_cuda_is_install():
    assert top(BNB_ON_CUDA) == ("AF981", "install")
