"""Operations queue their domain's jobs by path, so that tasks.py (whose jobs run operations) and
operations.py import each other in one direction only (docs/architecture.md, "The rooms of a domain").
A path is a string the type checker cannot follow: this test is what fails when one names no job."""
import re
from pathlib import Path

import pytest

from petition_app.jobs import job_by_path

PACKAGE = Path(__file__).resolve().parent.parent / "petition_app"
JOB_PATH = re.compile(r'"(petition_app\.\w+\.tasks\.\w+)"')


def _named_paths() -> list[str]:
    found = set()
    for module in PACKAGE.glob("*/*.py"):
        if module.name != "tasks.py":
            found.update(JOB_PATH.findall(module.read_text(encoding="utf-8")))
    return sorted(found)


def test_operations_name_their_jobs_by_path():
    assert len(_named_paths()) >= 10  # signing, stories, letters and responses queue by path


@pytest.mark.parametrize("path", _named_paths())
def test_every_job_path_names_a_job(path):
    assert job_by_path(path).path == path


@pytest.fixture(scope="module")
def graph():
    import grimp

    return grimp.build_graph("petition_app", cache_dir=None)


def _cycles(graph, package: str) -> list[list[str]]:
    """The groups of modules of `package` that import each other in a circle (strongly connected
    components of the package's own import graph with more than one module)."""
    modules = sorted(m for m in graph.modules if m.startswith(f"petition_app.{package}."))
    edges = {m: sorted(set(graph.find_modules_directly_imported_by(m)) & set(modules)) for m in modules}
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        order[module] = low[module] = len(order)
        stack.append(module)
        for imported in edges[module]:
            if imported not in order:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], order[imported])
        if low[module] == order[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in modules:
        if module not in order:
            visit(module)
    return found


@pytest.mark.parametrize("package", ["signing", "stories", "letters", "responses", "notifications", "accounts", "reach", "api"])
def test_no_module_cycle_inside_the_package(graph, package):
    """import-linter's `acyclic_siblings` contract in setup.cfg runs between packages; inside these
    packages no module imports, through any chain of the package's modules, one that imports it back."""
    assert _cycles(graph, package) == []
