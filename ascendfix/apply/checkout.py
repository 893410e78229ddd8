"""Which tree a PATH means: the source checkout around it, and the folders a run never enters.

``ascendfix apply PATH`` patches a source checkout. The checkout root is the nearest folder at or
above PATH holding ``pyproject.toml`` or ``setup.py``: file rules (pins) edit the files there, the
journal lives there, and Python rules cover PATH (all of the checkout, or the part PATH names).
A PATH inside a Python environment (a folder with ``pyvenv.cfg`` or ``conda-meta/``, or under
``site-packages``) or with no checkout around it is refused unless ``--force``, which patches PATH
itself as given. Below the root, a run never enters environments, VCS or build folders
(:func:`ascendfix.apply.files.walk`).
"""

import os
import re
from pathlib import Path

MARKERS = ("pyproject.toml", "setup.py")
ENV_DIR_NAMES = ("site-packages", "dist-packages")


def environment_marker(folder, names=None):
    """Why ``folder`` is a Python environment (``pyvenv.cfg``, ``conda-meta/``, ``site-packages``), or None.

    ``names``: the folder's entries when already listed (saves a stat per marker).
    """
    folder = str(folder)
    base = os.path.basename(folder.rstrip(os.sep))
    if base in ENV_DIR_NAMES:
        return base
    if names is not None:
        if "pyvenv.cfg" in names:
            return "pyvenv.cfg"
        if "conda-meta" in names:
            return "conda-meta"
        return None
    if os.path.isfile(os.path.join(folder, "pyvenv.cfg")):
        return "pyvenv.cfg"
    if os.path.isdir(os.path.join(folder, "conda-meta")):
        return "conda-meta"
    return None


class Checkout:
    """``root``: the folder the run's relative paths start from; ``scope``: PATH under it ("" = all of it);
    ``marker``: the file that made ``root`` a checkout (None when none was found); ``environment``:
    the Python environment PATH is inside (None when not)."""

    def __init__(self, path, root, marker=None, environment=None):
        self.path = Path(path)
        self.root = Path(root)
        self.marker = marker
        self.environment = environment
        scope = os.path.relpath(str(Path(path).resolve()), str(self.root))
        self.scope = "" if scope == "." else scope.replace(os.sep, "/")

    @property
    def is_checkout(self):
        return self.marker is not None and self.environment is None

    def to_dict(self):
        return {"root": str(self.root), "marker": self.marker, "scope": self.scope,
                "environment": self.environment}


def find_checkout(path):
    """The :class:`Checkout` around ``path`` (an existing folder).

    Climbing from ``path``: a folder named ``site-packages`` means installed packages; a folder
    holding ``pyproject.toml``/``setup.py`` is the checkout; a folder holding ``pyvenv.cfg`` or
    ``conda-meta/`` (an environment's own root) before any checkout means PATH is in the environment.
    A checkout inside an environment folder (``venv/src/pkg``, as ``pip install -e`` makes) is a checkout.
    """
    here = Path(path).resolve()
    for folder in [here] + list(here.parents):
        if folder.name in ENV_DIR_NAMES:
            return Checkout(path, here, environment="{} ({})".format(folder, folder.name))
        for m in MARKERS:
            if (folder / m).is_file():
                return Checkout(path, folder, marker=m)
        why = environment_marker(folder)
        if why is not None:
            return Checkout(path, here, environment="{} ({})".format(folder, why))
    return Checkout(path, here)


_REQ_PY = re.compile(r"""python_requires\s*=\s*(['"])(?P<spec>[^'"]+)\1""")


def requires_python(root):
    """The checkout's declared Python floor: ``(spec text, file)``, or ``(None, None)`` when it declares none."""
    root = Path(root)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            import tomlkit

            doc = tomlkit.parse(pyproject.read_text(encoding="utf-8-sig"))
            project = doc.get("project")
            spec = project.get("requires-python") if hasattr(project, "get") else None
            if isinstance(spec, str):
                return str(spec), "pyproject.toml"
        except Exception:  # a broken pyproject.toml: the pins rule reports it
            pass
    setup = root / "setup.py"
    if setup.is_file():
        try:
            m = _REQ_PY.search(setup.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            m = None
        if m:
            return m.group("spec"), "setup.py"
    return None, None
