"""Draw the import graph of petition_app's subpackages and top-level modules as a Mermaid diagram in
docs/architecture.md, between the two markers there. Run by `make architecture`; with --check it
only says whether the diagram in the document is current (tests/test_architecture.py runs that).

The boxes are the layers of setup.cfg's import-linter contract, top first: that contract is the one
list of the layers, read here. A subpackage or module that the contract does not name fails the
script (it would otherwise be drawn nowhere, and its edges dropped in silence).

grimp (import-linter's own graph builder) reads the imports, those inside functions included."""
import configparser
import re
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
SETUP_CFG = ROOT / "setup.cfg"
CONTRACT = "importlinter:contract:layers"
PACKAGE = "petition_app"
BEGIN, END = "<!-- import-diagram:begin -->", "<!-- import-diagram:end -->"


class UnknownNode(ValueError):
    """A subpackage or module of petition_app that no layer of the contract names."""


def layers(config: Path = SETUP_CFG) -> list[list[str]]:
    """The layers of the contract, top first, each the names of its subpackages and modules (`a | b`
    and `a : b` alike: the diagram draws the edges, the contract says which are allowed)."""
    parser = configparser.ConfigParser()
    parser.read(config, encoding="utf-8")
    lines = [line.strip() for line in parser[CONTRACT]["layers"].splitlines() if line.strip()]
    return [[name.strip() for name in re.split(r"[|:]", line) if name.strip()] for line in lines]


def unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def units_and_edges() -> tuple[set[str], list[tuple[str, str]]]:
    """Every subpackage and top-level module of petition_app, and the imports between them."""
    sys.path.insert(0, str(ROOT))
    graph = grimp.build_graph(PACKAGE)
    units = {unit(module) for module in graph.modules} - {PACKAGE}
    found = set()
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            a, b = unit(importer), unit(imported)
            if a != b and PACKAGE not in (a, b):
                found.add((a, b))
    return units, sorted(found)


def diagram(layered: list[list[str]], units: set[str], edges: list[tuple[str, str]]) -> str:
    known = {name for names in layered for name in names}
    unknown = sorted((units | {name for edge in edges for name in edge}) - known)
    if unknown:
        raise UnknownNode(f"not in any layer of [{CONTRACT}] in setup.cfg: {', '.join(unknown)}")
    lines = ["```mermaid", "flowchart TD"]
    for number, names in enumerate(layered, start=1):
        lines.append(f'  subgraph layer{number}["{" · ".join(names)}"]')
        lines += [f"    {name}" for name in names]
        lines.append("  end")
    lines += [f"  {a} --> {b}" for a, b in edges]
    lines.append("```")
    return "\n".join(lines)


def render(text: str, fresh_diagram: str) -> str:
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{fresh_diagram}\n{END}{tail}"


def main() -> int:
    text = DOC.read_text(encoding="utf-8")
    try:
        fresh = render(text, diagram(layers(), *units_and_edges()))
    except UnknownNode as exc:
        print(f"docs/import_diagram.py: {exc}")
        return 1
    if "--check" in sys.argv:
        if fresh != text:
            print("docs/architecture.md: the import diagram is out of date; run `make architecture`")
            return 1
        return 0
    DOC.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
