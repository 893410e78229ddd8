"""ascendfix: doctor, patcher, log explainer and smoke test for SDXL on Huawei Ascend NPUs."""

__version__ = "0.1.0"
