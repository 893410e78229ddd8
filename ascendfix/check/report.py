"""The typed report of ``ascendfix check`` (the library's return value; its ``to_dict()`` is the --json document)."""

from ascendfix.errors import EXIT_NEGATIVE, EXIT_OK
from ascendfix.reports import Report


class CheckReport(Report):
    """``findings`` (dicts as in --json), ``summary`` and the stack ``plan``
    (:class:`ascendfix.check.plan.Plan`; its dict form is ``to_dict()["plan"]``). Not ok when errors were found
    (or warnings, with strict)."""

    verb = "check"

    def __init__(self, findings, summary, plan=None, node=None):
        self._plan = plan
        doc = {"findings": findings, "summary": summary, "plan": plan.to_dict() if plan is not None else None}
        if node is not None:  # this node, for `ascendfix compare` (ascendfix/check/node.py)
            doc["node"] = node
        super(CheckReport, self).__init__(doc)

    @property
    def findings(self):
        return self._doc["findings"]

    @property
    def summary(self):
        return self._doc["summary"]

    @property
    def plan(self):
        return self._plan

    def by_status(self, status):
        return [f for f in self.findings if f.get("status") == status]

    @property
    def exit_code(self):
        return EXIT_OK if self.summary["ok"] else EXIT_NEGATIVE
