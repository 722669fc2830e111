"""The host modules run on the KVM hosts' own Python, which may be as old as 3.8 (ansible-core 2.19 targets).

``libvirt_tcp_config``, ``libvirt_tcp_firewall``, ``libvirt_tcp_probe`` and ``persist_domain_xml`` are sent
to the hosts with every module_util they import (AnsiballZ follows the import statements, as
``host_closure`` does here). Those files must import on 3.8 and must not call what 3.8 lacks:

- always: each file is parsed with ``ast`` for constructs newer than 3.8 in code that runs (annotations
  are lazy thanks to ``from __future__ import annotations``; ``if TYPE_CHECKING:`` blocks never run);
- when a python3.8 interpreter is present (``PATH`` or pyenv): each file is imported under it, with
  ansible-core's ``module_utils`` beside it as AnsiballZ ships them.
"""

from __future__ import annotations

import ast
import glob
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PREFIX = "ansible_collections.acs.ingest."
HOST_MODULES = ("libvirt_tcp_config", "libvirt_tcp_firewall", "libvirt_tcp_probe", "persist_domain_xml")
OLDEST = (3, 8)

# Subscripting these at run time needs 3.9 (PEP 585); an ``X | Y`` of types needs 3.10 (PEP 604).
BUILTIN_GENERICS = {"tuple", "list", "dict", "set", "frozenset", "type"}
BUILTIN_TYPES = BUILTIN_GENERICS | {"int", "str", "bytes", "float", "bool", "object"}
NEWER_METHODS = {"removeprefix": "3.9", "removesuffix": "3.9"}
NEWER_KEYWORDS = {("zip", "strict"): "3.10", ("dataclass", "slots"): "3.10", ("dataclass", "kw_only"): "3.10"}


def _imported_files(path: Path) -> Iterator[Path]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PREFIX):
            base = REPO / node.module[len(PREFIX) :].replace(".", "/")
            if base.with_suffix(".py").is_file():
                yield base.with_suffix(".py")
            for alias in node.names:
                if (base / f"{alias.name}.py").is_file():
                    yield base / f"{alias.name}.py"


def host_closure() -> list[Path]:
    """The host modules and every file of the collection they import, directly or not."""
    seen: set[Path] = set()
    todo = [REPO / "plugins" / "modules" / f"{name}.py" for name in HOST_MODULES]
    while todo:
        path = todo.pop()
        if path not in seen:
            seen.add(path)
            todo.extend(_imported_files(path))
    return sorted(seen)


class _RuntimeChecker(ast.NodeVisitor):
    """Collects constructs newer than 3.8 in code that runs when the file is imported or called."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self.abc_names: set[str] = set()

    def _hit(self, node: ast.AST, what: str) -> None:
        self.found.append(f"line {getattr(node, 'lineno', '?')}: {what}")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "collections.abc":
            self.abc_names.update(alias.asname or alias.name for alias in node.names)

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        ):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        # Annotations are strings under ``from __future__ import annotations``; defaults and bodies run.
        for default in [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]:
            self.visit(default)
        for decorator in node.decorator_list:
            self.visit(decorator)
        for statement in node.body:
            self.visit(statement)

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)

    def _is_type(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Constant) and node.value is None:
            return True
        if isinstance(node, ast.Name) and node.id in BUILTIN_TYPES | self.abc_names:
            return True
        return isinstance(node, ast.Subscript) and self._is_type(node.value)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.value, ast.Name) and node.value.id in BUILTIN_GENERICS:
            self._hit(node, f"{node.value.id}[...] evaluated at run time needs 3.9 (use typing's alias)")
        elif isinstance(node.value, ast.Name) and node.value.id in self.abc_names:
            self._hit(node, f"collections.abc.{node.value.id}[...] evaluated at run time needs 3.9")
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.BitOr) and (self._is_type(node.left) or self._is_type(node.right)):
            self._hit(node, "X | Y of types evaluated at run time needs 3.10")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if isinstance(func, ast.Attribute) and func.attr in NEWER_METHODS:
            self._hit(node, f".{func.attr}() needs {NEWER_METHODS[func.attr]}")
        for keyword in node.keywords:
            if (name, keyword.arg) in NEWER_KEYWORDS:
                self._hit(node, f"{name}({keyword.arg}=...) needs {NEWER_KEYWORDS[(name, keyword.arg)]}")
        self.generic_visit(node)


def newer_than_oldest(path: Path) -> list[str]:
    """What in ``path`` would fail on the oldest host Python (syntax, or constructs that run)."""
    source = path.read_text(encoding="utf-8")
    try:
        ast.parse(source, filename=str(path), feature_version=OLDEST)
    except SyntaxError as exc:
        return [f"line {exc.lineno}: syntax newer than 3.8 ({exc.msg})"]
    checker = _RuntimeChecker()
    checker.visit(ast.parse(source, filename=str(path)))
    return checker.found


def test_the_closure_is_traced() -> None:
    names = {str(path.relative_to(REPO)) for path in host_closure()}
    # The modules, their wrapper, and what persist_domain_xml and libvirt_tcp_probe reach through _libvirt.
    assert {f"plugins/modules/{name}.py" for name in HOST_MODULES} <= names
    assert {
        "plugins/module_utils/_ansible/host_module.py",
        "plugins/module_utils/_libvirt/host.py",
        "plugins/module_utils/_libvirt/domain_xml.py",
        "plugins/module_utils/_rules/versions.py",
        "plugins/module_utils/_core/problems.py",
    } <= names


@pytest.mark.parametrize("path", host_closure(), ids=lambda p: str(p.relative_to(REPO)))
def test_nothing_newer_than_python_3_8_runs_on_the_hosts(path: Path) -> None:
    assert newer_than_oldest(path) == []


def test_the_checker_sees_what_3_8_lacks(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from __future__ import annotations\n"
        "from collections.abc import Callable\n"
        "from typing import TYPE_CHECKING, Tuple\n"
        "Version = tuple[int, int]\n"
        "Lookup = Callable[[str], int]\n"
        "Maybe = int | None\n"
        "Fine = Tuple[int, int]\n"
        "if TYPE_CHECKING:\n"
        "    Hidden = list[int]\n"
        "def f(a: list[int] | None = None) -> dict[str, int]:\n"
        "    x: tuple[int] = (1,)\n"
        "    return dict(zip('ab', 'cd', strict=True)) or {'a': 'x.'.removesuffix('.')} or {'b': 1 | 2}\n"
    )
    assert [line.split(":", maxsplit=1)[0] for line in newer_than_oldest(sample)] == [
        "line 4",
        "line 5",
        "line 6",
        "line 12",
        "line 12",
    ]


def _python38() -> str | None:
    found = shutil.which("python3.8")
    if found and subprocess.run([found, "-c", "pass"], capture_output=True, check=False).returncode == 0:
        return found
    candidates = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.8*/bin/python3.8")))
    return candidates[-1] if candidates else None


@pytest.mark.skipif(_python38() is None, reason="no python3.8 interpreter on this machine (PATH or pyenv)")
def test_the_host_modules_import_under_python_3_8(tmp_path: Path) -> None:
    """Import every file of the closure under a real 3.8, laid out as AnsiballZ ships it."""
    import ansible.module_utils  # the controller's ansible-core: its module_utils are the target side

    (tmp_path / "ansible").mkdir()
    (tmp_path / "ansible" / "__init__.py").write_text("")
    (tmp_path / "ansible" / "module_utils").symlink_to(Path(ansible.module_utils.__file__).parent)
    (tmp_path / "ansible_collections" / "acs").mkdir(parents=True)
    (tmp_path / "ansible_collections" / "acs" / "ingest").symlink_to(REPO)
    names = [PREFIX + ".".join(path.relative_to(REPO).with_suffix("").parts) for path in host_closure()]
    script = (
        "import importlib, sys\n"
        "assert sys.version_info[:2] == (3, 8), sys.version\n"
        "failed = []\n"
        "for name in sys.argv[1:]:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as exc:\n"
        "        failed.append(name + ': ' + type(exc).__name__ + ': ' + str(exc))\n"
        "print('\\n'.join(failed))\n"
    )
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"}
    python = _python38()
    assert python is not None
    done = subprocess.run(
        [python, "-c", script, *names], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", done.stdout
