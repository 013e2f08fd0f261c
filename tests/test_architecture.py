"""The shape of the code (docs/architecture.md): layers without cycles, enforced by import-linter's
contracts in setup.cfg; imports inside functions only where the factory needs them; a docstring on
every view; types checked by mypy in .ci/run."""
import ast
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_migration_files_sort_in_the_order_they_apply():
    """Issue 19: a newcomer reading migrations/versions/ top to bottom reads them in the order Alembic
    applies them (file names start with their place; revision ids stay what they were)."""
    import re

    found = {}
    for path in (PROJECT_ROOT / "migrations" / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        revision = re.search(r"^revision = '([^']+)'", text, re.M).group(1)
        down = re.search(r"^down_revision = (?:None|'([^']+)')", text, re.M).group(1)
        found[revision] = (path.name, down)
    applied, current = [], None
    while True:
        following = [revision for revision, (_, down) in found.items() if down == current]
        if not following:
            break
        assert len(following) == 1, f"two migrations follow {current}: {following}"
        current = following[0]
        applied.append(found[current][0])
    assert len(applied) == len(found), "a migration is not on the one line from the first to the head"
    assert applied == sorted(applied)
    assert all(re.match(r"\d{4}_", name) for name in applied)


def load_import_diagram():
    spec = importlib.util.spec_from_file_location("import_diagram", PROJECT_ROOT / "docs" / "import_diagram.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_diagram_draws_the_layers_of_the_contract_and_refuses_a_module_outside_them():
    """setup.cfg's layers contract is the one list of layers: the diagram draws its layers, every
    subpackage and module of petition_app is in one of them, and one missing fails the script."""
    diagram = load_import_diagram()
    layered = diagram.layers()
    units, edges = diagram.units_and_edges()
    assert {"paper", "bounces", "rules"} <= units
    assert units == {name for names in layered for name in names}  # no layer names a module that is gone
    drawn = diagram.diagram(layered, units, edges)
    assert "  paper --> campaigns" in drawn and "  bounces --> mail" in drawn
    without_paper = [[name for name in names if name != "paper"] for names in layered]
    with pytest.raises(diagram.UnknownNode, match="paper"):
        diagram.diagram(without_paper, units, edges)


def test_signal_receivers_are_connected_by_create_app_and_nowhere_else(app):
    """Who acts on a signal is one list (petition_app.register_receivers), not a side effect of an
    import: no module connects a receiver with a decorator."""
    from petition_app.letters.tasks import compile_at_the_goal
    from petition_app.notifications.tasks import announce_when_reached
    from petition_app.signals import campaign_file_imported, goal_reached
    from petition_app.stories.settings import apply_campaign_file

    decorated = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                decorated += [f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}" for d in node.decorator_list
                              if isinstance(d, ast.Attribute) and d.attr in ("connect", "connect_via")]
    assert decorated == []
    assert {r() for r in goal_reached.receivers.values()} == {announce_when_reached, compile_at_the_goal}
    assert {r() for r in campaign_file_imported.receivers.values()} == {apply_campaign_file}


# A module over this many lines is split along its seams (docs/architecture.md, "The rooms of a domain"),
# but for the named exceptions, each with its reason there.
MAX_MODULE_LINES = 300
LONG_MODULES = {"api/openapi.py"}  # data: the OpenAPI document, not logic


def test_no_module_is_over_300_lines_but_the_named_exceptions():
    sizes = {
        path.relative_to(PACKAGE).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in PACKAGE.rglob("*.py")
    }
    too_long = {name: lines for name, lines in sizes.items() if lines > MAX_MODULE_LINES and name not in LONG_MODULES}
    assert not too_long, f"split these along their seams: {too_long}"
    assert all(name in sizes for name in LONG_MODULES), "an exception names a module that is gone"
