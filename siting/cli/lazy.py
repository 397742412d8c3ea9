"""Stand-ins that import a module on first use, so that ``siting --help`` starts without pandas, geopandas and
the solver (issue 27: start-up was ~1 s, most of it imports no command-line parsing needs).

The command modules keep their names (``pd.DataFrame``, ``optimize(...)``) and their real imports for the type
checker under ``TYPE_CHECKING``; at run time the names are these stand-ins.  The pattern is SPEC 1 of the
Scientific Python community (lazy loading of submodules and functions, ``lazy_loader``), written out in a few
lines for the few names the CLI needs.
"""

from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    """A module imported on the first attribute access (``pd = LazyModule("pandas")``; ``pd.DataFrame``)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)


def lazy_function(module: str, name: str) -> Any:
    """A function that imports ``module`` when first called and forwards to ``module.name``."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call
