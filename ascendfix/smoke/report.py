"""The typed outcome of one smoke: :class:`SmokeReport` (``.ok``, ``.to_dict()`` = report.json = ``--json``).

report.json keys: ``ascendfix`` (version), ``status`` (pass/fail), ``recipe`` {id, file, title, values, tiny},
``environment`` {python, python_version, device, host, platform, packages, framework, npu, npu_chips},
``preflight``, ``weights``, ``timings`` (flat: medians of the measured calls, once-stages as measured, total,
total_wall), ``timing`` {stats per stage: median/mad/min/max/n/samples, first_call, calls}, ``references``
(published figures beside this run), ``memory``, ``image`` {path, stats, checks}, ``failure``,
``diagnosis``, ``notes``, ``started``, and ``comparison`` when ``--compare`` was given.
"""

import json
import os
from pathlib import Path

from ascendfix.errors import EXIT_NEGATIVE, EXIT_OK, AscendfixError
from ascendfix.reports import Report


class SmokeReport(Report):
    verb = "smoke"

    def __init__(self, doc, out=None):
        super().__init__(doc)
        self.out = Path(out) if out is not None else None

    @property
    def exit_code(self):
        return EXIT_OK if self.ok else EXIT_NEGATIVE

    @property
    def ok(self):
        """The smoke passed (and, with a comparison, no regression and comparable settings)."""
        if self._doc.get("status") != "pass":
            return False
        comp = self._doc.get("comparison")
        return comp is None or bool(comp.get("ok"))

    @property
    def passed(self):
        return self._doc.get("status") == "pass"

    @property
    def png(self):
        img = self._doc.get("image") or {}
        return Path(img["path"]) if img.get("path") else None

    def __getitem__(self, key):
        return self._doc[key]

    def get(self, key, default=None):
        return self._doc.get(key, default)

    def to_dict(self):
        return self._doc


def load_report(path, flag="--compare"):
    """A report.json (or a smoke output folder holding one) as a dict; exit 2 when it is not one."""
    p = Path(os.path.expanduser(str(path)))
    if p.is_dir():
        p = p / "report.json"
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AscendfixError("{} {}: no such file".format(flag, path))
    except (OSError, UnicodeDecodeError) as e:
        raise AscendfixError("{} {}: cannot read: {}".format(flag, path, getattr(e, "strerror", None) or e))
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise AscendfixError("{} {}: not JSON ({})".format(flag, path, e))
    if not isinstance(doc, dict) or "recipe" not in doc or "status" not in doc or "timings" not in doc:
        raise AscendfixError("{} {}: not a smoke report.json (no recipe/status/timings)".format(flag, path))
    return doc


def png_of(doc, report_path=None):
    """The generated PNG of a loaded report: next to its report.json first (the folder may have moved)."""
    img = (doc.get("image") or {}).get("path")
    if not img:
        return None
    if report_path is not None:
        p = Path(os.path.expanduser(str(report_path)))
        folder = p if p.is_dir() else p.parent
        beside = folder / Path(img).name
        if beside.is_file():
            return beside
    return Path(img) if Path(img).is_file() else None
