"""Families of knowledge-base round 13c (helper kb13c, AF280-AF295): system, network, cluster and user-code failures
that no category named before (disk full, open-file limit, a port already in use, tensors on different devices or of
different dtypes, shell-script mistakes, container / cluster plumbing, command-line and package-metadata plumbing),
and the neighbouring text each family must leave alone.

Every text here is real: a signature example (each with its public source or the command that captured it), or a
line captured here with the command named next to it.
"""

import pytest

from ascendfix.explain.kb import category_entries, find_signature
from explain_support import example, hits, infer_only, run, top, top_category


@pytest.mark.parametrize("sig_id,category", [
    ("AF280", "host_system"), ("AF281", "host_system"), ("AF282", "host_system"), ("AF283", "dist_launch"),
    ("AF284", "tensor_mismatch"), ("AF285", "tensor_mismatch"), ("AF286", "host_system"), ("AF287", "cann_env"),
    ("AF288", "cluster_setup"), ("AF289", "cluster_setup"), ("AF290", "cluster_setup"), ("AF291", "version_skew"),
    ("AF292", "install"), ("AF293", "dist_launch"), ("AF294", "host_system"), ("AF295", "host_system"),
    ("AF296", "dist_launch"),
])
def test_each_family_names_its_category_first(sig_id, category):
    for ex in find_signature(sig_id).examples["match"]:
        assert top(ex["text"]) == (sig_id, category), (sig_id, ex["text"])


def test_the_new_categories_say_what_they_hold_and_where_the_neighbours_are():
    entries = {e["id"]: e for e in category_entries()}
    for cat in ("host_system", "tensor_mismatch", "cluster_setup"):
        assert entries[cat]["description"] and entries[cat]["next"] and entries[cat]["evidence"], cat
    # the boundaries are written down: a rendezvous port is dist_launch, /dev/shm is host_oom, no kernel for a
    # dtype is kernel_unsupported
    assert "dist_launch" in entries["host_system"]["description"]
    assert "host_oom" in entries["host_system"]["description"]
    assert "kernel_unsupported" in entries["tensor_mismatch"]["description"]


# captured: python3 -c "import logging, socket; a = socket.socket(); a.bind(('127.0.0.1', 0)); a.listen();
# b = socket.socket(); ... except OSError as e: logging.warning('%s, retrying on the next port', e)" (CPython 3.11.7)
_PORT_RETRY_WARNING = "WARNING:root:[Errno 98] Address already in use, retrying on the next port"


def test_a_port_in_use_warning_the_run_went_past_is_not_a_failure():
    m, ranked = run(_PORT_RETRY_WARNING)
    assert not m.failed(ranked)
    assert not m.results()


def test_a_port_in_use_warning_does_not_outrank_the_failure_that_follows():
    text = _PORT_RETRY_WARNING + "\n" + example("AF284")
    assert top(text) == ("AF284", "tensor_mismatch")


def test_the_rendezvous_port_is_a_launch_problem_not_a_host_port():
    # c10d's TCPStore words: AF283 (dist_launch), and the host-port family stays out of it
    for i in range(2):
        text = example("AF283", "match", i)
        assert "AF282" not in hits(text)
        assert top_category(text) == "dist_launch"


def test_a_tensor_mismatch_is_not_inferred_as_missing_weights():
    # with no signature loaded, the words alone ("weight type") no longer point at a missing checkpoint
    for text in (example("AF285", "match", 0), example("AF285", "match", 1), example("AF284", "match", 1)):
        found = infer_only(text)
        assert found is not None and found["category"] == "tensor_mismatch", text


def test_torch_npu_code_under_a_device_mismatch_is_claimed_by_the_family():
    # torch_npu prints its ERR01002 "invalid type" line under the device check (the Ascend/pytorch source the
    # AF284 example comes from)
    text = example("AF284", "match", 1) + "\n[ERROR] 2024-08-18-22:37:51 (PID:53741, Device:0, RankID:-1) ERR01002 OPS invalid type"
    assert hits(text)[0] == "AF284" and top(text) == ("AF284", "tensor_mismatch")
    assert not any(h.kind == "code" for h in run(text)[1])


def test_a_dtype_without_a_kernel_stays_kernel_unsupported():
    text = example("AF285", "no_match", 0)
    assert "AF285" not in hits(text)


def test_sourcing_with_sh_and_a_missing_set_env_script_are_told_apart():
    assert top(example("AF286", "match", 3)) == ("AF286", "host_system")  # "sh: 1: source: not found"
    assert top(example("AF287", "match", 0)) == ("AF287", "cann_env")  # "set_env.sh: No such file or directory"


def test_the_gpu_runtime_and_gpu_resources_are_not_the_npu_families():
    assert "AF288" not in hits(example("AF288", "no_match", 0))  # "... invalid runtime name: nvidia"
    assert "AF289" not in hits(example("AF289", "no_match", 0))  # "Insufficient nvidia.com/gpu"


def test_vllm_on_ray_without_npu_stays_its_own_family():
    assert "AF290" not in hits(example("AF290", "no_match", 0))


def test_disk_full_on_shared_memory_is_left_to_the_shm_family():
    # the ENOSPC family does not read a line that names /dev/shm (AF181's territory, host_oom)
    sig = find_signature("AF280")
    unless = sig.patterns[0].unless
    assert unless is not None and unless.search("OSError: [Errno 28] No space left on device: '/dev/shm/torch_123'")


def test_openblas_thread_notices_alone_are_not_a_failure():
    # OpenBLAS goes on with fewer threads after these lines: they only support the thread-limit family
    text = example("AF295", "no_match", 0)
    assert "AF295" not in hits(text)


def test_a_read_only_notice_the_download_went_past_is_left_alone():
    assert "AF294" not in hits(example("AF294", "no_match", 0))


def test_torch_shared_memory_segments_filling_up_are_shm_not_disk():
    # torch's "/torch_<pid>_..." segments live in /dev/shm: AF181 (host_oom), not the disk-full family
    text = "RuntimeError: unable to write to file </torch_31911_952036340_6686>: No space left on device (28)"  # idiap/ESLAM#20
    assert top(text) == ("AF181", "host_oom")
    assert "AF280" not in hits(text)


def test_a_retried_connect_warning_alone_is_not_an_unreachable_master():
    # c10d logs each failed address and retries (ranks started before the master see it too)
    assert "AF296" not in hits(example("AF296", "no_match", 0))
