"""Typed reports: what each verb returns to a program, and the one place its outcome becomes an exit code.

A report wraps the verb's ``--json`` document: ``report.to_dict()`` is exactly that document (the JSON Schema of
each verb is ``schemas/<verb>.schema.json``), ``report.ok`` says whether the outcome was positive, and
``report.exit_code`` is the documented exit status (0 success, 1 the verb's negative outcome). Usage errors
(exit 2) are raised as :class:`ascendfix.errors.AscendfixError` and never become a report; internal errors
(exit 3) are exceptions too. ``ascendfix.cli`` maps exceptions; the reports map outcomes: the classes here, and a
verb's own report class built on :class:`Report` in its package (``ascendfix.smoke.report.SmokeReport``,
``ascendfix.apply.report.Report`` = ``ApplyReport``, ``ascendfix.apply.operations.RevertReport``).
"""

import copy

from ascendfix.errors import EXIT_NEGATIVE, EXIT_OK


class Report(object):
    """Base of every verb's report: the ``--json`` document plus ``ok`` and ``exit_code``."""

    verb = None

    def __init__(self, doc):
        if not isinstance(doc, dict):
            raise TypeError("a report wraps a JSON object, got {}".format(type(doc).__name__))
        self._doc = doc

    @property
    def exit_code(self):
        """0 or 1 for this outcome (subclasses define the rule)."""
        raise NotImplementedError

    @property
    def ok(self):
        return self.exit_code == EXIT_OK

    def to_dict(self):
        """The verb's ``--json`` document (a copy: changing it does not change the report)."""
        return copy.deepcopy(self._doc)

    def __getitem__(self, key):
        return self._doc[key]

    def __repr__(self):
        return "<{} ok={}>".format(type(self).__name__, self.ok)


class ExplainReport(Report):
    """``ascendfix explain LOG``: ``matches`` best first, ``lines_read``; not ok when no known signature matched."""

    verb = "explain"

    @property
    def matches(self):
        return self._doc["matches"]

    @property
    def lines_read(self):
        return self._doc["lines_read"]

    @property
    def exit_code(self):
        return EXIT_OK if self.matches else EXIT_NEGATIVE


class SignaturePage(Report):
    """``ascendfix explain ID``: one signature's page (id, cause, fix, explanation, patterns, examples...)."""

    verb = "explain"

    @property
    def id(self):
        return self._doc["id"]

    @property
    def exit_code(self):
        return EXIT_OK


def __getattr__(name):
    """The verbs' own report classes, imported on first use: ``reports.CheckReport`` lives in ascendfix.check,
    ``reports.ApplyReport`` / ``reports.RevertReport`` next to apply's operations (ascendfix.apply)."""
    if name == "CheckReport":
        from ascendfix.check.report import CheckReport

        return CheckReport
    if name == "ApplyReport":
        from ascendfix.apply.report import Report as ApplyReport

        return ApplyReport
    if name == "RevertReport":
        from ascendfix.apply.operations import RevertReport

        return RevertReport
    if name == "ReportDocument":
        from ascendfix.report.build import ReportDocument

        return ReportDocument
    raise AttributeError("module {!r} has no attribute {!r}".format(__name__, name))
