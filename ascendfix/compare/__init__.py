"""`ascendfix compare`: what differs between nodes.

Library API::

    from ascendfix.compare import compare_paths
    report = compare_paths(["reports/"])      # files and/or folders
    report.ok                                   # False when a must-match item differs
    report.to_dict()                            # exactly what `ascendfix compare --json` prints
"""

from ascendfix.compare.engine import CompareReport, compare_nodes, compare_paths, load_nodes, normalise  # noqa: F401
