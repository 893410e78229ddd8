"""`ascendfix report`: one shareable page (HTML + the same as JSON) of the check findings, the last smoke run
and an explained log. See :mod:`ascendfix.report.build` (the document), :mod:`ascendfix.report.page` (HTML),
:mod:`ascendfix.report.charts` (SVG charts) and :mod:`ascendfix.redact` (secrets, shared with check and compare)."""

# `import ascendfix as af; af.report(...)`: this package is callable as the library call (ascendfix.api.report)
from ascendfix.api import callable_package as _callable_package  # noqa: E402

_callable_package(__name__)
