"""Optional dependencies: imported where they are used, named in the error when missing."""

from __future__ import annotations

import importlib
from types import ModuleType

from footfall.errors import MissingExtra

# module -> the extra that installs it (pyproject.toml [project.optional-dependencies])
EXTRAS = {"bumble": "ble-sim"}


def require(module: str) -> ModuleType:
    """Import `module`; MissingExtra naming the pip extra when it is not installed."""
    try:
        return importlib.import_module(module)
    except ImportError:
        top = module.split(".")[0]
        extra = EXTRAS[top]
        raise MissingExtra(
            f"{top} is not installed; it comes with pip install 'footfall[{extra}]'"
        ) from None
