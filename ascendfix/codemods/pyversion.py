"""Python versions as the codemods compare them: ``"3.8"`` -> ``(3, 8)``."""

from typing import Tuple


def version_tuple(v) -> Tuple[int, int]:
    parts = str(v).strip().split(".")
    try:
        return int(parts[0]), int(parts[1]) if len(parts) > 1 else 0
    except ValueError:
        raise ValueError("not a Python version: {!r}".format(v)) from None
