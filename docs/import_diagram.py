"""Draw the import graph of petition_app's subpackages and top-level modules as a Mermaid diagram in
docs/architecture.md, between the two markers there. Run by `make architecture`; with --check it
only says whether the diagram in the document is current (tests/test_architecture.py runs that).

grimp (import-linter's own graph builder) reads the imports, those inside functions included."""
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
BEGIN, END = "<!-- import-diagram:begin -->", "<!-- import-diagram:end -->"
# The layers of setup.cfg's import-linter contract, top first: a box per layer in the diagram.
LAYERS = [
    ("entry points", ["cli", "api", "models", "monitoring"]),
    ("domains", ["admin", "reach", "organizers", "responses", "letters", "notifications", "stories", "signing", "accounts", "campaigns"]),
    ("core", ["formfields", "jobs", "mail", "security", "ratelimits", "links", "tokens", "i18n", "markdown", "signals",
              "extensions", "config", "timeutil", "logging_privacy"]),
    ("pure", ["rules"]),
]


def unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def edges() -> list[tuple[str, str]]:
    sys.path.insert(0, str(ROOT))
    graph = grimp.build_graph("petition_app")
    found = set()
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            a, b = unit(importer), unit(imported)
            if a != b and "petition_app" not in (a, b):
                found.add((a, b))
    return sorted(found)


def diagram() -> str:
    known = {name for _, names in LAYERS for name in names}
    lines = ["```mermaid", "flowchart TD"]
    for title, names in LAYERS:
        lines.append(f'  subgraph {title.replace(" ", "_")}["{title}"]')
        lines += [f"    {name}" for name in names]
        lines.append("  end")
    for a, b in edges():
        if a in known and b in known:
            lines.append(f"  {a} --> {b}")
    lines.append("```")
    return "\n".join(lines)


def render(text: str) -> str:
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{diagram()}\n{END}{tail}"


def main() -> int:
    text = DOC.read_text(encoding="utf-8")
    fresh = render(text)
    if "--check" in sys.argv:
        if fresh != text:
            print("docs/architecture.md: the import diagram is out of date; run `make architecture`")
            return 1
        return 0
    DOC.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
