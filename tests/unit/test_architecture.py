"""The layout is the architecture: layers import inward, no circle, small modules, one touch point.

Read from the source with `ast`, so every import counts: at the top, inside a
function, or under `if TYPE_CHECKING`.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import eventsourcing.persistence
import eventsourcing.postgres
import eventsourcing.sqlite
import psycopg_pool
import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "stanceline"
MAX_LINES = 400
# The one module that touches eventsourcing's private or overridden API.
LIBRARY = "stanceline.adapters.library"
# The composition root: the one module of the application that names adapters.
ROOT = "stanceline.application.app"

# What each layer may import of the project (besides itself).
ALLOWED = {
    "domain": {"errors"},
    "projections": {"domain", "errors"},
    "stream": {"domain", "errors"},
    "adapters": {"domain", "projections", "stream", "config", "errors"},
    "application": {"domain", "projections", "stream", "config", "errors"},
    "interfaces": {"application", "domain", "projections", "stream", "config", "errors"},
    "config": {"errors"},
    "errors": set(),
    # The package names the public API (stanceline/__init__.py), which is a face too.
    "stanceline": {"api", "errors"},
    "api": {"application", "domain", "projections", "stream", "errors"},
}
# Third-party packages only one face may import (the pictures: the chart and the map).
FACE_ONLY: dict[str, tuple[str, ...]] = {
    "click": ("stanceline.interfaces.cli",),
    "fastapi": ("stanceline.interfaces.http",),
    "starlette": ("stanceline.interfaces.http",),
    "uvicorn": ("stanceline.interfaces.http",),
    # Not a face, but the same rule: one adapter holds the NATS client (the relay's broker).
    "nats": ("stanceline.adapters.jetstream",),
    "prometheus_client": ("stanceline.interfaces.http",),
    "fastapi_offline": ("stanceline.interfaces.http",),
    "matplotlib": (
        "stanceline.interfaces.chart",
        "stanceline.interfaces.chart_parts",
        "stanceline.interfaces.worldmap",
    ),
}
DOMAIN_LIBRARIES = {"pydantic", "pendulum", "edtf", "pycountry", "orjson"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


@cache
def tree(name: str) -> ast.Module:
    return ast.parse(modules()[name].read_text(encoding="utf-8"))


def imported(name: str) -> Iterator[str]:
    """Every module `name` imports, wherever the import statement stands."""
    package = name if modules()[name].name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree(name)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    [*package.split(".")[: len(package.split(".")) - node.level + 1], base]
                ).strip(".")
            for alias in node.names:
                # `from package import module` imports the module.
                yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules() else base


def project_imports(name: str) -> set[str]:
    return {target for target in imported(name) if target in modules() and target != name}


def layer(name: str) -> str:
    return name.split(".")[1] if "." in name else name


def test_no_module_imports_another_that_imports_it_back_however_far_round() -> None:
    graph = {name: project_imports(name) for name in modules()}
    circles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                circles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert circles == []


@pytest.mark.parametrize("name", sorted(modules()))
def test_each_layer_imports_only_inward(name: str) -> None:
    own = layer(name)
    allowed = ALLOWED[own] | {own}
    if name == ROOT:
        allowed = allowed | {"adapters"}
    outward = sorted(
        t for t in project_imports(name) if layer(t) not in allowed and t != "stanceline"
    )
    assert outward == [], f"{name} imports {outward}"


@pytest.mark.parametrize("name", sorted(n for n in modules() if layer(n) == "domain"))
def test_the_domain_imports_no_framework(name: str) -> None:
    outside = {
        target.split(".")[0]
        for target in imported(name)
        if target.split(".")[0] not in ("stanceline", "__future__")
        and not _standard_library(target.split(".")[0])
    }
    assert outside <= DOMAIN_LIBRARIES, f"{name} imports {sorted(outside - DOMAIN_LIBRARIES)}"


@pytest.mark.parametrize("name", sorted(modules()))
def test_only_its_face_imports_a_face_s_framework(name: str) -> None:
    for target in imported(name):
        owners = FACE_ONLY.get(target.split(".")[0])
        assert (
            owners is None
            or name in owners
            or name.startswith(tuple(f"{owner}." for owner in owners))
        ), f"{name} imports {target}"


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_module_is_over_the_limit(name: str) -> None:
    lines = modules()[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name}: {lines} lines"


def _library_privates() -> set[str]:
    """The private names of eventsourcing's persistence classes and of psycopg's pool."""
    names = set()
    for module in (eventsourcing.persistence, eventsourcing.sqlite, eventsourcing.postgres):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__.startswith("eventsourcing"):
                names |= {n for n in vars(cls) if n.startswith("_") and not n.startswith("__")}
    names |= {
        n for n in vars(psycopg_pool.ConnectionPool) if n.startswith("_") and not n.startswith("__")
    }
    names |= {"_check", "_sqlite_conn", "_create_connection"}
    return names - {"_replace", "_make", "_asdict", "_fields"}  # a named tuple's own API


def _defined_in(name: str) -> set[str]:
    """The private names a module gives its own functions and attributes."""
    found = set()
    for node in ast.walk(tree(name)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found |= {t.attr for t in targets if isinstance(t, ast.Attribute)}
    return found


@pytest.mark.parametrize("name", sorted(n for n in modules() if n != LIBRARY))
def test_only_the_library_module_touches_eventsourcing_s_private_api(name: str) -> None:
    privates = _library_privates() - _defined_in(name)
    touched = sorted(
        node.attr
        for node in ast.walk(tree(name))
        if isinstance(node, ast.Attribute) and node.attr in privates
    )
    assert touched == [], f"{name} touches {touched}"


@pytest.mark.parametrize("name", sorted(n for n in modules() if n != LIBRARY))
def test_only_the_library_module_overrides_eventsourcing_s_classes(name: str) -> None:
    from_library = {
        alias.asname or alias.name
        for node in ast.walk(tree(name))
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("eventsourcing")
        for alias in node.names
    }
    subclasses = sorted(
        node.name
        for node in ast.walk(tree(name))
        if isinstance(node, ast.ClassDef)
        and any(_named(base) in from_library for base in node.bases)
    )
    assert subclasses == [], f"{name} subclasses eventsourcing's classes: {subclasses}"


def test_every_project_error_is_declared_in_errors_py_under_the_base_error() -> None:
    from stanceline import errors

    declared = [
        (name, node.lineno)
        for name in modules()
        if name != "stanceline.errors"
        for node in ast.walk(tree(name))
        if isinstance(node, ast.ClassDef) and node.name.endswith("Error")
    ]
    assert declared == []
    for _, cls in inspect.getmembers(errors, inspect.isclass):
        if issubclass(cls, Exception) and cls is not errors.StancelineError:
            assert issubclass(cls, errors.StancelineError), cls
            builtin = [base for base in cls.__mro__ if base.__module__ == "builtins"]
            assert builtin[0] is not Exception, f"{cls.__name__} is under no builtin but Exception"


def _named(base: ast.expr) -> str | None:
    """The name a base class is written with (`Mapper` in `Mapper[str]` too)."""
    if isinstance(base, ast.Subscript):
        base = base.value
    return base.id if isinstance(base, ast.Name) else None


def _standard_library(name: str) -> bool:
    import sys

    return name in sys.stdlib_module_names
