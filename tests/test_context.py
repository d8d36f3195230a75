"""No module of the engine keeps state: every cache and per-build setting lives in the build
context in force, and one call forgets them all."""

from __future__ import annotations

import importlib
import logging
import pkgutil
import threading
import types
from pathlib import Path

import refsite
from refsite.context import BuildContext, current, using
from refsite.dataset import load_project
from refsite.mkdocs_host.build import build_into
from refsite.render.text import date_format, fmt_date, set_date_format

from conftest import copy_root


def _modules() -> list[types.ModuleType]:
    names = [m.name for m in pkgutil.walk_packages(refsite.__path__, "refsite.") if not m.name.endswith("__main__")]
    return [importlib.import_module(name) for name in names]


def _state(modules: list[types.ModuleType]) -> dict[str, str]:
    """Every module-level value that is data (not a module, function or class), as its repr."""
    state = {}
    for module in modules:
        for name, value in vars(module).items():
            if name.startswith("__") or isinstance(value, types.ModuleType | types.FunctionType | type):
                continue
            if isinstance(value, logging.Logger):
                continue  # the logging system's own objects, which each command configures for its output
            state[f"{module.__name__}.{name}"] = repr(value)
    return state


def test_a_build_changes_no_module_level_value(tmp_path: Path) -> None:
    modules = _modules()
    root = copy_root("views", tmp_path)
    ctx = BuildContext()
    with using(ctx):
        before = _state(modules)
        load_project(root)
        assert build_into(root, tmp_path / "out", strict=True) == 0
        after = _state(_modules())
    changed = sorted(k for k in before if before[k] != after.get(k))
    assert changed == [], changed
    assert sorted(set(after) - set(before)) == []
    # the caches went into the context, and forgetting it drops them all
    assert {"load.parsed", "sanitize.cleaned", "citations.formatters", "pages.made"} <= set(ctx.slots())
    ctx.forget()
    assert ctx.slots() == []


def test_contexts_are_separate() -> None:
    a, b = BuildContext(), BuildContext()
    with using(a):
        set_date_format("iso")
        assert fmt_date("2013-04-29") == "2013-04-29"
        with using(b):
            assert date_format() == "long"
            assert fmt_date("2013-04-29") == "29 April 2013"
        assert current() is a and date_format() == "iso"


def test_each_thread_starts_with_its_own_context() -> None:
    seen: list[BuildContext] = []
    thread = threading.Thread(target=lambda: seen.append(current()))
    thread.start()
    thread.join()
    assert seen and seen[0] is not current()
