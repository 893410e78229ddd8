"""`ascendfix compare`: what differs between nodes.

Library API::

    import ascendfix as af
    report = af.compare(["reports/"])            # files and/or folders (also: ascendfix.compare.compare_paths)
    report.ok, report.exit_code                  # not ok when a must-match item differs or a per-node value collides
    report.failing                               # the rows that fail, each {item, group, policy, values, note}
    report.to_dict()                             # exactly what `ascendfix compare --json` prints
"""

from ascendfix.compare.engine import CompareReport, compare_nodes, compare_paths, load_nodes, normalise  # noqa: F401

# `import ascendfix as af; af.compare(...)`: this package is callable as the library call (ascendfix.api.compare)
from ascendfix.api import callable_package as _callable_package  # noqa: E402

_callable_package(__name__)
