"""Every third-party module the code imports is declared in pyproject.toml, so a fresh clone's
``pip install -e .`` (what ``make run`` does) runs it: the services' and tools' code against
``dependencies``, the tests and benchmarks against ``dependencies`` and the ``dev`` extra.
A module installed by hand in one venv and missing from pyproject fails here, not at start-up."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OWN = {"contracts", "services", "tools", "bench", "tests"}
#: Distributions the code needs without importing them by name: FastAPI reads form bodies
#: (``Form(...)``, ``request.form()``) with python-multipart; uvicorn serves with what it finds.
NEEDED_WITHOUT_IMPORT = {"python-multipart"}


def _name(requirement: str) -> str:
    """``"faststream[nats]>=0.7.8,<0.8"`` -> ``"faststream"``, normalised (PEP 503)."""
    bare = re.split(r"[\[<>=!~; ]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", bare).lower()


def _declared() -> tuple[set[str], set[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    main = {_name(r) for r in project["dependencies"]}
    dev = {_name(r) for r in project["optional-dependencies"]["dev"]}
    return main, dev


#: A line that may begin an import statement. The code is formatted by ruff, which puts every
#: statement on a line of its own, so every import begins such a line; a docstring's line that
#: happens to begin so is no statement and does not parse.
IMPORT_LINE = re.compile(r"^[ \t]*(?:import|from)[ \t]")


def _import_statements(source: str) -> Iterator[ast.stmt]:
    """The import statements of a module's source, each parsed alone (names in parentheses may
    run over several lines): parsing only these lines is ten times faster than the whole file,
    half a second of the fast tier."""
    lines = source.splitlines()
    for start, line in enumerate(lines):
        if not IMPORT_LINE.match(line):
            continue
        text, end = line.strip(), start
        while text.count("(") > text.count(")") and end + 1 < len(lines):
            end += 1
            text += "\n" + lines[end]
        try:
            yield from ast.parse(text).body
        except SyntaxError:
            continue


def _imports(*folders: str) -> dict[str, set[str]]:
    """Top-level module -> the files importing it, for every .py under ``folders``."""
    found: dict[str, set[str]] = {}
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in _import_statements(path.read_text()):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


def _undeclared(imports: dict[str, set[str]], declared: set[str]) -> dict[str, list[str]]:
    distributions = importlib.metadata.packages_distributions()
    missing: dict[str, list[str]] = {}
    for module, files in sorted(imports.items()):
        if module in OWN or module in sys.stdlib_module_names or module == "__future__":
            continue
        owners = {_name(d) for d in distributions.get(module, [module])}
        if not owners & declared:
            missing[f"{module} ({', '.join(sorted(owners))})"] = sorted(files)[:3]
    return missing


def test_the_codes_imports_are_declared_dependencies() -> None:
    main, _ = _declared()
    assert _undeclared(_imports("contracts", "services", "tools"), main) == {}
    assert main >= NEEDED_WITHOUT_IMPORT


def test_the_tests_and_benchmarks_imports_are_declared_dependencies() -> None:
    main, dev = _declared()
    assert _undeclared(_imports("tests", "bench"), main | dev) == {}
