# `import ascendfix as af; af.explain(...)`: this package is callable as the library call (ascendfix.api.explain)
from ascendfix.api import callable_package as _callable_package  # noqa: E402

_callable_package(__name__)
