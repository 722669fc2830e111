"""Every module or role the collection's documentation links to with M() or P() exists, with the right markup.

``M()`` is for modules only; a role is ``P(<fqcn>#role)`` (ansible-doc renders both as links, and a wrong
kind sends the reader to a page that does not exist). Read as ansible-doc reads the markup: by pattern,
over the plugins' DOCUMENTATION, EXAMPLES and RETURN and the doc fragments and filter docs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
COLLECTION = "acs.ingest."
MODULE_REF = re.compile(r"\bM\(([^)]+)\)")
PLUGIN_REF = re.compile(r"\bP\(([^#)]+)#([a-z]+)\)")
PLUGIN_DIRS = {"module": "modules", "inventory": "inventory", "filter": "filter", "action": "action"}


def _documented_files() -> list[Path]:
    files = [*sorted((REPO / "plugins").rglob("*.py")), *sorted((REPO / "plugins" / "filter").glob("*.yml"))]
    return [path for path in files if "module_utils" not in path.parts and "__pycache__" not in path.parts]


def _exists(name: str, kind: str) -> bool:
    if kind == "role":
        return (REPO / "roles" / name / "tasks").is_dir()
    folder = PLUGIN_DIRS.get(kind)
    return folder is not None and any((REPO / "plugins" / folder / f"{name}{ext}").is_file() for ext in (".py", ".yml"))


def references() -> list[tuple[str, str, str]]:
    """(file, fqcn, kind) for every M()/P() reference into this collection."""
    found = []
    for path in _documented_files():
        text = path.read_text(encoding="utf-8")
        where = str(path.relative_to(REPO))
        found += [(where, fqcn.strip(), "module") for fqcn in MODULE_REF.findall(text)]
        found += [(where, fqcn.strip(), kind) for fqcn, kind in PLUGIN_REF.findall(text)]
    return [ref for ref in found if ref[1].startswith(COLLECTION)]


def test_references_are_found() -> None:
    kinds = {kind for _where, _fqcn, kind in references()}
    assert {"module", "role"} <= kinds


@pytest.mark.parametrize(("where", "fqcn", "kind"), references(), ids=str)
def test_each_reference_names_an_existing_module_or_role(where: str, fqcn: str, kind: str) -> None:
    name = fqcn[len(COLLECTION) :]
    assert _exists(name, kind), f"{where}: {kind} {fqcn} does not exist" + (
        f"; it is a role: write P({fqcn}#role)" if kind == "module" and _exists(name, "role") else ""
    )
