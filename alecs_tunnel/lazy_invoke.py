"""Defer paramiko's optional ``import invoke`` (about 30 ms) until it is used.

paramiko imports ``invoke`` at import time only to run ``Match exec`` lines of an SSH
config (``invoke.run``). A stand-in module is registered under that name; the first
attribute it lacks imports the real package and is taken from it, so ``Match exec``
keeps working. Import this module before paramiko.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any


class _Deferred(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), name)


def defer(name: str) -> None:
    """Register a stand-in for ``name`` if it is installed and not imported yet."""
    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return
    if spec is None:
        return  # not installed: the importer handles the ImportError itself
    module = _Deferred(name)
    module.__spec__ = spec
    sys.modules[name] = module


defer("invoke")
