"""Default output names are made from the time to the second: two runs in the same second must still each get
their own (smoke's folder, report's page + .json) instead of the second failing with "pass --force"."""

import datetime as real_datetime
import types

import pytest


class _FrozenDateTime(real_datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return cls(2026, 1, 2, 3, 4, 5, tzinfo=tz)


_FROZEN = types.SimpleNamespace(datetime=_FrozenDateTime, timezone=real_datetime.timezone)


def test_smoke_default_folders_in_one_second(tmp_path, monkeypatch):
    from ascendfix.smoke import operation

    monkeypatch.setattr(operation, "datetime", _FROZEN)
    monkeypatch.chdir(tmp_path)
    first = operation.prepare_out(None, "sdxl-mindone", False)
    (first / "report.json").write_text("{}")
    second = operation.prepare_out(None, "sdxl-mindone", False)
    assert first.name == "smoke-sdxl-mindone-20260102-030405"
    assert second.name == "smoke-sdxl-mindone-20260102-030405-2"


@pytest.mark.parametrize("taken", ["html", "json"])
def test_report_default_page_in_one_second(run_cli, tmp_path, monkeypatch, taken):
    from ascendfix.report import build

    monkeypatch.setattr(build, "datetime", _FROZEN)
    (tmp_path / "ascendfix-report-20260102-030405.{}".format(taken)).write_text("earlier")
    r = run_cli("report", "--no-check", "--no-smoke")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "ascendfix-report-20260102-030405-2.html").is_file()
    assert (tmp_path / "ascendfix-report-20260102-030405-2.json").is_file()
    assert (tmp_path / "ascendfix-report-20260102-030405.{}".format(taken)).read_text() == "earlier"
