"""The shape of the code (docs/architecture.md): layers without cycles, enforced by import-linter's
contracts in setup.cfg; imports inside functions only where the factory needs them; a docstring on
every view; types checked by mypy in .ci/run."""
import ast
import shutil
import subprocess
import sys
from pathlib import Path

from petition_app.config import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "petition_app"
# create_app and the registration of CLI commands import late, as Flask's own pattern does.
FACTORY_FILES = {"__init__.py", "cli.py"}
MAX_LOCAL_IMPORTS = 3


def lint_imports():
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    return subprocess.run([command, "--config", "setup.cfg"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)


def test_import_linter_contracts_hold():
    result = lint_imports()
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout and "Layers" in result.stdout and "No cycle" in result.stdout


def local_imports():
    """Imports of petition_app placed inside functions, outside the factory files."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.relative_to(PACKAGE).as_posix() in FACTORY_FILES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.ImportFrom) and (node.level > 0 or (node.module or "").startswith("petition_app")):
                    found.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}")
                elif isinstance(node, ast.Import) and any(a.name.startswith("petition_app") for a in node.names):
                    found.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}")
    return sorted(set(found))


def test_imports_inside_functions_are_few_and_say_why():
    places = local_imports()
    assert len(places) <= MAX_LOCAL_IMPORTS, places
    for place in places:
        path, line = place.split(":")
        lines = (PROJECT_ROOT / path).read_text(encoding="utf-8").splitlines()
        context = "\n".join(lines[max(0, int(line) - 4) : int(line)])
        assert "#" in context, f"{place}: say in a comment why this import is inside a function"


def test_every_view_says_what_it_serves_and_to_whom(app):
    missing = sorted(
        endpoint for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not (view.__doc__ or "").strip()
    )
    assert missing == []
    assert len(app.view_functions) > 40  # the whole app is registered, not an empty shell


def test_the_import_diagram_in_the_architecture_document_is_current():
    result = subprocess.run(
        [sys.executable, "docs/import_diagram.py", "--check"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    document = (PROJECT_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert "signing --> campaigns" in document and "campaigns --> signing" not in document
