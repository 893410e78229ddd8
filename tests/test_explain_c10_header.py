"""c10's short error header without a date ("[E ProcessGroupNCCL.cpp:475] ..."), printed by torch <= 2.2: the line
format reader (explain/lines.py) reads it as an error line, so the pre-filter must let it through — it did not, and
NCCL watchdog timeouts in that format reached no rule at all."""

from tests.explain_support import matcher, top_category

# https://github.com/pytorch/pytorch/issues/118369 (torch 2.1, DeepSpeed, 8 GPUs)
WATCHDOG = ("[E ProcessGroupNCCL.cpp:475] [Rank 2] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=880, "
            "OpType=BROADCAST, NumelIn=131137536, NumelOut=131137536, Timeout(ms)=1800000) ran for 1800648 milliseconds "
            "before timing out.")
# https://github.com/vllm-project/vllm/issues/6042 (the rank prefix torchrun adds)
TERMINATED = ("[rank0]:[E ProcessGroupNCCL.cpp:1414] [PG 2 Rank 0] Process group watchdog thread terminated with "
              "exception: [Rank 0] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=2, OpType=ALLREDUCE, "
              "NumelIn=134217728, NumelOut=134217728, Timeout(ms)=600000) ran for 600059 milliseconds before timing out.")


def test_the_short_header_reaches_the_engine_as_an_error_line():
    m = matcher("")
    for line in (WATCHDOG, TERMINATED):
        assert m.anchor_re.search(line.encode("utf-8")), line
        fed = matcher(line)
        assert fed.last_fail == 1 and fed.ascend_first, line


def test_a_collective_timeout_in_that_format_is_named_a_communication_failure():
    assert top_category(WATCHDOG + "\n" + TERMINATED) == "hccl"
