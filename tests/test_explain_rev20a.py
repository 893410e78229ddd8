"""Review rev20a of kb20a: PyTorch's JIT-build summary (AF798) ranks below a cause the compiler output names, and a
warning that quotes a failed build the program went past is no diagnosis. Logs are composed from real lines; each
one's source is named where it is used."""

from tests.explain_support import example, first, ranked

# a ninja-driven compile whose /tmp ran full (jbush001/NyuziToolchain#106)
DISK_FULL = "../lib/CodeGen/SelectionDAG/LegalizeTypes.cpp:1115:1: fatal error: error writing to /tmp/ccmwXfUA.s: " \
    "No space left on device"
# AF798's own example (DeepSpeed#629): the raised summary, backticks of the issue text dropped
BUILD_FAILED = example("AF798", "match", 1).strip("`")
# a progress bar of a run that goes on (AF797's no_match example, hiyouga/LlamaFactory#2949)
PROGRESS = example("AF797", "no_match", 0)


def test_a_disk_that_ran_full_during_the_build_outranks_the_build_summary():
    assert first("\n".join([DISK_FULL, "ninja: build stopped: subcommand failed.", "", BUILD_FAILED])) == \
        ("AF280", "host_system")


def test_the_build_summary_alone_is_the_install_family():
    assert first(BUILD_FAILED) == ("AF798", "install")


def test_a_failed_build_the_run_went_past_is_a_note():
    # code that catches the RuntimeError and goes on with a slower path (StyleGAN2-ADA's custom ops): the log ends
    # with the run's progress bar
    roles = {h.id: h.role for h in ranked("\n".join([BUILD_FAILED, PROGRESS]))}
    assert roles.get("AF798") == "context"
    assert {h.id: h.role for h in ranked(BUILD_FAILED)}.get("AF798") == "cause"


def test_a_missing_ninja_the_run_went_past_is_a_note():
    # AF795's example (NX-AI/xlstm#76) in a run that caught it and went on (see AF795's comment)
    ninja = example("AF795", "match", 1)
    assert {h.id: h.role for h in ranked("\n".join([ninja, PROGRESS]))}.get("AF795") == "context"
    assert first(ninja) == ("AF795", "install")
