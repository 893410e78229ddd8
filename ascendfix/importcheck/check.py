"""The check: every ``from <package>... import name`` of a tree against the installed package."""

import warnings
from dataclasses import replace

from ascendfix.importcheck.locate import _package_info_from_dir, locate_package
from ascendfix.importcheck.model import ImportCheckResult
from ascendfix.importcheck.resolver import Resolver
from ascendfix.importcheck.scanner import scan_tree


def check_imports(tree_root, package="transformers", python=None, package_dir=None):
    """Check every ``from <package>... import name`` under ``tree_root`` against the installed package.

    The package is located in the environment of ``python`` (path; None = this interpreter)
    without importing it, or read from ``package_dir`` (the package directory, or a directory
    holding it, e.g. site-packages or an unzipped wheel). Not installed → ``installed=False``
    and nothing is reported missing (the caller says the result could not be verified).
    """
    if package_dir is not None:
        pinfo = _package_info_from_dir(package, package_dir)
    else:
        pinfo = locate_package(package, python)
    refs, unparsable, scanned = scan_tree(tree_root, package)
    result = ImportCheckResult(
        package=package,
        installed=pinfo.installed,
        version=pinfo.version,
        location=pinfo.location,
        checked=len(refs),
        files=len(set(r.path for r in refs)),
        scanned=scanned,
        unparsable=unparsable,
        python=pinfo.python,
        python_version=pinfo.python_version,
    )
    if not pinfo.installed:
        return result
    resolver = Resolver(package, pinfo.locations or [pinfo.location])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for r in refs:
            reason = resolver.missing_reason(r.module, r.name)
            if reason is not None:
                result.missing.append(replace(r, reason=reason))
    return result
