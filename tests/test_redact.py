"""One set of redaction rules (ascendfix/redact.py) for check, compare/fleet node reports and the report verb."""

import json

import pytest

from ascendfix import redact as R
from ascendfix.check import engine, node

SECRET_NAMES = ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "MODELSCOPE_API_TOKEN", "OPENAI_API_KEY", "MS_SECRET",
                "DB_PASSWORD", "MYSQL_PWD_PASSWD", "GPG_PASSPHRASE", "AWS_SECRET_ACCESS_KEY", "OSS_ACCESS_KEY_ID",
                "AWS_ACCESS_KEY_ID", "SSH_KEY", "KEY", "PRIVATE_REPO_URL", "GOOGLE_APPLICATION_CREDENTIALS",
                "AUTHORIZATION", "OAUTH_CLIENT", "SESSION_COOKIE", "AUTHOR_TOKEN", "hf_token"]
PLAIN_NAMES = ["TOKENIZERS_PARALLELISM", "tokenizer_2", "TOKENIZER_PATH", "AUTHOR", "author", "AUTHORS",
               "HCCL_BUFFSIZE", "ASCEND_RT_VISIBLE_DEVICES", "MONKEY", "KEYBOARD_LAYOUT", "PATH", "RANK", "TURKEY_ID"]


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_secret_names(name):
    assert R.is_secret_name(name)
    assert R.redact_value(name, "s3cr3t-value") == R.MASK


@pytest.mark.parametrize("name", PLAIN_NAMES)
def test_names_that_only_look_like_secrets(name):
    assert not R.is_secret_name(name)
    assert R.redact_value(name, "value-1") == "value-1"


@pytest.mark.parametrize("given, shown", [
    ("http://u:p@h:8080/x", "http://***@h:8080/x"),
    ("https://user:s3cret@mirror.example/simple", "https://***@mirror.example/simple"),
    ("https://ghp_abcdef@github.com/org/repo.git", "https://***@github.com/org/repo.git"),  # a token as the user
    ("socks5h://me:pw@[::1]:1080", "socks5h://***@[::1]:1080"),
    ("git+https://github.com/org/repo@v1.0", "git+https://github.com/org/repo@v1.0"),  # a ref, not userinfo
    ("see https://example.com/a@b and mail me@example.com", "see https://example.com/a@b and mail me@example.com"),
    ("/usr/local/Ascend/ascend-toolkit/latest", "/usr/local/Ascend/ascend-toolkit/latest"),
])
def test_url_userinfo_in_any_value(given, shown):
    assert R.redact_value("HTTPS_PROXY", given) == shown
    assert R.redact_text("x " + given + " y") == "x " + shown + " y"


def test_text_forms():
    text = ("export HF_TOKEN=hf_abcdef123\nMODELSCOPE_API_TOKEN: 'ms-xyz'\npassword=hunter2 retries=3\n"
            "curl -H 'Authorization: Bearer eyJhbGciOi' https://user:s3cret@mirror.example/simple\n"
            "authorization=Basic dXNlcjpwYXNz\nAuthorization: rawtoken123\n"
            "tokenizer_2=CLIPTokenizer ASCEND_RT_VISIBLE_DEVICES=0 author=me TOKENIZERS_PARALLELISM=false")
    out = R.redact_text(text)
    for secret in ("hf_abcdef123", "ms-xyz", "hunter2", "eyJhbGciOi", "s3cret", "dXNlcjpwYXNz", "rawtoken123"):
        assert secret not in out, secret
    assert "HF_TOKEN=***" in out and "retries=3" in out and "https://***@mirror.example" in out
    assert "Authorization: Bearer ***" in out
    for kept in ("tokenizer_2=CLIPTokenizer", "ASCEND_RT_VISIBLE_DEVICES=0", "author=me", "TOKENIZERS_PARALLELISM=false"):
        assert kept in out


def test_home_folder_only_when_asked():
    text = "/home/alice/venvs/ms27/bin/python and /home/alicexyz"
    assert R.redact_text(text) == text  # check and compare keep paths as they are
    assert R.redact_text(text, home="/home/alice") == "~/venvs/ms27/bin/python and /home/alicexyz"
    assert R.redact_text(text, home="/") == text


def test_documents():
    doc = {"env": {"HF_TOKEN": "hf_x", "PATH": "/home/alice/bin", "HTTPS_PROXY": "http://a:b@p:3128", "N": 3,
                   "SSH_KEY": None, "FLAG_TOKEN": True},
           "n": 3, "img": "data:image/png;base64,AAAA", "log": ["export DB_PASSWORD=x"]}
    out = R.redact(doc, home="/home/alice")
    assert out == {"env": {"HF_TOKEN": "***", "PATH": "~/bin", "HTTPS_PROXY": "http://***@p:3128", "N": 3,
                           "SSH_KEY": None, "FLAG_TOKEN": True},
                   "n": 3, "img": "data:image/png;base64,AAAA", "log": ["export DB_PASSWORD=***"]}
    assert doc["env"]["HF_TOKEN"] == "hf_x"  # a copy


def test_check_and_the_node_report_use_the_same_rules():
    assert engine.redact is R.redact_value and engine.is_secret_name is R.is_secret_name
    assert node.redact_value is R.redact_value
    env = {"HCCL_IF_IP": "10.0.0.1", "ASCEND_CACHE_URL": "https://u:p@cache/x", "MS_SECRET": "x",
           "ASCEND_TOKEN": "t", "TOKENIZERS_PARALLELISM": "false", "PATH": "/usr/bin"}
    assert node.collect_env(env) == {"ASCEND_CACHE_URL": "https://***@cache/x", "ASCEND_TOKEN": "***",
                                     "HCCL_IF_IP": "10.0.0.1", "MS_SECRET": "***"}


def test_check_findings_mask_env_values(tmp_path):
    """The doctor's env findings: a rule's value holding a URL password is shown without it."""
    from test_check_engine import MS26

    from ascendfix.check import run_checks

    env = {"HOME": "/root", "TUNE_BANK_PATH": "https://me:pw123@bank.example/x"}
    found = run_checks(root=str(tmp_path), env=env, commands={}, environment=MS26, only=["env.vars"])
    text = json.dumps(found)
    assert "pw123" not in text and "https://***@bank.example/x" in text, text


def test_compare_re_redacts_what_it_reads(tmp_path, run_cli):
    """compare never trusts its input: a node report written by another tool with secrets in it."""
    for name, ip in (("a", "10.0.0.1"), ("b", "10.0.0.2")):
        doc = {"findings": [], "summary": {}, "node": {"host": name, "env": {"HCCL_IF_IP": ip, "MS_API_KEY": "key-" + name,
                                                              "ASCEND_CACHE_URL": "https://u:pw-{}@h/".format(name)}}}
        (tmp_path / (name + ".json")).write_text(json.dumps(doc))
    for args in (["--json"], ["-v"]):
        r = run_cli("compare", str(tmp_path / "a.json"), str(tmp_path / "b.json"), *args)
        out = r.stdout.decode()
        assert "key-a" not in out and "pw-a" not in out and "pw-b" not in out
    assert "env.MS_API_KEY" in out and "https://***@h/" in out, out  # -v: the items that are the same


@pytest.mark.parametrize("given, shown", [
    # an environment printed as a Python dict or as JSON (a log that dumps os.environ, a config echoed back)
    ("environ({'HF_TOKEN': 'hf_abc', 'PATH': '/bin'})", "environ({'HF_TOKEN': '***', 'PATH': '/bin'})"),
    ('{"HF_TOKEN": "hf_abc", "RANK": "0"}', '{"HF_TOKEN": "***", "RANK": "0"}'),
    ('os.environ["MS_API_KEY"] = "k-123"', 'os.environ["MS_API_KEY"] = "***"'),
    ("{'tokenizer_2': 'CLIPTokenizer'}", "{'tokenizer_2': 'CLIPTokenizer'}"),
])
def test_quoted_names(given, shown):
    assert R.redact_text(given) == shown


def test_compare_redacts_every_value_it_reads(tmp_path, run_cli):
    """Not only env: a package installed from a URL with credentials, or a node's own error text, are values a
    node report may carry; compare shows none of their secrets."""
    for name in ("a", "b"):
        doc = {"findings": [], "summary": {}, "node": {
            "host": name, "env": {}, "packages": {"mindspore": "2.7." + ("0" if name == "a" else "1"),
                                                  "private": "git+https://tok:pw-pkg@github.com/o/r"},
            "errors": ["hccl: hccn_tool failed: HF_TOKEN=hf-err in https://u:pw-url@mirror/simple"]}}
        (tmp_path / (name + ".json")).write_text(json.dumps(doc))
    for args in (["--json"], ["-v"]):
        r = run_cli("compare", str(tmp_path / "a.json"), str(tmp_path / "b.json"), *args)
        out = r.stdout.decode()
        assert r.returncode == 1 and "mindspore" in out
        for secret in ("pw-pkg", "hf-err", "pw-url"):
            assert secret not in out, (secret, out)
