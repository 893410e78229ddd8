"""A hub that cannot be reached: explain names the endpoint the run used (from the log) and the HF_ENDPOINT /
HF_HUB_OFFLINE values set where ascendfix runs (smoke's runner inherits that environment), redacted; the values
are in --json as the match's ``environment``. AF049's ``env`` field holds the sentences."""

import json

from ascendfix.explain.engine import explain_text
from explain_support import example, top
from support import schema_errors

# AF049's example captured with transformers 4.38.2 and HF_ENDPOINT=https://hf-mirror.com (no network)
MIRROR = example("AF049", i=-2)


def _af049(monkeypatch, **env):
    for name in ("HF_ENDPOINT", "HF_HUB_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    matches = explain_text(MIRROR)
    assert matches and matches[0]["id"] == "AF049", matches
    return matches[0]


def test_transformers_names_the_mirror_it_could_not_reach():
    assert "https://hf-mirror.com" in MIRROR
    assert top(MIRROR) == ("AF049", "missing_weights")


def test_the_endpoint_of_the_log_is_in_the_fix_without_any_variable_set(monkeypatch):
    m = _af049(monkeypatch)
    assert "The run asked https://hf-mirror.com (HF_ENDPOINT sets it" in m["fix"]
    assert "curl -sI https://hf-mirror.com" in m["fix"]
    assert "environment" not in m and "Set where ascendfix runs" not in m["fix"]


def test_hf_endpoint_and_offline_mode_set_here_are_named(monkeypatch):
    m = _af049(monkeypatch, HF_ENDPOINT="https://user:secret@hf-mirror.com", HF_HUB_OFFLINE="1")
    assert m["environment"] == {"HF_ENDPOINT": "https://***@hf-mirror.com", "HF_HUB_OFFLINE": "1"}
    assert "Set where ascendfix runs: HF_ENDPOINT=https://***@hf-mirror.com — Hub downloads go to" in m["fix"]
    assert "Set where ascendfix runs: HF_HUB_OFFLINE=1 — offline mode is on" in m["fix"]
    assert "secret" not in json.dumps(m)


def test_cli_json_carries_the_environment_and_validates(run_cli, tmp_path):
    log = tmp_path / "hub.log"
    log.write_text(MIRROR + "\n")
    r = run_cli("explain", str(log), "--json", env={"HF_ENDPOINT": "https://hf-mirror.com"})
    assert r.returncode == 0, r.stderr.decode()  # a known signature
    doc = json.loads(r.stdout.decode())
    assert schema_errors("explain", doc) == []
    m = doc["matches"][0]
    assert m["id"] == "AF049" and m["environment"]["HF_ENDPOINT"] == "https://hf-mirror.com"
    # (stdout is a pipe here, so rich writes no colour either way: nothing about NO_COLOR is claimed)
    r = run_cli("explain", str(log), env={"HF_ENDPOINT": "https://hf-mirror.com"})
    assert "HF_ENDPOINT=https://hf-mirror.com" in r.stdout.decode()


def test_the_signature_page_names_them_too(run_cli):
    r = run_cli("explain", "AF049", env={"HF_ENDPOINT": "https://hf-mirror.com"})
    text = r.stdout.decode()
    assert r.returncode == 0 and "Set where ascendfix runs: HF_ENDPOINT=https://hf-mirror.com" in text


# AF049's example captured with transformers 5.25.0 (cached_files, utils/hub.py) and HF_ENDPOINT=http://127.0.0.1:9
FILES = example("AF049", i=-1)


def test_transformers_cached_files_wording_names_the_endpoint(monkeypatch):
    assert "to load the files, and couldn't find them in the cached files" in FILES
    assert top(FILES) == ("AF049", "missing_weights")
    for name in ("HF_ENDPOINT", "HF_HUB_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    m = explain_text(FILES)[0]
    assert "The run asked http://127.0.0.1:9 (HF_ENDPOINT sets it" in m["fix"]


def test_the_files_wording_needs_its_word_boundary():
    # "the files" only as the whole word: "to load the filesystem" is not the message
    assert top("We couldn't connect to 'https://hf-mirror.com' to load the filesystem") != ("AF049", "missing_weights")


def test_offline_mode_is_named_only_when_huggingface_hub_reads_it_as_on(monkeypatch):
    # huggingface_hub (constants._is_true): 1 / ON / YES / TRUE in any case is on, anything else is off
    for off in ("0", "false", "no", "off", "False", ""):
        m = _af049(monkeypatch, HF_HUB_OFFLINE=off)
        assert "offline mode is on" not in m["fix"], off
        assert "HF_HUB_OFFLINE" not in m.get("environment", {}), off
    for on in ("1", "true", "TRUE", "Yes", "on"):
        m = _af049(monkeypatch, HF_HUB_OFFLINE=on)
        assert "Set where ascendfix runs: HF_HUB_OFFLINE={} — offline mode is on".format(on) in m["fix"], on
        assert m["environment"]["HF_HUB_OFFLINE"] == on


def test_env_truthy_matches_huggingface_hub():
    from ascendfix.explain.kb import env_truthy

    assert [v for v in ("1", "ON", "on", "Yes", "TRUE", "true") if not env_truthy(v)] == []
    assert [v for v in (None, "", "0", "false", "no", "off", "2", " 1") if env_truthy(v)] == []


def test_smoke_download_hint_ignores_offline_mode_off():
    from ascendfix.smoke.operation import download_hint

    off = download_hint("m/x", None, environ={"HF_HUB_OFFLINE": "0"})
    assert "HF_HUB_OFFLINE" not in off and "set here" not in off
    on = download_hint("m/x", None, environ={"HF_HUB_OFFLINE": "1", "HF_ENDPOINT": "https://hf-mirror.com"})
    assert "HF_ENDPOINT=https://hf-mirror.com, HF_HUB_OFFLINE=1 set here" in on
    assert "HF_ENDPOINT=https://hf-mirror.com set here" in download_hint(
        "m/x", None, environ={"HF_HUB_OFFLINE": "false", "HF_ENDPOINT": "https://hf-mirror.com"})


def test_a_bad_env_spec_is_refused(tmp_path):
    import pytest

    from ascendfix.errors import DataError
    from ascendfix.explain.kb import Signature
    import yaml

    doc = yaml.safe_load(open("rules/signatures/AF049-hf-hub-unreachable.yaml"))
    doc["env"]["HF_HUB_OFFLINE"] = {"sentence": "x", "when": "set"}
    with pytest.raises(DataError, match="env 'HF_HUB_OFFLINE'"):
        Signature(doc, tmp_path / "AF049-x.yaml")


def test_an_endpoint_with_credentials_from_the_log_is_redacted_in_the_fix(monkeypatch):
    # transformers prints HF_ENDPOINT as set: a mirror URL holding user:password reaches the log; the fix does not
    # repeat it (the evidence line is the log's own text)
    for name in ("HF_ENDPOINT", "HF_HUB_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    text = MIRROR.replace("https://hf-mirror.com", "https://user:secret@hf-mirror.com")
    m = explain_text(text)[0]
    assert m["id"] == "AF049"
    assert "curl -sI https://***@hf-mirror.com" in m["fix"] and "secret" not in m["fix"] + m["cause"]


def test_the_signature_page_json_names_the_variables_and_their_notes(run_cli):
    r = run_cli("explain", "AF049", "--json", env={"HF_HUB_OFFLINE": "1", "HF_ENDPOINT": "https://u:pw@hf-mirror.com"})
    page = json.loads(r.stdout.decode())
    assert schema_errors("explain", page, "page") == []
    assert page["env"] == ["HF_ENDPOINT", "HF_HUB_OFFLINE"]
    assert any(n.startswith("Set where ascendfix runs: HF_HUB_OFFLINE=1") for n in page["env_notes"])
    assert "pw" not in json.dumps(page["env_notes"])
    other = json.loads(run_cli("explain", "AF003", "--json", env={"HF_HUB_OFFLINE": "1"}).stdout.decode())
    assert other["env"] == [] and other["env_notes"] == []
