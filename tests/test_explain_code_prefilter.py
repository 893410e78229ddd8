"""A code detector's pre-filter must read the same under `grep -E` (LC_ALL=C, bytes) and Python's re."""

import pytest

from ascendfix.errors import DataError
from ascendfix.explain import codes


def _detector(prefilter):
    return codes.Detector(None, {"prefilter": prefilter, "regex": r"(?P<code>\d{6})"}, "test")


@pytest.mark.parametrize("prefilter", [
    "E[A-Z]9999",
    "报错|错误码",           # CJK as literal characters: the same bytes in both engines
    "ret_int=[0-9]{6}",
    "[]a-z]x",               # a leading ] is a member of the class
    "\\[错误\\]",            # escaped brackets: literals around CJK, not a class
])
def test_plain_pre_filters_are_accepted(prefilter):
    _detector(prefilter)


@pytest.mark.parametrize("prefilter", [
    "[错误]码",        # under LC_ALL=C grep reads this class as six bytes, Python's re as two characters
    "E[^：]9999",      # a full-width colon in a negated class
    "\\w+9999",        # no \w in POSIX ERE
])
def test_pre_filters_the_two_engines_read_differently_are_refused(prefilter):
    with pytest.raises(DataError):
        _detector(prefilter)
