"""The module_utils layout: subpackages named for their concern, imports in one direction only.

plugins -> _ansible -> _services -> {_planner, _cloudstack, _libvirt, _remote, _firewall} -> _rules -> _core

Parsed from the source with ``ast`` (nothing is imported), so a wrong-way or circular import
fails here before it can surprise anyone at run time.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"
MODULE_UTILS = PLUGINS / "module_utils"
PREFIX = "ansible_collections.acs.ingest.plugins."

# Rank of each layer: a package may import its own modules and those of lower ranks only.
# Packages of equal rank are siblings and never import each other.
RANKS = {
    "_core": 0,
    "_rules": 1,
    "_planner": 2,
    "_cloudstack": 2,
    "_libvirt": 2,
    "_remote": 2,
    "_firewall": 2,
    "_services": 3,
    "_ansible": 4,
}
PLUGIN_RANK = 5  # modules, inventory, filter, action, doc_fragments

# Libraries that do I/O stay inside the one package that owns that kind of I/O, so the rest
# can be tested without a CloudStack, a hypervisor or a network.
IO_LIBRARIES = {
    "requests": "_cloudstack",
    "cs": "_cloudstack",
    "libvirt": "_libvirt",
    "paramiko": "_remote",
}
# The pure layers may not touch the process, the disk or the network at all.
PURE_PACKAGES = ("_core", "_rules", "_planner")
FORBIDDEN_IN_PURE = {"os", "subprocess", "socket", "shutil", "pathlib", "urllib", "http", "time", "ansible"}


def _python_files() -> Iterator[Path]:
    for path in sorted(PLUGINS.rglob("*.py")):
        if "__pycache__" not in path.parts:
            yield path


def _owner(path: Path) -> str:
    """The layer a source file belongs to: a module_utils subpackage, or 'plugins'."""
    relative = path.relative_to(PLUGINS)
    if relative.parts[0] == "module_utils" and len(relative.parts) > 2:
        return relative.parts[1]
    return "plugins" if relative.parts[0] != "module_utils" else "module_utils"


def _dotted(path: Path) -> str:
    relative = path.relative_to(PLUGINS).with_suffix("")
    parts = [p for p in relative.parts if p != "__init__"]
    return PREFIX + ".".join(parts)


def _imports(path: Path) -> Iterator[tuple[str, int]]:
    """Every absolute module name ``path`` imports (``from x import y`` yields x and x.y)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module, node.lineno
            for alias in node.names:
                yield f"{node.module}.{alias.name}", node.lineno


def _layer_of(module: str) -> str | None:
    """The module_utils subpackage an imported name lives in, if it is ours."""
    if not module.startswith(PREFIX + "module_utils."):
        return None
    return module[len(PREFIX + "module_utils.") :].split(".")[0]


def _rank(layer: str) -> int:
    return PLUGIN_RANK if layer == "plugins" else RANKS[layer]


def test_no_flat_module_utils_files() -> None:
    flat = [p.name for p in MODULE_UTILS.glob("*.py") if p.name != "__init__.py"]
    assert not flat, f"put these into a subpackage named for their concern: {flat}"


def test_every_subpackage_has_a_rank() -> None:
    packages = sorted(p.name for p in MODULE_UTILS.iterdir() if p.is_dir() and p.name != "__pycache__")
    assert packages, "no module_utils subpackages found"
    unknown = [name for name in packages if name not in RANKS]
    assert not unknown, f"give these a rank in RANKS (and DEVELOPERS.md's map): {unknown}"
    missing_init = [name for name in packages if not (MODULE_UTILS / name / "__init__.py").is_file()]
    assert not missing_init, f"these subpackages lack __init__.py: {missing_init}"


def _wrong_way_imports() -> list[str]:
    wrong = []
    for path in _python_files():
        owner = _owner(path)
        if owner == "module_utils":
            continue
        for module, line in _imports(path):
            layer = _layer_of(module)
            if layer is None or layer == owner or layer not in RANKS:
                continue
            if _rank(layer) >= _rank(owner):
                where = path.relative_to(PLUGINS)
                wrong.append(f"{where}:{line} ({owner}) imports {module} ({layer})")
    return wrong


def test_imports_go_one_way() -> None:
    wrong = _wrong_way_imports()
    assert not wrong, "imports against the layer order:\n" + "\n".join(wrong)


def test_io_libraries_stay_in_their_package() -> None:
    leaks = []
    for path in MODULE_UTILS.rglob("*.py"):
        owner = _owner(path)
        for module, line in _imports(path):
            home = IO_LIBRARIES.get(module.split(".")[0])
            if home and owner != home:
                leaks.append(f"{path.relative_to(PLUGINS)}:{line} imports {module} (belongs in {home})")
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("package", PURE_PACKAGES)
def test_pure_packages_do_no_io(package: str) -> None:
    directory = MODULE_UTILS / package
    if not directory.is_dir():
        pytest.skip(f"{package} does not exist yet")
    impure = []
    for path in directory.rglob("*.py"):
        for module, line in _imports(path):
            top = module.split(".")[0]
            if top in FORBIDDEN_IN_PURE or top in IO_LIBRARIES:
                impure.append(f"{path.relative_to(PLUGINS)}:{line} imports {module}")
    assert not impure, f"{package} must stay pure (no I/O, no Ansible):\n" + "\n".join(impure)


def test_no_circular_imports() -> None:
    files = {_dotted(path): path for path in MODULE_UTILS.rglob("*.py") if "__pycache__" not in path.parts}
    graph = {
        name: sorted({module for module, _line in _imports(path) if module in files and module != name})
        for name, path in files.items()
    }
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    cycles: list[str] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in graph[node]:
            if state.get(target) == 1:
                loop = trail[trail.index(target) :] + [target] if target in trail else [node, target]
                cycles.append(" -> ".join(name.rsplit(".", 2)[-2] + "." + name.rsplit(".", 1)[-1] for name in loop))
            elif target not in state:
                visit(target, trail + [target])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, "circular imports:\n" + "\n".join(cycles)


def test_the_checker_catches_a_wrong_way_import(tmp_path: Path) -> None:
    """The rule itself must be able to fail: a core module importing a service is reported."""
    sample = tmp_path / "sample.py"
    sample.write_text(f"from {PREFIX}module_utils._services.unmanage import run_unmanage\n")
    module, _line = next(iter(_imports(sample)))
    layer = _layer_of(module)
    assert layer == "_services"
    assert _rank(layer) >= _rank("_core")


def test_test_file_names_are_unique() -> None:
    """pytest imports test files by basename (no __init__.py packages): two files of one name in
    different folders stop the whole run at collection, although each passes when run alone."""
    tests = PLUGINS.parent / "tests"
    seen: dict[str, list[str]] = {}
    for path in sorted(tests.rglob("test_*.py")):
        if not {"output", "__pycache__"} & set(path.parts):
            seen.setdefault(path.name, []).append(str(path.parent.relative_to(tests)))
    clashes = {name: folders for name, folders in seen.items() if len(folders) > 1}
    assert not clashes, f"rename one of each: {clashes}"
