# `import ascendfix as af; af.apply(...)`: this package is callable as the library call (ascendfix.api.apply)
from ascendfix.api import callable_package as _callable_package  # noqa: E402

_callable_package(__name__)
