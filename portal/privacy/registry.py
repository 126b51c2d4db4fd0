"""What each package adds to the export and to account deletion, beyond the rows of retention.TABLES.

The rows of every table are exported and erased from ``retention.TABLES``; a
package registers here what needs code (files on disk, cancelling what is still
to come so seats and slots are freed, a more readable section…). A package
declares its hooks in a module ``portal/<package>/privacy_hooks.py``; every such
module is imported by :func:`load`.
"""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import portal


@dataclass(frozen=True)
class Hooks:
    name: str
    # user -> {file name in the zip: bytes}
    files: Callable | None = None
    # (user, now) -> {label: count}; runs before the rows of retention.TABLES are erased
    erase: Callable | None = None


HOOKS: dict[str, Hooks] = {}
_loaded = False


def register(name: str, *, files: Callable | None = None, erase: Callable | None = None) -> None:
    HOOKS[name] = Hooks(name=name, files=files, erase=erase)


def load() -> dict[str, Hooks]:
    global _loaded
    if not _loaded:
        importlib.import_module("portal.privacy.hooks")
        for info in pkgutil.iter_modules(portal.__path__):
            if info.ispkg:
                try:
                    importlib.import_module(f"portal.{info.name}.privacy_hooks")
                except ModuleNotFoundError as err:
                    if err.name != f"portal.{info.name}.privacy_hooks":
                        raise
        _loaded = True
    return HOOKS


def run_erasers(user, now: datetime) -> dict[str, int]:
    done: dict[str, int] = {}
    for hooks in load().values():
        if hooks.erase is not None:
            done.update(hooks.erase(user, now) or {})
    return done


def collect_files(user) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for hooks in load().values():
        if hooks.files is not None:
            files.update(hooks.files(user) or {})
    return files
