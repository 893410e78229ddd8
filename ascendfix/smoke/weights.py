"""Moved: the weights inspector check and smoke share is :mod:`ascendfix.weights` (this name stays for old imports)."""

from ascendfix.weights import PICKLE_SUFFIXES, WeightsError, inspect_weights  # noqa: F401
