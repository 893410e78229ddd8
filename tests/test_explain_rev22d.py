"""Review rev22d of kb22d: the quiet fallback (a cause read only from a WARNING line by a ``skip_quiet_lines`` pattern,
named last when the log failed and nothing else explains it) stays silent when the log shows the run going on after
that line. dynamo's suppress_errors warning carries a "RuntimeError: ..." that counts as the log's last exception; the
run falls back to eager and goes on. Fast tier, in-process."""

from explain_support import hits, top

# https://github.com/2noise/ChatTTS/issues/341 (torch 2.1 dynamo, suppress_errors: the function runs eagerly)
WARNING = ("[2024-06-18 19:45:55,713] torch._dynamo.convert_frame: [WARNING] RuntimeError: Found NVIDIA GeForce GTX "
           "1080 Ti which is too old to be supported by the triton GPU compiler, which is used as the backend. Triton "
           "only supports devices of CUDA Capability >= 7.0, but your device is of CUDA capability 6.1")
# captured: tqdm 4.66.1 on CPython 3.11.7, `for _ in tqdm(range(50), desc='Epoch 1', ncols=80): time.sleep(0.02)` (the
# bar's last redraw; the same capture as tests/test_explain_kb16veto.py)
BAR_DONE = "Epoch 1: 100%|██████████████████████████████████| 50/50 [00:01<00:00, 38.96it/s]"


def test_the_warning_alone_is_still_named_last():
    # a paste of the warning and nothing else: the most specific line the log holds
    assert top(WARNING) == ("AF1091", "kernel_unsupported")


def test_the_warning_then_the_run_going_on_is_silent():
    went_on = WARNING + "\n" + BAR_DONE
    assert "AF1091" not in hits(went_on)
    assert top(went_on) == (None, None)
