"""The house rules of docs/architecture.md, checked on the import graph (import-linter over grimp).

The contracts themselves live in ``setup.cfg`` (``[importlinter:contract:*]``): domain packages depend
downward only (``deals`` orchestrates ``escrow``, ``shipping`` and ``disputes``, never the other way),
low-level modules name no domain, nothing imports an API module but the app factory, and no import
cycles between sibling packages or modules. Function-level imports count: grimp reads them too.
"""

from __future__ import annotations

import ast
import importlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from marketplace.settings import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "marketplace"
DOMAINS = ("accounts", "vendors", "rfq", "orders", "deals", "escrow", "shipping", "disputes", "notifications", "web")
LOW_LEVEL = ("registry.py", "actors.py", "jobs.py", "worker.py", "statemachine.py", "database.py", "extensions.py", "errors.py", "money.py",
             "business_days.py", "pdf.py", "text.py", "units.py", "settings.py", "embedded.py", "http")

#: function-level imports that are there on purpose (an optional or heavy dependency loaded on use), with why;
#: anything else inside a function is an import that should sit at the top of its module
ALLOWED_LOCAL_IMPORTS: dict[tuple[str, str], str] = {}


def _run_contracts(root: Path) -> subprocess.CompletedProcess:
    """``lint-imports`` (import-linter's command) over the tree at ``root`` with its ``setup.cfg``."""
    env = dict(os.environ, PYTHONPATH=str(root))
    command = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
                                     "sys.exit(lint_imports_command())", "--config", str(root / "setup.cfg"), "--no-cache"]
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=300)


def test_the_import_graph_keeps_every_contract():
    result = _run_contracts(PROJECT_ROOT)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_an_escrow_module_importing_deals_breaks_the_contracts(tmp_path):
    """The guard can fail: a copy of the tree where escrow imports deals services is refused."""
    shutil.copytree(PACKAGE, tmp_path / "marketplace", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT_ROOT / "setup.cfg", tmp_path / "setup.cfg")
    target = tmp_path / "marketplace" / "escrow" / "services.py"
    source = target.read_text()
    first_import = re.search(r"^from \.\.", source, re.M).start()
    target.write_text(source[:first_import] + "from ..deals import services as _deals  # noqa: F401\n"
                      + source[first_import:])
    result = _run_contracts(tmp_path)
    assert result.returncode != 0
    assert "marketplace.escrow is not allowed to import marketplace.deals" in result.stdout


def _docstring_nodes(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _low_level_files() -> list[Path]:
    out = []
    for name in LOW_LEVEL:
        path = PACKAGE / name
        out += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return out


@pytest.mark.parametrize("path", _low_level_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_low_level_modules_name_no_domain_even_as_strings(path):
    tree = ast.parse(path.read_text())
    docstrings = _docstring_nodes(tree)
    pattern = re.compile(rf"\b(marketplace\.)?({'|'.join(DOMAINS)})[.:]")
    found = [node.value for node in ast.walk(tree)
             if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
             and pattern.search(node.value)]
    assert not found, f"{path.name} names a domain: {found}"


def _local_imports() -> list[tuple[str, str, int]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom):
                    names = ["." * node.level + (node.module or "")]
                else:
                    continue
                rel = str(path.relative_to(PROJECT_ROOT))
                out += [(rel, name, node.lineno) for name in names]
    return out


def test_function_level_imports_are_only_the_deliberate_ones():
    unexpected = [f"{path}:{line} imports {name}" for path, name, line in _local_imports()
                  if (path, name) not in ALLOWED_LOCAL_IMPORTS]
    assert not unexpected, "move these imports to the top of their module:\n" + "\n".join(unexpected)


_DOTTED = re.compile(r"""["'](marketplace(?:\.[a-z_]+)+)["']""")


@pytest.mark.parametrize("root", ["marketplace", "tests"])
def test_every_dotted_job_path_in_the_code_names_a_real_function(root):
    """Jobs are queued by dotted path (RQ imports it in the worker): a path to nothing fails silently there."""
    broken = []
    for path in sorted((PROJECT_ROOT / root).rglob("*.py")):
        for dotted in _DOTTED.findall(path.read_text()):
            module, _, name = dotted.rpartition(".")
            try:
                importlib.import_module(dotted)  # a module path (e.g. ``-m marketplace.cli``) is fine
                continue
            except ImportError:
                pass
            try:
                found = callable(getattr(importlib.import_module(module), name, None))
            except ImportError:
                found = False
            if not found:
                broken.append(f"{path.relative_to(PROJECT_ROOT)}: {dotted}")
    assert not broken, "\n".join(broken)
