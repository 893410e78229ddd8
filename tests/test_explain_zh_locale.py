"""Failures reported in Chinese: a shell under a zh_CN locale, a user's or a tool's Chinese failure words.

The shell lines were captured here: bash 5.2.15 (Debian 12) with a generated zh_CN.UTF-8 locale
(``localedef -i zh_CN -f UTF-8 DIR; LOCPATH=DIR LC_ALL=zh_CN.UTF-8 bash -c '<child>'``), the child being
``python3 -c "import os; os.abort()"``, a NULL read through ctypes, and ``os.kill(os.getpid(), signal.SIGKILL / SIGBUS)``;
bash takes the signal names from glibc's zh_CN catalogue (libc-l10n 2.36) and "(core dumped)" from its own."""

import pytest

from tests.explain_support import matcher, top_category

# captured (see the module docstring); the command after the signal name shortened to "python3 ..."
ABORTED = "bash: 第 1 行： 9855 已放弃               （核心已转储）python3 ..."
SEGFAULT = "bash: 第 1 行： 9897 段错误               （核心已转储）python3 ..."
KILLED = "bash: 第 1 行： 9941 已杀死               python3 ..."
BUS_ERROR = "bash: 第 1 行： 9986 总线错误            （核心已转储）python3 ..."


@pytest.mark.parametrize("line", [ABORTED, SEGFAULT, KILLED, BUS_ERROR])
def test_a_chinese_shells_signal_report_is_a_fatal_line(line):
    m = matcher(line)
    assert m.fatal and m.fatal[0][0] == 1
    assert m.failed()


def test_a_chinese_killed_reads_like_the_english_one():
    # alone, the shell's report of a child killed by SIGKILL names host memory, in either language; after an earlier
    # failure it is that failure's consequence (AF048), in either language
    from tests.explain_support import matcher

    english = "Killed"  # bash's interactive report (AF048's own example)
    assert top_category(KILLED) == top_category(english) == "host_oom"
    failure = 'Traceback (most recent call last):\n  File "x.py", line 1, in <module>\nValueError: boom\n'
    for line in (english, KILLED):
        res = matcher(failure + line).results()
        hit = next(r for r in res if r["id"] == "AF048")
        assert hit["role"] == "consequence", res


def test_the_python_prefilter_passes_the_chinese_lines():
    m = matcher("")
    for line in (ABORTED, SEGFAULT, KILLED, BUS_ERROR, "现象:只要 import mindone 就直接报错"):
        assert m.anchor_re.search(line.encode("utf-8")), line


def test_chinese_failure_words_make_a_failing_line():
    # a seed blog's two lines (AF002's example): "或者报错:" ("or it reports an error:") and "EIgen_threadpool.cc相关错误。"
    # ("an error about EIgen_threadpool.cc") hold no English failure word; "报错" / "错误" make them failing lines whose
    # words the category inference reads
    from tests.explain_support import example

    text = example("AF002", i=1)
    assert text.split("\n") == ["或者报错:", "EIgen_threadpool.cc相关错误。"]
    m = matcher(text, signatures=[], faults=[])
    assert (m.first_fail, m.last_fail) == (1, 2)


def test_chinese_warning_heads_and_the_noun_timeout_are_not_failures():
    # "警告:" opens a warning like "Warning:"; "超时" alone is also the noun "timeout" of a setting ("超时时间"),
    # so only its event forms ("连接超时", "等待超时", "超时退出") are failure words
    from ascendfix.explain import infer

    assert infer.is_warning_head("警告: x")
    assert infer.is_warning_head("警告：x")
    assert not infer._FAIL_RE.search("超时时间")
    for words in ("连接超时", "等待超时", "超时退出", "已超时"):
        assert infer._FAIL_RE.search(words), words
